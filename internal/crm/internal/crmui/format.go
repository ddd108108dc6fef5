package crmui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// T translates a message id, or returns text that is not one unchanged.
func T(ctx context.Context, idOrText string, data ...map[string]any) string {
	if idOrText == "" {
		return ""
	}
	return i18n.T(ctx, idOrText, data...)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Paging is the position of a list page, for Pager.
type Paging = webui.Paging

// pager is the platform's pager.
var pager = webui.Pager

// Grouped writes the digits of an integer part in groups of three.
func grouped(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// groupDecimal puts thousands separators into a plain decimal string.
func groupDecimal(s string) string {
	whole, frac, ok := strings.Cut(s, ".")
	out := grouped(whole)
	if ok {
		out += "." + frac
	}
	return out
}

// Amount formats money with thousands separators and two decimals: 1,234.50.
func Amount(a money.Amount) string { return groupDecimal(a.String()) }

// Quantity formats a quantity without trailing zeros: 1,250 or 2.5.
func Quantity(q money.Quantity) string { return groupDecimal(q.String()) }

// Price formats a unit price with at least two decimals: 12.30 or 0.0125.
func Price(p money.UnitPrice) string {
	s := p.String()
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	return groupDecimal(whole + "." + frac)
}

// Percent formats a rate as a percentage: 0.13 gives 13%, 0.125 gives 12.5%.
func Percent(r money.Rate) string {
	u := r.Units() // millionths
	pct := strconv.FormatFloat(float64(u)/1e4, 'f', -1, 64)
	return pct + "%"
}

// Date formats an instant as a calendar date in the server's time zone.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02")
}

// DateTime formats an instant to the minute in the server's time zone.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// ISO formats an instant for a <time datetime> attribute.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Int formats an integer with thousands separators.
func Int(n int64) string { return grouped(strconv.FormatInt(n, 10)) }

// SOStatus names a sales order status ERP reported; an unknown one shows as it is.
func SOStatus(ctx context.Context, status string) string {
	if i18n.Has("crm.so_status." + status) {
		return T(ctx, "crm.so_status."+status)
	}
	return status
}

// SOReject names the reason code of an order ERP refused.
func SOReject(ctx context.Context, code string) string {
	if i18n.Has("crm.so_reject." + code) {
		return T(ctx, "crm.so_reject."+code)
	}
	return code
}
