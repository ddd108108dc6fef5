package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	_ "github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/bench"
)

// TestCRMContentionScenario runs crm-contention once with short phases on
// SQLite to show that every phase completes and reports; the numbers are not
// checked (docs/benchmarks.md records real runs on both engines).
func TestCRMContentionScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo company")
	}
	s, ok := bench.Lookup("crm-contention")
	if !ok {
		t.Fatal("crm-contention is not registered")
	}
	ms, err := s.Run(context.Background(), bench.Options{Runs: 1, Duration: time.Second, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	var names []string
	for _, m := range ms {
		got[m.Name] = m.Value
		names = append(names, m.Name)
	}
	for _, want := range []string{"leads_rps", "confirm_rate", "confirm_alone_p99", "confirm_loaded_p99", "confirm_p99_ratio"} {
		if got[want] <= 0 {
			t.Errorf("%s = %v (metrics %s)", want, got[want], strings.Join(names, ", "))
		}
	}
	if got["errors"] != 0 {
		t.Errorf("%v calls failed", got["errors"])
	}
}
