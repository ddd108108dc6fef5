// Package web serves the contract screens, the contract panels of the
// customer and opportunity pages, and the contract REST operations.
package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

const pageSize = 25

// Handler serves the screens and operations.
type Handler struct {
	kit       *crmui.Kit
	svc       contract.Service
	customers customer.Service
}

// New returns the handler.
func New(kit *crmui.Kit, svc contract.Service, customers customer.Service) *Handler {
	return &Handler{kit: kit, svc: svc, customers: customers}
}

// Wire registers the routes, the operations and the panels.
func (h *Handler) Wire(accounts customer.Panels, opps pipeline.Panels) {
	k := h.kit
	k.Handle("GET /crm/contracts", contract.PermRead, h.list)
	k.Handle("GET /crm/contracts/export", transfer.PermExport, h.export)
	k.Handle("GET /crm/contracts/new", contract.PermWrite, h.newForm)
	k.Handle("POST /crm/contracts", contract.PermWrite, h.create)
	k.Handle("GET /crm/contracts/{id}", contract.PermRead, h.detail)
	k.Handle("GET /crm/contracts/{id}/edit", contract.PermWrite, h.editForm)
	k.Handle("POST /crm/contracts/{id}", contract.PermWrite, h.update)
	k.Handle("POST /crm/contracts/{id}/activate", contract.PermWrite, h.activate)
	k.Handle("POST /crm/contracts/{id}/complete", contract.PermWrite, h.complete)
	k.Handle("POST /crm/contracts/{id}/cancel", contract.PermWrite, h.cancel)
	if accounts != nil {
		accounts.Add(40, h.accountPanel)
	}
	if opps != nil {
		opps.Add(30, h.opportunityPanel)
	}
	h.operations()
}

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

// ---- list ----

type listView struct {
	Filter   contract.Filter
	Page     contract.Page
	Paging   crmui.Paging
	CanWrite bool
	Export   string
}

func contractFilter(r *http.Request) contract.Filter {
	q := r.URL.Query()
	return contract.Filter{Query: q.Get("q"), Status: contract.Status(q.Get("status")), AccountID: q.Get("account"),
		Mismatch: q.Get("mismatch") != "", Page: webui.PageParam(r), Limit: pageSize, Total: true}
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	f := contractFilter(r)
	page, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := listView{Filter: f, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total}, CanWrite: p.Can(contract.PermWrite)}
	if p.Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/contracts/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "contract-results" {
		h.kit.Fragment(w, r, http.StatusOK, contractResults(v))
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.contract.title", Active: "crm.contracts"}, contractsPage(v))
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := contractFilter(r)
	f.Page, f.Total, f.Limit = 0, false, 200
	headings := []string{"crm.contract.number", "crm.contract.name", "crm.contract.account", "crm.contract.status", "crm.contract.signed_date",
		"crm.contract.currency", "crm.contract.total", "crm.contract.invoiced", "crm.contract.received", "crm.contract.outstanding",
		"crm.contract.mismatch", "crm.contract.owner"}
	h.kit.Export(w, r, t(ctx, "crm.contract.title"), headings, func(yield func(...any) bool) error {
		return crmui.EachPage(func(cursor string) ([]contract.Contract, string, error) {
			f.Cursor = cursor
			page, err := h.svc.List(ctx, f)
			return page.Items, page.Next, err
		}, func(c *contract.Contract) bool {
			return yield(c.Number, c.Title, c.AccountName, t(ctx, "crm.contract.status_label."+string(c.Status)), c.SignedDate, c.Currency,
				c.Total, c.Invoiced, c.Paid, outstanding(c), mismatchText(ctx, c), c.OwnerName)
		})
	})
}

// ---- form ----

type planRow struct {
	DueDate, Amount, Condition string
}

type contractForm struct {
	ID       string
	Number   string
	In       contract.Input
	Account  string // code or name as typed
	Total    string
	Rows     []planRow
	Errors   crmui.Errors
	General  string
	Currency []string
}

// blankRows is how many empty installment rows a form offers.
const blankRows = 4

func (f *contractForm) pad() {
	for range blankRows {
		f.Rows = append(f.Rows, planRow{})
	}
	f.Currency = customer.Currencies
}

func formOf(in contract.Input, account string) contractForm {
	f := contractForm{In: in, Account: account}
	if in.Total.Sign() > 0 {
		f.Total = in.Total.String()
	}
	for _, it := range in.Installments {
		f.Rows = append(f.Rows, planRow{DueDate: it.DueDate, Amount: it.Amount.String(), Condition: it.Condition})
	}
	f.pad()
	return f
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	in := contract.Input{Currency: "CNY"}
	if q.Get("opportunity") != "" || q.Get("quote") != "" {
		var err error
		if in, err = h.svc.Draft(ctx, q.Get("opportunity"), q.Get("quote")); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	} else if id := q.Get("account"); id != "" {
		in.AccountID = id
	}
	account := ""
	if in.AccountID != "" {
		if acc, err := h.customers.Get(ctx, in.AccountID); err == nil {
			account = acc.Name
		}
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.contract.new_title", Active: "crm.contracts"}, formPage(formOf(in, account)))
}

var formFields = []string{"title", "account_id", "currency", "total", "signed_date", "start_date", "end_date", "notes", "installments*"}

// read reads the contract form; it keeps what was typed to show it again.
func (h *Handler) read(r *http.Request) (contractForm, error) {
	v := r.PostForm
	f := contractForm{Account: v.Get("account"), Total: v.Get("total")}
	f.In = contract.Input{Title: v.Get("title"), OpportunityID: v.Get("opportunity_id"), QuoteID: v.Get("quote_id"), Currency: v.Get("currency"),
		SignedDate: v.Get("signed_date"), StartDate: v.Get("start_date"), EndDate: v.Get("end_date"), Notes: v.Get("notes")}
	f.In.Version, _ = strconv.Atoi(v.Get("version"))
	var probs valid.Problems
	f.In.Total = probs.Amount("total", f.Total, true)
	n, _ := strconv.Atoi(v.Get("rows"))
	n = min(max(n, 0), 100)
	for i := range n {
		g := func(name string) string { return strings.TrimSpace(v.Get(fmt.Sprintf("installments[%d].%s", i, name))) }
		row := planRow{DueDate: g("due_date"), Amount: g("amount"), Condition: g("condition")}
		f.Rows = append(f.Rows, row)
		if row == (planRow{}) {
			continue
		}
		// Errors name the installment by its place among those filled in.
		at := len(f.In.Installments)
		amount := probs.Amount(fmt.Sprintf("installments[%d].amount", at), row.Amount, true)
		f.In.Installments = append(f.In.Installments, contract.InstallmentInput{DueDate: row.DueDate, Amount: amount, Condition: row.Condition})
	}
	// Resolve the customer typed by code or name.
	if strings.TrimSpace(f.Account) == "" {
		probs.Add("account_id", valid.KeyRequired, "This field is required")
	} else if acc, err := h.customers.Lookup(r.Context(), f.Account); apperr.IsKind(err, apperr.KindNotFound) {
		probs.Add("account_id", "crm.contract.error.account_unknown", "No customer you can see has this code, name or id")
	} else if err != nil {
		return f, err
	} else {
		f.In.AccountID = acc.ID
	}
	// Drop filled rows from the rows shown, then offer blank ones again.
	var kept []planRow
	for _, row := range f.Rows {
		if row != (planRow{}) {
			kept = append(kept, row)
		}
	}
	f.Rows = kept
	f.pad()
	return f, probs.Err()
}

func (h *Handler) failed(w http.ResponseWriter, r *http.Request, f contractForm, err error, title string) {
	fields, general, ok := crmui.FormErrors(r.Context(), err, formFields...)
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	f.Errors, f.General = fields, general
	h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: title, Active: "crm.contracts"}, formPage(f))
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	f, err := h.read(r)
	var c *contract.Contract
	if err == nil {
		c, err = h.svc.Create(r.Context(), f.In)
	} else if e, ok := apperr.As(err); ok && e.Kind == apperr.KindInvalid {
		// Report the service's problems with the form's own at once.
		if _, serr := h.svc.Create(r.Context(), f.In); serr != nil {
			err = merge(err, serr)
		}
	}
	if err != nil {
		h.failed(w, r, f, err, "crm.contract.new_title")
		return
	}
	crmui.Redirect(w, r, "/crm/contracts/"+c.ID, "contract_created")
}

// merge joins the field problems of two invalid-input errors, the first
// error's fields first and each field once.
func merge(a, b error) error {
	ea, _ := apperr.As(a)
	eb, ok := apperr.As(b)
	if !ok || eb.Kind != apperr.KindInvalid {
		return a
	}
	fields := append([]apperr.FieldError{}, ea.Fields...)
	for _, f := range eb.Fields {
		dup := false
		for _, g := range fields {
			dup = dup || g.Field == f.Field
		}
		if !dup {
			fields = append(fields, f)
		}
	}
	return apperr.InvalidFields(fields...)
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if !c.Editable() {
		h.kit.Fail(w, r, apperr.Precondition("crm.contract.error.status", "The contract's status does not allow this"))
		return
	}
	in := contract.Input{AccountID: c.AccountID, OpportunityID: c.OpportunityID, QuoteID: c.QuoteID, Title: c.Title, Currency: c.Currency,
		Total: c.Total, SignedDate: c.SignedDate, StartDate: c.StartDate, EndDate: c.EndDate, Notes: c.Notes, Version: c.Version}
	for _, it := range c.Installments {
		in.Installments = append(in.Installments, contract.InstallmentInput{DueDate: it.DueDate, Amount: it.Amount, Condition: it.Condition})
	}
	f := formOf(in, c.AccountName)
	f.ID, f.Number = c.ID, c.Number
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.contract.edit_title", Active: "crm.contracts"}, formPage(f))
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f, err := h.read(r)
	f.ID = id
	if err == nil {
		_, err = h.svc.Update(r.Context(), id, f.In)
	}
	if err != nil {
		h.failed(w, r, f, err, "crm.contract.edit_title")
		return
	}
	crmui.Redirect(w, r, "/crm/contracts/"+id, "contract_saved")
}

// ---- page and actions ----

type detailView struct {
	C        *contract.Contract
	CanWrite bool
	Error    string
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := detailView{C: c, CanWrite: authz.FromContext(r.Context()).Can(contract.PermWrite)}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: c.Number, Active: "crm.contracts"}, detailPage(v))
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, id string) (*contract.Contract, error)) {
	id := r.PathValue("id")
	c, err := do(r.Context(), id)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal && e.Kind != apperr.KindNotFound {
			cur, gerr := h.svc.Get(r.Context(), id)
			if gerr == nil {
				msg := crmui.Message(r.Context(), e)
				if _, general, ok := crmui.FormErrors(r.Context(), err, "-"); ok && general != "" {
					msg = general
				}
				v := detailView{C: cur, CanWrite: true, Error: msg}
				h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: cur.Number, Active: "crm.contracts"}, detailPage(v))
				return
			}
		}
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/contracts/"+id, "contract_"+string(c.Status))
}

func (h *Handler) activate(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.svc.Activate) }
func (h *Handler) complete(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.svc.Complete) }

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	reason := r.PostForm.Get("reason")
	h.act(w, r, func(ctx context.Context, id string) (*contract.Contract, error) { return h.svc.Cancel(ctx, id, reason) })
}

// ---- panels ----

func (h *Handler) accountPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(contract.PermRead) {
		return nil, nil
	}
	page, err := h.svc.List(ctx, contract.Filter{AccountID: acc.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	return panel(page.Items, "/crm/contracts/new?account="+acc.ID, p.Can(contract.PermWrite)), nil
}

func (h *Handler) opportunityPanel(ctx context.Context, o *pipeline.Opportunity) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(contract.PermRead) {
		return nil, nil
	}
	page, err := h.svc.List(ctx, contract.Filter{AccountID: o.AccountID, Limit: 200})
	if err != nil {
		return nil, err
	}
	var mine []contract.Contract
	for _, c := range page.Items {
		if c.OpportunityID == o.ID {
			mine = append(mine, c)
		}
	}
	return panel(mine, "/crm/contracts/new?opportunity="+o.ID, p.Can(contract.PermWrite) && o.Status == pipeline.StatusWon), nil
}

// ---- helpers ----

func outstanding(c *contract.Contract) money.Amount {
	left, _ := c.Total.Sub(c.Paid)
	if left.Sign() < 0 {
		return money.Amount{}
	}
	return left
}

func mismatchText(ctx context.Context, c *contract.Contract) string {
	out := make([]string, len(c.Mismatches))
	for i, m := range c.Mismatches {
		out[i] = t(ctx, "crm.contract.mismatch_label."+string(m))
	}
	return strings.Join(out, t(ctx, "crm.common.list_separator"))
}

func statusOptions() []crmui.Option {
	out := make([]crmui.Option, len(contract.Statuses))
	for i, s := range contract.Statuses {
		out[i] = crmui.Option{Value: string(s), Label: "crm.contract.status_label." + string(s)}
	}
	return out
}

func currencyOptions(cs []string) []crmui.Option {
	out := make([]crmui.Option, len(cs))
	for i, c := range cs {
		out[i] = crmui.Option{Value: c, Label: c}
	}
	return out
}

func statusClass(s contract.Status) string {
	switch s {
	case contract.StatusActive:
		return "badge-info"
	case contract.StatusCompleted:
		return "badge-ok"
	}
	return ""
}

func stateClass(s contract.State) string {
	switch s {
	case contract.StatePaid:
		return "badge-ok"
	case contract.StatePartial:
		return "badge-info"
	case contract.StateOverdue:
		return "badge-err"
	}
	return ""
}

func formAction(id string) string {
	if id == "" {
		return "/crm/contracts"
	}
	return "/crm/contracts/" + id
}

func rowName(i int, field string) string { return fmt.Sprintf("installments[%d].%s", i, field) }

// rowErr is the error of an installment's field (the filled-in rows come
// first, in the installments' order).
func rowErr(errs crmui.Errors, i int, field string) string { return errs[rowName(i, field)] }
