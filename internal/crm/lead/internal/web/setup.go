package web

import (
	"net/http"
	"strconv"

	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// ---- assignment rules ----

type rulesView struct {
	Rules   []lead.Rule
	Users   []directory.User
	New     lead.Rule
	EditID  string // the rule whose form failed
	Errors  crmui.Errors
	General string
}

func (h *Handler) rulesPage(w http.ResponseWriter, r *http.Request, status int, v rulesView) {
	var err error
	if v.Rules, err = h.svc.Rules(r.Context()); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v.Users = h.users(r.Context())
	h.kit.Show(w, r, status, webui.Page{Title: "crm.lead_rule.title", Active: "crm.leads"}, rulesPage(v))
}

func (h *Handler) rules(w http.ResponseWriter, r *http.Request) {
	h.rulesPage(w, r, http.StatusOK, rulesView{New: lead.Rule{Kind: lead.RuleAny, Active: true}})
}

func (h *Handler) saveRule(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	pf := r.PostForm
	rule := lead.Rule{ID: pf.Get("id"), Name: pf.Get("name"), Kind: lead.RuleKind(pf.Get("kind")), Match: pf.Get("match"),
		Members: pf["members"], Active: pf.Get("active") != ""}
	rule.Seq, _ = strconv.Atoi(pf.Get("seq"))
	if _, err := h.svc.SaveRule(r.Context(), rule); err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err, "name", "kind", "match", "members", "seq")
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		v := rulesView{New: lead.Rule{Kind: lead.RuleAny, Active: true}, EditID: rule.ID, Errors: fields, General: general}
		if rule.ID == "" {
			v.New = rule
		}
		h.rulesPage(w, r, apperr.Status(err), v)
		return
	}
	crmui.Redirect(w, r, "/crm/lead-rules", "rule_saved")
}

func (h *Handler) deleteRule(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteRule(r.Context(), r.PathValue("id")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/lead-rules", "rule_deleted")
}

// ---- campaigns ----

type campaignsView struct {
	Campaigns []lead.Campaign
	CanManage bool
	Base      string // the site's address, for form links
}

func siteBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := h.svc.Campaigns(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := campaignsView{Campaigns: cs, CanManage: authz.FromContext(r.Context()).Can(lead.PermManage), Base: siteBase(r)}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.campaign.title", Active: "crm.campaigns"}, campaignsPage(v))
}

type campaignForm struct {
	C       lead.Campaign
	Base    string
	Errors  crmui.Errors
	General string
}

func (h *Handler) newCampaign(w http.ResponseWriter, r *http.Request) {
	f := campaignForm{C: lead.Campaign{Active: true, Source: "web_form"}, Base: siteBase(r)}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.campaign.new_title", Active: "crm.campaigns"}, campaignFormPage(f))
}

func (h *Handler) editCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.campaign.edit_title", Active: "crm.campaigns"}, campaignFormPage(campaignForm{C: *c, Base: siteBase(r)}))
}

func (h *Handler) saveCampaign(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	pf := r.PostForm
	c := lead.Campaign{ID: r.PathValue("id"), Code: pf.Get("code"), Name: pf.Get("name"), Source: pf.Get("source"),
		Active: pf.Get("active") != "", Title: pf.Get("title"), Intro: pf.Get("intro"), ThankYou: pf.Get("thank_you")}
	c.Version, _ = strconv.Atoi(pf.Get("version"))
	saved, err := h.svc.SaveCampaign(r.Context(), c)
	if err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err, "code", "name", "source", "title", "intro", "thank_you")
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		title := "crm.campaign.new_title"
		if c.ID != "" {
			title = "crm.campaign.edit_title"
		}
		h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: title, Active: "crm.campaigns"},
			campaignFormPage(campaignForm{C: c, Base: siteBase(r), Errors: fields, General: general}))
		return
	}
	crmui.Redirect(w, r, "/crm/campaigns/"+saved.ID, "campaign_saved")
}
