package wire_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
)

func TestZZShots(t *testing.T) {
	dir := os.Getenv("SHOTS")
	if dir == "" {
		t.Skip()
	}
	s := apptest.Start(t, db.SQLite, apptest.Options{Demo: true})
	tok := s.Token(t, "xu.ming")
	s.Do(t, tok, "POST", "/api/v1/erp/finance/entries", `{"date":"2026-03-02","memo":"收到投资款","post":true,"lines":[{"account":"1002","debit":"500000"},{"account":"3001","credit":"500000"}]}`)
	s.Do(t, tok, "PUT", "/api/v1/erp/finance/rates/USD/2026-03-01", `{"rate":"7.1234"}`)
	st, body := s.Do(t, tok, "POST", "/api/v1/erp/finance/entries", `{"date":"2026-03-05","memo":"购买办公用品","attachments":2,"lines":[{"account":"5602","debit":"1234.56","memo":"打印纸"},{"account":"5602","debit":"765.44","memo":"文具"},{"account":"1001","credit":"2000"}]}`)
	t.Log(st)
	_ = body
	rep := s.Token(t, "li.lei")
	_, body = s.Do(t, rep, "POST", "/api/v1/crm/accounts", `{"name":"宁波华翔汽车零部件有限公司","tax_id":"91330200MA2AXXXX1X"}`)
	cust := body[strings.Index(body, `"id":"`)+6:][:36]
	s.WaitEvents(t)
	_, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/invoices", `{"customer_id":"`+cust+`","date":"2026-03-10","post":true,"so_number":"SO-2026-000001","lines":[{"description":"ADC12 压铸壳体","spec":"DC-2231","uom":"件","quantity":"100","unit_price":"85.5"},{"description":"加工费","quantity":"1","unit_price":"1200","vat_rate":"0.06"}]}`)
	inv := body[strings.Index(body, `"id":"`)+6:][:36]
	_, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/payments", `{"customer_id":"`+cust+`","date":"2026-03-20","amount":"6000","allocations":[{"invoice_id":"`+inv+`","amount":"5000"}]}`)
	_ = body
	for _, v := range []browser.Viewport{browser.Desktop, browser.Phone} {
		ctx := browser.NewWithSize(t, v.Width, v.Height)
		signIn(t, ctx, s.URL, "xu.ming", "zh-Hans")
		for _, p := range []string{"/erp/finance/reports/trial-balance?from=2026-01-01&to=2026-11-30&level=1", "/erp/finance/reports/ledger?account=1122&from=2026-01-01&to=2026-11-30",
			"/erp/finance/reports/income-statement?from=2026-11-01&to=2026-11-30", "/erp/finance/reports/balance-sheet", "/erp/finance/reports/ar-aging",
			"/erp/finance/invoices", "/erp/finance/customers", "/erp/finance/entries", "/erp/finance/periods", "/erp/finance/payments/new"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+p), browser.WaitHTMXIdle); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			name := strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(strings.TrimPrefix(p, "/erp/finance/"))
			if len(name) > 30 {
				name = name[:24]
			}
			os.WriteFile(dir+"/"+v.Name+"-"+name+".png", png, 0o644)
		}
	}
}
