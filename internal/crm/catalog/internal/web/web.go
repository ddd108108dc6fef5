// Package web serves the screens and REST operations of the CRM's copy of
// ERP data: products with prices, stock and promise dates, and the credit,
// orders, invoices and payments panel of an account's page.
package web

import (
	"context"
	"net/http"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

const pageSize = 25

// Handler serves the screens and operations.
type Handler struct {
	kit *crmui.Kit
	svc catalog.Service
	now func() time.Time
}

// New returns the handler.
func New(kit *crmui.Kit, svc catalog.Service) *Handler {
	return &Handler{kit: kit, svc: svc, now: kit.Env.Now}
}

// Wire registers the routes and operations, and the ledger panel of the
// account page when the customer module offers panels.
func (h *Handler) Wire(panels customer.Panels) {
	h.kit.Handle("GET /crm/items", catalog.PermRead, h.list)
	h.kit.Handle("GET /crm/items/{id}", catalog.PermRead, h.detail)
	h.kit.Handle("GET /crm/items/{id}/promise", catalog.PermRead, h.promise)
	if panels != nil {
		panels.Add(50, h.ledgerPanel)
		panels.AddFigures(30, h.ledgerFigures)
	}
	h.operations()
}

func today(now time.Time) string { return now.Local().Format("2006-01-02") }

type listView struct {
	Query    string
	Sellable bool
	Page     catalog.ItemPage
	Paging   crmui.Paging
	Stock    map[string]catalog.Availability
	Today    string
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := catalog.ItemFilter{Query: q.Get("q"), Sellable: q.Get("sellable") != "", Page: webui.PageParam(r), Limit: pageSize, Total: true}
	page, err := h.svc.Items(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	stock, err := h.svc.Availability(r.Context(), ids)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := listView{Query: f.Query, Sellable: f.Sellable, Page: page, Stock: stock, Today: today(h.now()),
		Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total}}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "item-results" {
		h.kit.Fragment(w, r, http.StatusOK, itemResults(v))
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.item.title", Active: "crm.items"}, itemsPage(v))
}

type detailView struct {
	Item  *catalog.Item
	Stock catalog.Availability
	Today string
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	it, err := h.svc.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	stock, err := h.svc.Availability(r.Context(), []string{it.ID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := detailView{Item: it, Stock: stock[it.ID], Today: today(h.now())}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: it.Name, Active: "crm.items"}, itemPage(v))
}

// promise answers the promise check of an item page (an htmx fragment).
func (h *Handler) promise(w http.ResponseWriter, r *http.Request) {
	it, err := h.svc.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var p valid.Problems
	qty := p.Quantity("quantity", r.URL.Query().Get("quantity"), true)
	if qty.Sign() <= 0 && !p.Has("quantity") {
		p.Add("quantity", valid.KeyQuantity, "Enter a quantity such as 12.5")
	}
	if err := p.Err(); err != nil {
		fields, _, _ := crmui.FormErrors(r.Context(), err)
		h.kit.Fragment(w, r, http.StatusUnprocessableEntity, promiseResult(nil, fields["quantity"]))
		return
	}
	stock, err := h.svc.Availability(r.Context(), []string{it.ID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pr := stock[it.ID].Promise(qty, today(h.now()))
	h.kit.Fragment(w, r, http.StatusOK, promiseResult(&pr, ""))
}

// ledgerPanel shows an account's credit, orders, invoices and payments to
// those who may see them.
func (h *Handler) ledgerPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	if !authz.FromContext(ctx).Can(catalog.PermCredit) {
		return nil, nil
	}
	l, err := h.svc.Ledger(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	return ledgerPanel(l), nil
}

// ledgerFigures are the account's revenue this year (net of invoices ERP
// posted) and its overdue receivables, to those who may see them.
func (h *Handler) ledgerFigures(ctx context.Context, acc *customer.Account) ([]customer.Figure, error) {
	if !authz.FromContext(ctx).Can(catalog.PermCredit) {
		return nil, nil
	}
	now := h.now()
	rev, err := h.svc.Revenue(ctx, acc.ID, now.Local().Format("2006")+"-01-01")
	if err != nil {
		return nil, err
	}
	cr, err := h.svc.Credit(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	return []customer.Figure{
		{Label: "crm.ledger.figure.revenue", Value: crmui.Amount(rev)},
		{Label: "crm.ledger.figure.overdue", Value: crmui.Amount(cr.Overdue), Warn: cr.Overdue.Sign() > 0},
	}, nil
}

// nextIncoming returns the first receipt from today on.
func nextIncoming(a catalog.Availability, today string) *catalog.Incoming {
	for _, in := range a.Incoming {
		if in.Date >= today {
			return &in
		}
	}
	return nil
}

func short(a money.Quantity) bool { return a.Sign() > 0 }
