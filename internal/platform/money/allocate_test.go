package money_test

import (
	"math"
	"slices"
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

func amounts(ss ...string) []money.Amount {
	out := make([]money.Amount, len(ss))
	for i, s := range ss {
		out[i] = money.MustAmount(s)
	}
	return out
}

func quantities(ss ...string) []money.Quantity {
	out := make([]money.Quantity, len(ss))
	for i, s := range ss {
		out[i] = money.MustQuantity(s)
	}
	return out
}

func TestAllocateByQuantity(t *testing.T) {
	cases := []struct {
		total   string
		weights []string
		want    []string
	}{
		{"100.00", []string{"1", "1", "1"}, []string{"33.34", "33.33", "33.33"}},
		{"0.05", []string{"1", "1"}, []string{"0.03", "0.02"}},
		{"-0.05", []string{"1", "1"}, []string{"-0.03", "-0.02"}},
		{"0.10", []string{"1", "1", "1"}, []string{"0.04", "0.03", "0.03"}},
		{"1.00", []string{"1", "2", "3"}, []string{"0.17", "0.33", "0.50"}},
		{"1.00", []string{"3", "2", "1"}, []string{"0.50", "0.33", "0.17"}},
		{"0.02", []string{"1", "1", "1"}, []string{"0.01", "0.01", "0.00"}},
		{"10.00", []string{"0", "1"}, []string{"0.00", "10.00"}},
		{"0.01", []string{"0", "0.000001", "0"}, []string{"0.00", "0.01", "0.00"}},
		{"0.00", []string{"1", "2"}, []string{"0.00", "0.00"}},
		{"7.00", []string{"2.5"}, []string{"7.00"}},
		{"0.03", []string{"0.000001", "0.000002", "9999"}, []string{"0.00", "0.00", "0.03"}},
	}
	for _, c := range cases {
		got, err := money.Allocate(money.MustAmount(c.total), quantities(c.weights...))
		if err != nil {
			t.Errorf("Allocate(%s, %v): %v", c.total, c.weights, err)
			continue
		}
		if !slices.Equal(got, amounts(c.want...)) {
			t.Errorf("Allocate(%s, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
	}
}

func TestAllocateByAmount(t *testing.T) {
	got, err := money.Allocate(money.MustAmount("50.00"), amounts("30.00", "30.00", "40.00"))
	if err != nil || !slices.Equal(got, amounts("15.00", "15.00", "20.00")) {
		t.Errorf("Allocate by amounts = %v, %v", got, err)
	}
}

func TestAllocateExtremes(t *testing.T) {
	// The weights sum past the int64 range, and the total is the smallest Amount.
	weights := []money.Quantity{money.QuantityFromUnits(math.MaxInt64), money.QuantityFromUnits(math.MaxInt64)}
	got, err := money.Allocate(money.AmountFromUnits(math.MinInt64), weights)
	if err != nil {
		t.Fatal(err)
	}
	want := []money.Amount{money.AmountFromUnits(math.MinInt64 / 2), money.AmountFromUnits(math.MinInt64 / 2)}
	if !slices.Equal(got, want) {
		t.Errorf("Allocate(min, [max, max]) = %v, want %v", got, want)
	}
	got, err = money.Allocate(money.AmountFromUnits(math.MaxInt64), []money.Amount{money.AmountFromUnits(1), money.AmountFromUnits(1)})
	if err != nil {
		t.Fatal(err)
	}
	want = []money.Amount{money.AmountFromUnits(math.MaxInt64/2 + 1), money.AmountFromUnits(math.MaxInt64 / 2)}
	if !slices.Equal(got, want) {
		t.Errorf("Allocate(max, [1, 1]) = %v, want %v", got, want)
	}
}

func TestAllocateRefusesBadWeights(t *testing.T) {
	cases := []struct {
		weights []money.Quantity
		kind    money.Kind
	}{
		{nil, money.KindZeroWeights},
		{quantities(), money.KindZeroWeights},
		{quantities("0", "0"), money.KindZeroWeights},
		{quantities("1", "-0.000001", "2"), money.KindNegativeWeight},
		{quantities("-1", "1"), money.KindNegativeWeight},
	}
	for _, c := range cases {
		got, err := money.Allocate(money.MustAmount("1.00"), c.weights)
		if kindOf(t, err) != c.kind || got != nil {
			t.Errorf("Allocate(1.00, %v) = %v, %v; want nil and %s", c.weights, got, err, c.kind)
		}
	}
}
