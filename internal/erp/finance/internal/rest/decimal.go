package rest

import (
	"errors"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// decimals reads the decimal strings of a request body into money types,
// collecting every field it cannot read with the reason.
type decimals struct{ bad []apperr.FieldError }

func (d *decimals) fail(field, key string) {
	d.bad = append(d.bad, apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key)})
}

func (d *decimals) amount(field string, s api.DecimalString) money.Amount {
	if s == "" {
		return money.Amount{}
	}
	a, err := money.ParseAmount(string(s))
	if err != nil {
		d.fail(field, key(err, "fin.error.amount_decimals", "fin.error.amount_invalid"))
	}
	return a
}

func (d *decimals) rate(field string, s api.DecimalString) money.Rate {
	if s == "" {
		return money.Rate{}
	}
	r, err := money.ParseRate(string(s))
	if err != nil {
		d.fail(field, key(err, "fin.error.rate_decimals", "fin.error.rate_invalid"))
	}
	return r
}

func (d *decimals) quantity(field string, s api.DecimalString) money.Quantity {
	if s == "" {
		return money.Quantity{}
	}
	q, err := money.ParseQuantity(string(s))
	if err != nil {
		d.fail(field, key(err, "fin.error.rate_decimals", "fin.error.quantity_invalid"))
	}
	return q
}

func (d *decimals) unitPrice(field string, s api.DecimalString) money.UnitPrice {
	if s == "" {
		return money.UnitPrice{}
	}
	p, err := money.ParseUnitPrice(string(s))
	if err != nil {
		d.fail(field, key(err, "fin.error.rate_decimals", "fin.error.price_invalid"))
	}
	return p
}

func (d *decimals) err() error { return apperr.InvalidFields(d.bad...) }

func key(err error, tooMany, other string) string {
	var pe *money.ParseError
	if errors.As(err, &pe) && pe.Kind == money.KindTooManyDecimals {
		return tooMany
	}
	return other
}
