package money_test

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/govalues/decimal"
	"github.com/loom-erp/loom/internal/platform/money"
	"pgregory.net/rapid"
)

// unitsGen draws scaled counts from the whole int64 range, from everyday
// sizes, and from the edges, so both exact results and overflows show up.
func unitsGen() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64(),
		rapid.Int64Range(-1_000_000, 1_000_000),
		rapid.Int64Range(-1e12, 1e12),
		rapid.SampledFrom([]int64{0, 1, -1, 5, -5, 50, 500_000, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 1 << 32, -1 << 32}),
	)
}

var modes = []money.Rounding{money.RoundHalfUp, money.RoundHalfEven}

func modeGen() *rapid.Generator[money.Rounding] { return rapid.SampledFrom(modes) }

// checkAgainst compares a result and its error with the oracle's exact units.
func checkAgainst(t *rapid.T, what string, got int64, err error, want *big.Int) {
	if !fitsInt64(want) {
		ae, ok := err.(*money.ArithmeticError)
		if !ok || ae.Kind != money.KindOverflow {
			t.Fatalf("%s: oracle %s is out of range, but got %d, %v", what, want, got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: oracle %s, got error %v", what, want, err)
	}
	if got != want.Int64() {
		t.Fatalf("%s = %d, oracle %s", what, got, want)
	}
}

func TestPropertyAddSubNegAbs(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := unitsGen().Draw(t, "a"), unitsGen().Draw(t, "b")
		ba, bb := big.NewInt(a), big.NewInt(b)
		x, y := money.AmountFromUnits(a), money.AmountFromUnits(b)

		s, err := x.Add(y)
		checkAgainst(t, "amount add", s.Units(), err, new(big.Int).Add(ba, bb))
		d, err := x.Sub(y)
		checkAgainst(t, "amount sub", d.Units(), err, new(big.Int).Sub(ba, bb))
		n, err := x.Neg()
		checkAgainst(t, "amount neg", n.Units(), err, new(big.Int).Neg(ba))
		abs, err := x.Abs()
		checkAgainst(t, "amount abs", abs.Units(), err, new(big.Int).Abs(ba))

		q, err := money.QuantityFromUnits(a).Sub(money.QuantityFromUnits(b))
		checkAgainst(t, "quantity sub", q.Units(), err, new(big.Int).Sub(ba, bb))
		p, err := money.UnitPriceFromUnits(a).Add(money.UnitPriceFromUnits(b))
		checkAgainst(t, "unit price add", p.Units(), err, new(big.Int).Add(ba, bb))
		r, err := money.RateFromUnits(a).Neg()
		checkAgainst(t, "rate neg", r.Units(), err, new(big.Int).Neg(ba))

		if got, want := x.Cmp(y), ba.Cmp(bb); got != want {
			t.Fatalf("Cmp = %d, oracle %d", got, want)
		}
		if got, want := x.Sign(), ba.Sign(); got != want {
			t.Fatalf("Sign = %d, oracle %d", got, want)
		}
	})
}

func TestPropertyMulUnitPrice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := money.QuantityFromUnits(unitsGen().Draw(t, "qty"))
		p := money.UnitPriceFromUnits(unitsGen().Draw(t, "price"))
		mode := modeGen().Draw(t, "mode")
		got, err := q.MulUnitPrice(p, mode)
		exact := new(big.Rat).Mul(ratOf(q.Units(), money.QuantityScale), ratOf(p.Units(), money.UnitPriceScale))
		checkAgainst(t, "qty × price", got.Units(), err, toUnits(exact, money.AmountScale, mode))
	})
}

func TestPropertyMulRate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := money.AmountFromUnits(unitsGen().Draw(t, "amount"))
		r := money.RateFromUnits(unitsGen().Draw(t, "rate"))
		mode := modeGen().Draw(t, "mode")
		got, err := a.MulRate(r, mode)
		exact := new(big.Rat).Mul(ratOf(a.Units(), money.AmountScale), ratOf(r.Units(), money.RateScale))
		checkAgainst(t, "amount × rate", got.Units(), err, toUnits(exact, money.AmountScale, mode))
	})
}

func TestPropertyDivQuantity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := money.AmountFromUnits(unitsGen().Draw(t, "amount"))
		q := money.QuantityFromUnits(unitsGen().Draw(t, "qty"))
		mode := modeGen().Draw(t, "mode")
		got, err := a.DivQuantity(q, mode)
		if q.IsZero() {
			if ae, ok := err.(*money.ArithmeticError); !ok || ae.Kind != money.KindDivisionByZero {
				t.Fatalf("division by zero gave %v", err)
			}
			return
		}
		exact := new(big.Rat).Quo(ratOf(a.Units(), money.AmountScale), ratOf(q.Units(), money.QuantityScale))
		checkAgainst(t, "amount ÷ qty", got.Units(), err, toUnits(exact, money.UnitPriceScale, mode))
	})
}

func TestPropertyFromDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		coef := rapid.Int64().Draw(t, "coef")
		scale := rapid.IntRange(0, decimal.MaxScale).Draw(t, "scale")
		mode := modeGen().Draw(t, "mode")
		d := decimal.MustNew(coef, scale)
		exact := ratOf(coef, scale)

		a, err := money.AmountFromDecimal(d, mode)
		checkAgainst(t, "amount from decimal", a.Units(), err, toUnits(exact, money.AmountScale, mode))
		q, err := money.QuantityFromDecimal(d, mode)
		checkAgainst(t, "quantity from decimal", q.Units(), err, toUnits(exact, money.QuantityScale, mode))

		// Decimal is the exact inverse.
		back, ok := new(big.Rat).SetString(a.Decimal().String())
		if err == nil && (!ok || back.Cmp(ratOf(a.Units(), money.AmountScale)) != 0) {
			t.Fatalf("Amount %s as decimal is %s", a, a.Decimal())
		}
	})
}

func TestPropertyNew(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		whole := unitsGen().Draw(t, "whole")
		want := new(big.Int).Mul(big.NewInt(whole), pow10Int(money.QuantityScale))
		q, err := money.NewQuantity(whole)
		checkAgainst(t, "new quantity", q.Units(), err, want)
		a, err := money.NewAmount(whole)
		checkAgainst(t, "new amount", a.Units(), err, new(big.Int).Mul(big.NewInt(whole), pow10Int(money.AmountScale)))
	})
}

// decimalTextGen draws text that is mostly close to the grammar, so that
// valid numbers, every error kind and the boundaries between them all occur.
func decimalTextGen() *rapid.Generator[string] {
	digits := rapid.StringOfN(rapid.RuneFrom([]rune("0123456789")), 0, 25, -1)
	wellFormed := rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		if rapid.Bool().Draw(t, "neg") {
			b.WriteByte('-')
		}
		b.WriteString(digits.Draw(t, "int"))
		if rapid.Bool().Draw(t, "point") {
			b.WriteByte('.')
			b.WriteString(digits.Draw(t, "frac"))
		}
		return b.String()
	})
	noisy := rapid.StringOf(rapid.RuneFrom([]rune("0123456789.-+eE ,_x")))
	return rapid.OneOf(wellFormed, noisy, rapid.String())
}

func TestPropertyParse(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := decimalTextGen().Draw(t, "s")
		for _, typ := range numTypes {
			wantUnits, wantKind := oracleParse(s, typ.scale)
			got, err := typ.parse(s)
			if wantKind != "" {
				pe, ok := err.(*money.ParseError)
				if !ok || pe.Kind != wantKind {
					t.Fatalf("parse %s %q = %d, %v; oracle says %s", typ.name, s, got, err, wantKind)
				}
				continue
			}
			if err != nil || got != wantUnits {
				t.Fatalf("parse %s %q = %d, %v; oracle %d", typ.name, s, got, err, wantUnits)
			}
		}
	})
}

func TestPropertyFormatRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		u := unitsGen().Draw(t, "units")
		for _, typ := range numTypes {
			s := typ.format(u)
			back, err := typ.parse(s)
			if err != nil || back != u {
				t.Fatalf("%s %d formats as %q, which parses to %d, %v", typ.name, u, s, back, err)
			}
			if x, ok := new(big.Rat).SetString(s); !ok || x.Cmp(ratOf(u, typ.scale)) != 0 {
				t.Fatalf("%s %d formats as %q, which is not its value", typ.name, u, s)
			}
			frac := ""
			if i := strings.IndexByte(s, '.'); i >= 0 {
				frac = s[i+1:]
			}
			if typ.trim && strings.HasSuffix(frac, "0") || !typ.trim && len(frac) != typ.scale {
				t.Fatalf("%s %d formats as %q, which breaks the documented form", typ.name, u, s)
			}
		}
	})
}

func TestPropertyAllocate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := money.AmountFromUnits(unitsGen().Draw(t, "total"))
		weightGen := rapid.OneOf(rapid.Int64Range(0, 10), rapid.Int64Range(0, 1e9), rapid.Int64Range(0, math.MaxInt64))
		raw := rapid.SliceOfN(weightGen, 1, 30).Draw(t, "weights")
		weights := make([]money.Quantity, len(raw))
		sum := new(big.Int)
		for i, w := range raw {
			weights[i] = money.QuantityFromUnits(w)
			sum.Add(sum, big.NewInt(w))
		}

		parts, err := money.Allocate(total, weights)
		if sum.Sign() == 0 {
			if ae, ok := err.(*money.ArithmeticError); !ok || ae.Kind != money.KindZeroWeights {
				t.Fatalf("zero weights gave %v, %v", parts, err)
			}
			return
		}
		if err != nil || len(parts) != len(weights) {
			t.Fatalf("Allocate = %v, %v", parts, err)
		}

		got := new(big.Int)
		roundedAway := make([]bool, len(parts))
		fracs := make([]*big.Rat, len(parts))
		for i, p := range parts {
			got.Add(got, big.NewInt(p.Units()))
			share := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(total.Units()), big.NewInt(raw[i])), sum)
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(p.Units()), share)
			if diff.Cmp(big.NewRat(-1, 1)) <= 0 || diff.Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %d is a unit or more away from its share %s", i, p.Units(), share.FloatString(4))
			}
			if p.Sign() != 0 && p.Sign() != total.Sign() {
				t.Fatalf("part %d = %s has the wrong sign for total %s", i, p, total)
			}
			if raw[i] == 0 && !p.IsZero() {
				t.Fatalf("part %d has zero weight but got %s", i, p)
			}
			// The part is either the share truncated toward zero or one unit further out.
			abs := new(big.Rat).Abs(share)
			trunc := new(big.Int).Quo(abs.Num(), abs.Denom())
			fracs[i] = new(big.Rat).Sub(abs, new(big.Rat).SetInt(trunc))
			roundedAway[i] = new(big.Int).Abs(big.NewInt(p.Units())).Cmp(trunc) != 0
		}
		if got.Cmp(big.NewInt(total.Units())) != 0 {
			t.Fatalf("parts sum to %s, total is %d", got, total.Units())
		}
		// Largest remainder: every part that got an extra unit had a remainder at
		// least as large as every part that did not, and wins ties only when earlier.
		for i := range parts {
			for j := range parts {
				if !roundedAway[i] || roundedAway[j] {
					continue
				}
				if c := fracs[i].Cmp(fracs[j]); c < 0 || c == 0 && i > j {
					t.Fatalf("part %d got the extra unit (remainder %s) before part %d (remainder %s)", i, fracs[i], j, fracs[j])
				}
			}
		}
	})
}

// TestPropertyTies builds inputs whose exact result lies exactly halfway
// between two units, which random inputs rarely hit, and checks both modes.
func TestPropertyTies(t *testing.T) {
	signed := func(t *rapid.T, label string, x int64) int64 {
		if rapid.Bool().Draw(t, label) {
			return -x
		}
		return x
	}
	// factor draws 2^i×5^j with i ≤ maxTwos and j ≤ maxFives.
	factor := func(t *rapid.T, label string, maxTwos, maxFives int) int64 {
		i := rapid.IntRange(0, maxTwos).Draw(t, label+"Twos")
		j := rapid.IntRange(0, maxFives).Draw(t, label+"Fives")
		f := int64(1) << i
		for range j {
			f *= 5
		}
		return f
	}
	assertTie := func(t *rapid.T, x *big.Rat, scale int) {
		n := new(big.Rat).Mul(x, new(big.Rat).SetInt(pow10Int(scale)))
		if n.Denom().Cmp(big.NewInt(2)) != 0 {
			t.Fatalf("construction error: %s is no tie", x)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		mode := modeGen().Draw(t, "mode")
		odd := 2*rapid.Int64Range(0, 1e8).Draw(t, "k") + 1

		// q×p = 5×10^9×odd in units of 10^-12, which is odd/2 hundredths.
		f := factor(t, "qty", 9, 10)
		q := money.QuantityFromUnits(signed(t, "negQty", f))
		p := money.UnitPriceFromUnits(signed(t, "negPrice", 5_000_000_000/f*odd))
		exact := new(big.Rat).Mul(ratOf(q.Units(), money.QuantityScale), ratOf(p.Units(), money.UnitPriceScale))
		assertTie(t, exact, money.AmountScale)
		got, err := q.MulUnitPrice(p, mode)
		checkAgainst(t, "qty × price tie", got.Units(), err, toUnits(exact, money.AmountScale, mode))

		// a×r = 5×10^5×odd in units of 10^-8, which is odd/2 hundredths.
		g := factor(t, "amount", 5, 6)
		a := money.AmountFromUnits(signed(t, "negAmount", g*odd))
		r := money.RateFromUnits(signed(t, "negRate", 500_000/g))
		exact = new(big.Rat).Mul(ratOf(a.Units(), money.AmountScale), ratOf(r.Units(), money.RateScale))
		assertTie(t, exact, money.AmountScale)
		got, err = a.MulRate(r, mode)
		checkAgainst(t, "amount × rate tie", got.Units(), err, toUnits(exact, money.AmountScale, mode))

		// a×10^10÷q = odd×5^j/2 millionths when a = odd×h and q = 2×10^10×h÷5^j.
		h := rapid.Int64Range(1, 400).Draw(t, "h")
		fives := factor(t, "divisor", 0, 10)
		a = money.AmountFromUnits(signed(t, "negDividend", odd*h))
		q = money.QuantityFromUnits(signed(t, "negDivisor", 20_000_000_000*h/fives))
		exact = new(big.Rat).Quo(ratOf(a.Units(), money.AmountScale), ratOf(q.Units(), money.QuantityScale))
		assertTie(t, exact, money.UnitPriceScale)
		price, err := a.DivQuantity(q, mode)
		checkAgainst(t, "amount ÷ qty tie", price.Units(), err, toUnits(exact, money.UnitPriceScale, mode))
	})
}
