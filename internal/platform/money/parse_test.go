package money_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

// kindOf returns the Kind of a *ParseError or *ArithmeticError, and "" for nil.
func kindOf(t *testing.T, err error) money.Kind {
	t.Helper()
	if err == nil {
		return ""
	}
	var pe *money.ParseError
	if errors.As(err, &pe) {
		if pe.Key != "money."+string(pe.Kind) {
			t.Errorf("ParseError key %q does not match kind %q", pe.Key, pe.Kind)
		}
		return pe.Kind
	}
	var ae *money.ArithmeticError
	if errors.As(err, &ae) {
		if ae.Key != "money."+string(ae.Kind) {
			t.Errorf("ArithmeticError key %q does not match kind %q", ae.Key, ae.Kind)
		}
		return ae.Kind
	}
	t.Fatalf("error %v (%T) is neither *ParseError nor *ArithmeticError", err, err)
	return ""
}

type parseCase struct {
	in    string
	units int64
	kind  money.Kind
}

// invalidSyntax is refused by every type, whatever its scale.
var invalidSyntax = []string{
	"", " ", "-", "+", ".", "-.", ".5", "-.5", "5.", "-5.", "+1", "--1", "- 1",
	" 1", "1 ", "\t1", "1\n", "1. 5", "1 000", "1,000", "1,000.00", "1.000,00", "1_000", "1'000",
	"1e3", "1E3", "1e-2", "1.5e2", "0x10", "0b1", "1.2.3", "12.3.", "1-", "1.-2",
	"NaN", "nan", "Inf", "-Inf", "+Inf", "Infinity", "∞",
	"１２", "١٢", "−1", "12元", "¥12", "$1", "1%", "\"1\"", "\x00", "1\x00",
}

func TestParseAmount(t *testing.T) {
	cases := []parseCase{
		{"0", 0, ""},
		{"-0", 0, ""},
		{"0.00", 0, ""},
		{"-0.00", 0, ""},
		{"12", 1200, ""},
		{"12.3", 1230, ""},
		{"12.30", 1230, ""},
		{"12.300000", 1230, ""},
		{"-12.5", -1250, ""},
		{"0.01", 1, ""},
		{"-0.01", -1, ""},
		{"007.50", 750, ""},
		{"0000000000000000000000000000001", 100, ""},
		{"92233720368547758.07", math.MaxInt64, ""},
		{"-92233720368547758.08", math.MinInt64, ""},
		{"0.001", 0, money.KindTooManyDecimals},
		{"1.234", 0, money.KindTooManyDecimals},
		{"-0.005", 0, money.KindTooManyDecimals},
		{"1.2301", 0, money.KindTooManyDecimals},
		{"0.0000000000000000000000001", 0, money.KindTooManyDecimals},
		{"99999999999999999999.001", 0, money.KindTooManyDecimals},
		{"92233720368547758.08", 0, money.KindOutOfRange},
		{"-92233720368547758.09", 0, money.KindOutOfRange},
		{"92233720368547759", 0, money.KindOutOfRange},
		{"100000000000000000000", 0, money.KindOutOfRange},
		{"-99999999999999999999999999999.00", 0, money.KindOutOfRange},
	}
	for _, s := range invalidSyntax {
		cases = append(cases, parseCase{s, 0, money.KindInvalid})
	}
	for _, c := range cases {
		a, err := money.ParseAmount(c.in)
		if got := kindOf(t, err); got != c.kind {
			t.Errorf("ParseAmount(%q) error kind = %q (%v), want %q", c.in, got, err, c.kind)
			continue
		}
		if a.Units() != c.units {
			t.Errorf("ParseAmount(%q) = %d units, want %d", c.in, a.Units(), c.units)
		}
	}
}

func TestParseScaleSix(t *testing.T) {
	cases := []parseCase{
		{"0.000001", 1, ""},
		{"-0.000001", -1, ""},
		{"0.0000010", 1, ""},
		{"1.5", 1_500_000, ""},
		{"0.13", 130_000, ""},
		{"3", 3_000_000, ""},
		{"9223372036854.775807", math.MaxInt64, ""},
		{"-9223372036854.775808", math.MinInt64, ""},
		{"0.0000001", 0, money.KindTooManyDecimals},
		{"1.0000005", 0, money.KindTooManyDecimals},
		{"9223372036854.775808", 0, money.KindOutOfRange},
		{"-9223372036854.775809", 0, money.KindOutOfRange},
		{"9223372036855", 0, money.KindOutOfRange},
	}
	for _, s := range invalidSyntax {
		cases = append(cases, parseCase{s, 0, money.KindInvalid})
	}
	for _, typ := range numTypes[1:] {
		for _, c := range cases {
			u, err := typ.parse(c.in)
			if got := kindOf(t, err); got != c.kind {
				t.Errorf("parse %s %q error kind = %q (%v), want %q", typ.name, c.in, got, err, c.kind)
				continue
			}
			if u != c.units {
				t.Errorf("parse %s %q = %d units, want %d", typ.name, c.in, u, c.units)
			}
		}
	}
}

func TestParseErrorFields(t *testing.T) {
	_, err := money.ParseAmount("1.234")
	var pe *money.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("ParseAmount(1.234) error %v is not a *ParseError", err)
	}
	want := money.ParseError{Kind: money.KindTooManyDecimals, Key: "money.too_many_decimals", Type: "amount", Scale: 2, Input: "1.234"}
	if *pe != want {
		t.Errorf("ParseError = %+v, want %+v", *pe, want)
	}
	if msg := pe.Error(); msg != `money: cannot read amount from "1.234": more than 2 decimal places (too_many_decimals)` {
		t.Errorf("Error() = %q", msg)
	}

	_, err = money.ParseRate("x")
	if !errors.As(err, &pe) || pe.Type != "rate" || pe.Scale != 6 || pe.Kind != money.KindInvalid {
		t.Errorf("ParseRate(x) error = %#v", err)
	}
	_, err = money.ParseUnitPrice("x")
	if !errors.As(err, &pe) || pe.Type != "unit_price" {
		t.Errorf("ParseUnitPrice(x) error = %#v", err)
	}

	long := strings.Repeat("9", 63) + "元元"
	_, err = money.ParseQuantity(long)
	if !errors.As(err, &pe) {
		t.Fatalf("ParseQuantity(long) error %v is not a *ParseError", err)
	}
	if want := strings.Repeat("9", 63) + "…"; pe.Input != want {
		t.Errorf("long input kept as %q, want %q (cut on a character boundary)", pe.Input, want)
	}
}

func TestMustPanicsOnBadInput(t *testing.T) {
	for name, f := range map[string]func(){
		"MustAmount":    func() { money.MustAmount("1.234") },
		"MustQuantity":  func() { money.MustQuantity("x") },
		"MustUnitPrice": func() { money.MustUnitPrice("") },
		"MustRate":      func() { money.MustRate("1e2") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
	if got := money.MustAmount("-3.5").Units(); got != -350 {
		t.Errorf("MustAmount(-3.5) = %d units, want -350", got)
	}
	if got := money.MustQuantity("2.5").Units(); got != 2_500_000 {
		t.Errorf("MustQuantity(2.5) = %d units", got)
	}
	if got := money.MustUnitPrice("0.5").Units(); got != 500_000 {
		t.Errorf("MustUnitPrice(0.5) = %d units", got)
	}
	if got := money.MustRate("0.13").Units(); got != 130_000 {
		t.Errorf("MustRate(0.13) = %d units", got)
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		typ   int // index into numTypes
		units int64
		want  string
	}{
		{0, 0, "0.00"},
		{0, 1, "0.01"},
		{0, -1, "-0.01"},
		{0, 5, "0.05"},
		{0, 10, "0.10"},
		{0, 100, "1.00"},
		{0, 123, "1.23"},
		{0, -123456, "-1234.56"},
		{0, math.MaxInt64, "92233720368547758.07"},
		{0, math.MinInt64, "-92233720368547758.08"},
		{1, 0, "0"},
		{1, 1, "0.000001"},
		{1, -10, "-0.00001"},
		{1, 1_500_000, "1.5"},
		{1, 2_000_000, "2"},
		{1, -2_000_000, "-2"},
		{1, 1_000_001, "1.000001"},
		{1, math.MaxInt64, "9223372036854.775807"},
		{1, math.MinInt64, "-9223372036854.775808"},
		{2, 3_141_600, "3.1416"},
		{2, 12_000_000, "12"},
		{3, 130_000, "0.13"},
		{3, 1_000_000, "1"},
		{3, -50_000, "-0.05"},
	}
	for _, c := range cases {
		typ := numTypes[c.typ]
		if got := typ.format(c.units); got != c.want {
			t.Errorf("%s with %d units formats as %q, want %q", typ.name, c.units, got, c.want)
		}
	}
}
