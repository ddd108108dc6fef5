package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// FinPayable is what a posted supplier bill (or debit note) leaves open.
type FinPayable struct {
	ID            string       `json:"id" format:"uuid"`
	Kind          string       `json:"kind" enum:"bill,debit_note"`
	SupplierID    string       `json:"supplier_id"`
	Supplier      string       `json:"supplier_name"`
	SourceKind    string       `json:"source_kind" doc:"The posting document's kind, such as pur.bill."`
	SourceID      string       `json:"source_id"`
	Number        string       `json:"number" doc:"The supplier's invoice number, or the voucher number."`
	EntryID       string       `json:"entry_id" format:"uuid"`
	Currency      string       `json:"currency"`
	Rate          money.Rate   `json:"rate"`
	Date          string       `json:"date" format:"date"`
	DueDate       string       `json:"due_date" format:"date"`
	Amount        money.Amount `json:"amount" doc:"Negative for a debit note."`
	Open          money.Amount `json:"open"`
	ReversedEntry string       `json:"reversed_entry,omitempty" doc:"The reversal that cancelled it."`
	PastDue       int          `json:"past_due,omitempty" doc:"Days past due at the aging date (open items only)."`
}

// FinSupplierAllocation is part of a supplier payment applied to a bill.
type FinSupplierAllocation struct {
	ID         string       `json:"id" format:"uuid"`
	ItemID     string       `json:"item_id" format:"uuid"`
	ItemNumber string       `json:"item_number"`
	Amount     money.Amount `json:"amount"`
	Date       string       `json:"date" format:"date"`
}

// FinSupplierPayment is money paid to a supplier.
type FinSupplierPayment struct {
	ID            string                  `json:"id" format:"uuid"`
	Number        string                  `json:"number"`
	SupplierID    string                  `json:"supplier_id"`
	Supplier      string                  `json:"supplier_name"`
	Date          string                  `json:"date" format:"date"`
	Currency      string                  `json:"currency"`
	Rate          money.Rate              `json:"rate"`
	Amount        money.Amount            `json:"amount"`
	Allocated     money.Amount            `json:"allocated"`
	Prepaid       money.Amount            `json:"prepaid" doc:"Kept as a prepayment to the supplier (预付账款)."`
	BankAccount   string                  `json:"bank_account_id"`
	Method        string                  `json:"method"`
	Reference     string                  `json:"reference"`
	Memo          string                  `json:"memo"`
	EntryID       string                  `json:"entry_id"`
	ReversalEntry string                  `json:"reversal_entry_id,omitempty"`
	ReversedOn    string                  `json:"reversed_on,omitempty"`
	CreatedAt     time.Time               `json:"created_at"`
	CreatedBy     string                  `json:"created_by"`
	Allocations   []FinSupplierAllocation `json:"allocations" nullable:"false"`
}

// FinSupplierAllocationInput pays part of a payment on a bill.
type FinSupplierAllocationInput struct {
	ItemID string            `json:"item_id" doc:"The payable's id."`
	Amount api.DecimalString `json:"amount"`
}

// FinSupplierPaymentInput pays a supplier.
type FinSupplierPaymentInput struct {
	SupplierID  string                       `json:"supplier_id"`
	Date        string                       `json:"date" doc:"YYYY-MM-DD."`
	Currency    string                       `json:"currency,omitempty" doc:"Empty takes the supplier's."`
	Rate        api.DecimalString            `json:"rate,omitempty" doc:"Empty takes the rate of the date."`
	Amount      api.DecimalString            `json:"amount"`
	BankAccount string                       `json:"bank_account,omitempty" doc:"Code or id of the bank or cash account; empty takes the bank rule's."`
	Method      string                       `json:"method,omitempty" enum:"transfer,cash,acceptance,check,misc,"`
	Reference   string                       `json:"reference,omitempty" maxLength:"64"`
	Memo        string                       `json:"memo,omitempty" maxLength:"200"`
	Allocations []FinSupplierAllocationInput `json:"allocations,omitempty" doc:"What to pay on each open bill; the rest is a prepayment."`
}

// FinSupplierReversalInput reverses a supplier payment.
type FinSupplierReversalInput struct {
	Date string `json:"date,omitempty" doc:"YYYY-MM-DD; today when empty."`
	Memo string `json:"memo,omitempty" maxLength:"200"`
}

// FinAPAgingRow is one supplier's payables by days past due, in the base currency.
type FinAPAgingRow struct {
	SupplierID string         `json:"supplier_id,omitempty"`
	Name       string         `json:"name,omitempty"`
	NotDue     money.Amount   `json:"not_due"`
	Overdue    []money.Amount `json:"overdue" nullable:"false"`
	Credits    money.Amount   `json:"credits" doc:"Debit notes (negative)."`
	Prepaid    money.Amount   `json:"prepaid" doc:"Prepayments (negative)."`
	Total      money.Amount   `json:"total"`
}

// FinAPAging is the payables aging at a date.
type FinAPAging struct {
	Date     string          `json:"date" format:"date"`
	Currency string          `json:"currency"`
	Buckets  []int           `json:"buckets" nullable:"false"`
	Rows     []FinAPAgingRow `json:"rows" nullable:"false"`
	Total    FinAPAgingRow   `json:"total"`
}

// FinSupplierStatementLine is one movement with a supplier.
type FinSupplierStatementLine struct {
	Date     string       `json:"date" format:"date"`
	Kind     string       `json:"kind" enum:"bill,debit_note,cancelled,payment,payment_reversal"`
	Number   string       `json:"number"`
	DocID    string       `json:"doc_id"`
	Currency string       `json:"currency"`
	Credit   money.Amount `json:"credit" doc:"What the company came to owe."`
	Debit    money.Amount `json:"debit" doc:"What it paid or was credited."`
	Balance  money.Amount `json:"balance"`
}

// FinSupplierStatement is a supplier statement for a date range in one currency.
type FinSupplierStatement struct {
	SupplierID string                     `json:"supplier_id"`
	Supplier   string                     `json:"supplier_name"`
	Currency   string                     `json:"currency"`
	From       string                     `json:"from" format:"date"`
	To         string                     `json:"to" format:"date"`
	Opening    money.Amount               `json:"opening"`
	Lines      []FinSupplierStatementLine `json:"lines" nullable:"false"`
	Closing    money.Amount               `json:"closing"`
}

type aph struct{ ap *payables.Service }

// RegisterPayables adds the payables operations to the API.
func RegisterPayables(a *api.API, ap *payables.Service) {
	x := aph{ap}
	op := func(id, method, path, summary string, status int) huma.Operation {
		o := huma.Operation{OperationID: "erp-finance-" + id, Method: method, Path: "/erp/finance" + path, Summary: summary, Tags: []string{"Finance"}}
		if status != 0 {
			o.DefaultStatus = status
		}
		return o
	}
	api.Register(a, op("list-payables", http.MethodGet, "/payables", "List payables (open bills and debit notes), newest first", 0), finance.PermPayableRead, x.listPayables)
	api.Register(a, op("get-payable", http.MethodGet, "/payables/{id}", "Get a payable", 0), finance.PermPayableRead, x.getPayable)
	api.Register(a, op("list-supplier-payments", http.MethodGet, "/supplier-payments", "List payments to suppliers, newest first", 0), finance.PermPayableRead, x.listPayments)
	api.Register(a, op("pay-supplier", http.MethodPost, "/supplier-payments", "Pay a supplier and allocate the payment to open bills", http.StatusCreated), finance.PermPayableWrite, x.pay)
	api.Register(a, op("get-supplier-payment", http.MethodGet, "/supplier-payments/{id}", "Get a supplier payment with its allocations", 0), finance.PermPayableRead, x.getPayment)
	api.Register(a, op("apply-to-bills", http.MethodPost, "/payables/apply", "Apply a supplier prepayment or debit note to open bills", http.StatusCreated), finance.PermPayableWrite, x.apply)
	api.Register(a, op("list-payable-applications", http.MethodGet, "/payables/{id}/applications", "Prepayments and debit notes applied to a bill, or what a prepayment or debit note was applied to", 0), finance.PermPayableRead, x.applications)
	api.Register(a, op("undo-payable-application", http.MethodPost, "/payables/applications/{id}/undo", "Undo an application of a prepayment or debit note to a bill", 0), finance.PermPayableReverse, x.undoApplication)
	api.Register(a, op("reverse-supplier-payment", http.MethodPost, "/supplier-payments/{id}/reverse", "Reverse a supplier payment", 0), finance.PermPayableReverse, x.reverse)
	api.Register(a, op("ap-aging", http.MethodGet, "/reports/ap-aging", "Payables aging at a date", 0), finance.PermPayableRead, x.aging)
	api.Register(a, op("supplier-statement", http.MethodGet, "/suppliers/{id}/statement", "A supplier's statement over a date range", 0), finance.PermPayableRead, x.statement)
}

func payableJSON(it payables.Item) FinPayable {
	return FinPayable{ID: it.ID, Kind: it.Kind, SupplierID: it.SupplierID, Supplier: it.Supplier, SourceKind: it.SourceKind, SourceID: it.SourceID,
		Number: it.Number, EntryID: it.EntryID, Currency: it.Currency, Rate: it.Rate, Date: it.Date, DueDate: it.DueDate, Amount: it.Amount,
		Open: it.Open, ReversedEntry: it.ReversedEntry}
}

func supplierPaymentJSON(p *payables.Payment) FinSupplierPayment {
	out := FinSupplierPayment{ID: p.ID, Number: p.Number, SupplierID: p.SupplierID, Supplier: p.Supplier, Date: p.Date, Currency: p.Currency,
		Rate: p.Rate, Amount: p.Amount, Allocated: p.Allocated, Prepaid: p.Prepaid, BankAccount: p.BankAccount, Method: p.Method,
		Reference: p.Reference, Memo: p.Memo, EntryID: p.EntryID, ReversalEntry: p.ReversalEntry, ReversedOn: p.ReversedOn,
		CreatedAt: p.CreatedAt, CreatedBy: p.CreatedBy, Allocations: []FinSupplierAllocation{}}
	for _, a := range p.Allocations {
		out.Allocations = append(out.Allocations, FinSupplierAllocation{ID: a.ID, ItemID: a.ItemID, ItemNumber: a.ItemNumber, Amount: a.Amount, Date: a.Date})
	}
	return out
}

func (x aph) listPayables(ctx context.Context, in *struct {
	SupplierID string `query:"supplier_id" maxLength:"64"`
	Open       bool   `query:"open" doc:"Only what is still open."`
	SourceKind string `query:"source_kind" maxLength:"32"`
	SourceID   string `query:"source_id" maxLength:"64"`
	AsOf       string `query:"as_of" doc:"YYYY-MM-DD: what was open at the end of that day (drill-down of the aging)."`
}) (*api.ListOutput[FinPayable], error) {
	out := api.Page[FinPayable]{Items: []FinPayable{}}
	if in.AsOf != "" {
		items, err := x.ap.OpenAt(ctx, in.AsOf, in.SupplierID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			p := payableJSON(it.Item)
			p.PastDue = it.PastDue
			out.Items = append(out.Items, p)
		}
		return &api.ListOutput[FinPayable]{Body: out}, nil
	}
	items, err := x.ap.Items(ctx, payables.ItemFilter{SupplierID: in.SupplierID, OpenOnly: in.Open, SourceKind: in.SourceKind, SourceID: in.SourceID})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		out.Items = append(out.Items, payableJSON(it))
	}
	return &api.ListOutput[FinPayable]{Body: out}, nil
}

func (x aph) getPayable(ctx context.Context, in *api.IDParam) (*struct{ Body FinPayable }, error) {
	it, err := x.ap.Item(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinPayable }{payableJSON(*it)}, nil
}

type supplierPaymentOut struct{ Body FinSupplierPayment }

func (x aph) listPayments(ctx context.Context, in *struct {
	SupplierID string `query:"supplier_id" maxLength:"64"`
}) (*api.ListOutput[FinSupplierPayment], error) {
	ps, err := x.ap.Payments(ctx, in.SupplierID, 0)
	if err != nil {
		return nil, err
	}
	out := api.Page[FinSupplierPayment]{Items: []FinSupplierPayment{}}
	for i := range ps {
		out.Items = append(out.Items, supplierPaymentJSON(&ps[i]))
	}
	return &api.ListOutput[FinSupplierPayment]{Body: out}, nil
}

func (x aph) pay(ctx context.Context, in *struct{ Body FinSupplierPaymentInput }) (*supplierPaymentOut, error) {
	var d decimals
	b := in.Body
	pin := payables.PaymentInput{SupplierID: b.SupplierID, Date: b.Date, Currency: b.Currency, Rate: d.rate("rate", b.Rate),
		Amount: d.amount("amount", b.Amount), BankAccount: b.BankAccount, Method: b.Method, Reference: b.Reference, Memo: b.Memo}
	for i, a := range b.Allocations {
		pin.Allocations = append(pin.Allocations, payables.AllocationInput{ItemID: a.ItemID, Amount: d.amount("allocations["+strconv.Itoa(i)+"].amount", a.Amount)})
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	p, err := x.ap.Pay(ctx, pin)
	if err != nil {
		return nil, err
	}
	return &supplierPaymentOut{supplierPaymentJSON(p)}, nil
}

func (x aph) getPayment(ctx context.Context, in *api.IDParam) (*supplierPaymentOut, error) {
	p, err := x.ap.Payment(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &supplierPaymentOut{supplierPaymentJSON(p)}, nil
}

func (x aph) reverse(ctx context.Context, in *struct {
	api.IDParam
	Body FinSupplierReversalInput
}) (*supplierPaymentOut, error) {
	p, err := x.ap.ReversePayment(ctx, in.ID, in.Body.Date, in.Body.Memo)
	if err != nil {
		return nil, err
	}
	return &supplierPaymentOut{supplierPaymentJSON(p)}, nil
}

func apAgingRow(r payables.AgingRow) FinAPAgingRow {
	return FinAPAgingRow{SupplierID: r.SupplierID, Name: r.Name, NotDue: r.NotDue, Overdue: append([]money.Amount{}, r.Overdue...),
		Credits: r.Credits, Prepaid: r.Prepaid, Total: r.Total}
}

func (x aph) aging(ctx context.Context, in *struct {
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body FinAPAging }, error) {
	if in.Date == "" {
		in.Date = x.ap.Today(ctx)
	}
	a, err := x.ap.Aging(ctx, in.Date)
	if err != nil {
		return nil, err
	}
	out := FinAPAging{Date: a.Date, Currency: a.Currency, Buckets: a.Buckets, Rows: []FinAPAgingRow{}, Total: apAgingRow(a.Total)}
	for _, r := range a.Rows {
		out.Rows = append(out.Rows, apAgingRow(r))
	}
	return &struct{ Body FinAPAging }{out}, nil
}

func (x aph) statement(ctx context.Context, in *struct {
	api.IDParam
	Currency string `query:"currency" maxLength:"3" doc:"Empty: the base currency."`
	From     string `query:"from" doc:"YYYY-MM-DD."`
	To       string `query:"to" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body FinSupplierStatement }, error) {
	if in.To == "" {
		in.To = x.ap.Today(ctx)
	}
	if in.From == "" {
		in.From = in.To[:8] + "01"
	}
	st, err := x.ap.Statement(ctx, in.ID, in.Currency, in.From, in.To)
	if err != nil {
		return nil, err
	}
	out := FinSupplierStatement{SupplierID: st.SupplierID, Supplier: st.Supplier, Currency: st.Currency, From: st.From, To: st.To,
		Opening: st.Opening, Closing: st.Closing, Lines: []FinSupplierStatementLine{}}
	for _, l := range st.Lines {
		out.Lines = append(out.Lines, FinSupplierStatementLine(l))
	}
	return &struct{ Body FinSupplierStatement }{out}, nil
}
