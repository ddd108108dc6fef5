// Package wire joins the quote module to a running Loom.
package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/crm/quote/internal/service"
	"github.com/loom-erp/loom/internal/crm/quote/internal/web"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(quote.Messages()) }

// Module returns the quote module; it is wired after the customer, catalog
// and pipeline modules.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: quote.Module, Migrations: quote.Migrations(),
		Nav: []webui.NavItem{
			{Key: "crm.quotes", Href: "/crm/quotes", LabelKey: "crm.nav.quotes", Perm: quote.PermRead},
			{Key: "crm.approvals", Href: "/crm/approvals", LabelKey: "crm.nav.approvals", Perm: quote.PermRead},
			{Key: "crm.prices", Href: "/crm/prices", LabelKey: "crm.nav.prices", Perm: quote.PermRead},
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
		return errors.New("quote: the customer module must be wired first")
	}
	items, ok := env.Services.Lookup(catalog.ServiceName).(catalog.Service)
	if !ok {
		return errors.New("quote: the catalog module must be wired first")
	}
	pipelines, _ := env.Services.Lookup(pipeline.ServiceName).(pipeline.Service)
	svc := service.New(env.DB, kit.Dir, customers, items, pipelines, env.Now)
	kit.Dir.OnAdopt(svc.Adopt)
	env.Services.Provide(quote.ServiceName, quote.Service(svc))
	accounts, _ := env.Services.Lookup(customer.PanelsName).(customer.Panels)
	opps, _ := env.Services.Lookup(pipeline.PanelsName).(pipeline.Panels)
	web.New(kit, svc, customers, items, pipelines).Wire(accounts, opps)
	// Tell a quote's owner when ERP accepts or refuses its order.
	return env.Bus.Subscribe("crm-quote-orders", env.DB, []string{catalog.EventSalesOrderAccepted, catalog.EventSalesOrderRejected},
		func(ctx context.Context, ev bus.Envelope) error {
			var d struct {
				QuoteID  string `json:"quote_id"`
				SONumber string `json:"so_number"`
				Reason   string `json:"reason"`
			}
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return fmt.Errorf("quote: event %s: %w", ev.ID, err)
			}
			return svc.OrderAnswered(ctx, d.QuoteID, ev.Type == catalog.EventSalesOrderAccepted, d.SONumber, d.Reason)
		})
}
