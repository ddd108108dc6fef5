package erpui

import (
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/money"
)

// Qty formats a quantity with exactly the decimals its unit of measure keeps
// (or more, for a value that has more), such as "12.50" for two decimals.
func Qty(q money.Quantity, precision int) string {
	s := q.String()
	precision = min(max(precision, 0), money.QuantityScale)
	dot := strings.IndexByte(s, '.')
	have := 0
	if dot >= 0 {
		have = len(s) - dot - 1
	}
	if have >= precision {
		return s
	}
	if dot < 0 {
		s += "."
	}
	return s + strings.Repeat("0", precision-have)
}

// Price formats a unit price with at least two decimals, such as "12.50" or "0.125".
func Price(p money.UnitPrice) string {
	s := p.String()
	dot := strings.IndexByte(s, '.')
	switch {
	case dot < 0:
		return s + ".00"
	case len(s)-dot-1 == 1:
		return s + "0"
	}
	return s
}

// PriceOrEmpty is Price, or "" for zero, for optional fields of a form.
func PriceOrEmpty(p money.UnitPrice) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

// Money formats an amount with its currency code, such as "CNY 1,234.50".
func Money(a money.Amount, currency string) string {
	s := Grouped(a.String())
	if currency == "" {
		return s
	}
	return currency + " " + s
}

// Grouped puts thousands separators into the whole part of a decimal.
func Grouped(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// When formats an instant for a list, in the server's time zone; zero is empty.
func When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// Itoa formats an int.
func Itoa(n int) string { return strconv.Itoa(n) }
