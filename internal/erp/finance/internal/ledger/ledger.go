// Package ledger is the finance module's general ledger: the company's books
// (base currency, fiscal year, time zone), the chart of accounts, exchange
// rates, journals and periods, posting rules, and journal entries with their
// balances and hash chains.
//
// Every change runs in one transaction of the ERP database and leaves an
// audit record. A posted entry never changes: the database refuses it, and
// a correction is a reversal. Posting keeps the balances per account, period
// and currency in the same transaction, takes the voucher number from a
// gapless series per journal and period, and links the entry into its
// journal's hash chain, so `loom check` can prove nothing was altered.
package ledger

import (
	"context"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Service is the ledger of one ERP database.
type Service struct {
	db  *db.DB
	now func() time.Time

	mu    sync.Mutex
	chart *chart // the last chart read outside a rolled-back transaction

	periodsMu sync.Mutex
	periods   map[string]bool // periods known to have a row

	posted []PostedHook // run on every posted entry, in the posting transaction (hooks.go)
}

// New returns the ledger of d; now is the clock (time.Now if nil).
func New(d *db.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, now: now, periods: map[string]bool{}}
}

// DB returns the database the ledger writes.
func (s *Service) DB() *db.DB { return s.db }

// require returns the principal of ctx when it holds perm.
func require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return nil, apperr.PermissionDenied(string(perm))
	}
	return p, nil
}

// requireAny returns the principal of ctx when it holds one of perms.
func requireAny(ctx context.Context, perms ...authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	for _, perm := range perms {
		if p.Can(perm) {
			return p, nil
		}
	}
	return nil, apperr.PermissionDenied(string(perms[0]))
}

// actor names who acts in ctx, for the changed_by columns.
func actor(ctx context.Context) string {
	p := authz.FromContext(ctx)
	if p == nil || p.System {
		return authz.SystemLogin
	}
	if p.Login != "" {
		return p.Login
	}
	return p.UserID
}

// record writes an audit entry in the transaction of ctx.
func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.db, audit.Entry{
		Action: action, EntityKind: kind, EntityID: id, Before: before, After: after, At: s.now(),
	})
}

// Audit entity kinds of ledger records.
const (
	kindCompany = "fin.company"
	kindAccount = "fin.account"
	kindRate    = "fin.rate"
	kindJournal = "fin.journal"
	kindRule    = "fin.rule"
	kindPeriod  = "fin.period"
	kindEntry   = "fin.entry"
)

// english is the English text of a message key, the fallback apperr keeps.
func english(key string) string { return i18n.TL(i18n.EN, key) }

// invalid reports one bad field with its message key.
func invalid(field, key string) *apperr.Error {
	return apperr.Invalid(field, key, english(key))
}

// invalidP reports one bad field with message parameters.
func invalidP(field, key string, params map[string]any) *apperr.Error {
	e := apperr.New(apperr.KindInvalid, apperr.KeyInvalid, "The input is not valid")
	e.Fields = []apperr.FieldError{{Field: field, Key: key, Message: i18n.TL(i18n.EN, key, params), Params: params}}
	return e
}

// conflict reports a change that clashes with the current data.
func conflict(key string, params ...map[string]any) *apperr.Error {
	e := apperr.Conflict(key, english(key))
	if len(params) > 0 {
		e.Params = params[0]
		e.Message = i18n.TL(i18n.EN, key, params[0])
	}
	return e
}

// notFound reports a record that does not exist.
func notFound(what, id string) *apperr.Error { return apperr.NotFound(what, id) }

// Sources that only the ledger itself posts.
var ledgerSources = map[string]bool{
	finance.SourceManual: true, finance.SourceOpening: true, finance.SourceReversal: true,
}
