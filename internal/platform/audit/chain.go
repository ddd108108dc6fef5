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
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	return d.BeforeCommit(ctx, func(tctx context.Context) error { return stage(d, tctx, []*Row{r}) })
}

// RecordAll adds several entries to the audit log of d as part of the
// transaction in ctx, like Record does for one, in order.
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
	return d.BeforeCommit(ctx, func(tctx context.Context) error { return stage(d, tctx, rs) })
}

// staged holds, per transaction, the rows its commit hooks have collected.
// The first hook registers one more, which runs after the others and
// appends them all to one chain together: one read and one move of the
// head, multi-row inserts.
var (
	stagedMu sync.Mutex
	staged   = map[context.Context]*stagedRows{}
)

type stagedRows struct {
	rows    []*Row
	created time.Time
}

func stage(d *db.DB, tctx context.Context, rs []*Row) error {
	stagedMu.Lock()
	s := staged[tctx]
	first := s == nil
	if first {
		if len(staged) > 64 {
			// A commit hook that failed between staging and appending left
			// its transaction's entry behind: forget entries that old.
			for k, v := range staged {
				if time.Since(v.created) > time.Minute {
					delete(staged, k)
				}
			}
		}
		s = &stagedRows{created: time.Now()}
		staged[tctx] = s
	}
	s.rows = append(s.rows, rs...)
	stagedMu.Unlock()
	if !first {
		return nil
	}
	return d.BeforeCommit(tctx, func(tctx context.Context) error {
		stagedMu.Lock()
		delete(staged, tctx)
		stagedMu.Unlock()
		return appendRows(tctx, d, s.rows)
	})
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

// rowsPerInsert bounds the rows of one multi-row insert (14 parameters each).
const rowsPerInsert = 32

// Chains is how many chains a unit's audit log keeps on PostgreSQL, where
// each transaction appends to one of them, picked at random, so that
// concurrent writers do not all wait on one head. SQLite's single writer
// keeps one chain.
const Chains = 8

// appendRows links rs, in order, to the head of one chain and stores them
// and the new head. On PostgreSQL the head row is locked until commit and
// the sequence numbers are taken under that lock (so they rise along each
// chain); on SQLite, whose single writer already serialises writers, they
// follow the head's.
func appendRows(ctx context.Context, d *db.DB, rs []*Row) error {
	chain := 1
	var (
		seqs []int64
		prev string
	)
	if d.Engine == db.Postgres {
		chain = 1 + rand.IntN(Chains)
		var first int64
		if err := d.QueryRow(ctx, `UPDATE audit_head SET seq = nextval('audit_seq') WHERE id = $1 RETURNING seq, hash`, chain).
			Scan(&first, &prev); err != nil {
			return fmt.Errorf("audit: take chain head %d on unit %s: %w", chain, d.Unit, err)
		}
		seqs = append(seqs, first)
		if len(rs) > 1 {
			rows, err := d.Query(ctx, `SELECT nextval('audit_seq') FROM generate_series(1, $1)`, len(rs)-1)
			if err != nil {
				return fmt.Errorf("audit: number rows on unit %s: %w", d.Unit, err)
			}
			for rows.Next() {
				var n int64
				if err := rows.Scan(&n); err != nil {
					rows.Close()
					return err
				}
				seqs = append(seqs, n)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			slices.Sort(seqs)
		}
	} else {
		var seq int64
		if err := d.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &prev); err != nil {
			return fmt.Errorf("audit: read chain head on unit %s: %w", d.Unit, err)
		}
		for range rs {
			seq++
			seqs = append(seqs, seq)
		}
	}
	if len(seqs) != len(rs) {
		return fmt.Errorf("audit: %d sequence numbers for %d rows on unit %s", len(seqs), len(rs), d.Unit)
	}
	for i, r := range rs {
		r.Seq, r.Chain, r.PrevHash = seqs[i], chain, prev
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
	if _, err := d.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = $3`, seqs[len(seqs)-1], prev, chain); err != nil {
		return fmt.Errorf("audit: move chain head on unit %s: %w", d.Unit, err)
	}
	return nil
}

// insertRows stores rows whose chain fields are set, in one statement.
func insertRows(ctx context.Context, d *db.DB, rs []*Row) error {
	const cols = 14
	var q strings.Builder
	q.WriteString(`INSERT INTO audit_log (id, seq, at, actor_id, actor_login, action,
		entity_kind, entity_id, before_json, after_json, request_id, prev_hash, hash, chain) VALUES `)
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
			r.EntityKind, r.EntityID, nullJSON(r.Before), nullJSON(r.After), r.RequestID, r.PrevHash, r.Hash, r.Chain)
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

// Head returns the highest sequence number of d's audit log and a hash of
// its chain heads (the hash of the last row when there is one chain);
// keeping a copy elsewhere (a backup report, a printout) lets a later Verify
// prove that the log was not rewritten as a whole.
func Head(ctx context.Context, d *db.DB) (seq int64, hash string, err error) {
	heads, err := chainHeads(ctx, d)
	if err != nil {
		return 0, "", err
	}
	if len(heads) == 1 {
		return heads[0].seq, heads[0].hash, nil
	}
	h := sha256.New()
	putString(h, "loom.audit.heads.v1")
	for _, c := range heads {
		seq = max(seq, c.seq)
		putString(h, strconv.Itoa(c.id))
		putString(h, strconv.FormatInt(c.seq, 10))
		putString(h, c.hash)
	}
	return seq, hex.EncodeToString(h.Sum(nil)), nil
}

type chainHead struct {
	id   int
	seq  int64
	hash string
}

func chainHeads(ctx context.Context, d *db.DB) ([]chainHead, error) {
	rows, err := d.Query(ctx, `SELECT id, seq, hash FROM audit_head ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("audit: read chain heads on unit %s: %w", d.Unit, err)
	}
	defer rows.Close()
	var out []chainHead
	for rows.Next() {
		var c chainHead
		if err := rows.Scan(&c.id, &c.seq, &c.hash); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("audit: unit %s has no chain head", d.Unit)
	}
	return out, nil
}

// Verify walks every chain of d in one snapshot and reports every row that
// was altered, every broken link, every run of missing rows, and a head that
// does not match the last row of its chain. No violations and no error mean
// the log is intact. Sequence numbers run without gaps on SQLite, where a
// gap is reported as missing rows; on PostgreSQL they may skip numbers (a
// transaction that failed after taking one), and a removed row shows as the
// broken link of the row after it in its chain, or as its chain's head.
func Verify(ctx context.Context, d *db.DB) ([]Violation, error) {
	var out []Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		heads, err := chainHeads(ctx, d)
		if err != nil {
			return err
		}
		type state struct {
			last int64
			prev string
		}
		chains := map[int]*state{}
		for _, c := range heads {
			chains[c.id] = &state{prev: Genesis}
		}
		gapless := d.Engine != db.Postgres
		rows, err := d.Query(ctx, `SELECT `+rowColumns+` FROM audit_log ORDER BY chain, seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				return err
			}
			c := chains[r.Chain]
			if c == nil {
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemBrokenLink,
					Detail: fmt.Sprintf("the row names chain %d, which has no head", r.Chain)})
				c = &state{prev: Genesis}
				chains[r.Chain] = c
			}
			switch {
			case gapless && r.Seq != c.last+1:
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemMissing,
					Detail: fmt.Sprintf("rows %d to %d are missing", c.last+1, r.Seq-1)})
			case r.PrevHash != c.prev:
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemBrokenLink,
					Detail: "prev_hash does not match the hash of the row before"})
			}
			if rowHash(&r) != r.Hash {
				out = append(out, Violation{Seq: r.Seq, ID: r.ID, Problem: ProblemAltered,
					Detail: "the row does not match its hash"})
			}
			c.last, c.prev = r.Seq, r.Hash
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, h := range heads {
			c := chains[h.id]
			switch {
			case h.seq != c.last:
				out = append(out, Violation{Seq: h.seq, Problem: ProblemHead,
					Detail: fmt.Sprintf("the head of chain %d names row %d but its last row is %d", h.id, h.seq, c.last)})
			case h.hash != c.prev:
				out = append(out, Violation{Seq: h.seq, Problem: ProblemHead,
					Detail: fmt.Sprintf("the head's hash of chain %d is not the hash of its last row", h.id)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: verify unit %s: %w", d.Unit, err)
	}
	return out, nil
}

const rowColumns = `id, seq, at, actor_id, actor_login, action, entity_kind, entity_id,
	before_json, after_json, request_id, prev_hash, hash, chain`

func scanRow(rows *sql.Rows) (Row, error) {
	var (
		r             Row
		at            int64
		before, after sql.NullString
	)
	err := rows.Scan(&r.ID, &r.Seq, &at, &r.ActorID, &r.ActorLogin, &r.Action, &r.EntityKind,
		&r.EntityID, &before, &after, &r.RequestID, &r.PrevHash, &r.Hash, &r.Chain)
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
