package admin

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// maxFormBytes bounds the body of a form post.
const maxFormBytes = 64 << 10

// Query parameters that carry a flash message across a redirect: its name
// and up to two counts.
const (
	flashParam  = "done"
	countParam  = "n"
	failedParam = "failed"
)

// flashKinds lists the flash messages a redirect may ask for, with their
// kind. Only these are shown, so a crafted link cannot put other text on a
// page; each has the message admin.flash.<name>.
var flashKinds = map[string]string{
	"user_created":      "success",
	"roles_saved":       "success",
	"user_disabled":     "success",
	"user_enabled":      "success",
	"password_set":      "success",
	"permissions_saved": "success",
	"scopes_saved":      "success",
	"token_revoked":     "success",
	"password_changed":  "success",
	"replayed":          "success",
	"replayed_all":      "success",
	"replay_partial":    "warning",
	"replay_failed":     "error",
	"replay_gone":       "warning",
}

// redirect answers a successful form post: back to path (which may carry a
// query) with a flash message and its counts.
func redirect(w http.ResponseWriter, r *http.Request, path, flash string, counts ...int) {
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Set(flashParam, flash)
	for i, name := range []string{countParam, failedParam} {
		if i < len(counts) {
			q.Set(name, strconv.Itoa(counts[i]))
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// withFlash sets the flash message a redirect asked for on p.
func withFlash(r *http.Request, p webui.Page) webui.Page {
	q := r.URL.Query()
	name := q.Get(flashParam)
	kind, ok := flashKinds[name]
	if !ok || p.Flash != "" {
		return p
	}
	n, _ := strconv.Atoi(q.Get(countParam))
	failed, _ := strconv.Atoi(q.Get(failedParam))
	p.Flash = i18n.T(r.Context(), "admin.flash."+name, map[string]any{"Count": n, "Failed": failed})
	p.FlashKind = kind
	return p
}

// show renders body in the layout; errKey, if set, is shown as an error above it.
func (h *handler) show(w http.ResponseWriter, r *http.Request, status int, p webui.Page, errKey string, body templ.Component) {
	p = h.page(r, p)
	if errKey != "" {
		p.Flash, p.FlashKind = errKey, "error"
	}
	p = withFlash(r, p)
	webui.Render(w, r, status, webui.Layout(p, body))
}

// fail answers a request that failed with an error page: the user's own
// words for an error of theirs, a generic message (and a log line) for the rest.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	err = appError(err)
	status := apperr.Status(err)
	detail := ""
	if e, ok := apperr.As(err); ok && status < 500 {
		detail = i18n.T(r.Context(), e.Key, e.Params)
	} else {
		h.log.ErrorContext(r.Context(), "admin: request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", api.RequestID(r.Context()), "err", err)
	}
	p := h.page(r, webui.Page{})
	webui.Render(w, r, status, webui.Layout(p, webui.ErrorPage(status, "", detail)))
}

// parseForm reads a posted form, answering 400 itself when it cannot.
func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			err = apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err)
		} else {
			err = apperr.New(apperr.KindInvalid, "api.error.too_large", "The request body is too large").
				WithParams(map[string]any{"Limit": maxFormBytes})
		}
		h.fail(w, r, err)
		return false
	}
	return true
}

// listHref returns the address of the current list page with key set to
// value (or removed when value is empty), dropping any flash message.
func listHref(r *http.Request, key, value string) templ.SafeURL {
	q := r.URL.Query()
	for _, k := range []string{flashParam, countParam, failedParam} {
		q.Del(k)
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return templ.SafeURL(r.URL.Path)
	}
	return templ.SafeURL(r.URL.Path + "?" + q.Encode())
}

// clientIP is the remote address of the connection.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// t translates a message id into the language of ctx.
func t(ctx context.Context, key string, data ...map[string]any) string {
	return i18n.T(ctx, key, data...)
}

// when formats an instant for a list, in the server's time zone; zero is empty.
func when(ts time.Time) string {
	if ts.IsZero() {
		return ""
	}
	return ts.Local().Format("2006-01-02 15:04")
}

// whenSeconds formats an instant to the second, for the audit log.
func whenSeconds(ts time.Time) string {
	return ts.Local().Format("2006-01-02 15:04:05")
}

// isoTime is an instant for a <time datetime> attribute.
func isoTime(ts time.Time) string { return ts.UTC().Format(time.RFC3339) }

// unitLabel is a unit's name in the language of ctx, or the name itself.
func unitLabel(ctx context.Context, unit string) string {
	if i18n.Has("unit." + unit) {
		return t(ctx, "unit."+unit)
	}
	return unit
}
