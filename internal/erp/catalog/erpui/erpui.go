// Package erpui holds the pieces every screen of Loom's ERP supply modules
// (catalog, inventory, sales, partners, purchasing) shares: labelled form
// fields that show their errors, flash messages carried across a redirect,
// error pages, keyset pagers, scanner-friendly inputs and the formatting of
// quantities, prices and dates.
//
// Handlers stay thin with it: parse the form, call the service, and on an
// apperr.Invalid render the form again with FormErrors; on success Redirect
// with a flash message.
package erpui

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

//go:embed locales/*.toml
var locales embed.FS

func init() {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	i18n.Register(sub)
}

// MaxFormBytes bounds the body of an ordinary form post.
const MaxFormBytes = 256 << 10

// Query parameters that carry a flash message across a redirect: its id,
// and the number of the document it is about.
const (
	flashParam  = "done"
	numberParam = "n"
)

// docNumber is the form of a document number a flash message may show.
var docNumber = regexp.MustCompile(`^[A-Z]{1,6}-[0-9]{4}-[0-9]{6}$`)

// Pages renders the screens of one module inside Loom's layout.
type Pages struct {
	// Page fills what every screen shares (user, navigation, unread count).
	Page func(r *http.Request, p webui.Page) webui.Page
	// Log receives failures that users see only as a generic error.
	Log *slog.Logger
}

// Show renders body in the layout with the given status, showing the flash
// message a redirect asked for.
func (p Pages) Show(w http.ResponseWriter, r *http.Request, status int, page webui.Page, body templ.Component) {
	page = p.Page(r, page)
	if page.Flash == "" {
		q := r.URL.Query()
		if key := q.Get(flashParam); isFlashKey(key) {
			number := q.Get(numberParam)
			if !docNumber.MatchString(number) {
				number = ""
			}
			page.Flash, page.FlashKind = i18n.T(r.Context(), key, map[string]any{"Number": number}), "success"
		}
	}
	webui.Render(w, r, status, webui.Layout(page, body))
}

// ShowError renders body with an error message above it, for a form sent
// back to its user.
func (p Pages) ShowError(w http.ResponseWriter, r *http.Request, err error, page webui.Page, body templ.Component) {
	status := apperr.Status(err)
	if status >= 500 {
		p.Fail(w, r, err)
		return
	}
	page = p.Page(r, page)
	page.Flash, page.FlashKind = Message(r.Context(), err), "error"
	webui.Render(w, r, status, webui.Layout(page, body))
}

// Fail answers a request that failed with an error page: the user's own
// words for an error of theirs, a generic message (and a log line) for the rest.
func (p Pages) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.Status(err)
	detail := ""
	if e, ok := apperr.As(err); ok && status < 500 {
		detail = Message(r.Context(), e)
	} else {
		log := p.Log
		if log == nil {
			log = slog.Default()
		}
		log.ErrorContext(r.Context(), "erp: request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", api.RequestID(r.Context()), "err", err)
	}
	page := p.Page(r, webui.Page{})
	webui.Render(w, r, status, webui.Layout(page, webui.ErrorPage(status, "", detail)))
}

// Message is the text of an application error in the language of ctx: its
// first field's message when it names fields, else its own.
func Message(ctx context.Context, err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return i18n.T(ctx, apperr.KeyInternal)
	}
	if len(e.Fields) > 0 {
		f := e.Fields[0]
		return i18n.T(ctx, f.Key, f.Params)
	}
	return i18n.T(ctx, e.Key, e.Params)
}

// FormErrors returns the translated message of every field an Invalid error
// names, by field path; ok is false for any other error.
func FormErrors(ctx context.Context, err error) (map[string]string, bool) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) == 0 {
		return nil, false
	}
	out := make(map[string]string, len(e.Fields))
	for _, f := range e.Fields {
		if _, dup := out[f.Field]; !dup {
			out[f.Field] = i18n.T(ctx, f.Key, f.Params)
		}
	}
	return out, true
}

// ParseForm reads a posted form (url-encoded or multipart up to limit bytes;
// 0 means MaxFormBytes) and returns an apperr naming the problem.
func ParseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	if limit <= 0 {
		limit = MaxFormBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.New(apperr.KindInvalid, "api.error.too_large", "The request body is too large").
			WithParams(map[string]any{"Limit": limit})
	}
	return apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err)
}

// Redirect answers a successful form post: to path, showing the flash
// message flash (a message id starting with "erp.") on the page it lands on.
func Redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	RedirectDoc(w, r, path, flash, "")
}

// RedirectDoc is Redirect with a flash message about a document, whose
// number fills the message's {{.Number}}.
func RedirectDoc(w http.ResponseWriter, r *http.Request, path, flash, number string) {
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(u.Path, "/") || u.Host != "" {
		u = &url.URL{Path: "/"}
	}
	if flash != "" {
		q := u.Query()
		q.Set(flashParam, flash)
		if number != "" {
			q.Set(numberParam, number)
		}
		u.RawQuery = q.Encode()
	}
	if webui.IsHTMX(r) {
		w.Header().Set("HX-Redirect", u.String())
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// isFlashKey reports whether key may be shown as a flash message: only the
// ERP modules' own flash messages, so a crafted link cannot show other text.
func isFlashKey(key string) bool {
	return strings.HasPrefix(key, "erp.") && strings.Contains(key, ".flash.") && i18n.Has(key)
}

// T translates a message id into the language of ctx.
func T(ctx context.Context, key string, data ...map[string]any) string {
	return i18n.T(ctx, key, data...)
}

// Href returns path with the query parameters given in pairs (name, value);
// empty values are left out.
func Href(path string, pairs ...string) templ.SafeURL {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	if len(q) == 0 {
		return templ.SafeURL(path)
	}
	return templ.SafeURL(path + "?" + q.Encode())
}

// ListHref returns the address of the current list with key set to value
// (removed when empty), dropping the cursor and any flash message.
func ListHref(r *http.Request, key, value string) templ.SafeURL {
	q := r.URL.Query()
	q.Del(flashParam)
	q.Del(numberParam)
	q.Del("cursor")
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
