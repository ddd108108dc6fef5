// Package outbox writes a unit's events in the same transaction as the state
// change that causes them, and relays the committed events to a transport.
//
// A module calls Add (or Emit) inside db.InTx; the event becomes visible
// exactly when the transaction commits, and is never published if it rolls
// back. A Relay per unit then hands committed events, in sequence order, to a
// Publisher, and marks them published only after the Publisher accepted them.
// Every event type must first be registered in the catalogue (Register),
// which is also rendered as an AsyncAPI document.
package outbox

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/db"
)

//go:embed migrations
var migrations embed.FS

// Migrations holds the schema of the outbox, inbox, inbox_retry and
// dead_letter tables, in the "sqlite" and "postgres" folders db.Migrate reads.
var Migrations fs.FS = mustSub(migrations, "migrations")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// Migrate creates or updates the event tables of a unit database.
func Migrate(ctx context.Context, d *db.DB) error {
	return d.Migrate(ctx, "outbox", Migrations)
}

// ErrUnknownType is returned by Add for an event type missing from the catalogue.
var ErrUnknownType = errors.New("outbox: event type is not registered in the catalogue")

// Add writes ev to d's outbox inside the transaction carried by ctx; outside
// a transaction it returns db.ErrNoTx. Empty fields are filled in: ID (a new
// UUIDv7), Version (the latest registered), Source (d's unit), OccurredAt
// (now) and TraceID and Actor (from WithMeta). It returns the event as it
// will be published.
func Add(ctx context.Context, d *db.DB, ev Envelope) (Envelope, error) {
	if !d.InTxNow(ctx) {
		return Envelope{}, fmt.Errorf("outbox: add %s: %w", ev.Type, db.ErrNoTx)
	}
	et, ok := Lookup(ev.Type, ev.Version)
	if !ok {
		return Envelope{}, fmt.Errorf("%w: %s v%d", ErrUnknownType, ev.Type, ev.Version)
	}
	ev.Version = et.Version
	if ev.Source == "" {
		ev.Source = d.Unit
	}
	if ev.Source != et.Source || ev.Source != d.Unit {
		return Envelope{}, fmt.Errorf("outbox: event %s belongs to unit %s and cannot be written to the outbox of unit %s", ev.Type, et.Source, d.Unit)
	}
	if ev.Subject == "" {
		return Envelope{}, fmt.Errorf("outbox: event %s needs a subject (the id of the aggregate it is about)", ev.Type)
	}
	if ev.ID == "" {
		ev.ID = db.NewID()
	} else if !db.ValidID(ev.ID) {
		return Envelope{}, fmt.Errorf("outbox: event %s: id %q is not a UUID", ev.Type, ev.ID)
	}
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = time.Now()
	}
	ev.OccurredAt = db.FromMillis(db.Millis(ev.OccurredAt))
	if len(ev.Data) == 0 {
		ev.Data = json.RawMessage("{}")
	} else if !json.Valid(ev.Data) {
		return Envelope{}, fmt.Errorf("outbox: event %s: data is not valid JSON", ev.Type)
	}
	m := MetaFrom(ctx)
	if ev.TraceID == "" {
		ev.TraceID = m.TraceID
	}
	if ev.Actor == "" {
		ev.Actor = m.Actor
	}
	// The row is inserted just before the commit, after all of the
	// transaction's own work. On PostgreSQL the sequence number is therefore
	// taken after every lock the transaction holds, so two transactions that
	// touch the same aggregate get sequence numbers in their commit order.
	row := ev
	if err := d.BeforeCommit(ctx, func(tctx context.Context) error { return stage(d, tctx, row) }); err != nil {
		return Envelope{}, err
	}
	d.AfterCommit(ctx, func() { wake(d) })
	return ev, nil
}

// staged holds, per transaction, the events its commit hooks have collected.
// The first event's hook registers one more hook, which runs after the
// others and writes them all with one statement.
var (
	stagedMu sync.Mutex
	staged   = map[context.Context]*stagedEvents{}
)

type stagedEvents struct {
	events  []Envelope
	created time.Time
}

func stage(d *db.DB, tctx context.Context, ev Envelope) error {
	stagedMu.Lock()
	s := staged[tctx]
	first := s == nil
	if first {
		if len(staged) > 64 {
			// A commit hook that failed between staging and writing left
			// its transaction's entry behind: forget entries that old.
			for k, v := range staged {
				if time.Since(v.created) > time.Minute {
					delete(staged, k)
				}
			}
		}
		s = &stagedEvents{created: time.Now()}
		staged[tctx] = s
	}
	s.events = append(s.events, ev)
	stagedMu.Unlock()
	if !first {
		return nil
	}
	return d.BeforeCommit(tctx, func(tctx context.Context) error {
		stagedMu.Lock()
		delete(staged, tctx)
		stagedMu.Unlock()
		return insert(tctx, d, s.events)
	})
}

// insert writes events to the outbox, in order, up to 256 per statement.
func insert(ctx context.Context, d *db.DB, events []Envelope) error {
	const cols = 10
	now := db.NowMillis()
	for len(events) > 0 {
		chunk := events[:chunkLen(len(events), 256)]
		events = events[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO outbox (id, type, version, source, subject, occurred_at, trace_id, actor, data, created_at) VALUES `)
		args := make([]any, 0, cols*len(chunk))
		for i, ev := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for c := range cols {
				if c > 0 {
					q.WriteByte(',')
				}
				q.WriteString("$" + strconv.Itoa(i*cols+c+1))
			}
			q.WriteByte(')')
			args = append(args, ev.ID, ev.Type, ev.Version, ev.Source, ev.Subject, db.Millis(ev.OccurredAt),
				ev.TraceID, ev.Actor, string(ev.Data), now)
		}
		if _, err := d.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("outbox: write %d events to unit %s: %w", len(chunk), d.Unit, err)
		}
	}
	return nil
}

// Emit is Add for the common case: it encodes data as JSON and writes an
// event of the given type, version (0 for the latest) and subject.
func Emit(ctx context.Context, d *db.DB, typ string, version int, subject string, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("outbox: encode data of %s: %w", typ, err)
	}
	return Add(ctx, d, Envelope{Type: typ, Version: version, Subject: subject, Data: raw})
}

// Backlog is the state of a unit's outbox.
type Backlog struct {
	// Pending counts committed events not yet published.
	Pending int64
	// Oldest is when the oldest pending event was committed (zero if none).
	Oldest time.Time
}

// Lag returns how long the oldest pending event has waited, as of now.
func (b Backlog) Lag(now time.Time) time.Duration {
	if b.Pending == 0 || b.Oldest.IsZero() {
		return 0
	}
	return max(0, now.Sub(b.Oldest))
}

// ReadBacklog returns the number and age of d's unpublished events.
func ReadBacklog(ctx context.Context, d *db.DB) (Backlog, error) {
	var (
		b      Backlog
		oldest *int64
	)
	err := d.QueryRow(ctx, `SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL`).Scan(&b.Pending, &oldest)
	if err != nil {
		return Backlog{}, fmt.Errorf("outbox: backlog of unit %s: %w", d.Unit, err)
	}
	if oldest != nil {
		b.Oldest = db.FromMillis(*oldest)
	}
	return b, nil
}

// Relays waiting for commits, by database.
var (
	wakersMu sync.Mutex
	wakers   = map[*db.DB][]chan struct{}{}
)

func wake(d *db.DB) {
	wakersMu.Lock()
	defer wakersMu.Unlock()
	for _, c := range wakers[d] {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func listen(d *db.DB) (chan struct{}, func()) {
	c := make(chan struct{}, 1)
	wakersMu.Lock()
	wakers[d] = append(wakers[d], c)
	wakersMu.Unlock()
	return c, func() {
		wakersMu.Lock()
		defer wakersMu.Unlock()
		list := wakers[d]
		for i, x := range list {
			if x == c {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(wakers, d)
		} else {
			wakers[d] = list
		}
	}
}

// chunkLen returns the largest power of two no greater than n or limit, so
// that statements built for batches come in a few shapes only (the driver
// and the placeholder rewriter cache each shape).
func chunkLen(n, limit int) int {
	c := 1
	for c*2 <= min(n, limit) {
		c *= 2
	}
	return c
}
