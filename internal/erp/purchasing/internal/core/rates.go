package core

import (
	"context"

	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Rates gives the exchange rate of a currency to the company's base
// currency on a date (YYYY-MM-DD): 1 for the base currency, else the
// latest rate on or before the date; ok is false when there is none. The
// finance ledger provides it.
type Rates interface {
	RateFor(ctx context.Context, currency, date string) (rate money.Rate, ok bool, err error)
}

var one = money.MustRate("1")

// rateOn returns the rate of currency on date; a process without finance
// books everything in the order's currency, at 1. A missing rate is an
// Invalid error on field, which is what the user chose the date or the
// currency by.
func (s *Service) rateOn(ctx context.Context, currency, date, field string) (money.Rate, error) {
	var rates Rates
	if s.Rates != nil {
		rates = s.Rates()
	}
	if rates == nil {
		return one, nil
	}
	r, ok, err := rates.RateFor(ctx, currency, date)
	if err != nil {
		return money.Rate{}, err
	}
	if !ok || r.Sign() <= 0 {
		params := map[string]any{"Currency": currency, "Date": date}
		return money.Rate{}, apperr.InvalidFields(apperr.FieldError{Field: field, Key: domain.KeyNoRate, Params: params,
			Message: "There is no exchange rate for this currency on this date: enter one in finance"})
	}
	return r, nil
}

// inBase converts an amount at a rate, rounded half up to the fen.
func inBase(a money.Amount, r money.Rate) (money.Amount, error) {
	return a.MulRate(r, money.RoundHalfUp)
}

// priceInBase converts a unit price at a rate, rounded half up.
func priceInBase(p money.UnitPrice, r money.Rate) (money.UnitPrice, error) {
	d, err := p.Decimal().Mul(r.Decimal())
	if err != nil {
		return money.UnitPrice{}, err
	}
	return money.UnitPriceFromDecimal(d, money.RoundHalfUp)
}
