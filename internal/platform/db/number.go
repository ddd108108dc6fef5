package db

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

var seriesName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$`)

// NextNumber takes the next value of a counter series inside the context's
// transaction. The counter row stays locked until the transaction ends, and a
// rollback returns the value, so the numbers a series hands out to committed
// documents have no gaps.
func (d *DB) NextNumber(ctx context.Context, series string) (int64, error) {
	return d.NextNumbers(ctx, series, 1)
}

// NextNumbers takes the next n values of a counter series in one statement
// and returns the first; the values are first … first+n-1. Like NextNumber it
// runs inside the context's transaction, which keeps the counter row locked
// until it ends, and a rollback returns every value taken.
func (d *DB) NextNumbers(ctx context.Context, series string, n int) (int64, error) {
	if !d.InTxNow(ctx) {
		return 0, ErrNoTx
	}
	if !seriesName.MatchString(series) {
		return 0, fmt.Errorf("db: invalid number series %q", series)
	}
	if n < 1 {
		return 0, fmt.Errorf("db: %d numbers of %s: want at least one", n, series)
	}
	var last int64
	err := d.QueryRow(ctx, `INSERT INTO loom_counter (series, last_value) VALUES ($1, $2)
		ON CONFLICT (series) DO UPDATE SET last_value = loom_counter.last_value + excluded.last_value
		RETURNING last_value`, series, int64(n)).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("db: next number of %s: %w", series, err)
	}
	return last - int64(n) + 1, nil
}

// NextDocNumber returns the next human document number of a prefix for the
// year of at, such as "SO-2026-000123"; each prefix and year is its own series.
func (d *DB) NextDocNumber(ctx context.Context, prefix string, at time.Time) (string, error) {
	year := at.Year()
	n, err := d.NextNumber(ctx, fmt.Sprintf("%s-%d", prefix, year))
	if err != nil {
		return "", err
	}
	return FormatDocNumber(prefix, year, n), nil
}

// FormatDocNumber formats a document number: prefix, year, and six digits.
func FormatDocNumber(prefix string, year int, n int64) string {
	return fmt.Sprintf("%s-%d-%06d", prefix, year, n)
}
