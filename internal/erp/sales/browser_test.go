package sales_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/erp/sales"
	"github.com/loom-erp/loom/internal/loomtest/browser"
)

// warehouseInBrowser works the warehouse screens as a clerk with a
// keyboard-wedge scanner would, at phone and desktop width, in Chinese and
// English: receive stock by scanning location, item and lot (Enter moves on
// and posts), then pick and ship a confirmed order and print its delivery note.
func warehouseInBrowser(t *testing.T, w *world) {
	s := w.s
	for i, v := range browser.Viewports() {
		lang, posted, delivery := "zh-Hans", "已过账", "送货单"
		if i == 1 {
			lang, posted, delivery = "en", "was posted", "Delivery note"
		}
		t.Run(v.Name+"-"+lang, func(t *testing.T) {
			lot := fmt.Sprintf("SCAN-%d", i)
			var o sales.Order
			w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
				{"item": w.good.Code, "quantity": "4"}}}, 201, &o)
			ctx := browser.NewWithSize(t, v.Width, v.Height)
			browser.Do(t, ctx,
				chromedp.Navigate(s.URL+"/erp/stock/receive?lang="+lang),
				browser.WaitHTMXIdle,
				chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "chen.jie"),
				chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), app.DemoPassword),
				chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
				chromedp.WaitVisible(chromedp.CSS(`form.scan-form`)),
				chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)),
				browser.WaitHTMXIdle,
			)
			if f := browser.Eval[string](t, ctx, `document.activeElement.name`); f != "location" {
				t.Fatalf("the first scan field has no focus (%q has)", f)
			}
			// Each scan ends with Enter, as a scanner sends it.
			for _, step := range []struct{ value, next string }{
				{w.loc.Code, "item"}, {w.good.Code, "lot"}, {lot, "quantity"},
			} {
				browser.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`input[name="`+prev(step.next)+`"]`), step.value+kb.Enter))
				if f := browser.Eval[string](t, ctx, `document.activeElement.name`); f != step.next {
					t.Fatalf("after scanning %s the focus is on %q, want %q", step.value, f, step.next)
				}
			}
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), "4"+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`.flash-success`)),
				browser.WaitHTMXIdle,
			)
			if msg := browser.Text(t, ctx, ".flash-success"); !strings.Contains(msg, posted) {
				t.Fatalf("after posting: %q", msg)
			}
			if loc := browser.Eval[string](t, ctx, `document.querySelector('input[name="location"]').value`); loc != w.loc.Code {
				t.Errorf("the location is not kept for the next scan: %q", loc)
			}
			w.rep.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, 200, &o)

			// Pick and ship the order.
			browser.Do(t, ctx,
				chromedp.Navigate(s.URL+"/erp/sales/orders/"+o.ID+"?lang="+lang),
				browser.WaitHTMXIdle,
				chromedp.Click(chromedp.CSS(`button[data-action="pick"]`)),
				chromedp.WaitVisible(chromedp.CSS(`form.scan-form`)),
				chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)),
				browser.WaitHTMXIdle,
				chromedp.SendKeys(chromedp.CSS(`input[name="location"]`), w.loc.Code+kb.Enter),
				chromedp.SendKeys(chromedp.CSS(`input[name="item"]`), w.good.Code+kb.Enter),
				chromedp.SendKeys(chromedp.CSS(`input[name="lot"]`), lot+kb.Enter),
				chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), "4"+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`tr[data-pick]`)),
				browser.WaitHTMXIdle,
				chromedp.SendKeys(chromedp.CSS(`input[name="carrier"]`), "顺丰速运"),
				chromedp.Click(chromedp.CSS(`button[data-action="ship"]`)),
				chromedp.WaitVisible(chromedp.CSS(`section.erp-shipment`)),
				browser.WaitHTMXIdle,
				chromedp.Click(chromedp.CSS(`a[href$="/print"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.doc-title`)),
			)
			if title := browser.Text(t, ctx, ".doc-title"); title != delivery {
				t.Errorf("delivery note title %q", title)
			}
			if n := browser.Eval[int](t, ctx, `document.querySelectorAll("svg.barcode rect").length`); n < 20 {
				t.Errorf("the delivery note barcode has %d bars", n)
			}
			w.rep.Call(t, "GET", "/erp/sales/orders/"+o.ID, nil, 200, &o)
			if o.Status != sales.StatusShipped {
				t.Errorf("order %s after shipping", o.Status)
			}
		})
	}
}

// prev names the scan field before next on the receive form.
func prev(next string) string {
	return map[string]string{"item": "location", "lot": "item", "quantity": "lot"}[next]
}
