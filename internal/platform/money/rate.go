package money

import (
	"cmp"
	"database/sql/driver"

	"github.com/govalues/decimal"
)

// RateScale is the number of decimal places a Rate keeps.
const RateScale = 6

const rateType = "rate"

// Rate is a dimensionless factor counted in millionths, such as a VAT rate of 0.13, a discount of 0.05 or an exchange rate; the zero value is 0.
type Rate struct{ units int64 }

// ParseRate reads a plain decimal fraction such as "0.13" (not "13%") and refuses a nonzero digit past the sixth decimal place.
func ParseRate(s string) (Rate, error) {
	u, err := parseUnits(s, rateType, RateScale)
	return Rate{u}, err
}

// MustRate is ParseRate for tests and demo data: it panics on bad input.
func MustRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// NewRate returns a whole-number factor, such as 1.
func NewRate(whole int64) (Rate, error) {
	u, err := wholeUnits("rate.new", whole, RateScale)
	return Rate{u}, err
}

// RateFromUnits returns the Rate of u millionths, the count stored in the database.
func RateFromUnits(u int64) Rate { return Rate{u} }

// RateFromDecimal rounds d to six decimal places with mode.
func RateFromDecimal(d decimal.Decimal, mode Rounding) (Rate, error) {
	u, err := decimalUnits("rate.from_decimal", d, RateScale, mode)
	return Rate{u}, err
}

// Units returns the count of millionths, the value stored in the database.
func (r Rate) Units() int64 { return r.units }

// Decimal returns r as a decimal.Decimal with six decimal places.
func (r Rate) Decimal() decimal.Decimal { return unitsDecimal(r.units, RateScale) }

// String formats r without trailing fractional zeros, such as "0.13" or "1".
func (r Rate) String() string { return formatUnits(r.units, RateScale, true) }

// Add returns r+b, or an error when the sum overflows.
func (r Rate) Add(b Rate) (Rate, error) {
	u, err := addUnits("rate.add", r.units, b.units)
	return Rate{u}, err
}

// Sub returns r−b, or an error when the difference overflows.
func (r Rate) Sub(b Rate) (Rate, error) {
	u, err := subUnits("rate.sub", r.units, b.units)
	return Rate{u}, err
}

// Neg returns −r, or an error for the one value whose negation overflows.
func (r Rate) Neg() (Rate, error) {
	u, err := negUnits("rate.neg", r.units)
	return Rate{u}, err
}

// Abs returns |r|, or an error for the one value whose absolute value overflows.
func (r Rate) Abs() (Rate, error) {
	u, err := absUnits("rate.abs", r.units)
	return Rate{u}, err
}

// Sign returns -1, 0 or +1 as r is negative, zero or positive.
func (r Rate) Sign() int { return signUnits(r.units) }

// IsZero reports whether r is zero.
func (r Rate) IsZero() bool { return r.units == 0 }

// Cmp returns -1, 0 or +1 as r is less than, equal to or greater than b.
func (r Rate) Cmp(b Rate) int { return cmp.Compare(r.units, b.units) }

// MarshalJSON writes r as a JSON string in the form of String, such as "0.13".
func (r Rate) MarshalJSON() ([]byte, error) {
	return marshalJSONUnits(r.units, RateScale, true), nil
}

// UnmarshalJSON reads a JSON string such as "0.13", refuses JSON numbers, and leaves r unchanged on null.
func (r *Rate) UnmarshalJSON(data []byte) error {
	u, isNull, err := unmarshalJSONUnits(data, rateType, RateScale)
	if err == nil && !isNull {
		r.units = u
	}
	return err
}

// Value returns the count of millionths as an int64 for a BIGINT or INTEGER column.
func (r Rate) Value() (driver.Value, error) { return r.units, nil }

// Scan reads a count of millionths from an int64 or integer text, and refuses floats and NULL.
func (r *Rate) Scan(src any) error {
	u, err := scanUnits(src, rateType, RateScale)
	if err == nil {
		r.units = u
	}
	return err
}
