// Package ui serves the finance module's screens: the books' settings, the
// chart of accounts, exchange rates, periods, posting rules and journal
// entries with their voucher print view.
//
// Handlers are thin: they read the form, call the ledger (which checks the
// caller's permissions again) and answer with the page, the form with its
// errors next to each field, or a redirect carrying a flash message.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Deps is what the screens need.
type Deps struct {
	Ledger      *ledger.Service
	Receivables *receivables.Service
	Reports     *reports.Service
	// Page fills what every screen shares (user, navigation, unread count).
	Page func(r *http.Request, p webui.Page) webui.Page
	Log  *slog.Logger
}

// handler serves the screens.
type handler struct {
	l    *ledger.Service
	ar   *receivables.Service
	rp   *reports.Service
	page func(r *http.Request, p webui.Page) webui.Page
	log  *slog.Logger
}

// Register adds the finance screens to the router.
func Register(rt *webui.Router, d Deps) {
	h := &handler{l: d.Ledger, ar: d.Receivables, rp: d.Reports, page: d.Page, log: d.Log}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.routes(rt)
}

// maxFormBytes bounds a posted form; an entry of 500 lines fits.
const maxFormBytes = 1 << 20

// flashParam carries a flash message across a redirect.
const flashParam = "done"

// flashes lists the flash messages a redirect may ask for, with their kind;
// each has the message fin.flash.<name>.
var flashes = map[string]string{
	"settings_saved": "success", "template_applied": "success", "journal_saved": "success",
	"account_saved": "success", "account_deleted": "success", "rate_saved": "success", "rate_deleted": "success",
	"period_closed": "success", "period_reopened": "success", "period_locked": "success",
	"rule_saved": "success", "rule_deleted": "success",
	"draft_saved": "success", "entry_posted": "success", "entry_reversed": "success", "draft_deleted": "success",
	"terms_saved": "success", "invoice_saved": "success", "invoice_posted": "success", "invoice_deleted": "success",
	"fapiao_recorded": "success", "fapiao_red": "success", "fapiao_imported": "success",
	"payment_recorded": "success", "payment_allocated": "success",
}

// redirect answers a successful form post with a flash message.
func redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Set(flashParam, flash)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// show renders body in the layout; problem, if set, is shown above it as an error.
func (h *handler) show(w http.ResponseWriter, r *http.Request, status int, p webui.Page, problem string, body templ.Component) {
	p = h.page(r, p)
	switch {
	case problem != "":
		p.Flash, p.FlashKind = problem, "error"
	default:
		if name := r.URL.Query().Get(flashParam); flashes[name] != "" {
			p.Flash, p.FlashKind = i18n.T(r.Context(), "fin.flash."+name), flashes[name]
		}
	}
	webui.Render(w, r, status, webui.Layout(p, body))
}

// fail answers with an error page: the user's own words for a mistake of
// theirs, a generic message and a log line for the rest.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.Status(err)
	detail := ""
	if e, ok := apperr.As(err); ok && status < 500 {
		detail = message(r.Context(), e)
	} else {
		h.log.ErrorContext(r.Context(), "finance: request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", api.RequestID(r.Context()), "err", err)
	}
	p := h.page(r, webui.Page{})
	webui.Render(w, r, status, webui.Layout(p, webui.ErrorPage(status, "", detail)))
}

// message is an apperr's text in the request's language; an invalid-input
// error shows its first field's message.
func message(ctx context.Context, e *apperr.Error) string {
	if e.Kind == apperr.KindInvalid && len(e.Fields) > 0 {
		f := e.Fields[0]
		return i18n.T(ctx, f.Key, f.Params)
	}
	return i18n.T(ctx, e.Key, e.Params)
}

// formErrors returns the message of each bad field of an invalid-input or
// conflict error, by field ("" for the form as a whole); ok is false for any
// other error, which gets an error page.
func formErrors(ctx context.Context, err error) (map[string]string, int, bool) {
	e, ok := apperr.As(err)
	if !ok {
		return nil, 0, false
	}
	switch e.Kind {
	case apperr.KindInvalid:
		out := map[string]string{}
		for _, f := range e.Fields {
			if _, dup := out[f.Field]; !dup {
				out[f.Field] = i18n.T(ctx, f.Key, f.Params)
			}
		}
		if len(out) == 0 {
			out[""] = i18n.T(ctx, e.Key, e.Params)
		}
		return out, e.Status(), true
	case apperr.KindConflict, apperr.KindPrecondition:
		return map[string]string{"": i18n.T(ctx, e.Key, e.Params)}, e.Status(), true
	}
	return nil, 0, false
}

// errs holds a form's field errors.
type errs map[string]string

// only moves errors of fields the form does not show to "", the message
// above the form.
func (e errs) only(fields ...string) errs {
	for f, msg := range e {
		if f == "" {
			continue
		}
		shown := false
		for _, s := range fields {
			if f == s || strings.HasPrefix(f, s+"[") || strings.HasPrefix(f, s+".") {
				shown = true
			}
		}
		if !shown {
			delete(e, f)
			if e[""] == "" {
				e[""] = msg
			}
		}
	}
	return e
}

// parseForm reads a posted form, answering 400 itself when it cannot.
func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		key := "api.error.bad_request"
		if errors.As(err, &tooBig) {
			key = "api.error.too_large"
		}
		h.fail(w, r, apperr.New(apperr.KindInvalid, key, "The request is not valid").
			WithParams(map[string]any{"Limit": maxFormBytes}).WithCause(err))
		return false
	}
	return true
}

// tr translates a message id in the request's language.
func tr(ctx context.Context, id string, data ...map[string]any) string {
	return i18n.T(ctx, id, data...)
}

// lang is the request's language.
func lang(ctx context.Context) string { return i18n.Lang(ctx) }

// systemCtx acts as Loom itself for reads any finance screen may make,
// such as the company's base currency.
func systemCtx(ctx context.Context) context.Context { return authz.WithPrincipal(ctx, authz.System()) }

// reportHelp is the message that describes a report on the reports page.
func reportHelp(label string) string {
	if label == "ledger" {
		return "fin.reports.ledger_card_help"
	}
	return "fin.reports." + label + "_help"
}
