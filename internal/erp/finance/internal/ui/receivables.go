package ui

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// customersView is the customer list.
type customersView struct {
	Query     string
	OnHold    bool
	Customers []receivables.Customer
	Base      string
}

// customerView is one customer's page.
type customerView struct {
	Customer *receivables.Customer
	Open     []receivables.Invoice
	Payments []receivables.Payment
	Terms    receivables.TermsInput
	Errors   errs
	Today    string
}

func (h *handler) customerList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := customersView{Query: q.Get("q"), OnHold: q.Get("hold") == "1"}
	var err error
	if v.Customers, err = h.ar.Customers(ctx, receivables.CustomerFilter{Query: v.Query, OnHold: v.OnHold, Limit: 500}); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Base = h.base(ctx)
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.customers.title", Active: "fin-customers"}, "", customersPage(v))
}

// base is the company's base currency.
func (h *handler) base(ctx context.Context) string {
	if c, err := h.l.Company(systemCtx(ctx)); err == nil {
		return c.BaseCurrency
	}
	return ""
}

func (h *handler) customerShow(w http.ResponseWriter, r *http.Request) {
	h.showCustomer(w, r, http.StatusOK, customerView{})
}

func (h *handler) showCustomer(w http.ResponseWriter, r *http.Request, status int, v customerView) {
	ctx := r.Context()
	c, err := h.ar.Customer(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Customer = c
	if v.Errors == nil {
		v.Terms = receivables.TermsInput{PaymentDays: c.PaymentDays, HasLimit: c.HasLimit, CreditLimit: c.CreditLimit, OnHold: c.OnHold,
			HoldReason: c.HoldReason, BankAccount: c.BankAccount, Version: c.Version}
	}
	page, err := h.ar.Invoices(ctx, receivables.InvoiceFilter{CustomerID: c.ID, OpenOnly: true, Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Open = page.Invoices
	if can(ctx, finance.PermPaymentRead) {
		pp, err := h.ar.Payments(ctx, receivables.PaymentFilter{CustomerID: c.ID, Limit: 20})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v.Payments = pp.Payments
	}
	v.Today = h.l.Today(ctx)
	h.show(w, r, status, webui.Page{Title: "fin.customer.title", Active: "fin-customers"}, v.Errors[""], customerPage(v))
}

func (h *handler) customerTerms(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	in := receivables.TermsInput{PaymentDays: f.integer("payment_days", "payment_days", -1), HasLimit: f.bool("has_limit"),
		CreditLimit: f.amount("credit_limit", "credit_limit"), OnHold: f.bool("on_hold"), HoldReason: f.text("hold_reason"),
		BankAccount: f.text("bank_account"), Version: f.int64("version")}
	err := f.err()
	if err == nil {
		_, err = h.ar.SetTerms(r.Context(), r.PathValue("id"), in)
	}
	if err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showCustomer(w, r, status, customerView{Terms: in, Errors: errs(e).only("payment_days", "credit_limit", "hold_reason", "bank_account")})
		return
	}
	redirect(w, r, "/erp/finance/customers/"+r.PathValue("id"), "terms_saved")
}

// invoicesView is the invoice list.
type invoicesView struct {
	Filter      receivables.InvoiceFilter
	Invoices    []receivables.Invoice
	First, Next string
	Today       string
	ToInvoice   int // shipments waiting for an invoice
}

func (h *handler) invoiceList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := invoicesView{Filter: receivables.InvoiceFilter{Query: q.Get("q"), CustomerID: q.Get("customer"), Kind: q.Get("kind"),
		Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"), OpenOnly: q.Get("open") == "1", Cursor: q.Get("cursor"), Limit: 50}}
	page, err := h.ar.Invoices(ctx, v.Filter)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Invoices = page.Invoices
	if page.Next != "" {
		v.Next = listHref(r, "cursor", page.Next)
	}
	if v.Filter.Cursor != "" {
		v.First = listHref(r, "cursor", "")
	}
	v.Today = h.l.Today(ctx)
	if v.ToInvoice, err = h.ar.OpenShipments(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.invoices.title", Active: "fin-invoices"}, "", invoicesPage(v))
}

// invoiceForm is the draft invoice (or credit note) form.
type invoiceForm struct {
	ID         string
	Version    int64
	CreditOf   *receivables.Invoice // the invoice a new credit note credits
	Kind       string
	In         receivables.InvoiceInput
	Lines      []invoiceRow
	Customers  []receivables.Customer
	Currencies []ledger.Currency
	Shipment   *receivables.Shipment // the shipment the invoice bills, when finance knows it
	Errors     errs
}

// invoiceRow is one line of the invoice form as typed.
type invoiceRow struct {
	ItemCode, Description, Spec, UoM, TaxCode, Quantity, UnitPrice, VATRate string
	ShipmentLine, SOLine                                                    string // the shipment and order lines it bills, "" for none
}

func lineRef(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (h *handler) invoiceNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := invoiceForm{Kind: receivables.KindInvoice, In: receivables.InvoiceInput{CustomerID: r.URL.Query().Get("customer"), Date: h.l.Today(ctx)}}
	f.Lines = make([]invoiceRow, 3)
	if id := r.URL.Query().Get("shipment"); id != "" {
		in, err := h.ar.InvoiceForShipment(ctx, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		f.In, f.Lines = in, nil
		for _, l := range in.Lines {
			row := invoiceRow{ItemCode: l.ItemCode, Description: l.Description, Spec: l.Spec, UoM: l.UoM, TaxCode: l.TaxCode,
				Quantity: l.Quantity.String(), UnitPrice: l.UnitPrice.String(), ShipmentLine: lineRef(l.ShipmentLine), SOLine: lineRef(l.SOLine)}
			if l.VATRate != nil {
				row.VATRate = l.VATRate.String()
			}
			f.Lines = append(f.Lines, row)
		}
		f.Lines = append(f.Lines, invoiceRow{})
	}
	h.showInvoiceForm(w, r, http.StatusOK, f)
}

func (h *handler) invoiceEdit(w http.ResponseWriter, r *http.Request) {
	inv, err := h.ar.Invoice(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if inv.Status != receivables.StatusDraft {
		http.Redirect(w, r, "/erp/finance/invoices/"+inv.ID, http.StatusSeeOther)
		return
	}
	f := invoiceForm{ID: inv.ID, Version: inv.Version, Kind: inv.Kind, In: receivables.InvoiceInput{CustomerID: inv.CustomerID,
		Date: inv.Date, DueDate: inv.DueDate, Currency: inv.Currency, SOID: inv.SOID, SONumber: inv.SONumber, ShipmentID: inv.ShipmentID,
		ContractID: inv.ContractID, Memo: inv.Memo}}
	if inv.Kind == receivables.KindCreditNote {
		if f.CreditOf, err = h.ar.Invoice(r.Context(), inv.CreditOf); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	f.Lines = rowsOf(inv.Lines)
	h.showInvoiceForm(w, r, http.StatusOK, f)
}

func rowsOf(ls []receivables.InvoiceLine) []invoiceRow {
	out := make([]invoiceRow, 0, len(ls)+1)
	for _, l := range ls {
		out = append(out, invoiceRow{ItemCode: l.ItemCode, Description: l.Description, Spec: l.Spec, UoM: l.UoM, TaxCode: l.TaxCode,
			Quantity: l.Quantity.String(), UnitPrice: l.UnitPrice.String(), VATRate: l.VATRate.String(), ShipmentLine: lineRef(l.ShipmentLine),
			SOLine: lineRef(l.SOLine)})
	}
	return append(out, invoiceRow{})
}

func (h *handler) creditNoteNew(w http.ResponseWriter, r *http.Request) {
	inv, err := h.ar.Invoice(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := invoiceForm{Kind: receivables.KindCreditNote, CreditOf: inv, In: receivables.InvoiceInput{CustomerID: inv.CustomerID,
		Date: h.l.Today(r.Context()), Currency: inv.Currency}}
	f.Lines = rowsOf(inv.Lines)
	h.showInvoiceForm(w, r, http.StatusOK, f)
}

func (h *handler) showInvoiceForm(w http.ResponseWriter, r *http.Request, status int, f invoiceForm) {
	ctx := r.Context()
	var err error
	if f.CreditOf == nil {
		if f.Customers, err = h.ar.PickCustomers(ctx); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if f.Currencies, err = h.l.Currencies(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if f.In.ShipmentID != "" && f.CreditOf == nil {
		if f.Shipment, err = h.ar.Shipment(ctx, f.In.ShipmentID); err != nil && apperr.KindOf(err) != apperr.KindNotFound {
			h.fail(w, r, err)
			return
		}
	}
	for i := range f.Lines {
		if f.Lines[i].VATRate == "" {
			f.Lines[i].VATRate = "0.13"
		}
	}
	title := "fin.invoice.new"
	switch {
	case f.Kind == receivables.KindCreditNote:
		title = "fin.credit_note.new"
	case f.ID != "":
		title = "fin.invoice.edit"
	}
	h.show(w, r, status, webui.Page{Title: title, Active: "fin-invoices"}, f.Errors[""], invoiceFormPage(f))
}

var invoiceLineField = regexp.MustCompile(`^lines\[(\d{1,3})\]\.(item_code|description|spec|uom|tax_code|quantity|unit_price|vat_rate|shipment_line|so_line)$`)

// readInvoiceForm reads the invoice form; blank rows are left out, and from
// maps each input line to its form row.
func readInvoiceForm(r *http.Request) (invoiceForm, []int, error) {
	f := newForm(r.PostForm)
	inv := invoiceForm{ID: r.PathValue("id"), Version: f.int64("version"), Kind: f.text("kind")}
	inv.In = receivables.InvoiceInput{CustomerID: f.text("customer_id"), Date: f.text("date"), DueDate: f.text("due_date"),
		Currency: f.text("currency"), SOID: f.text("so_id"), SONumber: f.text("so_number"), ShipmentID: f.text("shipment_id"),
		ContractID: f.text("contract_id"), Memo: f.text("memo"), Version: inv.Version}
	rows := -1
	for k := range r.PostForm {
		if m := invoiceLineField.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			rows = max(rows, n)
		}
	}
	var from []int
	for i := 0; i <= rows && i < receivables.MaxInvoiceLines+50; i++ {
		p := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		row := invoiceRow{ItemCode: f.text(p("item_code")), Description: f.text(p("description")), Spec: f.text(p("spec")),
			UoM: f.text(p("uom")), TaxCode: f.text(p("tax_code")), Quantity: f.text(p("quantity")), UnitPrice: f.text(p("unit_price")),
			VATRate: f.text(p("vat_rate")), ShipmentLine: f.text(p("shipment_line")), SOLine: f.text(p("so_line"))}
		inv.Lines = append(inv.Lines, row)
		if row.ItemCode == "" && row.Description == "" && row.Quantity == "" && row.UnitPrice == "" {
			continue
		}
		field := func(name string) string { return "lines[" + strconv.Itoa(len(inv.In.Lines)) + "]." + name }
		l := receivables.InvoiceLineInput{ItemCode: row.ItemCode, Description: row.Description, Spec: row.Spec, UoM: row.UoM, TaxCode: row.TaxCode,
			ShipmentLine: lineNumber(row.ShipmentLine), SOLine: lineNumber(row.SOLine)}
		l.Quantity = f.quantity(p("quantity"), field("quantity"))
		l.UnitPrice = f.unitPrice(p("unit_price"), field("unit_price"))
		if row.VATRate != "" {
			v := f.rate(p("vat_rate"), field("vat_rate"))
			l.VATRate = &v
		}
		inv.In.Lines = append(inv.In.Lines, l)
		from = append(from, i)
	}
	return inv, from, f.err()
}

// lineNumber reads a line reference of the form; what is not a number
// becomes -1, which the service refuses on the field.
func lineNumber(s string) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func (h *handler) invoiceSave(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f, from, err := readInvoiceForm(r)
	creditOf := r.PostForm.Get("credit_of")
	if creditOf != "" && f.ID == "" {
		var ierr error
		if f.CreditOf, ierr = h.ar.Invoice(ctx, creditOf); ierr != nil {
			h.fail(w, r, ierr)
			return
		}
	}
	if r.PostForm.Has("add_line") {
		f.Lines = append(f.Lines, invoiceRow{}, invoiceRow{})
		h.showInvoiceForm(w, r, http.StatusOK, f)
		return
	}
	var inv *receivables.Invoice
	if err == nil {
		switch {
		case f.ID != "":
			inv, err = h.ar.UpdateInvoice(ctx, f.ID, f.In)
		case f.CreditOf != nil:
			inv, err = h.ar.CreateCreditNote(ctx, receivables.CreditNoteInput{CreditOf: f.CreditOf.ID, Date: f.In.Date, Memo: f.In.Memo, Lines: f.In.Lines})
		default:
			inv, err = h.ar.CreateInvoice(ctx, f.In)
		}
	}
	if err != nil {
		fe, status, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		f.Errors = rowErrors(errs(fe), from).only("customer_id", "date", "due_date", "currency", "so_number", "shipment_id", "contract_id", "memo", "lines", "credit_of")
		h.showInvoiceForm(w, r, status, f)
		return
	}
	if r.PostForm.Get("then") == "post" {
		if _, err := h.ar.PostInvoice(ctx, inv.ID); err != nil {
			h.showInvoice(w, r, inv.ID, err)
			return
		}
		redirect(w, r, "/erp/finance/invoices/"+inv.ID, "invoice_posted")
		return
	}
	redirect(w, r, "/erp/finance/invoices/"+inv.ID, "invoice_saved")
}

// invoiceView is one invoice's page.
type invoiceView struct {
	Invoice *receivables.Invoice
	Errors  errs
	Today   string
	// Fapiao is the fapiao form as typed.
	Fapiao receivables.FapiaoInput
}

func (h *handler) invoiceShow(w http.ResponseWriter, r *http.Request) {
	h.showInvoice(w, r, r.PathValue("id"), nil)
}

// showInvoice renders an invoice's page; problem is the error of an action on it.
func (h *handler) showInvoice(w http.ResponseWriter, r *http.Request, id string, problem error) {
	h.showInvoiceWith(w, r, id, problem, invoiceView{})
}

func (h *handler) showInvoiceWith(w http.ResponseWriter, r *http.Request, id string, problem error, v invoiceView) {
	ctx := r.Context()
	inv, err := h.ar.Invoice(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Invoice, v.Today = inv, h.l.Today(ctx)
	if v.Fapiao.Date == "" {
		v.Fapiao.Date = v.Today
	}
	status := http.StatusOK
	if problem != nil {
		e, st, ok := formErrors(ctx, problem)
		if !ok {
			h.fail(w, r, problem)
			return
		}
		v.Errors, status = errs(e), st
		if v.Errors[""] == "" {
			for _, m := range e {
				v.Errors[""] = m
				break
			}
		}
	}
	h.show(w, r, status, webui.Page{Title: "fin.invoice.title", Active: "fin-invoices"}, v.Errors[""], invoicePage(v))
}

func (h *handler) invoicePost(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.ar.PostInvoice(r.Context(), id); err != nil {
		h.showInvoice(w, r, id, err)
		return
	}
	redirect(w, r, "/erp/finance/invoices/"+id, "invoice_posted")
}

func (h *handler) invoiceDelete(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if err := h.ar.DeleteInvoice(r.Context(), id, newForm(r.PostForm).int64("version")); err != nil {
		h.showInvoice(w, r, id, err)
		return
	}
	redirect(w, r, "/erp/finance/invoices", "invoice_deleted")
}

func readFapiao(f *form) receivables.FapiaoInput {
	return receivables.FapiaoInput{Type: f.text("type"), Code: f.text("code"), Number: f.text("number"), Date: f.text("date"),
		Net: f.amount("net", "net"), Tax: f.amount("tax", "tax"), Memo: f.text("memo")}
}

func (h *handler) fapiaoRecord(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f := newForm(r.PostForm)
	in := readFapiao(f)
	err := f.err()
	if err == nil {
		_, err = h.ar.RecordFapiao(r.Context(), id, in)
	}
	if err != nil {
		h.showInvoiceWith(w, r, id, err, invoiceView{Fapiao: in})
		return
	}
	redirect(w, r, "/erp/finance/invoices/"+id, "fapiao_recorded")
}

func (h *handler) fapiaoRed(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	in := receivables.FapiaoInput{Code: f.text("code"), Number: f.text("number"), Date: f.text("date"), Memo: f.text("memo")}
	red, err := h.ar.RedLetter(r.Context(), r.PathValue("id"), in)
	invoice := f.text("invoice_id")
	if err != nil {
		h.showInvoice(w, r, invoice, err)
		return
	}
	redirect(w, r, "/erp/finance/invoices/"+red.InvoiceID, "fapiao_red")
}

func (h *handler) fapiaoImportPage(w http.ResponseWriter, r *http.Request) {
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.fapiao.import", Active: "fin-invoices"}, "", fapiaoImportPage(nil))
}

// maxUpload bounds an uploaded workbook.
const maxUpload = 10 << 20

func (h *handler) fapiaoImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	file, _, err := r.FormFile("file")
	if err != nil {
		h.show(w, r, http.StatusUnprocessableEntity, webui.Page{Title: "fin.fapiao.import", Active: "fin-invoices"},
			tr(r.Context(), "fin.error.import_file"), fapiaoImportPage(nil))
		return
	}
	defer file.Close()
	n, err := h.ar.ImportFapiao(r.Context(), file)
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.KindInvalid {
			h.fail(w, r, err)
			return
		}
		var lines []string
		for _, f := range e.Fields {
			lines = append(lines, f.Field+": "+i18n.T(r.Context(), f.Key, f.Params))
		}
		h.show(w, r, http.StatusUnprocessableEntity, webui.Page{Title: "fin.fapiao.import", Active: "fin-invoices"},
			tr(r.Context(), "fin.fapiao.import_failed"), fapiaoImportPage(lines))
		return
	}
	redirect(w, r, "/erp/finance/invoices?imported="+strconv.Itoa(n), "fapiao_imported")
}

func (h *handler) invoiceExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	b, err := h.ar.ExportTaxPlatform(r.Context(), receivables.ExportFilter{From: q.Get("from"), To: q.Get("to"), WithoutFapiao: q.Get("without_fapiao") == "1"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="tax-platform-invoices.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// paymentsView is the payment list.
type paymentsView struct {
	Filter      receivables.PaymentFilter
	Payments    []receivables.Payment
	First, Next string
}

func (h *handler) paymentList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := paymentsView{Filter: receivables.PaymentFilter{Query: q.Get("q"), CustomerID: q.Get("customer"), From: q.Get("from"), To: q.Get("to"),
		Unallocated: q.Get("unallocated") == "1", Cursor: q.Get("cursor"), Limit: 50}}
	page, err := h.ar.Payments(r.Context(), v.Filter)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Payments = page.Payments
	if page.Next != "" {
		v.Next = listHref(r, "cursor", page.Next)
	}
	if v.Filter.Cursor != "" {
		v.First = listHref(r, "cursor", "")
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.payments.title", Active: "fin-payments"}, "", paymentsPage(v))
}

// paymentForm is the form that records a payment: the customer first, then
// the amount and its allocations to the customer's open invoices.
type paymentForm struct {
	Customers []receivables.Customer
	Customer  *receivables.Customer
	Open      []receivables.Invoice
	Banks     []ledger.Account
	Currs     []ledger.Currency
	In        paymentRow
	Alloc     map[string]string // invoice id → amount as typed
	Errors    errs
}

// paymentRow is the payment form as typed.
type paymentRow struct {
	Date, Currency, Amount, BankAccount, Method, Reference, Memo, ContractID string
}

func (h *handler) paymentNew(w http.ResponseWriter, r *http.Request) {
	f := paymentForm{In: paymentRow{Date: h.l.Today(r.Context()), Method: "transfer"}}
	h.showPaymentForm(w, r, http.StatusOK, r.URL.Query().Get("customer"), f)
}

func (h *handler) showPaymentForm(w http.ResponseWriter, r *http.Request, status int, customer string, f paymentForm) {
	ctx := r.Context()
	var err error
	if f.Customers, err = h.ar.PickCustomers(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if customer != "" {
		if f.Customer, err = h.ar.Customer(ctx, customer); err != nil {
			h.fail(w, r, err)
			return
		}
		page, err := h.ar.Invoices(ctx, receivables.InvoiceFilter{CustomerID: customer, Kind: receivables.KindInvoice, OpenOnly: true, Limit: 500})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for i := len(page.Invoices) - 1; i >= 0; i-- { // oldest first
			f.Open = append(f.Open, page.Invoices[i])
		}
		if f.In.Currency == "" {
			f.In.Currency = f.Customer.Currency
		}
	}
	all, err := h.l.Accounts(ctx, ledger.AccountFilter{ActiveOnly: true, LeafOnly: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, a := range all {
		if a.Cash {
			f.Banks = append(f.Banks, a)
		}
	}
	if f.Currs, err = h.l.Currencies(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, status, webui.Page{Title: "fin.payment.new", Active: "fin-payments"}, f.Errors[""], paymentFormPage(f))
}

func (h *handler) paymentCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	customer := f.text("customer_id")
	pf := paymentForm{In: paymentRow{Date: f.text("date"), Currency: f.text("currency"), Amount: f.text("amount"),
		BankAccount: f.text("bank_account"), Method: f.text("method"), Reference: f.text("reference"), Memo: f.text("memo"),
		ContractID: f.text("contract_id")}, Alloc: map[string]string{}}
	in := receivables.PaymentInput{CustomerID: customer, Date: pf.In.Date, Currency: pf.In.Currency, Amount: f.amount("amount", "amount"),
		BankAccount: pf.In.BankAccount, Method: pf.In.Method, Reference: pf.In.Reference, Memo: pf.In.Memo, ContractID: pf.In.ContractID}
	// Allocation rows come as alloc[<invoice id>]; the service names them allocations[n].
	var ids []string
	for k := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "alloc["); ok && strings.HasSuffix(id, "]") {
			id = strings.TrimSuffix(id, "]")
			v := f.text(k)
			pf.Alloc[id] = v
			if v == "" {
				continue
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		in.Allocations = append(in.Allocations, receivables.AllocationInput{InvoiceID: id,
			Amount: f.amount("alloc["+id+"]", fmt.Sprintf("allocations[%d].amount", len(in.Allocations)))})
	}
	err := f.err()
	var p *receivables.Payment
	if err == nil {
		p, err = h.ar.ReceivePayment(ctx, in)
	}
	if err != nil {
		e, status, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		pf.Errors = allocErrors(errs(e), ids).only("customer_id", "date", "currency", "amount", "bank_account", "method", "reference", "memo", "contract_id", "alloc", "allocations")
		h.showPaymentForm(w, r, status, customer, pf)
		return
	}
	redirect(w, r, "/erp/finance/payments/"+p.ID, "payment_recorded")
}

var allocField = regexp.MustCompile(`^allocations\[(\d+)\]\.(\w+)$`)

// allocErrors moves errors of allocations[n] onto the invoice row they came from.
func allocErrors(e errs, ids []string) errs {
	out := errs{}
	for k, msg := range e {
		if m := allocField.FindStringSubmatch(k); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < len(ids) {
				k = "alloc[" + ids[n] + "]"
			}
		}
		out[k] = msg
	}
	return out
}

// paymentView is one payment's page with the form that allocates what is left.
type paymentView struct {
	Payment *receivables.Payment
	Open    []receivables.Invoice
	Alloc   map[string]string
	Errors  errs
	Today   string
}

func (h *handler) paymentShow(w http.ResponseWriter, r *http.Request) {
	h.showPayment(w, r, http.StatusOK, paymentView{})
}

func (h *handler) showPayment(w http.ResponseWriter, r *http.Request, status int, v paymentView) {
	ctx := r.Context()
	p, err := h.ar.Payment(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Payment, v.Today = p, h.l.Today(ctx)
	if p.Unallocated.Sign() > 0 {
		page, err := h.ar.Invoices(ctx, receivables.InvoiceFilter{CustomerID: p.CustomerID, Kind: receivables.KindInvoice, OpenOnly: true, Limit: 500})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, inv := range page.Invoices {
			if inv.Currency == p.Currency {
				v.Open = append(v.Open, inv)
			}
		}
	}
	h.show(w, r, status, webui.Page{Title: "fin.payment.title", Active: "fin-payments"}, v.Errors[""], paymentPage(v))
}

func (h *handler) paymentAllocate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	v := paymentView{Alloc: map[string]string{}}
	var (
		ids []string
		in  []receivables.AllocationInput
	)
	for k := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "alloc["); ok && strings.HasSuffix(id, "]") {
			id = strings.TrimSuffix(id, "]")
			v.Alloc[id] = f.text(k)
			if v.Alloc[id] != "" {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		in = append(in, receivables.AllocationInput{InvoiceID: id, Amount: f.amount("alloc["+id+"]", fmt.Sprintf("allocations[%d].amount", len(in)))})
	}
	err := f.err()
	if err == nil {
		_, err = h.ar.Allocate(r.Context(), r.PathValue("id"), in, f.text("date"))
	}
	if err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		v.Errors = allocErrors(errs(e), ids).only("alloc", "allocations", "date")
		h.showPayment(w, r, status, v)
		return
	}
	redirect(w, r, "/erp/finance/payments/"+r.PathValue("id"), "payment_allocated")
}

func vatOptions() []option {
	out := make([]option, 0, len(receivables.VATRates))
	for _, r := range receivables.VATRates {
		out = append(out, option{r.String(), percent(r)})
	}
	return out
}

// percent writes a rate as a percentage: 0.13 as 13%.
func percent(r money.Rate) string {
	u := r.Units() // millionths
	whole, frac := u/10000, u%10000
	if frac == 0 {
		return strconv.FormatInt(whole, 10) + "%"
	}
	return strings.TrimRight(fmt.Sprintf("%d.%04d", whole, frac), "0") + "%"
}

func fapiaoTypeOptions(ctx context.Context) []option {
	out := make([]option, 0, len(receivables.FapiaoTypes))
	for _, t := range receivables.FapiaoTypes {
		out = append(out, option{t, tr(ctx, "fin.fapiao_type."+t)})
	}
	return out
}

func customerOptions(ctx context.Context, cs []receivables.Customer) []option {
	out := []option{{"", tr(ctx, "fin.invoice.pick_customer")}}
	for _, c := range cs {
		out = append(out, option{c.ID, c.Code + " " + c.Name})
	}
	return out
}

func methodOptions(ctx context.Context) []option {
	out := make([]option, 0, len(receivables.Methods))
	for _, m := range receivables.Methods {
		out = append(out, option{m, tr(ctx, "fin.method."+m)})
	}
	return out
}

func bankOptions(ctx context.Context, as []ledger.Account) []option {
	out := []option{{"", tr(ctx, "fin.payment.bank_default")}}
	for _, a := range as {
		out = append(out, option{a.ID, a.Code + " " + named(ctx, a.NameZH, a.NameEN)})
	}
	return out
}

// signedGross is an invoice's gross, negative for a credit note.
func signedGross(i receivables.Invoice) money.Amount {
	if i.Kind == receivables.KindCreditNote {
		g, _ := i.Gross.Neg()
		return g
	}
	return i.Gross
}

func numClass(mode string) string {
	if mode == "decimal" {
		return "num"
	}
	return ""
}

func orDraft(ctx context.Context, number string) string {
	if number == "" {
		return tr(ctx, "fin.status.draft")
	}
	return number
}

type shipmentsView struct {
	All       bool
	Shipments []receivables.Shipment
}

func (h *handler) shipmentList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := shipmentsView{All: r.URL.Query().Get("all") == "1"}
	var err error
	if v.Shipments, err = h.ar.Shipments(ctx, receivables.ShipmentFilter{Open: !v.All, Limit: 500}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.shipments.title", Active: "fin-invoices"}, "", shipmentsPage(v))
}
