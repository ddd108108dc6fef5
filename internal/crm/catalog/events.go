package catalog

import (
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// The ERP events the copy is kept from.
const (
	EventItemUpserted        = "erp.item.upserted"
	EventAvailabilityChanged = "erp.stock.availability_changed"
	EventCreditChanged       = "erp.customer_credit.changed"
	EventSalesOrderAccepted  = "erp.sales_order.accepted"
	EventSalesOrderRejected  = "erp.sales_order.rejected"
	EventSalesOrderStatus    = "erp.sales_order.status_changed"
	EventShipmentShipped     = "erp.shipment.shipped"
	EventInvoicePosted       = "erp.invoice.posted"
	EventPaymentReceived     = "erp.payment.received"
	consumerName             = "crm-catalog"
	decimal                  = `{"type":"string","format":"decimal"}`
	uuid                     = `{"type":"string","format":"uuid"}`
	str                      = `{"type":"string"}`
	date                     = `{"type":"string","format":"date"}`
)

// Events lists the ERP event types the copy consumes.
var Events = []string{EventItemUpserted, EventAvailabilityChanged, EventCreditChanged, EventSalesOrderAccepted,
	EventSalesOrderRejected, EventSalesOrderStatus, EventShipmentShipped, EventInvoicePosted, EventPaymentReceived}

// ItemUpserted is the data of erp.item.upserted v1.
type ItemUpserted struct {
	ID           string          `json:"id"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	NameEN       string          `json:"name_en"`
	Spec         string          `json:"spec"`
	Kind         string          `json:"kind"`
	CategoryID   string          `json:"category_id"`
	CategoryName string          `json:"category_name"`
	UoM          string          `json:"uom"`
	UoMPrecision int             `json:"uom_precision"`
	VATRate      money.Rate      `json:"vat_rate"`
	ListPrice    money.UnitPrice `json:"list_price"`
	FloorPrice   money.UnitPrice `json:"floor_price"`
	Currency     string          `json:"currency"`
	LeadTimeDays int             `json:"lead_time_days"`
	Tracking     string          `json:"tracking"`
	Sellable     bool            `json:"sellable"`
	Status       string          `json:"status"`
}

// AvailabilityChanged is the data of erp.stock.availability_changed v1.
type AvailabilityChanged struct {
	ItemID       string         `json:"item_id"`
	OnHand       money.Quantity `json:"on_hand"`
	Reserved     money.Quantity `json:"reserved"`
	Available    money.Quantity `json:"available"`
	Incoming     []Incoming     `json:"incoming"`
	LeadTimeDays int            `json:"lead_time_days"`
	AsOf         string         `json:"as_of"`
}

// CreditChanged is the data of erp.customer_credit.changed v1.
type CreditChanged struct {
	CustomerID      string       `json:"customer_id"`
	Currency        string       `json:"currency"`
	CreditLimit     money.Amount `json:"credit_limit"`
	ARBalance       money.Amount `json:"ar_balance"`
	Overdue         money.Amount `json:"overdue"`
	OpenOrders      money.Amount `json:"open_orders"`
	AvailableCredit money.Amount `json:"available_credit"`
	OnHold          bool         `json:"on_hold"`
}

// SalesOrderAccepted is the data of erp.sales_order.accepted v1.
type SalesOrderAccepted struct {
	RequestID   string `json:"request_id"`
	QuoteID     string `json:"quote_id"`
	SOID        string `json:"so_id"`
	SONumber    string `json:"so_number"`
	PromiseDate string `json:"promise_date"`
	Lines       []struct {
		LineNo      int            `json:"line_no"`
		Reserved    money.Quantity `json:"reserved"`
		Backordered money.Quantity `json:"backordered"`
		PromiseDate string         `json:"promise_date"`
	} `json:"lines"`
}

// SalesOrderRejected is the data of erp.sales_order.rejected v1.
type SalesOrderRejected struct {
	RequestID  string `json:"request_id"`
	QuoteID    string `json:"quote_id"`
	ReasonCode string `json:"reason_code"`
	Reason     string `json:"reason"`
}

// SalesOrderStatusChanged is the data of erp.sales_order.status_changed v1.
type SalesOrderStatusChanged struct {
	SOID           string       `json:"so_id"`
	SONumber       string       `json:"so_number"`
	QuoteID        string       `json:"quote_id"`
	Status         string       `json:"status"`
	At             string       `json:"at"`
	Carrier        string       `json:"carrier"`
	TrackingNo     string       `json:"tracking_no"`
	ShipmentNumber string       `json:"shipment_number"`
	InvoiceNumber  string       `json:"invoice_number"`
	Amount         money.Amount `json:"amount"`
}

// ShipmentShipped is the data of erp.shipment.shipped v1.
type ShipmentShipped struct {
	ShipmentID string `json:"shipment_id"`
	Number     string `json:"number"`
	SOID       string `json:"so_id"`
	SONumber   string `json:"so_number"`
	QuoteID    string `json:"quote_id"`
	CustomerID string `json:"customer_id"`
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
	ShippedAt  string `json:"shipped_at"`
}

// InvoicePosted is the data of erp.invoice.posted v1.
type InvoicePosted struct {
	InvoiceID  string       `json:"invoice_id"`
	Number     string       `json:"number"`
	CustomerID string       `json:"customer_id"`
	SOID       string       `json:"so_id"`
	ContractID string       `json:"contract_id"`
	Date       string       `json:"date"`
	DueDate    string       `json:"due_date"`
	Currency   string       `json:"currency"`
	Net        money.Amount `json:"net"`
	Tax        money.Amount `json:"tax"`
	Gross      money.Amount `json:"gross"`
}

// PaymentReceived is the data of erp.payment.received v1.
type PaymentReceived struct {
	PaymentID   string       `json:"payment_id"`
	Number      string       `json:"number"`
	CustomerID  string       `json:"customer_id"`
	Date        string       `json:"date"`
	Currency    string       `json:"currency"`
	Amount      money.Amount `json:"amount"`
	Allocations []struct {
		InvoiceID  string       `json:"invoice_id"`
		ContractID string       `json:"contract_id"`
		Amount     money.Amount `json:"amount"`
	} `json:"allocations"`
	Unallocated money.Amount `json:"unallocated"`
}

// RegisterERPEvents puts the ERP events the copy consumes into the event
// catalogue when ERP's own modules are not part of this program (a CRM-only
// build, or the CRM's tests). Call it at wiring time, after every package's
// init ran: when ERP registered a type, its definition stands.
func RegisterERPEvents() error {
	obj := func(required, props string) json.RawMessage {
		return json.RawMessage(`{"type":"object","required":[` + required + `],"properties":{` + props + `}}`)
	}
	defs := []outbox.EventType{
		{Type: EventItemUpserted, Description: "An item of the catalog was created or changed.",
			Schema: obj(`"id","code","name"`, `"id":`+uuid+`,"code":`+str+`,"name":`+str+`,"name_en":`+str+`,"spec":`+str+`,"kind":`+str+
				`,"category_id":`+str+`,"category_name":`+str+`,"uom":`+str+`,"uom_precision":{"type":"integer"},"vat_rate":`+decimal+
				`,"list_price":`+decimal+`,"floor_price":`+decimal+`,"currency":`+str+`,"lead_time_days":{"type":"integer"},"tracking":`+str+
				`,"sellable":{"type":"boolean"},"status":`+str),
			Example: map[string]any{"id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "code": "FG-GBH-001", "name": "变速箱壳体", "vat_rate": "0.13", "list_price": "268", "floor_price": "240"}},
		{Type: EventAvailabilityChanged, Description: "An item's available stock or incoming receipts changed.",
			Schema: obj(`"item_id","available"`, `"item_id":`+uuid+`,"on_hand":`+decimal+`,"reserved":`+decimal+`,"available":`+decimal+
				`,"incoming":{"type":"array","items":{"type":"object","properties":{"date":`+date+`,"quantity":`+decimal+`}}},"lead_time_days":{"type":"integer"},"as_of":`+str),
			Example: map[string]any{"item_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "on_hand": "120", "reserved": "20", "available": "100",
				"incoming": []map[string]string{{"date": "2026-04-10", "quantity": "500"}}, "lead_time_days": 15, "as_of": "2026-03-28T08:00:00Z"}},
		{Type: EventCreditChanged, Description: "A customer's credit position changed.",
			Schema: obj(`"customer_id"`, `"customer_id":`+uuid+`,"currency":`+str+`,"credit_limit":`+decimal+`,"ar_balance":`+decimal+`,"overdue":`+decimal+
				`,"open_orders":`+decimal+`,"available_credit":`+decimal+`,"on_hold":{"type":"boolean"}`),
			Example: map[string]any{"customer_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "currency": "CNY", "credit_limit": "500000.00", "ar_balance": "120000.00",
				"overdue": "0.00", "open_orders": "80000.00", "available_credit": "300000.00", "on_hold": false}},
		{Type: EventSalesOrderAccepted, Description: "ERP made a sales order of a CRM quote.",
			Schema:  obj(`"quote_id","so_id","so_number"`, `"request_id":`+str+`,"quote_id":`+uuid+`,"so_id":`+uuid+`,"so_number":`+str+`,"promise_date":`+date+`,"lines":{"type":"array"}`),
			Example: map[string]any{"request_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1a", "quote_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "so_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1e", "so_number": "SO-2026-000123", "promise_date": "2026-04-15"}},
		{Type: EventSalesOrderRejected, Description: "ERP refused to make a sales order of a CRM quote.",
			Schema:  obj(`"quote_id","reason_code"`, `"request_id":`+str+`,"quote_id":`+uuid+`,"reason_code":`+str+`,"reason":`+str),
			Example: map[string]any{"request_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1a", "quote_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "reason_code": "credit_hold", "reason": "The customer is on credit hold"}},
		{Type: EventSalesOrderStatus, Description: "A sales order moved on: reserved, in production, shipped, invoiced, paid, closed.",
			Schema: obj(`"so_id","status"`, `"so_id":`+uuid+`,"so_number":`+str+`,"quote_id":`+str+`,"status":`+str+`,"at":`+str+`,"carrier":`+str+
				`,"tracking_no":`+str+`,"shipment_number":`+str+`,"invoice_number":`+str+`,"amount":`+decimal),
			Example: map[string]any{"so_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1e", "so_number": "SO-2026-000123", "quote_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "status": "reserved", "at": "2026-03-28T08:00:00Z"}},
		{Type: EventShipmentShipped, Description: "Goods of a sales order left the warehouse.",
			Schema: obj(`"shipment_id","so_id"`, `"shipment_id":`+uuid+`,"number":`+str+`,"so_id":`+uuid+`,"so_number":`+str+`,"quote_id":`+str+
				`,"customer_id":`+str+`,"carrier":`+str+`,"tracking_no":`+str+`,"shipped_at":`+str+`,"lines":{"type":"array"}`),
			Example: map[string]any{"shipment_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1f", "number": "SH-2026-000045", "so_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1e", "carrier": "顺丰", "tracking_no": "SF1234567890"}},
		{Type: EventInvoicePosted, Description: "An invoice to a customer was posted.",
			Schema: obj(`"invoice_id","customer_id","gross"`, `"invoice_id":`+uuid+`,"number":`+str+`,"customer_id":`+uuid+`,"so_id":`+str+`,"contract_id":`+str+
				`,"date":`+date+`,"due_date":`+date+`,"currency":`+str+`,"net":`+decimal+`,"tax":`+decimal+`,"gross":`+decimal),
			Example: map[string]any{"invoice_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c20", "number": "INV-2026-000031", "customer_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "gross": "113000.00"}},
		{Type: EventPaymentReceived, Description: "A customer's payment was received and allocated.",
			Schema: obj(`"payment_id","customer_id","amount"`, `"payment_id":`+uuid+`,"number":`+str+`,"customer_id":`+uuid+`,"date":`+date+`,"currency":`+str+
				`,"amount":`+decimal+`,"allocations":{"type":"array"},"unallocated":`+decimal),
			Example: map[string]any{"payment_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c21", "number": "RC-2026-000012", "customer_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "amount": "50000.00"}},
	}
	for _, et := range defs {
		if _, ok := outbox.Lookup(et.Type, 1); ok {
			continue
		}
		et.Version, et.Source = 1, "erp"
		if err := outbox.Register(et); err != nil {
			if _, ok := outbox.Lookup(et.Type, 1); !ok {
				return fmt.Errorf("catalog: register %s: %w", et.Type, err)
			}
		}
	}
	return nil
}
