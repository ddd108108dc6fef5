package bus_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/natstest"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Test events: the erp unit emits, the crm unit consumes.
const (
	typeChanged = "erp.test_order.changed"
	typeOther   = "erp.test_order.archived"
)

func init() {
	for _, typ := range []string{typeChanged, typeOther} {
		outbox.MustRegister(outbox.EventType{
			Type: typ, Version: 1, Source: "erp",
			Description: "A test order changed (bus tests only).",
			Schema:      json.RawMessage(`{"type":"object","properties":{"version":{"type":"integer"},"fail":{"type":"integer"}}}`),
			Example:     payload{Version: 1},
		})
	}
}

// payload is the data of the test events: the aggregate's version after the
// change, and how many times the handler should fail on it (-1: always).
type payload struct {
	Version int64 `json:"version"`
	Fail    int   `json:"fail,omitempty"`
}

// transport builds transports of one kind; every call gives a new instance
// (a new process) on the same underlying server.
type transport struct {
	name string
	new  func(t *testing.T) bus.Transport
	// redeliver hands events to consumers once more, bypassing any
	// deduplication the transport itself does.
	redeliver func(t *testing.T, tr bus.Transport, evs []outbox.Envelope)
}

func transports(t *testing.T) []transport {
	inproc := transport{
		name: "inprocess",
		new:  func(t *testing.T) bus.Transport { return bus.NewInProcess() },
		redeliver: func(t *testing.T, tr bus.Transport, evs []outbox.Envelope) {
			if err := tr.Publish(context.Background(), evs); err != nil {
				t.Fatalf("publish again: %v", err)
			}
		},
	}
	var url string
	js := transport{
		name: "jetstream",
		new: func(t *testing.T) bus.Transport {
			if url == "" {
				url = natstest.Server(t)
			}
			tr, err := bus.NewJetStream(context.Background(), bus.JetStreamConfig{URL: url, FetchBatch: 64})
			if err != nil {
				t.Fatal(err)
			}
			return tr
		},
		redeliver: func(t *testing.T, tr bus.Transport, evs []outbox.Envelope) {
			// Publish without a message id, as a relay would after the
			// duplicate window: the stream keeps the copies.
			nc, err := nats.Connect(url)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			for _, ev := range evs {
				data, _ := json.Marshal(ev)
				if _, err := nc.Request(outbox.Subject(ev.Source, ev.Type), data, 5*time.Second); err != nil {
					t.Fatalf("publish copy: %v", err)
				}
			}
		},
	}
	return []transport{inproc, js}
}

// eachSetup runs fn for every engine and transport.
func eachSetup(t *testing.T, fn func(t *testing.T, w *world)) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		for _, tr := range transports(t) {
			t.Run(tr.name, func(t *testing.T) {
				t.Parallel()
				fn(t, newWorld(t, loomtest.Config(t, cfg.Engine), tr))
			})
		}
	})
}

// world is an erp unit that emits test events and a crm unit whose consumer
// counts their effects.
type world struct {
	t        *testing.T
	tr       transport
	erp, crm *db.DB
	// failures counts handler failures by event id (*atomic.Int64).
	failures sync.Map
	healed   atomic.Bool
	calls    atomic.Int64
}

func newWorld(t *testing.T, cfg db.Config, tr transport) *world {
	ctx := context.Background()
	w := &world{t: t, tr: tr}
	w.erp = loomtest.Open(t, cfg, "erp")
	w.crm = loomtest.Open(t, cfg, "crm")
	for _, d := range []*db.DB{w.erp, w.crm} {
		if err := outbox.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, w.erp, `CREATE TABLE test_order (id TEXT PRIMARY KEY, version BIGINT NOT NULL)`)
	mustExec(t, w.crm, `CREATE TABLE test_effect (event_id TEXT PRIMARY KEY, subject TEXT NOT NULL, version BIGINT NOT NULL, n BIGINT NOT NULL)`)
	mustExec(t, w.crm, `CREATE TABLE test_seen (subject TEXT PRIMARY KEY, version BIGINT NOT NULL)`)
	mustExec(t, w.crm, `CREATE TABLE test_violation (event_id TEXT NOT NULL, note TEXT NOT NULL)`)
	return w
}

func mustExec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// handle is the crm consumer: it counts each event's effect, checks that a
// subject's versions arrive in order, and fails as the payload asks.
func (w *world) handle(ctx context.Context, ev bus.Envelope) error {
	w.calls.Add(1)
	var p payload
	if err := json.Unmarshal(ev.Data, &p); err != nil {
		return err
	}
	if p.Fail != 0 && !w.healed.Load() {
		v, ok := w.failures.Load(ev.ID)
		if !ok {
			return errors.New("test: no failure counter")
		}
		n := v.(*atomic.Int64)
		if p.Fail < 0 || n.Load() < int64(p.Fail) {
			n.Add(1)
			return fmt.Errorf("test: failure %d of event %s", n.Load(), ev.ID)
		}
	}
	if _, err := w.crm.Exec(ctx, `INSERT INTO test_effect (event_id, subject, version, n) VALUES ($1, $2, $3, 1)
		ON CONFLICT (event_id) DO UPDATE SET n = test_effect.n + 1`, ev.ID, ev.Subject, p.Version); err != nil {
		return err
	}
	var last int64
	err := w.crm.QueryRow(ctx, `SELECT version FROM test_seen WHERE subject = $1`, ev.Subject).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if p.Version <= last {
		if _, err := w.crm.Exec(ctx, `INSERT INTO test_violation (event_id, note) VALUES ($1, $2)`,
			ev.ID, fmt.Sprintf("subject %s: version %d after %d", ev.Subject, p.Version, last)); err != nil {
			return err
		}
	}
	_, err = w.crm.Exec(ctx, `INSERT INTO test_seen (subject, version) VALUES ($1, $2)
		ON CONFLICT (subject) DO UPDATE SET version = excluded.version`, ev.Subject, p.Version)
	return err
}

// track starts counting the handler's failures on event id.
func (w *world) track(id string) { w.failures.Store(id, &atomic.Int64{}) }

// failuresOf returns how often the handler failed on event id.
func (w *world) failuresOf(id string) int64 {
	v, ok := w.failures.Load(id)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// newBus starts a bus (a new process) over the world's units.
func (w *world) newBus(opts bus.Options) (*bus.Bus, bus.Transport) {
	w.t.Helper()
	tr := w.tr.new(w.t)
	if opts.Relay.BatchSize == 0 {
		opts.Relay.BatchSize = 32
	}
	if opts.RetryBase == 0 {
		opts.RetryBase, opts.RetryMax = 2*time.Millisecond, 20*time.Millisecond
	}
	opts.RetryPoll = 50 * time.Millisecond
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.Relay.PollInterval = 200 * time.Millisecond
	opts.Relay.MinBackoff, opts.Relay.MaxBackoff = time.Millisecond, 50*time.Millisecond
	b := bus.New(tr, []*db.DB{w.erp, w.crm}, opts)
	if err := b.Subscribe("crm-test", w.crm, []string{typeChanged}, w.handle); err != nil {
		w.t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { b.Close() })
	return b, tr
}

// produce commits one change of order subject and its event, and returns the event.
func (w *world) produce(subject string, fail int) outbox.Envelope {
	w.t.Helper()
	var ev outbox.Envelope
	err := w.erp.InTx(context.Background(), func(ctx context.Context) error {
		var v int64
		err := w.erp.QueryRow(ctx, `INSERT INTO test_order (id, version) VALUES ($1, 1)
			ON CONFLICT (id) DO UPDATE SET version = test_order.version + 1 RETURNING version`, subject).Scan(&v)
		if err != nil {
			return err
		}
		ev, err = outbox.Emit(ctx, w.erp, typeChanged, 0, subject, payload{Version: v, Fail: fail})
		if err == nil && fail != 0 {
			// Track before the commit: the consumer may run as soon as it lands.
			w.track(ev.ID)
		}
		return err
	})
	if err != nil {
		w.t.Fatalf("produce: %v", err)
	}
	return ev
}

func (w *world) count(d *db.DB, q string, args ...any) int64 {
	w.t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitApplied waits until n distinct events took effect, then checks that
// none took effect twice or out of order.
func (w *world) waitApplied(n int64) {
	w.t.Helper()
	waitFor(w.t, fmt.Sprintf("%d effects", n), func() bool {
		return w.count(w.crm, `SELECT count(*) FROM test_effect`) >= n
	})
	w.checkExactlyOnce(n)
}

func (w *world) checkExactlyOnce(n int64, replayed ...string) {
	w.t.Helper()
	if got := w.count(w.crm, `SELECT count(*) FROM test_effect`); got != n {
		w.t.Errorf("%d events took effect, want %d", got, n)
	}
	if twice := w.count(w.crm, `SELECT count(*) FROM test_effect WHERE n <> 1`); twice != 0 {
		w.t.Errorf("%d events took effect more than once", twice)
	}
	// A replayed dead letter arrives after its subject's later events.
	for _, id := range replayed {
		mustExec(w.t, w.crm, `DELETE FROM test_violation WHERE event_id = $1`, id)
	}
	if v := w.count(w.crm, `SELECT count(*) FROM test_violation`); v != 0 {
		rows, _ := w.crm.Query(context.Background(), `SELECT note FROM test_violation LIMIT 5`)
		for rows != nil && rows.Next() {
			var note string
			rows.Scan(&note)
			w.t.Log(note)
		}
		w.t.Errorf("%d events arrived out of order", v)
	}
}

// crashAt returns a fault hook that crashes the bus at the n-th time it
// reaches step, and at every step after that (the process is gone).
func crashAt(step outbox.Step, n int64) outbox.FaultHook {
	var seen atomic.Int64
	var crashed atomic.Bool
	return func(s outbox.Step) error {
		if crashed.Load() || (s == step && seen.Add(1) >= n) {
			crashed.Store(true)
			return fmt.Errorf("test crash at %s", step)
		}
		return nil
	}
}
