package ui

import (
	"context"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func lineID(i int, name string) string   { return "lines-" + strconv.Itoa(i) + "-" + name }
func lineName(i int, name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }

// lineAmount is a line's amount in its own currency.
func lineAmount(l ledger.Line) money.Amount {
	if l.Debit.IsZero() {
		return l.Credit
	}
	return l.Debit
}

func totalsSpan(foreign bool) string {
	if foreign {
		return "5"
	}
	return "2"
}

// voucherNumber is an entry's number, or a note that it is a draft.
func voucherNumber(ctx context.Context, e *ledger.Entry) string {
	if e.Number != "" {
		return e.Number
	}
	return tr(ctx, "fin.status.draft")
}

// amountInWords writes a renminbi amount in capital numerals (大写金额) on
// a Chinese voucher; other languages and currencies get nothing.
func amountInWords(ctx context.Context, a money.Amount, currency string) string {
	if i18n.Lang(ctx) != i18n.ZH || currency != "CNY" {
		return ""
	}
	return tr(ctx, "fin.voucher.in_words", map[string]any{"Words": CapitalRMB(a)})
}

var (
	capDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	capPlaces = []string{"", "拾", "佰", "仟"}
	capGroups = []string{"", "万", "亿", "万亿", "亿亿"}
)

// CapitalRMB writes an amount in the capital numerals of Chinese financial
// documents, such as 壹仟贰佰叁拾肆元伍角陆分 for 1234.56 and 壹佰元整 for 100.
func CapitalRMB(a money.Amount) string {
	u := a.Units()
	var b strings.Builder
	if u < 0 {
		b.WriteString("负")
		u = -u
	}
	yuan, jiao, fen := u/100, (u/10)%10, u%10
	if yuan > 0 {
		b.WriteString(capitalInteger(yuan))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && fen == 0:
		if yuan == 0 {
			b.WriteString("零元")
		}
		b.WriteString("整")
	case fen == 0:
		b.WriteString(capDigits[jiao] + "角整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(capDigits[fen] + "分")
	default:
		b.WriteString(capDigits[jiao] + "角" + capDigits[fen] + "分")
	}
	return b.String()
}

// capitalInteger writes a whole number above zero in capital numerals.
func capitalInteger(n int64) string {
	var groups []int64
	for n > 0 {
		groups = append(groups, n%10000)
		n /= 10000
	}
	var b strings.Builder
	gap := false // a zero group or leading zeros since the last digit written
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			gap = b.Len() > 0
			continue
		}
		if b.Len() > 0 && (gap || g < 1000) {
			b.WriteString("零")
		}
		b.WriteString(capitalGroup(g))
		b.WriteString(capGroups[i])
		gap = false
	}
	return b.String()
}

// capitalGroup writes 1 to 9999 without leading zeros.
func capitalGroup(g int64) string {
	var b strings.Builder
	zero := false
	for place := 3; place >= 0; place-- {
		d := (g / pow10(place)) % 10
		if d == 0 {
			zero = b.Len() > 0
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(capDigits[d] + capPlaces[place])
	}
	return b.String()
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
