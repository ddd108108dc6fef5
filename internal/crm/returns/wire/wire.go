// Package wire joins the returns module to a running Loom.
package wire

import (
	"context"
	"errors"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/crm/returns/internal/service"
	"github.com/loom-erp/loom/internal/crm/returns/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(returns.Messages()) }

// Module returns the returns module; it is wired after the customer and
// catalog modules (the catalog registers ERP's shipment event).
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: returns.Module, Migrations: returns.Migrations(),
		Nav:  []webui.NavItem{{Key: "crm.returns", Href: "/crm/returns", LabelKey: "crm.nav.returns", Perm: returns.PermRead}},
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
		return errors.New("returns: the customer module must be wired first")
	}
	items, _ := env.Services.Lookup(catalog.ServiceName).(catalog.Service)
	if err := returns.RegisterERPTypes(); err != nil {
		return err
	}
	svc := service.New(env.DB, kit.Dir, customers, items, env.Now)
	env.Services.Provide(returns.ServiceName, returns.Service(svc))
	if err := env.Bus.Subscribe("crm-returns", env.DB, service.Events(), svc.Apply); err != nil {
		return err
	}
	accounts, _ := env.Services.Lookup(customer.PanelsName).(customer.Panels)
	web.New(kit, svc, customers).Wire(accounts)
	return nil
}
