// Package wire joins the customer module to a running Loom.
package wire

import (
	"context"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/customer/internal/service"
	"github.com/loom-erp/loom/internal/crm/customer/internal/web"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(customer.Messages()) }

// Module returns the customer module.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: customer.Module, Migrations: customer.Migrations(),
		Nav: []webui.NavItem{
			{Key: "crm.accounts", Href: "/crm/accounts", LabelKey: "crm.nav.accounts", Perm: customer.PermRead},
			{Key: "crm.contacts", Href: "/crm/contacts", LabelKey: "crm.nav.contacts", Perm: customer.PermRead},
			{Key: "crm.pool", Href: "/crm/pool", LabelKey: "crm.nav.pool", Perm: customer.PermRead},
		},
		Wire: wire,
	}
}

func wire(ctx context.Context, env *module.Env) error {
	kit, err := crmui.NewKit(env)
	if err != nil {
		return err
	}
	svc := service.New(env.DB, kit.Dir, env.Now)
	kit.Dir.OnAdopt(svc.Adopt)
	env.Services.Provide(customer.ServiceName, customer.Service(svc))
	h := web.New(kit, svc)
	env.Services.Provide(customer.PanelsName, customer.Panels(h))
	h.Wire()
	go sweep(env, svc)
	return nil
}

// SweepEvery is how often idle customers are returned to the pool.
const SweepEvery = time.Hour

// sweep returns idle customers to the pool now and then, until the event
// bus stops (with the process). Several processes may sweep at once: each
// account goes back, and each owner is told, once.
func sweep(env *module.Env, svc *service.Service) {
	tick := time.NewTicker(SweepEvery)
	defer tick.Stop()
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	for {
		select {
		case <-env.Bus.Done():
			return
		case <-tick.C:
			if _, _, err := svc.SweepPool(ctx, env.Now()); err != nil {
				env.Log.Warn("crm: sweep the customer pool", "err", err)
			}
		}
	}
}
