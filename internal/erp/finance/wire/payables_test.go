package wire_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// getLang fetches a page in a language.
func getLang(t *testing.T, c *http.Client, u, lang string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPayablesInApp: a supplier entered in the partner module sends a bill
// (posted through the Poster as purchasing does); the accountant sees it in
// the AP aging, pays part of it through the API and the rest on the payment
// form, with an overpayment kept as a prepayment; the screens render in
// English and Chinese; sales reps see none of it.
func TestPayablesInApp(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		buyer := s.Token(t, "liu.yang")
		st, body := s.Do(t, buyer, "POST", "/api/v1/erp/suppliers", `{"code":"S-ALU","name":"苏州铝业有限公司","currency":"CNY"}`)
		if st != http.StatusCreated {
			t.Fatalf("supplier: %d %s", st, body)
		}
		var sup struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(body), &sup); err != nil {
			t.Fatal(err)
		}
		// The bill, posted as the purchasing module posts it.
		d := s.App.DBs["erp"]
		l := ledger.New(d, nil)
		payables.New(l, nil, nil)
		sys := authz.WithPrincipal(context.Background(), authz.System())
		billID := db.NewID()
		today := time.Now().In(mustZone(t)).Format("2006-01-02")
		if err := d.InTx(sys, func(ctx context.Context) error {
			_, err := l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: billID, SourceNumber: "FP-2026-0815",
				Date: today, DueDate: today, PartnerKind: "supplier", PartnerID: sup.ID,
				Lines: []finance.PostingLine{{Role: finance.RoleGRNI, Debit: money.MustAmount("1000")},
					{Role: finance.RoleInputVAT, Debit: money.MustAmount("130")}, {Role: finance.RoleAP, Credit: money.MustAmount("1130")}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		tok := s.Token(t, "huang.jing")
		rep := s.Token(t, "li.lei")
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/payables?open=true&supplier_id="+sup.ID, "")
		var list struct {
			Items []struct {
				ID       string `json:"id"`
				Open     string `json:"open"`
				Supplier string `json:"supplier_name"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &list); st != http.StatusOK || err != nil || len(list.Items) != 1 ||
			list.Items[0].Open != "1130.00" || list.Items[0].Supplier != "苏州铝业有限公司" {
			t.Fatalf("payables: %d %s", st, body)
		}
		item := list.Items[0].ID
		// Beyond the open amount: refused naming the allocation.
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/supplier-payments", `{"supplier_id":"`+sup.ID+`","date":"`+today+`","amount":"2000",
			"allocations":[{"item_id":"`+item+`","amount":"1130.01"}]}`)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "allocations[0].amount") || !strings.Contains(body, "fin.ap.error.beyond_open") {
			t.Fatalf("beyond open: %d %s", st, body)
		}
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/supplier-payments", `{"supplier_id":"`+sup.ID+`","date":"`+today+`","amount":"1.001"}`)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "body.amount") {
			t.Fatalf("decimals: %d %s", st, body)
		}
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/supplier-payments", `{"supplier_id":"`+sup.ID+`","date":"`+today+`","amount":"130",
			"allocations":[{"item_id":"`+item+`","amount":"130"}]}`)
		if st != http.StatusCreated || !strings.Contains(body, `"allocated":"130.00"`) {
			t.Fatalf("pay: %d %s", st, body)
		}
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/ap-aging?date="+today, "")
		if st != http.StatusOK || !strings.Contains(body, `"total":"1000.00"`) {
			t.Fatalf("aging: %d %s", st, body)
		}
		// The rest on the payment form, 100 over: a prepayment.
		acct := s.Client(t, "huang.jing")
		for _, lang := range []string{"en", "zh-CN"} {
			for _, u := range []string{"/erp/finance/payables", "/erp/finance/payables/suppliers/" + sup.ID, "/erp/finance/payables/pay?supplier_id=" + sup.ID, "/erp/finance/payables/pay"} {
				st, body := getLang(t, acct, s.URL+u, lang)
				if st != http.StatusOK || !strings.Contains(body, "苏州铝业有限公司") {
					t.Fatalf("%s %s: %d", lang, u, st)
				}
				if lang == "en" && strings.Contains(body, "fin.ap.") || lang == "zh-CN" && !strings.Contains(body, "应付") {
					t.Fatalf("%s %s: untranslated\n%s", lang, u, body)
				}
			}
		}
		st, loc, body := post(t, acct, s.URL+"/erp/finance/payables/pay", url.Values{"supplier_id": {sup.ID}, "date": {today}, "amount": {"1100"},
			"alloc." + item: {"1000.01"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "超过该单据未付金额") {
			t.Fatalf("form beyond open: %d %s", st, loc)
		}
		st, loc, _ = post(t, acct, s.URL+"/erp/finance/payables/pay", url.Values{"supplier_id": {sup.ID}, "date": {today}, "amount": {"1100"},
			"alloc." + item: {"1000"}, "method": {"transfer"}})
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/finance/payables/payments/") {
			t.Fatalf("form pay: %d %s", st, loc)
		}
		st, body = get(t, acct, s.URL+loc)
		if st != http.StatusOK || !strings.Contains(body, "100.00") {
			t.Fatalf("payment page: %d", st)
		}
		if st, _ := get(t, acct, s.URL+"/erp/finance/payables/aging.xlsx"); st != http.StatusOK {
			t.Fatalf("export: %d", st)
		}
		// Sales reps see no payables.
		if st, _ := s.Do(t, rep, "GET", "/api/v1/erp/finance/reports/ap-aging", ""); st != http.StatusForbidden {
			t.Fatalf("rep reads the AP aging: %d", st)
		}
		// Exchange revaluation: the screen in both languages, the preview through the API.
		for _, lang := range []string{"en", "zh-CN"} {
			st, body := getLang(t, acct, s.URL+"/erp/finance/fx-revaluation?period="+today[:7], lang)
			if st != http.StatusOK || lang == "en" && strings.Contains(body, "fin.fx.") || lang == "zh-CN" && !strings.Contains(body, "期末汇兑损益") {
				t.Fatalf("revaluation page %s: %d", lang, st)
			}
		}
		if st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/fx-revaluation/"+today[:7], ""); st != http.StatusOK || !strings.Contains(body, `"posted":false`) {
			t.Fatalf("revaluation preview: %d %s", st, body)
		}
		if st, _ := s.Do(t, rep, "GET", "/api/v1/erp/finance/fx-revaluation/"+today[:7], ""); st != http.StatusForbidden {
			t.Fatalf("rep previews the revaluation: %d", st)
		}
		// Gross margin: finance sees it in both languages and as a workbook; a sales rep never.
		for _, lang := range []string{"en", "zh-CN"} {
			st, body := getLang(t, acct, s.URL+"/erp/finance/margins?by=order", lang)
			if st != http.StatusOK || lang == "en" && strings.Contains(body, "fin.margin.") || lang == "zh-CN" && !strings.Contains(body, "毛利分析") {
				t.Fatalf("margin page %s: %d", lang, st)
			}
		}
		if st, _ := get(t, acct, s.URL+"/erp/finance/margins.xlsx"); st != http.StatusOK {
			t.Fatalf("margin export: %d", st)
		}
		if st, _ := s.Do(t, rep, "GET", "/api/v1/erp/finance/reports/gross-margin?from=2026-01-01&to=2026-12-31", ""); st != http.StatusForbidden {
			t.Fatalf("rep reads margins: %d", st)
		}
		if st, _ := get(t, s.Client(t, "li.lei"), s.URL+"/erp/finance/margins"); st != http.StatusForbidden {
			t.Fatalf("rep opens margins: %d", st)
		}
		if st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/gross-margin?from=2026-12-31&to=2026-01-01", ""); st != http.StatusUnprocessableEntity || !strings.Contains(body, "fin.error.range_invalid") {
			t.Fatalf("bad margin range: %d %s", st, body)
		}
		// Year-end close: the preview in both languages, the close through the API, a repeat refused.
		mgrC := s.Client(t, "xu.ming")
		year := today[:4]
		for _, lang := range []string{"en", "zh-CN"} {
			st, body := getLang(t, mgrC, s.URL+"/erp/finance/year-close?year="+year, lang)
			if st != http.StatusOK || !strings.Contains(body, "data-profit") || lang == "en" && strings.Contains(body, "fin.yc.") {
				t.Fatalf("year close page %s: %d", lang, st)
			}
		}
		if st, _ := getLang(t, acct, s.URL+"/erp/finance/year-close", "en"); st != http.StatusForbidden {
			t.Fatalf("accountant opens the year close: %d", st)
		}
		mgr := s.Token(t, "xu.ming")
		st, body = s.Do(t, mgr, "POST", "/api/v1/erp/finance/year-close/"+year, `{}`)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "body.force") {
			t.Fatalf("close with open periods: %d %s", st, body)
		}
		st, body = s.Do(t, mgr, "POST", "/api/v1/erp/finance/year-close/"+year, `{"force":true}`)
		if st != http.StatusCreated || !strings.Contains(body, `"closed":true`) {
			t.Fatalf("close: %d %s", st, body)
		}
		if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/year-close/"+year, `{"force":true}`); st != http.StatusConflict {
			t.Fatalf("close again: %d %s", st, body)
		}
		// The screens in a real browser, in Chinese at desktop width and in English on a phone:
		// nothing is wider than the window.
		for _, v := range browser.Viewports() {
			t.Run("browser "+v.Name, func(t *testing.T) {
				lang := "zh-Hans"
				if v == browser.Phone {
					lang = "en"
				}
				ctx := browser.NewWithSize(t, v.Width, v.Height)
				signIn(t, ctx, s.URL, "xu.ming", lang)
				for _, u := range []string{"/erp/finance/payables", "/erp/finance/payables/suppliers/" + sup.ID, "/erp/finance/payables/pay?supplier_id=" + sup.ID,
					"/erp/finance/margins", "/erp/finance/fx-revaluation", "/erp/finance/year-close"} {
					browser.Do(t, ctx, chromedp.Navigate(s.URL+u), chromedp.WaitVisible(chromedp.CSS("section.page")))
					if w := browser.Eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
						t.Errorf("%s is %dpx wider than the window", u, w)
					}
				}
			})
		}
		for _, c := range append(ledger.Checkers(), payables.Checkers()...) {
			vs, err := c.Run(context.Background(), d)
			if err != nil || len(vs) > 0 {
				t.Fatalf("%s: %v %v", c.Name, vs, err)
			}
		}
	})
}

func mustZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// orderPricesOnInvoice checks that an invoice drafted from a shipment
// carries its sales order: the order's id, and each item at the order
// line's price less its discount and at its VAT rate.
func orderPricesOnInvoice(t *testing.T, s *apptest.Server, invoice string) {
	t.Helper()
	var inv struct {
		SOID  string `json:"so_id"`
		Lines []struct {
			ItemCode  string `json:"item_code"`
			UnitPrice string `json:"unit_price"`
			VATRate   string `json:"vat_rate"`
		} `json:"lines"`
	}
	if err := json.Unmarshal([]byte(invoice), &inv); err != nil || inv.SOID == "" {
		t.Fatalf("invoice without its order: %v %s", err, invoice)
	}
	st, body := s.Do(t, s.Token(t, "admin"), "GET", "/api/v1/erp/sales/orders/"+inv.SOID, "")
	var so struct {
		Lines []struct {
			ItemCode  string `json:"item_code"`
			UnitPrice string `json:"unit_price"`
			Discount  string `json:"discount"`
			VATRate   string `json:"vat_rate"`
		} `json:"lines"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &so) != nil {
		t.Fatalf("sales order: %d %s", st, body)
	}
	checked := 0
	for _, il := range inv.Lines {
		for _, ol := range so.Lines {
			if ol.ItemCode != il.ItemCode {
				continue
			}
			want := money.MustUnitPrice(ol.UnitPrice)
			if d := money.MustRate(ol.Discount); !d.IsZero() {
				keep, _ := money.MustRate("1").Sub(d)
				x, _ := want.Decimal().Mul(keep.Decimal())
				want, _ = money.UnitPriceFromDecimal(x, money.RoundHalfUp)
			}
			if money.MustUnitPrice(il.UnitPrice).Cmp(want) != 0 || money.MustRate(il.VATRate).Cmp(money.MustRate(ol.VATRate)) != 0 {
				t.Fatalf("item %s invoiced at %s (VAT %s), the order says %s less %s (VAT %s)", il.ItemCode, il.UnitPrice, il.VATRate,
					ol.UnitPrice, ol.Discount, ol.VATRate)
			}
			checked++
			break
		}
	}
	if checked == 0 {
		t.Fatalf("no invoice line matches the order: %s / %s", invoice, body)
	}
}
