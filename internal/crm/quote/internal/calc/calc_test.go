package calc

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/loom-erp/loom/internal/platform/money"
)

func TestCompute(t *testing.T) {
	for _, c := range []struct {
		qty, price, disc, vat string
		incl                  bool
		netPrice, net, tax    string
		gross                 string
	}{
		{"500", "268", "0.05", "0.13", false, "254.6", "127300.00", "16549.00", "143849.00"},
		{"3", "0.333333", "0", "0.13", false, "0.333333", "1.00", "0.13", "1.13"},
		{"3", "86.5", "0.05", "0.13", false, "82.175", "246.52", "32.05", "278.57"},
		{"7", "10.005", "0", "0.06", false, "10.005", "70.04", "4.20", "74.24"},
		{"1", "113", "0", "0.13", true, "113", "100.00", "13.00", "113.00"},
		{"3", "33.33", "0.1", "0.13", true, "29.997", "79.64", "10.35", "89.99"},
		{"2", "100", "1", "0.13", false, "0", "0.00", "0.00", "0.00"},
	} {
		a, err := Compute(Line{Quantity: money.MustQuantity(c.qty), UnitPrice: money.MustUnitPrice(c.price), Discount: money.MustRate(c.disc),
			VATRate: money.MustRate(c.vat), Inclusive: c.incl})
		if err != nil {
			t.Fatal(err)
		}
		if a.NetPrice.String() != c.netPrice || a.Net.String() != c.net || a.Tax.String() != c.tax || a.Gross.String() != c.gross {
			t.Errorf("%+v: got %s %s %s %s", c, a.NetPrice, a.Net, a.Tax, a.Gross)
		}
	}
	if _, err := Compute(Line{Discount: money.MustRate("1.1")}); err == nil {
		t.Error("a discount above 1 is accepted")
	}
}

func TestReduction(t *testing.T) {
	r, _ := Reduction(money.MustUnitPrice("85"), money.MustUnitPrice("100"))
	if r.String() != "0.15" {
		t.Errorf("reduction %s", r)
	}
	r, _ = Reduction(money.MustUnitPrice("120"), money.MustUnitPrice("100"))
	if !r.IsZero() {
		t.Errorf("a price above the reference is reduced by %s", r)
	}
	p, _ := WithVAT(money.MustUnitPrice("240"), money.MustRate("0.13"))
	if p.String() != "271.2" {
		t.Errorf("with VAT %s", p)
	}
}

// Every line's gross is its net plus its tax, the tax is the VAT of the net
// within rounding, and amounts never go negative.
func TestComputeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		qty := money.QuantityFromUnits(rapid.Int64Range(1, 10_000_000_000).Draw(t, "qty"))
		price := money.UnitPriceFromUnits(rapid.Int64Range(0, 100_000_000_000).Draw(t, "price"))
		disc := money.RateFromUnits(rapid.Int64Range(0, 1_000_000).Draw(t, "disc"))
		vat := money.RateFromUnits(rapid.SampledFrom([]int64{0, 30_000, 60_000, 90_000, 130_000}).Draw(t, "vat"))
		incl := rapid.Bool().Draw(t, "incl")
		a, err := Compute(Line{Quantity: qty, UnitPrice: price, Discount: disc, VATRate: vat, Inclusive: incl})
		if err != nil {
			t.Skip(err)
		}
		sum, _ := a.Net.Add(a.Tax)
		if sum.Cmp(a.Gross) != 0 {
			t.Fatalf("net %s + tax %s != gross %s", a.Net, a.Tax, a.Gross)
		}
		if a.Net.Sign() < 0 || a.Tax.Sign() < 0 {
			t.Fatalf("negative amounts %+v", a)
		}
		want, _ := a.Net.MulRate(vat, money.RoundHalfUp)
		diff, _ := want.Sub(a.Tax)
		if d := diff.Units(); d > 1 || d < -1 {
			t.Fatalf("tax %s is not the VAT of net %s (%s)", a.Tax, a.Net, want)
		}
		if !incl && want.Cmp(a.Tax) != 0 {
			t.Fatalf("exclusive tax %s != %s", a.Tax, want)
		}
	})
}
