package erpui

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Messages of the field errors a Form reports.
const (
	KeyNumber      = "erp.error.number"
	KeyDecimals    = "erp.error.too_many_decimals"
	KeyWholeNumber = "erp.error.whole_number"
	KeyDate        = "erp.error.date"
	KeyRange       = "erp.error.out_of_range"
)

// Form reads the fields of a posted form into typed values, collecting a
// field error for every value that cannot be read, so a handler reports all
// of them at once.
type Form struct {
	Values url.Values
	errs   []apperr.FieldError
}

// NewForm reads values.
func NewForm(values url.Values) *Form { return &Form{Values: values} }

// Text returns the field's value with surrounding spaces removed.
func (f *Form) Text(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Bool reports whether a checkbox was ticked.
func (f *Form) Bool(name string) bool {
	switch f.Text(name) {
	case "on", "1", "true", "yes":
		return true
	}
	return false
}

// Int reads a whole number; empty gives def.
func (f *Form) Int(name string, def int) int {
	s := f.Text(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.Fail(name, KeyWholeNumber, "Enter a whole number")
		return def
	}
	return n
}

// Quantity reads a quantity; empty gives zero.
func (f *Form) Quantity(name string) money.Quantity {
	s := f.Text(name)
	if s == "" {
		return money.Quantity{}
	}
	q, err := money.ParseQuantity(s)
	if err != nil {
		f.decimalError(name, err)
	}
	return q
}

// UnitPrice reads a unit price; empty gives zero.
func (f *Form) UnitPrice(name string) money.UnitPrice {
	s := f.Text(name)
	if s == "" {
		return money.UnitPrice{}
	}
	p, err := money.ParseUnitPrice(s)
	if err != nil {
		f.decimalError(name, err)
	}
	return p
}

// Percent reads a rate written as a percentage ("13" is 0.13); empty gives zero.
func (f *Form) Percent(name string) money.Rate {
	s := strings.TrimSuffix(f.Text(name), "%")
	if s == "" {
		return money.Rate{}
	}
	r, err := ParsePercent(s)
	if err != nil {
		f.decimalError(name, err)
	}
	return r
}

// Date reads a calendar date YYYY-MM-DD; empty gives "".
func (f *Form) Date(name string) string {
	s := f.Text(name)
	if s == "" {
		return ""
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		f.Fail(name, KeyDate, "Enter a date as YYYY-MM-DD")
		return ""
	}
	return s
}

// Fail records a field error.
func (f *Form) Fail(field, key, msg string) {
	f.errs = append(f.errs, apperr.FieldError{Field: field, Key: key, Message: msg})
}

// Merge adds the fields of another Invalid error (such as the rules of the
// input the form fills) that the form has not already reported, so a user
// sees every problem at once.
func (f *Form) Merge(fields []apperr.FieldError) {
	for _, fe := range fields {
		known := false
		for _, have := range f.errs {
			known = known || have.Field == fe.Field
		}
		if !known {
			f.errs = append(f.errs, fe)
		}
	}
}

// Err returns an apperr naming every field that could not be read, or nil.
func (f *Form) Err() error { return apperr.InvalidFields(f.errs...) }

func (f *Form) decimalError(name string, err error) {
	f.errs = append(f.errs, DecimalError(name, err))
}

// DecimalError turns a money parse error into a field error in the user's words.
func DecimalError(field string, err error) apperr.FieldError {
	var pe *money.ParseError
	if errors.As(err, &pe) {
		switch pe.Kind {
		case money.KindTooManyDecimals:
			return apperr.FieldError{Field: field, Key: KeyDecimals, Message: "Too many decimal places",
				Params: map[string]any{"Scale": pe.Scale}}
		case money.KindOutOfRange:
			return apperr.FieldError{Field: field, Key: KeyRange, Message: "The number is too large"}
		}
	}
	return apperr.FieldError{Field: field, Key: KeyNumber, Message: "Enter a number such as 12.5"}
}

// ParsePercent reads a percentage such as "13" or "6.5" as the rate 0.13 or
// 0.065. At most four decimals are allowed, so the rate keeps six.
func ParsePercent(s string) (money.Rate, error) {
	r, err := money.ParseRate(s)
	if err != nil {
		return money.Rate{}, err
	}
	if r.Units()%100 != 0 {
		return money.Rate{}, &money.ParseError{Kind: money.KindTooManyDecimals, Type: "rate", Scale: 4, Input: s}
	}
	return money.RateFromUnits(r.Units() / 100), nil
}

// Percent formats a rate as a percentage without trailing zeros: 0.13 is "13".
func Percent(r money.Rate) string {
	return money.RateFromUnits(r.Units() * 100).String()
}
