// Package audit keeps Loom's audit log: who changed what, when, from which
// state to which, in every unit database.
//
// The log is append-only and hash-chained. Business code calls Record inside
// its own transaction (db.InTx); the entry is buffered in the transaction and
// appended to the chain just before commit, so a rolled-back change leaves no
// record and a committed change always has one. Each row's hash is SHA-256 over
// the previous row's hash and a canonical encoding of the row; the database
// refuses UPDATE and DELETE of rows, and Verify walks the chain to find rows
// that were edited or removed behind the database's back.
package audit

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Module is the name of the audit migrations in every unit database.
const Module = "audit"

// Genesis is the prev_hash of the first row of every chain.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Limits on a search page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Entry is one change to record.
type Entry struct {
	// Action names what happened, as "<module>.<kind>.<verb>" (identity.user.created).
	Action string
	// EntityKind and EntityID name the record that changed (identity.user, its id).
	EntityKind string
	EntityID   string
	// Before and After are the record's state around the change, encoded as
	// JSON; nil when there is none (no Before on create, no After on delete).
	// Never put secrets in them.
	Before, After any
	// RequestID ties the entry to a request; empty means the one in the context.
	RequestID string
	// At is when the change happened; zero means now.
	At time.Time
}

// Row is one stored audit record.
type Row struct {
	ID         string          `json:"id"`
	Seq        int64           `json:"seq"`
	Chain      int             `json:"chain"`
	At         time.Time       `json:"at"`
	ActorID    string          `json:"actor_id"`
	ActorLogin string          `json:"actor_login"`
	Action     string          `json:"action"`
	EntityKind string          `json:"entity_kind"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	RequestID  string          `json:"request_id,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Filter selects rows for Search; empty fields match everything.
type Filter struct {
	// Actor matches the actor's user id or, ignoring case, login.
	Actor      string
	EntityKind string
	EntityID   string
	Action     string
	// From and To bound the time of the change: From ≤ at < To.
	From, To time.Time
	// Limit is the page size: 0 means DefaultLimit, at most MaxLimit.
	Limit int
	// Cursor is the Next of the previous page; empty starts at the newest row.
	Cursor string
}

// Page is one page of search results, newest first.
type Page struct {
	Rows []Row `json:"rows"`
	// Next is the cursor of the following (older) page; empty on the last page.
	Next string `json:"next,omitempty"`
}

// Problem says what is wrong with a part of the chain.
type Problem string

// The problems Verify finds.
const (
	// ProblemAltered: the row's content does not match its hash.
	ProblemAltered Problem = "altered"
	// ProblemBrokenLink: the row's prev_hash is not the previous row's hash.
	ProblemBrokenLink Problem = "broken_link"
	// ProblemMissing: sequence numbers are missing before this row.
	ProblemMissing Problem = "missing"
	// ProblemHead: the chain head does not match the last row (rows removed at the end).
	ProblemHead Problem = "head_mismatch"
)

// Violation is one place where the chain is broken.
type Violation struct {
	Seq     int64   `json:"seq"`
	ID      string  `json:"id,omitempty"`
	Problem Problem `json:"problem"`
	Detail  string  `json:"detail"`
}

// String formats the violation for logs and the CLI.
func (v Violation) String() string {
	return fmt.Sprintf("audit row %d (%s): %s: %s", v.Seq, v.ID, v.Problem, v.Detail)
}

// Error is a bad entry or filter; Field names the input and Key the i18n message.
type Error struct {
	Field string
	Key   string
}

// Error describes the fault for logs.
func (e *Error) Error() string { return "audit: invalid " + e.Field + " (" + e.Key + ")" }

//go:embed migrations
var migrations embed.FS

//go:embed locales/*.toml
var locales embed.FS

// Messages holds the audit package's message files for i18n.Register.
var Messages = mustSub(locales, "locales")

// Migrate creates or upgrades the audit tables of a unit database; every unit
// runs it at start-up.
func Migrate(ctx context.Context, d *db.DB) error {
	return d.Migrate(ctx, Module, mustSub(migrations, "migrations"))
}

// Checker returns the invariant checker that verifies the chain of every unit
// for `loom check`.
func Checker() check.Checker {
	return check.Checker{Name: "audit.chain", Run: func(ctx context.Context, d *db.DB) ([]check.Violation, error) {
		vs, err := Verify(ctx, d)
		out := make([]check.Violation, 0, len(vs))
		for _, v := range vs {
			out = append(out, check.Violation{Subject: fmt.Sprintf("seq %d", v.Seq), Detail: string(v.Problem) + ": " + v.Detail})
		}
		return out, err
	}}
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying a request id that Record stores.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
