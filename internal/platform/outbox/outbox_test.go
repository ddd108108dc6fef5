package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

func openUnit(t *testing.T, cfg db.Config, unit string) *db.DB {
	t.Helper()
	d := loomtest.Open(t, cfg, unit)
	if err := outbox.Migrate(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func emit(t *testing.T, d *db.DB, subject string) outbox.Envelope {
	t.Helper()
	var ev outbox.Envelope
	err := d.InTx(context.Background(), func(ctx context.Context) error {
		var err error
		ev, err = outbox.Emit(ctx, d, "platform.user.created", 0, subject, map[string]string{"user_id": subject, "login": "x"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestAddRefusesBadEvents(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := openUnit(t, cfg, "platform")
		crm := openUnit(t, cfg, "crm")
		ctx := context.Background()
		if _, err := outbox.Emit(ctx, d, "platform.user.created", 0, "u1", nil); !errors.Is(err, db.ErrNoTx) {
			t.Errorf("outside a transaction: %v, want db.ErrNoTx", err)
		}
		cases := []struct {
			name string
			d    *db.DB
			ev   outbox.Envelope
		}{
			{"unknown type", d, outbox.Envelope{Type: "platform.user.vanished", Subject: "u1"}},
			{"unknown version", d, outbox.Envelope{Type: "platform.user.created", Version: 9, Subject: "u1"}},
			{"no subject", d, outbox.Envelope{Type: "platform.user.created"}},
			{"bad data", d, outbox.Envelope{Type: "platform.user.created", Subject: "u1", Data: json.RawMessage(`{`)}},
			{"bad id", d, outbox.Envelope{Type: "platform.user.created", Subject: "u1", ID: "42"}},
			{"other unit", crm, outbox.Envelope{Type: "platform.user.created", Subject: "u1"}},
		}
		for _, c := range cases {
			err := c.d.InTx(ctx, func(ctx context.Context) error {
				_, err := outbox.Add(ctx, c.d, c.ev)
				return err
			})
			if err == nil {
				t.Errorf("%s: accepted", c.name)
			}
		}
		for _, u := range []*db.DB{d, crm} {
			var n int
			if err := u.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil || n != 0 {
				t.Errorf("unit %s outbox has %d rows (%v), want 0", u.Unit, n, err)
			}
		}
	})
}

func TestAddFillsTheEnvelope(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := openUnit(t, cfg, "platform")
		ctx := outbox.WithMeta(context.Background(), outbox.Meta{TraceID: "trace-1", Actor: "user-1"})
		var ev outbox.Envelope
		err := d.InTx(ctx, func(ctx context.Context) error {
			var err error
			ev, err = outbox.Emit(ctx, d, "platform.user.created", 0, "u1", map[string]string{"user_id": "u1", "login": "li"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !db.ValidID(ev.ID) || ev.Version != 1 || ev.Source != "platform" || ev.TraceID != "trace-1" || ev.Actor != "user-1" || ev.OccurredAt.IsZero() {
			t.Errorf("envelope = %+v", ev)
		}
		raw, _ := json.Marshal(ev)
		var fields map[string]any
		json.Unmarshal(raw, &fields)
		for _, f := range []string{"id", "type", "version", "source", "subject", "occurred_at", "trace_id", "actor", "data"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("JSON envelope lacks %q: %s", f, raw)
			}
		}
	})
}

// recorder is a Publisher that remembers what it accepted.
type recorder struct {
	mu     sync.Mutex
	events []outbox.Envelope
	fail   int // fail this many calls first
}

func (r *recorder) Publish(_ context.Context, evs []outbox.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("transport down")
	}
	r.events = append(r.events, evs...)
	return nil
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.ID)
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two relays on one unit: one leads, events go out once and in order, after
// transport errors too, and published events are pruned after the retention.
func TestRelayPublishesOnceInOrder(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := openUnit(t, cfg, "platform")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pub := &recorder{fail: 3}
		var errs sync.Map
		opts := outbox.RelayOptions{
			BatchSize: 7, PollInterval: 20 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			Retention: time.Millisecond, PruneInterval: time.Millisecond,
			OnError: func(err error) { errs.Store(err.Error(), true) },
		}
		var wg sync.WaitGroup
		for range 2 {
			r := outbox.NewRelay(d, pub, opts)
			wg.Go(func() {
				if err := r.Run(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		var want []string
		for i := range 50 {
			want = append(want, emit(t, d, fmt.Sprintf("u%d", i%4)).ID)
		}
		waitFor(t, "50 events published", func() bool { return len(pub.ids()) >= 50 })
		if got := pub.ids(); !slices.Equal(got, want) {
			t.Errorf("published %d events out of order or twice", len(got))
		}
		waitFor(t, "published events pruned", func() bool {
			var n int
			d.QueryRow(context.Background(), `SELECT count(*) FROM outbox`).Scan(&n)
			return n == 0
		})
		reported := 0
		errs.Range(func(any, any) bool { reported++; return true })
		if reported == 0 {
			t.Error("transport errors were not reported")
		}
		// Sequence numbers keep increasing after every row was pruned. The
		// relays stop first, so they cannot publish and prune the new row
		// before it is read.
		cancel()
		wg.Wait()
		emit(t, d, "u-next")
		var seq int64
		if err := d.QueryRow(context.Background(), `SELECT max(seq) FROM outbox`).Scan(&seq); err != nil || seq <= 50 {
			t.Errorf("sequence after pruning = %d (%v), want > 50", seq, err)
		}
	})
}

func TestBacklog(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := openUnit(t, cfg, "platform")
		b, err := outbox.ReadBacklog(context.Background(), d)
		if err != nil || b.Pending != 0 || b.Lag(time.Now()) != 0 {
			t.Fatalf("empty backlog = %+v, %v", b, err)
		}
		emit(t, d, "u1")
		emit(t, d, "u2")
		b, err = outbox.ReadBacklog(context.Background(), d)
		if err != nil || b.Pending != 2 || b.Oldest.IsZero() {
			t.Fatalf("backlog = %+v, %v", b, err)
		}
		if lag := b.Lag(b.Oldest.Add(3 * time.Second)); lag != 3*time.Second {
			t.Errorf("lag = %v", lag)
		}
	})
}

func TestAsyncAPI(t *testing.T) {
	raw, err := outbox.AsyncAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AsyncAPI string `json:"asyncapi"`
		Channels map[string]struct {
			Address  string                     `json:"address"`
			Messages map[string]json.RawMessage `json:"messages"`
		} `json:"channels"`
		Operations map[string]struct {
			Action string `json:"action"`
		} `json:"operations"`
		Components struct {
			Messages map[string]struct {
				Name    string `json:"name"`
				Payload struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"payload"`
			} `json:"messages"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not valid JSON: %v", err)
	}
	if doc.AsyncAPI != "3.0.0" {
		t.Errorf("asyncapi = %q", doc.AsyncAPI)
	}
	types := outbox.Types()
	if len(types) == 0 {
		t.Fatal("no registered types")
	}
	for _, et := range types {
		ch, ok := doc.Channels[et.Type]
		if !ok || ch.Address != outbox.Subject(et.Source, et.Type) {
			t.Errorf("channel of %s missing or wrong: %+v", et.Type, ch)
			continue
		}
		msgID := fmt.Sprintf("%s.v%d", et.Type, et.Version)
		if _, ok := ch.Messages[msgID]; !ok {
			t.Errorf("channel %s lacks message %s", et.Type, msgID)
		}
		m, ok := doc.Components.Messages[msgID]
		if !ok || m.Name != et.Type {
			t.Errorf("message %s missing", msgID)
			continue
		}
		if string(mustCompact(t, m.Payload.Properties["data"])) != string(mustCompact(t, et.Schema)) {
			t.Errorf("message %s: data schema %s, want %s", msgID, m.Payload.Properties["data"], et.Schema)
		}
		if doc.Operations["receive."+et.Type].Action != "receive" {
			t.Errorf("no receive operation for %s", et.Type)
		}
	}
}

func mustCompact(t *testing.T, raw json.RawMessage) json.RawMessage {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return out
}

func TestRegisterRefusesConflicts(t *testing.T) {
	base := outbox.EventType{Type: "platform.test_widget.made", Version: 1, Source: "platform", Description: "d", Schema: json.RawMessage(`{"type":"object"}`)}
	if err := outbox.Register(base); err != nil {
		t.Fatal(err)
	}
	if err := outbox.Register(base); err != nil {
		t.Errorf("registering the same definition again: %v", err)
	}
	changed := base
	changed.Description = "other"
	bad := []outbox.EventType{
		changed,
		{Type: "Platform.X", Version: 1, Source: "platform", Description: "d", Schema: json.RawMessage(`{}`)},
		{Type: "crm.thing.made", Version: 1, Source: "platform", Description: "d", Schema: json.RawMessage(`{}`)},
		{Type: "platform.thing.made", Version: 0, Source: "platform", Description: "d", Schema: json.RawMessage(`{}`)},
		{Type: "platform.thing.made", Version: 1, Source: "platform", Description: "d", Schema: json.RawMessage(`[`)},
	}
	for _, et := range bad {
		if err := outbox.Register(et); err == nil {
			t.Errorf("accepted %+v", et)
		}
	}
}
