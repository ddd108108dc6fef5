package money_test

import (
	"math"
	"testing"

	"github.com/govalues/decimal"
	"github.com/loom-erp/loom/internal/platform/money"
)

func TestMulUnitPriceRounding(t *testing.T) {
	cases := []struct {
		qty, price       string
		halfUp, halfEven string
	}{
		{"1", "0.005", "0.01", "0.00"},
		{"1", "0.015", "0.02", "0.02"},
		{"1", "0.025", "0.03", "0.02"},
		{"-1", "0.005", "-0.01", "0.00"},
		{"-1", "0.015", "-0.02", "-0.02"},
		{"1", "-0.025", "-0.03", "-0.02"},
		{"-0.5", "-0.01", "0.01", "0.00"},
		{"0.5", "0.01", "0.01", "0.00"},
		{"3", "0.001665", "0.00", "0.00"},
		{"3", "0.001667", "0.01", "0.01"},
		{"0.999999", "0.005", "0.00", "0.00"},
		{"-0.999999", "0.005", "-0.00", "-0.00"},
		{"2.5", "1.003", "2.51", "2.51"},
		{"0.000001", "0.000001", "0.00", "0.00"},
		{"12", "3.5", "42.00", "42.00"},
		{"1.5", "99.99", "149.99", "149.98"},
		{"-1.5", "99.99", "-149.99", "-149.98"},
		{"1000", "0.123456", "123.46", "123.46"},
	}
	for _, c := range cases {
		q, p := money.MustQuantity(c.qty), money.MustUnitPrice(c.price)
		for mode, want := range map[money.Rounding]string{money.RoundHalfUp: c.halfUp, money.RoundHalfEven: c.halfEven} {
			got, err := q.MulUnitPrice(p, mode)
			if err != nil {
				t.Errorf("%s × %s (mode %d): %v", c.qty, c.price, mode, err)
				continue
			}
			if got != money.MustAmount(want) {
				t.Errorf("%s × %s (mode %d) = %s, want %s", c.qty, c.price, mode, got, want)
			}
		}
	}
}

func TestMulRateRounding(t *testing.T) {
	cases := []struct {
		amount, rate     string
		halfUp, halfEven string
	}{
		{"100.00", "0.13", "13.00", "13.00"},
		{"0.50", "0.13", "0.07", "0.06"},
		{"0.50", "0.09", "0.05", "0.04"},
		{"-0.50", "0.13", "-0.07", "-0.06"},
		{"0.50", "-0.09", "-0.05", "-0.04"},
		{"-0.50", "-0.09", "0.05", "0.04"},
		{"1.15", "0.1", "0.12", "0.12"},
		{"1.25", "0.1", "0.13", "0.12"},
		{"0.01", "0.499999", "0.00", "0.00"},
		{"0.01", "0.5", "0.01", "0.00"},
		{"0.03", "0.5", "0.02", "0.02"},
		{"-0.01", "0.5", "-0.01", "0.00"},
		{"1234.56", "7.123456", "8794.33", "8794.33"},
	}
	for _, c := range cases {
		a, r := money.MustAmount(c.amount), money.MustRate(c.rate)
		for mode, want := range map[money.Rounding]string{money.RoundHalfUp: c.halfUp, money.RoundHalfEven: c.halfEven} {
			got, err := a.MulRate(r, mode)
			if err != nil {
				t.Errorf("%s × %s (mode %d): %v", c.amount, c.rate, mode, err)
				continue
			}
			if got != money.MustAmount(want) {
				t.Errorf("%s × %s (mode %d) = %s, want %s", c.amount, c.rate, mode, got, want)
			}
		}
	}
}

func TestDivQuantityRounding(t *testing.T) {
	cases := []struct {
		amount, qty      string
		halfUp, halfEven string
	}{
		{"10.00", "3", "3.333333", "3.333333"},
		{"20.00", "3", "6.666667", "6.666667"},
		{"0.01", "8", "0.00125", "0.00125"},
		{"0.01", "4000", "0.000003", "0.000002"},
		{"0.03", "4000", "0.000008", "0.000008"},
		{"-0.01", "4000", "-0.000003", "-0.000002"},
		{"0.01", "-4000", "-0.000003", "-0.000002"},
		{"-0.01", "-4000", "0.000003", "0.000002"},
		{"0.01", "0.000001", "10000", "10000"},
		{"1000.00", "0.5", "2000", "2000"},
	}
	for _, c := range cases {
		a, q := money.MustAmount(c.amount), money.MustQuantity(c.qty)
		for mode, want := range map[money.Rounding]string{money.RoundHalfUp: c.halfUp, money.RoundHalfEven: c.halfEven} {
			got, err := a.DivQuantity(q, mode)
			if err != nil {
				t.Errorf("%s ÷ %s (mode %d): %v", c.amount, c.qty, mode, err)
				continue
			}
			if got != money.MustUnitPrice(want) {
				t.Errorf("%s ÷ %s (mode %d) = %s, want %s", c.amount, c.qty, mode, got, want)
			}
		}
	}
	_, err := money.MustAmount("1.00").DivQuantity(money.Quantity{}, money.RoundHalfUp)
	if k := kindOf(t, err); k != money.KindDivisionByZero {
		t.Errorf("division by zero quantity gave %v, want %s", err, money.KindDivisionByZero)
	}
}

func TestUnknownRoundingIsAnError(t *testing.T) {
	// Even an exact product needs a valid mode, so a zero setting is caught at once.
	q, p := money.MustQuantity("1"), money.MustUnitPrice("1")
	if _, err := q.MulUnitPrice(p, 0); kindOf(t, err) != money.KindUnknownRounding {
		t.Errorf("MulUnitPrice with Rounding 0 gave %v", err)
	}
	if _, err := money.MustAmount("1").MulRate(money.MustRate("1"), 3); kindOf(t, err) != money.KindUnknownRounding {
		t.Errorf("MulRate with Rounding 3 gave %v", err)
	}
	if _, err := money.MustAmount("1").DivQuantity(q, -1); kindOf(t, err) != money.KindUnknownRounding {
		t.Errorf("DivQuantity with Rounding -1 gave %v", err)
	}
	if _, err := money.AmountFromDecimal(decimal.One, 0); kindOf(t, err) != money.KindUnknownRounding {
		t.Errorf("AmountFromDecimal with Rounding 0 gave %v", err)
	}
}

func TestOverflow(t *testing.T) {
	maxA, minA := money.AmountFromUnits(math.MaxInt64), money.AmountFromUnits(math.MinInt64)
	cent := money.AmountFromUnits(1)
	maxQ, minQ := money.QuantityFromUnits(math.MaxInt64), money.QuantityFromUnits(math.MinInt64)
	maxP, maxR := money.UnitPriceFromUnits(math.MaxInt64), money.RateFromUnits(math.MaxInt64)
	minP, minR := money.UnitPriceFromUnits(math.MinInt64), money.RateFromUnits(math.MinInt64)
	one := int64(1)

	errs := map[string]error{}
	_, errs["amount max+1"] = maxA.Add(cent)
	_, errs["amount min-1"] = minA.Sub(cent)
	_, errs["amount max-(-1)"] = maxA.Sub(money.AmountFromUnits(-1))
	_, errs["amount min+(-1)"] = minA.Add(money.AmountFromUnits(-1))
	_, errs["amount -min"] = minA.Neg()
	_, errs["amount |min|"] = minA.Abs()
	_, errs["quantity max+1"] = maxQ.Add(money.QuantityFromUnits(one))
	_, errs["quantity min-1"] = minQ.Sub(money.QuantityFromUnits(one))
	_, errs["quantity -min"] = minQ.Neg()
	_, errs["quantity |min|"] = minQ.Abs()
	_, errs["unit price max+1"] = maxP.Add(money.UnitPriceFromUnits(one))
	_, errs["unit price min-1"] = minP.Sub(money.UnitPriceFromUnits(one))
	_, errs["unit price -min"] = minP.Neg()
	_, errs["unit price |min|"] = minP.Abs()
	_, errs["rate max+1"] = maxR.Add(money.RateFromUnits(one))
	_, errs["rate min-1"] = minR.Sub(money.RateFromUnits(one))
	_, errs["rate -min"] = minR.Neg()
	_, errs["rate |min|"] = minR.Abs()
	_, errs["new amount"] = money.NewAmount(92233720368547759)
	_, errs["new amount negative"] = money.NewAmount(-92233720368547759)
	_, errs["new quantity"] = money.NewQuantity(9223372036855)
	_, errs["new unit price"] = money.NewUnitPrice(-9223372036855)
	_, errs["new rate"] = money.NewRate(math.MaxInt64)
	_, errs["max quantity × max price"] = maxQ.MulUnitPrice(maxP, money.RoundHalfUp)
	_, errs["quantity × price past max by rounding up"] = money.QuantityFromUnits(4294967295000).MulUnitPrice(money.UnitPriceFromUnits(21474836485000000), money.RoundHalfEven)
	_, errs["quantity × price past min by rounding half up"] = money.QuantityFromUnits(-67280421310721).MulUnitPrice(money.UnitPriceFromUnits(1370885000000000), money.RoundHalfUp)
	_, errs["amount × rate past max by rounding up"] = money.AmountFromUnits(3689348814741910323).MulRate(money.MustRate("2.5"), money.RoundHalfUp)
	_, errs["min amount × -1"] = minA.MulRate(money.MustRate("-1"), money.RoundHalfUp)
	_, errs["max amount ÷ 0.000001"] = maxA.DivQuantity(money.QuantityFromUnits(1), money.RoundHalfUp)
	_, errs["amount from 19-digit decimal"] = money.AmountFromDecimal(decimal.MustParse("9999999999999999999"), money.RoundHalfUp)
	_, errs["quantity from 13-digit decimal"] = money.QuantityFromDecimal(decimal.MustParse("-9223372036855"), money.RoundHalfUp)
	for name, err := range errs {
		if k := kindOf(t, err); k != money.KindOverflow {
			t.Errorf("%s: got %v, want an overflow error", name, err)
		}
	}

	// The results nearest the limits that do fit.
	type fit struct {
		name string
		got  int64
		err  error
		want int64
	}
	var fits []fit
	a, err := maxA.Neg()
	fits = append(fits, fit{"-max amount", a.Units(), err, -math.MaxInt64})
	a, err = minA.Add(maxA)
	fits = append(fits, fit{"min+max amount", a.Units(), err, -1})
	a, err = money.NewAmount(92233720368547758)
	fits = append(fits, fit{"new amount", a.Units(), err, 9223372036854775800})
	q, err := money.NewQuantity(-9223372036854)
	fits = append(fits, fit{"new quantity", q.Units(), err, -9223372036854000000})
	a, err = money.QuantityFromUnits(-67280421310721).MulUnitPrice(money.UnitPriceFromUnits(1370885000000000), money.RoundHalfEven)
	fits = append(fits, fit{"quantity × price to min by rounding half even", a.Units(), err, math.MinInt64})
	a, err = minA.MulRate(money.MustRate("1"), money.RoundHalfUp)
	fits = append(fits, fit{"min amount × 1", a.Units(), err, math.MinInt64})
	p, err := minA.DivQuantity(money.MustQuantity("10000000000"), money.RoundHalfUp)
	fits = append(fits, fit{"min amount ÷ 10^10", p.Units(), err, -9223372036855})
	for _, f := range fits {
		if f.err != nil || f.got != f.want {
			t.Errorf("%s = %d, %v; want %d", f.name, f.got, f.err, f.want)
		}
	}
}

func TestArithmeticError(t *testing.T) {
	_, err := money.AmountFromUnits(math.MaxInt64).Add(money.AmountFromUnits(1))
	want := money.ArithmeticError{Kind: money.KindOverflow, Key: "money.overflow", Op: "amount.add"}
	if ae, ok := err.(*money.ArithmeticError); !ok || *ae != want {
		t.Fatalf("error = %#v, want %+v", err, want)
	}
	if msg := err.Error(); msg != "money: amount.add: overflow" {
		t.Errorf("Error() = %q", msg)
	}
}

func TestCompare(t *testing.T) {
	values := []string{"-3.5", "-0.01", "0", "0.01", "2"}
	for i, x := range values {
		for j, y := range values {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := money.MustAmount(x).Cmp(money.MustAmount(y)); got != want {
				t.Errorf("Amount %s Cmp %s = %d, want %d", x, y, got, want)
			}
			if got := money.MustQuantity(x).Cmp(money.MustQuantity(y)); got != want {
				t.Errorf("Quantity %s Cmp %s = %d, want %d", x, y, got, want)
			}
			if got := money.MustUnitPrice(x).Cmp(money.MustUnitPrice(y)); got != want {
				t.Errorf("UnitPrice %s Cmp %s = %d, want %d", x, y, got, want)
			}
			if got := money.MustRate(x).Cmp(money.MustRate(y)); got != want {
				t.Errorf("Rate %s Cmp %s = %d, want %d", x, y, got, want)
			}
		}
	}
	for s, sign := range map[string]int{"-0.01": -1, "0": 0, "-0": 0, "7": 1} {
		if a := money.MustAmount(s); a.Sign() != sign || a.IsZero() != (sign == 0) {
			t.Errorf("Amount %s: Sign %d IsZero %v", s, a.Sign(), a.IsZero())
		}
		if q := money.MustQuantity(s); q.Sign() != sign || q.IsZero() != (sign == 0) {
			t.Errorf("Quantity %s: Sign %d IsZero %v", s, q.Sign(), q.IsZero())
		}
		if p := money.MustUnitPrice(s); p.Sign() != sign || p.IsZero() != (sign == 0) {
			t.Errorf("UnitPrice %s: Sign %d IsZero %v", s, p.Sign(), p.IsZero())
		}
		if r := money.MustRate(s); r.Sign() != sign || r.IsZero() != (sign == 0) {
			t.Errorf("Rate %s: Sign %d IsZero %v", s, r.Sign(), r.IsZero())
		}
	}
}

func TestDecimalConversion(t *testing.T) {
	if got := money.MustAmount("12.3").Decimal().String(); got != "12.30" {
		t.Errorf("Amount 12.3 as decimal = %s", got)
	}
	if got := money.AmountFromUnits(math.MinInt64).Decimal().String(); got != "-92233720368547758.08" {
		t.Errorf("min Amount as decimal = %s", got)
	}
	if got := money.MustQuantity("2.5").Decimal().String(); got != "2.500000" {
		t.Errorf("Quantity 2.5 as decimal = %s", got)
	}
	if got := money.MustUnitPrice("-0.000001").Decimal().String(); got != "-0.000001" {
		t.Errorf("UnitPrice -0.000001 as decimal = %s", got)
	}
	if got := money.MustRate("0.13").Decimal().String(); got != "0.130000" {
		t.Errorf("Rate 0.13 as decimal = %s", got)
	}

	cases := []struct {
		in               string
		halfUp, halfEven int64 // millionths
	}{
		{"1.2345675", 1234568, 1234568},
		{"1.2345665", 1234567, 1234566},
		{"-1.2345665", -1234567, -1234566},
		{"0.0000005", 1, 0},
		{"-0.0000005", -1, 0},
		{"0.0000000000000000005", 0, 0},
		{"7", 7_000_000, 7_000_000},
		{"-7.25", -7_250_000, -7_250_000},
		{"9223372036854.775807", math.MaxInt64, math.MaxInt64},
	}
	for _, c := range cases {
		d := decimal.MustParse(c.in)
		for mode, want := range map[money.Rounding]int64{money.RoundHalfUp: c.halfUp, money.RoundHalfEven: c.halfEven} {
			q, err := money.QuantityFromDecimal(d, mode)
			if err != nil || q.Units() != want {
				t.Errorf("QuantityFromDecimal(%s, %d) = %d, %v; want %d", c.in, mode, q.Units(), err, want)
			}
			p, err := money.UnitPriceFromDecimal(d, mode)
			if err != nil || p.Units() != want {
				t.Errorf("UnitPriceFromDecimal(%s, %d) = %d, %v; want %d", c.in, mode, p.Units(), err, want)
			}
			r, err := money.RateFromDecimal(d, mode)
			if err != nil || r.Units() != want {
				t.Errorf("RateFromDecimal(%s, %d) = %d, %v; want %d", c.in, mode, r.Units(), err, want)
			}
		}
	}
	a, err := money.AmountFromDecimal(decimal.MustParse("-0.125"), money.RoundHalfUp)
	if err != nil || a != money.MustAmount("-0.13") {
		t.Errorf("AmountFromDecimal(-0.125, half up) = %s, %v", a, err)
	}
	a, err = money.AmountFromDecimal(decimal.MustParse("-0.125"), money.RoundHalfEven)
	if err != nil || a != money.MustAmount("-0.12") {
		t.Errorf("AmountFromDecimal(-0.125, half even) = %s, %v", a, err)
	}
}

func TestNew(t *testing.T) {
	a, err := money.NewAmount(-12)
	if err != nil || a != money.MustAmount("-12") {
		t.Errorf("NewAmount(-12) = %s, %v", a, err)
	}
	q, err := money.NewQuantity(3)
	if err != nil || q != money.MustQuantity("3") {
		t.Errorf("NewQuantity(3) = %s, %v", q, err)
	}
	p, err := money.NewUnitPrice(0)
	if err != nil || !p.IsZero() {
		t.Errorf("NewUnitPrice(0) = %s, %v", p, err)
	}
	r, err := money.NewRate(1)
	if err != nil || r != money.MustRate("1") {
		t.Errorf("NewRate(1) = %s, %v", r, err)
	}
}
