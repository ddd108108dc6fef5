package domain

import (
	"encoding/json"
	"time"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// The events purchasing emits.
const (
	// EventOrderStatusChanged: a purchase order moved to another status
	// (submitted for approval, approved, rejected back to draft,
	// (partially) received, closed or cancelled).
	EventOrderStatusChanged = "erp.purchase_order.status_changed"
	// EventOrderReceived: goods were received against a purchase order line.
	EventOrderReceived = "erp.purchase_order.received"
)

// OrderStatusChanged is the data of erp.purchase_order.status_changed.
type OrderStatusChanged struct {
	POID       string       `json:"po_id"`
	PONumber   string       `json:"po_number"`
	SupplierID string       `json:"supplier_id"`
	Status     Status       `json:"status"`
	Previous   Status       `json:"previous"`
	Currency   string       `json:"currency"`
	Gross      money.Amount `json:"gross"`
	BaseGross  money.Amount `json:"base_gross"`
	At         time.Time    `json:"at"`
}

// OrderReceived is the data of erp.purchase_order.received. Quantity is in
// the purchase unit, BaseQuantity in the item's stock unit.
type OrderReceived struct {
	ReceiptID    string         `json:"receipt_id"`
	POID         string         `json:"po_id"`
	PONumber     string         `json:"po_number"`
	SupplierID   string         `json:"supplier_id"`
	LineID       string         `json:"line_id"`
	ItemID       string         `json:"item_id"`
	Quantity     money.Quantity `json:"quantity"`
	UoM          string         `json:"uom"`
	BaseQuantity money.Quantity `json:"base_quantity"`
	WarehouseID  string         `json:"warehouse_id"`
	Location     string         `json:"location"`
	LotNo        string         `json:"lot_no"`
	Quarantine   bool           `json:"quarantine"`
	Date         string         `json:"date"`
	DocNumber    string         `json:"doc_number"`
}

func init() {
	decimal := `{"type":"string","format":"decimal"}`
	uuid := `{"type":"string","format":"uuid"}`
	statuses := `{"type":"string","enum":["draft","pending_approval","approved","partially_received","received","closed","cancelled"]}`
	outbox.MustRegister(outbox.EventType{
		Type: EventOrderStatusChanged, Version: 1, Source: "erp",
		Description: "A purchase order's status changed: submitted for approval, approved, rejected back to draft, (partially) received, closed or cancelled.",
		Schema: json.RawMessage(`{"type":"object","required":["po_id","po_number","supplier_id","status","previous","at"],"properties":{` +
			`"po_id":` + uuid + `,"po_number":{"type":"string"},"supplier_id":{"type":"string"},"status":` + statuses + `,` +
			`"previous":` + statuses + `,"currency":{"type":"string"},"gross":` + decimal + `,"base_gross":` + decimal + `,` +
			`"at":{"type":"string","format":"date-time"}}}`),
		Example: OrderStatusChanged{POID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c21", PONumber: "PO-2026-000031",
			SupplierID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c22", Status: StatusApproved, Previous: StatusPendingApproval, Currency: "USD",
			Gross: money.MustAmount("11300.00"), BaseGross: money.MustAmount("81360.00"), At: time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventOrderReceived, Version: 1, Source: "erp",
		Description: "Goods were received against a purchase order line, into stock or quarantine.",
		Schema: json.RawMessage(`{"type":"object","required":["receipt_id","po_id","po_number","line_id","item_id","quantity","base_quantity","date"],"properties":{` +
			`"receipt_id":` + uuid + `,"po_id":` + uuid + `,"po_number":{"type":"string"},"supplier_id":{"type":"string"},` +
			`"line_id":` + uuid + `,"item_id":` + uuid + `,"quantity":` + decimal + `,"uom":{"type":"string"},"base_quantity":` + decimal + `,` +
			`"warehouse_id":{"type":"string"},"location":{"type":"string"},"lot_no":{"type":"string"},"quarantine":{"type":"boolean"},` +
			`"date":{"type":"string","format":"date"},"doc_number":{"type":"string"}}}`),
		Example: OrderReceived{ReceiptID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c23", POID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c21",
			PONumber: "PO-2026-000031", SupplierID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c22", LineID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c24",
			ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c25", Quantity: money.MustQuantity("10"), UoM: "箱", BaseQuantity: money.MustQuantity("500"),
			WarehouseID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c26", Location: "QC-01", LotNo: "AL-2605-01", Quarantine: true, Date: "2026-05-12",
			DocNumber: "GR-2026-000088"},
	})
}
