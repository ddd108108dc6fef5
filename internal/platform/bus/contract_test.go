package bus_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// An event is delivered when its transaction commits, never when it rolls back.
func TestCommittedEventsOnly(t *testing.T) {
	eachSetup(t, func(t *testing.T, w *world) {
		w.newBus(bus.Options{})
		rolledBack := ""
		err := w.erp.InTx(context.Background(), func(ctx context.Context) error {
			ev, err := outbox.Emit(ctx, w.erp, typeChanged, 0, "order-rolled-back", payload{Version: 1})
			rolledBack = ev.ID
			if err != nil {
				return err
			}
			return errors.New("the change fails")
		})
		if err == nil || rolledBack == "" {
			t.Fatalf("the transaction should have failed after emitting: %v", err)
		}
		// Events after it are delivered in order; had the rolled-back event
		// been stored, it would have been delivered before them.
		for i := range 3 {
			w.produce(fmt.Sprintf("order-%d", i), 0)
		}
		w.waitApplied(3)
		if n := w.count(w.crm, `SELECT count(*) FROM test_effect WHERE event_id = $1`, rolledBack); n != 0 {
			t.Error("the event of a rolled-back transaction took effect")
		}
		if n := w.count(w.erp, `SELECT count(*) FROM outbox WHERE id = $1`, rolledBack); n != 0 {
			t.Error("the event of a rolled-back transaction is in the outbox")
		}
		waitFor(t, "the outbox to drain", func() bool {
			return w.count(w.erp, `SELECT count(*) FROM outbox WHERE published_at IS NULL`) == 0
		})
	})
}

// A crash between any two steps of relaying or consuming loses nothing and
// applies nothing twice once the process restarts.
func TestCrashBetweenSteps(t *testing.T) {
	steps := []outbox.Step{outbox.StepRelayRead, outbox.StepRelayPublished, outbox.StepRelayMarked, bus.StepConsumerReceived, bus.StepConsumerCommitted}
	eachSetup(t, func(t *testing.T, w *world) {
		const perRound = 90
		total := int64(0)
		for round, step := range steps {
			for i := range perRound {
				w.produce(fmt.Sprintf("order-%d", i%7), 0)
			}
			total += perRound
			b, _ := w.newBus(bus.Options{Fault: crashAt(step, 2)})
			waitFor(t, "the crash at "+string(step), func() bool {
				select {
				case <-b.Done():
					return true
				default:
					return false
				}
			})
			if err := b.Err(); err == nil || !strings.Contains(err.Error(), "test crash") {
				t.Fatalf("round %d: bus stopped with %v, want the test crash", round, err)
			}
			b.Close()
			if got := w.count(w.crm, `SELECT count(*) FROM test_effect`); got >= total {
				t.Logf("round %d (%s): all %d events were applied before the crash", round, step, got)
			}
		}
		// The restarted process finishes the work.
		w.newBus(bus.Options{})
		w.waitApplied(total)
		waitFor(t, "the outbox to drain", func() bool {
			return w.count(w.erp, `SELECT count(*) FROM outbox WHERE published_at IS NULL`) == 0
		})
	})
}

// The same event delivered twice takes effect once.
func TestDuplicatesApplyOnce(t *testing.T) {
	eachSetup(t, func(t *testing.T, w *world) {
		_, tr := w.newBus(bus.Options{})
		var evs []outbox.Envelope
		for i := range 20 {
			evs = append(evs, w.produce(fmt.Sprintf("order-%d", i%3), 0))
		}
		w.waitApplied(20)
		calls := w.calls.Load()
		w.tr.redeliver(t, tr, evs)
		if err := tr.Publish(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
		// A later event proves the copies before it were consumed.
		w.produce("order-last", 0)
		w.waitApplied(21)
		if got := w.calls.Load() - calls; got != 1 {
			t.Errorf("the handler ran %d times for copies and one new event, want 1", got)
		}
	})
}

// Events of one subject are applied in commit order, with many producers
// writing many subjects at once.
func TestOrderPerSubject(t *testing.T) {
	eachSetup(t, func(t *testing.T, w *world) {
		w.newBus(bus.Options{})
		const producers, perProducer, subjects = 6, 60, 10
		var wg sync.WaitGroup
		for p := range producers {
			wg.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(p), 7))
				for range perProducer {
					w.produce(fmt.Sprintf("order-%d", rnd.IntN(subjects)), 0)
				}
			})
		}
		wg.Wait()
		w.waitApplied(producers * perProducer)
	})
}

// A failing handler is retried with back-off, keeping its subject's later
// events behind it, and dead-lettered after its last attempt; replay applies
// a dead letter once.
func TestRetryThenDeadLetter(t *testing.T) {
	eachSetup(t, func(t *testing.T, w *world) {
		reg := prometheus.NewRegistry()
		metrics, err := bus.NewMetrics(reg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := w.newBus(bus.Options{MaxAttempts: 4, Metrics: metrics})
		reg.MustRegister(bus.NewStatsCollector(b))
		ctx := context.Background()

		flaky := w.produce("order-flaky", 2)      // fails twice, then works
		afterFlaky := w.produce("order-flaky", 0) // must wait for it
		poison := w.produce("order-poison", -1)   // always fails
		afterPoison := w.produce("order-poison", 0)
		w.produce("order-fine", 0)

		// Four events take effect: the poison one is dead-lettered.
		w.waitApplied(4)
		if w.failuresOf(flaky.ID) != 2 {
			t.Errorf("flaky event failed %d times, want 2", w.failuresOf(flaky.ID))
		}
		waitFor(t, "the dead letter", func() bool {
			return w.count(w.crm, `SELECT count(*) FROM dead_letter`) == 1
		})
		if n := w.failuresOf(poison.ID); n != 4 {
			t.Errorf("poison event failed %d times, want MaxAttempts 4", n)
		}
		for _, ev := range []outbox.Envelope{flaky, afterFlaky, afterPoison} {
			if w.count(w.crm, `SELECT count(*) FROM test_effect WHERE event_id = $1`, ev.ID) != 1 {
				t.Errorf("event %s did not take effect", ev.ID)
			}
		}
		list, err := b.ListDeadLetters(ctx, bus.DeadLetterFilter{Unit: "crm", Consumer: "crm-test", Type: typeChanged})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Event.ID != poison.ID || list[0].Attempts != 4 || !strings.Contains(list[0].Error, "failure 4") {
			t.Fatalf("dead letters = %+v, want the poison event after 4 attempts", list)
		}
		if other, _ := b.ListDeadLetters(ctx, bus.DeadLetterFilter{Type: typeOther}); len(other) != 0 {
			t.Errorf("the type filter let %d dead letters through", len(other))
		}
		stats, err := b.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stats {
			if want := map[string]int64{"crm": 1}[s.Unit]; s.DeadLetters != want {
				t.Errorf("unit %s: %d dead letters, want %d", s.Unit, s.DeadLetters, want)
			}
		}
		if v := gauge(t, reg, "loom_events_dead_lettered_total", "crm-test"); v != 1 {
			t.Errorf("dead-lettered counter = %v, want 1", v)
		}
		if v := gauge(t, reg, "loom_events_handler_errors_total", "crm-test"); v != 6 {
			t.Errorf("handler errors counter = %v, want 6 (2 flaky + 4 poison)", v)
		}
		if v := gauge(t, reg, "loom_dead_letters", "crm"); v != 1 {
			t.Errorf("dead letters gauge = %v, want 1", v)
		}
		if v := gauge(t, reg, "loom_events_published_total", "erp"); v != 5 {
			t.Errorf("published counter = %v, want 5", v)
		}

		// A replay that fails again keeps the dead letter, one attempt more.
		if err := b.Replay(ctx, list[0].ID); err == nil {
			t.Fatal("replay of a still failing event succeeded")
		}
		again, _ := b.ListDeadLetters(ctx, bus.DeadLetterFilter{})
		if len(again) != 1 || again[0].Attempts != 5 {
			t.Fatalf("after a failed replay: %+v", again)
		}
		// Once the cause is fixed, replay applies it exactly once.
		w.healed.Store(true)
		if n, err := b.ReplayAll(ctx, bus.DeadLetterFilter{Consumer: "crm-test"}); err != nil || n != 1 {
			t.Fatalf("replay all = %d, %v", n, err)
		}
		if err := b.Replay(ctx, list[0].ID); !errors.Is(err, bus.ErrNotFound) {
			t.Errorf("second replay: %v, want ErrNotFound", err)
		}
		w.checkExactlyOnce(5, poison.ID)
		if n := w.count(w.crm, `SELECT count(*) FROM dead_letter`); n != 0 {
			t.Errorf("%d dead letters left after replay", n)
		}
	})
}

// gauge returns the value of a metric with one label from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label {
				if c := m.GetCounter(); c != nil {
					return c.GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}
