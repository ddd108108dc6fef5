package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Longest accepted text fields of an entry, in bytes.
const (
	maxNameLen = 200
	maxIDLen   = 200
)

// Record adds e to the audit log of d as part of the transaction in ctx; it
// must run inside d.InTx (a read-only InReadTx never commits, so its records
// would be lost). The actor is the principal in ctx, or the system when there
// is none. The row is appended to the chain just before the transaction
// commits, so the chain head stays locked only for that moment; if the
// transaction rolls back, the record goes with it.
func Record(ctx context.Context, d *db.DB, e Entry) error {
	if !d.InTxNow(ctx) {
		return fmt.Errorf("audit: record %q: %w", e.Action, db.ErrNoTx)
	}
	r, err := newRow(ctx, e)
	if err != nil {
		return err
	}
	return d.BeforeCommit(ctx, func(ctx context.Context) error { return appendRows(ctx, d, []*Row{r}) })
}

// RecordAll adds several entries to the audit log of d as part of the
// transaction in ctx, like Record does for one, in order. They are appended
// to the chain together: one read of the chain head, multi-row inserts and
// one move of the head, which matters when a transaction records many
// changes at once (a batch of postings).
func RecordAll(ctx context.Context, d *db.DB, es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	if !d.InTxNow(ctx) {
		return fmt.Errorf("audit: record %q: %w", es[0].Action, db.ErrNoTx)
	}
	rs := make([]*Row, len(es))
	for i, e := range es {
		var err error
		if rs[i], err = newRow(ctx, e); err != nil {
			return err
		}
	}
	return d.BeforeCommit(ctx, func(ctx context.Context) error { return appendRows(ctx, d, rs) })
}

// newRow validates e and turns it into a row without its chain fields.
func newRow(ctx context.Context, e Entry) (*Row, error) {
	for _, f := range []struct{ name, v string }{
		{"action", e.Action}, {"entity_kind", e.EntityKind},
	} {
		if f.v == "" {
			return nil, &Error{Field: f.name, Key: "audit.error.required"}
		}
		if len(f.v) > maxNameLen || !utf8.ValidString(f.v) {
			return nil, &Error{Field: f.name, Key: "audit.error.too_long"}
		}
	}
	if len(e.EntityID) > maxIDLen || !utf8.ValidString(e.EntityID) {
		return nil, &Error{Field: "entity_id", Key: "audit.error.too_long"}
	}
	r := &Row{
		ID:         db.NewID(),
		At:         e.At,
		Action:     e.Action,
		EntityKind: e.EntityKind,
		EntityID:   e.EntityID,
		RequestID:  e.RequestID,
		ActorLogin: authz.SystemLogin,
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	// Stored with millisecond precision; keep the row exactly as it will be read.
	r.At = db.FromMillis(db.Millis(r.At))
	if r.RequestID == "" {
		r.RequestID = RequestID(ctx)
	}
	if p := authz.FromContext(ctx); p != nil && !p.System {
		r.ActorID, r.ActorLogin = p.UserID, p.Login
	}
	var err error
	if r.Before, err = encodeState(e.Before); err != nil {
		return nil, &Error{Field: "before", Key: "audit.error.not_json"}
	}
	if r.After, err = encodeState(e.After); err != nil {
		return nil, &Error{Field: "after", Key: "audit.error.not_json"}
	}
	return r, nil
}

func encodeState(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// rowsPerInsert bounds the rows of one multi-row insert (13 parameters each).
const rowsPerInsert = 32

// appendRows links rs, in order, to the chain head and stores them and the
// new head. On PostgreSQL the head row is locked FOR UPDATE until commit;
// SQLite's single writer already serialises writers.
func appendRows(ctx context.Context, d *db.DB, rs []*Row) error {
	q := `SELECT seq, hash FROM audit_head WHERE id = 1`
	if d.Engine == db.Postgres {
		q += ` FOR UPDATE`
	}
	var (
		seq  int64
		prev string
	)
	if err := d.QueryRow(ctx, q).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit: read chain head on unit %s: %w", d.Unit, err)
	}
	for _, r := range rs {
		seq++
		r.Seq, r.PrevHash = seq, prev
		r.Hash = rowHash(r)
		prev = r.Hash
	}
	for rest := rs; len(rest) > 0; {
		chunk := rest[:min(len(rest), rowsPerInsert)]
		rest = rest[len(chunk):]
		if err := insertRows(ctx, d, chunk); err != nil {
			return err
		}
	}
	if _, err := d.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, prev); err != nil {
		return fmt.Errorf("audit: move chain head on unit %s: %w", d.Unit, err)
	}
	return nil
}

// insertRows stores rows whose chain fields are set, in one statement.
func insertRows(ctx context.Context, d *db.DB, rs []*Row) error {
	const cols = 13
	var q strings.Builder
	q.WriteString(`INSERT INTO audit_log (id, seq, at, actor_id, actor_login, action,
		entity_kind, entity_id, before_json, after_json, request_id, prev_hash, hash) VALUES `)
	args := make([]any, 0, cols*len(rs))
	for i, r := range rs {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for c := range cols {
			if c > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('$')
			q.WriteString(strconv.Itoa(i*cols + c + 1))
		}
		q.WriteByte(')')
		args = append(args, r.ID, r.Seq, db.Millis(r.At), r.ActorID, r.ActorLogin, r.Action,
			r.EntityKind, r.EntityID, nullJSON(r.Before), nullJSON(r.After), r.RequestID, r.PrevHash, r.Hash)
	}
	if _, err := d.Exec(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("audit: append %s on unit %s: %w", rs[0].Action, d.Unit, err)
	}
	return nil
}

func nullJSON(b json.RawMessage) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}

// rowHash is SHA-256 over the previous hash and the canonical encoding of the
// row: a version tag, then every field in a fixed order, each prefixed by its
// length so no two different rows encode alike.
func rowHash(r *Row) string {
	h := sha256.New()
	putString(h, "loom.audit.v1")
	putString(h, r.PrevHash)
	putString(h, r.ID)
	putString(h, strconv.FormatInt(r.Seq, 10))
	putString(h, strconv.FormatInt(db.Millis(r.At), 10))
	putString(h, r.ActorID)
	putString(h, r.ActorLogin)
	putString(h, r.Action)
	putString(h, r.EntityKind)
	putString(h, r.EntityID)
	putOptional(h, r.Before)
	putOptional(h, r.After)
	putString(h, r.RequestID)
	return hex.EncodeToString(h.Sum(nil))
}

func putString(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func putOptional(h hash.Hash, b json.RawMessage) {
	if b == nil {
		h.Write([]byte{0})
		return
	}
	h.Write([]byte{1})
	putString(h, string(b))
}

// Head returns the sequence number and hash of the last row of the chain of
// d; keeping a copy elsewhere (a backup report, a printout) lets a later
// Verify prove that the chain was not rewritten as a whole.
func Head(ctx context.Context, d *db.DB) (seq int64, hash string, err error) {
	err = d.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("audit: read chain head on unit %s: %w", d.Unit, err)
	}
	return seq, hash, nil
}

// Verify walks the whole chain of d in one snapshot and reports every row that
// was altered, every broken link, every run of missing rows, and a head that
// does not match the last row. No violations and no error mean the chain is intact.
func Verify(ctx context.Context, d *db.DB) ([]Violation, error) {
	var out []Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := d.Query(ctx, `SELECT `+rowColumns+` FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		next, prev := int64(1), Genesis
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				return err
			}
			switch {
			case r.Seq != next:
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemMissing,
					Detail: fmt.Sprintf("rows %d to %d are missing", next, r.Seq-1)})
			case r.PrevHash != prev:
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemBrokenLink,
					Detail: "prev_hash does not match the hash of the row before"})
			}
			if rowHash(&r) != r.Hash {
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemAltered,
					Detail: "the row does not match its hash"})
			}
			next, prev = r.Seq+1, r.Hash
		}
		if err := rows.Err(); err != nil {
			return err
		}
		seq, hash, err := Head(ctx, d)
		if err != nil {
			return err
		}
		switch {
		case seq != next-1:
			out = append(out, Violation{Seq: seq, Problem: ProblemHead,
				Detail: fmt.Sprintf("the head names row %d but the last row is %d", seq, next-1)})
		case hash != prev:
			out = append(out, Violation{Seq: seq, Problem: ProblemHead,
				Detail: "the head's hash is not the hash of the last row"})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: verify unit %s: %w", d.Unit, err)
	}
	return out, nil
}

const rowColumns = `id, seq, at, actor_id, actor_login, action, entity_kind, entity_id,
	before_json, after_json, request_id, prev_hash, hash`

func scanRow(rows *sql.Rows) (Row, error) {
	var (
		r             Row
		at            int64
		before, after sql.NullString
	)
	err := rows.Scan(&r.ID, &r.Seq, &at, &r.ActorID, &r.ActorLogin, &r.Action, &r.EntityKind,
		&r.EntityID, &before, &after, &r.RequestID, &r.PrevHash, &r.Hash)
	if err != nil {
		return r, err
	}
	r.At = db.FromMillis(at)
	if before.Valid {
		r.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		r.After = json.RawMessage(after.String)
	}
	return r, nil
}
