package purchasing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/erp/purchasing"
	"github.com/loom-erp/loom/internal/loomtest/browser"
)

// login opens path (which sends a stranger to the login form) as login.
func login(t *testing.T, ctx context.Context, url, login string) {
	t.Helper()
	browser.Do(t, ctx,
		chromedp.Navigate(url),
		browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), app.DemoPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.page`)),
		chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)),
		browser.WaitHTMXIdle,
	)
}

// purchaseInBrowser walks one order through the screens, in Chinese at
// desktop width and in English at phone width: a finance manager approves
// it from the approval form, a clerk receives it into quarantine with a
// scanner, and an accountant enters a bill whose price is off, which is held.
func purchaseInBrowser(t *testing.T, w *world) {
	s := w.s
	for i, v := range browser.Viewports() {
		lang, approved, quarantine, reason := "zh-Hans", "已批准", "待检", "价格超出容差"
		if i == 1 {
			lang, approved, quarantine, reason = "en", "approved", "Quarantine", "Price outside tolerance"
		}
		t.Run(v.Name+"-"+lang, func(t *testing.T) {
			o := w.order(t, w.casting, "2300") // 46000 + VAT: above the approval amount
			if o.Status != purchasing.StatusPendingApproval {
				t.Fatalf("order %s", o.Status)
			}
			q := "?lang=" + lang

			fin := browser.NewWithSize(t, v.Width, v.Height)
			login(t, fin, s.URL+"/erp/purchasing/approvals"+q, "xu.ming")
			browser.Do(t, fin,
				chromedp.Click(chromedp.CSS(`tr[data-order="`+o.Number+`"] a`)),
				chromedp.WaitVisible(chromedp.CSS(`button[data-action="approve"]`)),
				browser.WaitHTMXIdle,
				chromedp.SendKeys(chromedp.CSS(`textarea[name="comment"]`), "同意 OK"),
				chromedp.Click(chromedp.CSS(`button[data-action="approve"]`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-purchase-order[data-status="approved"]`)),
			)
			if msg := browser.Text(t, fin, ".flash-success"); !strings.Contains(msg, approved) {
				t.Errorf("after approving: %q", msg)
			}

			clerk := browser.NewWithSize(t, v.Width, v.Height)
			login(t, clerk, s.URL+"/erp/purchasing/receive"+q, "chen.jie")
			if f := browser.Eval[string](t, clerk, `document.activeElement.name`); f != "order_id" {
				t.Fatalf("the first scan field has no focus (%q has)", f)
			}
			lot := fmt.Sprintf("CAST-B%d", i)
			for _, step := range []struct{ field, value, next string }{
				{"order_id", o.Number, "item"}, {"item", w.casting.Code, "lot"}, {"lot", lot, "location"}, {"location", w.stockLoc.Code, "quantity"},
			} {
				browser.Do(t, clerk, chromedp.SendKeys(chromedp.CSS(`input[name="`+step.field+`"]`), step.value+kb.Enter))
				if f := browser.Eval[string](t, clerk, `document.activeElement.name`); f != step.next {
					t.Fatalf("after scanning %s the focus is on %q, want %q", step.value, f, step.next)
				}
			}
			// A stock location is refused for goods that need inspection.
			browser.Do(t, clerk,
				chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), "10"+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`[data-field-error="location"]`)),
				chromedp.SetValue(chromedp.CSS(`input[name="location"]`), w.qcLoc.Code),
				chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`p[data-received]`)),
				browser.WaitHTMXIdle,
			)
			if msg := browser.Text(t, clerk, "p[data-received]"); !strings.Contains(msg, quarantine) || !strings.Contains(msg, w.qcLoc.Code) {
				t.Errorf("after receiving: %q", msg)
			}
			if loc := browser.Eval[string](t, clerk, `document.querySelector('input[name="location"]').value`); loc != w.qcLoc.Code {
				t.Errorf("the location is not kept for the next scan: %q", loc)
			}

			acc := browser.NewWithSize(t, v.Width, v.Height)
			login(t, acc, s.URL+"/erp/purchasing/orders/"+o.ID+q, "huang.jing")
			browser.Do(t, acc,
				chromedp.Click(chromedp.CSS(`a[href^="/erp/purchasing/bills/new"]`)),
				chromedp.WaitVisible(chromedp.CSS(`input[name="invoice_no"]`)),
				chromedp.SendKeys(chromedp.CSS(`input[name="invoice_no"]`), fmt.Sprintf("3200%s%d", lang[:2], i)),
				chromedp.SetValue(chromedp.CSS(`input[name="lines[0].unit_price"]`), "25"),
				chromedp.Submit(chromedp.CSS(`input[name="invoice_no"]`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-purchase-bill[data-status="held"]`)),
			)
			if got := browser.Text(t, acc, `tr[data-reasons]`); !strings.Contains(got, reason) {
				t.Errorf("held bill line %q", got)
			}
			var bills struct{ Items []purchasing.Bill }
			w.accountant.Call(t, "GET", "/erp/purchasing/bills?order_id="+o.ID, nil, 200, &bills)
			if len(bills.Items) != 1 || bills.Items[0].Status != purchasing.BillHeld {
				t.Errorf("bills %+v", bills.Items)
			}
		})
	}
}
