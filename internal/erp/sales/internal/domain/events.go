package domain

import (
	"encoding/json"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Module is the sales module's name.
const Module = "sales"

// Permissions of the sales module.
const (
	// PermRead lets a user see sales orders and shipments (within their data scope).
	PermRead authz.Permission = "erp.sales.read"
	// PermManage lets a user enter, confirm, reserve, cancel and close orders.
	PermManage authz.Permission = "erp.sales.manage"
	// PermShip lets a user pick and ship.
	PermShip authz.Permission = "erp.sales.ship"
)

// ScopeKind is the data-scope kind of sales orders: a sales rep with the
// own scope sees the orders they own, team scope their team's.
const ScopeKind = "erp.sales_order"

// Event types the sales module sends and receives.
const (
	EventOrderRequested = "crm.order.requested"
	EventAccepted       = "erp.sales_order.accepted"
	EventRejected       = "erp.sales_order.rejected"
	EventStatusChanged  = "erp.sales_order.status_changed"
	EventShipped        = "erp.shipment.shipped"
)

// Reason codes of a rejected order request.
const (
	ReasonUnknownItem     = "unknown_item"
	ReasonUnknownCustomer = "unknown_customer"
	ReasonCreditHold      = "credit_hold"
	ReasonInvalid         = "invalid"
)

// OrderRequested is the data of crm.order.requested. Decimals are read as
// text, so a malformed one rejects the request instead of failing the event.
type OrderRequested struct {
	RequestID     string          `json:"request_id"`
	QuoteID       string          `json:"quote_id"`
	QuoteNumber   string          `json:"quote_number"`
	Revision      int             `json:"revision"`
	CustomerID    string          `json:"customer_id"`
	Currency      string          `json:"currency"`
	RequestedDate string          `json:"requested_date"`
	ShipTo        string          `json:"ship_to"`
	PaymentTerms  string          `json:"payment_terms"`
	Notes         string          `json:"notes"`
	RepID         string          `json:"rep_id"`
	Lines         []RequestedLine `json:"lines"`
}

// RequestedLine is one line of crm.order.requested.
type RequestedLine struct {
	LineNo    int     `json:"line_no"`
	ItemID    string  `json:"item_id"`
	Quantity  Decimal `json:"quantity"`
	UnitPrice Decimal `json:"unit_price"`
	VATRate   Decimal `json:"vat_rate"`
	Discount  Decimal `json:"discount"`
}

// Decimal is a decimal as another unit sent it, kept as text: a JSON
// string, or a JSON number from a producer that sent one.
type Decimal string

// UnmarshalJSON reads a JSON string or number.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*d = Decimal(s)
		return nil
	}
	if string(b) != "null" {
		*d = Decimal(b)
	}
	return nil
}

// Accepted is the data of erp.sales_order.accepted.
type Accepted struct {
	RequestID   string         `json:"request_id"`
	QuoteID     string         `json:"quote_id"`
	SOID        string         `json:"so_id"`
	SONumber    string         `json:"so_number"`
	PromiseDate string         `json:"promise_date"`
	Lines       []AcceptedLine `json:"lines"`
}

// AcceptedLine is one line of erp.sales_order.accepted.
type AcceptedLine struct {
	LineNo      int            `json:"line_no"`
	Reserved    money.Quantity `json:"reserved"`
	Backordered money.Quantity `json:"backordered"`
	PromiseDate string         `json:"promise_date"`
}

// Rejected is the data of erp.sales_order.rejected.
type Rejected struct {
	RequestID  string `json:"request_id"`
	QuoteID    string `json:"quote_id"`
	ReasonCode string `json:"reason_code"`
	Reason     string `json:"reason"`
}

// StatusChanged is the data of erp.sales_order.status_changed.
type StatusChanged struct {
	SOID           string       `json:"so_id"`
	SONumber       string       `json:"so_number"`
	QuoteID        string       `json:"quote_id"`
	Status         Status       `json:"status"`
	At             time.Time    `json:"at"`
	Carrier        string       `json:"carrier"`
	TrackingNo     string       `json:"tracking_no"`
	ShipmentNumber string       `json:"shipment_number"`
	InvoiceNumber  string       `json:"invoice_number"`
	Amount         money.Amount `json:"amount"`
}

// Shipped is the data of erp.shipment.shipped.
type Shipped struct {
	ShipmentID string        `json:"shipment_id"`
	Number     string        `json:"number"`
	SOID       string        `json:"so_id"`
	SONumber   string        `json:"so_number"`
	QuoteID    string        `json:"quote_id"`
	CustomerID string        `json:"customer_id"`
	Carrier    string        `json:"carrier"`
	TrackingNo string        `json:"tracking_no"`
	ShippedAt  time.Time     `json:"shipped_at"`
	Lines      []ShippedLine `json:"lines"`
}

// ShippedLine is one item of erp.shipment.shipped.
type ShippedLine struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity"`
	Lots     []string       `json:"lots"`
}

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: Module, Roles: append(sales, identity.RoleWarehouseClerk, identity.RolePlanner,
			identity.RoleProductionSupervisor, identity.RoleAccountant, identity.RoleFinanceManager)},
		authz.Definition{Name: PermManage, Module: Module, Roles: sales},
		authz.Definition{Name: PermShip, Module: Module, Roles: []string{identity.RoleWarehouseClerk}},
	)
	decimal := `{"type":"string","format":"decimal"}`
	date := `{"type":"string","format":"date"}`
	erpkit.RegisterForeign(outbox.EventType{
		Type: EventOrderRequested, Version: 1, Source: "crm",
		Description: "A customer accepted a quote in CRM, which asks ERP to turn it into a sales order.",
		Schema: json.RawMessage(`{"type":"object","required":["request_id","quote_id","customer_id","currency","lines"],"properties":{` +
			`"request_id":{"type":"string"},"quote_id":{"type":"string"},"quote_number":{"type":"string"},"revision":{"type":"integer"},` +
			`"customer_id":{"type":"string","format":"uuid"},"currency":{"type":"string"},"requested_date":` + date + `,` +
			`"ship_to":{"type":"string"},"payment_terms":{"type":"string"},"notes":{"type":"string"},"rep_id":{"type":"string"},` +
			`"lines":{"type":"array","items":{"type":"object","required":["line_no","item_id","quantity","unit_price"],"properties":{` +
			`"line_no":{"type":"integer"},"item_id":{"type":"string","format":"uuid"},"quantity":` + decimal + `,"unit_price":` + decimal + `,` +
			`"vat_rate":` + decimal + `,"discount":` + decimal + `,"net":` + decimal + `,"tax":` + decimal + `}}},` +
			`"net":` + decimal + `,"tax":` + decimal + `,"gross":` + decimal + `}}`),
		Example: map[string]any{"request_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c11", "quote_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c12",
			"quote_number": "QT-2026-000042", "revision": 2, "customer_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c13", "currency": "CNY",
			"requested_date": "2026-05-10", "lines": []map[string]any{{"line_no": 1, "item_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c14",
				"quantity": "120", "unit_price": "268", "vat_rate": "0.13", "discount": "0", "net": "32160.00", "tax": "4180.80"}},
			"net": "32160.00", "tax": "4180.80", "gross": "36340.80"},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventAccepted, Version: 1, Source: "erp",
		Description: "ERP accepted an order request from CRM as a sales order: its number, promise date and what each line reserved.",
		Schema: json.RawMessage(`{"type":"object","required":["request_id","quote_id","so_id","so_number","promise_date","lines"],"properties":{` +
			`"request_id":{"type":"string"},"quote_id":{"type":"string"},"so_id":{"type":"string","format":"uuid"},"so_number":{"type":"string"},` +
			`"promise_date":` + date + `,"lines":{"type":"array","items":{"type":"object","required":["line_no","reserved","backordered","promise_date"],"properties":{` +
			`"line_no":{"type":"integer"},"reserved":` + decimal + `,"backordered":` + decimal + `,"promise_date":` + date + `}}}}}`),
		Example: Accepted{RequestID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c11", QuoteID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c12",
			SOID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c15", SONumber: "SO-2026-000123", PromiseDate: "2026-05-12",
			Lines: []AcceptedLine{{LineNo: 1, Reserved: money.MustQuantity("100"), Backordered: money.MustQuantity("20"), PromiseDate: "2026-05-12"}}},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventRejected, Version: 1, Source: "erp",
		Description: "ERP refused an order request from CRM, with the reason.",
		Schema: json.RawMessage(`{"type":"object","required":["request_id","quote_id","reason_code","reason"],"properties":{` +
			`"request_id":{"type":"string"},"quote_id":{"type":"string"},` +
			`"reason_code":{"type":"string","enum":["unknown_item","unknown_customer","credit_hold","invalid"]},"reason":{"type":"string"}}}`),
		Example: Rejected{RequestID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c11", QuoteID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c12",
			ReasonCode: ReasonCreditHold, Reason: "The customer is on credit hold"},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventStatusChanged, Version: 1, Source: "erp",
		Description: "A sales order's status changed: confirmed, (partially) reserved, (partially) shipped, closed or cancelled.",
		Schema: json.RawMessage(`{"type":"object","required":["so_id","so_number","status","at"],"properties":{` +
			`"so_id":{"type":"string","format":"uuid"},"so_number":{"type":"string"},"quote_id":{"type":"string"},` +
			`"status":{"type":"string","enum":["confirmed","partially_reserved","reserved","in_production","partially_shipped","shipped","invoiced","paid","cancelled","closed"]},` +
			`"at":{"type":"string","format":"date-time"},"carrier":{"type":"string"},"tracking_no":{"type":"string"},` +
			`"shipment_number":{"type":"string"},"invoice_number":{"type":"string"},"amount":` + decimal + `}}`),
		Example: StatusChanged{SOID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c15", SONumber: "SO-2026-000123",
			QuoteID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c12", Status: StatusPartiallyShipped, At: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC),
			Carrier: "顺丰速运", TrackingNo: "SF1234567890", ShipmentNumber: "SH-2026-000077", Amount: money.MustAmount("36340.80")},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventShipped, Version: 1, Source: "erp",
		Description: "Goods of a sales order left the warehouse: what, which lots, with which carrier.",
		Schema: json.RawMessage(`{"type":"object","required":["shipment_id","number","so_id","so_number","customer_id","shipped_at","lines"],"properties":{` +
			`"shipment_id":{"type":"string","format":"uuid"},"number":{"type":"string"},"so_id":{"type":"string","format":"uuid"},` +
			`"so_number":{"type":"string"},"quote_id":{"type":"string"},"customer_id":{"type":"string","format":"uuid"},` +
			`"carrier":{"type":"string"},"tracking_no":{"type":"string"},"shipped_at":{"type":"string","format":"date-time"},` +
			`"lines":{"type":"array","items":{"type":"object","required":["item_id","quantity","lots"],"properties":{` +
			`"item_id":{"type":"string","format":"uuid"},"quantity":` + decimal + `,"lots":{"type":"array","items":{"type":"string"}}}}}}}`),
		Example: Shipped{ShipmentID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c16", Number: "SH-2026-000077", SOID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c15",
			SONumber: "SO-2026-000123", QuoteID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c12", CustomerID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c13",
			Carrier: "顺丰速运", TrackingNo: "SF1234567890", ShippedAt: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC),
			Lines: []ShippedLine{{ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c14", Quantity: money.MustQuantity("100"), Lots: []string{"GBH-2605-01"}}}},
	})
}
