package quote

import (
	"encoding/json"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// EventOrderRequested asks ERP to make a sales order of an accepted quote.
const EventOrderRequested = "crm.order.requested"

// OrderLine is a line of crm.order.requested: unit_price is the
// tax-exclusive unit price before the discount, and net = quantity ×
// unit_price less discount × that, each rounded half-up to the fen; tax is
// net × vat_rate. For a quote priced with VAT, unit_price is net ÷
// quantity (to six decimals) and discount is zero. net and tax are the
// amounts as quoted.
type OrderLine struct {
	LineNo    int             `json:"line_no"`
	ItemID    string          `json:"item_id"`
	Quantity  money.Quantity  `json:"quantity"`
	UnitPrice money.UnitPrice `json:"unit_price"`
	VATRate   money.Rate      `json:"vat_rate"`
	Discount  money.Rate      `json:"discount"`
	Net       money.Amount    `json:"net"`
	Tax       money.Amount    `json:"tax"`
}

// OrderRequested is the data of crm.order.requested v1.
type OrderRequested struct {
	RequestID     string       `json:"request_id"`
	QuoteID       string       `json:"quote_id"`
	QuoteNumber   string       `json:"quote_number"`
	Revision      int          `json:"revision"`
	CustomerID    string       `json:"customer_id"`
	Currency      string       `json:"currency"`
	RequestedDate string       `json:"requested_date"`
	ShipTo        string       `json:"ship_to"`
	PaymentTerms  string       `json:"payment_terms"`
	Notes         string       `json:"notes"`
	RepID         string       `json:"rep_id"`
	Lines         []OrderLine  `json:"lines"`
	Net           money.Amount `json:"net"`
	Tax           money.Amount `json:"tax"`
	Gross         money.Amount `json:"gross"`
}

func init() {
	dec := `{"type":"string","format":"decimal"}`
	outbox.MustRegister(outbox.EventType{
		Type: EventOrderRequested, Version: 1, Source: "crm",
		Description: "A customer accepted a quote: ERP is asked to make a sales order of it, and answers with erp.sales_order.accepted or rejected. " +
			"Prices are tax-exclusive: a line's net is quantity × unit_price less its discount, each rounded half-up to the fen; its net and tax are the quoted amounts, and the totals are their sums.",
		Schema: json.RawMessage(`{"type":"object","required":["request_id","quote_id","quote_number","revision","customer_id","currency","lines","net","tax","gross"],"properties":{` +
			`"request_id":{"type":"string","format":"uuid"},"quote_id":{"type":"string","format":"uuid"},"quote_number":{"type":"string"},` +
			`"revision":{"type":"integer"},"customer_id":{"type":"string","format":"uuid"},"currency":{"type":"string"},` +
			`"requested_date":{"type":"string"},"ship_to":{"type":"string"},"payment_terms":{"type":"string"},"notes":{"type":"string"},` +
			`"rep_id":{"type":"string"},"lines":{"type":"array","items":{"type":"object","required":["line_no","item_id","quantity","unit_price","vat_rate","net","tax"],"properties":{` +
			`"line_no":{"type":"integer"},"item_id":{"type":"string","format":"uuid"},"quantity":` + dec + `,"unit_price":` + dec + `,"vat_rate":` + dec +
			`,"discount":` + dec + `,"net":` + dec + `,"tax":` + dec + `}}},"net":` + dec + `,"tax":` + dec + `,"gross":` + dec + `}}`),
		Example: OrderRequested{RequestID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1a", QuoteID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d",
			QuoteNumber: "QT-2026-000042", Revision: 2, CustomerID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1e", Currency: "CNY",
			RequestedDate: "2026-05-15", ShipTo: "浙江省 宁波市 北仑区 大港工业城 2 号门", PaymentTerms: "月结 60 天", RepID: "0196b2c4-0000-7000-8000-000000000001",
			Lines: []OrderLine{{LineNo: 1, ItemID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1f", Quantity: money.MustQuantity("500"),
				UnitPrice: money.MustUnitPrice("268"), VATRate: money.MustRate("0.13"), Discount: money.MustRate("0.05"),
				Net: money.MustAmount("127300.00"), Tax: money.MustAmount("16549.00")}},
			Net: money.MustAmount("127300.00"), Tax: money.MustAmount("16549.00"), Gross: money.MustAmount("143849.00")},
	})
}
