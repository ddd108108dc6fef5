package bus_test

import (
	"context"
	"os"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/natstest"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
)

// BenchmarkCommitToHandler measures events per second and commit-to-handler
// latency; run it with a fixed count, such as -benchtime=20000x.
func BenchmarkCommitToHandler(b *testing.B) {
	engines := []db.Engine{db.SQLite}
	if os.Getenv(loomtest.PostgresEnv) != "" {
		engines = append(engines, db.Postgres)
	}
	for _, e := range engines {
		for _, tr := range []string{"inprocess", "jetstream"} {
			b.Run(string(e)+"/"+tr, func(b *testing.B) {
				cfg := bus.BenchConfig{DB: loomtest.Config(b, e), Events: max(b.N, 100)}
				if tr == "jetstream" {
					cfg.NATSURL = natstest.Server(b)
				}
				res, err := bus.RunEventsBench(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res.PerSecond, "events/s")
				b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
				b.Log(res)
			})
		}
	}
}

// The benchmark entry point works end to end on a small run.
func TestRunEventsBench(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		for _, tr := range []string{"inprocess", "jetstream"} {
			t.Run(tr, func(t *testing.T) {
				bc := bus.BenchConfig{DB: loomtest.Config(t, cfg.Engine), Events: 300, Producers: 3, EventsPerTx: 7}
				if tr == "jetstream" {
					bc.NATSURL = natstest.Server(t)
				}
				res, err := bus.RunEventsBench(context.Background(), bc)
				if err != nil {
					t.Fatal(err)
				}
				if res.Events != 300 || res.PerSecond <= 0 || res.P99 < res.P50 {
					t.Errorf("result = %+v", res)
				}
			})
		}
	})
}
