// Package web serves the quote screens (list, form, quote page, print
// view), the approval inbox, price lists, customer prices, quote settings
// and their REST operations.
package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

const (
	pageSize  = 25
	spareRows = 4 // empty line rows a quote form offers
)

// Handler serves the screens and operations.
type Handler struct {
	kit       *crmui.Kit
	svc       quote.Service
	customers customer.Service
	items     catalog.Service
	pipelines pipeline.Service // nil without the pipeline module
	now       func() time.Time
}

// New returns the handler.
func New(kit *crmui.Kit, svc quote.Service, customers customer.Service, items catalog.Service, pipelines pipeline.Service) *Handler {
	return &Handler{kit: kit, svc: svc, customers: customers, items: items, pipelines: pipelines, now: kit.Env.Now}
}

// Wire registers the routes, the operations and the panels of the account
// and opportunity pages.
func (h *Handler) Wire(accounts customer.Panels, opps pipeline.Panels) {
	k := h.kit
	k.Handle("GET /crm/quotes", quote.PermRead, h.list)
	k.Handle("GET /crm/quotes/export", transfer.PermExport, h.export)
	k.Handle("GET /crm/quotes/new", quote.PermWrite, h.newForm)
	k.Handle("GET /crm/quotes/items", quote.PermWrite, h.itemSearch)
	k.Handle("POST /crm/quotes", quote.PermWrite, h.create)
	k.Handle("GET /crm/quotes/{id}", quote.PermRead, h.detail)
	k.Handle("GET /crm/quotes/{id}/edit", quote.PermWrite, h.editForm)
	k.Handle("POST /crm/quotes/{id}", quote.PermWrite, h.update)
	k.Handle("GET /crm/quotes/{id}/print", quote.PermRead, h.print)
	for action, flash := range map[string]string{"submit": "quote_submitted", "recall": "quote_recalled", "send": "quote_sent",
		"revise": "quote_revised", "accept": "quote_accepted", "decline": "quote_declined"} {
		k.Handle("POST /crm/quotes/{id}/"+action, quote.PermWrite, h.act(action, flash))
	}
	k.Handle("GET /crm/approvals", quote.PermRead, h.inbox)
	k.Handle("POST /crm/approvals/{id}", quote.PermRead, h.decide)
	k.Handle("GET /crm/prices", quote.PermRead, h.priceLists)
	k.Handle("GET /crm/prices/new", quote.PermManage, h.newPriceList)
	k.Handle("POST /crm/prices", quote.PermManage, h.savePriceList)
	k.Handle("GET /crm/prices/{id}", quote.PermManage, h.editPriceList)
	k.Handle("POST /crm/prices/{id}", quote.PermManage, h.savePriceList)
	k.Handle("POST /crm/accounts/{id}/prices", quote.PermManage, h.setCustomerPrice)
	k.Handle("POST /crm/customer-prices/{id}/delete", quote.PermManage, h.deleteCustomerPrice)
	k.Handle("GET /crm/quote-settings", quote.PermManage, h.settings)
	k.Handle("POST /crm/quote-settings", quote.PermManage, h.saveSettings)
	if accounts != nil {
		accounts.Add(30, h.accountPanel)
		accounts.Add(60, h.customerPricesPanel)
	}
	if opps != nil {
		opps.Add(10, h.opportunityPanel)
	}
	h.operations()
}

func (h *Handler) today() string { return h.now().Local().Format("2006-01-02") }

// ---- list ----

type listView struct {
	Filter   quote.Filter
	Page     quote.Page
	Paging   crmui.Paging
	CanWrite bool
	Export   string
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := quote.Filter{Query: q.Get("q"), Status: quote.Status(q.Get("status")), Page: webui.PageParam(r), Limit: pageSize, Total: true}
	page, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := listView{Filter: f, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total},
		CanWrite: authz.FromContext(r.Context()).Can(quote.PermWrite)}
	if authz.FromContext(r.Context()).Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/quotes/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "quote-results" {
		h.kit.Fragment(w, r, http.StatusOK, quoteResults(v))
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.quote.title", Active: "crm.quotes"}, quotesPage(v))
}

// ---- form ----

type row struct {
	Code, Quantity, Price, Discount string
	Floor                           bool
}

type quoteForm struct {
	ID       string
	Number   string
	Revision int
	Account  string // as typed
	In       quote.Input
	Rows     []row
	Contacts []customer.Contact
	Opps     []pipeline.Opportunity
	Errors   crmui.Errors
	General  string
}

var quoteFields = []string{"account_id", "contact_id", "opportunity_id", "currency", "tax_mode", "valid_until", "requested_date",
	"ship_to", "payment_terms", "notes", "lines*", "status"}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, status int, f quoteForm) {
	ctx := r.Context()
	if f.In.AccountID != "" {
		if cs, err := h.customers.ListContacts(ctx, customer.ContactFilter{AccountID: f.In.AccountID, Limit: 200}); err == nil {
			f.Contacts = cs.Items
		}
		if h.pipelines != nil {
			if page, err := h.pipelines.List(ctx, pipeline.Filter{AccountID: f.In.AccountID, Status: pipeline.StatusOpen, Limit: 100}); err == nil {
				f.Opps = page.Items
			}
		}
	}
	for range spareRows {
		f.Rows = append(f.Rows, row{})
	}
	title := "crm.quote.new_title"
	if f.ID != "" {
		title = "crm.quote.edit_title"
	}
	h.kit.Show(w, r, status, webui.Page{Title: title, Active: "crm.quotes"}, quoteFormPage(f))
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := quoteForm{In: quote.Input{TaxMode: quote.TaxExclusive}}
	if id := q.Get("opportunity"); id != "" && h.pipelines != nil {
		if o, err := h.pipelines.Get(ctx, id); err == nil {
			f.In.OpportunityID, f.In.AccountID, f.In.ContactID = o.ID, o.AccountID, o.ContactID
			for _, l := range o.Lines {
				f.Rows = append(f.Rows, row{Code: l.Code, Quantity: l.Quantity.String()})
			}
		}
	}
	if id := q.Get("account"); id != "" {
		f.In.AccountID = id
	}
	if f.In.AccountID != "" {
		if acc, err := h.customers.Get(ctx, f.In.AccountID); err == nil {
			f.Account, f.In.Currency = acc.Name, acc.Currency
		} else {
			f.In.AccountID = ""
		}
	}
	h.formPage(w, r, http.StatusOK, f)
}

// readForm reads the quote form, resolving the typed customer and product
// codes; the problems found here come back with the service's.
func (h *Handler) readForm(r *http.Request) (quoteForm, valid.Problems) {
	ctx := r.Context()
	pf := r.PostForm
	f := quoteForm{Account: strings.TrimSpace(pf.Get("account"))}
	f.In = quote.Input{AccountID: pf.Get("account_id"), ContactID: pf.Get("contact_id"), OpportunityID: pf.Get("opportunity_id"),
		Currency: pf.Get("currency"), TaxMode: quote.TaxMode(pf.Get("tax_mode")), ValidUntil: pf.Get("valid_until"),
		RequestedDate: pf.Get("requested_date"), ShipTo: pf.Get("ship_to"), PaymentTerms: pf.Get("payment_terms"), Notes: pf.Get("notes")}
	f.In.Version, _ = strconv.Atoi(pf.Get("version"))
	var p valid.Problems
	if f.Account != "" {
		if acc, err := h.customers.Lookup(ctx, f.Account); err == nil {
			if acc.ID != f.In.AccountID {
				f.In.ContactID, f.In.OpportunityID = "", ""
			}
			f.In.AccountID = acc.ID
		} else if apperr.IsKind(err, apperr.KindNotFound) {
			f.In.AccountID = ""
			p.Add("account_id", "crm.quote.error.account_unknown", "No customer you can see has this code, name or id")
		}
	} else {
		f.In.AccountID = ""
		p.Add("account_id", valid.KeyRequired, "This field is required")
	}
	floors := pf["line_floor"]
	for i, code := range pf["line_code"] {
		rw := row{Code: strings.TrimSpace(code), Quantity: at(pf["line_qty"], i), Price: at(pf["line_price"], i), Discount: at(pf["line_discount"], i),
			Floor: slices.Contains(floors, strconv.Itoa(i))}
		if rw.Code == "" {
			continue
		}
		n := len(f.In.Lines)
		f.Rows = append(f.Rows, rw)
		field := func(s string) string { return "lines[" + strconv.Itoa(n) + "]." + s }
		li := quote.LineInput{Quantity: p.Quantity(field("quantity"), rw.Quantity, true), FloorApproval: rw.Floor}
		if rw.Price != "" {
			pr, err := money.ParseUnitPrice(strings.ReplaceAll(rw.Price, ",", ""))
			if err != nil {
				p.Add(field("unit_price"), valid.KeyAmount, "Enter an amount such as 1234.50")
			}
			li.UnitPrice = &pr
		}
		li.Discount = p.Rate(field("discount"), rw.Discount, false)
		if it, err := h.items.ItemByCode(ctx, rw.Code); err == nil {
			li.ItemID = it.ID
		} else if apperr.IsKind(err, apperr.KindNotFound) {
			p.Add(field("item_id"), "crm.quote.error.item_unknown", "There is no such product")
		}
		f.In.Lines = append(f.In.Lines, li)
	}
	return f, p
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return ""
}

// lineErrors names a line's errors by its form row: "lines[1].quantity"
// becomes "row_1_quantity" (rows without a code were dropped, and the
// rows kept are numbered as the lines are).
func lineErrors(fields crmui.Errors) crmui.Errors {
	out := crmui.Errors{}
	for k, v := range fields {
		if n, rest, ok := strings.Cut(strings.TrimPrefix(k, "lines["), "]."); ok && strings.HasPrefix(k, "lines[") {
			out["row_"+n+"_"+rest] = v
			continue
		}
		out[k] = v
	}
	return out
}

func (h *Handler) failed(w http.ResponseWriter, r *http.Request, f quoteForm, err error) {
	fields, general, ok := crmui.FormErrors(r.Context(), err, quoteFields...)
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	if msg, bad := fields["status"]; bad {
		general = msg
	}
	f.Errors, f.General = lineErrors(fields), general
	h.formPage(w, r, apperr.Status(err), f)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	f, probs := h.readForm(r)
	err := probs.Err()
	var q *quote.Quote
	if err == nil {
		q, err = h.svc.Create(r.Context(), f.In)
	}
	if err != nil {
		h.failed(w, r, f, err)
		return
	}
	crmui.Redirect(w, r, "/crm/quotes/"+q.ID, "quote_created")
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	q, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := quoteForm{ID: q.ID, Number: q.Number, Revision: q.Revision, Account: q.AccountName,
		In: quote.Input{AccountID: q.AccountID, ContactID: q.ContactID, OpportunityID: q.OpportunityID, Currency: q.Currency, TaxMode: q.TaxMode,
			ValidUntil: q.ValidUntil, RequestedDate: q.RequestedDate, ShipTo: q.ShipTo, PaymentTerms: q.PaymentTerms, Notes: q.Notes, Version: q.Version}}
	for _, l := range q.Lines {
		rw := row{Code: l.Code, Quantity: l.Quantity.String(), Floor: l.BelowFloor}
		if l.UnitPrice.Cmp(l.RefPrice) != 0 {
			rw.Price = l.UnitPrice.String()
		}
		if !l.Discount.IsZero() {
			rw.Discount = l.Discount.String()
		}
		f.Rows = append(f.Rows, rw)
	}
	if !q.Editable() {
		f.General = crmui.T(r.Context(), "crm.quote.error.not_draft")
	}
	h.formPage(w, r, http.StatusOK, f)
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f, probs := h.readForm(r)
	f.ID = id
	if cur, err := h.svc.Get(r.Context(), id); err == nil {
		f.Number, f.Revision = cur.Number, cur.Revision
	}
	err := probs.Err()
	if err == nil {
		_, err = h.svc.Update(r.Context(), id, f.In)
	}
	if err != nil {
		h.failed(w, r, f, err)
		return
	}
	crmui.Redirect(w, r, "/crm/quotes/"+id, "quote_saved")
}

// itemSearch lists products matching a term on the quote form (htmx).
func (h *Handler) itemSearch(w http.ResponseWriter, r *http.Request) {
	term := strings.TrimSpace(r.URL.Query().Get("item_q"))
	var items []catalog.Item
	if term != "" {
		page, err := h.items.Items(r.Context(), catalog.ItemFilter{Query: term, Sellable: true, Limit: 10})
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		items = page.Items
	}
	h.kit.Fragment(w, r, http.StatusOK, itemResults(items))
}

// ---- the quote page ----

type lineView struct {
	quote.Line
	Stock   catalog.Availability
	Promise catalog.Promise
}

type detailView struct {
	Q         *quote.Quote
	Lines     []lineView
	Approvals []quote.Approval
	Revisions []quote.Quote
	Order     *catalog.Order
	Steps     []catalog.OrderEvent
	CanWrite  bool
	// CanContract offers to make a contract of an accepted quote.
	CanContract bool
	// Returns are the return authorisations of the order ERP made of it.
	Returns []returns.RMA
	Error   string
}

func (h *Handler) detailView(ctx context.Context, id string) (detailView, error) {
	p := authz.FromContext(ctx)
	q, err := h.svc.Get(ctx, id)
	if err != nil {
		return detailView{}, err
	}
	v := detailView{Q: q, CanWrite: p.Can(quote.PermWrite), CanContract: p.Can(contract.PermWrite) && q.Status == quote.StatusAccepted}
	ids := make([]string, len(q.Lines))
	for i, l := range q.Lines {
		ids[i] = l.ItemID
	}
	stock, err := h.items.Availability(ctx, ids)
	if err != nil {
		return v, err
	}
	today := h.today()
	for _, l := range q.Lines {
		s := stock[l.ItemID]
		v.Lines = append(v.Lines, lineView{Line: l, Stock: s, Promise: s.Promise(l.Quantity, today)})
	}
	if v.Approvals, err = h.svc.Approvals(ctx, id); err != nil {
		return v, err
	}
	if v.Revisions, err = h.svc.Revisions(ctx, id); err != nil {
		return v, err
	}
	if v.Order, v.Steps, err = h.items.OrderOfQuote(ctx, id); err != nil {
		return v, err
	}
	// The returns module is wired after this one: find it when asked.
	if rs, ok := h.kit.Env.Services.Lookup(returns.ServiceName).(returns.Service); ok && v.Order != nil && p.Can(returns.PermRead) {
		page, err := rs.List(ctx, returns.Filter{QuoteID: id, Limit: 20})
		if err != nil {
			return v, err
		}
		v.Returns = page.Items
	}
	return v, nil
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	v, err := h.detailView(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: v.Q.Number, Active: "crm.quotes"}, quotePage(v))
}

// act runs one of a quote's actions and shows the quote again.
func (h *Handler) act(action, flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.kit.ParseForm(w, r) {
			return
		}
		ctx := r.Context()
		id := r.PathValue("id")
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		var q *quote.Quote
		var err error
		switch action {
		case "submit":
			q, err = h.svc.Submit(ctx, id, version)
		case "recall":
			q, err = h.svc.Recall(ctx, id)
		case "send":
			q, err = h.svc.Send(ctx, id)
		case "revise":
			q, err = h.svc.Revise(ctx, id)
		case "accept":
			q, err = h.svc.Accept(ctx, id)
		case "decline":
			q, err = h.svc.Decline(ctx, id, r.PostForm.Get("reason"))
		}
		if err != nil {
			fields, general, ok := crmui.FormErrors(ctx, err)
			v, verr := h.detailView(ctx, id)
			if !ok || verr != nil {
				h.kit.Fail(w, r, err)
				return
			}
			v.Error = general
			for _, msg := range fields {
				v.Error = msg
			}
			h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: v.Q.Number, Active: "crm.quotes"}, quotePage(v))
			return
		}
		crmui.Redirect(w, r, "/crm/quotes/"+q.ID, flash)
	}
}

// ---- approvals ----

type inboxView struct {
	Items []quote.Approval
	Error string
}

func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	as, err := h.svc.Approvals(r.Context(), "")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.quote.inbox.title", Active: "crm.approvals"}, inboxPage(inboxView{Items: as}))
}

func (h *Handler) decide(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	a, err := h.svc.Decide(ctx, r.PathValue("id"), r.PostForm.Get("decision") == "approve", r.PostForm.Get("comment"))
	if err != nil {
		fields, general, ok := crmui.FormErrors(ctx, err)
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		for _, msg := range fields {
			general = msg
		}
		as, lerr := h.svc.Approvals(ctx, "")
		if lerr != nil {
			h.kit.Fail(w, r, lerr)
			return
		}
		h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: "crm.quote.inbox.title", Active: "crm.approvals"}, inboxPage(inboxView{Items: as, Error: general}))
		return
	}
	back := "/crm/approvals"
	if r.PostForm.Get("back") == "quote" {
		back = "/crm/quotes/" + a.QuoteID
	}
	crmui.Redirect(w, r, back, "approval_decided")
}

// ---- panels of other pages ----

func (h *Handler) accountPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(quote.PermRead) {
		return nil, nil
	}
	page, err := h.svc.List(ctx, quote.Filter{AccountID: acc.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	return quotesPanel("/crm/quotes/new?account="+acc.ID, page.Items, p.Can(quote.PermWrite)), nil
}

func (h *Handler) opportunityPanel(ctx context.Context, o *pipeline.Opportunity) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(quote.PermRead) {
		return nil, nil
	}
	page, err := h.svc.List(ctx, quote.Filter{OpportunityID: o.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	return quotesPanel("/crm/quotes/new?opportunity="+o.ID, page.Items, p.Can(quote.PermWrite) && o.Status == pipeline.StatusOpen), nil
}
