package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
)

func init() {
	bench.Register(bench.Scenario{
		Name:        "events",
		Description: "commit-to-handler throughput and latency, in-process and over JetStream, beside bare SQL commits of the same rows",
		Run:         benchEvents,
	})
}

// benchDB returns scratch storage for one benchmark: a temporary directory,
// or fresh schemas on the PostgreSQL server of --db. The cleanup removes it.
func benchDB(o bench.Options) (db.Config, func(), error) {
	if o.DB != "" {
		prefix := "bench" + randHex(4) + "_"
		return db.Config{Engine: db.Postgres, PostgresURL: o.DB, SchemaPrefix: prefix},
			func() { dropSchemasLike(o.DB, prefix) }, nil
	}
	dir, err := os.MkdirTemp("", "loom-bench-*")
	if err != nil {
		return db.Config{}, nil, err
	}
	return db.Config{Engine: db.SQLite, DataDir: dir}, func() { os.RemoveAll(dir) }, nil
}

// embeddedNATS starts a JetStream server for a benchmark when --bus is not given.
func embeddedNATS() (string, func(), error) {
	dir, err := os.MkdirTemp("", "loom-bench-nats-*")
	if err != nil {
		return "", nil, err
	}
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("embedded NATS did not start")
	}
	return ns.ClientURL(), func() { ns.Shutdown(); ns.WaitForShutdown(); os.RemoveAll(dir) }, nil
}

func benchEvents(ctx context.Context, o bench.Options) ([]bench.Metric, error) {
	events := 20000 * max(o.Scale, 1)
	run := func(natsURL string) (bus.BenchResult, error) {
		cfg, cleanup, err := benchDB(o)
		if err != nil {
			return bus.BenchResult{}, err
		}
		defer cleanup()
		return bus.RunEventsBench(ctx, bus.BenchConfig{DB: cfg, NATSURL: natsURL, Events: events})
	}
	inproc, err := run("")
	if err != nil {
		return nil, fmt.Errorf("in-process: %w", err)
	}
	natsURL := o.Bus
	if natsURL == "" {
		url, stop, err := embeddedNATS()
		if err != nil {
			return nil, err
		}
		defer stop()
		natsURL = url
	}
	js, err := run(natsURL)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	floor, err := benchEventsFloor(ctx, o, events)
	if err != nil {
		return nil, err
	}
	return []bench.Metric{
		{Name: "inprocess_events_per_s", Unit: "events/s", Value: inproc.PerSecond, Goal: ">= 20000"},
		{Name: "inprocess_p50", Unit: "ms", Value: bench.Ms(inproc.P50)},
		{Name: "inprocess_p99", Unit: "ms", Value: bench.Ms(inproc.P99), Goal: "<= 20"},
		{Name: "jetstream_events_per_s", Unit: "events/s", Value: js.PerSecond, Goal: ">= 5000"},
		{Name: "jetstream_p50", Unit: "ms", Value: bench.Ms(js.P50)},
		{Name: "jetstream_p99", Unit: "ms", Value: bench.Ms(js.P99), Goal: "<= 100"},
		{Name: "floor_rows_per_s", Unit: "rows/s", Value: floor},
	}, nil
}

// benchEventsFloor commits the same number of rows, in the same transaction
// sizes and from the same number of producers, into a bare table: the cost
// of the producers' durable writes alone, without outbox, relay or consumer.
func benchEventsFloor(ctx context.Context, o bench.Options, events int) (float64, error) {
	cfg, cleanup, err := benchDB(o)
	if err != nil {
		return 0, err
	}
	defer cleanup()
	d, err := db.Open(ctx, cfg, "benchfloor")
	if err != nil {
		return 0, err
	}
	defer d.Close()
	if _, err := d.Exec(ctx, `CREATE TABLE floor_event (id TEXT PRIMARY KEY, subject TEXT NOT NULL, data TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	const producers, perTx = 4, 10
	start := time.Now()
	errc := make(chan error, producers)
	for p := 0; p < producers; p++ {
		go func(p int) {
			for i := p * perTx; i < events; i += producers * perTx {
				err := d.InTx(ctx, func(ctx context.Context) error {
					for j := 0; j < perTx; j++ {
						if _, err := d.Exec(ctx, `INSERT INTO floor_event (id, subject, data) VALUES ($1, $2, $3)`,
							db.NewID(), fmt.Sprint((i+j)%1000), `{"n":1}`); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}(p)
	}
	for p := 0; p < producers; p++ {
		if err := <-errc; err != nil {
			return 0, err
		}
	}
	return float64(events) / time.Since(start).Seconds(), nil
}
