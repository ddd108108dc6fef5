package benchfin_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/finance/internal/benchfin"
	"github.com/loom-erp/loom/internal/loomtest"
)

// TestLedgerPostScenario runs the ledger-post scenario briefly, on SQLite
// and (when configured) PostgreSQL, to keep it working; its numbers belong
// to `loom bench`, not to tests.
func TestLedgerPostScenario(t *testing.T) {
	benchfin.Register()
	s, ok := bench.Lookup("ledger-post")
	if !ok {
		t.Fatal("ledger-post is not registered")
	}
	dbs := []string{""}
	if url := os.Getenv(loomtest.PostgresEnv); url != "" {
		dbs = append(dbs, url)
	}
	for _, url := range dbs {
		ms, err := s.Run(context.Background(), bench.Options{Duration: 300 * time.Millisecond, DB: url})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == "errors" && m.Value != 0 {
				t.Fatalf("%v postings failed", m.Value)
			}
		}
	}
}
