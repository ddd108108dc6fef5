// Package erpkit holds the small rules every ERP supply module (catalog,
// inventory, sales, partners, purchasing) applies the same way: permission
// checks in the service layer, collecting field errors, codes, calendar
// dates, keyset cursors, and registering the event types of other units
// that the modules consume.
package erpkit

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Message ids of the field errors every module reports.
const (
	KeyRequired    = "erp.error.required"
	KeyTooLong     = "erp.error.too_long"
	KeyCodeInvalid = "erp.error.code_invalid"
	KeyDate        = "erp.error.date"
	KeyVersion     = "erp.error.version"
)

// Require returns the principal in ctx when it holds perm, else an apperr:
// Unauthorized without a principal, PermissionDenied without the permission.
func Require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return nil, apperr.PermissionDenied(string(perm))
	}
	return p, nil
}

// Actor is the login recorded as the author of a document: the principal's
// login, or "system".
func Actor(ctx context.Context) string {
	if p := authz.FromContext(ctx); p != nil && p.Login != "" {
		return p.Login
	}
	return authz.SystemLogin
}

// Problems collects the field errors of an input, so it reports them all at once.
type Problems []apperr.FieldError

// Add records a problem with a field.
func (p *Problems) Add(field, key, msg string, params ...map[string]any) {
	fe := apperr.FieldError{Field: field, Key: key, Message: msg}
	if len(params) > 0 {
		fe.Params = params[0]
	}
	*p = append(*p, fe)
}

// Has reports whether a field already has a problem.
func (p Problems) Has(field string) bool {
	for _, f := range p {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns the problems as an apperr, or nil when there are none.
func (p Problems) Err() error { return apperr.InvalidFields(p...) }

// Text checks a text field: required or not, at most max characters.
func (p *Problems) Text(field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		p.Add(field, KeyRequired, "This field is required")
	case utf8.RuneCountInString(v) > max:
		p.Add(field, KeyTooLong, "This is too long", map[string]any{"Max": max})
	}
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/+-]*$`)

// Code checks a code that labels and scanners carry: required, at most max
// characters, letters, digits and . _ / + - only.
func (p *Problems) Code(field, v string, max int) {
	p.Text(field, v, true, max)
	if v != "" && !p.Has(field) && !codePattern.MatchString(v) {
		p.Add(field, KeyCodeInvalid, "Use letters, digits and . _ / + - only, without spaces")
	}
}

// Date checks a calendar date YYYY-MM-DD; empty is allowed unless required.
func (p *Problems) Date(field, v string, required bool) {
	if v == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return
	}
	if !ValidDate(v) {
		p.Add(field, KeyDate, "Enter a date as YYYY-MM-DD")
	}
}

// CodeKey is the form of a code that must be unique: codes differ in more
// than letter case.
func CodeKey(code string) string { return strings.ToLower(strings.TrimSpace(code)) }

// DateLayout is the form of a calendar date.
const DateLayout = "2006-01-02"

// ValidDate reports whether s is a calendar date YYYY-MM-DD.
func ValidDate(s string) bool {
	t, err := time.Parse(DateLayout, s)
	return err == nil && t.Format(DateLayout) == s
}

// Today returns the calendar date of t in the server's time zone, the
// company's time zone.
func Today(t time.Time) string { return t.Local().Format(DateLayout) }

// AddDays returns the calendar date n days after date (YYYY-MM-DD).
func AddDays(date string, n int) string {
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format(DateLayout)
}

// RegisterForeign registers an event type that another unit emits and an
// ERP module consumes, unless the other unit's module registered it first.
// Go initialises packages in import-path order, so in the full program the
// producer's own definition (internal/crm sorts before internal/erp) wins;
// alone, for instance in tests of the ERP modules, this one stands in.
func RegisterForeign(et outbox.EventType) {
	if _, ok := outbox.Lookup(et.Type, et.Version); ok {
		return
	}
	if err := outbox.Register(et); err != nil {
		if _, ok := outbox.Lookup(et.Type, et.Version); !ok {
			panic(err)
		}
	}
}
