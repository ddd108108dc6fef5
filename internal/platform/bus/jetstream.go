package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/loom-erp/loom/internal/platform/outbox"
)

// JetStreamConfig says where the NATS JetStream transport connects and how
// its stream and consumers are set up; zero values take the defaults.
type JetStreamConfig struct {
	// URL of the NATS server(s), such as nats://127.0.0.1:4222.
	URL string
	// Stream is the one stream of all Loom events (default "LOOM"); its
	// subjects are loom.<source>.<type>.
	Stream string
	// Replicas of the stream in a NATS cluster (default 1).
	Replicas int
	// MaxAge is how long the stream keeps events (default 7 days).
	MaxAge time.Duration
	// DuplicateWindow is how long the stream drops a re-published event id
	// (default 2m); consumers deduplicate with their inbox beyond it.
	DuplicateWindow time.Duration
	// MaxDeliver bounds how often an event is delivered to a consumer that
	// never acknowledges it (default 20); the last delivery that still cannot
	// be recorded is dead-lettered. Handler failures do not count: they are
	// acknowledged once queued for retry in the consumer's database.
	MaxDeliver int
	// BackOff is the wait before each redelivery of an unacknowledged event
	// (default 30s, 1m, 5m, 15m); its first value is the ack wait.
	BackOff []time.Duration
	// FetchBatch bounds the events a consumer applies in one transaction
	// (default 500).
	FetchBatch int
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
}

func (c JetStreamConfig) withDefaults() JetStreamConfig {
	if c.Stream == "" {
		c.Stream = "LOOM"
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 7 * 24 * time.Hour
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = 2 * time.Minute
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 20
	}
	if len(c.BackOff) == 0 {
		c.BackOff = []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute}
	}
	if len(c.BackOff) >= c.MaxDeliver {
		c.BackOff = c.BackOff[:c.MaxDeliver-1]
	}
	if c.FetchBatch <= 0 {
		c.FetchBatch = 500
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// JetStream is the transport of a cluster: one stream for all events,
// published with the event id as Nats-Msg-Id, and one durable pull consumer
// with explicit acknowledgement per consumer name.
type JetStream struct {
	cfg    JetStreamConfig
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewJetStream connects to NATS and creates or updates the event stream.
func NewJetStream(ctx context.Context, cfg JetStreamConfig) (*JetStream, error) {
	cfg = cfg.withDefaults()
	nc, err := nats.Connect(cfg.URL, nats.Name("loom"), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("bus: connect to NATS at %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: JetStream at %s: %w", cfg.URL, err)
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "Every event of Loom's units",
		Subjects:    []string{"loom.>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.MaxAge,
		Duplicates:  cfg.DuplicateWindow,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: create stream %s: %w", cfg.Stream, err)
	}
	tctx, cancel := context.WithCancel(context.Background())
	return &JetStream{cfg: cfg, nc: nc, js: js, stream: st, ctx: tctx, cancel: cancel}, nil
}

// Publish stores the events in the stream, in order, and returns once the
// stream acknowledged every one of them.
func (j *JetStream) Publish(ctx context.Context, events []Envelope) error {
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	for _, ev := range events {
		data, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("bus: encode event %s: %w", ev.ID, err)
		}
		f, err := j.js.PublishMsgAsync(&nats.Msg{Subject: outbox.Subject(ev.Source, ev.Type), Data: data},
			jetstream.WithMsgID(ev.ID), jetstream.WithExpectStream(j.cfg.Stream))
		if err != nil {
			return fmt.Errorf("bus: publish event %s: %w", ev.ID, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("bus: publish event %s: %w", events[i].ID, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Consume creates (or updates) the durable consumer and starts delivering
// its events. When the consumer has events delivered but never acknowledged
// (the previous process died holding them), it is recreated from its ack
// floor, so those events come again before any newer one and a subject's
// events stay in order.
func (j *JetStream) Consume(consumer string, types []string, deliver DeliverFunc) error {
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	var filters []string
	for _, t := range types {
		et, ok := outbox.Lookup(t, 0)
		if !ok {
			return fmt.Errorf("bus: consumer %s subscribes to %s: %w", consumer, t, outbox.ErrUnknownType)
		}
		filters = append(filters, outbox.Subject(et.Source, t))
	}
	cc := jetstream.ConsumerConfig{
		Durable:        consumer,
		Description:    "Loom consumer " + consumer,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		MaxDeliver:     j.cfg.MaxDeliver,
		BackOff:        j.cfg.BackOff,
		FilterSubjects: filters,
		MaxAckPending:  4 * j.cfg.FetchBatch,
	}
	old, err := j.stream.Consumer(ctx, consumer)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	case err != nil:
		return fmt.Errorf("bus: look up consumer %s: %w", consumer, err)
	default:
		info := old.CachedInfo()
		cc.DeliverPolicy, cc.OptStartSeq = info.Config.DeliverPolicy, info.Config.OptStartSeq
		if info.NumAckPending > 0 {
			if err := j.stream.DeleteConsumer(ctx, consumer); err != nil {
				return fmt.Errorf("bus: reset consumer %s: %w", consumer, err)
			}
			cc.DeliverPolicy, cc.OptStartSeq = jetstream.DeliverByStartSequencePolicy, info.AckFloor.Stream+1
		}
	}
	cons, err := j.stream.CreateOrUpdateConsumer(ctx, cc)
	if err != nil {
		return fmt.Errorf("bus: create consumer %s: %w", consumer, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2 * j.cfg.FetchBatch))
	if err != nil {
		return fmt.Errorf("bus: consume %s: %w", consumer, err)
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer it.Stop()
		j.consume(consumer, it, deliver)
	}()
	return nil
}

// consume applies batches of messages in stream order. A batch that cannot
// be recorded is kept and tried again (telling the server it is still being
// worked on), so later events never overtake it.
func (j *JetStream) consume(consumer string, it jetstream.MessagesContext, deliver DeliverFunc) {
	for j.ctx.Err() == nil {
		m, err := it.Next(jetstream.NextContext(j.ctx))
		if err != nil {
			if j.ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			j.cfg.Logger.Warn("bus: receive", "consumer", consumer, "err", err)
			continue
		}
		msgs := []jetstream.Msg{m}
		for len(msgs) < j.cfg.FetchBatch {
			m, err := it.Next(jetstream.NextMaxWait(time.Millisecond))
			if err != nil {
				break
			}
			msgs = append(msgs, m)
		}
		batch := make([]Delivery, 0, len(msgs))
		ok := msgs[:0:0]
		for _, m := range msgs {
			var ev Envelope
			if err := json.Unmarshal(m.Data(), &ev); err != nil || ev.ID == "" {
				j.cfg.Logger.Error("bus: dropping a message that is not a Loom event", "consumer", consumer, "subject", m.Subject(), "err", err)
				_ = m.Term()
				continue
			}
			final := false
			if md, err := m.Metadata(); err == nil {
				final = md.NumDelivered >= uint64(j.cfg.MaxDeliver)
			}
			batch = append(batch, Delivery{Event: ev, Final: final})
			ok = append(ok, m)
		}
		if !j.record(consumer, ok, batch, deliver) {
			return
		}
	}
}

// record delivers a batch until it is recorded, then acknowledges it. It
// returns false when the consumer must stop without acknowledging.
func (j *JetStream) record(consumer string, msgs []jetstream.Msg, batch []Delivery, deliver DeliverFunc) bool {
	if len(batch) == 0 {
		return true
	}
	wait := 50 * time.Millisecond
	for {
		err := deliver(j.ctx, batch)
		if err == nil {
			break
		}
		if errors.Is(err, ErrStopped) || j.ctx.Err() != nil {
			return false
		}
		j.cfg.Logger.Warn("bus: record events", "consumer", consumer, "events", len(batch), "err", err)
		for _, m := range msgs {
			_ = m.InProgress()
		}
		t := time.NewTimer(wait)
		select {
		case <-j.ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, 10*time.Second)
	}
	for _, m := range msgs {
		if err := m.Ack(); err != nil {
			// The event is recorded; a redelivery is skipped by the inbox.
			j.cfg.Logger.Warn("bus: ack", "consumer", consumer, "err", err)
		}
	}
	return true
}

// Close stops the consumers and closes the connection. Unacknowledged
// events are redelivered to the next process.
func (j *JetStream) Close() error {
	j.cancel()
	j.wg.Wait()
	j.nc.Close()
	return nil
}
