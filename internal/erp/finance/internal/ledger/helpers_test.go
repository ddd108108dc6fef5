package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// clock is the tests' fixed now: 15 November 2026, mid-morning in Shanghai.
var clock = time.Date(2026, 11, 15, 2, 0, 0, 0, time.UTC)

// env is a ledger on a fresh ERP database.
type env struct {
	t   *testing.T
	db  *db.DB
	svc *ledger.Service
	ctx context.Context // the system principal
}

func newEnv(t *testing.T, cfg db.Config) *env {
	t.Helper()
	d := loomtest.Open(t, cfg, "erp")
	ctx := context.Background()
	for _, m := range []func() error{
		func() error { return outbox.Migrate(ctx, d) },
		func() error { return audit.Migrate(ctx, d) },
		func() error { return d.Migrate(ctx, finance.Module, finance.Migrations()) },
	} {
		if err := m(); err != nil {
			t.Fatal(err)
		}
	}
	svc := ledger.New(d, func() time.Time { return clock })
	if err := svc.EnsureCompany(ctx); err != nil {
		t.Fatal(err)
	}
	// A second call changes nothing.
	if err := svc.EnsureCompany(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: d, svc: svc, ctx: authz.WithPrincipal(ctx, authz.System())}
}

// as returns a context acting as a user holding perms.
func as(login string, perms ...authz.Permission) context.Context {
	p := &authz.Principal{UserID: "u-" + login, Login: login, Perms: map[authz.Permission]bool{}}
	for _, perm := range perms {
		p.Perms[perm] = true
	}
	return authz.WithPrincipal(context.Background(), p)
}

func amt(s string) money.Amount { return money.MustAmount(s) }

// line is a manual line on an account code.
func line(code string, debit, credit string) ledger.LineInput {
	l := ledger.LineInput{Account: code}
	if debit != "" {
		l.Debit = amt(debit)
	}
	if credit != "" {
		l.Credit = amt(credit)
	}
	return l
}

// mustPost posts a manual entry and returns it.
func (e *env) mustPost(date string, lines ...ledger.LineInput) *ledger.Entry {
	e.t.Helper()
	en, err := e.svc.CreateAndPost(e.ctx, ledger.EntryInput{Date: date, Memo: "test", Lines: lines})
	if err != nil {
		e.t.Fatalf("post: %v", err)
	}
	return en
}

// mustCheck runs every ledger checker and fails on a violation.
func (e *env) mustCheck() {
	e.t.Helper()
	for _, c := range ledger.Checkers() {
		vs, err := c.Run(context.Background(), e.db)
		if err != nil {
			e.t.Fatalf("%s: %v", c.Name, err)
		}
		for _, v := range vs {
			e.t.Errorf("%s: %s", c.Name, v)
		}
	}
}

// violations runs one checker.
func (e *env) violations(name string) []check.Violation {
	e.t.Helper()
	for _, c := range ledger.Checkers() {
		if c.Name == name {
			vs, err := c.Run(context.Background(), e.db)
			if err != nil {
				e.t.Fatal(err)
			}
			return vs
		}
	}
	e.t.Fatalf("no checker %s", name)
	return nil
}

// count returns a number from a query.
func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantField asserts err is an invalid-input error naming field with key.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("want invalid %s (%s), got %v", field, key, err)
	}
	for _, f := range e.Fields {
		if f.Field == field && (key == "" || f.Key == key) {
			return
		}
	}
	t.Fatalf("want field %s with %s, got %+v", field, key, e.Fields)
}

// wantKind asserts err is an apperr of kind.
func wantKind(t *testing.T, err error, kind apperr.Kind) {
	t.Helper()
	if apperr.KindOf(err) != kind {
		t.Fatalf("want %s, got %v", kind, err)
	}
}
