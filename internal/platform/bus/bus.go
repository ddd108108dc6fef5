// Package bus carries events between Loom's units and applies them to
// consumers exactly once.
//
// A Transport moves events at least once: InProcess for one process, or
// JetStream for a cluster. A Bus runs one outbox relay per unit into the
// transport, and applies delivered events to subscribers: each handler runs
// in a transaction of the subscriber's unit database that also records
// (consumer, event id) in the unit's inbox, so a redelivered event is skipped.
// A failing handler is retried with exponential back-off, in order per
// subject, and dead-lettered after its last attempt; the Service methods
// list, replay and count dead letters and report outbox lag.
//
// Why a crash loses nothing and applies nothing twice: an event leaves the
// outbox (is marked published) only after the transport accepted it, and
// the transport lets go of it (InProcess returns from Publish, JetStream gets
// its ack) only after the consumer's transaction recorded it: applied with
// its inbox row, or queued in inbox_retry, or dead-lettered. Every step
// before that point is repeated after a restart, and every repeat meets the
// inbox row or the retry row and is skipped. Handler failures are queued in
// the consumer's own database rather than left to the transport, so the
// later events of the same subject wait behind them and order holds.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/bus/internal/inbox"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Envelope is an event as handlers receive it.
type Envelope = outbox.Envelope

// Handler applies one event inside the transaction carried by ctx, using the
// subscriber's unit database through that context. It must not keep state
// outside the database: the transaction may run again.
type Handler func(ctx context.Context, ev Envelope) error

// Delivery is one event a transport hands to a consumer.
type Delivery = inbox.Delivery

// DeliverFunc records a batch of events for one consumer. It returns nil
// once every event is durably recorded; an error wrapping ErrStopped means
// the bus stopped (or crashed) and the transport must stop that consumer
// without acknowledging anything more.
type DeliverFunc func(ctx context.Context, batch []Delivery) error

// Transport moves events from relays to consumers, at least once and, for
// each consumer, in the order each unit published them.
type Transport interface {
	// Publish hands a batch of one unit's events to the transport and
	// returns nil once they are durably accepted (see outbox.Publisher).
	Publish(ctx context.Context, events []Envelope) error
	// Consume starts delivering events of the given types to deliver,
	// delivering a batch again after deliver returned an error.
	Consume(consumer string, types []string, deliver DeliverFunc) error
	// Close stops consuming and releases the transport's resources.
	Close() error
}

// Steps where tests can stop a bus as a crash would (see outbox.FaultHook).
const (
	// StepConsumerReceived is when a batch reaches a consumer, before
	// anything is written.
	StepConsumerReceived = inbox.StepReceived
	// StepConsumerCommitted is after a consumer's transaction committed and
	// before the transport learns of it (the acknowledgement is lost).
	StepConsumerCommitted = inbox.StepCommitted
)

// ErrStopped is returned by a DeliverFunc once the bus stopped or crashed.
var ErrStopped = errors.New("bus: stopped")

// ErrNotFound is returned for a dead letter that does not exist.
var ErrNotFound = errors.New("bus: dead letter not found")

// Options tune a Bus; zero values take the defaults.
type Options struct {
	// MaxAttempts is how often a handler runs for one event before the
	// event is dead-lettered (default 8).
	MaxAttempts int
	// RetryBase is the wait after a handler's first failure (default 1s);
	// it doubles with each further failure, up to RetryMax (default 10m).
	RetryBase, RetryMax time.Duration
	// RetryPoll bounds how long a consumer's retry loop sleeps (default 5s).
	RetryPoll time.Duration
	// InboxRetention is how long a consumer remembers the events it applied
	// (default 30 days); it must exceed how long a transport may deliver an
	// event again (JetStreamConfig.MaxAge).
	InboxRetention time.Duration
	// Relay tunes the relay of every unit; its Fault is replaced by Fault.
	Relay outbox.RelayOptions
	// Fault, if set, is called at every outbox.Step (tests only); an error
	// stops the whole bus as a crash would.
	Fault outbox.FaultHook
	// Metrics, if set, counts publishes, errors and dead letters.
	Metrics *Metrics
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = max(10*time.Minute, o.RetryBase)
	}
	if o.RetryPoll <= 0 {
		o.RetryPoll = 5 * time.Second
	}
	if o.InboxRetention <= 0 {
		o.InboxRetention = 30 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Bus runs the relays of a set of units into a transport and the consumers
// subscribed to it. It is the Service the web and CLI layers use.
type Bus struct {
	t    Transport
	opts Options

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	units     []*db.DB
	consumers map[string]*inbox.Consumer
	started   bool
	closed    bool
	err       error
}

var consumerName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// New returns a bus over t for the given unit databases, whose event tables
// must exist (outbox.Migrate). Call Subscribe for every consumer, then Start.
func New(t Transport, units []*db.DB, opts Options) *Bus {
	ctx, cancel := context.WithCancel(context.Background())
	return &Bus{
		t: t, opts: opts.withDefaults(), ctx: ctx, cancel: cancel,
		units: slices.Clone(units), consumers: map[string]*inbox.Consumer{},
	}
}

// Subscribe makes handler receive the events of the given types under the
// durable name consumer, applying them in unitDB (see Handler).
func (b *Bus) Subscribe(consumer string, unitDB *db.DB, types []string, handler Handler) error {
	if !consumerName.MatchString(consumer) {
		return fmt.Errorf("bus: invalid consumer name %q (lower-case letters, digits, - and _)", consumer)
	}
	if len(types) == 0 {
		return fmt.Errorf("bus: consumer %s subscribes to no event type", consumer)
	}
	for _, t := range types {
		if _, ok := outbox.Lookup(t, 0); !ok {
			return fmt.Errorf("bus: consumer %s subscribes to %s: %w", consumer, t, outbox.ErrUnknownType)
		}
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrStopped
	}
	if _, dup := b.consumers[consumer]; dup {
		b.mu.Unlock()
		return fmt.Errorf("bus: consumer %s is already subscribed", consumer)
	}
	policy := inbox.Policy{MaxAttempts: b.opts.MaxAttempts, RetryBase: b.opts.RetryBase, RetryMax: b.opts.RetryMax, PollInterval: b.opts.RetryPoll, InboxRetention: b.opts.InboxRetention}
	var obs inbox.Observer
	if b.opts.Metrics != nil {
		obs = b.opts.Metrics
	}
	c := inbox.New(consumer, unitDB, inbox.Handler(handler), policy, b.opts.Fault, obs, b.opts.Logger)
	b.consumers[consumer] = c
	if !slices.Contains(b.units, unitDB) {
		b.units = append(b.units, unitDB)
	}
	b.wg.Add(1)
	b.mu.Unlock()

	go func() {
		defer b.wg.Done()
		if err := c.RunRetries(b.ctx); err != nil {
			b.crash(err)
		}
	}()
	return b.t.Consume(consumer, types, func(ctx context.Context, batch []Delivery) error {
		if b.ctx.Err() != nil {
			return ErrStopped
		}
		err := c.Deliver(ctx, batch)
		if errors.Is(err, inbox.ErrCrashed) {
			b.crash(err)
		}
		if b.ctx.Err() != nil {
			return errors.Join(ErrStopped, err)
		}
		return err
	})
}

// Start runs one relay per unit until Close.
func (b *Bus) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrStopped
	}
	if b.started {
		return errors.New("bus: already started")
	}
	b.started = true
	for _, d := range b.units {
		ro := b.opts.Relay
		ro.Fault = b.opts.Fault
		if m := b.opts.Metrics; m != nil {
			unit := d.Unit
			onErr, onPub := ro.OnError, ro.OnPublished
			ro.OnError = func(err error) {
				m.relayFailed(unit)
				if onErr != nil {
					onErr(err)
				}
			}
			ro.OnPublished = func(n int) {
				m.publishedEvents(unit, n)
				if onPub != nil {
					onPub(n)
				}
			}
		}
		if ro.Logger == nil {
			ro.Logger = b.opts.Logger
		}
		r := outbox.NewRelay(d, b.t, ro)
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			if err := r.Run(b.ctx); err != nil {
				b.crash(err)
			}
		}()
	}
	return nil
}

// crash stops everything at once, as if the process had died.
func (b *Bus) crash(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
	b.cancel()
}

// Done is closed when the bus stops, by Close or by a crash.
func (b *Bus) Done() <-chan struct{} { return b.ctx.Done() }

// Err returns what crashed the bus, or nil.
func (b *Bus) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Close stops the relays and consumers, waits for them, and closes the
// transport. It does not close the unit databases.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
	return b.t.Close()
}

func (b *Bus) unitList() []*db.DB {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.units)
}

func (b *Bus) consumer(name string) (*inbox.Consumer, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.consumers[name]
	return c, ok
}
