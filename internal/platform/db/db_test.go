package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

func TestRebindSQLite(t *testing.T) {
	cases := map[string]string{
		`SELECT $2, $1`:                           `SELECT ?2, ?1`,
		`SELECT '$1', $1`:                         `SELECT '$1', ?`,
		`VALUES ($1, $2), ($3, $4)`:               `VALUES (?, ?), (?, ?)`,
		`VALUES ($1, $3), ($2, $4)`:               `VALUES (?1, ?3), (?2, ?4)`,
		`SELECT $1, $2, $2`:                       `SELECT ?1, ?2, ?2`,
		`SELECT 'it''s $3', "a$1" FROM t -- $9`:   `SELECT 'it''s $3', "a$1" FROM t -- $9`,
		"SELECT x -- $1\nWHERE y = $10":           "SELECT x -- $1\nWHERE y = ?10",
		`SELECT 1`:                                `SELECT 1`,
		`UPDATE t SET a = $1 WHERE b = $2 AND $1`: `UPDATE t SET a = ?1 WHERE b = ?2 AND ?1`,
	}
	for in, want := range cases {
		if got := db.RebindSQLite(in); got != want {
			t.Errorf("RebindSQLite(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestArgumentOrder checks that $N binds by number, not by position, on both engines.
func TestArgumentOrder(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "crm")
		var a, b string
		if err := d.QueryRow(context.Background(), `SELECT CAST($2 AS TEXT), CAST($1 AS TEXT)`, "one", "two").Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if a != "two" || b != "one" {
			t.Fatalf("got %q,%q want two,one", a, b)
		}
		// Placeholders in order bind by position on SQLite: the same values.
		var c string
		if err := d.QueryRow(context.Background(), `SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT)`, "one", "two", "three").Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		if a != "one" || b != "two" || c != "three" {
			t.Fatalf("got %q,%q,%q want one,two,three", a, b, c)
		}
	})
}

func setupTable(t *testing.T, d *db.DB) {
	t.Helper()
	mig := fstest.MapFS{
		"sqlite/00001_t.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE t_item (id TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0)) STRICT;\n-- +goose Down\nDROP TABLE t_item;\n")},
		"postgres/00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE t_item (id TEXT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0));\n-- +goose Down\nDROP TABLE t_item;\n")},
	}
	if err := d.Migrate(context.Background(), "t", mig); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT count(*) FROM t_item`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTransactions(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "erp")
		setupTable(t, d)
		ctx := context.Background()

		// Nested InTx joins the outer one; the hook runs once after commit.
		hooks := 0
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ($1, $2)`, "a", 1); err != nil {
				return err
			}
			d.AfterCommit(ctx, func() { hooks++ })
			return d.InTx(ctx, func(ctx context.Context) error {
				if hooks != 0 {
					t.Error("after-commit hook ran before commit")
				}
				_, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ($1, $2)`, "b", 2)
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if hooks != 1 || count(t, d) != 2 {
			t.Fatalf("hooks=%d rows=%d, want 1 and 2", hooks, count(t, d))
		}

		// A failing inner call rolls back everything and drops the hooks.
		boom := errors.New("boom")
		err = d.InTx(ctx, func(ctx context.Context) error {
			d.AfterCommit(ctx, func() { hooks++ })
			if _, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ($1, $2)`, "c", 3); err != nil {
				return err
			}
			return d.InTx(ctx, func(ctx context.Context) error { return boom })
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		if hooks != 1 || count(t, d) != 2 {
			t.Fatalf("after rollback hooks=%d rows=%d, want 1 and 2", hooks, count(t, d))
		}

		// Reads inside the transaction see its own writes.
		err = d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.Exec(ctx, `UPDATE t_item SET n = n + 10 WHERE id = $1`, "a"); err != nil {
				return err
			}
			var n int
			if err := d.QueryRow(ctx, `SELECT n FROM t_item WHERE id = $1`, "a").Scan(&n); err != nil {
				return err
			}
			if n != 11 {
				t.Errorf("read own write: n=%d want 11", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !db.IsUniqueViolation(insertDup(d)) {
			t.Fatal("duplicate key not reported as unique violation")
		}
		_, err = d.Exec(ctx, `UPDATE t_item SET n = -1 WHERE id = 'a'`)
		if !db.IsCheckViolation(err) {
			t.Fatalf("check violation not recognised: %v", err)
		}
	})
}

func insertDup(d *db.DB) error {
	_, err := d.Exec(context.Background(), `INSERT INTO t_item (id, n) VALUES ('a', 1)`)
	return err
}

// TestConcurrentConditionalUpdates runs many writers against one row: the
// conditional decrement never drives it negative and no update is lost.
func TestConcurrentConditionalUpdates(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "erp")
		setupTable(t, d)
		ctx := context.Background()
		if _, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ('stock', 100)`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					err := d.InTx(ctx, func(ctx context.Context) error {
						n, err := d.ExecAffected(ctx, `UPDATE t_item SET n = n - 1 WHERE id = 'stock' AND n >= 1`)
						if err != nil {
							return err
						}
						if n == 1 {
							d.AfterCommit(ctx, func() { mu.Lock(); won++; mu.Unlock() })
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		var left int
		if err := d.QueryRow(ctx, `SELECT n FROM t_item WHERE id = 'stock'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if won != 100 || left != 0 {
			t.Fatalf("won=%d left=%d, want 100 and 0", won, left)
		}
	})
}

// TestGaplessNumbers takes numbers from many workers while some transactions
// fail after taking theirs: committed numbers are unique and gapless.
func TestGaplessNumbers(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "erp")
		setupTable(t, d)
		ctx := context.Background()
		if _, err := d.NextNumber(ctx, "SO"); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("NextNumber outside a transaction: err=%v, want ErrNoTx", err)
		}
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			got []string
		)
		fail := errors.New("posting failed")
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					var num string
					err := d.InTx(ctx, func(ctx context.Context) error {
						var err error
						num, err = d.NextDocNumber(ctx, "INV", timeOf2026)
						if err != nil {
							return err
						}
						if (w+i)%5 == 0 {
							return fail
						}
						_, err = d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ($1, 0)`, num)
						return err
					})
					if errors.Is(err, fail) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, num)
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		sort.Strings(got)
		for i, n := range got {
			if want := db.FormatDocNumber("INV", 2026, int64(i+1)); n != want {
				t.Fatalf("number %d = %s, want %s (gap or duplicate)", i, n, want)
			}
		}
		if len(got) != 160 {
			t.Fatalf("committed %d numbers, want 160", len(got))
		}
	})
}

// TestGaplessNumberBlocks takes blocks of numbers of different sizes from
// many workers, some of which fail after taking theirs: the committed numbers
// are unique and gapless, and each block is consecutive.
func TestGaplessNumberBlocks(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "erp")
		setupTable(t, d)
		ctx := context.Background()
		if _, err := d.NextNumbers(ctx, "blk", 2); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("NextNumbers outside a transaction: err=%v, want ErrNoTx", err)
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			_, err := d.NextNumbers(ctx, "blk", 0)
			return err
		})
		if err == nil {
			t.Fatal("NextNumbers(0) succeeded, want an error")
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			got  []int64
			want int
		)
		fail := errors.New("posting failed")
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					size := 1 + (w+i)%5
					var first int64
					err := d.InTx(ctx, func(ctx context.Context) error {
						var err error
						if first, err = d.NextNumbers(ctx, "blk", size); err != nil {
							return err
						}
						if (w+i)%4 == 0 {
							return fail
						}
						_, err = d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ($1, 0)`, fmt.Sprintf("blk-%d", first))
						return err
					})
					if errors.Is(err, fail) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for k := range size {
						got = append(got, first+int64(k))
					}
					want += size
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != int64(i+1) {
				t.Fatalf("number %d = %d, want %d (gap or duplicate)", i, n, i+1)
			}
		}
		if len(got) != want || want == 0 {
			t.Fatalf("committed %d numbers, want %d", len(got), want)
		}
	})
}

func TestFailedMigrationKeepsPreviousVersion(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "mes")
		setupTable(t, d)
		ctx := context.Background()
		bad := fstest.MapFS{
			"sqlite/00001_t.sql":     {Data: []byte("-- +goose Up\nCREATE TABLE t_item (id TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0)) STRICT;\n")},
			"postgres/00001_t.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE t_item (id TEXT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0));\n")},
			"sqlite/00002_bad.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE t_half (id TEXT);\nINSERT INTO no_such_table VALUES (1);\n")},
			"postgres/00002_bad.sql": {Data: []byte("-- +goose Up\nCREATE TABLE t_half (id TEXT);\nINSERT INTO no_such_table VALUES (1);\n")},
		}
		if err := d.Migrate(ctx, "t", bad); err == nil {
			t.Fatal("bad migration succeeded")
		}
		st, err := d.Status(ctx, "t", bad)
		if err != nil {
			t.Fatal(err)
		}
		if st.Current != 1 || len(st.PendingVersions) != 1 {
			t.Fatalf("status %+v, want version 1 with one pending", st)
		}
		var n int
		q := `SELECT count(*) FROM sqlite_master WHERE name = 't_half'`
		if cfg.Engine == db.Postgres {
			q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 't_half'`
		}
		if err := d.QueryRow(ctx, q).Scan(&n); err != nil || n != 0 {
			t.Fatalf("half-applied migration left a table (n=%d err=%v)", n, err)
		}
	})
}

func TestCorruptFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "erp.db"), []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := db.Open(context.Background(), db.Config{Engine: db.SQLite, DataDir: dir}, "erp")
	if err == nil || !strings.Contains(err.Error(), "unit erp database") {
		t.Fatalf("err = %v, want a clear message naming the unit", err)
	}
}

func TestUnreachablePostgres(t *testing.T) {
	_, err := db.Open(context.Background(), db.Config{Engine: db.Postgres, PostgresURL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, "crm")
	if err == nil || !strings.Contains(err.Error(), "unit crm") {
		t.Fatalf("err = %v, want a clear message naming the unit", err)
	}
}

func TestBeforeCommit(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "crm")
		setupTable(t, d)
		ctx := context.Background()
		err := d.InTx(ctx, func(ctx context.Context) error {
			return d.BeforeCommit(ctx, func(ctx context.Context) error {
				_, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ('late', 1)`)
				return err
			})
		})
		if err != nil || count(t, d) != 1 {
			t.Fatalf("before-commit write: err=%v rows=%d", err, count(t, d))
		}
		refuse := errors.New("refused")
		err = d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ('x', 1)`); err != nil {
				return err
			}
			return d.BeforeCommit(ctx, func(context.Context) error { return refuse })
		})
		if !errors.Is(err, refuse) || count(t, d) != 1 {
			t.Fatalf("failing before-commit hook: err=%v rows=%d", err, count(t, d))
		}
		if err := d.BeforeCommit(ctx, func(context.Context) error { return nil }); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("outside a transaction: %v", err)
		}
	})
}

// TestGroupCommit runs many transactions at once, some failing and some
// panicking: each succeeds or fails on its own, and only the successful
// ones leave rows and run their after-commit hooks.
func TestGroupCommit(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "erp")
		setupTable(t, d)
		ctx := context.Background()
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			hooks = map[string]int{}
		)
		fail := errors.New("refused")
		for w := 0; w < 32; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					id := fmt.Sprintf("w%d-%d", w, i)
					func() {
						defer func() {
							p := recover()
							if (p != nil) != (i%5 == 4) {
								t.Errorf("%s: panic = %v", id, p)
							}
						}()
						err := d.InTx(ctx, func(ctx context.Context) error {
							if _, err := d.Exec(ctx, `INSERT INTO t_item (id, n) VALUES ($1, 1)`, id); err != nil {
								return err
							}
							d.AfterCommit(ctx, func() { mu.Lock(); hooks[id]++; mu.Unlock() })
							switch i % 5 {
							case 2:
								return fail
							case 4:
								panic("boom " + id)
							}
							return nil
						})
						if (err != nil) != (i%5 == 2) {
							t.Errorf("%s: err = %v", id, err)
						}
					}()
				}
			}(w)
		}
		wg.Wait()
		rows, err := d.Query(ctx, `SELECT id FROM t_item`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got[id] = true
		}
		rows.Close()
		for w := 0; w < 32; w++ {
			for i := 0; i < 10; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				want := i%5 != 2 && i%5 != 4
				if got[id] != want || (hooks[id] == 1) != want || hooks[id] > 1 {
					t.Errorf("%s: stored %v, hooks %d; want stored %v", id, got[id], hooks[id], want)
				}
			}
		}
	})
}
