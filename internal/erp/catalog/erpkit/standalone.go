package erpkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"time"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Standalone is ERP modules wired on one unit database alone — no other
// unit, no server, no running bus — for property tests and benchmarks that
// call the modules' services and REST operations in process.
type Standalone struct {
	Env *module.Env
	// Handler serves the modules' screens and REST operations; a request
	// acts as the principal its context carries (see Request).
	Handler http.Handler
}

// NewStandalone migrates d (events, audit log, each module) and wires the
// modules in order. The bus relays the outboxes of d and of others (the
// databases of other units, whose events a test writes for the modules to
// consume) once started; until then events stay in the outbox.
func NewStandalone(ctx context.Context, d *db.DB, others []*db.DB, mods ...module.Module) (*Standalone, error) {
	for _, u := range append([]*db.DB{d}, others...) {
		if err := outbox.Migrate(ctx, u); err != nil {
			return nil, err
		}
	}
	if err := audit.Migrate(ctx, d); err != nil {
		return nil, err
	}
	for _, m := range mods {
		if m.Migrations == nil {
			continue
		}
		if err := d.Migrate(ctx, m.Name, m.Migrations); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	guard := func(perm authz.Permission, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !authz.FromContext(r.Context()).Can(perm) {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	env := &module.Env{
		DB:  d,
		Bus: bus.New(bus.NewInProcess(), append([]*db.DB{d}, others...), bus.Options{}),
		API: api.New(mux, api.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DecimalTypes: []reflect.Type{
			reflect.TypeFor[money.Amount](), reflect.TypeFor[money.Quantity](),
			reflect.TypeFor[money.UnitPrice](), reflect.TypeFor[money.Rate](),
		}}),
		Router:   webui.NewRouter(mux, guard),
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      time.Now,
		Services: &module.Services{},
		Page:     func(r *http.Request, p webui.Page) webui.Page { p.User = authz.FromContext(r.Context()); return p },
	}
	for _, m := range mods {
		if m.Wire == nil {
			continue
		}
		if err := m.Wire(ctx, env); err != nil {
			return nil, fmt.Errorf("wire %s: %w", m.Name, err)
		}
	}
	return &Standalone{Env: env, Handler: mux}, nil
}

// Close stops the bus the modules subscribed to.
func (s *Standalone) Close() error { return s.Env.Bus.Close() }

// System returns ctx acting as Loom itself, which holds every permission.
func System(ctx context.Context) context.Context {
	return authz.WithPrincipal(ctx, authz.System())
}

// Call sends a JSON request to a REST operation (path under /api/v1) as
// the principal in ctx, and decodes the answer into out unless it is nil.
// A status of 300 or more is an error carrying the problem's text.
func (s *Standalone) Call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req := httptest.NewRequestWithContext(ctx, method, api.Prefix+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, rec.Code, rec.Body.String())
	}
	if out != nil {
		return json.Unmarshal(rec.Body.Bytes(), out)
	}
	return nil
}
