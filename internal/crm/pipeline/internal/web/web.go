// Package web serves the pipeline board, the opportunity screens, the
// pipeline settings and their REST operations.
package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

const (
	pageSize  = 25
	formLines = 6 // product rows a form offers
)

// Handler serves the screens and operations.
type Handler struct {
	kit       *crmui.Kit
	svc       pipeline.Service
	customers customer.Service
	items     catalog.Service // nil without the catalog module

	mu     sync.Mutex
	panels []panel
}

type panel struct {
	order int
	f     pipeline.Panel
}

// Add registers a section of the opportunity page (pipeline.Panels).
func (h *Handler) Add(order int, p pipeline.Panel) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.panels = append(h.panels, panel{order, p})
	slices.SortStableFunc(h.panels, func(a, b panel) int { return a.order - b.order })
}

// New returns the handler.
func New(kit *crmui.Kit, svc pipeline.Service, customers customer.Service, items catalog.Service) *Handler {
	return &Handler{kit: kit, svc: svc, customers: customers, items: items}
}

// Wire registers the routes, the operations and the account page's panel.
func (h *Handler) Wire(panels customer.Panels) {
	k := h.kit
	k.Handle("GET /crm/pipeline", pipeline.PermRead, h.board)
	k.Handle("GET /crm/opportunities", pipeline.PermRead, h.list)
	k.Handle("GET /crm/opportunities/export", transfer.PermExport, h.export)
	k.Handle("GET /crm/opportunities/new", pipeline.PermWrite, h.newForm)
	k.Handle("POST /crm/opportunities", pipeline.PermWrite, h.create)
	k.Handle("GET /crm/opportunities/{id}", pipeline.PermRead, h.detail)
	k.Handle("GET /crm/opportunities/{id}/edit", pipeline.PermWrite, h.editForm)
	k.Handle("POST /crm/opportunities/{id}", pipeline.PermWrite, h.update)
	k.Handle("POST /crm/opportunities/{id}/move", pipeline.PermWrite, h.move)
	k.Handle("POST /crm/opportunities/{id}/win", pipeline.PermWrite, h.closeDeal(pipeline.StatusWon))
	k.Handle("POST /crm/opportunities/{id}/lose", pipeline.PermWrite, h.closeDeal(pipeline.StatusLost))
	k.Handle("POST /crm/opportunities/{id}/reopen", pipeline.PermWrite, h.reopen)
	k.Handle("POST /crm/opportunities/{id}/owner", pipeline.PermAssign, h.assign)
	k.Handle("GET /crm/pipelines", pipeline.PermManage, h.pipelines)
	k.Handle("GET /crm/pipelines/new", pipeline.PermManage, h.newPipeline)
	k.Handle("POST /crm/pipelines", pipeline.PermManage, h.savePipeline)
	k.Handle("GET /crm/pipelines/{id}", pipeline.PermManage, h.editPipeline)
	k.Handle("POST /crm/pipelines/{id}", pipeline.PermManage, h.savePipeline)
	if panels != nil {
		panels.Add(20, h.accountPanel)
		panels.AddFigures(20, h.accountFigures)
	}
	h.operations()
}

func (h *Handler) users(ctx context.Context) []directory.User {
	us, err := h.kit.Dir.List(ctx, directory.Filter{})
	if err != nil {
		h.kit.Log.WarnContext(ctx, "crm: list users", "err", err)
	}
	return us
}

// ---- board ----

type boardView struct {
	Board     *pipeline.Board
	Pipelines []pipeline.Pipeline
	Filter    pipeline.Filter
	Owners    []directory.User
	ShowOwner bool
	CanWrite  bool
	CanManage bool
	Error     string // why the last move was refused
}

func (h *Handler) boardView(r *http.Request, pipelineID string) (boardView, error) {
	ctx := r.Context()
	p := authz.FromContext(ctx)
	q := r.URL.Query()
	f := pipeline.Filter{Query: q.Get("q"), OwnerID: q.Get("owner")}
	b, err := h.svc.Board(ctx, pipelineID, f)
	if err != nil {
		return boardView{}, err
	}
	v := boardView{Board: b, Filter: f, CanWrite: p.Can(pipeline.PermWrite), CanManage: p.Can(pipeline.PermManage),
		ShowOwner: access.Scope(p, pipeline.Kind) != authz.ScopeOwn}
	return v, nil
}

func (h *Handler) board(w http.ResponseWriter, r *http.Request) {
	v, err := h.boardView(r, r.URL.Query().Get("pipeline"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "board" {
		h.kit.Fragment(w, r, http.StatusOK, boardFragment(v))
		return
	}
	if v.Pipelines, err = h.svc.Pipelines(r.Context()); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if v.ShowOwner {
		v.Owners = h.users(r.Context())
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.nav.board", Active: "crm.board"}, boardPage(v))
}

// move puts a deal into another stage: from the board (htmx, answered with
// the board) or from a card's menu or the deal's page (a redirect back).
func (h *Handler) move(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	o, err := h.svc.Move(r.Context(), id, r.PostForm.Get("stage_id"), version)
	if webui.IsHTMX(r) {
		// The board is drawn again either way, so a refused move snaps back.
		pid := ""
		if o != nil {
			pid = o.PipelineID
		} else if cur, gerr := h.svc.Get(r.Context(), id); gerr == nil {
			pid = cur.PipelineID
		}
		v, berr := h.boardView(r, pid)
		if berr != nil {
			h.kit.Fail(w, r, berr)
			return
		}
		if err != nil {
			fields, general, ok := crmui.FormErrors(r.Context(), err)
			if !ok {
				h.kit.Fail(w, r, err)
				return
			}
			for _, msg := range fields {
				general = msg
			}
			v.Error = general
		}
		h.kit.Fragment(w, r, http.StatusOK, boardFragment(v))
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	back := r.PostForm.Get("back")
	if back != "board" {
		crmui.Redirect(w, r, "/crm/opportunities/"+id, "opportunity_moved")
		return
	}
	crmui.Redirect(w, r, "/crm/pipeline?pipeline="+o.PipelineID, "opportunity_moved")
}

// ---- list ----

type listView struct {
	Filter    pipeline.Filter
	Page      pipeline.Page
	Paging    crmui.Paging
	Stages    []pipeline.Stage
	Owners    []directory.User
	ShowOwner bool
	CanWrite  bool
	Export    string
}

// oppFilter reads the opportunity list's filters from the address.
func oppFilter(r *http.Request) pipeline.Filter {
	q := r.URL.Query()
	f := pipeline.Filter{Query: q.Get("q"), Status: pipeline.Status(q.Get("status")), StageID: q.Get("stage"), OwnerID: q.Get("owner"),
		AccountID: q.Get("account"), Sort: q.Get("sort"), Page: webui.PageParam(r), Limit: pageSize, Total: true}
	if !slices.Contains([]string{"", "close_date", "-amount"}, f.Sort) {
		f.Sort = ""
	}
	return f
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	f := oppFilter(r)
	page, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := listView{Filter: f, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total},
		CanWrite: p.Can(pipeline.PermWrite), ShowOwner: access.Scope(p, pipeline.Kind) != authz.ScopeOwn}
	if p.Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/opportunities/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "opportunity-results" {
		h.kit.Fragment(w, r, http.StatusOK, opportunityResults(v))
		return
	}
	if pipes, err := h.svc.Pipelines(r.Context()); err == nil {
		for _, pp := range pipes {
			v.Stages = append(v.Stages, pp.Stages...)
		}
	}
	if v.ShowOwner {
		v.Owners = h.users(r.Context())
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.opportunity.title", Active: "crm.opportunities"}, opportunitiesPage(v))
}

// ---- form ----

type lineRow struct {
	Code, Quantity, Price string
}

type oppForm struct {
	ID        string
	Number    string
	In        pipeline.OpportunityInput
	Account   string // as typed: code or name
	Amount    string
	Lines     []lineRow
	Contacts  []customer.Contact
	Pipelines []pipeline.Pipeline
	Owners    []directory.User
	CanAssign bool
	Errors    crmui.Errors
	General   string
}

var oppFields = []string{"name", "account_id", "contact_id", "pipeline_id", "stage_id", "amount", "currency", "close_date", "owner_id",
	"source", "notes", "lines*"}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, status int, f oppForm) {
	ctx := r.Context()
	p := authz.FromContext(ctx)
	f.CanAssign = p.Can(pipeline.PermAssign)
	if f.CanAssign && f.ID == "" {
		f.Owners = h.users(ctx)
	}
	if f.ID == "" {
		f.Pipelines, _ = h.svc.Pipelines(ctx)
	}
	if f.In.AccountID != "" {
		if cs, err := h.customers.ListContacts(ctx, customer.ContactFilter{AccountID: f.In.AccountID, Limit: 200}); err == nil {
			f.Contacts = cs.Items
		}
	}
	for len(f.Lines) < formLines {
		f.Lines = append(f.Lines, lineRow{})
	}
	title := "crm.opportunity.new_title"
	if f.ID != "" {
		title = "crm.opportunity.edit_title"
	}
	h.kit.Show(w, r, status, webui.Page{Title: title, Active: "crm.opportunities"}, opportunityFormPage(f))
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	f := oppForm{In: pipeline.OpportunityInput{CloseDate: time.Now().AddDate(0, 1, 0).Format("2006-01-02")}}
	if id := r.URL.Query().Get("account"); id != "" {
		if acc, err := h.customers.Get(r.Context(), id); err == nil {
			f.In.AccountID, f.Account, f.In.Currency = acc.ID, acc.Name, acc.Currency
		}
	}
	h.formPage(w, r, http.StatusOK, f)
}

// readForm reads the opportunity form, resolving the typed customer and
// product codes; the problems it finds come back with the service's.
func (h *Handler) readForm(r *http.Request) (oppForm, valid.Problems) {
	ctx := r.Context()
	pf := r.PostForm
	f := oppForm{Account: strings.TrimSpace(pf.Get("account")), Amount: pf.Get("amount")}
	f.In = pipeline.OpportunityInput{Name: pf.Get("name"), ContactID: pf.Get("contact_id"), PipelineID: pf.Get("pipeline_id"),
		StageID: pf.Get("stage_id"), Currency: pf.Get("currency"), CloseDate: pf.Get("close_date"), OwnerID: pf.Get("owner_id"),
		Source: pf.Get("source"), Notes: pf.Get("notes")}
	f.In.Version, _ = strconv.Atoi(pf.Get("version"))
	var p valid.Problems
	f.In.Amount = p.Amount("amount", f.Amount, false)
	if f.Account != "" {
		if acc, err := h.customers.Lookup(ctx, f.Account); err == nil {
			f.In.AccountID = acc.ID
		} else {
			f.In.AccountID = pf.Get("account_id")
			if f.In.AccountID == "" {
				p.Add("account_id", "crm.opportunity.error.account_unknown", "No customer you can see has this code, name or id")
			}
		}
	}
	for i := range pf["line_code"] {
		row := lineRow{Code: strings.TrimSpace(pf["line_code"][i]), Quantity: at(pf["line_qty"], i), Price: at(pf["line_price"], i)}
		f.Lines = append(f.Lines, row)
		if row.Code == "" {
			continue
		}
		n := len(f.In.Lines)
		field := "lines[" + strconv.Itoa(n) + "]."
		li := pipeline.LineInput{Quantity: p.Quantity(field+"quantity", row.Quantity, true)}
		if row.Price != "" {
			pr, err := money.ParseUnitPrice(strings.ReplaceAll(row.Price, ",", ""))
			if err != nil {
				p.Add(field+"unit_price", valid.KeyAmount, "Enter an amount such as 1234.50")
			}
			li.UnitPrice = &pr
		}
		if h.items != nil {
			if it, err := h.items.ItemByCode(ctx, row.Code); err == nil {
				li.ItemID = it.ID
			} else if apperr.IsKind(err, apperr.KindNotFound) {
				p.Add(field+"item_id", "crm.opportunity.error.item_unknown", "There is no such product")
			}
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

func (h *Handler) failed(w http.ResponseWriter, r *http.Request, f oppForm, err error) {
	fields, general, ok := crmui.FormErrors(r.Context(), err, oppFields...)
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	f.Errors, f.General = lineErrors(fields, f.Lines), general
	h.formPage(w, r, apperr.Status(err), f)
}

// lineErrors names the errors of product lines by the form's row, since
// empty rows are skipped: "lines[1].quantity" becomes "line_qty_3".
func lineErrors(fields crmui.Errors, rows []lineRow) crmui.Errors {
	var filled []int
	for i, r := range rows {
		if r.Code != "" {
			filled = append(filled, i)
		}
	}
	out := crmui.Errors{}
	for k, v := range fields {
		if !strings.HasPrefix(k, "lines[") {
			out[k] = v
			continue
		}
		n, rest, _ := strings.Cut(strings.TrimPrefix(k, "lines["), "].")
		i, err := strconv.Atoi(n)
		if err != nil || i >= len(filled) {
			out["lines"] = v
			continue
		}
		col := map[string]string{"item_id": "line_code_", "quantity": "line_qty_", "unit_price": "line_price_"}[rest]
		if col == "" {
			col = "line_code_"
		}
		out[col+strconv.Itoa(filled[i])] = v
	}
	return out
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	f, probs := h.readForm(r)
	err := probs.Err()
	var o *pipeline.Opportunity
	if err == nil {
		o, err = h.svc.Create(r.Context(), f.In)
	}
	if err != nil {
		h.failed(w, r, f, err)
		return
	}
	crmui.Redirect(w, r, "/crm/opportunities/"+o.ID, "opportunity_created")
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	o, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := oppForm{ID: o.ID, Number: o.Number, Account: o.AccountName, Amount: crmui.Amount(o.Amount),
		In: pipeline.OpportunityInput{Name: o.Name, AccountID: o.AccountID, ContactID: o.ContactID, Amount: o.Amount, Currency: o.Currency,
			CloseDate: o.CloseDate, Source: o.Source, Notes: o.Notes, Version: o.Version}}
	for _, l := range o.Lines {
		f.Lines = append(f.Lines, lineRow{Code: l.Code, Quantity: l.Quantity.String(), Price: l.UnitPrice.String()})
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
	err := probs.Err()
	if err == nil {
		_, err = h.svc.Update(r.Context(), id, f.In)
	}
	if err != nil {
		h.failed(w, r, f, err)
		return
	}
	crmui.Redirect(w, r, "/crm/opportunities/"+id, "opportunity_saved")
}

// ---- the opportunity page ----

type detailView struct {
	Opp       *pipeline.Opportunity
	Pipeline  *pipeline.Pipeline
	History   []pipeline.Change
	Owners    []directory.User
	Panels    []templ.Component
	CanWrite  bool
	CanAssign bool
	Error     string
}

func (h *Handler) detailView(r *http.Request, id string) (detailView, error) {
	ctx := r.Context()
	p := authz.FromContext(ctx)
	o, err := h.svc.Get(ctx, id)
	if err != nil {
		return detailView{}, err
	}
	v := detailView{Opp: o, CanWrite: p.Can(pipeline.PermWrite), CanAssign: p.Can(pipeline.PermAssign)}
	if v.Pipeline, err = h.svc.Pipeline(ctx, o.PipelineID); err != nil {
		return v, err
	}
	if v.History, err = h.svc.History(ctx, id); err != nil {
		return v, err
	}
	if v.CanAssign {
		v.Owners = h.users(ctx)
	}
	h.mu.Lock()
	panels := slices.Clone(h.panels)
	h.mu.Unlock()
	for _, pn := range panels {
		c, err := pn.f(ctx, o)
		if err != nil {
			return v, err
		}
		if c != nil {
			v.Panels = append(v.Panels, c)
		}
	}
	return v, nil
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	v, err := h.detailView(r, r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: v.Opp.Name, Active: "crm.opportunities"}, opportunityPage(v))
}

func (h *Handler) closeDeal(status pipeline.Status) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.kit.ParseForm(w, r) {
			return
		}
		id := r.PathValue("id")
		var err error
		flash := "opportunity_won"
		if status == pipeline.StatusWon {
			_, err = h.svc.Win(r.Context(), id, r.PostForm.Get("reason"))
		} else {
			flash = "opportunity_lost"
			_, err = h.svc.Lose(r.Context(), id, r.PostForm.Get("reason"))
		}
		if err != nil {
			fields, general, ok := crmui.FormErrors(r.Context(), err)
			v, verr := h.detailView(r, id)
			if !ok || verr != nil {
				h.kit.Fail(w, r, err)
				return
			}
			v.Error = general
			for _, msg := range fields {
				v.Error = msg
			}
			h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: v.Opp.Name, Active: "crm.opportunities"}, opportunityPage(v))
			return
		}
		crmui.Redirect(w, r, "/crm/opportunities/"+id, flash)
	}
}

func (h *Handler) reopen(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := h.svc.Reopen(r.Context(), id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/opportunities/"+id, "opportunity_reopened")
}

func (h *Handler) assign(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.svc.Assign(r.Context(), id, r.PostForm.Get("owner_id")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/opportunities/"+id, "opportunity_assigned")
}

// accountPanel lists an account's opportunities on its page.
// accountFigures is the account's open pipeline: the amounts of its open
// deals the user sees, per currency.
func (h *Handler) accountFigures(ctx context.Context, acc *customer.Account) ([]customer.Figure, error) {
	if !authz.FromContext(ctx).Can(pipeline.PermRead) {
		return nil, nil
	}
	sums := map[string]money.Amount{}
	var currencies []string
	err := crmui.EachPage(func(cursor string) ([]pipeline.Opportunity, string, error) {
		page, err := h.svc.List(ctx, pipeline.Filter{AccountID: acc.ID, Status: pipeline.StatusOpen, Limit: 200, Cursor: cursor})
		return page.Items, page.Next, err
	}, func(o *pipeline.Opportunity) bool {
		if _, ok := sums[o.Currency]; !ok {
			currencies = append(currencies, o.Currency)
		}
		sums[o.Currency], _ = sums[o.Currency].Add(o.Amount)
		return true
	})
	if err != nil {
		return nil, err
	}
	value := crmui.Amount(money.Amount{})
	if len(currencies) > 0 {
		parts := make([]string, len(currencies))
		for i, c := range currencies {
			parts[i] = crmui.Amount(sums[c]) + " " + c
		}
		value = strings.Join(parts, " + ")
	}
	return []customer.Figure{{Label: "crm.opportunity.figure.open", Value: value}}, nil
}

func (h *Handler) accountPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(pipeline.PermRead) {
		return nil, nil
	}
	page, err := h.svc.List(ctx, pipeline.Filter{AccountID: acc.ID, Limit: 50, Sort: "-created_at"})
	if err != nil {
		return nil, err
	}
	return accountPanel(acc, page.Items, p.Can(pipeline.PermWrite)), nil
}
