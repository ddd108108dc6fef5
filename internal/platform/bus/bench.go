package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// BenchConfig describes one commit-to-handler benchmark run.
type BenchConfig struct {
	// DB says where the benchmark's two unit databases (benchsrc and
	// benchdst) are created; use a scratch directory or schema prefix.
	DB db.Config
	// NATSURL selects the JetStream transport; empty means in-process.
	NATSURL string
	// Events is how many events are committed and handled (default 20000).
	Events int
	// Producers is how many goroutines commit events at once (default 4).
	Producers int
	// EventsPerTx is how many events each producer transaction commits
	// (default 10).
	EventsPerTx int
	// Subjects is how many aggregates the events are spread over (default 1000).
	Subjects int
}

// BenchResult is the outcome of RunEventsBench.
type BenchResult struct {
	Transport string
	Engine    db.Engine
	Events    int
	Elapsed   time.Duration
	// PerSecond is events handled per second, from the first commit to the
	// last handler run.
	PerSecond float64
	// P50, P99 and Max are the latencies from an event's commit to the start
	// of its handler.
	P50, P99, Max time.Duration
}

// String formats the result as one line.
func (r BenchResult) String() string {
	return fmt.Sprintf("%s/%s: %d events in %v: %.0f events/s, commit→handler p50 %v p99 %v max %v",
		r.Transport, r.Engine, r.Events, r.Elapsed.Round(time.Millisecond), r.PerSecond,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
}

const benchType = "benchsrc.ping.sent"

var registerBench = sync.OnceValue(func() error {
	return outbox.Register(outbox.EventType{
		Type: benchType, Version: 1, Source: "benchsrc",
		Description: "Emitted by `loom bench events` only.",
		Schema:      json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`),
		Example:     map[string]int{"n": 1},
	})
})

// RunEventsBench commits cfg.Events events in a source unit and measures how
// fast, and how soon after each commit, a consumer in a second unit handles
// them through the chosen transport, the relay and the inbox.
func RunEventsBench(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	if cfg.Events <= 0 {
		cfg.Events = 20000
	}
	if cfg.Producers <= 0 {
		cfg.Producers = 4
	}
	if cfg.EventsPerTx <= 0 {
		cfg.EventsPerTx = 10
	}
	if cfg.Subjects <= 0 {
		cfg.Subjects = 1000
	}
	if err := registerBench(); err != nil {
		return BenchResult{}, err
	}
	src, err := db.Open(ctx, cfg.DB, "benchsrc")
	if err != nil {
		return BenchResult{}, err
	}
	defer src.Close()
	dst, err := db.Open(ctx, cfg.DB, "benchdst")
	if err != nil {
		return BenchResult{}, err
	}
	defer dst.Close()
	for _, d := range []*db.DB{src, dst} {
		if err := outbox.Migrate(ctx, d); err != nil {
			return BenchResult{}, err
		}
	}
	if _, err := dst.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		return BenchResult{}, err
	}
	if _, err := dst.Exec(ctx, `INSERT INTO bench_counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`); err != nil {
		return BenchResult{}, err
	}
	if _, err := src.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_item (id TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		return BenchResult{}, err
	}

	res := BenchResult{Transport: "inprocess", Engine: cfg.DB.Engine, Events: cfg.Events}
	var t Transport = NewInProcess()
	if cfg.NATSURL != "" {
		res.Transport = "jetstream"
		if t, err = NewJetStream(ctx, JetStreamConfig{URL: cfg.NATSURL}); err != nil {
			return BenchResult{}, err
		}
	}
	b := New(t, []*db.DB{src, dst}, Options{})
	defer b.Close()

	var (
		committed sync.Map // event id → commit time
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, cfg.Events)
		done      = make(chan struct{})
		last      time.Time
	)
	err = b.Subscribe("bench", dst, []string{benchType}, func(ctx context.Context, ev Envelope) error {
		at, ok := committed.LoadAndDelete(ev.ID)
		if !ok {
			return nil // from an earlier run, or measured already
		}
		mu.Lock()
		latencies = append(latencies, time.Since(at.(time.Time)))
		if len(latencies) == cfg.Events {
			last = time.Now()
			close(done)
		}
		mu.Unlock()
		_, err := dst.Exec(ctx, `UPDATE bench_counter SET n = n + 1 WHERE id = 1`)
		return err
	})
	if err != nil {
		return BenchResult{}, err
	}
	if err := b.Start(); err != nil {
		return BenchResult{}, err
	}

	start := time.Now()
	perProducer := (cfg.Events + cfg.Producers - 1) / cfg.Producers
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Producers)
	for p := range cfg.Producers {
		first := p * perProducer
		n := min(perProducer, cfg.Events-first)
		wg.Go(func() {
			for i := 0; i < n; i += cfg.EventsPerTx {
				k := min(cfg.EventsPerTx, n-i)
				ids := make([]string, k)
				err := src.InTx(ctx, func(ctx context.Context) error {
					// Notes the time just before the commit: after it, the
					// relay may publish the events before this goroutine runs
					// its after-commit hooks (another transaction committed in
					// the same group can wake it first).
					if err := src.BeforeCommit(ctx, func(context.Context) error {
						now := time.Now()
						for _, id := range ids {
							committed.Store(id, now)
						}
						return nil
					}); err != nil {
						return err
					}
					if _, err := src.Exec(ctx, `INSERT INTO bench_item (id, n) VALUES ($1, 1)
						ON CONFLICT (id) DO UPDATE SET n = bench_item.n + 1`, fmt.Sprintf("item-%d", p)); err != nil {
						return err
					}
					for j := range k {
						seq := first + i + j
						ev, err := outbox.Emit(ctx, src, benchType, 1, fmt.Sprintf("subject-%d", seq%cfg.Subjects), map[string]int{"n": seq})
						if err != nil {
							return err
						}
						ids[j] = ev.ID
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := errors.Join(<-errs); err != nil {
		return BenchResult{}, err
	}
	select {
	case <-done:
	case <-b.Done():
		return BenchResult{}, fmt.Errorf("bus: benchmark stopped: %v", b.Err())
	case <-ctx.Done():
		return BenchResult{}, ctx.Err()
	}
	mu.Lock()
	defer mu.Unlock()
	res.Elapsed = last.Sub(start)
	res.PerSecond = float64(cfg.Events) / res.Elapsed.Seconds()
	slices.Sort(latencies)
	res.P50 = latencies[len(latencies)/2]
	res.P99 = latencies[len(latencies)*99/100]
	res.Max = latencies[len(latencies)-1]
	return res, nil
}
