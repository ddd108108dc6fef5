package bus

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Service is what the web and CLI layers use to watch and repair event flow.
type Service interface {
	// ListDeadLetters returns dead letters, newest first.
	ListDeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error)
	// Replay applies one dead letter through its consumer's inbox and
	// removes it; if the handler fails again the dead letter stays.
	Replay(ctx context.Context, id string) error
	// ReplayAll replays every dead letter the filter selects and returns
	// how many were applied.
	ReplayAll(ctx context.Context, f DeadLetterFilter) (int, error)
	// Stats reports every unit's outbox backlog, retries and dead letters.
	Stats(ctx context.Context) ([]UnitStats, error)
}

var _ Service = (*Bus)(nil)

// DeadLetter is an event a consumer gave up on.
type DeadLetter struct {
	ID       string
	Unit     string
	Consumer string
	Event    Envelope
	Error    string
	Attempts int
	FailedAt time.Time
}

// DeadLetterFilter selects dead letters; empty fields select all.
type DeadLetterFilter struct {
	Unit     string
	Consumer string
	Type     string
	// Limit bounds the result per unit (default and maximum 1000).
	Limit int
}

// UnitStats is the event health of one unit, for the home page and metrics.
type UnitStats struct {
	Unit string
	// Pending counts committed events not yet published.
	Pending int64
	// LagSeconds is the age of the oldest unpublished event.
	LagSeconds float64
	// Retrying counts received events waiting for a retry.
	Retrying int64
	// DeadLetters counts dead letters of the unit's consumers.
	DeadLetters int64
}

// ListDeadLetters returns the dead letters the filter selects, newest first.
func (b *Bus) ListDeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []DeadLetter
	for _, d := range b.unitList() {
		if f.Unit != "" && f.Unit != d.Unit {
			continue
		}
		args := []any{limit}
		var where []string
		if f.Consumer != "" {
			args = append(args, f.Consumer)
			where = append(where, "consumer = $"+strconv.Itoa(len(args)))
		}
		if f.Type != "" {
			args = append(args, f.Type)
			where = append(where, "type = $"+strconv.Itoa(len(args)))
		}
		q := `SELECT id, consumer, envelope, error, attempts, failed_at FROM dead_letter`
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		q += ` ORDER BY failed_at DESC, id LIMIT $1`
		list, err := readDeadLetters(ctx, d, q, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

func readDeadLetters(ctx context.Context, d *db.DB, q string, args ...any) ([]DeadLetter, error) {
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("bus: list dead letters of unit %s: %w", d.Unit, err)
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var (
			dl     = DeadLetter{Unit: d.Unit}
			env    string
			failed int64
		)
		if err := rows.Scan(&dl.ID, &dl.Consumer, &env, &dl.Error, &dl.Attempts, &failed); err != nil {
			return nil, fmt.Errorf("bus: list dead letters of unit %s: %w", d.Unit, err)
		}
		if err := json.Unmarshal([]byte(env), &dl.Event); err != nil {
			return nil, fmt.Errorf("bus: dead letter %s of unit %s is not a valid envelope: %w", dl.ID, d.Unit, err)
		}
		dl.FailedAt = db.FromMillis(failed)
		out = append(out, dl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bus: list dead letters of unit %s: %w", d.Unit, err)
	}
	return out, nil
}

// Replay applies one dead letter through its consumer's inbox.
func (b *Bus) Replay(ctx context.Context, id string) error {
	if !db.ValidID(id) {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	for _, d := range b.unitList() {
		var consumer string
		err := d.QueryRow(ctx, `SELECT consumer FROM dead_letter WHERE id = $1`, id).Scan(&consumer)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("bus: look up dead letter %s in unit %s: %w", id, d.Unit, err)
		}
		c, ok := b.consumer(consumer)
		if !ok || c.DB != d {
			return fmt.Errorf("bus: dead letter %s belongs to consumer %s of unit %s, which does not run in this process", id, consumer, d.Unit)
		}
		err = c.Replay(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s (replayed meanwhile)", ErrNotFound, id)
		}
		return err
	}
	return fmt.Errorf("%w: %s", ErrNotFound, id)
}

// ReplayAll replays the selected dead letters, oldest first, and returns how
// many were applied; the failures are joined into the error.
func (b *Bus) ReplayAll(ctx context.Context, f DeadLetterFilter) (int, error) {
	list, err := b.ListDeadLetters(ctx, f)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for i := len(list) - 1; i >= 0; i-- {
		if err := b.Replay(ctx, list[i].ID); err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Stats reports every unit's outbox backlog, retries and dead letters.
func (b *Bus) Stats(ctx context.Context) ([]UnitStats, error) {
	now := time.Now()
	var out []UnitStats
	for _, d := range b.unitList() {
		bl, err := outbox.ReadBacklog(ctx, d)
		if err != nil {
			return nil, err
		}
		s := UnitStats{Unit: d.Unit, Pending: bl.Pending, LagSeconds: bl.Lag(now).Seconds()}
		err = d.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox_retry), (SELECT count(*) FROM dead_letter)`).Scan(&s.Retrying, &s.DeadLetters)
		if err != nil {
			return nil, fmt.Errorf("bus: stats of unit %s: %w", d.Unit, err)
		}
		out = append(out, s)
	}
	return out, nil
}
