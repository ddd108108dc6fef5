// Package wire joins the contract module to a running Loom.
package wire

import (
	"context"
	"errors"

	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/contract/internal/service"
	"github.com/loom-erp/loom/internal/crm/contract/internal/web"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(contract.Messages()) }

// Module returns the contract module; it is wired after the customer,
// catalog (which registers ERP's event types), pipeline and quote modules.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: contract.Module, Migrations: contract.Migrations(),
		Nav:  []webui.NavItem{{Key: "crm.contracts", Href: "/crm/contracts", LabelKey: "crm.nav.contracts", Perm: contract.PermRead}},
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
		return errors.New("contract: the customer module must be wired first")
	}
	deals, _ := env.Services.Lookup(pipeline.ServiceName).(pipeline.Service)
	quotes, _ := env.Services.Lookup(quote.ServiceName).(quote.Service)
	svc := service.New(env.DB, kit.Dir, customers, deals, quotes, env.Now)
	env.Services.Provide(contract.ServiceName, contract.Service(svc))
	if err := env.Bus.Subscribe("crm-contract-ledger", env.DB, service.Events(), svc.Apply); err != nil {
		return err
	}
	accounts, _ := env.Services.Lookup(customer.PanelsName).(customer.Panels)
	opps, _ := env.Services.Lookup(pipeline.PanelsName).(pipeline.Panels)
	web.New(kit, svc, customers).Wire(accounts, opps)
	return nil
}
