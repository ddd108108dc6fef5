package money

import (
	"cmp"
	"database/sql/driver"

	"github.com/govalues/decimal"
)

// AmountScale is the number of decimal places an Amount keeps.
const AmountScale = 2

const amountType = "amount"

// Amount is a sum of money counted in hundredths of the currency unit (fen, cents); the zero value is 0.00.
type Amount struct{ units int64 }

// ParseAmount reads a plain decimal such as "-12.5" and refuses a nonzero digit past the second decimal place.
func ParseAmount(s string) (Amount, error) {
	u, err := parseUnits(s, amountType, AmountScale)
	return Amount{u}, err
}

// MustAmount is ParseAmount for tests and demo data: it panics on bad input.
func MustAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// NewAmount returns a whole number of currency units, such as 12.00 for 12.
func NewAmount(whole int64) (Amount, error) {
	u, err := wholeUnits("amount.new", whole, AmountScale)
	return Amount{u}, err
}

// AmountFromUnits returns the Amount of u hundredths, the count stored in the database.
func AmountFromUnits(u int64) Amount { return Amount{u} }

// AmountFromDecimal rounds d to two decimal places with mode.
func AmountFromDecimal(d decimal.Decimal, mode Rounding) (Amount, error) {
	u, err := decimalUnits("amount.from_decimal", d, AmountScale, mode)
	return Amount{u}, err
}

// Units returns the count of hundredths, the value stored in the database.
func (a Amount) Units() int64 { return a.units }

// Decimal returns a as a decimal.Decimal with two decimal places.
func (a Amount) Decimal() decimal.Decimal { return unitsDecimal(a.units, AmountScale) }

// String formats a with exactly two decimal places, such as "12.30" or "-0.05".
func (a Amount) String() string { return formatUnits(a.units, AmountScale, false) }

// Add returns a+b, or an error when the sum overflows.
func (a Amount) Add(b Amount) (Amount, error) {
	u, err := addUnits("amount.add", a.units, b.units)
	return Amount{u}, err
}

// Sub returns a−b, or an error when the difference overflows.
func (a Amount) Sub(b Amount) (Amount, error) {
	u, err := subUnits("amount.sub", a.units, b.units)
	return Amount{u}, err
}

// Neg returns −a, or an error for the one value whose negation overflows.
func (a Amount) Neg() (Amount, error) {
	u, err := negUnits("amount.neg", a.units)
	return Amount{u}, err
}

// Abs returns |a|, or an error for the one value whose absolute value overflows.
func (a Amount) Abs() (Amount, error) {
	u, err := absUnits("amount.abs", a.units)
	return Amount{u}, err
}

// Sign returns -1, 0 or +1 as a is negative, zero or positive.
func (a Amount) Sign() int { return signUnits(a.units) }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.units == 0 }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int { return cmp.Compare(a.units, b.units) }

// MulRate returns a×r rounded to hundredths with mode, such as the VAT on a net amount.
func (a Amount) MulRate(r Rate, mode Rounding) (Amount, error) {
	aNeg, aMag := magnitude(a.units)
	rNeg, rMag := magnitude(r.units)
	u, kind := mulDivRound(aNeg != rNeg, aMag, rMag, pow10[RateScale], mode)
	if kind != "" {
		return Amount{}, newArithmeticError(kind, "amount.mul_rate")
	}
	return Amount{u}, nil
}

// DivQuantity returns a÷q rounded to a UnitPrice with mode, such as a moving-average unit cost.
func (a Amount) DivQuantity(q Quantity, mode Rounding) (UnitPrice, error) {
	if q.units == 0 {
		return UnitPrice{}, newArithmeticError(KindDivisionByZero, "amount.div_quantity")
	}
	aNeg, aMag := magnitude(a.units)
	qNeg, qMag := magnitude(q.units)
	// a/10^2 ÷ q/10^6 = a×10^4/q, which is a×10^10/q millionths.
	u, kind := mulDivRound(aNeg != qNeg, aMag, pow10[UnitPriceScale+QuantityScale-AmountScale], qMag, mode)
	if kind != "" {
		return UnitPrice{}, newArithmeticError(kind, "amount.div_quantity")
	}
	return UnitPrice{u}, nil
}

// MarshalJSON writes a as a JSON string with exactly two decimal places, such as "12.30".
func (a Amount) MarshalJSON() ([]byte, error) {
	return marshalJSONUnits(a.units, AmountScale, false), nil
}

// UnmarshalJSON reads a JSON string such as "12.3", refuses JSON numbers, and leaves a unchanged on null.
func (a *Amount) UnmarshalJSON(data []byte) error {
	u, isNull, err := unmarshalJSONUnits(data, amountType, AmountScale)
	if err == nil && !isNull {
		a.units = u
	}
	return err
}

// Value returns the count of hundredths as an int64 for a BIGINT or INTEGER column.
func (a Amount) Value() (driver.Value, error) { return a.units, nil }

// Scan reads a count of hundredths from an int64 or integer text, and refuses floats and NULL.
func (a *Amount) Scan(src any) error {
	u, err := scanUnits(src, amountType, AmountScale)
	if err == nil {
		a.units = u
	}
	return err
}
