package money

import (
	"cmp"
	"database/sql/driver"

	"github.com/govalues/decimal"
)

// UnitPriceScale is the number of decimal places a UnitPrice keeps.
const UnitPriceScale = 6

const unitPriceType = "unit_price"

// UnitPrice is money per unit of measure, counted in millionths of the currency unit; the zero value is 0.
type UnitPrice struct{ units int64 }

// ParseUnitPrice reads a plain decimal such as "3.1416" and refuses a nonzero digit past the sixth decimal place.
func ParseUnitPrice(s string) (UnitPrice, error) {
	u, err := parseUnits(s, unitPriceType, UnitPriceScale)
	return UnitPrice{u}, err
}

// MustUnitPrice is ParseUnitPrice for tests and demo data: it panics on bad input.
func MustUnitPrice(s string) UnitPrice {
	p, err := ParseUnitPrice(s)
	if err != nil {
		panic(err)
	}
	return p
}

// NewUnitPrice returns a whole number of currency units per unit of measure.
func NewUnitPrice(whole int64) (UnitPrice, error) {
	u, err := wholeUnits("unit_price.new", whole, UnitPriceScale)
	return UnitPrice{u}, err
}

// UnitPriceFromUnits returns the UnitPrice of u millionths, the count stored in the database.
func UnitPriceFromUnits(u int64) UnitPrice { return UnitPrice{u} }

// UnitPriceFromDecimal rounds d to six decimal places with mode.
func UnitPriceFromDecimal(d decimal.Decimal, mode Rounding) (UnitPrice, error) {
	u, err := decimalUnits("unit_price.from_decimal", d, UnitPriceScale, mode)
	return UnitPrice{u}, err
}

// Units returns the count of millionths, the value stored in the database.
func (p UnitPrice) Units() int64 { return p.units }

// Decimal returns p as a decimal.Decimal with six decimal places.
func (p UnitPrice) Decimal() decimal.Decimal { return unitsDecimal(p.units, UnitPriceScale) }

// String formats p without trailing fractional zeros, such as "3.1416" or "12".
func (p UnitPrice) String() string { return formatUnits(p.units, UnitPriceScale, true) }

// Add returns p+b, or an error when the sum overflows.
func (p UnitPrice) Add(b UnitPrice) (UnitPrice, error) {
	u, err := addUnits("unit_price.add", p.units, b.units)
	return UnitPrice{u}, err
}

// Sub returns p−b, or an error when the difference overflows.
func (p UnitPrice) Sub(b UnitPrice) (UnitPrice, error) {
	u, err := subUnits("unit_price.sub", p.units, b.units)
	return UnitPrice{u}, err
}

// Neg returns −p, or an error for the one value whose negation overflows.
func (p UnitPrice) Neg() (UnitPrice, error) {
	u, err := negUnits("unit_price.neg", p.units)
	return UnitPrice{u}, err
}

// Abs returns |p|, or an error for the one value whose absolute value overflows.
func (p UnitPrice) Abs() (UnitPrice, error) {
	u, err := absUnits("unit_price.abs", p.units)
	return UnitPrice{u}, err
}

// Sign returns -1, 0 or +1 as p is negative, zero or positive.
func (p UnitPrice) Sign() int { return signUnits(p.units) }

// IsZero reports whether p is zero.
func (p UnitPrice) IsZero() bool { return p.units == 0 }

// Cmp returns -1, 0 or +1 as p is less than, equal to or greater than b.
func (p UnitPrice) Cmp(b UnitPrice) int { return cmp.Compare(p.units, b.units) }

// MarshalJSON writes p as a JSON string in the form of String, such as "3.1416".
func (p UnitPrice) MarshalJSON() ([]byte, error) {
	return marshalJSONUnits(p.units, UnitPriceScale, true), nil
}

// UnmarshalJSON reads a JSON string such as "3.1416", refuses JSON numbers, and leaves p unchanged on null.
func (p *UnitPrice) UnmarshalJSON(data []byte) error {
	u, isNull, err := unmarshalJSONUnits(data, unitPriceType, UnitPriceScale)
	if err == nil && !isNull {
		p.units = u
	}
	return err
}

// Value returns the count of millionths as an int64 for a BIGINT or INTEGER column.
func (p UnitPrice) Value() (driver.Value, error) { return p.units, nil }

// Scan reads a count of millionths from an int64 or integer text, and refuses floats and NULL.
func (p *UnitPrice) Scan(src any) error {
	u, err := scanUnits(src, unitPriceType, UnitPriceScale)
	if err == nil {
		p.units = u
	}
	return err
}
