// Package wire joins the lead module to a running Loom.
package wire

import (
	"context"
	"errors"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/lead/internal/service"
	"github.com/loom-erp/loom/internal/crm/lead/internal/web"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(lead.Messages()) }

// Module returns the lead module; it is wired after the customer and
// pipeline modules.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: lead.Module, Migrations: lead.Migrations(),
		Nav: []webui.NavItem{
			{Key: "crm.leads", Href: "/crm/leads", LabelKey: "crm.nav.leads", Perm: lead.PermRead},
			{Key: "crm.campaigns", Href: "/crm/campaigns", LabelKey: "crm.nav.campaigns", Perm: lead.PermRead},
		},
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
		return errors.New("lead: the customer module must be wired first")
	}
	pipelines, _ := env.Services.Lookup(pipeline.ServiceName).(pipeline.Service)
	svc := service.New(env.DB, kit.Dir, customers, pipelines, env.Now)
	kit.Dir.OnAdopt(svc.Adopt)
	env.Services.Provide(lead.ServiceName, lead.Service(svc))
	web.New(kit, svc, customers, pipelines).Wire()
	return nil
}
