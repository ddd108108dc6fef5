// Package benchcrm holds the CRM's `loom bench` scenarios. Each runs on a
// fresh CRM database with the CRM's modules wired alone, seeds it with bare
// SQL, and reports beside a floor: the same reads done with bare SQL in the
// same run.
package benchcrm

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Modules returns the CRM's modules in wiring order.
type Modules func() []module.Module

// Register registers the CRM's scenarios.
func Register(mods Modules) {
	bench.Register(bench.Scenario{Name: "crm-360",
		Description: "the customer page (details, contacts, key figures, activities, deals, quotes, credit and ERP orders) of random customers " +
			"among 100,000 × scale with 2,000,000 × scale activities, as their owners, beside bare SQL reading the same rows",
		Run: func(ctx context.Context, o bench.Options) ([]bench.Metric, error) { return run360(ctx, o, mods) }})
}

// world is a scenario's CRM database with the modules wired on it.
type world struct {
	d       *db.DB
	handler http.Handler
	close   func()
}

// open makes a fresh CRM database (a SQLite file in a temporary directory,
// or a PostgreSQL schema when o.DB is a URL) and wires the modules on it.
func open(ctx context.Context, o bench.Options, mods Modules) (*world, error) {
	cfg := db.Config{Engine: db.SQLite}
	var cleanup []func()
	done := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	if strings.HasPrefix(o.DB, "postgres") {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		cfg = db.Config{Engine: db.Postgres, PostgresURL: o.DB, SchemaPrefix: "bench" + hex.EncodeToString(b) + "_"}
		cleanup = append(cleanup, func() {
			if c, err := sql.Open("pgx", o.DB); err == nil {
				_, _ = c.Exec(`DROP SCHEMA IF EXISTS "` + cfg.SchemaPrefix + `crm" CASCADE`)
				c.Close()
			}
		})
	} else {
		dir, err := os.MkdirTemp("", "loom-bench-crm-*")
		if err != nil {
			return nil, err
		}
		cfg.DataDir = dir
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
	}
	d, err := db.Open(ctx, cfg, "crm")
	if err != nil {
		done()
		return nil, err
	}
	cleanup = append(cleanup, func() { d.Close() })
	if err := outbox.Migrate(ctx, d); err != nil {
		done()
		return nil, err
	}
	if err := audit.Migrate(ctx, d); err != nil {
		done()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bus.New(bus.NewInProcess(), []*db.DB{d}, bus.Options{Logger: log})
	mux := http.NewServeMux()
	a := api.New(mux, api.Options{Logger: log, DecimalTypes: []reflect.Type{
		reflect.TypeFor[money.Amount](), reflect.TypeFor[money.Quantity](), reflect.TypeFor[money.UnitPrice](), reflect.TypeFor[money.Rate](),
	}})
	env := &module.Env{DB: d, Bus: b, API: a, Router: webui.NewRouter(mux, identity.Guard), Log: log, Now: time.Now,
		Services: &module.Services{}, Page: func(r *http.Request, p webui.Page) webui.Page {
			p.User = authz.FromContext(r.Context())
			p.Lang = i18n.Lang(r.Context())
			return p
		}}
	for _, m := range mods() {
		if m.Migrations != nil {
			if err := d.Migrate(ctx, m.Name, m.Migrations); err != nil {
				done()
				return nil, err
			}
		}
		if m.Wire != nil {
			if err := m.Wire(ctx, env); err != nil {
				done()
				return nil, fmt.Errorf("wire %s: %w", m.Name, err)
			}
		}
	}
	if err := b.Start(); err != nil {
		done()
		return nil, err
	}
	cleanup = append(cleanup, func() { b.Close() })
	return &world{d: d, handler: i18n.Middleware(mux), close: done}, nil
}

// principal is a user of a role, holding the role's default permissions.
func principal(id, login, name, team, role string) *authz.Principal {
	p := &authz.Principal{UserID: id, Login: login, Name: name, TeamID: team, Roles: []string{role},
		Perms: map[authz.Permission]bool{}, Scopes: map[string]authz.Scope{}}
	for _, def := range authz.Definitions() {
		if slices.Contains(def.Roles, role) {
			p.Perms[def.Name] = true
		}
	}
	return p
}

// get renders a page as p and fails unless it answers 200.
func (w *world) get(ctx context.Context, p *authz.Principal, path string) error {
	req, err := http.NewRequestWithContext(authz.WithPrincipal(ctx, p), http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Language", "zh-Hans")
	rec := &discard{header: http.Header{}}
	w.handler.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, rec.status)
	}
	return nil
}

// discard is a response writer that counts the body and keeps the status.
type discard struct {
	header http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(b)
	return len(b), nil
}
func (d *discard) WriteHeader(s int) {
	if d.status == 0 {
		d.status = s
	}
}

// seeder writes rows with bare SQL in transactions of about 20,000 rows,
// shared by every table it fills (SQLite has one writer connection).
type seeder struct {
	d    *db.DB
	tx   *sql.Tx
	inTx int
}

// batch gathers rows of one table into multi-row INSERTs.
type batch struct {
	s     *seeder
	table string
	cols  []string
	rows  [][]any
	// parent is flushed first, for the rows it holds that these reference.
	parent *batch
}

func (s *seeder) table(name string, cols ...string) *batch {
	return &batch{s: s, table: name, cols: cols}
}

func (b *batch) add(ctx context.Context, vals ...any) error {
	b.rows = append(b.rows, vals)
	if len(b.rows)*len(b.cols) >= 2000 {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	if b.parent != nil {
		if err := b.parent.flush(ctx); err != nil {
			return err
		}
	}
	s := b.s
	if s.tx == nil {
		tx, err := s.d.Writer().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		s.tx = tx
	}
	var q strings.Builder
	q.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
	args := make([]any, 0, len(b.rows)*len(b.cols))
	for i, r := range b.rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(")
		for j := range r {
			if j > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "$%d", len(args)+j+1)
		}
		q.WriteString(")")
		args = append(args, r...)
	}
	if _, err := s.tx.ExecContext(ctx, s.d.Rebind(q.String()), args...); err != nil {
		s.tx.Rollback()
		s.tx = nil
		return fmt.Errorf("seed %s: %w", b.table, err)
	}
	s.inTx += len(b.rows)
	b.rows = b.rows[:0]
	if s.inTx >= 20000 {
		return s.commit()
	}
	return nil
}

func (s *seeder) commit() error {
	if s.tx == nil {
		return nil
	}
	err := s.tx.Commit()
	s.tx, s.inTx = nil, 0
	return err
}

// done writes what is left of the batches and commits.
func (s *seeder) done(ctx context.Context, bs ...*batch) error {
	for _, b := range bs {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return s.commit()
}
