package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestShellInBrowser signs in through the login form, sees the system status
// with every unit, switches language and opens the audit log, at desktop and
// phone width, on both engines.
func TestShellInBrowser(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		for _, v := range browser.Viewports() {
			t.Run(v.Name, func(t *testing.T) {
				ctx := browser.NewWithSize(t, v.Width, v.Height)
				browser.Do(t, ctx,
					chromedp.Navigate(s.URL+"/?lang=zh-Hans"),
					browser.WaitHTMXIdle,
					chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "admin"),
					chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), app.DemoPassword),
					chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
					chromedp.WaitVisible(chromedp.CSS(".unit-card")),
					browser.WaitHTMXIdle,
				)
				if h := browser.Text(t, ctx, "main h1"); h != "系统状态" {
					t.Errorf("after login in Chinese the heading is %q", h)
				}
				if lang := browser.Eval[string](t, ctx, `document.documentElement.lang`); lang != "zh-Hans" {
					t.Errorf("html lang = %q", lang)
				}
				if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".unit-card").length`); n != 5 {
					t.Errorf("%d unit cards, want 5 (platform, crm, erp, mes, bi)", n)
				}
				browser.Do(t, ctx,
					chromedp.Click(chromedp.CSS(`.lang-switch a[data-lang="en"]`)),
					chromedp.WaitVisible(chromedp.CSS(`.lang-switch .current[lang="en"]`)),
				)
				if h := browser.Text(t, ctx, "main h1"); h != "System status" {
					t.Errorf("after switching to English the heading is %q", h)
				}
				browser.Do(t, ctx, chromedp.Navigate(s.URL+"/admin/audit"), browser.WaitHTMXIdle)
				if n := browser.Eval[int](t, ctx, `document.querySelectorAll("main table tbody tr").length`); n == 0 {
					t.Error("the audit log shows no rows")
				}
			})
		}
	})
}
