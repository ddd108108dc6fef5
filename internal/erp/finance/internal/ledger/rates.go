package ledger

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Currency is a currency the books know.
type Currency struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// Name returns the currency's name in a language.
func (c Currency) Name(lang string) string {
	if lang == i18n.ZH {
		return c.NameZH
	}
	return c.NameEN
}

// Rate is an exchange rate: units of the base currency per unit of Currency,
// from Date until the next rate of the currency.
type Rate struct {
	Currency  string     `json:"currency"`
	Date      string     `json:"date"`
	Rate      money.Rate `json:"rate"`
	UpdatedAt time.Time  `json:"updated_at"`
	UpdatedBy string     `json:"updated_by"`
}

// Currencies returns the known currencies by code.
func (s *Service) Currencies(ctx context.Context) ([]Currency, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name_zh, name_en FROM fin_currency ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Currency{}
	for rows.Next() {
		var c Currency
		if err := rows.Scan(&c.Code, &c.NameZH, &c.NameEN); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

func (s *Service) currencyKnown(ctx context.Context, code string) (bool, error) {
	if !currencyCode.MatchString(code) {
		return false, nil
	}
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_currency WHERE code = $1)`, code).Scan(&ok)
	return ok, err
}

// RateFilter selects rates; empty fields match everything.
type RateFilter struct {
	Currency string
	From, To string // dates, inclusive
	Limit    int    // 0 means 200
}

// Rates returns exchange rates, newest first; it needs PermAccountRead,
// PermRateManage or PermEntryRead.
func (s *Service) Rates(ctx context.Context, f RateFilter) ([]Rate, error) {
	if _, err := requireAny(ctx, finance.PermRateManage, finance.PermAccountRead, finance.PermEntryRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	q := `SELECT currency, date, rate, updated_at, updated_by FROM fin_rate WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "?", "$"+itoa(len(args)))
	}
	if f.Currency != "" {
		add("currency = ?", strings.ToUpper(f.Currency))
	}
	if f.From != "" {
		add("date >= ?", f.From)
	}
	if f.To != "" {
		add("date <= ?", f.To)
	}
	args = append(args, f.Limit)
	q += ` ORDER BY date DESC, currency LIMIT $` + itoa(len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rate{}
	for rows.Next() {
		var (
			r  Rate
			at int64
		)
		if err := rows.Scan(&r.Currency, &r.Date, &r.Rate, &at, &r.UpdatedBy); err != nil {
			return nil, err
		}
		r.UpdatedAt = db.FromMillis(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRate enters or replaces the rate of a currency from a date; it needs PermRateManage.
func (s *Service) SetRate(ctx context.Context, currency, date string, rate money.Rate) (*Rate, error) {
	if _, err := require(ctx, finance.PermRateManage); err != nil {
		return nil, err
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	date = strings.TrimSpace(date)
	var out *Rate
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.company(ctx)
		if err != nil {
			return err
		}
		var bad []fieldError
		known, err := s.currencyKnown(ctx, currency)
		if err != nil {
			return err
		}
		switch {
		case !known:
			bad = append(bad, fe("currency", keyCurrencyUnknown))
		case currency == c.BaseCurrency:
			bad = append(bad, fe("currency", keyRateBase))
		}
		if !validDate(date) {
			bad = append(bad, fe("date", keyDateInvalid))
		}
		if rate.Sign() <= 0 {
			bad = append(bad, fe("rate", keyRateInvalid))
		}
		if err := fieldErrors(bad); err != nil {
			return err
		}
		var before *Rate
		var old money.Rate
		switch err := s.db.QueryRow(ctx, `SELECT rate FROM fin_rate WHERE currency = $1 AND date = $2`, currency, date).Scan(&old); {
		case err == nil:
			before = &Rate{Currency: currency, Date: date, Rate: old}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		now := s.now()
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_rate (currency, date, rate, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (currency, date) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			currency, date, rate, db.Millis(now), actor(ctx)); err != nil {
			return err
		}
		out = &Rate{Currency: currency, Date: date, Rate: rate, UpdatedAt: db.FromMillis(db.Millis(now)), UpdatedBy: actor(ctx)}
		action := "fin.rate.set"
		return s.record(ctx, action, kindRate, currency+"/"+date, before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRate removes the rate of a currency on a date; it needs PermRateManage.
// Entries already posted keep the rate they were posted with.
func (s *Service) DeleteRate(ctx context.Context, currency, date string) error {
	if _, err := require(ctx, finance.PermRateManage); err != nil {
		return err
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var old money.Rate
		err := s.db.QueryRow(ctx, `SELECT rate FROM fin_rate WHERE currency = $1 AND date = $2`, currency, date).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("rate", currency+"/"+date)
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_rate WHERE currency = $1 AND date = $2`, currency, date); err != nil {
			return err
		}
		return s.record(ctx, "fin.rate.deleted", kindRate, currency+"/"+date, Rate{Currency: currency, Date: date, Rate: old}, nil)
	})
}

// rateFor returns the rate of a currency on a date: 1 for the base
// currency, else the latest rate on or before the date; ok is false when
// there is none.
func (s *Service) rateFor(ctx context.Context, base, currency, date string) (money.Rate, bool, error) {
	if currency == base {
		return one, true, nil
	}
	var r money.Rate
	err := s.db.QueryRow(ctx, `SELECT rate FROM fin_rate WHERE currency = $1 AND date <= $2 ORDER BY date DESC LIMIT 1`, currency, date).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return money.Rate{}, false, nil
	}
	if err != nil {
		return money.Rate{}, false, err
	}
	return r, true, nil
}

// RateFor returns the rate the ledger would use for a currency on a date.
func (s *Service) RateFor(ctx context.Context, currency, date string) (money.Rate, bool, error) {
	c, err := s.company(ctx)
	if err != nil {
		return money.Rate{}, false, err
	}
	return s.rateFor(ctx, c.BaseCurrency, strings.ToUpper(currency), date)
}

// one is the rate of the base currency.
var one = money.MustRate("1")

func validDate(s string) bool {
	if len(s) != len(db.DateLayout) {
		return false
	}
	_, err := time.Parse(db.DateLayout, s)
	return err == nil
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
