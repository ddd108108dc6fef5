// Package wire joins the import and export module to a running Loom.
package wire

import (
	"context"
	"errors"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/crm/transfer/internal/service"
	"github.com/loom-erp/loom/internal/crm/transfer/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(transfer.Messages()) }

// Module returns the import module; it is wired after the customer and
// lead modules.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: transfer.Module, Migrations: transfer.Migrations(),
		Nav:  []webui.NavItem{{Key: "crm.import", Href: "/crm/import", LabelKey: "crm.nav.import", Perm: transfer.PermImport}},
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
		return errors.New("transfer: the customer module must be wired first")
	}
	leads, _ := env.Services.Lookup(lead.ServiceName).(lead.Service)
	svc := service.New(env.DB, kit.Dir, customers, leads, env.Now)
	env.Services.Provide(transfer.ServiceName, transfer.Service(svc))
	web.New(kit, svc).Wire()
	return nil
}
