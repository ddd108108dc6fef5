package benchcrm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/crm/internal/benchcrm"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"

	_ "github.com/loom-erp/loom/internal/crm"
)

// TestScenarios runs each CRM scenario once on a small seed, on both
// engines, to show it works; the numbers are not checked.
func TestScenarios(t *testing.T) {
	benchcrm.SetCustomers(120)
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		o := bench.Options{Runs: 1, Duration: 200 * time.Millisecond, Scale: 1}
		if cfg.Engine == db.Postgres {
			o.DB = cfg.PostgresURL
		}
		for _, name := range []string{"crm-360"} {
			s, ok := bench.Lookup(name)
			if !ok {
				t.Fatalf("%s is not registered", name)
			}
			rep, err := bench.Run(context.Background(), s, o)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var names []string
			for _, m := range rep.Metrics {
				names = append(names, m.Name)
			}
			if !strings.Contains(strings.Join(names, ","), "page p95") {
				t.Errorf("%s reports %v", name, names)
			}
		}
	})
}
