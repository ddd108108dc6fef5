package identity_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Permissions a test module declares, with default grants.
const (
	permWidgetRead  authz.Permission = "test.widget.read"
	permWidgetWrite authz.Permission = "test.widget.write"
)

func init() {
	authz.Register(
		authz.Definition{Name: permWidgetRead, Module: "test", Roles: []string{identity.RoleSalesRep, identity.RoleSalesManager}},
		authz.Definition{Name: permWidgetWrite, Module: "test", Roles: []string{identity.RoleSalesManager}},
	)
	i18n.Register(identity.Messages)
}

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// clock is a settable clock for lockouts and expiry without sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cheap keeps Argon2id fast in tests; the production parameters are tested
// in the password package.
var cheap = identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}

type env struct {
	t   *testing.T
	d   *db.DB
	s   *identity.DBService
	clk *clock
	opt identity.Options
}

// setup opens a fresh platform database, migrates and seeds it.
func setup(t *testing.T, cfg db.Config, opts ...func(*identity.Options)) *env {
	t.Helper()
	d := loomtest.Open(t, cfg, "platform")
	ctx := context.Background()
	if err := identity.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, clk: &clock{now: t0}}
	e.opt = identity.Options{Now: e.clk.Now, Password: cheap}
	for _, o := range opts {
		o(&e.opt)
	}
	e.s = identity.NewService(d, e.opt)
	if err := identity.EnsureSeed(ctx, e.s); err != nil {
		t.Fatal(err)
	}
	return e
}

// sys is the context of Loom's own tools (the CLI).
func sys() context.Context { return authz.WithPrincipal(context.Background(), authz.System()) }

// as returns a context acting as the principal of a live session of u.
func (e *env) as(u *identity.User) context.Context {
	e.t.Helper()
	return authz.WithPrincipal(context.Background(), e.principal(u))
}

func (e *env) principal(u *identity.User) *authz.Principal {
	e.t.Helper()
	ctx := context.Background()
	sess, err := e.s.Login(ctx, u.Login, "password-"+u.Login, "10.9.9.9", "test")
	if err != nil {
		e.t.Fatalf("login %s: %v", u.Login, err)
	}
	p, err := e.s.Authenticate(ctx, sess.Token)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// mustUser creates a user whose password is "password-<login>".
func (e *env) mustUser(login string, roles ...string) *identity.User {
	e.t.Helper()
	u, err := e.s.CreateUser(sys(), identity.NewUser{
		Login: login, Name: "User " + login, Password: "password-" + login, Roles: roles,
	})
	if err != nil {
		e.t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

var tables = []string{"identity_user", "identity_user_role", "identity_team", "identity_role",
	"identity_role_permission", "identity_role_scope", "identity_session", "identity_api_token", "audit_log"}

// snapshot counts the rows of every identity table and the audit log.
func (e *env) snapshot() map[string]int {
	out := map[string]int{}
	for _, tb := range tables {
		out[tb] = e.count(tb)
	}
	return out
}

func (e *env) verifyAudit() {
	e.t.Helper()
	vs, err := audit.Verify(context.Background(), e.d)
	if err != nil || len(vs) != 0 {
		e.t.Fatalf("audit chain: %v %v", vs, err)
	}
}

// actions returns the audit actions recorded, oldest first.
func (e *env) actions() []string {
	e.t.Helper()
	rows, err := e.d.Query(context.Background(), `SELECT action FROM audit_log ORDER BY seq`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// wantField checks that err is a typed error on field whose message exists
// in both languages.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ie *identity.Error
	if !errors.As(err, &ie) || ie.Field != field {
		t.Fatalf("err = %v, want an identity error on field %q", err, field)
	}
	if !i18n.Has(ie.Key) {
		t.Fatalf("message %s has no text", ie.Key)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
