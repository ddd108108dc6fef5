package benchfin

import (
	"context"
	"os"
	"testing"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
)

func engines() []string {
	dbs := []string{""}
	if url := os.Getenv(loomtest.PostgresEnv); url != "" {
		dbs = append(dbs, url)
	}
	return dbs
}

// TestGenerateKeepsTheLedger generates lines in several batches and runs
// the ledger's `loom check` checkers on them: every entry balances and is
// posted, and the balances are the sums of the lines.
func TestGenerateKeepsTheLedger(t *testing.T) {
	for _, url := range engines() {
		ctx := context.Background()
		b, err := open(ctx, bench.Options{DB: url})
		if err != nil {
			t.Fatal(err)
		}
		defer b.close()
		defer func(n int) { batch = n }(batch)
		batch = 1_000
		const lines = 2*2_000 + 2*234 // two batches and a part
		n, err := generate(ctx, b, lines, nil)
		if err != nil {
			t.Fatal(err)
		}
		var count, posted, helpers int
		if err := b.d.QueryRow(ctx, `SELECT count(*) FROM fin_line`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if err := b.d.QueryRow(ctx, `SELECT count(*) FROM fin_entry WHERE status = 'posted'`).Scan(&posted); err != nil {
			t.Fatal(err)
		}
		if n != lines || count != lines || posted != lines/2 {
			t.Fatalf("%q: generated %d, %d lines, %d posted entries; want %d lines", url, n, count, posted, lines)
		}
		for name, f := range map[string]check.Func{
			"entries": ledger.CheckEntries, "trial balance": ledger.CheckTrialBalance, "balances": ledger.CheckBalances,
		} {
			vs, err := f(ctx, b.d)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) > 0 {
				t.Fatalf("%q: %s: %d violations, the first %v", url, name, len(vs), vs[0])
			}
		}
		q := `SELECT count(*) FROM sqlite_master WHERE name LIKE 'bench_%'`
		if b.engine == db.Postgres {
			q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'bench_%'`
		}
		if err := b.d.QueryRow(ctx, q).Scan(&helpers); err != nil || helpers != 0 {
			t.Fatalf("%q: %d helper tables left (%v)", url, helpers, err)
		}
		if b.engine == db.SQLite {
			rows, err := b.d.Query(ctx, `PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			if rows.Next() {
				t.Errorf("a generated row breaks a foreign key")
			}
			rows.Close()
		}
	}
}

// TestReadScenarios runs trial-balance and ar-aging at scale 1.
func TestReadScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 100,000 lines")
	}
	for _, url := range engines() {
		for name, want := range map[string]string{"trial-balance": "lines", "ar-aging": "open_invoices"} {
			ms, err := map[string]func(context.Context, bench.Options) ([]bench.Metric, error){
				"trial-balance": trialBalance, "ar-aging": arAging}[name](context.Background(), bench.Options{Scale: 1, DB: url})
			if err != nil {
				t.Fatalf("%s on %q: %v", name, url, err)
			}
			if ms[0].Name != want || ms[0].Value <= 0 {
				t.Fatalf("%s on %q: %+v", name, url, ms)
			}
		}
	}
}
