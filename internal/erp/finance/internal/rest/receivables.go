package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// FinCustomer is a customer with its finance terms and credit position.
type FinCustomer struct {
	ID             string                 `json:"id" doc:"The CRM account id."`
	Code           string                 `json:"code"`
	Name           string                 `json:"name"`
	TaxID          string                 `json:"tax_id"`
	Currency       string                 `json:"currency"`
	OwnerID        string                 `json:"owner_id"`
	OwnerName      string                 `json:"owner_name"`
	Status         string                 `json:"status"`
	BillingAddress string                 `json:"billing_address"`
	BankAccount    string                 `json:"bank_account"`
	PaymentDays    int                    `json:"payment_days"`
	HasLimit       bool                   `json:"has_limit,omitempty"`
	CreditLimit    money.Amount           `json:"credit_limit"`
	OnHold         bool                   `json:"on_hold" doc:"Put on hold by hand; credit.on_hold also counts the limit and overdue invoices."`
	HoldReason     string                 `json:"hold_reason"`
	Version        int64                  `json:"version"`
	Credit         finance.CustomerCredit `json:"credit"`
}

// FinTermsInput sets a customer's terms.
type FinTermsInput struct {
	PaymentDays int               `json:"payment_days" minimum:"0" maximum:"365"`
	HasLimit    bool              `json:"has_limit,omitempty"`
	CreditLimit api.DecimalString `json:"credit_limit,omitempty" doc:"In the base currency."`
	OnHold      bool              `json:"on_hold,omitempty"`
	HoldReason  string            `json:"hold_reason,omitempty" maxLength:"200"`
	BankAccount string            `json:"bank_account,omitempty" maxLength:"200"`
	Version     int64             `json:"version"`
}

// FinInvoice is a customer invoice or credit note.
type FinInvoice struct {
	ID           string           `json:"id" format:"uuid"`
	Kind         string           `json:"kind" enum:"invoice,credit_note"`
	Status       string           `json:"status" enum:"draft,posted"`
	Number       string           `json:"number,omitempty"`
	CustomerID   string           `json:"customer_id"`
	CustomerName string           `json:"customer_name"`
	Date         string           `json:"date" format:"date"`
	DueDate      string           `json:"due_date" format:"date"`
	Currency     string           `json:"currency"`
	Rate         money.Rate       `json:"rate"`
	Net          money.Amount     `json:"net"`
	Tax          money.Amount     `json:"tax"`
	Gross        money.Amount     `json:"gross"`
	Open         money.Amount     `json:"open" doc:"What is still owed; negative for a credit note's unused part."`
	SOID         string           `json:"so_id,omitempty"`
	SONumber     string           `json:"so_number,omitempty"`
	ShipmentID   string           `json:"shipment_id,omitempty"`
	ContractID   string           `json:"contract_id,omitempty"`
	CreditOf     string           `json:"credit_of,omitempty"`
	Memo         string           `json:"memo"`
	EntryID      string           `json:"entry_id,omitempty"`
	Version      int64            `json:"version"`
	PostedAt     *time.Time       `json:"posted_at,omitempty"`
	Lines        []FinInvoiceLine `json:"lines,omitempty"`
	Fapiao       []FinFapiao      `json:"fapiao,omitempty"`
}

// FinInvoiceLine is one line of an invoice.
type FinInvoiceLine struct {
	LineNo       int             `json:"line_no"`
	ItemCode     string          `json:"item_code,omitempty"`
	Description  string          `json:"description"`
	Spec         string          `json:"spec,omitempty"`
	UoM          string          `json:"uom,omitempty"`
	TaxCode      string          `json:"tax_code,omitempty"`
	Quantity     money.Quantity  `json:"quantity"`
	UnitPrice    money.UnitPrice `json:"unit_price" doc:"Before VAT."`
	VATRate      money.Rate      `json:"vat_rate"`
	Net          money.Amount    `json:"net"`
	Tax          money.Amount    `json:"tax"`
	Gross        money.Amount    `json:"gross"`
	ShipmentLine int             `json:"shipment_line,omitempty" doc:"The line of the invoice's shipment this line bills."`
	SOLine       int             `json:"so_line,omitempty" doc:"The sales order line whose price the line takes."`
}

// FinInvoiceInput writes a draft invoice.
type FinInvoiceInput struct {
	CustomerID string                `json:"customer_id"`
	Date       string                `json:"date"`
	DueDate    string                `json:"due_date,omitempty" doc:"Empty takes the customer's payment terms."`
	Currency   string                `json:"currency,omitempty" doc:"Empty takes the customer's currency."`
	SOID       string                `json:"so_id,omitempty"`
	SONumber   string                `json:"so_number,omitempty"`
	ShipmentID string                `json:"shipment_id,omitempty"`
	ContractID string                `json:"contract_id,omitempty"`
	Memo       string                `json:"memo,omitempty" maxLength:"200"`
	Lines      []FinInvoiceLineInput `json:"lines" nullable:"false"`
	Post       bool                  `json:"post,omitempty" doc:"Post the invoice at once (needs fin.invoice.post)."`
	Version    int64                 `json:"version,omitempty"`
}

// FinInvoiceLineInput is one line of a draft invoice.
type FinInvoiceLineInput struct {
	ItemCode     string            `json:"item_code,omitempty" doc:"With a catalog item, the description, spec, unit and VAT rate default to the item's."`
	Description  string            `json:"description,omitempty" maxLength:"100"`
	Spec         string            `json:"spec,omitempty" maxLength:"100"`
	UoM          string            `json:"uom,omitempty" maxLength:"20"`
	TaxCode      string            `json:"tax_code,omitempty" maxLength:"19" doc:"商品和服务税收分类编码."`
	Quantity     api.DecimalString `json:"quantity"`
	UnitPrice    api.DecimalString `json:"unit_price" doc:"Before VAT, up to 6 decimal places."`
	VATRate      api.DecimalString `json:"vat_rate,omitempty" doc:"0.13, 0.09, 0.06, 0.05, 0.03, 0.01 or 0; empty takes the item's, or 0.13."`
	ShipmentLine int               `json:"shipment_line,omitempty" minimum:"0" doc:"Bills part of this line of the invoice's shipment: at posting, never more than is left of it to invoice."`
	SOLine       int               `json:"so_line,omitempty" minimum:"0" doc:"The sales order line the price comes from."`
}

// FinCreditNoteInput writes a draft credit note.
type FinCreditNoteInput struct {
	Date  string                `json:"date"`
	Memo  string                `json:"memo,omitempty" maxLength:"200"`
	Lines []FinInvoiceLineInput `json:"lines,omitempty" doc:"Without lines the whole invoice is credited."`
	Post  bool                  `json:"post,omitempty"`
}

// FinFapiao is a fapiao recorded against an invoice.
type FinFapiao struct {
	ID     string       `json:"id" format:"uuid"`
	Type   string       `json:"type" enum:"e_special,e_ordinary,special,ordinary"`
	Code   string       `json:"code,omitempty"`
	Number string       `json:"number"`
	Date   string       `json:"date" format:"date"`
	Net    money.Amount `json:"net"`
	Tax    money.Amount `json:"tax"`
	Status string       `json:"status" enum:"issued,red_reversed"`
	RedOf  string       `json:"red_of,omitempty"`
}

// FinFapiaoInput records a fapiao.
type FinFapiaoInput struct {
	Type   string            `json:"type,omitempty" doc:"e_special, e_ordinary, special or ordinary; a red letter takes the original's when empty."`
	Code   string            `json:"code,omitempty" doc:"10 or 12 digits for a paper fapiao; empty for 数电票."`
	Number string            `json:"number" doc:"20 digits (数电票) or 8 (paper)."`
	Date   string            `json:"date"`
	Net    api.DecimalString `json:"net,omitempty" doc:"Empty: what the invoice still lacks a fapiao for."`
	Tax    api.DecimalString `json:"tax,omitempty"`
	Memo   string            `json:"memo,omitempty" maxLength:"200"`
}

// FinPayment is a payment received.
type FinPayment struct {
	ID          string          `json:"id" format:"uuid"`
	Number      string          `json:"number"`
	CustomerID  string          `json:"customer_id"`
	Date        string          `json:"date" format:"date"`
	Currency    string          `json:"currency"`
	Amount      money.Amount    `json:"amount"`
	Unallocated money.Amount    `json:"unallocated" doc:"Kept as the customer's advance."`
	BankAccount string          `json:"bank_account_id"`
	Method      string          `json:"method"`
	Reference   string          `json:"reference"`
	Memo        string          `json:"memo"`
	ContractID  string          `json:"contract_id,omitempty" doc:"The CRM contract the payment is for."`
	EntryID     string          `json:"entry_id"`
	Allocations []FinAllocation `json:"allocations" nullable:"false"`
}

// FinAllocation is part of a payment or credit note applied to an invoice.
type FinAllocation struct {
	ID           string       `json:"id" format:"uuid"`
	SourceID     string       `json:"source_id"`
	TargetID     string       `json:"invoice_id"`
	TargetNumber string       `json:"invoice_number"`
	Amount       money.Amount `json:"amount"`
	Date         string       `json:"date" format:"date"`
}

// FinPaymentInput records a payment.
type FinPaymentInput struct {
	CustomerID  string               `json:"customer_id"`
	Date        string               `json:"date"`
	Currency    string               `json:"currency,omitempty"`
	Amount      api.DecimalString    `json:"amount"`
	BankAccount string               `json:"bank_account,omitempty" doc:"Code or id of a cash account; empty takes the bank rule."`
	Method      string               `json:"method,omitempty" enum:"transfer,cash,acceptance,check,misc"`
	Reference   string               `json:"reference,omitempty" maxLength:"64"`
	Memo        string               `json:"memo,omitempty" maxLength:"200"`
	ContractID  string               `json:"contract_id,omitempty" maxLength:"64" doc:"The CRM contract the payment is for."`
	Allocations []FinAllocationInput `json:"allocations,omitempty"`
}

// FinAllocationInput applies an amount to an invoice.
type FinAllocationInput struct {
	InvoiceID string            `json:"invoice_id"`
	Amount    api.DecimalString `json:"amount"`
}

// FinAllocateInput allocates what is left of a payment or credit note.
type FinAllocateInput struct {
	Date        string               `json:"date,omitempty"`
	Allocations []FinAllocationInput `json:"allocations" nullable:"false"`
}

func registerReceivables(a *api.API, ar *receivables.Service) {
	x := arh{ar}
	op := func(id, method, path, summary string, status int) huma.Operation {
		o := huma.Operation{OperationID: "erp-finance-" + id, Method: method, Path: "/erp/finance" + path, Summary: summary, Tags: []string{"Finance"}}
		if status != 0 {
			o.DefaultStatus = status
		}
		return o
	}
	api.Register(a, op("list-customers", http.MethodGet, "/customers", "List customers with their credit positions", 0), finance.PermCustomerRead, x.listCustomers)
	api.Register(a, op("get-customer", http.MethodGet, "/customers/{id}", "Get a customer with its credit position", 0), finance.PermCustomerRead, x.getCustomer)
	api.Register(a, op("set-terms", http.MethodPut, "/customers/{id}/terms", "Set a customer's payment terms, credit limit and hold", 0), finance.PermCreditManage, x.setTerms)
	api.Register(a, op("list-invoices", http.MethodGet, "/invoices", "List invoices and credit notes, newest first", 0), finance.PermInvoiceRead, x.listInvoices)
	api.Register(a, op("create-invoice", http.MethodPost, "/invoices", "Write a draft invoice, and post it if asked", http.StatusCreated), finance.PermInvoiceWrite, x.createInvoice)
	api.Register(a, op("get-invoice", http.MethodGet, "/invoices/{id}", "Get an invoice with its lines and fapiao", 0), finance.PermInvoiceRead, x.getInvoice)
	api.Register(a, op("update-invoice", http.MethodPut, "/invoices/{id}", "Change a draft invoice", 0), finance.PermInvoiceWrite, x.updateInvoice)
	api.Register(a, op("delete-invoice", http.MethodDelete, "/invoices/{id}", "Remove a draft invoice", http.StatusNoContent), finance.PermInvoiceWrite, x.deleteInvoice)
	api.Register(a, op("post-invoice", http.MethodPost, "/invoices/{id}/post", "Post a draft invoice or credit note", 0), finance.PermInvoicePost, x.postInvoice)
	api.Register(a, op("create-credit-note", http.MethodPost, "/invoices/{id}/credit-notes", "Write a credit note for a posted invoice", http.StatusCreated), finance.PermInvoiceWrite, x.createCreditNote)
	api.Register(a, op("record-fapiao", http.MethodPost, "/invoices/{id}/fapiao", "Record a fapiao issued for an invoice", http.StatusCreated), finance.PermInvoiceWrite, x.recordFapiao)
	api.Register(a, op("red-letter-fapiao", http.MethodPost, "/fapiao/{id}/red-letter", "Record the red-letter fapiao reversing a fapiao", http.StatusCreated), finance.PermInvoiceWrite, x.redLetter)
	api.Register(a, op("export-invoices", http.MethodGet, "/invoices/export", "Invoices as the tax platform's bulk-issue workbook (xlsx)", 0), finance.PermInvoiceRead, x.exportInvoices)
	api.Register(a, op("list-shipments", http.MethodGet, "/shipments", "List shipments announced by the sales module, newest first", 0), finance.PermInvoiceRead, x.listShipments)
	api.Register(a, op("get-shipment", http.MethodGet, "/shipments/{id}", "Get a shipment with its items and invoice", 0), finance.PermInvoiceRead, x.getShipment)
	api.Register(a, op("invoice-shipment", http.MethodPost, "/shipments/{id}/invoice", "Write a draft invoice for a shipment, or chosen quantities of its lines, at its sales order lines' prices", http.StatusCreated), finance.PermInvoiceWrite, x.invoiceShipment)
	api.Register(a, op("list-returns-to-credit", http.MethodGet, "/returns", "List received customer returns with their shipment's invoice and credit note", 0), finance.PermInvoiceRead, x.listReturns)
	api.Register(a, op("credit-return", http.MethodPost, "/returns/{id}/credit-note", "Write the credit note of a received customer return against its shipment's invoice", http.StatusCreated), finance.PermInvoiceWrite, x.creditReturn)
	api.Register(a, op("list-payments", http.MethodGet, "/payments", "List payments received, newest first", 0), finance.PermPaymentRead, x.listPayments)
	api.Register(a, op("receive-payment", http.MethodPost, "/payments", "Record a payment and allocate it to invoices", http.StatusCreated), finance.PermPaymentWrite, x.receivePayment)
	api.Register(a, op("get-payment", http.MethodGet, "/payments/{id}", "Get a payment with its allocations", 0), finance.PermPaymentRead, x.getPayment)
	api.Register(a, op("allocate", http.MethodPost, "/allocations/{id}", "Allocate what is left of a payment or credit note", http.StatusCreated), finance.PermPaymentWrite, x.allocate)
}

type arh struct{ ar *receivables.Service }

func customerJSON(c *receivables.Customer) FinCustomer {
	return FinCustomer{ID: c.ID, Code: c.Code, Name: c.Name, TaxID: c.TaxID, Currency: c.Currency, OwnerID: c.OwnerID, OwnerName: c.OwnerName,
		Status: c.Status, BillingAddress: c.BillingAddress, BankAccount: c.BankAccount, PaymentDays: c.PaymentDays, HasLimit: c.HasLimit,
		CreditLimit: c.CreditLimit, OnHold: c.OnHold, HoldReason: c.HoldReason, Version: c.Version, Credit: c.Credit}
}

type customerOut struct{ Body FinCustomer }

func (x arh) listCustomers(ctx context.Context, in *struct {
	Q      string `query:"q" maxLength:"100"`
	OnHold bool   `query:"on_hold" doc:"Only customers on credit hold."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
	Offset int    `query:"offset" minimum:"0"`
}) (*api.ListOutput[FinCustomer], error) {
	cs, err := x.ar.Customers(ctx, receivables.CustomerFilter{Query: in.Q, OnHold: in.OnHold, Limit: in.Limit + 1, Offset: in.Offset})
	if err != nil {
		return nil, err
	}
	out := api.Page[FinCustomer]{Items: []FinCustomer{}}
	for i := range cs {
		if i == in.Limit {
			next := strconv.Itoa(in.Offset + in.Limit)
			out.NextCursor = &next
			break
		}
		out.Items = append(out.Items, customerJSON(&cs[i]))
	}
	return &api.ListOutput[FinCustomer]{Body: out}, nil
}

// FinCustomerParam names a customer by its CRM id.
type FinCustomerParam struct {
	ID string `path:"id" maxLength:"64"`
}

func (x arh) getCustomer(ctx context.Context, in *FinCustomerParam) (*customerOut, error) {
	c, err := x.ar.Customer(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &customerOut{customerJSON(c)}, nil
}

func (x arh) setTerms(ctx context.Context, in *struct {
	FinCustomerParam
	Body FinTermsInput
}) (*customerOut, error) {
	var d decimals
	b := in.Body
	limit := d.amount("credit_limit", b.CreditLimit)
	if err := d.err(); err != nil {
		return nil, err
	}
	c, err := x.ar.SetTerms(ctx, in.ID, receivables.TermsInput{PaymentDays: b.PaymentDays, HasLimit: b.HasLimit, CreditLimit: limit,
		OnHold: b.OnHold, HoldReason: b.HoldReason, BankAccount: b.BankAccount, Version: b.Version})
	if err != nil {
		return nil, err
	}
	return &customerOut{customerJSON(c)}, nil
}

func invoiceJSON(i *receivables.Invoice) FinInvoice {
	out := FinInvoice{ID: i.ID, Kind: i.Kind, Status: i.Status, Number: i.Number, CustomerID: i.CustomerID, CustomerName: i.CustomerName,
		Date: i.Date, DueDate: i.DueDate, Currency: i.Currency, Rate: i.Rate, Net: i.Net, Tax: i.Tax, Gross: i.Gross, Open: i.Open,
		SOID: i.SOID, SONumber: i.SONumber, ShipmentID: i.ShipmentID, ContractID: i.ContractID, CreditOf: i.CreditOf, Memo: i.Memo, EntryID: i.EntryID, Version: i.Version}
	if !i.PostedAt.IsZero() {
		t := i.PostedAt
		out.PostedAt = &t
	}
	for _, l := range i.Lines {
		out.Lines = append(out.Lines, FinInvoiceLine{LineNo: l.LineNo, ItemCode: l.ItemCode, Description: l.Description, Spec: l.Spec,
			UoM: l.UoM, TaxCode: l.TaxCode, Quantity: l.Quantity, UnitPrice: l.UnitPrice, VATRate: l.VATRate, Net: l.Net, Tax: l.Tax, Gross: l.Gross,
			ShipmentLine: l.ShipmentLine, SOLine: l.SOLine})
	}
	for _, f := range i.Fapiao {
		out.Fapiao = append(out.Fapiao, fapiaoJSON(&f))
	}
	return out
}

func fapiaoJSON(f *receivables.Fapiao) FinFapiao {
	return FinFapiao{ID: f.ID, Type: f.Type, Code: f.Code, Number: f.Number, Date: f.Date, Net: f.Net, Tax: f.Tax, Status: f.Status, RedOf: f.RedOf}
}

type invoiceOut struct{ Body FinInvoice }

func (x arh) listInvoices(ctx context.Context, in *struct {
	Limit      int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor     string `query:"cursor" maxLength:"2048"`
	Q          string `query:"q" maxLength:"100"`
	CustomerID string `query:"customer_id" maxLength:"64"`
	Kind       string `query:"kind" enum:"invoice,credit_note,"`
	Status     string `query:"status" enum:"draft,posted,"`
	ContractID string `query:"contract_id" maxLength:"64"`
	From       string `query:"from" format:"date"`
	To         string `query:"to" format:"date"`
	Open       bool   `query:"open" doc:"Only posted invoices with something still owed."`
}) (*api.ListOutput[FinInvoice], error) {
	page, err := x.ar.Invoices(ctx, receivables.InvoiceFilter{Query: in.Q, CustomerID: in.CustomerID, Kind: in.Kind, Status: in.Status,
		ContractID: in.ContractID, From: in.From, To: in.To, OpenOnly: in.Open, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	out := api.Page[FinInvoice]{Items: make([]FinInvoice, len(page.Invoices))}
	for i := range page.Invoices {
		out.Items[i] = invoiceJSON(&page.Invoices[i])
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return &api.ListOutput[FinInvoice]{Body: out}, nil
}

func invoiceLinesIn(d *decimals, ls []FinInvoiceLineInput) []receivables.InvoiceLineInput {
	var out []receivables.InvoiceLineInput
	for i, l := range ls {
		f := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		li := receivables.InvoiceLineInput{ItemCode: l.ItemCode, Description: l.Description, Spec: l.Spec, UoM: l.UoM, TaxCode: l.TaxCode,
			Quantity: d.quantity(f("quantity"), l.Quantity), UnitPrice: d.unitPrice(f("unit_price"), l.UnitPrice),
			ShipmentLine: l.ShipmentLine, SOLine: l.SOLine}
		if l.VATRate != "" {
			r := d.rate(f("vat_rate"), l.VATRate)
			li.VATRate = &r
		}
		out = append(out, li)
	}
	return out
}

func invoiceIn(b FinInvoiceInput) (receivables.InvoiceInput, error) {
	var d decimals
	in := receivables.InvoiceInput{CustomerID: b.CustomerID, Date: b.Date, DueDate: b.DueDate, Currency: b.Currency, SOID: b.SOID,
		SONumber: b.SONumber, ShipmentID: b.ShipmentID, ContractID: b.ContractID, Memo: b.Memo, Lines: invoiceLinesIn(&d, b.Lines), Version: b.Version}
	return in, d.err()
}

func (x arh) createInvoice(ctx context.Context, in *struct{ Body FinInvoiceInput }) (*invoiceOut, error) {
	inv, err := invoiceIn(in.Body)
	if err != nil {
		return nil, err
	}
	created, err := x.ar.CreateInvoice(ctx, inv)
	if err != nil {
		return nil, err
	}
	if in.Body.Post {
		if created, err = x.ar.PostInvoice(ctx, created.ID); err != nil {
			return nil, err
		}
	}
	return &invoiceOut{invoiceJSON(created)}, nil
}

func (x arh) getInvoice(ctx context.Context, in *api.IDParam) (*invoiceOut, error) {
	inv, err := x.ar.Invoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &invoiceOut{invoiceJSON(inv)}, nil
}

func (x arh) updateInvoice(ctx context.Context, in *struct {
	api.IDParam
	Body FinInvoiceInput
}) (*invoiceOut, error) {
	inv, err := invoiceIn(in.Body)
	if err != nil {
		return nil, err
	}
	out, err := x.ar.UpdateInvoice(ctx, in.ID, inv)
	if err != nil {
		return nil, err
	}
	if in.Body.Post {
		if out, err = x.ar.PostInvoice(ctx, in.ID); err != nil {
			return nil, err
		}
	}
	return &invoiceOut{invoiceJSON(out)}, nil
}

func (x arh) deleteInvoice(ctx context.Context, in *struct {
	api.IDParam
	Version int64 `query:"version" required:"true"`
}) (*struct{}, error) {
	return nil, x.ar.DeleteInvoice(ctx, in.ID, in.Version)
}

func (x arh) postInvoice(ctx context.Context, in *api.IDParam) (*invoiceOut, error) {
	inv, err := x.ar.PostInvoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &invoiceOut{invoiceJSON(inv)}, nil
}

func (x arh) createCreditNote(ctx context.Context, in *struct {
	api.IDParam
	Body FinCreditNoteInput
}) (*invoiceOut, error) {
	var d decimals
	lines := invoiceLinesIn(&d, in.Body.Lines)
	if err := d.err(); err != nil {
		return nil, err
	}
	cn, err := x.ar.CreateCreditNote(ctx, receivables.CreditNoteInput{CreditOf: in.ID, Date: in.Body.Date, Memo: in.Body.Memo, Lines: lines})
	if err != nil {
		return nil, err
	}
	if in.Body.Post {
		if cn, err = x.ar.PostInvoice(ctx, cn.ID); err != nil {
			return nil, err
		}
	}
	return &invoiceOut{invoiceJSON(cn)}, nil
}

type fapiaoOut struct{ Body FinFapiao }

func fapiaoIn(b FinFapiaoInput) (receivables.FapiaoInput, error) {
	var d decimals
	in := receivables.FapiaoInput{Type: b.Type, Code: b.Code, Number: b.Number, Date: b.Date, Net: d.amount("net", b.Net),
		Tax: d.amount("tax", b.Tax), Memo: b.Memo}
	return in, d.err()
}

func (x arh) recordFapiao(ctx context.Context, in *struct {
	api.IDParam
	Body FinFapiaoInput
}) (*fapiaoOut, error) {
	fi, err := fapiaoIn(in.Body)
	if err != nil {
		return nil, err
	}
	f, err := x.ar.RecordFapiao(ctx, in.ID, fi)
	if err != nil {
		return nil, err
	}
	return &fapiaoOut{fapiaoJSON(f)}, nil
}

func (x arh) redLetter(ctx context.Context, in *struct {
	api.IDParam
	Body FinFapiaoInput
}) (*fapiaoOut, error) {
	fi, err := fapiaoIn(in.Body)
	if err != nil {
		return nil, err
	}
	f, err := x.ar.RedLetter(ctx, in.ID, fi)
	if err != nil {
		return nil, err
	}
	return &fapiaoOut{fapiaoJSON(f)}, nil
}

// xlsxOut is a workbook download.
type xlsxOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (x arh) exportInvoices(ctx context.Context, in *struct {
	From          string `query:"from" format:"date"`
	To            string `query:"to" format:"date"`
	WithoutFapiao bool   `query:"without_fapiao" doc:"Only invoices with no fapiao recorded yet."`
}) (*xlsxOut, error) {
	b, err := x.ar.ExportTaxPlatform(ctx, receivables.ExportFilter{From: in.From, To: in.To, WithoutFapiao: in.WithoutFapiao})
	if err != nil {
		return nil, err
	}
	return &xlsxOut{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		ContentDisposition: `attachment; filename="tax-platform-invoices.xlsx"`, Body: b}, nil
}

func paymentJSON(p *receivables.Payment) FinPayment {
	out := FinPayment{ID: p.ID, Number: p.Number, CustomerID: p.CustomerID, Date: p.Date, Currency: p.Currency, Amount: p.Amount,
		Unallocated: p.Unallocated, BankAccount: p.BankAccount, Method: p.Method, Reference: p.Reference, Memo: p.Memo, EntryID: p.EntryID,
		ContractID: p.ContractID, Allocations: []FinAllocation{}}
	for _, a := range p.Allocations {
		out.Allocations = append(out.Allocations, allocationJSON(a))
	}
	return out
}

func allocationJSON(a receivables.Allocation) FinAllocation {
	return FinAllocation{ID: a.ID, SourceID: a.SourceID, TargetID: a.TargetID, TargetNumber: a.TargetNumber, Amount: a.Amount, Date: a.Date}
}

type paymentOut struct{ Body FinPayment }

func (x arh) listPayments(ctx context.Context, in *struct {
	Limit       int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor      string `query:"cursor" maxLength:"2048"`
	Q           string `query:"q" maxLength:"100"`
	CustomerID  string `query:"customer_id" maxLength:"64"`
	From        string `query:"from" format:"date"`
	To          string `query:"to" format:"date"`
	Unallocated bool   `query:"unallocated"`
}) (*api.ListOutput[FinPayment], error) {
	page, err := x.ar.Payments(ctx, receivables.PaymentFilter{Query: in.Q, CustomerID: in.CustomerID, From: in.From, To: in.To,
		Unallocated: in.Unallocated, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	out := api.Page[FinPayment]{Items: make([]FinPayment, len(page.Payments))}
	for i := range page.Payments {
		out.Items[i] = paymentJSON(&page.Payments[i])
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return &api.ListOutput[FinPayment]{Body: out}, nil
}

func allocationsIn(d *decimals, as []FinAllocationInput) []receivables.AllocationInput {
	var out []receivables.AllocationInput
	for i, a := range as {
		out = append(out, receivables.AllocationInput{InvoiceID: a.InvoiceID, Amount: d.amount("allocations["+strconv.Itoa(i)+"].amount", a.Amount)})
	}
	return out
}

func (x arh) receivePayment(ctx context.Context, in *struct{ Body FinPaymentInput }) (*paymentOut, error) {
	var d decimals
	b := in.Body
	pin := receivables.PaymentInput{CustomerID: b.CustomerID, Date: b.Date, Currency: b.Currency, Amount: d.amount("amount", b.Amount),
		BankAccount: b.BankAccount, Method: b.Method, Reference: b.Reference, Memo: b.Memo, ContractID: b.ContractID, Allocations: allocationsIn(&d, b.Allocations)}
	if err := d.err(); err != nil {
		return nil, err
	}
	p, err := x.ar.ReceivePayment(ctx, pin)
	if err != nil {
		return nil, err
	}
	return &paymentOut{paymentJSON(p)}, nil
}

func (x arh) getPayment(ctx context.Context, in *api.IDParam) (*paymentOut, error) {
	p, err := x.ar.Payment(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &paymentOut{paymentJSON(p)}, nil
}

func (x arh) allocate(ctx context.Context, in *struct {
	api.IDParam
	Body FinAllocateInput
}) (*api.ListOutput[FinAllocation], error) {
	var d decimals
	as := allocationsIn(&d, in.Body.Allocations)
	if err := d.err(); err != nil {
		return nil, err
	}
	got, err := x.ar.Allocate(ctx, in.ID, as, in.Body.Date)
	if err != nil {
		return nil, err
	}
	out := api.Page[FinAllocation]{Items: []FinAllocation{}}
	for _, a := range got {
		out.Items = append(out.Items, allocationJSON(a))
	}
	return &api.ListOutput[FinAllocation]{Body: out}, nil
}

// FinShipment is goods shipped to a customer, to be invoiced once.
type FinShipment struct {
	ID             string            `json:"id" format:"uuid"`
	Number         string            `json:"number"`
	SOID           string            `json:"so_id"`
	SONumber       string            `json:"so_number"`
	CustomerID     string            `json:"customer_id"`
	CustomerName   string            `json:"customer_name"`
	Date           string            `json:"date" format:"date"`
	ShippedAt      time.Time         `json:"shipped_at"`
	Carrier        string            `json:"carrier"`
	TrackingNo     string            `json:"tracking_no"`
	InvoiceID      string            `json:"invoice_id,omitempty" doc:"The posted invoice that billed the last of the shipment."`
	PartlyInvoiced bool              `json:"partly_invoiced,omitempty" doc:"Posted invoices billed part, not all, of the shipment."`
	InvoiceNumber  string            `json:"invoice_number,omitempty"`
	Lines          []FinShipmentLine `json:"lines" nullable:"false"`
}

// FinShipmentLine is one item of a shipment.
type FinShipmentLine struct {
	LineNo   int            `json:"line_no"`
	ItemID   string         `json:"item_id"`
	ItemCode string         `json:"item_code"`
	ItemName string         `json:"item_name"`
	Quantity money.Quantity `json:"quantity"`
	Invoiced money.Quantity `json:"invoiced" doc:"What posted invoices billed of the line."`
	Left     money.Quantity `json:"left" doc:"What is left to invoice of the line."`
}

func shipmentJSON(sh *receivables.Shipment) FinShipment {
	out := FinShipment{ID: sh.ID, Number: sh.Number, SOID: sh.SOID, SONumber: sh.SONumber, CustomerID: sh.CustomerID,
		CustomerName: sh.CustomerName, Date: sh.Date, ShippedAt: sh.ShippedAt, Carrier: sh.Carrier, TrackingNo: sh.TrackingNo,
		InvoiceID: sh.InvoiceID, InvoiceNumber: sh.InvoiceNumber, PartlyInvoiced: sh.PartlyInvoiced(), Lines: []FinShipmentLine{}}
	for _, l := range sh.Lines {
		out.Lines = append(out.Lines, FinShipmentLine{LineNo: l.LineNo, ItemID: l.ItemID, ItemCode: l.ItemCode, ItemName: l.ItemName, Quantity: l.Quantity,
			Invoiced: l.Invoiced, Left: l.Left})
	}
	return out
}

func (x arh) listShipments(ctx context.Context, in *struct {
	Open     bool   `query:"open" doc:"Only shipments not invoiced yet."`
	Customer string `query:"customer"`
	Limit    int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Offset   int    `query:"offset" minimum:"0"`
}) (*api.ListOutput[FinShipment], error) {
	list, err := x.ar.Shipments(ctx, receivables.ShipmentFilter{Open: in.Open, CustomerID: in.Customer, Limit: in.Limit + 1, Offset: in.Offset})
	if err != nil {
		return nil, err
	}
	out := api.Page[FinShipment]{Items: []FinShipment{}}
	for i := range list {
		if i == in.Limit {
			next := strconv.Itoa(in.Offset + in.Limit)
			out.NextCursor = &next
			break
		}
		out.Items = append(out.Items, shipmentJSON(&list[i]))
	}
	return &api.ListOutput[FinShipment]{Body: out}, nil
}

func (x arh) getShipment(ctx context.Context, in *api.IDParam) (*struct{ Body FinShipment }, error) {
	sh, err := x.ar.Shipment(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinShipment }{shipmentJSON(sh)}, nil
}

// FinShipmentInvoiceInput chooses what an invoice bills of a shipment.
type FinShipmentInvoiceInput struct {
	Lines []FinShipmentPick `json:"lines,omitempty" maxItems:"300" doc:"The shipment lines and quantities to bill; none bills all that is left."`
}

// FinShipmentPick is how much of one shipment line to bill.
type FinShipmentPick struct {
	LineNo   int               `json:"line_no" doc:"The shipment line's number."`
	Quantity api.DecimalString `json:"quantity" doc:"At most what is left to invoice of the line."`
}

func (x arh) invoiceShipment(ctx context.Context, in *struct {
	ID   string                   `path:"id" format:"uuid" doc:"The record's id, a UUID."`
	Body *FinShipmentInvoiceInput `required:"false"`
}) (*invoiceOut, error) {
	var (
		d     decimals
		picks []receivables.ShipmentPick
	)
	if in.Body != nil {
		for i, p := range in.Body.Lines {
			picks = append(picks, receivables.ShipmentPick{LineNo: p.LineNo, Quantity: d.quantity("lines["+strconv.Itoa(i)+"].quantity", p.Quantity)})
		}
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	inv, err := x.ar.CreateInvoiceForShipment(ctx, in.ID, picks...)
	if err != nil {
		return nil, err
	}
	return &invoiceOut{invoiceJSON(inv)}, nil
}
