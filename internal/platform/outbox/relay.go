package outbox

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/db"
)

// Publisher hands a batch of events, in order, to a transport. It returns nil
// only once the transport has durably accepted every event of the batch; it
// may be called again with events it already accepted.
type Publisher interface {
	Publish(ctx context.Context, events []Envelope) error
}

// Step names a point between two steps of event delivery where a test can
// stop a component as a crash would.
type Step string

// The steps of the relay.
const (
	// StepRelayRead is after reading a batch and before publishing it.
	StepRelayRead Step = "relay.read"
	// StepRelayPublished is after the transport accepted a batch and before
	// the batch is marked published.
	StepRelayPublished Step = "relay.published"
	// StepRelayMarked is after a batch was marked published.
	StepRelayMarked Step = "relay.marked"
)

// FaultHook is called at every Step; a non-nil error stops the component at
// once, without any further write, as if the process had been killed there.
type FaultHook func(step Step) error

// RelayOptions tune a Relay; zero values take the defaults.
type RelayOptions struct {
	// BatchSize bounds the events read and published at once (default 500).
	BatchSize int
	// PollInterval is how often the relay looks for events when no commit
	// in this process woke it (default 1s).
	PollInterval time.Duration
	// Retention is how long published events are kept (default 24h).
	Retention time.Duration
	// PruneInterval is how often published events past Retention are
	// deleted (default 10m).
	PruneInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failed publish
	// (defaults 50ms and 30s); the wait doubles with each failure in a row.
	MinBackoff, MaxBackoff time.Duration
	// OnPublished, if set, is called with the size of each published batch.
	OnPublished func(n int)
	// OnError, if set, is called with every error the relay recovers from.
	OnError func(err error)
	// Fault, if set, is called at every Step (tests only).
	Fault FaultHook
	// Logger receives the relay's warnings (default slog.Default()).
	Logger *slog.Logger
}

func (o RelayOptions) withDefaults() RelayOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = 10 * time.Minute
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 50 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Relay publishes one unit's committed events in sequence order. Several
// relays may run for one unit (in several processes): one leads and
// publishes, the others wait, so a unit's events leave in order.
type Relay struct {
	d    *db.DB
	pub  Publisher
	opts RelayOptions
}

// NewRelay returns a relay for d's outbox that publishes to p.
func NewRelay(d *db.DB, p Publisher, opts RelayOptions) *Relay {
	return &Relay{d: d, pub: p, opts: opts.withDefaults()}
}

type faultError struct{ err error }

func (f faultError) Error() string { return f.err.Error() }
func (f faultError) Unwrap() error { return f.err }

func (r *Relay) fault(step Step) error {
	if r.opts.Fault == nil {
		return nil
	}
	if err := r.opts.Fault(step); err != nil {
		return faultError{err}
	}
	return nil
}

// Run publishes events until ctx is done, then returns nil. It returns early
// only when the fault hook stopped it, with the hook's error.
func (r *Relay) Run(ctx context.Context) error {
	woken, stop := listen(r.d)
	defer stop()
	l := newLeader(r.d)
	defer l.release()
	failures := 0
	nextPrune := time.Now()
	for ctx.Err() == nil {
		leading, err := l.acquire(ctx)
		if err != nil {
			r.report(err)
		}
		if !leading {
			r.wait(ctx, woken, r.opts.PollInterval)
			continue
		}
		n, err := r.relayBatch(ctx, l.runner)
		var fe faultError
		if errors.As(err, &fe) {
			return fe.err
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.report(err)
			l.check(err)
			failures++
			r.wait(ctx, nil, r.backoff(failures))
			continue
		}
		failures = 0
		if n == r.opts.BatchSize {
			continue
		}
		if time.Now().After(nextPrune) {
			if err := r.prune(ctx, l.runner); err != nil && ctx.Err() == nil {
				r.report(err)
				l.check(err)
			}
			nextPrune = time.Now().Add(r.opts.PruneInterval)
		}
		r.wait(ctx, woken, r.opts.PollInterval)
	}
	return nil
}

func (r *Relay) report(err error) {
	if r.opts.OnError != nil {
		r.opts.OnError(err)
	}
	r.opts.Logger.Warn("outbox relay", "unit", r.d.Unit, "err", err)
}

func (r *Relay) backoff(failures int) time.Duration {
	d := r.opts.MinBackoff << min(failures-1, 20)
	if d <= 0 || d > r.opts.MaxBackoff {
		d = r.opts.MaxBackoff
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (r *Relay) wait(ctx context.Context, woken <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-woken:
	case <-t.C:
	}
}

// relayBatch publishes the oldest unpublished events and marks them.
func (r *Relay) relayBatch(ctx context.Context, run runner) (int, error) {
	rows, err := run.query(ctx, `SELECT seq, id, type, version, source, subject, occurred_at, trace_id, actor, data
		FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`, r.opts.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("outbox: read unit %s: %w", r.d.Unit, err)
	}
	var (
		seqs   []int64
		events []Envelope
	)
	for rows.Next() {
		var (
			seq, occurred int64
			ev            Envelope
			data          string
		)
		if err := rows.Scan(&seq, &ev.ID, &ev.Type, &ev.Version, &ev.Source, &ev.Subject, &occurred, &ev.TraceID, &ev.Actor, &data); err != nil {
			rows.Close()
			return 0, fmt.Errorf("outbox: read unit %s: %w", r.d.Unit, err)
		}
		ev.OccurredAt = db.FromMillis(occurred)
		ev.Data = []byte(data)
		seqs = append(seqs, seq)
		events = append(events, ev)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("outbox: read unit %s: %w", r.d.Unit, err)
	}
	if len(events) == 0 {
		return 0, nil
	}
	if err := r.fault(StepRelayRead); err != nil {
		return 0, err
	}
	if err := r.pub.Publish(ctx, events); err != nil {
		return 0, fmt.Errorf("outbox: publish %d events of unit %s: %w", len(events), r.d.Unit, err)
	}
	if err := r.fault(StepRelayPublished); err != nil {
		return 0, err
	}
	var q strings.Builder
	q.WriteString(`UPDATE outbox SET published_at = $1 WHERE seq IN (`)
	args := make([]any, 0, len(seqs)+1)
	args = append(args, db.NowMillis())
	// Pad the list to a power of two by repeating the last seq, so the
	// statement comes in a few shapes only.
	n := chunkLen(len(seqs), len(seqs))
	if n < len(seqs) {
		n *= 2
	}
	for i := range n {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("$" + strconv.Itoa(i+2))
		args = append(args, seqs[min(i, len(seqs)-1)])
	}
	q.WriteByte(')')
	if _, err := run.exec(ctx, q.String(), args...); err != nil {
		return 0, fmt.Errorf("outbox: mark %d events of unit %s published: %w", len(seqs), r.d.Unit, err)
	}
	if err := r.fault(StepRelayMarked); err != nil {
		return 0, err
	}
	if r.opts.OnPublished != nil {
		r.opts.OnPublished(len(events))
	}
	return len(events), nil
}

// prune deletes published events older than the retention, a chunk at a time.
func (r *Relay) prune(ctx context.Context, run runner) error {
	cutoff := db.Millis(time.Now().Add(-r.opts.Retention))
	for {
		res, err := run.exec(ctx, `DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
			WHERE published_at IS NOT NULL AND published_at < $1 ORDER BY seq LIMIT 5000)`, cutoff)
		if err != nil {
			return fmt.Errorf("outbox: prune unit %s: %w", r.d.Unit, err)
		}
		if n, _ := res.RowsAffected(); n < 5000 {
			return nil
		}
	}
}

// runner runs the relay's statements on the connection that holds leadership.
type runner struct {
	query func(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	exec  func(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// leader makes one relay per unit publish at a time: a session advisory lock
// on PostgreSQL (held by the connection the relay then uses for everything,
// so losing the connection loses the lead), a lock per database file on
// SQLite (whose database belongs to one process).
type leader struct {
	d      *db.DB
	runner runner
	// SQLite
	mu   *sync.Mutex
	held bool
	// PostgreSQL
	conn *sql.Conn
}

var fileLocks sync.Map // SQLite path → *sync.Mutex

func newLeader(d *db.DB) *leader {
	l := &leader{d: d}
	if d.Engine == db.SQLite {
		m, _ := fileLocks.LoadOrStore(d.Path, &sync.Mutex{})
		l.mu = m.(*sync.Mutex)
		l.runner = runner{query: d.Query, exec: d.Exec}
	}
	return l
}

func (l *leader) lockID() int64 {
	h := uint64(14695981039346656037)
	name := "loom.outbox.relay/" + l.d.Schema
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return int64(h >> 1)
}

func (l *leader) acquire(ctx context.Context) (bool, error) {
	if l.d.Engine == db.SQLite {
		if !l.held {
			l.held = l.mu.TryLock()
		}
		return l.held, nil
	}
	if l.conn != nil {
		return true, nil
	}
	c, err := l.d.Writer().Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("outbox: relay of unit %s cannot connect: %w", l.d.Unit, err)
	}
	var ok bool
	if err := c.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, l.lockID()).Scan(&ok); err != nil {
		discard(c)
		return false, fmt.Errorf("outbox: relay of unit %s cannot take the lead: %w", l.d.Unit, err)
	}
	if !ok {
		c.Close()
		return false, nil
	}
	l.conn = c
	l.runner = runner{query: c.QueryContext, exec: c.ExecContext}
	return true, nil
}

// check gives up the lead on PostgreSQL when err may have broken the
// connection that holds the lock.
func (l *leader) check(err error) {
	if l.conn == nil || err == nil {
		return
	}
	if l.conn.PingContext(context.Background()) != nil {
		discard(l.conn)
		l.conn = nil
	}
}

func (l *leader) release() {
	if l.d.Engine == db.SQLite {
		if l.held {
			l.mu.Unlock()
			l.held = false
		}
		return
	}
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, l.lockID()); err != nil {
		discard(l.conn)
	} else {
		l.conn.Close()
	}
	l.conn = nil
}

// discard closes a connection without returning it to the pool, so the
// server ends its session and any lock it held.
func discard(c *sql.Conn) {
	_ = c.Raw(func(any) error { return driver.ErrBadConn })
	c.Close()
}
