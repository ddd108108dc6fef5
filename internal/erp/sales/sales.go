// Package sales is the ERP unit's sales orders and their fulfilment.
//
// Orders come from CRM (crm.order.requested, answered with
// erp.sales_order.accepted or rejected; a repeated request never makes a
// second order) or are entered in ERP. Confirming an order reserves stock
// line by line; what is short becomes a backorder promised from
// available-to-promise. Goods are picked — with a scanner, one pick at a
// time — and shipped with a carrier and tracking number, the lots they came
// from, in one or several shipments; a delivery note prints for each. Every
// status change goes to CRM as erp.sales_order.status_changed, every
// shipment as erp.shipment.shipped.
//
// Sales reps see the orders they own (data scope erp.sales_order: own,
// team or company).
package sales

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/loom-erp/loom/internal/erp/catalog"
	financewire "github.com/loom-erp/loom/internal/erp/finance/wire"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/internal/benchmark"
	"github.com/loom-erp/loom/internal/erp/sales/internal/core"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/erp/sales/internal/web"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/erp/sales/salesreturns"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Order is a sales order with its lines.
type Order = domain.SalesOrder

// Line is one line of a sales order.
type Line = domain.SalesLine

// Shipment is goods leaving for a customer.
type Shipment = domain.SalesShipment

// Status is where a sales order stands.
type Status = domain.Status

// The statuses of a sales order.
const (
	StatusDraft             = domain.StatusDraft
	StatusConfirmed         = domain.StatusConfirmed
	StatusPartiallyReserved = domain.StatusPartiallyReserved
	StatusReserved          = domain.StatusReserved
	StatusPartiallyShipped  = domain.StatusPartiallyShipped
	StatusShipped           = domain.StatusShipped
	StatusCancelled         = domain.StatusCancelled
	StatusClosed            = domain.StatusClosed
)

// Permissions of the sales module.
const (
	PermRead   = domain.PermRead   // see orders and shipments, within the data scope
	PermManage = domain.PermManage // enter, confirm, reserve, cancel and close orders
	PermShip   = domain.PermShip   // pick and ship
	PermReturn = domain.PermReturn // enter customer returns and receive them
)

// ScopeKind is the data-scope kind of sales orders.
const ScopeKind = domain.ScopeKind

// Events the sales module sends and receives.
const (
	EventOrderRequested = domain.EventOrderRequested
	EventAccepted       = domain.EventAccepted
	EventRejected       = domain.EventRejected
	EventStatusChanged  = domain.EventStatusChanged
	EventShipped        = domain.EventShipped
	// EventReturnAuthorized (from CRM) makes an expected return; ERP
	// answers with EventReturnReceived when the goods arrive, or at once
	// when it cannot take the return.
	EventReturnAuthorized = domain.EventReturnAuthorized
	EventReturnReceived   = domain.EventReturnReceived
)

// ReserveKind is the source kind of sales-order reservations in the inventory.
const ReserveKind = domain.ReserveKind

// serviceName is the name the sales service is kept under for its own demo
// data and benchmarks.
const serviceName = benchmark.ServiceName

func init() {
	benchmark.Register(func() []module.Module {
		return []module.Module{catalog.Module(), partner.Module(), inventory.Module(), financewire.Module(), Module()}
	})
}

func serviceOf(env *module.Env) *core.Service {
	svc, _ := env.Services.Lookup(serviceName).(*core.Service)
	return svc
}

//go:embed migrations
var migrations embed.FS

//go:embed locales/*.toml
var locales embed.FS

func init() {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	i18n.Register(sub)
}

// Module returns the sales module of the ERP unit. The catalog, inventory
// and partner modules must be wired before it.
func Module() module.Module {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return module.Module{
		Unit:       "erp",
		Name:       domain.Module,
		Migrations: sub,
		Nav: []webui.NavItem{
			{Key: "erp-sales", Href: "/erp/sales/orders", LabelKey: "erp.sales.nav.orders", Perm: PermRead},
			{Key: "erp-sales-returns", Href: "/erp/sales/returns", LabelKey: "erp.sales.nav.returns", Perm: PermRead},
		},
		Wire: func(ctx context.Context, env *module.Env) error {
			cat, stock, partners := catalog.From(env.Services), inventory.From(env.Services), partner.From(env.Services)
			if cat == nil || stock == nil || partners == nil {
				return fmt.Errorf("sales: the catalog, inventory and partner modules must be wired first")
			}
			svc := &core.Service{DB: env.DB, Now: env.Now, Catalog: cat, Stock: stock, Partners: partners,
				Credit: func() partner.CreditHolds { return partner.CreditHoldsFrom(env.Services) }}
			env.Services.Provide(serviceName, svc)
			env.Services.Provide(salesorders.ServiceName, orders{svc})   // orders.go: finance reads order prices
			env.Services.Provide(salesreturns.ServiceName, returns{svc}) // returns_contract.go: finance credits returns
			env.Services.Provide(inventory.ShipmentDetailsName, core.ShipmentDetails{S: svc})
			web.Register(env, svc)
			if err := env.Bus.Subscribe("erp-sales-return-authorizations", env.DB, []string{domain.EventReturnAuthorized}, svc.ApplyReturnAuthorized); err != nil {
				return err
			}
			return env.Bus.Subscribe("erp-sales-order-requests", env.DB, []string{domain.EventOrderRequested}, svc.ApplyOrderRequest)
		},
		Demo: demo, DemoAfter: []string{"crm/crm_demo"}, // after the CRM demo: orders for its customers
	}
}
