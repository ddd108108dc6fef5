package ui

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// form reads a posted form, collecting the fields it cannot read.
type form struct {
	v   url.Values
	bad []apperr.FieldError
}

func newForm(v url.Values) *form { return &form{v: v} }

func (f *form) text(name string) string { return strings.TrimSpace(f.v.Get(name)) }

func (f *form) bool(name string) bool {
	switch f.v.Get(name) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// fail records a bad field.
func (f *form) fail(field, key string) {
	f.bad = append(f.bad, apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key)})
}

// integer reads a whole number; empty gives def.
func (f *form) integer(name, field string, def int) int {
	s := f.text(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.fail(field, "fin.error.number_invalid")
		return def
	}
	return n
}

func (f *form) int64(name string) int64 {
	n, _ := strconv.ParseInt(f.text(name), 10, 64)
	return n
}

// cleanNumber drops the separators people type in amounts: 1,234.50 or 1 234,50 is not guessed.
func cleanNumber(s string) string {
	return strings.NewReplacer(",", "", "，", "", " ", "", "\u00a0", "").Replace(strings.TrimSpace(s))
}

// amount reads an amount; empty is zero.
func (f *form) amount(name, field string) money.Amount {
	s := cleanNumber(f.v.Get(name))
	if s == "" {
		return money.Amount{}
	}
	a, err := money.ParseAmount(s)
	if err != nil {
		f.fail(field, decimalKey(err, "fin.error.amount_decimals", "fin.error.amount_invalid"))
	}
	return a
}

// quantity reads a quantity; empty is zero.
func (f *form) quantity(name, field string) money.Quantity {
	s := cleanNumber(f.v.Get(name))
	if s == "" {
		return money.Quantity{}
	}
	q, err := money.ParseQuantity(s)
	if err != nil {
		f.fail(field, decimalKey(err, "fin.error.rate_decimals", "fin.error.quantity_invalid"))
	}
	return q
}

// unitPrice reads a unit price; empty is zero.
func (f *form) unitPrice(name, field string) money.UnitPrice {
	s := cleanNumber(f.v.Get(name))
	if s == "" {
		return money.UnitPrice{}
	}
	p, err := money.ParseUnitPrice(s)
	if err != nil {
		f.fail(field, decimalKey(err, "fin.error.rate_decimals", "fin.error.price_invalid"))
	}
	return p
}

// rate reads a rate; empty is zero.
func (f *form) rate(name, field string) money.Rate {
	s := cleanNumber(f.v.Get(name))
	if s == "" {
		return money.Rate{}
	}
	r, err := money.ParseRate(s)
	if err != nil {
		f.fail(field, decimalKey(err, "fin.error.rate_decimals", "fin.error.rate_invalid"))
	}
	return r
}

func decimalKey(err error, tooMany, other string) string {
	var pe *money.ParseError
	if errors.As(err, &pe) && pe.Kind == money.KindTooManyDecimals {
		return tooMany
	}
	return other
}

// err returns the fields the form could not read, or nil.
func (f *form) err() error { return apperr.InvalidFields(f.bad...) }
