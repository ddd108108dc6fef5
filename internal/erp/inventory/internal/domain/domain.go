// Package domain holds the inventory's types and rules: warehouses and
// their locations, lots and serial numbers, stock documents and their moves,
// reservations and availability, the inventory's permissions and events.
package domain

import (
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/money"
)

// LocationType says what stock in a location is for.
type LocationType string

// The types of locations. Only stock in stock locations can be reserved
// and shipped; quarantine holds goods waiting for inspection, WIP goods on
// the shop floor, scrap goods to be written off, transit goods on the way
// between warehouses.
const (
	LocStock      LocationType = "stock"
	LocQuarantine LocationType = "quarantine"
	LocWIP        LocationType = "wip"
	LocScrap      LocationType = "scrap"
	LocTransit    LocationType = "transit"
)

// LocationTypes lists every location type in the order screens offer them.
var LocationTypes = []LocationType{LocStock, LocQuarantine, LocWIP, LocScrap, LocTransit}

// DocKind says what a stock document does.
type DocKind string

// The kinds of stock documents.
const (
	DocReceipt       DocKind = "receipt"        // goods come in (bought, opening stock)
	DocIssue         DocKind = "issue"          // goods go out to production or use
	DocTransfer      DocKind = "transfer"       // goods move between locations
	DocAdjustment    DocKind = "adjustment"     // a count found more or less than the books
	DocScrap         DocKind = "scrap"          // goods are written off
	DocShipment      DocKind = "shipment"       // goods leave for a customer
	DocReturn        DocKind = "return"         // goods come back from a customer
	DocProductionIn  DocKind = "production_in"  // finished goods come from production
	DocProductionOut DocKind = "production_out" // materials go to production
)

// ManualDocKinds are the documents a clerk records by hand.
var ManualDocKinds = []DocKind{DocReceipt, DocIssue, DocTransfer, DocAdjustment, DocScrap}

// DocPrefix is the prefix of a document kind's numbers.
func DocPrefix(k DocKind) string {
	switch k {
	case DocReceipt:
		return "GR"
	case DocIssue:
		return "GI"
	case DocTransfer:
		return "TR"
	case DocAdjustment:
		return "ADJ"
	case DocScrap:
		return "SCR"
	case DocShipment:
		return "SH"
	case DocReturn:
		return "RT"
	case DocProductionIn:
		return "PIN"
	case DocProductionOut:
		return "POUT"
	}
	return "INV"
}

// Status says whether a warehouse or location may be used.
type Status string

// The statuses.
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// InventoryWarehouse is a building or yard that holds stock.
type InventoryWarehouse struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	IsDefault bool      `json:"is_default" doc:"Sales orders ship from the default warehouse unless they name another."`
	Status    Status    `json:"status" enum:"active,inactive"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// InventoryWarehouseInput creates or changes a warehouse.
type InventoryWarehouseInput struct {
	Code      string `json:"code" maxLength:"20"`
	Name      string `json:"name" maxLength:"100"`
	Address   string `json:"address,omitempty" maxLength:"200"`
	IsDefault bool   `json:"is_default,omitempty"`
	Status    Status `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
}

// InventoryLocation is a bin, shelf or area of a warehouse. Its code is
// unique across warehouses, so a scanned label names one place.
type InventoryLocation struct {
	ID            string       `json:"id"`
	WarehouseID   string       `json:"warehouse_id"`
	WarehouseCode string       `json:"warehouse_code"`
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	Type          LocationType `json:"type" enum:"stock,quarantine,wip,scrap,transit"`
	Status        Status       `json:"status" enum:"active,inactive"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

// InventoryLocationInput creates or changes a location.
type InventoryLocationInput struct {
	Code   string       `json:"code" maxLength:"40"`
	Name   string       `json:"name,omitempty" maxLength:"100"`
	Type   LocationType `json:"type" enum:"stock,quarantine,wip,scrap,transit"`
	Status Status       `json:"status,omitempty" enum:"active,inactive" doc:"active when empty"`
}

// InventoryLot is a lot (or, for serial-tracked items, one serial number) of an item.
type InventoryLot struct {
	ID         string         `json:"id"`
	ItemID     string         `json:"item_id"`
	ItemCode   string         `json:"item_code"`
	LotNo      string         `json:"lot_no"`
	ExpiryDate string         `json:"expiry_date,omitempty" doc:"YYYY-MM-DD; empty when the lot does not expire."`
	OnHand     money.Quantity `json:"on_hand"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Expired reports whether the lot is past its expiry date on date.
func (l InventoryLot) Expired(date string) bool { return l.ExpiryDate != "" && l.ExpiryDate < date }

// InventoryDocInput records a stock document: receipt, issue, transfer,
// adjustment or scrap (shipments come from sales orders).
type InventoryDocInput struct {
	Kind      DocKind              `json:"kind" enum:"receipt,issue,transfer,adjustment,scrap"`
	Date      string               `json:"date,omitempty" format:"date" doc:"Posting date; today when empty. An earlier date revalues later moves."`
	Reference string               `json:"reference,omitempty" maxLength:"100" doc:"Supplier delivery note, count sheet or other reference."`
	Note      string               `json:"note,omitempty" maxLength:"500"`
	Lines     []InventoryLineInput `json:"lines" minItems:"1" maxItems:"2000"`
}

// InventoryLineInput is one line of a stock document. A line names its
// item and location by id or by code (as scanned from a label).
type InventoryLineInput struct {
	Item     string `json:"item" doc:"The item's id or code."`
	Location string `json:"location" doc:"The location's id or code: where goods come in, or leave from."`
	// ToLocation is where a transfer takes the goods.
	ToLocation string `json:"to_location,omitempty"`
	// Lot is the lot or serial number; required for tracked items.
	Lot        string `json:"lot,omitempty" maxLength:"60"`
	ExpiryDate string `json:"expiry_date,omitempty" format:"date" doc:"Expiry of a new lot on receipt."`
	// Quantity is in the item's base unit: always positive, except for an
	// adjustment, where a negative quantity is a loss.
	Quantity money.Quantity `json:"quantity"`
	// UnitCost is the cost of one base unit received; zero on a receipt or
	// an adjustment gain takes the item's current average cost.
	UnitCost money.UnitPrice `json:"unit_cost,omitempty"`
}

// InventoryDoc is a posted stock document.
type InventoryDoc struct {
	ID         string          `json:"id"`
	Number     string          `json:"number"`
	Kind       DocKind         `json:"kind"`
	Date       string          `json:"date"`
	Reference  string          `json:"reference"`
	Note       string          `json:"note"`
	SourceKind string          `json:"source_kind,omitempty"`
	SourceID   string          `json:"source_id,omitempty"`
	EntryID    string          `json:"entry_id,omitempty" doc:"The journal entry the document posted, if finance is running."`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	Moves      []InventoryMove `json:"moves" nullable:"false"`
	Value      *money.Amount   `json:"value,omitempty" doc:"Total value moved; only for users who may see costs."`
}

// InventoryMove is one line of the stock ledger: a signed quantity of an
// item (and lot) into or out of a location. Moves are never changed.
type InventoryMove struct {
	Seq          int64            `json:"seq"`
	DocID        string           `json:"doc_id"`
	DocNumber    string           `json:"doc_number"`
	Kind         DocKind          `json:"kind"`
	Date         string           `json:"date"`
	ItemID       string           `json:"item_id"`
	ItemCode     string           `json:"item_code"`
	ItemName     string           `json:"item_name"`
	WarehouseID  string           `json:"warehouse_id"`
	LocationID   string           `json:"location_id"`
	LocationCode string           `json:"location_code"`
	LotID        string           `json:"lot_id,omitempty"`
	LotNo        string           `json:"lot_no,omitempty"`
	Quantity     money.Quantity   `json:"quantity"`
	UoM          string           `json:"uom"`
	UnitCost     *money.UnitPrice `json:"unit_cost,omitempty"`
	Value        *money.Amount    `json:"value,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
}

// Normalize trims a warehouse input.
func (in *InventoryWarehouseInput) Normalize() {
	in.Code, in.Name, in.Address = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	if in.Status == "" {
		in.Status = StatusActive
	}
}

// Validate checks a warehouse input.
func (in InventoryWarehouseInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, 20)
	p.Text("name", in.Name, true, 100)
	p.Text("address", in.Address, false, 200)
	if in.Status != StatusActive && in.Status != StatusInactive {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
	return p
}

// Normalize trims a location input.
func (in *InventoryLocationInput) Normalize() {
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if in.Status == "" {
		in.Status = StatusActive
	}
	if in.Type == "" {
		in.Type = LocStock
	}
}

// Validate checks a location input.
func (in InventoryLocationInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	p.Code("code", in.Code, 40)
	p.Text("name", in.Name, false, 100)
	if !ValidLocationType(in.Type) {
		p.Add("type", KeyLocationTypeInvalid, "Choose stock, quarantine, WIP, scrap or transit")
	}
	if in.Status != StatusActive && in.Status != StatusInactive {
		p.Add("status", KeyStatusInvalid, "Choose active or inactive")
	}
	return p
}

// ValidLocationType reports whether t is a location type.
func ValidLocationType(t LocationType) bool {
	for _, x := range LocationTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Message ids of inventory errors.
const (
	KeyStatusInvalid       = "erp.inventory.error.status_invalid"
	KeyLocationTypeInvalid = "erp.inventory.error.location_type_invalid"
	KeyCodeTaken           = "erp.inventory.error.code_taken"
	KeyKindInvalid         = "erp.inventory.error.kind_invalid"
	KeyItemUnknown         = "erp.inventory.error.item_unknown"
	KeyItemNotStocked      = "erp.inventory.error.item_not_stocked"
	KeyItemInactive        = "erp.inventory.error.item_inactive"
	KeyLocationUnknown     = "erp.inventory.error.location_unknown"
	KeyLocationInactive    = "erp.inventory.error.location_inactive"
	KeyLocationSame        = "erp.inventory.error.location_same"
	KeyLocationHasStock    = "erp.inventory.error.location_has_stock"
	KeyQuantityPositive    = "erp.inventory.error.quantity_positive"
	KeyQuantityZero        = "erp.inventory.error.quantity_zero"
	KeyQuantityPrecision   = "erp.inventory.error.quantity_precision"
	KeyLotRequired         = "erp.inventory.error.lot_required"
	KeyLotNotTracked       = "erp.inventory.error.lot_not_tracked"
	KeyLotUnknown          = "erp.inventory.error.lot_unknown"
	KeyLotExpiry           = "erp.inventory.error.lot_expiry"
	KeyLotExpired          = "erp.inventory.error.lot_expired"
	KeySerialQuantity      = "erp.inventory.error.serial_quantity"
	KeySerialInStock       = "erp.inventory.error.serial_in_stock"
	KeyInsufficient        = "erp.inventory.error.insufficient"
	KeyReservedStock       = "erp.inventory.error.reserved_stock"
	KeyCostNegative        = "erp.inventory.error.cost_negative"
	KeyCostForbidden       = "erp.inventory.error.cost_forbidden"
	KeyNegativeHistory     = "erp.inventory.error.negative_history"
	KeyFutureDate          = "erp.inventory.error.future_date"
	KeyNoLines             = "erp.inventory.error.no_lines"
	KeyNotReserved         = "erp.inventory.error.not_reserved"
	KeyWarehouseUnknown    = "erp.inventory.error.warehouse_unknown"
	KeyWarehouseMismatch   = "erp.inventory.error.warehouse_mismatch"
	KeyNotStockLocation    = "erp.inventory.error.not_stock_location"
)

// MoveFilter selects moves of the stock ledger.
type MoveFilter struct {
	DocID, ItemID, LocationID, LotID, WarehouseID string
	Kind                                          DocKind
	From, To                                      string // dates, inclusive
	Cursor                                        string
	Limit                                         int
	Ascending                                     bool // oldest first
}

// StockFilter selects stock rows or balances.
type StockFilter struct {
	Query                                  string // item code or name
	ItemID, WarehouseID, LocationID, LotID string
	LocationType                           LocationType // only locations of this type
	All                                    bool         // include rows with nothing on hand
}
