// Package api is the shell of Loom's REST API under /api/v1: an OpenAPI 3.1
// document generated from Go types (huma), a permission on every operation,
// RFC 9457 problem responses, idempotent writes and list conventions.
//
// Modules add operations with Register, which refuses an operation without a
// permission and checks it before the handler runs:
//
//	api.Register(a, huma.Operation{
//		OperationID: "crm-get-lead",
//		Method:      http.MethodGet,
//		Path:        "/crm/leads/{id}",
//		Summary:     "Get a lead",
//	}, lead.PermRead, h.getLead)
//
// Handlers return apperr errors; the API turns them, and huma's own
// validation errors, into application/problem+json in the caller's language.
// Importing this package makes every huma error a Problem (it sets
// huma.NewError and huma.NewErrorWithContext), and makes huma match JSON
// field names case-sensitively, so "Name" is refused where "name" is expected.
//
// The conventions clients see are written down in docs/api.md.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Prefix is the path under which every operation is served.
const Prefix = "/api/v1"

// Title is the title of the OpenAPI document.
const Title = "Loom API"

// DefaultMaxBodyBytes is the largest request body accepted unless Options say otherwise.
const DefaultMaxBodyBytes = 1 << 20

// PermissionExtension is the OpenAPI extension that records an operation's permission.
const PermissionExtension = "x-loom-permission"

// RequestIDHeader carries the id of a request; clients may send one, and every response has one.
const RequestIDHeader = "X-Request-Id"

// Options configure an API.
type Options struct {
	// Version is the version of the API contract in the OpenAPI document; "1.0.0" if empty.
	Version string
	// MaxBodyBytes bounds request bodies; larger ones get 413. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Idempotency stores Idempotency-Key results; nil ignores the header (tools and tests only).
	Idempotency *Idempotency
	// SessionCookie is the name of the session cookie, for the OpenAPI document; "loom_session" if empty.
	SessionCookie string
	// DecimalTypes are Go types that marshal as JSON decimal strings but do not
	// implement huma.SchemaProvider (such as money.Amount); they are documented
	// and validated as DecimalString.
	DecimalTypes []reflect.Type
	// Logger receives internal errors; slog.Default() if nil.
	Logger *slog.Logger
}

// API is Loom's REST API.
type API struct {
	huma    huma.API
	inner   *http.ServeMux
	log     *slog.Logger
	maxBody int64

	mu  sync.Mutex
	ops []Operation
}

// Operation describes a registered operation.
type Operation struct {
	Method      string
	Path        string // full path, such as "/api/v1/crm/leads/{id}"
	OperationID string
	Permission  authz.Permission
}

// IDParam is the input of an operation on one record named in the path as
// {id}: anything but a UUID is refused with 422 naming path.id.
type IDParam struct {
	ID string `path:"id" format:"uuid" doc:"The record's id, a UUID."`
}

// New creates the API and mounts it on mux under Prefix, with its OpenAPI
// document at /api/v1/openapi.json (and .yaml).
func New(mux *http.ServeMux, opts Options) *API {
	if opts.Version == "" {
		opts.Version = "1.0.0"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.SessionCookie == "" {
		opts.SessionCookie = "loom_session"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &API{inner: http.NewServeMux(), log: opts.Logger, maxBody: opts.MaxBodyBytes}

	registry := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	for _, t := range opts.DecimalTypes {
		registry.RegisterTypeAlias(t, reflect.TypeFor[DecimalString]())
	}
	cfg := huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:       Title,
				Version:     opts.Version,
				Description: "REST API of Loom, the CRM, ERP and MES suite. Conventions: docs/api.md.",
			},
			Components: &huma.Components{
				Schemas: registry,
				SecuritySchemes: map[string]*huma.SecurityScheme{
					"bearer":  {Type: "http", Scheme: "bearer", Description: "An API token in the Authorization header, after the word Bearer."},
					"session": {Type: "apiKey", In: "cookie", Name: opts.SessionCookie, Description: "The session cookie of a signed-in browser."},
				},
			},
		},
		OpenAPIPath:                  "/openapi",
		Formats:                      map[string]huma.Format{"application/json": huma.DefaultJSONFormat, "json": huma.DefaultJSONFormat},
		DefaultFormat:                "application/json",
		RejectUnknownQueryParameters: true,
		Transformers:                 []huma.Transformer{a.transform},
	}
	a.huma = humago.NewWithPrefix(a.inner, Prefix, cfg)
	a.inner.HandleFunc("/", a.noRoute)

	var h http.Handler = a.inner
	if opts.Idempotency != nil {
		opts.Idempotency.maxBody = a.maxBody
		h = opts.Idempotency.Wrap(h)
	}
	mux.Handle(Prefix+"/", WithRequestID(h))
	return a
}

// OpenAPI returns the OpenAPI document, for inspection and tests.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// Operations returns every operation registered with Register, in order.
func (a *API) Operations() []Operation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.ops)
}

// MissingPermissions lists the documented operations ("GET /path") that carry
// no PermissionExtension; it is empty when every operation came through Register.
func (a *API) MissingPermissions() []string {
	var out []string
	for path, item := range a.huma.OpenAPI().Paths {
		for method, op := range pathOperations(item) {
			if s, _ := op.Extensions[PermissionExtension].(string); s == "" {
				out = append(out, method+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

func pathOperations(item *huma.PathItem) map[string]*huma.Operation {
	out := map[string]*huma.Operation{}
	for m, op := range map[string]*huma.Operation{
		http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
		http.MethodDelete: item.Delete, http.MethodOptions: item.Options, http.MethodHead: item.Head,
		http.MethodPatch: item.Patch, http.MethodTrace: item.Trace,
	} {
		if op != nil {
			out[m] = op
		}
	}
	return out
}

// noRoute answers paths under Prefix that match no operation: 405 when the
// path exists for another method, else 404.
func (a *API) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.inner.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed), a.log)
		return
	}
	writeProblem(w, r, newProblem(http.StatusNotFound), a.log)
}

type requestIDKey struct{}

// RequestID returns the id of the API request carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID gives every request an id: the client's X-Request-Id when it
// is short and plain, else a new one, and echoes it in the response.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := RequestID(r.Context())
		if id == "" {
			id = r.Header.Get(RequestIDHeader)
			if !plainToken(id, 128) {
				id = db.NewID()
			}
			r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r)
	})
}

// plainToken reports whether s is 1..max visible ASCII characters.
func plainToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// isWrite reports whether method changes state.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
