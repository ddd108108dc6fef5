package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/diag"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/notify"
	"github.com/loom-erp/loom/internal/platform/obs"
	"github.com/loom-erp/loom/internal/platform/outbox"
	webui "github.com/loom-erp/loom/internal/platform/web"
	assets "github.com/loom-erp/loom/web"
)

// App is a running Loom process: its unit databases, event bus and HTTP handler.
type App struct {
	Cfg      Config
	Log      *slog.Logger
	DBs      map[string]*db.DB
	Platform *db.DB
	Identity *identity.DBService
	Notify   *notify.Service
	Bus      *bus.Bus
	Metrics  *prometheus.Registry
	API      *api.API
	Router   *webui.Router

	transport string
	idem      *api.Idempotency
	handler   http.Handler
	modules   []module.Module
	services  map[string]*module.Services
	started   bool
}

// Open opens the unit databases, applies every pending migration and wires
// the modules; it starts nothing. On any error it closes what it opened.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: slog.Default(), DBs: map[string]*db.DB{}, services: map[string]*module.Services{}}
	if err := a.open(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// OpenDatabases opens and migrates the unit databases only, for commands
// that need no bus or HTTP (migrate, user, backup, check).
func OpenDatabases(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: slog.Default(), DBs: map[string]*db.DB{}, services: map[string]*module.Services{}}
	err := a.openDBs(ctx)
	if err == nil {
		err = a.migrate(ctx)
	}
	if err == nil {
		a.Identity = identity.NewService(a.Platform, identity.Options{})
		a.Notify = notify.New(a.Platform)
		err = identity.EnsureSeed(authz.WithPrincipal(ctx, authz.System()), a.Identity)
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) openDBs(ctx context.Context) error {
	dcfg := a.Cfg.DBConfig()
	for _, u := range a.Cfg.AllUnits() {
		d, err := db.Open(ctx, dcfg, u)
		if err != nil {
			return err
		}
		a.DBs[u] = d
	}
	a.Platform = a.DBs["platform"]
	a.modules = modulesFor(a.Cfg.Units)
	return nil
}

// migrate applies the migrations every unit shares, the platform's, then
// each module's.
func (a *App) migrate(ctx context.Context) error {
	for _, u := range a.Cfg.AllUnits() {
		d := a.DBs[u]
		if err := outbox.Migrate(ctx, d); err != nil {
			return err
		}
		if err := audit.Migrate(ctx, d); err != nil {
			return err
		}
		if err := d.Migrate(ctx, diag.Module, diag.Migrations()); err != nil {
			return err
		}
	}
	if err := identity.Migrate(ctx, a.Platform); err != nil {
		return err
	}
	if err := a.Platform.Migrate(ctx, notify.Module, notify.Migrations()); err != nil {
		return err
	}
	if err := api.Migrate(ctx, a.Platform); err != nil {
		return err
	}
	for _, m := range a.modules {
		if m.Migrations == nil {
			continue
		}
		if err := a.DBs[m.Unit].Migrate(ctx, m.Name, m.Migrations); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) open(ctx context.Context) error {
	if err := a.openDBs(ctx); err != nil {
		return err
	}
	if err := a.migrate(ctx); err != nil {
		return err
	}
	a.Identity = identity.NewService(a.Platform, identity.Options{})
	a.Notify = notify.New(a.Platform)
	if err := identity.EnsureSeed(authz.WithPrincipal(ctx, authz.System()), a.Identity); err != nil {
		return err
	}
	if err := i18n.Verify(); err != nil {
		return err
	}

	// Events.
	var t bus.Transport
	if a.Cfg.Bus == "" {
		t, a.transport = bus.NewInProcess(), "inprocess"
	} else {
		js, err := bus.NewJetStream(ctx, bus.JetStreamConfig{URL: a.Cfg.Bus, Logger: a.Log})
		if err != nil {
			return fmt.Errorf("event bus %s is not reachable: %w", a.Cfg.Bus, err)
		}
		t, a.transport = js, "jetstream"
	}
	a.Metrics = obs.NewRegistry()
	busMetrics, err := bus.NewMetrics(a.Metrics)
	if err != nil {
		return err
	}
	a.Bus = bus.New(t, a.unitDBs(), bus.Options{Logger: a.Log, Metrics: busMetrics})
	if err := a.Notify.Subscribe(a.Bus); err != nil {
		return err
	}
	diagSvc := diag.New(a.DBs)
	if err := diagSvc.Subscribe(a.Bus); err != nil {
		return err
	}
	a.Metrics.MustRegister(obs.NewDBCollector(a.unitDBs()), bus.NewStatsCollector(a.Bus))

	// HTTP.
	mux := http.NewServeMux()
	a.idem = api.NewIdempotency(a.Platform, api.IdempotencyOptions{Logger: a.Log})
	a.API = api.New(mux, api.Options{Version: "1.0.0", Idempotency: a.idem, Logger: a.Log, DecimalTypes: decimalTypes})
	a.Router = webui.NewRouter(mux, identity.Guard)
	mux.Handle("GET /static/", assets.Handler())
	a.platformRoutes(mux)
	a.diagRoutes(diagSvc)
	for _, m := range a.modules {
		if m.Wire == nil {
			continue
		}
		if err := m.Wire(ctx, a.env(m.Unit)); err != nil {
			return fmt.Errorf("wire module %s/%s: %w", m.Unit, m.Name, err)
		}
	}
	check.Register(audit.Checker())
	if missing := a.API.MissingPermissions(); len(missing) > 0 {
		return fmt.Errorf("API operations without a permission: %v", missing)
	}
	httpObs := obs.NewHTTP(a.Metrics, a.Log)
	a.handler = httpObs.Middleware(identity.SecurityHeaders(i18n.Middleware(identity.Middleware(a.Identity)(mux))))
	return nil
}

// env is what a module of unit is given to wire itself.
func (a *App) env(unit string) *module.Env {
	if a.services[unit] == nil {
		a.services[unit] = &module.Services{}
	}
	return &module.Env{DB: a.DBs[unit], Bus: a.Bus, API: a.API, Router: a.Router, Log: a.Log.With("unit", unit), Now: time.Now, Page: a.page, Services: a.services[unit]}
}

func (a *App) unitDBs() []*db.DB {
	out := make([]*db.DB, 0, len(a.DBs))
	for _, u := range a.Cfg.AllUnits() {
		out = append(out, a.DBs[u])
	}
	return out
}

// Handler returns the process's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Start starts the event relays and consumers.
func (a *App) Start() error {
	if err := a.Bus.Start(); err != nil {
		return err
	}
	a.started = true
	return nil
}

// Serve starts the bus, listens on the configured address and serves until
// ctx ends, then shuts down gracefully. ready, if not nil, is called with the
// address once the listener is open.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	if err := a.Start(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	go a.housekeeping(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	case <-a.Bus.Done():
		err := a.Bus.Err()
		_ = srv.Close()
		return fmt.Errorf("event bus stopped: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// housekeeping purges expired idempotency keys and sessions now and then.
func (a *App) housekeeping(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		if _, err := a.idem.Purge(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("purge idempotency keys", "err", err)
		}
		if _, err := a.Identity.PurgeExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("purge sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Close stops the bus and closes every database.
func (a *App) Close() error {
	var err error
	if a.Bus != nil {
		err = errors.Join(err, a.Bus.Close())
	}
	units := a.Cfg.AllUnits()
	for i := len(units) - 1; i >= 0; i-- {
		u := units[i]
		if d := a.DBs[u]; d != nil {
			err = errors.Join(err, d.Close())
		}
	}
	return err
}

// Transport names the event transport: inprocess or jetstream.
func (a *App) Transport() string { return a.transport }
