// Package wire joins the CRM's copy of ERP data to a running Loom.
package wire

import (
	"context"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/catalog/internal/store"
	"github.com/loom-erp/loom/internal/crm/catalog/internal/web"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(catalog.Messages()) }

// Module returns the module; it is wired after the customer module.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: catalog.Module, Migrations: catalog.Migrations(),
		Nav:  []webui.NavItem{{Key: "crm.items", Href: "/crm/items", LabelKey: "crm.nav.items", Perm: catalog.PermRead}},
		Wire: wire,
	}
}

func wire(ctx context.Context, env *module.Env) error {
	kit, err := crmui.NewKit(env)
	if err != nil {
		return err
	}
	if err := catalog.RegisterERPEvents(); err != nil {
		return err
	}
	st := store.New(env.DB, env.Now)
	svc := store.Service{Store: st}
	if cs, ok := env.Services.Lookup(customer.ServiceName).(customer.Service); ok {
		svc.Visible = cs.Visible
	}
	env.Services.Provide(catalog.ServiceName, catalog.Service(svc))
	panels, _ := env.Services.Lookup(customer.PanelsName).(customer.Panels)
	web.New(kit, svc).Wire(panels)
	return env.Bus.Subscribe("crm-catalog", env.DB, catalog.Events, st.Apply)
}
