// Package crmui holds what the CRM's screens and REST operations share: the
// page frame with the CRM's own stylesheet and script, form fields with their
// errors, flash messages across redirects, error pages, number and date
// formatting, and registration helpers that record the caller in the CRM
// directory before a handler runs.
package crmui

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
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

// MaxFormBytes bounds the body of a form post.
const MaxFormBytes = 256 << 10

// FlashParam carries the name of a flash message across a redirect; only
// messages named crm.flash.<name> are shown, so a link cannot put other text
// on a page.
const FlashParam = "done"

// Kit is what a CRM module's handlers share.
type Kit struct {
	Env *module.Env
	Dir directory.Service
	Log *slog.Logger
}

// NewKit returns the kit of a module wired with env, looking up the directory.
func NewKit(env *module.Env) (*Kit, error) {
	dir, ok := env.Services.Lookup(directory.ServiceName).(directory.Service)
	if !ok {
		return nil, errors.New("crm: the directory module must be wired before the other CRM modules")
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	return &Kit{Env: env, Dir: dir, Log: log}, nil
}

// observe records the caller in the directory; a failure is logged, never
// shown, since the request itself does not depend on it.
func (k *Kit) observe(ctx context.Context) {
	if err := k.Dir.Observe(ctx, authz.FromContext(ctx)); err != nil {
		k.Log.WarnContext(ctx, "crm: record user in directory", "err", err)
	}
}

// Handle registers a web route behind perm that records the caller first.
func (k *Kit) Handle(pattern string, perm authz.Permission, h http.HandlerFunc) {
	k.Env.Router.HandleFunc(pattern, perm, func(w http.ResponseWriter, r *http.Request) {
		k.observe(r.Context())
		h(w, r)
	})
}

// Register adds a REST operation behind perm that records the caller first.
func Register[I, O any](k *Kit, op huma.Operation, perm authz.Permission, h func(context.Context, *I) (*O, error)) {
	if len(op.Tags) == 0 {
		op.Tags = []string{"crm"}
	}
	api.Register(k.Env.API, op, perm, func(ctx context.Context, in *I) (*O, error) {
		k.observe(ctx)
		return h(ctx, in)
	})
}

// Show renders body in the layout with the CRM's assets; a flash message
// asked for by a redirect is shown above it.
func (k *Kit) Show(w http.ResponseWriter, r *http.Request, status int, p webui.Page, body templ.Component) {
	p = k.Env.Page(r, p)
	if p.Flash == "" {
		if name := r.URL.Query().Get(FlashParam); name != "" && i18n.Has("crm.flash."+name) {
			p.Flash, p.FlashKind = "crm.flash."+name, "success"
		}
	}
	webui.Render(w, r, status, webui.Layout(p, withAssets(body)))
}

// Fragment answers an htmx request with a piece of a page.
func (k *Kit) Fragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	webui.Render(w, r, status, c)
}

// Fail answers a request that failed: the user's own words for an error of
// theirs, a generic message (and a log line) for the rest.
func (k *Kit) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.Status(err)
	detail := ""
	if e, ok := apperr.As(err); ok && status < 500 {
		detail = Message(r.Context(), e)
	} else {
		k.Log.ErrorContext(r.Context(), "crm: request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", api.RequestID(r.Context()), "err", err)
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, status, webui.Flash("error", firstNonEmpty(detail, "error.internal")))
		return
	}
	p := k.Env.Page(r, webui.Page{})
	webui.Render(w, r, status, webui.Layout(p, webui.ErrorPage(status, "", detail)))
}

// ParseForm reads a posted form, answering the request itself when it cannot.
func (k *Kit) ParseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			k.Fail(w, r, apperr.New(apperr.KindInvalid, "api.error.too_large", "The request body is too large").
				WithParams(map[string]any{"Limit": MaxFormBytes}))
		} else {
			k.Fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		}
		return false
	}
	return true
}

// Redirect answers a successful form post with a redirect to path showing
// the flash message crm.flash.<flash>. An htmx request is told to go there
// with HX-Location instead, so the whole page changes.
func Redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(path, "/") {
		u = &url.URL{Path: "/"}
	}
	if flash != "" {
		q := u.Query()
		q.Set(FlashParam, flash)
		u.RawQuery = q.Encode()
	}
	if webui.IsHTMX(r) {
		w.Header().Set("HX-Location", u.String())
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// Message is an application error's text in the language of ctx.
func Message(ctx context.Context, e *apperr.Error) string {
	if e.Key != "" && i18n.Has(e.Key) {
		return i18n.T(ctx, e.Key, e.Params)
	}
	return e.Message
}

// Errors maps form fields to what is wrong with them, already translated.
type Errors map[string]string

// FormErrors splits err into field errors, for a form to show next to its
// fields, and a message for the form as a whole (a field the form does not
// show, or an error that names no field). ok is false for errors that are
// not the user's (internal ones), which the caller passes to Fail.
func FormErrors(ctx context.Context, err error, shown ...string) (fields Errors, general string, ok bool) {
	e, isApp := apperr.As(err)
	if !isApp || e.Kind == apperr.KindInternal {
		return nil, "", false
	}
	fields = Errors{}
	for _, f := range e.Fields {
		msg := f.Message
		if i18n.Has(f.Key) {
			msg = i18n.T(ctx, f.Key, f.Params)
		}
		if shownField(f.Field, shown) {
			if _, dup := fields[f.Field]; !dup {
				fields[f.Field] = msg
			}
		} else if general == "" {
			general = msg
		}
	}
	if len(e.Fields) == 0 {
		general = Message(ctx, e)
	}
	return fields, general, true
}

func shownField(f string, shown []string) bool {
	if len(shown) == 0 {
		return true
	}
	for _, s := range shown {
		if s == f || (strings.HasSuffix(s, "*") && strings.HasPrefix(f, strings.TrimSuffix(s, "*"))) {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
