package audit_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func open(t *testing.T, cfg db.Config) *db.DB {
	t.Helper()
	d := loomtest.Open(t, cfg, "erp")
	if err := audit.Migrate(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

var alice = &authz.Principal{UserID: "u-alice", Login: "Alice"}

// record writes n entries, one transaction each, as alice.
func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := audit.WithRequestID(authz.WithPrincipal(context.Background(), alice), "req-1")
	for i := range n {
		err := d.InTx(ctx, func(ctx context.Context) error {
			return audit.Record(ctx, d, audit.Entry{
				Action:     "erp.item.updated",
				EntityKind: "erp.item",
				EntityID:   "item-" + strconv.Itoa(i%3),
				Before:     map[string]any{"name": "bolt", "n": i},
				After:      map[string]any{"name": "bolt M8", "n": i + 1},
				At:         t0.Add(time.Duration(i) * time.Minute),
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func count(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustVerify(t *testing.T, d *db.DB) []audit.Violation {
	t.Helper()
	vs, err := audit.Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func raw(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Writer().ExecContext(context.Background(), d.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// dropGuards removes the append-only triggers, as an attacker with raw SQL access could.
func dropGuards(t *testing.T, d *db.DB) {
	t.Helper()
	if d.Engine == db.Postgres {
		raw(t, d, `DROP TRIGGER audit_log_no_change ON audit_log`)
		return
	}
	raw(t, d, `DROP TRIGGER audit_log_no_update`)
	raw(t, d, `DROP TRIGGER audit_log_no_delete`)
}

func TestRecordAndVerify(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		ctx := context.Background()
		if vs := mustVerify(t, d); len(vs) != 0 {
			t.Fatalf("empty chain: %v", vs)
		}
		record(t, d, 5)

		// A rolled-back transaction leaves no record.
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := audit.Record(ctx, d, audit.Entry{Action: "erp.item.deleted", EntityKind: "erp.item", EntityID: "x"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count(t, d) != 5 {
			t.Fatalf("rollback: err=%v rows=%d", err, count(t, d))
		}

		// Two entries in one transaction, with no principal: the system acts.
		err = d.InTx(ctx, func(ctx context.Context) error {
			for _, id := range []string{"a", "b"} {
				if err := audit.Record(ctx, d, audit.Entry{Action: "erp.item.created", EntityKind: "erp.item", EntityID: id, After: map[string]string{"id": id}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if vs := mustVerify(t, d); len(vs) != 0 {
			t.Fatalf("intact chain reported broken: %v", vs)
		}
		seq, hash, err := audit.Head(ctx, d)
		if err != nil || seq != 7 || len(hash) != 64 {
			t.Fatalf("head = %d %q %v, want 7 and a SHA-256", seq, hash, err)
		}

		page, err := audit.Search(ctx, d, audit.Filter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		top := page.Rows[0]
		// With one chain (SQLite) the head's hash is the last row's; with
		// several (PostgreSQL) it is a hash of the chains' heads.
		oneChain := d.Engine != db.Postgres
		if top.Seq != 7 || top.ActorLogin != authz.SystemLogin || top.ActorID != "" || top.Before != nil || string(top.After) != `{"id":"b"}` || (oneChain && top.Hash != hash) {
			t.Fatalf("newest row = %+v", top)
		}
		first, err := audit.Search(ctx, d, audit.Filter{Actor: "alice", Limit: 1, Cursor: "2"})
		if err != nil || len(first.Rows) != 1 {
			t.Fatalf("first row: %+v %v", first, err)
		}
		r := first.Rows[0]
		if r.Seq != 1 || r.PrevHash != audit.Genesis || r.ActorID != "u-alice" || r.ActorLogin != "Alice" ||
			r.RequestID != "req-1" || !r.At.Equal(t0) || string(r.Before) != `{"n":0,"name":"bolt"}` {
			t.Fatalf("first row = %+v", r)
		}
	})
}

func TestRecordNeedsTransaction(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		err := audit.Record(context.Background(), d, audit.Entry{Action: "a", EntityKind: "k"})
		if !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("err = %v, want ErrNoTx", err)
		}
	})
}

func TestBadEntries(t *testing.T) {
	long := string(make([]byte, 201))
	cases := []struct {
		e     audit.Entry
		field string
	}{
		{audit.Entry{EntityKind: "k"}, "action"},
		{audit.Entry{Action: "a"}, "entity_kind"},
		{audit.Entry{Action: long, EntityKind: "k"}, "action"},
		{audit.Entry{Action: "a", EntityKind: "k", EntityID: long}, "entity_id"},
		{audit.Entry{Action: "a", EntityKind: "k", Before: math.Inf(1)}, "before"},
		{audit.Entry{Action: "a", EntityKind: "k", After: make(chan int)}, "after"},
	}
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		for _, c := range cases {
			err := d.InTx(context.Background(), func(ctx context.Context) error {
				return audit.Record(ctx, d, c.e)
			})
			var ae *audit.Error
			if !errors.As(err, &ae) || ae.Field != c.field || !i18nHas(ae.Key) {
				t.Errorf("entry %+v: err = %v, want an error on %s", c.e, err, c.field)
			}
		}
		if n := count(t, d); n != 0 {
			t.Fatalf("bad entries wrote %d rows", n)
		}
	})
}

func i18nHas(key string) bool {
	registerMessages.Do(func() { i18n.Register(audit.Messages) })
	return i18n.Has(key)
}

var registerMessages sync.Once

func TestMessagesInBothLanguages(t *testing.T) {
	i18nHas("audit.error.required")
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestAppendOnly checks that the database itself refuses to change or remove rows.
func TestAppendOnly(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		record(t, d, 3)
		ctx := context.Background()
		stmts := []string{
			`UPDATE audit_log SET action = 'x' WHERE seq = 2`,
			`DELETE FROM audit_log WHERE seq = 3`,
			`DELETE FROM audit_log`,
		}
		if d.Engine == db.Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`)
		}
		for _, q := range stmts {
			_, err := d.Writer().ExecContext(ctx, q)
			if !db.IsCheckViolation(err) {
				t.Errorf("%s: err = %v, want the trigger to refuse it", q, err)
			}
			// Also inside a business transaction.
			err = d.InTx(ctx, func(ctx context.Context) error { _, err := d.Exec(ctx, q); return err })
			if !db.IsCheckViolation(err) {
				t.Errorf("%s in InTx: err = %v, want the trigger to refuse it", q, err)
			}
		}
		if count(t, d) != 3 || len(mustVerify(t, d)) != 0 {
			t.Fatal("refused statements changed the log")
		}
	})
}

func problems(vs []audit.Violation) map[int64]audit.Problem {
	out := map[int64]audit.Problem{}
	for _, v := range vs {
		out[v.Seq] = v.Problem
	}
	return out
}

// onlyLinks reports whether every violation is a broken link or a head
// that does not match its chain.
func onlyLinks(vs []audit.Violation) bool {
	for _, v := range vs {
		if v.Problem != audit.ProblemBrokenLink && v.Problem != audit.ProblemHead {
			return false
		}
	}
	return true
}

func TestTamperingIsDetected(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		t.Run("altered row", func(t *testing.T) {
			d := open(t, loomtest.Config(t, cfg.Engine))
			record(t, d, 5)
			dropGuards(t, d)
			raw(t, d, `UPDATE audit_log SET after_json = '{"name":"bolt M10","n":3}' WHERE seq = 3`)
			vs := mustVerify(t, d)
			if p := problems(vs); len(p) != 1 || p[3] != audit.ProblemAltered {
				t.Fatalf("violations = %v, want row 3 altered", vs)
			}
		})
		t.Run("hash replaced", func(t *testing.T) {
			d := open(t, loomtest.Config(t, cfg.Engine))
			record(t, d, 5)
			dropGuards(t, d)
			raw(t, d, `UPDATE audit_log SET hash = $1 WHERE seq = 2`, "ab"+audit.Genesis[2:])
			vs := mustVerify(t, d)
			p := problems(vs)
			if d.Engine == db.Postgres {
				// The row after it in its chain, or the chain's head, no longer links.
				if len(vs) != 2 || vs[0].Seq != 2 || vs[0].Problem != audit.ProblemAltered || !onlyLinks(vs[1:]) {
					t.Fatalf("violations = %v, want row 2 altered and one broken link", vs)
				}
				return
			}
			if p[2] != audit.ProblemAltered || p[3] != audit.ProblemBrokenLink {
				t.Fatalf("violations = %v, want row 2 altered and row 3 unlinked", vs)
			}
		})
		t.Run("row removed in the middle", func(t *testing.T) {
			d := open(t, loomtest.Config(t, cfg.Engine))
			record(t, d, 5)
			dropGuards(t, d)
			raw(t, d, `DELETE FROM audit_log WHERE seq = 2`)
			vs := mustVerify(t, d)
			if d.Engine == db.Postgres {
				if len(vs) != 1 || !onlyLinks(vs) {
					t.Fatalf("violations = %v, want one broken link", vs)
				}
				return
			}
			if p := problems(vs); len(p) != 1 || p[3] != audit.ProblemMissing {
				t.Fatalf("violations = %v, want rows missing before 3", vs)
			}
		})
		t.Run("rows removed at the end", func(t *testing.T) {
			d := open(t, loomtest.Config(t, cfg.Engine))
			record(t, d, 5)
			dropGuards(t, d)
			raw(t, d, `DELETE FROM audit_log WHERE seq >= 4`)
			vs := mustVerify(t, d)
			if d.Engine == db.Postgres {
				// The heads of the one or two chains the rows ended.
				for _, v := range vs {
					if v.Problem != audit.ProblemHead {
						t.Fatalf("violations = %v, want head mismatches only", vs)
					}
				}
				if len(vs) == 0 {
					t.Fatal("removed rows not detected")
				}
				return
			}
			if p := problems(vs); len(p) != 1 || p[5] != audit.ProblemHead {
				t.Fatalf("violations = %v, want a head mismatch", vs)
			}
		})
		t.Run("actor rewritten", func(t *testing.T) {
			d := open(t, loomtest.Config(t, cfg.Engine))
			record(t, d, 2)
			dropGuards(t, d)
			raw(t, d, `UPDATE audit_log SET actor_login = 'bob' WHERE seq = 1`)
			if p := problems(mustVerify(t, d)); len(p) != 1 || p[1] != audit.ProblemAltered {
				t.Fatalf("violations = %v, want row 1 altered", p)
			}
		})
	})
}

// TestConcurrentWriters runs many writers at once: they keep one unbroken chain.
func TestConcurrentWriters(t *testing.T) {
	const workers, perWorker = 16, 50
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				p := &authz.Principal{UserID: fmt.Sprintf("u%d", w), Login: fmt.Sprintf("worker%d", w)}
				ctx := authz.WithPrincipal(context.Background(), p)
				for i := range perWorker {
					err := d.InTx(ctx, func(ctx context.Context) error {
						return audit.Record(ctx, d, audit.Entry{Action: "erp.item.updated", EntityKind: "erp.item", EntityID: fmt.Sprintf("%d-%d", w, i)})
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := count(t, d); n != workers*perWorker {
			t.Fatalf("rows = %d, want %d", n, workers*perWorker)
		}
		if vs := mustVerify(t, d); len(vs) != 0 {
			t.Fatalf("chain broken by concurrent writers: %v", vs[:min(len(vs), 5)])
		}
		// PostgreSQL's sequence numbers may skip values (a writer that waited
		// on a chain head takes its number again), SQLite's do not.
		seq, _, err := audit.Head(context.Background(), d)
		if err != nil || seq < workers*perWorker || (d.Engine != db.Postgres && seq != workers*perWorker) {
			t.Fatalf("head = %d %v", seq, err)
		}
	})
}

// TestRecordAll appends batches (larger than one insert holds) from
// concurrent writers beside single records: the chain stays intact, every
// batch keeps its order, a bad entry or a rollback writes nothing.
func TestRecordAll(t *testing.T) {
	const workers, rounds, batch = 6, 5, 45
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		ctx := authz.WithPrincipal(context.Background(), alice)
		if err := audit.RecordAll(ctx, d, []audit.Entry{{Action: "a", EntityKind: "k"}}); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("outside a transaction: err = %v, want ErrNoTx", err)
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			return audit.RecordAll(ctx, d, []audit.Entry{{Action: "a", EntityKind: "k"}, {Action: "", EntityKind: "k"}})
		})
		var bad *audit.Error
		if !errors.As(err, &bad) || bad.Field != "action" || count(t, d) != 0 {
			t.Fatalf("bad entry: err = %v, rows = %d", err, count(t, d))
		}
		boom := errors.New("boom")
		err = d.InTx(ctx, func(ctx context.Context) error {
			if err := audit.RecordAll(ctx, d, []audit.Entry{{Action: "a", EntityKind: "k"}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count(t, d) != 0 {
			t.Fatalf("rollback: err = %v, rows = %d", err, count(t, d))
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range rounds {
					err := d.InTx(ctx, func(ctx context.Context) error {
						if err := audit.Record(ctx, d, audit.Entry{Action: "erp.item.updated", EntityKind: "erp.item", EntityID: fmt.Sprintf("s%d-%d", w, i)}); err != nil {
							return err
						}
						es := make([]audit.Entry, batch)
						for k := range es {
							es[k] = audit.Entry{Action: "fin.entry.posted", EntityKind: "fin.entry", EntityID: fmt.Sprintf("%d-%d-%03d", w, i, k),
								After: map[string]int{"k": k}}
						}
						return audit.RecordAll(ctx, d, es)
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		want := workers * rounds * (batch + 1)
		if n := count(t, d); n != want {
			t.Fatalf("rows = %d, want %d", n, want)
		}
		if vs := mustVerify(t, d); len(vs) != 0 {
			t.Fatalf("chain broken: %v", vs[:min(len(vs), 5)])
		}
		// Each batch is in order and whole along its chain (on PostgreSQL
		// concurrent batches of other chains may take numbers in between).
		rows, err := d.Query(context.Background(), `SELECT entity_id FROM audit_log WHERE action = 'fin.entry.posted' ORDER BY chain, seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for i := 0; i < len(ids); i += batch {
			for k := range batch {
				if want := ids[i][:len(ids[i])-3] + fmt.Sprintf("%03d", k); ids[i+k] != want {
					t.Fatalf("row %d = %s, want %s (a batch out of order or interleaved)", i+k, ids[i+k], want)
				}
			}
		}
	})
}

func TestSearch(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		ctx := context.Background()
		record(t, d, 10) // item-0: seq 1,4,7,10; at t0 + (seq-1) minutes

		// Walk every page of two: all rows, newest first, no repeats.
		var seqs []int64
		f := audit.Filter{Limit: 2}
		for {
			p, err := audit.Search(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Rows {
				seqs = append(seqs, r.Seq)
			}
			if p.Next == "" {
				break
			}
			f.Cursor = p.Next
		}
		if fmt.Sprint(seqs) != "[10 9 8 7 6 5 4 3 2 1]" {
			t.Fatalf("pages gave %v", seqs)
		}

		cases := []struct {
			f    audit.Filter
			want string
		}{
			{audit.Filter{EntityKind: "erp.item", EntityID: "item-0"}, "[10 7 4 1]"},
			{audit.Filter{Actor: "u-alice", EntityID: "item-1"}, "[8 5 2]"},
			{audit.Filter{Actor: "bob"}, "[]"},
			{audit.Filter{Action: "erp.item.updated", From: t0.Add(2 * time.Minute), To: t0.Add(5 * time.Minute)}, "[5 4 3]"},
			{audit.Filter{EntityID: "item-0", Cursor: "7"}, "[4 1]"},
		}
		for _, c := range cases {
			p, err := audit.Search(ctx, d, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range p.Rows {
				got = append(got, r.Seq)
			}
			if fmt.Sprint(got) != c.want || p.Next != "" {
				t.Errorf("%+v gave %v next %q, want %s", c.f, got, p.Next, c.want)
			}
		}

		bad := []struct {
			f     audit.Filter
			field string
		}{
			{audit.Filter{Limit: -1}, "limit"},
			{audit.Filter{Limit: audit.MaxLimit + 1}, "limit"},
			{audit.Filter{Cursor: "abc"}, "cursor"},
			{audit.Filter{Cursor: "-4"}, "cursor"},
			{audit.Filter{From: t0, To: t0}, "to"},
		}
		for _, c := range bad {
			_, err := audit.Search(ctx, d, c.f)
			var ae *audit.Error
			if !errors.As(err, &ae) || ae.Field != c.field || !i18nHas(ae.Key) {
				t.Errorf("%+v: err = %v, want an error on %s", c.f, err, c.field)
			}
		}
	})
}

func TestChecker(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := open(t, cfg)
		record(t, d, 3)
		c := audit.Checker()
		vs, err := c.Run(context.Background(), d)
		if err != nil || len(vs) != 0 {
			t.Fatalf("intact chain: %v %v", vs, err)
		}
		dropGuards(t, d)
		raw(t, d, `UPDATE audit_log SET entity_id = 'other' WHERE seq = 1`)
		vs, err = c.Run(context.Background(), d)
		if err != nil || len(vs) != 1 || vs[0].Subject != "seq 1" {
			t.Fatalf("tampered chain: %v %v", vs, err)
		}
	})
}
