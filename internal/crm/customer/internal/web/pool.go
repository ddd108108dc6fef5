package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

type poolView struct {
	Filter   customer.Filter
	Page     customer.Page
	Paging   crmui.Paging
	Owned    int64
	Max      int
	CanClaim bool
	CanRules bool
	Export   string
}

func (h *Handler) pool(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := authz.FromContext(ctx)
	f := customer.Filter{InPool: true, Query: q.Get("q"), Level: customer.Level(q.Get("level")), Industry: q.Get("industry"),
		Page: webui.PageParam(r), Limit: pageSize, Total: true}
	page, err := h.svc.List(ctx, f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := poolView{Filter: f, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total},
		CanClaim: p.Can(customer.PermWrite), CanRules: p.Can(customer.PermPool)}
	if p.Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/pool/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "pool-results" {
		h.kit.Fragment(w, r, http.StatusOK, poolResults(v))
		return
	}
	if v.CanClaim && p.UserID != "" {
		mine, err := h.svc.List(ctx, customer.Filter{OwnerID: p.UserID, Limit: 1, Total: true})
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		ps, err := h.svc.PoolSettings(ctx)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		v.Owned, v.Max = mine.Total, ps.MaxOwned
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.pool.title", Active: "crm.pool"}, poolPage(v))
}

func (h *Handler) claim(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := h.svc.Claim(r.Context(), id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+id, "account_claimed")
}

func (h *Handler) release(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := h.svc.Release(r.Context(), id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/pool", "account_released")
}

type poolForm struct {
	In      customer.PoolSettings
	Text    map[string]string // what was typed, by field
	Errors  crmui.Errors
	General string
}

// value is what a field shows: what was typed, or the saved number.
func (f poolForm) value(field string, n int) string {
	if s, ok := f.Text[field]; ok {
		return s
	}
	return strconv.Itoa(n)
}

func (h *Handler) poolRules(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.PoolSettings(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.pool.settings_title", Active: "crm.pool"}, poolRulesPage(poolForm{In: ps}))
}

func (h *Handler) savePoolRules(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	f := poolForm{Text: map[string]string{}, In: customer.PoolSettings{Rules: map[customer.Level]customer.PoolRule{},
		Enabled: r.PostForm.Get("enabled") != ""}}
	var bad []apperr.FieldError
	num := func(field string, key string) int {
		s := strings.TrimSpace(r.PostForm.Get(field))
		f.Text[field] = s
		n, err := strconv.Atoi(s)
		if err != nil {
			bad = append(bad, apperr.FieldError{Field: field, Key: key, Message: "Enter a whole number"})
			return 0
		}
		return n
	}
	for _, l := range customer.Levels {
		f.In.Rules[l] = customer.PoolRule{FollowUpDays: num(poolField(l, "follow_up_days"), "crm.pool.error.days"),
			DealDays: num(poolField(l, "deal_days"), "crm.pool.error.days")}
	}
	f.In.WarnDays = num("warn_days", "crm.pool.error.days")
	f.In.MaxOwned = num("max_owned", "crm.pool.error.setting")
	var err error
	if len(bad) > 0 {
		err = apperr.InvalidFields(bad...)
	} else {
		_, err = h.svc.SavePoolSettings(r.Context(), f.In)
	}
	if err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err, poolFields()...)
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		f.Errors, f.General = fields, general
		h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: "crm.pool.settings_title", Active: "crm.pool"}, poolRulesPage(f))
		return
	}
	crmui.Redirect(w, r, "/crm/pool/rules", "pool_saved")
}

func poolField(l customer.Level, name string) string { return "rules." + string(l) + "." + name }

func poolFields() []string {
	out := []string{"warn_days", "max_owned"}
	for _, l := range customer.Levels {
		out = append(out, poolField(l, "follow_up_days"), poolField(l, "deal_days"))
	}
	return out
}

func ownedText(ctx context.Context, v poolView) string {
	n := map[string]any{"Count": v.Owned, "Max": v.Max}
	if v.Max == 0 {
		return t(ctx, "crm.pool.owned_unlimited", n)
	}
	return t(ctx, "crm.pool.owned", n)
}
