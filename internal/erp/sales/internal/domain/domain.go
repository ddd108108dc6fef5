// Package domain holds the sales module's types and rules: sales orders
// and their lines, shipments, the module's permissions and the events it
// sends and receives.
package domain

import (
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Status is where a sales order stands.
type Status string

// The statuses of a sales order, as erp.sales_order.status_changed names them.
const (
	StatusDraft             Status = "draft"
	StatusConfirmed         Status = "confirmed"
	StatusPartiallyReserved Status = "partially_reserved"
	StatusReserved          Status = "reserved"
	StatusPartiallyShipped  Status = "partially_shipped"
	StatusShipped           Status = "shipped"
	StatusCancelled         Status = "cancelled"
	StatusClosed            Status = "closed"
)

// Statuses lists every status in the order screens offer them.
var Statuses = []Status{StatusDraft, StatusConfirmed, StatusPartiallyReserved, StatusReserved, StatusPartiallyShipped,
	StatusShipped, StatusClosed, StatusCancelled}

// Open reports whether an order can still be reserved and shipped.
func (s Status) Open() bool {
	switch s {
	case StatusConfirmed, StatusPartiallyReserved, StatusReserved, StatusPartiallyShipped:
		return true
	}
	return false
}

// ReserveKind is the kind of source sales reservations and demand are kept under.
const ReserveKind = "so_line"

// SalesOrder is an order of a customer.
type SalesOrder struct {
	ID            string       `json:"id"`
	Number        string       `json:"number"`
	CustomerID    string       `json:"customer_id"`
	CustomerName  string       `json:"customer_name"`
	RequestID     string       `json:"request_id,omitempty" doc:"The CRM request the order came from."`
	QuoteID       string       `json:"quote_id,omitempty"`
	QuoteNumber   string       `json:"quote_number,omitempty"`
	Currency      string       `json:"currency"`
	OrderDate     string       `json:"order_date"`
	RequestedDate string       `json:"requested_date,omitempty"`
	PromiseDate   string       `json:"promise_date,omitempty"`
	ShipTo        string       `json:"ship_to"`
	PaymentTerms  string       `json:"payment_terms"`
	Notes         string       `json:"notes"`
	WarehouseID   string       `json:"warehouse_id"`
	OwnerID       string       `json:"owner_id"`
	OwnerName     string       `json:"owner_name"`
	Status        Status       `json:"status" enum:"draft,confirmed,partially_reserved,reserved,partially_shipped,shipped,cancelled,closed"`
	Net           money.Amount `json:"net"`
	Tax           money.Amount `json:"tax"`
	Gross         money.Amount `json:"gross"`
	Version       int64        `json:"version"`
	CreatedBy     string       `json:"created_by"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
	Lines         []SalesLine  `json:"lines" nullable:"false"`
}

// SalesLine is one line of a sales order.
type SalesLine struct {
	ID           string          `json:"id"`
	LineNo       int             `json:"line_no"`
	ItemID       string          `json:"item_id"`
	ItemCode     string          `json:"item_code"`
	ItemName     string          `json:"item_name"`
	UoM          string          `json:"uom"`
	UoMPrecision int             `json:"uom_precision"`
	Stocked      bool            `json:"stocked" doc:"False for services, which are neither reserved nor shipped."`
	Quantity     money.Quantity  `json:"quantity"`
	UnitPrice    money.UnitPrice `json:"unit_price"`
	Discount     money.Rate      `json:"discount" doc:"As a fraction: 0.05 is 5% off."`
	VATRate      money.Rate      `json:"vat_rate"`
	Net          money.Amount    `json:"net"`
	Tax          money.Amount    `json:"tax"`
	Reserved     money.Quantity  `json:"reserved"`
	Shipped      money.Quantity  `json:"shipped"`
	Backordered  money.Quantity  `json:"backordered" doc:"Still to ship and not reserved."`
	PromiseDate  string          `json:"promise_date,omitempty"`
}

// Open returns what is left to ship of the line.
func (l SalesLine) Open() int64 { return l.Quantity.Units() - l.Shipped.Units() }

// Short returns what is left to ship and not reserved.
func (l SalesLine) Short() int64 {
	if !l.Stocked {
		return 0
	}
	return max(l.Open()-l.Reserved.Units(), 0)
}

// SalesOrderInput enters or changes a draft order.
type SalesOrderInput struct {
	CustomerID    string           `json:"customer_id"`
	WarehouseID   string           `json:"warehouse_id,omitempty" doc:"The default warehouse when empty."`
	RequestedDate string           `json:"requested_date,omitempty" format:"date"`
	ShipTo        string           `json:"ship_to,omitempty" maxLength:"300" doc:"The customer's shipping address when empty."`
	PaymentTerms  string           `json:"payment_terms,omitempty" maxLength:"100"`
	Notes         string           `json:"notes,omitempty" maxLength:"1000"`
	Currency      string           `json:"currency,omitempty" doc:"The customer's currency when empty."`
	Lines         []SalesLineInput `json:"lines" minItems:"1" maxItems:"5000"`
	Version       int64            `json:"version,omitempty" doc:"To change a draft: its version when it was read."`
}

// SalesLineInput is one line of a SalesOrderInput.
type SalesLineInput struct {
	Item      string           `json:"item" doc:"The item's id or code."`
	Quantity  money.Quantity   `json:"quantity"`
	UnitPrice *money.UnitPrice `json:"unit_price,omitempty" doc:"The item's list price when empty."`
	Discount  money.Rate       `json:"discount,omitempty" doc:"As a fraction: 0.05 is 5% off."`
	VATRate   *money.Rate      `json:"vat_rate,omitempty" doc:"The item's VAT rate when empty."`
}

// SalesShipment is goods leaving for a customer against an order.
type SalesShipment struct {
	ID           string              `json:"id"`
	Number       string              `json:"number"`
	OrderID      string              `json:"order_id"`
	OrderNumber  string              `json:"order_number"`
	CustomerID   string              `json:"customer_id"`
	CustomerName string              `json:"customer_name"`
	ShipTo       string              `json:"ship_to"`
	WarehouseID  string              `json:"warehouse_id"`
	Status       string              `json:"status" enum:"draft,shipped"`
	Carrier      string              `json:"carrier"`
	TrackingNo   string              `json:"tracking_no"`
	Date         string              `json:"date,omitempty"`
	ShippedAt    *time.Time          `json:"shipped_at,omitempty"`
	DocID        string              `json:"doc_id,omitempty" doc:"The stock document that moved the goods."`
	CreatedBy    string              `json:"created_by"`
	CreatedAt    time.Time           `json:"created_at"`
	Lines        []SalesShipmentLine `json:"lines" nullable:"false"`
}

// SalesShipmentLine is what one pick took: an order line's item from a
// location and lot.
type SalesShipmentLine struct {
	ID           string         `json:"id"`
	OrderLineID  string         `json:"order_line_id"`
	LineNo       int            `json:"line_no"`
	ItemID       string         `json:"item_id"`
	ItemCode     string         `json:"item_code"`
	ItemName     string         `json:"item_name"`
	UoM          string         `json:"uom"`
	LocationID   string         `json:"location_id"`
	LocationCode string         `json:"location_code"`
	LotNo        string         `json:"lot_no,omitempty"`
	Quantity     money.Quantity `json:"quantity"`
}

// SalesShipInput ships goods of an order in one go.
type SalesShipInput struct {
	Carrier    string           `json:"carrier,omitempty" maxLength:"100"`
	TrackingNo string           `json:"tracking_no,omitempty" maxLength:"100"`
	Date       string           `json:"date,omitempty" format:"date" doc:"Today when empty."`
	Lines      []SalesPickInput `json:"lines" minItems:"1" maxItems:"5000"`
}

// SalesPickInput is one pick: so much of an order line from a location and lot.
type SalesPickInput struct {
	LineNo   int            `json:"line_no,omitempty" doc:"The order line; found by the item when zero."`
	Item     string         `json:"item,omitempty" doc:"The item's id or code, as scanned; checks (or finds) the line."`
	Location string         `json:"location" doc:"The location's id or code."`
	Lot      string         `json:"lot,omitempty" doc:"The lot or serial number shipped."`
	Quantity money.Quantity `json:"quantity"`
}

// SalesShipmentConfirm ships a draft shipment.
type SalesShipmentConfirm struct {
	Carrier    string `json:"carrier,omitempty" maxLength:"100"`
	TrackingNo string `json:"tracking_no,omitempty" maxLength:"100"`
	Date       string `json:"date,omitempty" format:"date"`
}

// SalesReserveInput reserves stock for an order's open lines: one line or
// all, and at most a quantity when given.
type SalesReserveInput struct {
	LineNo   int            `json:"line_no,omitempty" doc:"Zero reserves every line that is short."`
	Quantity money.Quantity `json:"quantity,omitempty" doc:"At most this much; zero reserves what the line is short of."`
}

// SalesReserveResult is what a reservation got.
type SalesReserveResult struct {
	Reserved money.Quantity `json:"reserved" doc:"What this request reserved."`
	Order    SalesOrder     `json:"order"`
}

// OrderFilter selects orders for a list.
type OrderFilter struct {
	Query      string
	Status     Status
	CustomerID string
	Open       bool // only orders still to ship
	Cursor     string
	Limit      int
}

// Normalize trims an order input.
func (in *SalesOrderInput) Normalize() {
	in.CustomerID = strings.TrimSpace(in.CustomerID)
	in.WarehouseID = strings.TrimSpace(in.WarehouseID)
	in.RequestedDate = strings.TrimSpace(in.RequestedDate)
	in.ShipTo = strings.TrimSpace(in.ShipTo)
	in.PaymentTerms = strings.TrimSpace(in.PaymentTerms)
	in.Notes = strings.TrimSpace(in.Notes)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	for i := range in.Lines {
		in.Lines[i].Item = strings.TrimSpace(in.Lines[i].Item)
	}
}

// Validate checks what an order input says on its own; the service checks
// customer, warehouse and items.
func (in SalesOrderInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if in.CustomerID == "" {
		p.Add("customer_id", erpkit.KeyRequired, "This field is required")
	}
	p.Date("requested_date", in.RequestedDate, false)
	p.Text("ship_to", in.ShipTo, false, 300)
	p.Text("payment_terms", in.PaymentTerms, false, 100)
	p.Text("notes", in.Notes, false, 1000)
	if len(in.Lines) == 0 {
		p.Add("lines", KeyNoLines, "Add at least one line")
	}
	for i, l := range in.Lines {
		f := linePath(i)
		if l.Item == "" {
			p.Add(f+".item", erpkit.KeyRequired, "This field is required")
		}
		if l.Quantity.Sign() <= 0 {
			p.Add(f+".quantity", KeyQuantityPositive, "Enter a quantity of more than 0")
		}
		if l.UnitPrice != nil && l.UnitPrice.Sign() < 0 {
			p.Add(f+".unit_price", KeyPriceNegative, "A price cannot be negative")
		}
		if l.Discount.Sign() < 0 || l.Discount.Cmp(money.MustRate("1")) > 0 {
			p.Add(f+".discount", KeyDiscountInvalid, "Enter a discount between 0% and 100%")
		}
		if l.VATRate != nil && (l.VATRate.Sign() < 0 || l.VATRate.Cmp(money.MustRate("1")) > 0) {
			p.Add(f+".vat_rate", KeyVATInvalid, "Enter a VAT rate between 0% and 100%")
		}
	}
	return p
}

func linePath(i int) string { return "lines[" + strconv.Itoa(i) + "]" }

// LinePath names the i-th line of an input in errors, such as lines[2].
func LinePath(i int) string { return linePath(i) }

// Message ids of sales errors.
const (
	KeyNoLines              = "erp.sales.error.no_lines"
	KeyQuantityPositive     = "erp.sales.error.quantity_positive"
	KeyQuantityPrecision    = "erp.sales.error.quantity_precision"
	KeyPriceNegative        = "erp.sales.error.price_negative"
	KeyDiscountInvalid      = "erp.sales.error.discount_invalid"
	KeyVATInvalid           = "erp.sales.error.vat_invalid"
	KeyCustomerUnknown      = "erp.sales.error.customer_unknown"
	KeyCustomerInactive     = "erp.sales.error.customer_inactive"
	KeyCreditHold           = "erp.sales.error.credit_hold"
	KeyItemUnknown          = "erp.sales.error.item_unknown"
	KeyItemNotSellable      = "erp.sales.error.item_not_sellable"
	KeyWarehouseUnknown     = "erp.sales.error.warehouse_unknown"
	KeyNotDraft             = "erp.sales.error.not_draft"
	KeyNotOpen              = "erp.sales.error.not_open"
	KeyLineUnknown          = "erp.sales.error.line_unknown"
	KeyLineNotStocked       = "erp.sales.error.line_not_stocked"
	KeyLineItemMismatch     = "erp.sales.error.line_item_mismatch"
	KeyNoLineForItem        = "erp.sales.error.no_line_for_item"
	KeyShipMoreThanReserved = "erp.sales.error.ship_more_than_reserved"
	KeyNothingToReserve     = "erp.sales.error.nothing_to_reserve"
	KeyNoStock              = "erp.sales.error.no_stock"
	KeyHasShipments         = "erp.sales.error.has_shipments"
	KeyShipmentNotDraft     = "erp.sales.error.shipment_not_draft"
	KeyShipmentEmpty        = "erp.sales.error.shipment_empty"
	KeyCurrencyInvalid      = "erp.sales.error.currency_invalid"
)
