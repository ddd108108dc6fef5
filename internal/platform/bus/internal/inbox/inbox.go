// Package inbox applies delivered events to one consumer exactly once.
//
// Every event a transport hands to Deliver ends up recorded in the consumer's
// unit database before Deliver returns nil: applied (its inbox row committed
// with the handler's effects), waiting in inbox_retry (its handler failed, or
// an earlier event of its subject is waiting there), or in dead_letter. A
// redelivered event finds its inbox or inbox_retry row and is skipped.
package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Handler applies one event inside the transaction carried by ctx.
type Handler func(ctx context.Context, ev outbox.Envelope) error

// Policy says how often and how fast failed events are retried.
type Policy struct {
	// MaxAttempts is how often a handler runs for one event before the
	// event is dead-lettered.
	MaxAttempts int
	// RetryBase is the wait after the first failure; it doubles after each
	// further failure up to RetryMax.
	RetryBase, RetryMax time.Duration
	// PollInterval bounds how long the retry loop sleeps without looking.
	PollInterval time.Duration
	// InboxRetention is how long inbox rows are kept; 0 keeps them forever.
	InboxRetention time.Duration
}

// StepReceived is when a batch arrives, before anything is written.
const StepReceived outbox.Step = "consumer.received"

// StepCommitted is after a batch's transaction committed and before the
// transport is told (acked), where a crash loses the acknowledgement.
const StepCommitted outbox.Step = "consumer.committed"

// Observer receives a consumer's failures, for metrics.
type Observer interface {
	HandlerFailed(consumer string)
	DeadLettered(consumer string)
}

// Consumer is one named subscription whose effects live in one unit database.
type Consumer struct {
	Name    string
	DB      *db.DB
	Handler Handler
	Policy  Policy
	Fault   outbox.FaultHook
	Obs     Observer
	Logger  *slog.Logger

	wake chan struct{}
}

// New returns a consumer.
func New(name string, d *db.DB, h Handler, p Policy, fault outbox.FaultHook, obs Observer, log *slog.Logger) *Consumer {
	if log == nil {
		log = slog.Default()
	}
	return &Consumer{Name: name, DB: d, Handler: h, Policy: p, Fault: fault, Obs: obs, Logger: log, wake: make(chan struct{}, 1)}
}

// ErrCrashed is returned when the fault hook stopped the consumer.
var ErrCrashed = errors.New("inbox: consumer stopped by a fault hook")

// Delivery is one event handed over by a transport.
type Delivery struct {
	Event outbox.Envelope
	// Final is set when the transport will not deliver the event again: if it
	// cannot be recorded normally, it is dead-lettered.
	Final bool
}

// handlerError marks a failure of the handler (as opposed to the database).
type handlerError struct {
	index int
	err   error
}

func (h *handlerError) Error() string { return h.err.Error() }

// Unwrap lets InTx see a retryable database error the handler returned, and
// run the batch again rather than count it as a failure.
func (h *handlerError) Unwrap() error { return h.err }

// Deliver records a batch of events in order. It returns nil once every
// event is applied or durably queued for retry; on a database failure it
// returns the error and the transport delivers the batch again.
func (c *Consumer) Deliver(ctx context.Context, batch []Delivery) error {
	if c.Fault != nil {
		if err := c.Fault(StepReceived); err != nil {
			return fmt.Errorf("%w: %v", ErrCrashed, err)
		}
	}
	rest := dedupe(batch)
	for len(rest) > 0 {
		if rest[0].Final {
			if err := c.giveUp(ctx, rest[0].Event); err != nil {
				return err
			}
			rest = rest[1:]
			continue
		}
		n := 1
		for n < len(rest) && !rest[n].Final {
			n++
		}
		if err := c.applyAll(ctx, rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	if c.Fault != nil {
		if err := c.Fault(StepCommitted); err != nil {
			return fmt.Errorf("%w: %v", ErrCrashed, err)
		}
	}
	return nil
}

// applyAll applies evs, queueing the events whose handler fails. A failure
// in the middle of a batch rolls the batch back; the events before it are
// then applied on their own and the failure is recorded without running the
// failed handler again.
func (c *Consumer) applyAll(ctx context.Context, evs []Delivery) error {
	window := len(evs)
	var failed *handlerError // the failure of evs[window], once the window shrank
	queued := false
	for len(evs) > 0 {
		err := c.apply(ctx, evs[:window])
		var he *handlerError
		switch {
		case err == nil:
			evs = evs[window:]
			if failed != nil {
				if err := c.recordFailure(ctx, evs[0].Event, 1, failed.err); err != nil {
					return err
				}
				queued, failed = true, nil
				evs = evs[1:]
			}
			window = len(evs)
		case errors.As(err, &he) && he.index > 0:
			window, failed = he.index, he
		case errors.As(err, &he):
			if err := c.recordFailure(ctx, evs[0].Event, 1, he.err); err != nil {
				return err
			}
			queued, failed = true, nil
			evs = evs[1:]
			window = len(evs)
		default:
			return err
		}
	}
	if queued {
		c.Wake()
	}
	return nil
}

// giveUp dead-letters an event the transport will not deliver again, unless
// it was applied or is waiting in the retry queue already.
func (c *Consumer) giveUp(ctx context.Context, ev outbox.Envelope) error {
	var known int
	err := c.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = $2)
		+ (SELECT count(*) FROM inbox_retry WHERE consumer = $1 AND event_id = $2)`, c.Name, ev.ID).Scan(&known)
	if err != nil || known > 0 {
		return wrap(err, "look up event %s for %s", ev.ID, c.Name)
	}
	return c.deadLetter(ctx, ev, 0, "the transport delivered it the maximum number of times without an acknowledgement (the consumer crashed or could not write); it was not applied")
}

func dedupe(batch []Delivery) []Delivery {
	seen := make(map[string]bool, len(batch))
	out := make([]Delivery, 0, len(batch))
	for _, d := range batch {
		if !seen[d.Event.ID] {
			seen[d.Event.ID] = true
			out = append(out, d)
		}
	}
	return out
}

// apply runs the handlers of evs in one transaction. Events whose subject
// has an event waiting in inbox_retry join the end of that queue; the others
// are applied unless their inbox row shows they already were. A handler
// failure rolls everything back and is returned as a *handlerError.
func (c *Consumer) apply(ctx context.Context, evs []Delivery) error {
	return c.DB.InTx(ctx, func(ctx context.Context) error {
		blocked, err := c.blockedSubjects(ctx, evs)
		if err != nil {
			return err
		}
		now := db.NowMillis()
		var fresh []int
		for i, d := range evs {
			if blocked[d.Event.Subject] {
				if err := c.queue(ctx, d.Event, now); err != nil {
					return err
				}
				continue
			}
			fresh = append(fresh, i)
		}
		inserted, err := c.claim(ctx, evs, fresh, now)
		if err != nil {
			return err
		}
		for _, i := range fresh {
			if !inserted[evs[i].Event.ID] {
				continue
			}
			if err := c.run(ctx, evs[i].Event); err != nil {
				return &handlerError{index: i, err: err}
			}
		}
		return nil
	})
}

// run calls the handler, turning a panic into an error.
func (c *Consumer) run(ctx context.Context, ev outbox.Envelope) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	err = c.Handler(ctx, ev)
	if err != nil && c.Obs != nil {
		c.Obs.HandlerFailed(c.Name)
	}
	return err
}

// blockedSubjects returns the subjects of evs that have events waiting.
func (c *Consumer) blockedSubjects(ctx context.Context, evs []Delivery) (map[string]bool, error) {
	var waiting int
	err := c.DB.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM inbox_retry WHERE consumer = $1 LIMIT 1) w`, c.Name).Scan(&waiting)
	if err != nil || waiting == 0 {
		return nil, wrap(err, "read retry queue of %s", c.Name)
	}
	args := []any{c.Name}
	var q strings.Builder
	q.WriteString(`SELECT DISTINCT subject FROM inbox_retry WHERE consumer = $1 AND subject IN (`)
	// Pad the list to a power of two, so the statement has few shapes.
	n := 1
	for n < len(evs) {
		n *= 2
	}
	for i := range n {
		if i > 0 {
			q.WriteByte(',')
		}
		args = append(args, evs[min(i, len(evs)-1)].Event.Subject)
		q.WriteString("$" + strconv.Itoa(len(args)))
	}
	q.WriteByte(')')
	rows, err := c.DB.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, wrap(err, "read retry queue of %s", c.Name)
	}
	defer rows.Close()
	blocked := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, wrap(err, "read retry queue of %s", c.Name)
		}
		blocked[s] = true
	}
	return blocked, wrap(rows.Err(), "read retry queue of %s", c.Name)
}

// claim inserts the inbox rows of evs[fresh] and returns the ids that were
// new; the others were applied before.
func (c *Consumer) claim(ctx context.Context, evs []Delivery, fresh []int, now int64) (map[string]bool, error) {
	inserted := make(map[string]bool, len(fresh))
	for len(fresh) > 0 {
		// A power of two per statement, so the statement has few shapes.
		size := 1
		for size*2 <= min(len(fresh), 512) {
			size *= 2
		}
		chunk := fresh[:size]
		fresh = fresh[len(chunk):]
		args := []any{c.Name, now}
		var q strings.Builder
		q.WriteString(`INSERT INTO inbox (consumer, event_id, applied_at) VALUES `)
		for k, i := range chunk {
			if k > 0 {
				q.WriteByte(',')
			}
			args = append(args, evs[i].Event.ID)
			q.WriteString("($1, $" + strconv.Itoa(len(args)) + ", $2)")
		}
		q.WriteString(` ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`)
		rows, err := c.DB.Query(ctx, q.String(), args...)
		if err != nil {
			return nil, wrap(err, "record inbox of %s", c.Name)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, wrap(err, "record inbox of %s", c.Name)
			}
			inserted[id] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, wrap(err, "record inbox of %s", c.Name)
		}
	}
	return inserted, nil
}

// queue puts ev behind the waiting events of its subject.
func (c *Consumer) queue(ctx context.Context, ev outbox.Envelope, now int64) error {
	env, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = c.DB.Exec(ctx, `INSERT INTO inbox_retry (consumer, event_id, subject, envelope, attempts, next_attempt_at, last_error)
		VALUES ($1, $2, $3, $4, 0, $5, '') ON CONFLICT (consumer, event_id) DO NOTHING`,
		c.Name, ev.ID, ev.Subject, string(env), now)
	return wrap(err, "queue event %s for %s", ev.ID, c.Name)
}

// recordFailure notes the attempt-th failed attempt of ev: it is retried
// later, or dead-lettered after the last attempt.
func (c *Consumer) recordFailure(ctx context.Context, ev outbox.Envelope, attempt int, cause error) error {
	if attempt >= c.Policy.MaxAttempts {
		return c.deadLetter(ctx, ev, attempt, cause.Error())
	}
	env, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	next := db.Millis(time.Now().Add(c.backoff(attempt)))
	_, err = c.DB.Exec(ctx, `INSERT INTO inbox_retry (consumer, event_id, subject, envelope, attempts, next_attempt_at, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = excluded.attempts,
			next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error`,
		c.Name, ev.ID, ev.Subject, string(env), attempt, next, truncate(cause.Error()))
	return wrap(err, "record failure of event %s for %s", ev.ID, c.Name)
}

// deadLetter moves ev from the retry queue (if there) to dead_letter.
func (c *Consumer) deadLetter(ctx context.Context, ev outbox.Envelope, attempts int, cause string) error {
	env, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	err = c.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := c.DB.Exec(ctx, `DELETE FROM inbox_retry WHERE consumer = $1 AND event_id = $2`, c.Name, ev.ID); err != nil {
			return err
		}
		_, err := c.DB.Exec(ctx, `INSERT INTO dead_letter (id, consumer, event_id, type, source, subject, envelope, error, attempts, failed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (consumer, event_id) DO UPDATE SET error = excluded.error,
				attempts = dead_letter.attempts + excluded.attempts, failed_at = excluded.failed_at`,
			db.NewID(), c.Name, ev.ID, ev.Type, ev.Source, ev.Subject, string(env), truncate(cause), attempts, db.NowMillis())
		return err
	})
	if err != nil {
		return wrap(err, "dead-letter event %s for %s", ev.ID, c.Name)
	}
	if c.Obs != nil {
		c.Obs.DeadLettered(c.Name)
	}
	c.Logger.Warn("event dead-lettered", "consumer", c.Name, "event", ev.ID, "type", ev.Type, "attempts", attempts, "err", cause)
	return nil
}

func (c *Consumer) backoff(attempt int) time.Duration {
	d := c.Policy.RetryBase << min(attempt-1, 20)
	if d <= 0 || d > c.Policy.RetryMax {
		d = c.Policy.RetryMax
	}
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

func truncate(s string) string {
	const maxLen = 8000
	if len(s) > maxLen {
		return s[:maxLen] + "…"
	}
	return s
}

func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("inbox: "+format+": %w", append(args, err)...)
}

// Wake makes the retry loop look at the queue now.
func (c *Consumer) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

type waiting struct {
	pos      int64
	attempts int
	ev       outbox.Envelope
}

// RunRetries retries the head event of every waiting subject when it is due,
// until ctx is done.
func (c *Consumer) RunRetries(ctx context.Context) error {
	var pruned time.Time
	for ctx.Err() == nil {
		if c.Policy.InboxRetention > 0 && time.Since(pruned) > time.Hour {
			if err := c.pruneInbox(ctx); err != nil && ctx.Err() == nil {
				c.Logger.Warn("prune inbox", "consumer", c.Name, "err", err)
			}
			pruned = time.Now()
		}
		due, next, err := c.dueHeads(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.Logger.Warn("retry queue", "consumer", c.Name, "err", err)
			next = time.Now().Add(c.Policy.PollInterval)
		}
		for _, w := range due {
			if err := c.retry(ctx, w); err != nil {
				if errors.Is(err, ErrCrashed) {
					return err
				}
				if ctx.Err() != nil {
					return nil
				}
				c.Logger.Warn("retry", "consumer", c.Name, "event", w.ev.ID, "err", err)
			}
		}
		if len(due) > 0 {
			continue
		}
		wait := time.Until(next)
		if next.IsZero() || wait > c.Policy.PollInterval {
			wait = c.Policy.PollInterval
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
		case <-c.wake:
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}

// pruneInbox forgets the events applied longer ago than the retention; no
// transport delivers an event again that late.
func (c *Consumer) pruneInbox(ctx context.Context) error {
	cutoff := db.Millis(time.Now().Add(-c.Policy.InboxRetention))
	for {
		n, err := c.DB.ExecAffected(ctx, `DELETE FROM inbox WHERE consumer = $1 AND event_id IN
			(SELECT event_id FROM inbox WHERE consumer = $1 AND applied_at < $2 LIMIT 5000)`, c.Name, cutoff)
		if err != nil {
			return wrap(err, "prune inbox of %s", c.Name)
		}
		if n < 5000 {
			return nil
		}
	}
}

// headCond selects, of the consumer's waiting rows, the first of each subject.
const headCond = `r.consumer = $1 AND r.pos = (SELECT min(p.pos) FROM inbox_retry p WHERE p.consumer = r.consumer AND p.subject = r.subject)`

// dueHeads returns the subject heads due now, and when the next one is due.
func (c *Consumer) dueHeads(ctx context.Context) ([]waiting, time.Time, error) {
	now := db.NowMillis()
	rows, err := c.DB.Query(ctx, `SELECT r.pos, r.attempts, r.envelope FROM inbox_retry r
		WHERE `+headCond+` AND r.next_attempt_at <= $2 ORDER BY r.pos LIMIT 100`, c.Name, now)
	if err != nil {
		return nil, time.Time{}, wrap(err, "read retry queue of %s", c.Name)
	}
	var due []waiting
	for rows.Next() {
		var (
			w   waiting
			env string
		)
		if err := rows.Scan(&w.pos, &w.attempts, &env); err != nil {
			rows.Close()
			return nil, time.Time{}, wrap(err, "read retry queue of %s", c.Name)
		}
		if err := json.Unmarshal([]byte(env), &w.ev); err != nil {
			rows.Close()
			return nil, time.Time{}, wrap(err, "decode queued event of %s", c.Name)
		}
		due = append(due, w)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, time.Time{}, wrap(err, "read retry queue of %s", c.Name)
	}
	if len(due) > 0 {
		return due, time.Time{}, nil
	}
	var next *int64
	if err := c.DB.QueryRow(ctx, `SELECT min(r.next_attempt_at) FROM inbox_retry r WHERE `+headCond, c.Name).Scan(&next); err != nil {
		return nil, time.Time{}, wrap(err, "read retry queue of %s", c.Name)
	}
	if next == nil {
		return nil, time.Time{}, nil
	}
	return nil, db.FromMillis(*next), nil
}

// retry applies a waiting event, or records one more failed attempt.
func (c *Consumer) retry(ctx context.Context, w waiting) error {
	var herr error
	err := c.DB.InTx(ctx, func(ctx context.Context) error {
		herr = nil
		n, err := c.DB.ExecAffected(ctx, `DELETE FROM inbox_retry WHERE pos = $1 AND consumer = $2`, w.pos, c.Name)
		if err != nil || n == 0 {
			return err // another instance took it
		}
		inserted, err := c.claim(ctx, []Delivery{{Event: w.ev}}, []int{0}, db.NowMillis())
		if err != nil || !inserted[w.ev.ID] {
			return err
		}
		if err := c.run(ctx, w.ev); err != nil {
			herr = err
			return err
		}
		return nil
	})
	if herr != nil {
		return c.recordFailure(ctx, w.ev, w.attempts+1, herr)
	}
	if err != nil {
		return err
	}
	if c.Fault != nil {
		if err := c.Fault(StepCommitted); err != nil {
			return fmt.Errorf("%w: %v", ErrCrashed, err)
		}
	}
	return nil
}

// Replay applies a dead-lettered event through the inbox and removes its
// dead_letter row, in one transaction. If the handler fails again, the row
// stays with the new error and one more attempt, and the error is returned.
func (c *Consumer) Replay(ctx context.Context, deadLetterID string) error {
	var (
		ev   outbox.Envelope
		herr error
	)
	err := c.DB.InTx(ctx, func(ctx context.Context) error {
		herr = nil
		var env string
		err := c.DB.QueryRow(ctx, `DELETE FROM dead_letter WHERE id = $1 AND consumer = $2 RETURNING envelope`, deadLetterID, c.Name).Scan(&env)
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(env), &ev); err != nil {
			return fmt.Errorf("decode dead letter %s: %w", deadLetterID, err)
		}
		inserted, err := c.claim(ctx, []Delivery{{Event: ev}}, []int{0}, db.NowMillis())
		if err != nil || !inserted[ev.ID] {
			return err
		}
		herr = c.run(ctx, ev)
		return herr
	})
	if herr != nil {
		_, uerr := c.DB.Exec(ctx, `UPDATE dead_letter SET attempts = attempts + 1, error = $1, failed_at = $2 WHERE id = $3`,
			truncate(herr.Error()), db.NowMillis(), deadLetterID)
		return errors.Join(fmt.Errorf("inbox: replay of event %s for %s failed: %w", ev.ID, c.Name, herr), wrap(uerr, "record replay failure"))
	}
	return err
}
