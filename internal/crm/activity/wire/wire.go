// Package wire joins the activity module to a running Loom.
package wire

import (
	"context"
	"errors"
	"time"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/activity/internal/service"
	"github.com/loom-erp/loom/internal/crm/activity/internal/web"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(activity.Messages()) }

// RemindEvery is how often due tasks are looked for, to remind their owners.
const RemindEvery = time.Minute

// Module returns the activity module; it is wired after the customer, lead
// and pipeline modules.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: activity.Module, Migrations: activity.Migrations(),
		Nav:  []webui.NavItem{{Key: "crm.my_day", Href: "/crm/my-day", LabelKey: "crm.nav.my_day", Perm: activity.PermRead}},
		Wire: wire,
	}
}

func wire(ctx context.Context, env *module.Env) error {
	kit, err := crmui.NewKit(env)
	if err != nil {
		return err
	}
	customers, ok := env.Services.Lookup(customer.ServiceName).(customer.Service)
	if !ok {
		return errors.New("activity: the customer module must be wired first")
	}
	leads, _ := env.Services.Lookup(lead.ServiceName).(lead.Service)
	pipelines, _ := env.Services.Lookup(pipeline.ServiceName).(pipeline.Service)
	svc := service.New(env.DB, kit.Dir, customers, leads, pipelines, env.Now)
	kit.Dir.OnAdopt(svc.Adopt)
	env.Services.Provide(activity.ServiceName, activity.Service(svc))
	accounts, _ := env.Services.Lookup(customer.PanelsName).(customer.Panels)
	opps, _ := env.Services.Lookup(pipeline.PanelsName).(pipeline.Panels)
	web.New(kit, svc, customers).Wire(accounts, opps)
	go remind(env, svc)
	return nil
}

// remind reminds the owners of due tasks now and then, until the event bus
// stops (with the process). Several processes may do so at once: each task
// reminds its owner once.
func remind(env *module.Env, svc *service.Service) {
	tick := time.NewTicker(RemindEvery)
	defer tick.Stop()
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	for {
		select {
		case <-env.Bus.Done():
			return
		case <-tick.C:
			if _, err := svc.Remind(ctx, env.Now()); err != nil {
				env.Log.Warn("crm: remind due tasks", "err", err)
			}
		}
	}
}
