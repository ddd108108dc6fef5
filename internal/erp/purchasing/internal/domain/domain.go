// Package domain holds the purchasing module's types and rules: settings,
// suppliers' price lists, purchase orders and their approval, receipts and
// supplier bills with their three-way match, and the module's permissions.
package domain

import (
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Module is the purchasing module's name.
const Module = "purchasing"

// Permissions of the purchasing module.
const (
	// PermRead lets a user see price lists, purchase orders, receipts and bills.
	PermRead authz.Permission = "erp.purchase.read"
	// PermWrite lets a user keep price lists and enter and submit purchase orders.
	PermWrite authz.Permission = "erp.purchase.write"
	// PermApprove lets a user approve or reject purchase orders above the threshold.
	PermApprove authz.Permission = "erp.purchase.approve"
	// PermReceive lets a user receive goods against purchase orders.
	PermReceive authz.Permission = "erp.purchase.receive"
	// PermBill lets a user enter supplier bills, and approve or reject held ones.
	PermBill authz.Permission = "erp.purchase.bill"
	// PermSettings lets a user change the purchasing settings.
	PermSettings authz.Permission = "erp.purchase.settings"
)

func init() {
	authz.Register(
		authz.Definition{Name: PermRead, Module: Module, Roles: []string{identity.RoleBuyer, identity.RoleWarehouseClerk,
			identity.RolePlanner, identity.RoleAccountant, identity.RoleFinanceManager}},
		authz.Definition{Name: PermWrite, Module: Module, Roles: []string{identity.RoleBuyer}},
		authz.Definition{Name: PermApprove, Module: Module, Roles: []string{identity.RoleFinanceManager}},
		authz.Definition{Name: PermReceive, Module: Module, Roles: []string{identity.RoleWarehouseClerk, identity.RoleBuyer}},
		authz.Definition{Name: PermBill, Module: Module, Roles: []string{identity.RoleAccountant, identity.RoleFinanceManager}},
		authz.Definition{Name: PermSettings, Module: Module, Roles: []string{identity.RoleFinanceManager}},
	)
}

// Status says where a purchase order stands.
type Status string

// The statuses of a purchase order.
const (
	StatusDraft             Status = "draft"
	StatusPendingApproval   Status = "pending_approval"
	StatusApproved          Status = "approved"
	StatusPartiallyReceived Status = "partially_received"
	StatusReceived          Status = "received"
	StatusClosed            Status = "closed"
	StatusCancelled         Status = "cancelled"
)

// Statuses lists the statuses in the order screens offer them.
var Statuses = []Status{StatusDraft, StatusPendingApproval, StatusApproved, StatusPartiallyReceived, StatusReceived,
	StatusClosed, StatusCancelled}

// Receivable reports whether goods may still be received against an order in s.
func (s Status) Receivable() bool {
	return s == StatusApproved || s == StatusPartiallyReceived || s == StatusReceived
}

// BillStatus says where a supplier bill stands.
type BillStatus string

// The statuses of a supplier bill.
const (
	BillHeld     BillStatus = "held"
	BillPosted   BillStatus = "posted"
	BillRejected BillStatus = "rejected"
)

// Source kind of the inventory documents purchasing posts.
const SourceReceipt = "pur.receipt"

// ScheduleKind is the source kind of the expected receipts purchasing gives the inventory.
const ScheduleKind = "pur.order_line"

// PurchaseSettings are the rules buyers work under.
type PurchaseSettings struct {
	ApprovalThreshold money.Amount `json:"approval_threshold" doc:"Orders whose total (with VAT) is above this need approval."`
	ReceiptTolerance  money.Rate   `json:"receipt_tolerance" doc:"How much more than ordered may be received, as a fraction: 0.05 is 5%."`
	PriceTolerance    money.Rate   `json:"price_tolerance" doc:"How far a billed price may be from the order's price and still match, as a fraction."`
	Version           int64        `json:"version"`
}

// PurchaseSettingsInput changes the settings.
type PurchaseSettingsInput struct {
	ApprovalThreshold money.Amount `json:"approval_threshold"`
	ReceiptTolerance  money.Rate   `json:"receipt_tolerance"`
	PriceTolerance    money.Rate   `json:"price_tolerance"`
	Version           int64        `json:"version" doc:"The version read; a stale one is refused (412)."`
}

// Validate checks a settings input.
func (in PurchaseSettingsInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if in.ApprovalThreshold.Sign() < 0 {
		p.Add("approval_threshold", KeyNegative, "Enter zero or more")
	}
	one := money.MustRate("1")
	for f, r := range map[string]money.Rate{"receipt_tolerance": in.ReceiptTolerance, "price_tolerance": in.PriceTolerance} {
		if r.Sign() < 0 || r.Cmp(one) > 0 {
			p.Add(f, KeyTolerance, "Enter a share between 0 and 100%")
		}
	}
	return p
}

// PurchasePrice is a supplier's price for an item from a minimum quantity on,
// valid between two dates.
type PurchasePrice struct {
	ID           string          `json:"id"`
	SupplierID   string          `json:"supplier_id"`
	SupplierName string          `json:"supplier_name"`
	ItemID       string          `json:"item_id"`
	ItemCode     string          `json:"item_code"`
	ItemName     string          `json:"item_name"`
	UoM          string          `json:"uom" doc:"The purchase unit the price and minimum quantity are in."`
	Currency     string          `json:"currency"`
	MinQuantity  money.Quantity  `json:"min_quantity" doc:"The price holds from this quantity on (a quantity break)."`
	UnitPrice    money.UnitPrice `json:"unit_price" doc:"Per purchase unit, without VAT."`
	LeadTimeDays int             `json:"lead_time_days"`
	ValidFrom    string          `json:"valid_from"`
	ValidTo      string          `json:"valid_to" doc:"Empty: no end."`
	Inspection   bool            `json:"inspection" doc:"Goods from this supplier need inspection: they are received into quarantine."`
	CreatedAt    time.Time       `json:"created_at"`
}

// PurchasePriceInput adds a price to a supplier's price list.
type PurchasePriceInput struct {
	SupplierID   string          `json:"supplier_id"`
	Item         string          `json:"item" doc:"The item's id or code."`
	Currency     string          `json:"currency,omitempty" doc:"The supplier's currency when empty."`
	MinQuantity  money.Quantity  `json:"min_quantity,omitempty"`
	UnitPrice    money.UnitPrice `json:"unit_price"`
	LeadTimeDays int             `json:"lead_time_days,omitempty" minimum:"0" maximum:"3650"`
	ValidFrom    string          `json:"valid_from,omitempty" doc:"Today when empty."`
	ValidTo      string          `json:"valid_to,omitempty"`
	Inspection   bool            `json:"inspection,omitempty"`
}

// Normalize trims a price input.
func (in *PurchasePriceInput) Normalize() {
	in.SupplierID, in.Item = strings.TrimSpace(in.SupplierID), strings.TrimSpace(in.Item)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
}

// Validate checks what a price input says on its own.
func (in PurchasePriceInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if in.SupplierID == "" {
		p.Add("supplier_id", erpkit.KeyRequired, "This field is required")
	}
	if in.Item == "" {
		p.Add("item", erpkit.KeyRequired, "This field is required")
	}
	if in.Currency != "" && len(in.Currency) != 3 {
		p.Add("currency", KeyCurrency, "Enter a three-letter currency code such as CNY")
	}
	if in.MinQuantity.Sign() < 0 {
		p.Add("min_quantity", KeyNegative, "Enter zero or more")
	}
	if in.UnitPrice.Sign() < 0 {
		p.Add("unit_price", KeyNegative, "Enter zero or more")
	}
	if in.LeadTimeDays < 0 {
		p.Add("lead_time_days", KeyNegative, "Enter zero or more")
	}
	p.Date("valid_from", in.ValidFrom, false)
	p.Date("valid_to", in.ValidTo, false)
	if in.ValidFrom != "" && in.ValidTo != "" && in.ValidTo < in.ValidFrom && !p.Has("valid_to") {
		p.Add("valid_to", KeyDateOrder, "The end comes before the start")
	}
	return p
}

// PurchaseOrder is a purchase order with its lines and history.
type PurchaseOrder struct {
	ID           string                 `json:"id"`
	Number       string                 `json:"number"`
	SupplierID   string                 `json:"supplier_id"`
	SupplierName string                 `json:"supplier_name"`
	WarehouseID  string                 `json:"warehouse_id"`
	Currency     string                 `json:"currency"`
	Status       Status                 `json:"status" enum:"draft,pending_approval,approved,partially_received,received,closed,cancelled"`
	OrderDate    string                 `json:"order_date"`
	Net          money.Amount           `json:"net"`
	Tax          money.Amount           `json:"tax"`
	Gross        money.Amount           `json:"gross"`
	Rate         money.Rate             `json:"rate" doc:"Base-currency units per unit of the order's currency, taken when the order was submitted; 0 while draft."`
	BaseGross    money.Amount           `json:"base_gross" doc:"The total with VAT in the base currency at Rate; what the approval threshold is compared with."`
	Notes        string                 `json:"notes"`
	CreatedBy    string                 `json:"created_by"`
	ApprovedBy   string                 `json:"approved_by"`
	Version      int64                  `json:"version"`
	CreatedAt    time.Time              `json:"created_at"`
	UpdatedAt    time.Time              `json:"updated_at"`
	Lines        []PurchaseLine         `json:"lines" nullable:"false"`
	History      []PurchaseHistoryEntry `json:"history" nullable:"false"`
}

// PurchaseLine is one line of a purchase order. Quantities and the price are in the
// purchase unit; Factor base units make one purchase unit.
type PurchaseLine struct {
	ID            string          `json:"id"`
	LineNo        int             `json:"line_no"`
	ItemID        string          `json:"item_id"`
	ItemCode      string          `json:"item_code"`
	ItemName      string          `json:"item_name"`
	UoM           string          `json:"uom"`
	Factor        money.Quantity  `json:"factor" doc:"Base units in one purchase unit."`
	BaseUoM       string          `json:"base_uom"`
	BasePrecision int             `json:"base_precision"`
	Quantity      money.Quantity  `json:"quantity"`
	UnitPrice     money.UnitPrice `json:"unit_price"`
	VATRate       money.Rate      `json:"vat_rate"`
	Net           money.Amount    `json:"net"`
	Tax           money.Amount    `json:"tax"`
	ExpectedDate  string          `json:"expected_date"`
	Inspection    bool            `json:"inspection" doc:"Received into quarantine for inspection."`
	Received      money.Quantity  `json:"received"`
	Billed        money.Quantity  `json:"billed"`
	FullDate      string          `json:"full_date,omitempty" doc:"The date the line was received in full."`
}

// Open returns what is still to be received of the line (never negative).
func (l PurchaseLine) Open() money.Quantity {
	if l.Received.Cmp(l.Quantity) >= 0 {
		return money.Quantity{}
	}
	q, _ := l.Quantity.Sub(l.Received)
	return q
}

// PurchaseHistoryEntry is one step of an order's life: submitted, approved, rejected, …
type PurchaseHistoryEntry struct {
	Action  string    `json:"action"`
	Comment string    `json:"comment"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
}

// PurchaseOrderInput enters a purchase order.
type PurchaseOrderInput struct {
	SupplierID  string              `json:"supplier_id"`
	WarehouseID string              `json:"warehouse_id,omitempty" doc:"The default warehouse when empty."`
	Currency    string              `json:"currency,omitempty" doc:"The supplier's currency when empty."`
	Notes       string              `json:"notes,omitempty" maxLength:"500"`
	Lines       []PurchaseLineInput `json:"lines" maxItems:"500"`
}

// PurchaseLineInput is one line of an PurchaseOrderInput.
type PurchaseLineInput struct {
	Item         string           `json:"item" doc:"The item's id or code."`
	Quantity     money.Quantity   `json:"quantity" doc:"In the item's purchase unit."`
	UnitPrice    *money.UnitPrice `json:"unit_price,omitempty" doc:"Per purchase unit; the supplier's price list when absent."`
	ExpectedDate string           `json:"expected_date,omitempty" doc:"Today plus the lead time when empty."`
	Inspection   *bool            `json:"inspection,omitempty" doc:"The price list's flag when absent."`
}

// Normalize trims an order input.
func (in *PurchaseOrderInput) Normalize() {
	in.SupplierID, in.WarehouseID = strings.TrimSpace(in.SupplierID), strings.TrimSpace(in.WarehouseID)
	in.Currency, in.Notes = strings.ToUpper(strings.TrimSpace(in.Currency)), strings.TrimSpace(in.Notes)
	for i := range in.Lines {
		in.Lines[i].Item = strings.TrimSpace(in.Lines[i].Item)
	}
}

// Validate checks what an order input says on its own.
func (in PurchaseOrderInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if in.SupplierID == "" {
		p.Add("supplier_id", erpkit.KeyRequired, "This field is required")
	}
	if in.Currency != "" && len(in.Currency) != 3 {
		p.Add("currency", KeyCurrency, "Enter a three-letter currency code such as CNY")
	}
	p.Text("notes", in.Notes, false, 500)
	if len(in.Lines) == 0 {
		p.Add("lines", KeyNoLines, "Add at least one line")
	}
	for i, l := range in.Lines {
		f := LinePath(i)
		if l.Item == "" {
			p.Add(f+".item", erpkit.KeyRequired, "This field is required")
		}
		if l.Quantity.Sign() <= 0 {
			p.Add(f+".quantity", KeyQuantityPositive, "Enter a quantity above zero")
		}
		if l.UnitPrice != nil && l.UnitPrice.Sign() < 0 {
			p.Add(f+".unit_price", KeyNegative, "Enter zero or more")
		}
		p.Date(f+".expected_date", l.ExpectedDate, false)
	}
	return p
}

// LinePath is the field path of the i-th line of an input.
func LinePath(i int) string { return fmt.Sprintf("lines[%d]", i) }

// PurchaseDecisionInput approves or rejects an order or a held bill.
type PurchaseDecisionInput struct {
	Comment string `json:"comment,omitempty" maxLength:"500"`
}

// PurchaseReceiptInput receives goods against a purchase order line.
type PurchaseReceiptInput struct {
	OrderID    string         `json:"order_id" doc:"The order's id or number."`
	LineID     string         `json:"line_id,omitempty" doc:"The order line; may be left out when Item names one line of the order."`
	Item       string         `json:"item,omitempty" doc:"The item's id or code, as scanned."`
	Location   string         `json:"location,omitempty" doc:"Id or code; the warehouse's quarantine location for items that need inspection."`
	Lot        string         `json:"lot,omitempty" maxLength:"60"`
	ExpiryDate string         `json:"expiry_date,omitempty"`
	Quantity   money.Quantity `json:"quantity" doc:"In the purchase unit."`
	Date       string         `json:"date,omitempty" doc:"Today when empty."`
	Reference  string         `json:"reference,omitempty" maxLength:"100" doc:"The supplier's delivery note."`
}

// PurchaseReceipt is goods received against a purchase order line.
type PurchaseReceipt struct {
	ID         string         `json:"id"`
	OrderID    string         `json:"order_id"`
	LineID     string         `json:"line_id"`
	ItemCode   string         `json:"item_code"`
	DocID      string         `json:"doc_id" doc:"The inventory receipt document."`
	DocNumber  string         `json:"doc_number"`
	Date       string         `json:"date"`
	Location   string         `json:"location"`
	LotNo      string         `json:"lot_no"`
	Quantity   money.Quantity `json:"quantity"`
	Quarantine bool           `json:"quarantine"`
	Rate       money.Rate     `json:"rate" doc:"The exchange rate of the receipt date the stock was valued at (1 for the base currency)."`
	CreatedBy  string         `json:"created_by"`
	CreatedAt  time.Time      `json:"created_at"`
}

// SupplierBill is a supplier's invoice matched against a purchase order.
type SupplierBill struct {
	ID         string             `json:"id"`
	Number     string             `json:"number"`
	OrderID    string             `json:"order_id"`
	OrderNo    string             `json:"order_number"`
	SupplierID string             `json:"supplier_id"`
	Supplier   string             `json:"supplier_name"`
	InvoiceNo  string             `json:"invoice_no"`
	BillDate   string             `json:"bill_date"`
	DueDate    string             `json:"due_date"`
	Currency   string             `json:"currency"`
	Status     BillStatus         `json:"status" enum:"held,posted,rejected"`
	Net        money.Amount       `json:"net"`
	Tax        money.Amount       `json:"tax"`
	Gross      money.Amount       `json:"gross"`
	EntryID    string             `json:"entry_id,omitempty" doc:"The journal entry, once posted (with finance running)."`
	DecidedBy  string             `json:"decided_by"`
	Comment    string             `json:"comment"`
	CreatedBy  string             `json:"created_by"`
	CreatedAt  time.Time          `json:"created_at"`
	Lines      []SupplierBillLine `json:"lines" nullable:"false"`
}

// SupplierBillLine is one line of a bill, against one order line.
type SupplierBillLine struct {
	ID        string          `json:"id"`
	LineID    string          `json:"line_id"`
	ItemCode  string          `json:"item_code"`
	ItemName  string          `json:"item_name"`
	UoM       string          `json:"uom"`
	Quantity  money.Quantity  `json:"quantity"`
	UnitPrice money.UnitPrice `json:"unit_price"`
	VATRate   money.Rate      `json:"vat_rate"`
	Net       money.Amount    `json:"net"`
	Tax       money.Amount    `json:"tax"`
	Ordered   money.Quantity  `json:"ordered"`
	Received  money.Quantity  `json:"received"`
	POPrice   money.UnitPrice `json:"po_price"`
	Reasons   []string        `json:"reasons" nullable:"false" doc:"Why the line does not match: quantity_over_received, price_out_of_tolerance."`
}

// SupplierBillInput enters a supplier bill against a purchase order.
type SupplierBillInput struct {
	OrderID   string                  `json:"order_id" doc:"The order's id or number."`
	InvoiceNo string                  `json:"invoice_no" maxLength:"60" doc:"The supplier's invoice (fapiao) number."`
	BillDate  string                  `json:"bill_date,omitempty" doc:"Today when empty."`
	DueDate   string                  `json:"due_date,omitempty" doc:"The bill date when empty."`
	Lines     []SupplierBillLineInput `json:"lines" maxItems:"500"`
}

// SupplierBillLineInput is one line of a SupplierBillInput.
type SupplierBillLineInput struct {
	LineID    string           `json:"line_id"`
	Quantity  money.Quantity   `json:"quantity"`
	UnitPrice *money.UnitPrice `json:"unit_price,omitempty" doc:"The order's price when absent."`
	VATRate   *money.Rate      `json:"vat_rate,omitempty" doc:"The order line's rate when absent."`
}

// Normalize trims a bill input.
func (in *SupplierBillInput) Normalize() {
	in.OrderID, in.InvoiceNo = strings.TrimSpace(in.OrderID), strings.TrimSpace(in.InvoiceNo)
}

// Validate checks what a bill input says on its own.
func (in SupplierBillInput) Validate() erpkit.Problems {
	var p erpkit.Problems
	if in.OrderID == "" {
		p.Add("order_id", erpkit.KeyRequired, "This field is required")
	}
	p.Text("invoice_no", in.InvoiceNo, true, 60)
	p.Date("bill_date", in.BillDate, false)
	p.Date("due_date", in.DueDate, false)
	if in.BillDate != "" && in.DueDate != "" && in.DueDate < in.BillDate && !p.Has("due_date") {
		p.Add("due_date", KeyDateOrder, "The due date comes before the bill date")
	}
	if len(in.Lines) == 0 {
		p.Add("lines", KeyNoLines, "Add at least one line")
	}
	for i, l := range in.Lines {
		f := LinePath(i)
		if l.LineID == "" {
			p.Add(f+".line_id", erpkit.KeyRequired, "This field is required")
		}
		if l.Quantity.Sign() <= 0 {
			p.Add(f+".quantity", KeyQuantityPositive, "Enter a quantity above zero")
		}
		if l.UnitPrice != nil && l.UnitPrice.Sign() < 0 {
			p.Add(f+".unit_price", KeyNegative, "Enter zero or more")
		}
		if l.VATRate != nil && (l.VATRate.Sign() < 0 || l.VATRate.Cmp(money.MustRate("1")) > 0) {
			p.Add(f+".vat_rate", KeyTolerance, "Enter a share between 0 and 100%")
		}
	}
	return p
}

// SupplierDelivery is how a supplier kept its dates over a period.
type SupplierDelivery struct {
	SupplierID      string `json:"supplier_id"`
	SupplierName    string `json:"supplier_name"`
	Lines           int    `json:"lines" doc:"PurchaseOrder lines expected in the period."`
	OnTime          int    `json:"on_time" doc:"Lines received in full by their expected date."`
	Late            int    `json:"late" doc:"Lines received in full after it, or still open after it."`
	OnTimePercent   int    `json:"on_time_percent" doc:"On-time lines as a share of all, in whole percent (rounded down)."`
	AverageDaysLate string `json:"average_days_late" doc:"Average days late of the late lines (open lines count until today), to a tenth."`
}

// Reasons a bill line does not match.
const (
	ReasonQuantity = "quantity_over_received"
	ReasonPrice    = "price_out_of_tolerance"
)

// Message ids of purchasing errors.
const (
	KeyNegative          = "erp.purchasing.error.negative"
	KeyTolerance         = "erp.purchasing.error.tolerance"
	KeyCurrency          = "erp.purchasing.error.currency"
	KeyDateOrder         = "erp.purchasing.error.date_order"
	KeyNoLines           = "erp.purchasing.error.no_lines"
	KeyQuantityPositive  = "erp.purchasing.error.quantity_positive"
	KeyQuantityPrecision = "erp.purchasing.error.quantity_precision"
	KeySupplierUnknown   = "erp.purchasing.error.supplier_unknown"
	KeySupplierInactive  = "erp.purchasing.error.supplier_inactive"
	KeyItemUnknown       = "erp.purchasing.error.item_unknown"
	KeyItemNotStocked    = "erp.purchasing.error.item_not_stocked"
	KeyWarehouseUnknown  = "erp.purchasing.error.warehouse_unknown"
	KeyNoPrice           = "erp.purchasing.error.no_price"
	KeyOrderUnknown      = "erp.purchasing.error.order_unknown"
	KeyOrderStatus       = "erp.purchasing.error.order_status"
	KeyOrderClosed       = "erp.purchasing.error.order_closed"
	KeyLineUnknown       = "erp.purchasing.error.line_unknown"
	KeyOverReceipt       = "erp.purchasing.error.over_receipt"
	KeyLocationUnknown   = "erp.purchasing.error.location_unknown"
	KeyLocationWarehouse = "erp.purchasing.error.location_warehouse"
	KeyNoQuarantine      = "erp.purchasing.error.no_quarantine"
	KeyInvoiceTaken      = "erp.purchasing.error.invoice_taken"
	KeyBillStatus        = "erp.purchasing.error.bill_status"
	KeyTooLarge          = "erp.purchasing.error.too_large"
	KeyNoRate            = "erp.purchasing.error.no_rate"
	KeyBilledAlready     = "erp.purchasing.error.billed_already"
)
