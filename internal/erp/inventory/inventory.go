// Package inventory is the ERP unit's stock: warehouses and their
// locations, lots and serial numbers, an append-only ledger of stock moves
// with the balances it keeps, perpetual moving-average valuation,
// reservations and available-to-promise.
//
// Stock is never negative and never reserved twice: balances and stock
// rows are changed by conditional updates in the transaction that writes
// the moves, under locks taken in one fixed order, and the database itself
// refuses a negative balance, a reservation above what is on hand, and any
// change to a written move. Other ERP modules (sales, purchasing,
// production) post their documents and reserve stock through the Stock
// interface, found in module.Services under ServiceName.
package inventory

import (
	"context"
	"embed"
	"fmt"
	"github.com/loom-erp/loom/internal/erp/inventory/shipmentcosts"
	"io/fs"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/core"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/web"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Warehouse is a building or yard that holds stock.
type Warehouse = domain.InventoryWarehouse

// Location is a bin, shelf or area of a warehouse.
type Location = domain.InventoryLocation

// LocationType says what stock in a location is for.
type LocationType = domain.LocationType

// Lot is a lot or serial number of an item.
type Lot = domain.InventoryLot

// Doc is a posted stock document with its moves.
type Doc = domain.InventoryDoc

// DocKind says what a stock document does.
type DocKind = domain.DocKind

// PostRequest asks to post a stock document; PostLine is one of its lines.
type (
	PostRequest = domain.PostRequest
	PostLine    = domain.PostLine
)

// ReserveRequest asks to reserve stock for a source line.
type ReserveRequest = domain.ReserveRequest

// Scheduled is a quantity expected in, or asked of, a warehouse on a date.
type Scheduled = domain.Scheduled

// ATP is an item's available-to-promise schedule.
type ATP = domain.InventoryATP

// Balance is the stock of an item, lot and location.
type Balance = domain.InventoryBalance

// StockFilter selects balances.
type StockFilter = domain.StockFilter

// The location types and document kinds.
const (
	LocStock         = domain.LocStock
	LocQuarantine    = domain.LocQuarantine
	LocWIP           = domain.LocWIP
	LocScrap         = domain.LocScrap
	LocTransit       = domain.LocTransit
	DocReceipt       = domain.DocReceipt
	DocIssue         = domain.DocIssue
	DocTransfer      = domain.DocTransfer
	DocAdjustment    = domain.DocAdjustment
	DocScrap         = domain.DocScrap
	DocShipment      = domain.DocShipment
	DocReturn        = domain.DocReturn
	DocProductionIn  = domain.DocProductionIn
	DocProductionOut = domain.DocProductionOut
)

// Permissions of the inventory.
const (
	PermRead      = domain.PermRead      // see stock, moves and availability
	PermMove      = domain.PermMove      // receive, issue, transfer
	PermAdjust    = domain.PermAdjust    // adjust after counts, scrap
	PermValue     = domain.PermValue     // see costs and stock values
	PermWarehouse = domain.PermWarehouse // set up warehouses and locations
	PermRelease   = domain.PermRelease   // release goods from quarantine
	// PermCountApprove approves counts above the variance threshold.
	PermCountApprove = domain.PermCountApprove
)

// EventAvailabilityChanged is sent when an item's availability changes.
const EventAvailabilityChanged = domain.EventAvailabilityChanged

// Schedule directions for Stock.SetSchedule.
const (
	Incoming = core.Incoming // receipts expected
	Demand   = core.Demand   // demand due
)

// Stock is what other ERP modules use of the inventory. Its methods run in
// the caller's transaction (or their own) and check no permission: callers
// check their own.
type Stock interface {
	// Post posts a stock document: moves, balances, valuation, journal entry.
	Post(ctx context.Context, req PostRequest) (Doc, error)
	// Reserve reserves free stock per request and returns what each got.
	Reserve(ctx context.Context, reqs []ReserveRequest) ([]money.Quantity, error)
	// Reserved returns what is reserved for each source of a kind.
	Reserved(ctx context.Context, sourceKind string, sourceIDs []string) (map[string]money.Quantity, error)
	// Release gives back everything reserved for the sources.
	Release(ctx context.Context, sourceKind string, sourceIDs []string) error
	// SetSchedule records expected receipts (Incoming) or demand (Demand).
	SetSchedule(ctx context.Context, direction string, entries []Scheduled) error
	// LookupATP returns available-to-promise, and a promise date for qty.
	LookupATP(ctx context.Context, itemID, warehouseID string, qty money.Quantity) (ATP, error)
	// DefaultWarehouse returns the warehouse sales ship from by default.
	DefaultWarehouse(ctx context.Context) (Warehouse, error)
	// LookupWarehouse returns a warehouse by id.
	LookupWarehouse(ctx context.Context, id string) (Warehouse, error)
	// LookupWarehouses lists the active warehouses by code.
	LookupWarehouses(ctx context.Context) ([]Warehouse, error)
	// LookupLocation returns a location by id or scanned code.
	LookupLocation(ctx context.Context, ref string) (Location, error)
	// LookupLot returns an item's lot by number.
	LookupLot(ctx context.Context, itemID, lotNo string) (Lot, error)
	// LookupBalances lists what lies where.
	LookupBalances(ctx context.Context, f StockFilter) ([]Balance, error)
	// LookupDoc returns a posted document with its moves, costs and values.
	LookupDoc(ctx context.Context, id string) (Doc, error)
}

// ShipmentDetails tells the inventory's traceability screens about the
// shipments behind its shipment documents; the sales module provides it
// under ShipmentDetailsName.
type ShipmentDetails = domain.ShipmentDetails

// TraceShipment is a shipment to a customer, for traceability.
type TraceShipment = domain.TraceShipment

// ShipmentDetailsName is the name ShipmentDetails is provided under.
const ShipmentDetailsName = domain.ShipmentDetailsName

// ServiceName is the name the inventory provides its Stock under in module.Services.
const ServiceName = "erp.inventory"

// From returns the Stock wired in this process, or nil.
func From(s *module.Services) Stock {
	if s == nil {
		return nil
	}
	st, _ := s.Lookup(ServiceName).(Stock)
	return st
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

// Module returns the inventory module of the ERP unit. The catalog must be
// wired before it.
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
			{Key: "erp-stock", Href: "/erp/stock", LabelKey: "erp.inventory.nav.stock", Perm: PermRead},
			{Key: "erp-stock-ops", Href: "/erp/stock/receive", LabelKey: "erp.inventory.nav.operations", Perm: PermMove},
			{Key: "erp-stock-counts", Href: "/erp/stock/counts", LabelKey: "erp.inventory.nav.counts", Perm: PermRead},
			{Key: "erp-stock-quarantine", Href: "/erp/stock/quarantine", LabelKey: "erp.inventory.nav.quarantine", Perm: PermRead},
			{Key: "erp-stock-trace", Href: "/erp/stock/trace", LabelKey: "erp.inventory.nav.trace", Perm: PermRead},
			{Key: "erp-warehouses", Href: "/erp/warehouses", LabelKey: "erp.inventory.nav.warehouses", Perm: PermRead},
		},
		Wire: func(ctx context.Context, env *module.Env) error {
			cat := catalog.From(env.Services)
			if cat == nil {
				return fmt.Errorf("inventory: the catalog must be wired first")
			}
			svc := &core.Service{DB: env.DB, Now: env.Now, Catalog: cat,
				Poster:   func() finance.Poster { return finance.PosterFrom(env.Services) },
				Partners: func() partner.Partners { return partner.From(env.Services) },
				Shipments: func() domain.ShipmentDetails {
					sd, _ := env.Services.Lookup(ShipmentDetailsName).(ShipmentDetails)
					return sd
				}}
			env.Services.Provide(ServiceName, svc)
			env.Services.Provide(catalog.UsageServiceName, svc)
			env.Services.Provide(shipmentcosts.ServiceName, sourceCosts{env.DB}) // costs.go: finance's margin by item
			web.Register(env, svc)
			for _, c := range core.Checkers() {
				check.Register(c)
			}
			return nil
		},
		Demo: demo,
	}
}
