package benchmark_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/bench"
	_ "github.com/loom-erp/loom/internal/erp/sales" // registers the scenarios
	"github.com/loom-erp/loom/internal/erp/sales/internal/benchmark"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
)

// stockInvariants runs the inventory's `loom check` checkers on d.
func stockInvariants(ctx context.Context, d *db.DB) error {
	ran := 0
	for _, c := range check.All() {
		if !strings.HasPrefix(c.Name, "erp.stock.") {
			continue
		}
		ran++
		vs, err := c.Run(ctx, d)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		for i, v := range vs {
			if i == 5 {
				return fmt.Errorf("%s: %d violations", c.Name, len(vs))
			}
			fmt.Fprintf(os.Stderr, "%s: %s %s\n", c.Name, v.Subject, v.Detail)
		}
		if len(vs) > 0 {
			return fmt.Errorf("%s: %d violations", c.Name, len(vs))
		}
	}
	if ran < 3 {
		return fmt.Errorf("only %d stock checkers are registered", ran)
	}
	return nil
}

// TestValuationScenarios runs valuation (27,000 moves) and backdate (1,000)
// at scale 1 on SQLite and (when configured) PostgreSQL: the generated
// ledger must pass the inventory's invariant checkers (balances, stock rows,
// a fresh valuation of every move), and the scenarios must complete. Their
// numbers belong to `loom bench`.
func TestValuationScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 items")
	}
	benchmark.SetAfterHistory(stockInvariants)
	defer benchmark.SetAfterHistory(nil)
	dbs := []string{""}
	if url := os.Getenv(loomtest.PostgresEnv); url != "" {
		dbs = append(dbs, url)
	}
	for _, url := range dbs {
		for _, name := range []string{"valuation", "backdate"} {
			s, ok := bench.Lookup(name)
			if !ok {
				t.Fatalf("%s is not registered", name)
			}
			ms, err := s.Run(context.Background(), bench.Options{Scale: 1, DB: url})
			if err != nil {
				t.Fatalf("%s on %q: %v", name, url, err)
			}
			got := map[string]float64{}
			for _, m := range ms {
				got[m.Name] = m.Value
			}
			if name == "valuation" && got["moves"] != 27_000 {
				t.Errorf("valuation generated %v moves, want 27000", got["moves"])
			}
			if name == "backdate" && got["revalued"] < 900 {
				t.Errorf("backdate revalued %v moves", got["revalued"])
			}
		}
	}
}
