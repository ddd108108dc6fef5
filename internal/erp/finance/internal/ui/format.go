package ui

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	assets "github.com/loom-erp/loom/web"
)

// fmtAmount formats an amount with thousands separators: 1,234,567.80.
func fmtAmount(a money.Amount) string {
	s := a.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
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
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// fmtSide formats a debit or credit column: blank for zero.
func fmtSide(a money.Amount) string {
	if a.IsZero() {
		return ""
	}
	return fmtAmount(a)
}

// fmtInput formats an amount for an input field: blank for zero, no separators.
func fmtInput(a money.Amount) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

func fmtRateInput(r money.Rate) string {
	if r.IsZero() {
		return ""
	}
	return r.String()
}

// fmtTime shows an instant in the company's time zone.
func fmtTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// named picks the Chinese or English name for the page's language.
func named(ctx context.Context, zh, en string) string {
	if i18n.Lang(ctx) == i18n.ZH || en == "" {
		return zh
	}
	return en
}

func asset(name string) string { return assets.URL(name) }

func href(parts ...string) templ.SafeURL { return templ.SafeURL(strings.Join(parts, "")) }

// query builds a link with query parameters, dropping empty ones.
func query(path string, pairs ...string) templ.SafeURL {
	var q []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q = append(q, pairs[i]+"="+urlEscape(pairs[i+1]))
		}
	}
	if len(q) == 0 {
		return templ.SafeURL(path)
	}
	return templ.SafeURL(path + "?" + strings.Join(q, "&"))
}

func urlEscape(s string) string { return url.QueryEscape(s) }
