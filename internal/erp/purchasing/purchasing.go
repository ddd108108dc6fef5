// Package purchasing is the ERP unit's buying: suppliers' price lists,
// purchase orders with approval above an amount, receipts against them
// into stock or quarantine, and supplier bills matched three ways (ordered,
// received, billed) before they post to the ledger.
//
// Approved order lines are expected receipts in the inventory, so
// available-to-promise counts on them; receipts post inventory documents
// through the inventory's Stock (which posts inventory / GRNI), and bills
// post GRNI, input VAT, price difference and the payable through the
// finance Poster, each in the transaction of the document.
package purchasing

import (
	"context"
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/core"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Order is a purchase order with its lines and approval history.
type Order = domain.PurchaseOrder

// Line is one line of a purchase order.
type Line = domain.PurchaseLine

// Price is one entry of a supplier's price list.
type Price = domain.PurchasePrice

// Receipt is goods received against a purchase order line.
type Receipt = domain.PurchaseReceipt

// Bill is a supplier bill matched against a purchase order.
type Bill = domain.SupplierBill

// Settings are the approval threshold and the tolerances buyers work under.
type Settings = domain.PurchaseSettings

// Status is where a purchase order stands; BillStatus where a bill does.
type (
	Status     = domain.Status
	BillStatus = domain.BillStatus
)

// The statuses of orders and bills.
const (
	StatusDraft             = domain.StatusDraft
	StatusPendingApproval   = domain.StatusPendingApproval
	StatusApproved          = domain.StatusApproved
	StatusPartiallyReceived = domain.StatusPartiallyReceived
	StatusReceived          = domain.StatusReceived
	StatusClosed            = domain.StatusClosed
	StatusCancelled         = domain.StatusCancelled
	BillHeld                = domain.BillHeld
	BillPosted              = domain.BillPosted
	BillRejected            = domain.BillRejected
)

// The events purchasing emits; their data are OrderStatusChanged and
// OrderReceived.
const (
	EventOrderStatusChanged = domain.EventOrderStatusChanged
	EventOrderReceived      = domain.EventOrderReceived
)

// OrderStatusChanged and OrderReceived are the data of purchasing's events.
type (
	OrderStatusChanged = domain.OrderStatusChanged
	OrderReceived      = domain.OrderReceived
)

// Permissions of the purchasing module.
const (
	PermRead     = domain.PermRead     // see price lists, orders, receipts and bills
	PermWrite    = domain.PermWrite    // keep price lists; enter, submit, cancel and close orders
	PermApprove  = domain.PermApprove  // approve or reject orders and held bills
	PermReceive  = domain.PermReceive  // receive goods against orders
	PermBill     = domain.PermBill     // enter supplier bills
	PermSettings = domain.PermSettings // change the threshold and tolerances
)

// Reasons a bill line does not match its order.
const (
	ReasonQuantity = domain.ReasonQuantity
	ReasonPrice    = domain.ReasonPrice
)

// serviceName is the name the purchasing service is kept under, for its
// demo data.
const serviceName = "erp.purchasing"

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

// Module returns the purchasing module of the ERP unit. It finds the
// catalog, inventory, partner and finance services when it uses them.
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
			{Key: "erp-purchasing", Href: "/erp/purchasing/orders", LabelKey: "erp.purchasing.nav.orders", Perm: PermRead},
			{Key: "erp-purchasing-receive", Href: "/erp/purchasing/receive", LabelKey: "erp.purchasing.nav.receive", Perm: PermReceive},
		},
		Wire: func(ctx context.Context, env *module.Env) error {
			svc := &core.Service{DB: env.DB, Now: env.Now,
				Catalog:  func() catalog.Catalog { return catalog.From(env.Services) },
				Stock:    func() inventory.Stock { return inventory.From(env.Services) },
				Partners: func() partner.Partners { return partner.From(env.Services) },
				Poster:   func() finance.Poster { return finance.PosterFrom(env.Services) },
				// The finance ledger behind the Poster also gives exchange rates.
				Rates: func() core.Rates {
					r, _ := env.Services.Lookup(finance.ServiceName).(core.Rates)
					return r
				},
			}
			env.Services.Provide(serviceName, svc)
			web.Register(env, svc)
			return nil
		},
		Demo: demo,
	}
}
