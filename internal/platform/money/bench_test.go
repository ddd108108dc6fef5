package money_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/platform/money"
)

func BenchmarkParseAmount(b *testing.B) {
	for b.Loop() {
		if _, err := money.ParseAmount("-1234567.89"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAmountString(b *testing.B) {
	a := money.MustAmount("-1234567.89")
	for b.Loop() {
		_ = a.String()
	}
}

func BenchmarkMulUnitPrice(b *testing.B) {
	q, p := money.MustQuantity("1234.5678"), money.MustUnitPrice("99.123456")
	for b.Loop() {
		if _, err := q.MulUnitPrice(p, money.RoundHalfUp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAllocate100(b *testing.B) {
	weights := make([]money.Quantity, 100)
	for i := range weights {
		weights[i] = money.QuantityFromUnits(int64(i+1) * 1_234_567)
	}
	total := money.MustAmount("98765.43")
	for b.Loop() {
		if _, err := money.Allocate(total, weights); err != nil {
			b.Fatal(err)
		}
	}
}
