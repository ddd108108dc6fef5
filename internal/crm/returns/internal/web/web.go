// Package web serves the return authorisation screens, the returns panel of
// the customer page, and the returns REST operations.
package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

const pageSize = 25

// Handler serves the screens and operations.
type Handler struct {
	kit       *crmui.Kit
	svc       returns.Service
	customers customer.Service
}

// New returns the handler.
func New(kit *crmui.Kit, svc returns.Service, customers customer.Service) *Handler {
	return &Handler{kit: kit, svc: svc, customers: customers}
}

// Wire registers the routes, the operations and the panel.
func (h *Handler) Wire(accounts customer.Panels) {
	k := h.kit
	k.Handle("GET /crm/returns", returns.PermRead, h.list)
	k.Handle("GET /crm/returns/new", returns.PermWrite, h.newForm)
	k.Handle("POST /crm/returns", returns.PermWrite, h.create)
	k.Handle("GET /crm/returns/{id}", returns.PermRead, h.detail)
	k.Handle("POST /crm/returns/{id}/authorize", returns.PermApprove, h.authorize)
	k.Handle("POST /crm/returns/{id}/cancel", returns.PermWrite, h.cancel)
	if accounts != nil {
		accounts.Add(45, h.accountPanel)
	}
	h.operations()
}

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

// ---- list ----

type listView struct {
	Filter returns.Filter
	Page   returns.Page
	Paging crmui.Paging
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := returns.Filter{Status: returns.Status(q.Get("status")), AccountID: q.Get("account"), SOID: q.Get("so"),
		Page: webui.PageParam(r), Limit: pageSize, Total: true}
	page, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := listView{Filter: f, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total}}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.return.title", Active: "crm.returns"}, listPage(v))
}

// ---- form ----

type formRow struct {
	Item     returns.ShipmentItem
	Quantity string
	Reason   string
}

type formView struct {
	Account   *customer.Account
	Shipments []returns.Shipment // to choose from, when no shipment is chosen
	Shipment  *returns.Shipment
	Rows      []formRow
	Notes     string
	Errors    crmui.Errors
	General   string
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var v formView
	if id := q.Get("shipment"); id != "" {
		sh, err := h.svc.Shipment(ctx, id)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		v.Shipment = sh
		for _, it := range sh.Items {
			v.Rows = append(v.Rows, formRow{Item: it})
		}
		if v.Account, err = h.customers.Get(ctx, sh.AccountID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	} else {
		acc, err := h.customers.Get(ctx, q.Get("account"))
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		v.Account = acc
		if v.Shipments, err = h.svc.Shipments(ctx, acc.ID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.return.new_title", Active: "crm.returns"}, formPage(v))
}

func lineName(i int, field string) string { return fmt.Sprintf("lines[%d].%s", i, field) }

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.kit.ParseForm(w, r) {
		return
	}
	pf := r.PostForm
	in := returns.Input{ShipmentID: pf.Get("shipment_id"), Notes: pf.Get("notes")}
	sh, err := h.svc.Shipment(ctx, in.ShipmentID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := formView{Shipment: sh, Notes: in.Notes}
	var probs valid.Problems
	// Errors name a line by its place among the lines filled in.
	at := map[int]int{}
	for i, it := range sh.Items {
		row := formRow{Item: it, Quantity: strings.TrimSpace(pf.Get(lineName(i, "quantity"))), Reason: pf.Get(lineName(i, "reason"))}
		v.Rows = append(v.Rows, row)
		if row.Quantity == "" && strings.TrimSpace(row.Reason) == "" {
			continue
		}
		at[len(in.Lines)] = i
		qty := probs.Quantity(lineName(len(in.Lines), "quantity"), row.Quantity, true)
		in.Lines = append(in.Lines, returns.LineInput{ItemID: it.ItemID, Quantity: qty, Reason: row.Reason})
	}
	err = probs.Err()
	var rma *returns.RMA
	if err == nil {
		rma, err = h.svc.Create(ctx, in)
	}
	if err == nil {
		crmui.Redirect(w, r, "/crm/returns/"+rma.ID, "return_created")
		return
	}
	fields, general, ok := crmui.FormErrors(ctx, err, "lines*", "notes", "shipment_id")
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	// Show each line's problem on the shipment's row it came from.
	v.Errors = crmui.Errors{}
	for k, msg := range fields {
		var n int
		var field string
		if _, serr := fmt.Sscanf(k, "lines[%d].%s", &n, &field); serr == nil {
			v.Errors[lineName(at[n], field)] = msg
			continue
		}
		v.Errors[k] = msg
	}
	v.General = general
	v.Account, _ = h.customers.Get(ctx, sh.AccountID)
	h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: "crm.return.new_title", Active: "crm.returns"}, formPage(v))
}

// ---- page and actions ----

type detailView struct {
	R          *returns.RMA
	CanWrite   bool
	CanApprove bool
	Error      string
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	rma, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := authz.FromContext(r.Context())
	v := detailView{R: rma, CanWrite: p.Can(returns.PermWrite), CanApprove: p.Can(returns.PermApprove)}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: rma.Number, Active: "crm.returns"}, detailPage(v))
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, id string) (*returns.RMA, error)) {
	id := r.PathValue("id")
	rma, err := do(r.Context(), id)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal && e.Kind != apperr.KindNotFound {
			if cur, gerr := h.svc.Get(r.Context(), id); gerr == nil {
				msg := crmui.Message(r.Context(), e)
				if fields, general, ok := crmui.FormErrors(r.Context(), err, "-"); ok {
					if general != "" {
						msg = general
					}
					for _, m := range fields {
						msg = m
					}
				}
				p := authz.FromContext(r.Context())
				v := detailView{R: cur, CanWrite: p.Can(returns.PermWrite), CanApprove: p.Can(returns.PermApprove), Error: msg}
				h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: cur.Number, Active: "crm.returns"}, detailPage(v))
				return
			}
		}
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/returns/"+id, "return_"+string(rma.Status))
}

func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.svc.Authorize) }
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request)    { h.act(w, r, h.svc.Cancel) }

// ---- panel ----

func (h *Handler) accountPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(returns.PermRead) {
		return nil, nil
	}
	page, err := h.svc.List(ctx, returns.Filter{AccountID: acc.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	return panel(page.Items, "/crm/returns/new?account="+acc.ID, p.Can(returns.PermWrite)), nil
}

// ---- helpers ----

func statusOptions() []crmui.Option {
	out := make([]crmui.Option, len(returns.Statuses))
	for i, s := range returns.Statuses {
		out[i] = crmui.Option{Value: string(s), Label: "crm.return.status_label." + string(s)}
	}
	return out
}

func statusClass(s returns.Status) string {
	switch s {
	case returns.StatusAuthorized:
		return "badge-info"
	case returns.StatusReceived:
		return "badge-ok"
	case returns.StatusRejected:
		return "badge-err"
	}
	return ""
}

func itemLabel(code, name, id string) string {
	switch {
	case code != "" && name != "":
		return code + " " + name
	case code != "":
		return code
	}
	return id
}

func itoa(i int) string { return strconv.Itoa(i) }
