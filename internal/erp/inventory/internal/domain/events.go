package domain

import (
	"encoding/json"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Module is the inventory's module name: its migrations and audit actions.
const Module = "inventory"

// Permissions of the inventory.
const (
	// PermRead lets a user see stock, moves, lots and availability.
	PermRead authz.Permission = "erp.stock.read"
	// PermMove lets a user receive, issue and transfer stock.
	PermMove authz.Permission = "erp.stock.move"
	// PermAdjust lets a user adjust stock after a count and scrap it.
	PermAdjust authz.Permission = "erp.stock.adjust"
	// PermValue lets a user see costs and stock values.
	PermValue authz.Permission = "erp.stock.value"
	// PermWarehouse lets a user set up warehouses and locations.
	PermWarehouse authz.Permission = "erp.warehouse.manage"
	// PermRelease lets a user release goods from quarantine after inspection.
	PermRelease authz.Permission = "erp.stock.release"
	// PermCountApprove lets a user approve a stock count whose variance is
	// above the threshold, and set the threshold.
	PermCountApprove authz.Permission = "erp.stock.count.approve"
)

func init() {
	authz.Register(
		authz.Definition{Name: PermRead, Module: Module, Roles: []string{
			identity.RoleSalesRep, identity.RoleSalesManager, identity.RoleWarehouseClerk, identity.RoleBuyer,
			identity.RolePlanner, identity.RoleProductionSupervisor, identity.RoleQualityInspector,
			identity.RoleAccountant, identity.RoleFinanceManager,
		}},
		authz.Definition{Name: PermMove, Module: Module, Roles: []string{identity.RoleWarehouseClerk}},
		authz.Definition{Name: PermAdjust, Module: Module, Roles: []string{identity.RoleWarehouseClerk}},
		authz.Definition{Name: PermValue, Module: Module, Roles: []string{identity.RoleAccountant, identity.RoleFinanceManager}},
		authz.Definition{Name: PermWarehouse, Module: Module, Roles: []string{identity.RoleWarehouseClerk}},
		authz.Definition{Name: PermRelease, Module: Module, Roles: []string{identity.RoleWarehouseClerk, identity.RoleQualityInspector}},
		authz.Definition{Name: PermCountApprove, Module: Module, Roles: []string{identity.RoleFinanceManager}},
	)
	outbox.MustRegister(outbox.EventType{
		Type:    EventAvailabilityChanged,
		Version: 1,
		Source:  "erp",
		Description: "The stock of an item that can be promised changed: on hand in stock locations, reserved, " +
			"available, or the receipts expected. Sent only when one of these numbers changes; CRM quotes from it.",
		Schema: json.RawMessage(`{"type":"object","required":["item_id","on_hand","reserved","available","incoming","lead_time_days","as_of"],"properties":{` +
			`"item_id":{"type":"string","format":"uuid"},"on_hand":{"type":"string","format":"decimal"},` +
			`"reserved":{"type":"string","format":"decimal"},"available":{"type":"string","format":"decimal"},` +
			`"incoming":{"type":"array","items":{"type":"object","required":["date","quantity"],"properties":{` +
			`"date":{"type":"string","format":"date"},"quantity":{"type":"string","format":"decimal"}}}},` +
			`"lead_time_days":{"type":"integer","minimum":0},"as_of":{"type":"string","format":"date-time"}}}`),
		Example: AvailabilityChanged{ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", OnHand: money.MustQuantity("120"),
			Reserved: money.MustQuantity("40"), Available: money.MustQuantity("80"),
			Incoming:     []Incoming{{Date: "2026-04-20", Quantity: money.MustQuantity("200")}},
			LeadTimeDays: 15, AsOf: time.Date(2026, 4, 1, 8, 30, 0, 0, time.UTC)},
	})
}

// EventAvailabilityChanged is the type of the event sent when an item's
// availability changes.
const EventAvailabilityChanged = "erp.stock.availability_changed"

// AvailabilityChanged is the data of erp.stock.availability_changed, as
// docs/events.md describes it. Quantities are in the item's base unit,
// summed over the stock locations of every warehouse.
type AvailabilityChanged struct {
	ItemID       string         `json:"item_id"`
	OnHand       money.Quantity `json:"on_hand"`
	Reserved     money.Quantity `json:"reserved"`
	Available    money.Quantity `json:"available"`
	Incoming     []Incoming     `json:"incoming"`
	LeadTimeDays int            `json:"lead_time_days"`
	AsOf         time.Time      `json:"as_of"`
}

// Incoming is a quantity expected on a date.
type Incoming struct {
	Date     string         `json:"date"`
	Quantity money.Quantity `json:"quantity"`
}

// PostRequest asks the inventory to post a stock document inside the
// caller's transaction: a clerk's document, or one of another module
// (a sales shipment, a purchase receipt).
type PostRequest struct {
	Kind        DocKind
	Number      string // the document's number; empty takes the next of its kind
	Date        string // posting date; empty means today
	Reference   string
	Note        string
	SourceKind  string // the business document behind it, such as so_shipment
	SourceID    string
	PartnerKind string // customer or supplier, for the journal entry
	PartnerID   string
	Lines       []PostLine
}

// PostLine is one line of a PostRequest.
type PostLine struct {
	// Field names the line in errors, such as lines[2]; empty gives lines[i].
	Field        string
	ItemID       string
	LocationID   string
	ToLocationID string // transfers
	LotNo        string // lot or serial number; created on receipt when new
	ExpiryDate   string // of a new lot
	// Quantity is positive; for adjustments a negative quantity is a loss.
	Quantity money.Quantity
	// UnitCost is the cost of one base unit coming in; nil takes the
	// item's current average cost.
	UnitCost *money.UnitPrice
	// ReserveKind and ReserveID name the reservation an outgoing line
	// consumes (a sales order line); it must cover the quantity.
	ReserveKind, ReserveID string
}

// ReserveRequest asks to set aside available stock of an item in a
// warehouse for a source (a sales order line, a work order).
type ReserveRequest struct {
	SourceKind, SourceID string
	ItemID, WarehouseID  string
	Quantity             money.Quantity
	// LeadTimeDays is the item's lead time when LeadTimeKnown: a caller
	// that has read it spares the reservation reading it again.
	LeadTimeDays  int
	LeadTimeKnown bool
}

// Scheduled is a quantity of an item expected in (incoming) or asked of
// (demand) a warehouse on a date, by a source document line. A zero
// quantity removes it.
type Scheduled struct {
	SourceKind, SourceID string
	ItemID, WarehouseID  string
	Date                 string
	Quantity             money.Quantity
}

// InventoryStock is the stock of an item in a warehouse's stock locations.
type InventoryStock struct {
	ItemID        string         `json:"item_id"`
	ItemCode      string         `json:"item_code"`
	ItemName      string         `json:"item_name"`
	UoM           string         `json:"uom"`
	UoMPrecision  int            `json:"uom_precision"`
	WarehouseID   string         `json:"warehouse_id"`
	WarehouseCode string         `json:"warehouse_code"`
	OnHand        money.Quantity `json:"on_hand" doc:"In stock locations."`
	Reserved      money.Quantity `json:"reserved"`
	Available     money.Quantity `json:"available"`
	Other         money.Quantity `json:"other" doc:"In quarantine, WIP, scrap and transit locations."`
}

// InventoryBalance is the stock of an item, lot and location.
type InventoryBalance struct {
	ItemID       string         `json:"item_id"`
	ItemCode     string         `json:"item_code"`
	ItemName     string         `json:"item_name"`
	UoM          string         `json:"uom"`
	UoMPrecision int            `json:"uom_precision"`
	WarehouseID  string         `json:"warehouse_id"`
	LocationID   string         `json:"location_id"`
	LocationCode string         `json:"location_code"`
	LocationType LocationType   `json:"location_type"`
	LotID        string         `json:"lot_id,omitempty"`
	LotNo        string         `json:"lot_no,omitempty"`
	ExpiryDate   string         `json:"expiry_date,omitempty"`
	OnHand       money.Quantity `json:"on_hand"`
}

// InventoryATP is an item's available-to-promise schedule in a warehouse
// (or all of them): what is free now, and day by day as receipts arrive and
// demand falls due.
type InventoryATP struct {
	ItemID       string            `json:"item_id"`
	WarehouseID  string            `json:"warehouse_id,omitempty"`
	OnHand       money.Quantity    `json:"on_hand"`
	Reserved     money.Quantity    `json:"reserved"`
	Available    money.Quantity    `json:"available"`
	LeadTimeDays int               `json:"lead_time_days"`
	Days         []InventoryATPDay `json:"days" nullable:"false"`
	// PromiseDate is the first date from which the asked quantity stays
	// available; empty when none was asked.
	PromiseDate string `json:"promise_date,omitempty"`
}

// InventoryATPDay is the change of availability on one date.
type InventoryATPDay struct {
	Date      string         `json:"date"`
	Incoming  money.Quantity `json:"incoming"`
	Demand    money.Quantity `json:"demand"`
	Available money.Quantity `json:"available" doc:"Available to promise at the end of the day."`
}

// InventoryValue is the value of the stock on a date.
type InventoryValue struct {
	Date       string                   `json:"date"`
	Value      money.Amount             `json:"value"`
	Currency   string                   `json:"currency"`
	Categories []InventoryCategoryValue `json:"categories" nullable:"false"`
}

// InventoryCategoryValue is the stock value of one item category.
type InventoryCategoryValue struct {
	CategoryID   string       `json:"category_id"`
	CategoryName string       `json:"category_name"`
	Value        money.Amount `json:"value"`
}
