// Package web serves the lead screens, the public campaign forms and the
// lead REST operations. Handlers only translate between HTTP and the lead
// service.
package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

const pageSize = 25

// Handler serves the lead screens and operations.
type Handler struct {
	kit       *crmui.Kit
	svc       lead.Service
	customers customer.Service
	pipelines pipeline.Service // nil without the pipeline module
	limit     *limiter
}

// New returns the handler.
func New(kit *crmui.Kit, svc lead.Service, customers customer.Service, pipelines pipeline.Service) *Handler {
	return &Handler{kit: kit, svc: svc, customers: customers, pipelines: pipelines, limit: newLimiter(kit.Env.Now)}
}

// Wire registers the routes and operations.
func (h *Handler) Wire() {
	k := h.kit
	k.Handle("GET /crm/leads", lead.PermRead, h.list)
	k.Handle("GET /crm/leads/new", lead.PermWrite, h.newForm)
	k.Handle("GET /crm/leads/export", transfer.PermExport, h.export)
	k.Handle("POST /crm/leads", lead.PermWrite, h.create)
	k.Handle("GET /crm/leads/{id}", lead.PermRead, h.detail)
	k.Handle("GET /crm/leads/{id}/edit", lead.PermWrite, h.editForm)
	k.Handle("POST /crm/leads/{id}", lead.PermWrite, h.update)
	k.Handle("POST /crm/leads/{id}/status", lead.PermWrite, h.setStatus)
	k.Handle("POST /crm/leads/{id}/owner", lead.PermAssign, h.assign)
	k.Handle("GET /crm/leads/{id}/merge/{other}", lead.PermWrite, h.mergeForm)
	k.Handle("POST /crm/leads/{id}/merge/{other}", lead.PermWrite, h.merge)
	k.Handle("GET /crm/leads/{id}/convert", lead.PermWrite, h.convertForm)
	k.Handle("POST /crm/leads/{id}/convert", lead.PermWrite, h.convert)
	k.Handle("GET /crm/lead-rules", lead.PermManage, h.rules)
	k.Handle("POST /crm/lead-rules", lead.PermManage, h.saveRule)
	k.Handle("POST /crm/lead-rules/{id}/delete", lead.PermManage, h.deleteRule)
	k.Handle("GET /crm/campaigns", lead.PermRead, h.campaigns)
	k.Handle("GET /crm/campaigns/new", lead.PermManage, h.newCampaign)
	k.Handle("POST /crm/campaigns", lead.PermManage, h.saveCampaign)
	k.Handle("GET /crm/campaigns/{id}", lead.PermManage, h.editCampaign)
	k.Handle("POST /crm/campaigns/{id}", lead.PermManage, h.saveCampaign)
	k.Env.Router.HandleFunc("GET /f/{code}", authz.Public, h.publicForm)
	k.Env.Router.HandleFunc("POST /f/{code}", authz.Public, h.publicSubmit)
	h.operations()
}

func (h *Handler) users(ctx context.Context) []directory.User {
	us, err := h.kit.Dir.List(ctx, directory.Filter{})
	if err != nil {
		h.kit.Log.WarnContext(ctx, "crm: list users", "err", err)
	}
	return us
}

// ---- list ----

type listView struct {
	Filter    lead.Filter
	Page      lead.Page
	Paging    crmui.Paging
	Campaigns []lead.Campaign
	Owners    []directory.User
	ShowOwner bool
	CanWrite  bool
	CanManage bool
	Export    string
}

// leadFilter reads the lead list's filters from the address.
func leadFilter(r *http.Request) lead.Filter {
	q := r.URL.Query()
	f := lead.Filter{Query: q.Get("q"), Status: lead.Status(q.Get("status")), Source: q.Get("source"), CampaignID: q.Get("campaign"),
		Page: webui.PageParam(r), Limit: pageSize, Total: true}
	switch owner := q.Get("owner"); owner {
	case "none":
		f.Unassigned = true
	default:
		f.OwnerID = owner
	}
	if f.Status == "open" {
		f.Status, f.Open = "", true
	}
	return f
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	f := leadFilter(r)
	page, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if f.Open {
		f.Status = "open"
	}
	v := listView{Filter: f, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total},
		CanWrite: p.Can(lead.PermWrite), CanManage: p.Can(lead.PermManage),
		ShowOwner: access.Scope(p, lead.Kind) != authz.ScopeOwn || p.Can(lead.PermAssign)}
	if p.Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/leads/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "lead-results" {
		h.kit.Fragment(w, r, http.StatusOK, leadResults(v))
		return
	}
	if v.Campaigns, err = h.svc.Campaigns(r.Context()); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if v.ShowOwner {
		v.Owners = h.users(r.Context())
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.lead.title", Active: "crm.leads"}, leadsPage(v))
}

// ---- form ----

type leadForm struct {
	ID        string
	Number    string
	In        lead.Input
	Budget    string
	Errors    crmui.Errors
	General   string
	Campaigns []lead.Campaign
	Owners    []directory.User
	CanAssign bool
	Masked    bool
}

var leadFields = []string{"company", "contact_name", "title", "mobile", "phone", "email", "region", "industry", "source",
	"campaign_id", "product_interest", "budget", "currency", "notes", "owner_id"}

func readLead(r *http.Request) (lead.Input, string, error) {
	v := r.PostForm
	in := lead.Input{Company: v.Get("company"), ContactName: v.Get("contact_name"), Title: v.Get("title"), Mobile: v.Get("mobile"),
		Phone: v.Get("phone"), Email: v.Get("email"), Region: v.Get("region"), Industry: v.Get("industry"), Source: v.Get("source"),
		CampaignID: v.Get("campaign_id"), ProductInterest: v.Get("product_interest"), Currency: v.Get("currency"),
		Notes: v.Get("notes"), OwnerID: v.Get("owner_id")}
	in.Version, _ = strconv.Atoi(v.Get("version"))
	var p valid.Problems
	in.Budget = p.Amount("budget", v.Get("budget"), false)
	return in, v.Get("budget"), p.Err()
}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, status int, f leadForm) {
	ctx := r.Context()
	p := authz.FromContext(ctx)
	f.CanAssign = p.Can(lead.PermAssign)
	if f.CanAssign && f.ID == "" {
		f.Owners = h.users(ctx)
	}
	f.Campaigns, _ = h.svc.Campaigns(ctx)
	title := "crm.lead.new_title"
	if f.ID != "" {
		title = "crm.lead.edit_title"
	}
	h.kit.Show(w, r, status, webui.Page{Title: title, Active: "crm.leads"}, leadFormPage(f))
}

func (h *Handler) failed(w http.ResponseWriter, r *http.Request, f leadForm, err error) {
	fields, general, ok := crmui.FormErrors(r.Context(), err, leadFields...)
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	f.Errors, f.General = fields, general
	h.formPage(w, r, apperr.Status(err), f)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	h.formPage(w, r, http.StatusOK, leadForm{In: lead.Input{Source: "manual", Currency: "CNY", CampaignID: r.URL.Query().Get("campaign")}})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	in, budget, err := readLead(r)
	f := leadForm{In: in, Budget: budget}
	var l *lead.Lead
	if err == nil {
		l, err = h.svc.Create(r.Context(), in)
	}
	if err != nil {
		h.failed(w, r, f, err)
		return
	}
	crmui.Redirect(w, r, "/crm/leads/"+l.ID, "lead_created")
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	l, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := leadForm{ID: l.ID, Number: l.Number, Masked: l.Masked, Budget: budgetText(l.Budget.Units()), In: lead.Input{Company: l.Company,
		ContactName: l.ContactName, Title: l.Title, Mobile: l.Mobile, Phone: l.Phone, Email: l.Email, Region: l.Region,
		Industry: l.Industry, Source: l.Source, CampaignID: l.CampaignID, ProductInterest: l.ProductInterest, Budget: l.Budget,
		Currency: l.Currency, Notes: l.Notes, Version: l.Version}}
	h.formPage(w, r, http.StatusOK, f)
}

func budgetText(units int64) string {
	if units == 0 {
		return ""
	}
	s := strconv.FormatInt(units, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	return s[:len(s)-2] + "." + s[len(s)-2:]
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	in, budget, err := readLead(r)
	f := leadForm{ID: id, In: in, Budget: budget}
	if err == nil {
		_, err = h.svc.Update(r.Context(), id, in)
	}
	if err != nil {
		if cur, gerr := h.svc.Get(r.Context(), id); gerr == nil {
			f.Number, f.Masked = cur.Number, cur.Masked
			if cur.Masked {
				f.In.Mobile, f.In.Email = cur.Mobile, cur.Email
			}
		}
		h.failed(w, r, f, err)
		return
	}
	crmui.Redirect(w, r, "/crm/leads/"+id, "lead_saved")
}

// ---- the lead page ----

type detailView struct {
	Lead       *lead.Lead
	Duplicates []lead.Duplicate
	Owners     []directory.User
	CanWrite   bool
	CanAssign  bool
	StatusErr  string
}

func (h *Handler) detailView(r *http.Request, id string) (detailView, error) {
	ctx := r.Context()
	p := authz.FromContext(ctx)
	l, err := h.svc.Get(ctx, id)
	if err != nil {
		return detailView{}, err
	}
	v := detailView{Lead: l, CanWrite: p.Can(lead.PermWrite), CanAssign: p.Can(lead.PermAssign)}
	if l.Status.Open() {
		if v.Duplicates, err = h.svc.Duplicates(ctx, id); err != nil {
			return v, err
		}
		if v.CanAssign {
			v.Owners = h.users(ctx)
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
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: v.Lead.Number, Active: "crm.leads"}, leadPage(v))
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	_, err := h.svc.SetStatus(r.Context(), id, lead.Status(r.PostForm.Get("status")), r.PostForm.Get("reason"), version)
	if err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err)
		v, verr := h.detailView(r, id)
		if !ok || verr != nil {
			h.kit.Fail(w, r, err)
			return
		}
		v.StatusErr = crmui.T(r.Context(), general)
		for _, msg := range fields {
			v.StatusErr = msg
		}
		h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: v.Lead.Number, Active: "crm.leads"}, leadPage(v))
		return
	}
	crmui.Redirect(w, r, "/crm/leads/"+id, "lead_status")
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
	crmui.Redirect(w, r, "/crm/leads/"+id, "lead_assigned")
}

// ---- merge ----

type mergeView struct {
	Keep, Drop *lead.Lead
	Error      string
}

func (h *Handler) mergeForm(w http.ResponseWriter, r *http.Request) {
	keep, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err == nil {
		var drop *lead.Lead
		if drop, err = h.svc.Get(r.Context(), r.PathValue("other")); err == nil {
			h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.lead.merge_page.title", Active: "crm.leads"}, mergePage(mergeView{Keep: keep, Drop: drop}))
			return
		}
	}
	h.kit.Fail(w, r, err)
}

func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	keepID, dropID := r.PathValue("id"), r.PathValue("other")
	var fromDrop []string
	for _, f := range lead.MergeFields {
		if r.PostForm.Get(f) == "drop" {
			fromDrop = append(fromDrop, f)
		}
	}
	if _, err := h.svc.Merge(r.Context(), keepID, dropID, fromDrop); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/leads/"+keepID, "lead_merged")
}

// ---- convert ----

type convertView struct {
	Lead      *lead.Lead
	Accounts  []lead.Duplicate // existing customers that look like the lead
	Pipelines []pipeline.Pipeline
	In        lead.Conversion
	Amount    string
	Existing  bool
	Errors    crmui.Errors
	General   string
}

func (h *Handler) convertView(r *http.Request, id string) (convertView, error) {
	ctx := r.Context()
	l, err := h.svc.Get(ctx, id)
	if err != nil {
		return convertView{}, err
	}
	v := convertView{Lead: l, In: lead.Conversion{Opportunity: firstOf(l.ProductInterest, l.Company)}, Amount: budgetText(l.Budget.Units())}
	dups, err := h.svc.Duplicates(ctx, id)
	if err != nil {
		return v, err
	}
	for _, d := range dups {
		if (d.Kind == "account" || d.Kind == "contact") && d.Visible &&
			!slices.ContainsFunc(v.Accounts, func(x lead.Duplicate) bool { return x.ID == d.ID }) {
			v.Accounts = append(v.Accounts, d)
		}
	}
	if h.pipelines != nil {
		if v.Pipelines, err = h.pipelines.Pipelines(ctx); err != nil {
			return v, err
		}
	}
	return v, nil
}

func (h *Handler) convertForm(w http.ResponseWriter, r *http.Request) {
	v, err := h.convertView(r, r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if len(v.Accounts) > 0 {
		v.Existing, v.In.AccountID = true, v.Accounts[0].ID
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.lead.convert_page.title", Active: "crm.leads"}, convertPage(v))
}

func (h *Handler) convert(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	pf := r.PostForm
	c := lead.Conversion{Opportunity: pf.Get("opportunity"), CloseDate: pf.Get("close_date"), PipelineID: pf.Get("pipeline_id")}
	if pf.Get("account") == "existing" {
		c.AccountID = pf.Get("account_id")
	}
	c.Version, _ = strconv.Atoi(pf.Get("version"))
	var p valid.Problems
	c.Amount = p.Amount("amount", pf.Get("amount"), false)
	err := p.Err()
	var res *lead.Converted
	if err == nil {
		res, err = h.svc.Convert(r.Context(), id, c)
	}
	if err != nil {
		v, verr := h.convertView(r, id)
		fields, general, ok := crmui.FormErrors(r.Context(), err, "account_id", "opportunity", "amount", "close_date", "pipeline_id")
		if verr != nil || !ok {
			h.kit.Fail(w, r, err)
			return
		}
		v.In, v.Amount, v.Existing, v.Errors, v.General = c, pf.Get("amount"), pf.Get("account") == "existing", fields, general
		h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: "crm.lead.convert_page.title", Active: "crm.leads"}, convertPage(v))
		return
	}
	target := "/crm/accounts/" + res.AccountID
	if res.OpportunityID != "" {
		target = "/crm/opportunities/" + res.OpportunityID
	}
	crmui.Redirect(w, r, target, "lead_converted")
}

func firstOf(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
