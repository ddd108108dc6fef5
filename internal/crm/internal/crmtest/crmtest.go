// Package crmtest runs the CRM's modules for tests: a CRM database (and an
// ERP database for events a test plays ERP with) on the engine of the test,
// the in-process event bus, every CRM module wired as Loom wires it, an HTTP
// handler whose caller a test picks per request, and principals for each
// sales role.
package crmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/loomtest"
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
	assets "github.com/loom-erp/loom/web"
)

// Team ids of the test principals.
const (
	TeamEast  = "0196b2c4-0000-7000-8000-00000000e001"
	TeamSouth = "0196b2c4-0000-7000-8000-00000000e002"
)

// The test principals: two reps and a manager of the east team, a rep of the
// south team, an administrator and someone from the warehouse.
var (
	RepA    = user("0196b2c4-0000-7000-8000-000000000a01", "li.lei", "李雷", TeamEast, identity.RoleSalesRep)
	RepB    = user("0196b2c4-0000-7000-8000-000000000a02", "zhao.min", "赵敏", TeamEast, identity.RoleSalesRep)
	Manager = user("0196b2c4-0000-7000-8000-000000000a03", "wang.fang", "王芳", TeamEast, identity.RoleSalesManager)
	RepC    = user("0196b2c4-0000-7000-8000-000000000a04", "he.jun", "何军", TeamSouth, identity.RoleSalesRep)
	Admin   = user("0196b2c4-0000-7000-8000-000000000a05", "admin", "系统管理员", "", identity.RoleAdmin)
	Clerk   = user("0196b2c4-0000-7000-8000-000000000a06", "chen.jie", "陈杰", "", identity.RoleWarehouseClerk)
	Finance = user("0196b2c4-0000-7000-8000-000000000a07", "xu.ming", "徐明", "", identity.RoleFinanceManager)
)

// All lists every test principal.
func All() []*authz.Principal {
	return []*authz.Principal{RepA, RepB, Manager, RepC, Admin, Clerk, Finance}
}

// user builds a principal holding the default grants of its role, with the
// seeded data scopes (reps own, managers team, others company).
func user(id, login, name, team, role string) *authz.Principal {
	p := &authz.Principal{UserID: id, Login: login, Name: name, TeamID: team, Roles: []string{role}, Scopes: map[string]authz.Scope{}}
	switch role {
	case identity.RoleSalesRep:
		p.Scopes[authz.AllKinds] = authz.ScopeOwn
	case identity.RoleSalesManager:
		p.Scopes[authz.AllKinds] = authz.ScopeTeam
	case identity.RoleAdmin:
	default:
		p.Scopes[authz.AllKinds] = authz.ScopeCompany
	}
	return p
}

// perms fills a principal's permissions from the registered definitions;
// it runs when a test starts, after every module registered its own.
func perms(p *authz.Principal) {
	p.Perms = map[authz.Permission]bool{}
	for _, d := range authz.Definitions() {
		if p.HasRole(identity.RoleAdmin) || slices.Contains(d.Roles, p.Roles[0]) {
			p.Perms[d.Name] = true
		}
	}
}

// Ctx returns a context acting as p.
func Ctx(p *authz.Principal) context.Context {
	return authz.WithPrincipal(context.Background(), p)
}

// System returns a context acting as Loom itself.
func System() context.Context { return Ctx(authz.System()) }

// Env is a running CRM for one test.
type Env struct {
	T        testing.TB
	CRM, ERP *db.DB
	Bus      *bus.Bus
	Mod      *module.Env
	Handler  http.Handler
}

// Start wires the CRM on cfg's engine and starts its bus; the test
// principals are known to the CRM directory.
func Start(t testing.TB, cfg db.Config) *Env {
	t.Helper()
	ctx := context.Background()
	for _, p := range All() {
		perms(p)
	}
	e := &Env{T: t, CRM: loomtest.Open(t, cfg, "crm"), ERP: loomtest.Open(t, cfg, "erp")}
	for _, d := range []*db.DB{e.CRM, e.ERP} {
		if err := outbox.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := audit.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.Bus = bus.New(bus.NewInProcess(), []*db.DB{e.CRM, e.ERP}, bus.Options{Logger: log, RetryBase: 20 * time.Millisecond, RetryPoll: 50 * time.Millisecond, MaxAttempts: 3})
	mux := http.NewServeMux()
	a := api.New(mux, api.Options{Logger: log, DecimalTypes: []reflect.Type{
		reflect.TypeFor[money.Amount](), reflect.TypeFor[money.Quantity](), reflect.TypeFor[money.UnitPrice](), reflect.TypeFor[money.Rate](),
	}})
	e.Mod = &module.Env{DB: e.CRM, Bus: e.Bus, API: a, Router: webui.NewRouter(mux, identity.Guard), Log: log, Now: time.Now,
		Services: &module.Services{}, Page: func(r *http.Request, p webui.Page) webui.Page {
			p.User = authz.FromContext(r.Context())
			p.Lang = i18n.Lang(r.Context())
			return p
		}}
	for _, m := range crm.Modules() {
		if m.Migrations != nil {
			if err := e.CRM.Migrate(ctx, m.Name, m.Migrations); err != nil {
				t.Fatal(err)
			}
		}
		if m.Wire != nil {
			if err := m.Wire(ctx, e.Mod); err != nil {
				t.Fatalf("wire %s: %v", m.Name, err)
			}
		}
	}
	if missing := a.MissingPermissions(); len(missing) > 0 {
		t.Fatalf("operations without a permission: %v", missing)
	}
	if err := e.Bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Bus.Close() })
	mux.Handle("GET /static/", assets.Handler())
	mux.HandleFunc("GET /_test/as/{login}", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: callerCookie, Value: r.PathValue("login"), Path: "/"})
		http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusSeeOther)
	})
	e.Handler = identity.SecurityHeaders(i18n.Middleware(asCaller(mux)))
	for _, p := range All() {
		if err := e.Directory().Observe(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Service returns the service a module provided under name.
func (e *Env) Service(name string) any {
	s := e.Mod.Services.Lookup(name)
	if s == nil {
		e.T.Fatalf("no service %s", name)
	}
	return s
}

// Directory returns the CRM directory.
func (e *Env) Directory() directory.Service {
	return e.Service(directory.ServiceName).(directory.Service)
}

// CallerHeader names the test principal (by login) a request acts as; a
// browser picks one by opening /_test/as/{login}?next=…, which sets the
// cookie callerCookie.
const (
	CallerHeader = "X-Test-Login"
	callerCookie = "loom_test_login"
)

func asCaller(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		login := r.Header.Get(CallerHeader)
		if c, err := r.Cookie(callerCookie); err == nil && login == "" {
			login = c.Value
		}
		for _, p := range All() {
			if p.Login == login {
				r = r.WithContext(authz.WithPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Response is an answer of the test handler.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body into v, failing the test when it cannot.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Do sends a request as p (nil for anonymous): a JSON body for the API, or
// form values (url-encoded) when form is true.
func (e *Env) Do(p *authz.Principal, method, path, body string, form ...bool) Response {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		if len(form) > 0 && form[0] {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if p != nil {
		req.Header.Set(CallerHeader, p.Login)
	}
	req.Header.Set("Accept-Language", "en")
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, req)
	return Response{Status: w.Code, Header: w.Header(), Body: w.Body.String()}
}

// DoRaw sends a request as p with a body of any content type, such as a
// file or a multipart form.
func (e *Env) DoRaw(p *authz.Principal, method, path, contentType string, body []byte) Response {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if p != nil {
		req.Header.Set(CallerHeader, p.Login)
	}
	req.Header.Set("Accept-Language", "en")
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, req)
	return Response{Status: w.Code, Header: w.Header(), Body: w.Body.String()}
}

// Serve serves the CRM on a local address until the test ends.
func (e *Env) Serve() *httptest.Server {
	srv := httptest.NewServer(e.Handler)
	e.T.Cleanup(srv.Close)
	return srv
}

// Events returns the events of a type the CRM wrote to its outbox, oldest first.
func (e *Env) Events(typ string) []outbox.Envelope {
	e.T.Helper()
	rows, err := e.CRM.Query(context.Background(), `SELECT id, type, subject, data FROM outbox WHERE type = $1 ORDER BY seq`, typ)
	if err != nil {
		e.T.Fatal(err)
	}
	defer rows.Close()
	var out []outbox.Envelope
	for rows.Next() {
		var ev outbox.Envelope
		var data string
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.Subject, &data); err != nil {
			e.T.Fatal(err)
		}
		ev.Data = json.RawMessage(data)
		out = append(out, ev)
	}
	return out
}

// Count returns the number of rows of a CRM table matching an optional condition.
func (e *Env) Count(table string, where ...any) int {
	e.T.Helper()
	q := `SELECT COUNT(*) FROM ` + table
	var args []any
	if len(where) > 0 {
		q += ` WHERE ` + where[0].(string)
		args = where[1:]
	}
	var n int
	if err := e.CRM.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.T.Fatal(err)
	}
	return n
}

// Audited returns the number of audit records of an action.
func (e *Env) Audited(action string) int {
	e.T.Helper()
	p, err := audit.Search(context.Background(), e.CRM, audit.Filter{Action: action, Limit: 500})
	if err != nil {
		e.T.Fatal(err)
	}
	return len(p.Rows)
}

// EmitERP writes an event as ERP would, committed in the ERP database.
func (e *Env) EmitERP(typ, subject string, data any) {
	e.T.Helper()
	err := e.ERP.InTx(context.Background(), func(ctx context.Context) error {
		_, err := outbox.Emit(ctx, e.ERP, typ, 1, subject, data)
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
}

// WaitEvents waits until every event so far has been applied, and fails the
// test on a dead letter.
func (e *Env) WaitEvents() {
	e.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		stats, err := e.Bus.Stats(context.Background())
		if err != nil {
			e.T.Fatal(err)
		}
		busy := false
		for _, s := range stats {
			if s.DeadLetters > 0 {
				e.T.Fatalf("unit %s has %d dead letters", s.Unit, s.DeadLetters)
			}
			if s.Pending > 0 || s.Retrying > 0 {
				busy = true
			}
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("events still pending: %+v", stats)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
