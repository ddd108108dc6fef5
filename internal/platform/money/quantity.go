package money

import (
	"cmp"
	"database/sql/driver"

	"github.com/govalues/decimal"
)

// QuantityScale is the number of decimal places a Quantity keeps.
const QuantityScale = 6

const quantityType = "quantity"

// Quantity is an amount of goods in some unit of measure, counted in millionths; the zero value is 0.
type Quantity struct{ units int64 }

// ParseQuantity reads a plain decimal such as "2.5" and refuses a nonzero digit past the sixth decimal place.
func ParseQuantity(s string) (Quantity, error) {
	u, err := parseUnits(s, quantityType, QuantityScale)
	return Quantity{u}, err
}

// MustQuantity is ParseQuantity for tests and demo data: it panics on bad input.
func MustQuantity(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

// NewQuantity returns a whole number of units of measure, such as 3 pieces.
func NewQuantity(whole int64) (Quantity, error) {
	u, err := wholeUnits("quantity.new", whole, QuantityScale)
	return Quantity{u}, err
}

// QuantityFromUnits returns the Quantity of u millionths, the count stored in the database.
func QuantityFromUnits(u int64) Quantity { return Quantity{u} }

// QuantityFromDecimal rounds d to six decimal places with mode.
func QuantityFromDecimal(d decimal.Decimal, mode Rounding) (Quantity, error) {
	u, err := decimalUnits("quantity.from_decimal", d, QuantityScale, mode)
	return Quantity{u}, err
}

// Units returns the count of millionths, the value stored in the database.
func (q Quantity) Units() int64 { return q.units }

// Decimal returns q as a decimal.Decimal with six decimal places.
func (q Quantity) Decimal() decimal.Decimal { return unitsDecimal(q.units, QuantityScale) }

// String formats q without trailing fractional zeros, such as "2.5", "3" or "-0.000001".
func (q Quantity) String() string { return formatUnits(q.units, QuantityScale, true) }

// Add returns q+b, or an error when the sum overflows.
func (q Quantity) Add(b Quantity) (Quantity, error) {
	u, err := addUnits("quantity.add", q.units, b.units)
	return Quantity{u}, err
}

// Sub returns q−b, or an error when the difference overflows.
func (q Quantity) Sub(b Quantity) (Quantity, error) {
	u, err := subUnits("quantity.sub", q.units, b.units)
	return Quantity{u}, err
}

// Neg returns −q, or an error for the one value whose negation overflows.
func (q Quantity) Neg() (Quantity, error) {
	u, err := negUnits("quantity.neg", q.units)
	return Quantity{u}, err
}

// Abs returns |q|, or an error for the one value whose absolute value overflows.
func (q Quantity) Abs() (Quantity, error) {
	u, err := absUnits("quantity.abs", q.units)
	return Quantity{u}, err
}

// Sign returns -1, 0 or +1 as q is negative, zero or positive.
func (q Quantity) Sign() int { return signUnits(q.units) }

// IsZero reports whether q is zero.
func (q Quantity) IsZero() bool { return q.units == 0 }

// Cmp returns -1, 0 or +1 as q is less than, equal to or greater than b.
func (q Quantity) Cmp(b Quantity) int { return cmp.Compare(q.units, b.units) }

// MulUnitPrice returns q×p rounded to hundredths with mode, the amount of an order or invoice line.
func (q Quantity) MulUnitPrice(p UnitPrice, mode Rounding) (Amount, error) {
	qNeg, qMag := magnitude(q.units)
	pNeg, pMag := magnitude(p.units)
	// q/10^6 × p/10^6 has twelve decimal places; an Amount keeps two.
	u, kind := mulDivRound(qNeg != pNeg, qMag, pMag, pow10[QuantityScale+UnitPriceScale-AmountScale], mode)
	if kind != "" {
		return Amount{}, newArithmeticError(kind, "quantity.mul_unit_price")
	}
	return Amount{u}, nil
}

// MarshalJSON writes q as a JSON string in the form of String, such as "2.5".
func (q Quantity) MarshalJSON() ([]byte, error) {
	return marshalJSONUnits(q.units, QuantityScale, true), nil
}

// UnmarshalJSON reads a JSON string such as "2.5", refuses JSON numbers, and leaves q unchanged on null.
func (q *Quantity) UnmarshalJSON(data []byte) error {
	u, isNull, err := unmarshalJSONUnits(data, quantityType, QuantityScale)
	if err == nil && !isNull {
		q.units = u
	}
	return err
}

// Value returns the count of millionths as an int64 for a BIGINT or INTEGER column.
func (q Quantity) Value() (driver.Value, error) { return q.units, nil }

// Scan reads a count of millionths from an int64 or integer text, and refuses floats and NULL.
func (q *Quantity) Scan(src any) error {
	u, err := scanUnits(src, quantityType, QuantityScale)
	if err == nil {
		q.units = u
	}
	return err
}
