package wire_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
)

// signIn logs a demo user in through the login form in lang.
func signIn(t *testing.T, ctx context.Context, base, login, lang string) {
	t.Helper()
	browser.Do(t, ctx,
		chromedp.Navigate(base+"/login?lang="+lang),
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), app.DemoPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(".topbar .user-menu")),
	)
}

// entryInBrowser writes a journal entry in the editor — adding a line
// with the script, watching the running totals — posts it and opens the
// voucher print view, in Chinese at desktop width and in English on a phone.
func entryInBrowser(t *testing.T, s *apptest.Server) {
	for _, v := range browser.Viewports() {
		t.Run(v.Name, func(t *testing.T) {
			lang := "zh-Hans"
			if v == browser.Phone {
				lang = "en"
			}
			ctx := browser.NewWithSize(t, v.Width, v.Height)
			signIn(t, ctx, s.URL, "huang.jing", lang)
			browser.Do(t, ctx, chromedp.Navigate(s.URL+"/erp/finance/entries/new"), chromedp.WaitVisible(chromedp.CSS("[data-entry-form]")))
			rows := browser.Eval[int](t, ctx, `document.querySelectorAll("[data-line]").length`)
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS("[data-add-line]")))
			if n := browser.Eval[int](t, ctx, `document.querySelectorAll("[data-line]").length`); n != rows+1 {
				t.Fatalf("add line: %d rows, want %d", n, rows+1)
			}
			browser.Do(t, ctx,
				chromedp.SetValue(chromedp.CSS(`input[name="date"]`), "2026-03-02"),
				chromedp.SendKeys(chromedp.CSS(`input[name="memo"]`), "office rent"),
				chromedp.SendKeys(chromedp.CSS(`input[name="lines[0].account"]`), "5602"),
				chromedp.SendKeys(chromedp.CSS(`input[name="lines[0].debit"]`), "3000"),
				chromedp.SendKeys(chromedp.CSS(`input[name="lines[1].account"]`), "1001"),
				chromedp.SendKeys(chromedp.CSS(`input[name="lines[1].credit"]`), "2500"),
				chromedp.SendKeys(chromedp.CSS(`input[name="lines[`+itoa(rows)+`].account"]`), "1002"),
				chromedp.SendKeys(chromedp.CSS(`input[name="lines[`+itoa(rows)+`].credit"]`), "400"),
			)
			if got := browser.Text(t, ctx, "[data-balance-note]"); got != "(100.00)" {
				t.Fatalf("unbalanced note %q", got)
			}
			browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`input[name="lines[`+itoa(rows)+`].credit"]`), "\b\b\b500"))
			if d, c := browser.Text(t, ctx, "[data-total-debit]"), browser.Text(t, ctx, "[data-total-credit]"); d != "3,000.00" || c != "3,000.00" {
				t.Fatalf("totals %s %s", d, c)
			}
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS(`button[name="then"][value="post"]`)),
				chromedp.WaitVisible(chromedp.CSS("[data-number]")),
			)
			number := browser.Text(t, ctx, "[data-number]")
			if !strings.HasPrefix(number, "记-2026-03-") {
				t.Fatalf("voucher number %q", number)
			}
			if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".fin-lines-view tbody tr").length`); n != 3 {
				t.Fatalf("%d lines shown", n)
			}
			// Nothing on the page is wider than the window.
			if w := browser.Eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("the entry page is %dpx wider than the window", w)
			}
			browser.Do(t, ctx, chromedp.Navigate(s.URL+"/erp/finance/entries/"+browser.Eval[string](t, ctx, `document.querySelector("[data-entry]").dataset.entry`)+"/print"),
				chromedp.WaitVisible(chromedp.CSS("[data-voucher]")))
			if lang == "zh-Hans" && !strings.Contains(browser.Text(t, ctx, ".fin-voucher tfoot"), "叁仟元整") {
				t.Errorf("voucher total in words: %q", browser.Text(t, ctx, ".fin-voucher tfoot"))
			}
			if lang == "en" && browser.Text(t, ctx, ".fin-voucher h1") != "General journal" {
				t.Errorf("voucher heading %q", browser.Text(t, ctx, ".fin-voucher h1"))
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
