package finance

import (
	"encoding/json"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Events the finance module sends (docs/events.md).
const (
	EventInvoicePosted   = "erp.invoice.posted"
	EventPaymentReceived = "erp.payment.received"
	EventCreditChanged   = "erp.customer_credit.changed"
)

// InvoicePosted is the data of erp.invoice.posted v1: an invoice or a
// credit note was posted. A credit note carries kind credit_note and
// negative amounts, so consumers that add amounts up stay right.
type InvoicePosted struct {
	InvoiceID  string       `json:"invoice_id"`
	Number     string       `json:"number"`
	Kind       string       `json:"kind"` // invoice or credit_note
	CustomerID string       `json:"customer_id"`
	SOID       string       `json:"so_id"`
	SONumber   string       `json:"so_number"`
	ContractID string       `json:"contract_id"`
	CreditOf   string       `json:"credit_of,omitempty"` // the invoice a credit note credits
	Date       string       `json:"date"`
	DueDate    string       `json:"due_date"`
	Currency   string       `json:"currency"`
	Net        money.Amount `json:"net"`
	Tax        money.Amount `json:"tax"`
	Gross      money.Amount `json:"gross"`
}

// PaymentReceived is the data of erp.payment.received v1: a customer's
// payment was received, or more of it was allocated to invoices since.
// Allocations lists every allocation of the payment so far.
type PaymentReceived struct {
	PaymentID   string              `json:"payment_id"`
	Number      string              `json:"number"`
	CustomerID  string              `json:"customer_id"`
	Date        string              `json:"date"`
	Currency    string              `json:"currency"`
	Amount      money.Amount        `json:"amount"`
	Allocations []PaymentAllocation `json:"allocations"`
	Unallocated money.Amount        `json:"unallocated"`
}

// PaymentAllocation is one invoice a payment settled, in part or in full.
type PaymentAllocation struct {
	InvoiceID  string       `json:"invoice_id"`
	Number     string       `json:"number"`
	ContractID string       `json:"contract_id"`
	Amount     money.Amount `json:"amount"`
}

// CustomerCredit is a customer's credit position in the base currency, the
// data of erp.customer_credit.changed v1. It is sent whenever one of its
// numbers changes.
type CustomerCredit struct {
	CustomerID      string       `json:"customer_id"`
	Currency        string       `json:"currency"` // the base currency
	CreditLimit     money.Amount `json:"credit_limit"`
	HasLimit        bool         `json:"has_limit"` // false: no limit is set
	ARBalance       money.Amount `json:"ar_balance"`
	Overdue         money.Amount `json:"overdue"`
	OpenOrders      money.Amount `json:"open_orders"`
	AvailableCredit money.Amount `json:"available_credit"`
	OnHold          bool         `json:"on_hold"`
	HoldReason      string       `json:"hold_reason,omitempty"` // manual, over_limit or overdue
}

func init() {
	outbox.MustRegister(outbox.EventType{
		Type: EventInvoicePosted, Version: 1, Source: "erp",
		Description: "A customer invoice or credit note was posted to the ledger. Credit notes have kind credit_note and negative amounts.",
		Schema: json.RawMessage(`{"type":"object","required":["invoice_id","number","customer_id","date","due_date","currency","net","tax","gross"],"properties":{` +
			`"invoice_id":{"type":"string","format":"uuid"},"number":{"type":"string"},"kind":{"type":"string","enum":["invoice","credit_note"]},` +
			`"customer_id":{"type":"string"},"so_id":{"type":"string"},"so_number":{"type":"string"},"contract_id":{"type":"string"},` +
			`"credit_of":{"type":"string"},"date":{"type":"string","format":"date"},"due_date":{"type":"string","format":"date"},` +
			`"currency":{"type":"string"},"net":{"type":"string","format":"decimal"},"tax":{"type":"string","format":"decimal"},"gross":{"type":"string","format":"decimal"}}}`),
		Example: InvoicePosted{InvoiceID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Number: "INV-2026-000123", Kind: "invoice",
			CustomerID: "0196b2c4-0000-7000-8000-0000000000c1", SOID: "0196b2c4-0000-7000-8000-0000000000a1", SONumber: "SO-2026-000045",
			ContractID: "0196b2c4-0000-7000-8000-0000000000b1", Date: "2026-11-20", DueDate: "2026-12-20", Currency: "CNY",
			Net: money.MustAmount("80000.00"), Tax: money.MustAmount("10400.00"), Gross: money.MustAmount("90400.00")},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventPaymentReceived, Version: 1, Source: "erp",
		Description: "A customer's payment was received, or more of it was allocated to invoices since; allocations lists every allocation so far.",
		Schema: json.RawMessage(`{"type":"object","required":["payment_id","number","customer_id","date","currency","amount","allocations","unallocated"],"properties":{` +
			`"payment_id":{"type":"string","format":"uuid"},"number":{"type":"string"},"customer_id":{"type":"string"},` +
			`"date":{"type":"string","format":"date"},"currency":{"type":"string"},"amount":{"type":"string","format":"decimal"},` +
			`"allocations":{"type":"array","items":{"type":"object","required":["invoice_id","amount"],"properties":{` +
			`"invoice_id":{"type":"string","format":"uuid"},"number":{"type":"string"},"contract_id":{"type":"string"},"amount":{"type":"string","format":"decimal"}}}},` +
			`"unallocated":{"type":"string","format":"decimal"}}}`),
		Example: PaymentReceived{PaymentID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c2e", Number: "RCV-2026-000087",
			CustomerID: "0196b2c4-0000-7000-8000-0000000000c1", Date: "2026-12-05", Currency: "CNY", Amount: money.MustAmount("100000.00"),
			Allocations: []PaymentAllocation{{InvoiceID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", Number: "INV-2026-000123",
				ContractID: "0196b2c4-0000-7000-8000-0000000000b1", Amount: money.MustAmount("90400.00")}},
			Unallocated: money.MustAmount("9600.00")},
	})
	outbox.MustRegister(outbox.EventType{
		Type: EventCreditChanged, Version: 1, Source: "erp",
		Description: "A customer's credit position changed: limit, receivables balance, overdue amount or hold. Amounts are in the base currency.",
		Schema: json.RawMessage(`{"type":"object","required":["customer_id","currency","credit_limit","ar_balance","overdue","open_orders","available_credit","on_hold"],"properties":{` +
			`"customer_id":{"type":"string"},"currency":{"type":"string"},"credit_limit":{"type":"string","format":"decimal"},` +
			`"has_limit":{"type":"boolean"},"ar_balance":{"type":"string","format":"decimal"},"overdue":{"type":"string","format":"decimal"},` +
			`"open_orders":{"type":"string","format":"decimal"},"available_credit":{"type":"string","format":"decimal"},` +
			`"on_hold":{"type":"boolean"},"hold_reason":{"type":"string","enum":["manual","over_limit","overdue"]}}}`),
		Example: CustomerCredit{CustomerID: "0196b2c4-0000-7000-8000-0000000000c1", Currency: "CNY", CreditLimit: money.MustAmount("500000.00"),
			HasLimit: true, ARBalance: money.MustAmount("90400.00"), Overdue: money.MustAmount("0.00"), OpenOrders: money.MustAmount("0.00"),
			AvailableCredit: money.MustAmount("409600.00"), OnHold: false},
	})
}
