package money_test

import (
	"math"
	"math/big"
	"regexp"

	"github.com/loom-erp/loom/internal/platform/money"
)

// The oracle computes every result with math/big.Rat, independently of the
// 128-bit integer code under test.

var (
	minInt64 = big.NewInt(math.MinInt64)
	maxInt64 = big.NewInt(math.MaxInt64)
	plainRe  = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
)

func fitsInt64(x *big.Int) bool {
	return x.Cmp(minInt64) >= 0 && x.Cmp(maxInt64) <= 0
}

// ratOf returns u×10^-scale.
func ratOf(u int64, scale int) *big.Rat {
	return new(big.Rat).SetFrac(big.NewInt(u), pow10Int(scale))
}

func pow10Int(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// toUnits returns x×10^scale rounded with mode.
func toUnits(x *big.Rat, scale int, mode money.Rounding) *big.Int {
	n := new(big.Rat).Mul(x, new(big.Rat).SetInt(pow10Int(scale)))
	return roundRat(n, mode)
}

// roundRat rounds x to an integer: ties away from zero, or to even.
func roundRat(x *big.Rat, mode money.Rounding) *big.Int {
	abs := new(big.Rat).Abs(x)
	floor, rem := new(big.Int).QuoRem(abs.Num(), abs.Denom(), new(big.Int))
	twice := new(big.Int).Lsh(rem, 1)
	switch c := twice.Cmp(abs.Denom()); {
	case c > 0:
		floor.Add(floor, big.NewInt(1))
	case c == 0 && (mode == money.RoundHalfUp || floor.Bit(0) == 1):
		floor.Add(floor, big.NewInt(1))
	}
	if x.Sign() < 0 {
		floor.Neg(floor)
	}
	return floor
}

// oracleParse returns the units s means at scale, or the Kind parsing must report.
func oracleParse(s string, scale int) (int64, money.Kind) {
	if !plainRe.MatchString(s) {
		return 0, money.KindInvalid
	}
	x, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("oracle cannot read " + s)
	}
	n := new(big.Rat).Mul(x, new(big.Rat).SetInt(pow10Int(scale)))
	if !n.IsInt() {
		return 0, money.KindTooManyDecimals
	}
	if !fitsInt64(n.Num()) {
		return 0, money.KindOutOfRange
	}
	return n.Num().Int64(), ""
}

// numType describes one of the package's types for tests that cover all four.
type numType struct {
	name   string
	scale  int
	parse  func(string) (int64, error)
	format func(int64) string
	trim   bool // String drops trailing fractional zeros
}

var numTypes = []numType{
	{
		name: "amount", scale: money.AmountScale,
		parse:  func(s string) (int64, error) { v, err := money.ParseAmount(s); return v.Units(), err },
		format: func(u int64) string { return money.AmountFromUnits(u).String() },
	},
	{
		name: "quantity", scale: money.QuantityScale, trim: true,
		parse:  func(s string) (int64, error) { v, err := money.ParseQuantity(s); return v.Units(), err },
		format: func(u int64) string { return money.QuantityFromUnits(u).String() },
	},
	{
		name: "unit_price", scale: money.UnitPriceScale, trim: true,
		parse:  func(s string) (int64, error) { v, err := money.ParseUnitPrice(s); return v.Units(), err },
		format: func(u int64) string { return money.UnitPriceFromUnits(u).String() },
	},
	{
		name: "rate", scale: money.RateScale, trim: true,
		parse:  func(s string) (int64, error) { v, err := money.ParseRate(s); return v.Units(), err },
		format: func(u int64) string { return money.RateFromUnits(u).String() },
	},
}
