package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Limits of the public forms: at most formBurst submissions from one
// address per formWindow, counted by this process.
const (
	formBurst  = 5
	formWindow = 10 * time.Minute
	// honeypot is a field people never see or fill in; a bot that fills it
	// is thanked and nothing is written.
	honeypot = "website"
)

// limiter counts recent submissions per address.
type limiter struct {
	now func() time.Time

	mu    sync.Mutex
	hits  map[string][]time.Time
	swept time.Time
}

func newLimiter(now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{now: now, hits: map[string][]time.Time{}}
}

// allow records a submission from ip and reports whether it is within the limit.
func (l *limiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cut := now.Add(-formWindow)
	if now.Sub(l.swept) > formWindow {
		for k, ts := range l.hits {
			if len(ts) == 0 || ts[len(ts)-1].Before(cut) {
				delete(l.hits, k)
			}
		}
		l.swept = now
	}
	ts := l.hits[ip]
	for len(ts) > 0 && ts[0].Before(cut) {
		ts = ts[1:]
	}
	if len(ts) >= formBurst {
		l.hits[ip] = ts
		return false
	}
	l.hits[ip] = append(ts, now)
	return true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// embeddable lets a company's own web site show the form in a frame; every
// other page of Loom refuses to be framed.
func embeddable(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(identity.ContentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors *", 1))
	h.Del("X-Frame-Options")
}

type formView struct {
	Campaign *lead.Campaign
	In       lead.FormInput
	Errors   crmui.Errors
	General  string
	Done     bool
	Lang     string
}

func (h *Handler) publicForm(w http.ResponseWriter, r *http.Request) {
	embeddable(w)
	c, err := h.svc.CampaignByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		h.formGone(w, r, err)
		return
	}
	webui.Render(w, r, http.StatusOK, publicPage(formView{Campaign: c, Lang: i18n.Lang(r.Context())}))
}

func (h *Handler) formGone(w http.ResponseWriter, r *http.Request, err error) {
	if !apperr.IsKind(err, apperr.KindNotFound) {
		h.kit.Fail(w, r, err)
		return
	}
	webui.Render(w, r, http.StatusNotFound, publicPage(formView{General: "crm.form.not_found", Lang: i18n.Lang(r.Context())}))
}

func (h *Handler) publicSubmit(w http.ResponseWriter, r *http.Request) {
	embeddable(w)
	if !h.kit.ParseForm(w, r) {
		return
	}
	c, err := h.svc.CampaignByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		h.formGone(w, r, err)
		return
	}
	pf := r.PostForm
	v := formView{Campaign: c, Lang: i18n.Lang(r.Context()), In: lead.FormInput{Company: pf.Get("company"), ContactName: pf.Get("contact_name"),
		Mobile: pf.Get("mobile"), Email: pf.Get("email"), Region: pf.Get("region"), ProductInterest: pf.Get("product_interest"),
		Notes: pf.Get("notes")}}
	if pf.Get(honeypot) != "" {
		webui.Render(w, r, http.StatusOK, publicPage(formView{Campaign: c, Done: true, Lang: v.Lang}))
		return
	}
	if !h.limit.allow(clientIP(r)) {
		v.General = "crm.lead.error.rate_limited"
		w.Header().Set("Retry-After", "600")
		webui.Render(w, r, http.StatusTooManyRequests, publicPage(v))
		return
	}
	if _, err := h.svc.Submit(r.Context(), c.Code, v.In); err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err, "company", "contact_name", "mobile", "email", "region", "product_interest", "notes")
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		v.Errors, v.General = fields, general
		webui.Render(w, r, apperr.Status(err), publicPage(v))
		return
	}
	webui.Render(w, r, http.StatusOK, publicPage(formView{Campaign: c, Done: true, Lang: v.Lang}))
}
