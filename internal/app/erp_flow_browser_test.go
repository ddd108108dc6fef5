package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestERPFlowInBrowser is the ERP supply chain's "done when" walk on the
// demo company with CRM, ERP and finance wired, in Chinese at desktop width
// and in English at phone width: items and a 3-level BOM imported from
// Excel, stock received in lots on the scanner screen, a quote accepted in
// CRM whose order ERP confirms with one line short (a backorder with its
// promise date), picked and shipped on the scanner screens, every status
// seen back on the CRM quote; then a purchase order approved by the finance
// manager, received into quarantine and billed at a mismatched price, which
// is held.
func TestERPFlowInBrowser(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{Demo: true})
		for _, run := range []struct {
			lang string
			vp   browser.Viewport
		}{{"zh-Hans", browser.Desktop}, {"en", browser.Phone}} {
			t.Run(run.lang, func(t *testing.T) {
				start := time.Now()
				ctx := browser.NewWithSize(t, run.vp.Width, run.vp.Height)
				erpWalk(t, ctx, s, run.lang)
				t.Logf("%s walk took %s", run.lang, time.Since(start).Round(time.Millisecond))
			})
		}
	})
}

// erpWords are the words the walk expects on the screens in one language.
type erpWords struct {
	itemsSummary, bomsDone, posted, partlyReserved, partlyShipped, approved, quarantine, held string
}

func erpWalk(t *testing.T, ctx context.Context, s *apptest.Server, lang string) {
	w := &walker{t: t, ctx: ctx, s: s, lang: lang}
	words := erpWords{"共 5 行", "新建 3 个物料清单", "已过账", "部分预留", "部分发货", "已批准", "待检", "价格超出容差"}
	if lang == "en" {
		words = erpWords{"5 rows", "3 BOMs created", "was posted", "Partly reserved", "Partly shipped", "approved", "Quarantine", "Price outside tolerance"}
	}
	p := "WALK-" + strings.ToUpper(lang[:2])
	fg, short, sf, kit, ingot := p+"-FG1", p+"-FG2", p+"-SF", p+"-KIT", p+"-AL"
	admin := s.Token(t, "admin")
	get := func(path string, v any) {
		t.Helper()
		status, body := s.Do(t, admin, "GET", "/api/v1"+path, "")
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}

	// 1. The planner imports five items from a workbook made here, through
	// the import page: check every row, then import them all.
	dir := t.TempDir()
	items := filepath.Join(dir, "items.xlsx")
	writeXLSX(t, items,
		[]string{"物料编码 *", "物料名称 *", "英文名称", "规格", "物料类型 *", "物料分类 *", "追踪方式", "基本单位 *", "采购单位", "采购换算",
			"销售单位", "销售换算", "增值税率（%） *", "提前期（天）", "标准售价", "最低售价", "币种", "可销售", "状态"},
		[]string{fg, "离合器壳体 " + lang, "Clutch housing " + lang, "ADC12, 图号 CLH-01", "成品", "FG", "lot", "pcs", "", "", "", "", "13", "15", "150", "120", "CNY", "Y", "active"},
		[]string{short, "油底壳 " + lang, "Oil pan " + lang, "ADC12, 图号 OPN-02", "finished", "FG", "按批次", "pcs", "", "", "", "", "13%", "20", "95", "80", "CNY", "是", "启用"},
		[]string{sf, "离合器壳体毛坯 " + lang, "Clutch housing, raw " + lang, "", "semi_finished", "SF", "lot", "pcs", "", "", "", "", "13", "5", "", "", "", "N", "active"},
		[]string{kit, "嵌件组件 " + lang, "Insert kit " + lang, "", "半成品", "SF", "", "pcs", "", "", "", "", "13", "3", "", "", "", "否", "active"},
		[]string{ingot, "铝锭 " + lang, "Aluminium ingot " + lang, "ADC12", "material", "RM-AL", "lot", "kg", "", "", "", "", "0.13", "7", "", "", "", "N", "active"},
	)
	w.signIn("sun.li", "/erp/items/import")
	w.step("upload the items",
		chromedp.WaitVisible(chromedp.CSS(`section.erp-import`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{items}),
		chromedp.Click(chromedp.CSS(`section.erp-import button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-import-preview`)), browser.WaitHTMXIdle)
	if got := w.text(".import-summary"); !strings.Contains(got, words.itemsSummary) || w.attr(".import-summary", "data-bad") != "0" {
		t.Fatalf("item import summary %q (bad rows %q)", got, w.attr(".import-summary", "data-bad"))
	}
	w.step("import the items",
		chromedp.Click(chromedp.CSS(`button[name="mode"][value="all"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-import-result`)), browser.WaitHTMXIdle)
	var found struct{ Items []catalog.Item }
	get("/erp/items?q="+url.QueryEscape(p), &found)
	if len(found.Items) != 5 {
		t.Fatalf("imported items %+v", found.Items)
	}
	ids := map[string]string{}
	for _, it := range found.Items {
		ids[it.Code] = it.ID
	}
	// lots reads what lies of an item per location and lot.
	lotsOf := func(itemID string) map[string]string {
		t.Helper()
		var bs struct{ Items []inventory.Balance }
		get("/erp/stock/balances?item_id="+itemID, &bs)
		out := map[string]string{}
		for _, b := range bs.Items {
			out[b.LocationCode+" "+b.LotNo] = b.OnHand.String()
		}
		return out
	}

	// 2. … and a 3-level BOM: the housing from its raw casting, the casting
	// from the insert kit, the kit from aluminium.
	boms := filepath.Join(dir, "boms.xlsx")
	writeXLSX(t, boms,
		[]string{"上级物料 *", "版本 *", "生效日期", "基本数量", "子件 *", "用量 *", "损耗率", "虚拟件", "工序"},
		[]string{fg, "A", "2026-01-01", "", sf, "1", "2%", "", ""},
		[]string{sf, "A", "2026-01-01", "", kit, "1", "", "no", ""},
		[]string{kit, "A", "2026-01-01", "", ingot, "4.35", "3", "", ""},
	)
	w.step("upload the BOMs", chromedp.Navigate(s.URL+"/erp/engineering/boms/import"), browser.WaitHTMXIdle,
		chromedp.WaitVisible(chromedp.CSS(`section.erp-import`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type="file"]`), []string{boms}),
		chromedp.Click(chromedp.CSS(`section.erp-import button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-import-preview`)), browser.WaitHTMXIdle)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.row-bad").length`)); n != 0 {
		t.Fatalf("%d bad BOM rows", n)
	}
	w.step("import the BOMs",
		chromedp.Click(chromedp.CSS(`button[data-action="import-all"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-import-result`)), browser.WaitHTMXIdle)
	if got := w.text(".erp-import-result .flash-success"); !strings.Contains(got, words.bomsDone) {
		t.Fatalf("BOM import result %q", got)
	}
	w.step("BOM list", chromedp.Click(chromedp.CSS(`.erp-import-result a.btn-primary`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-boms`)), browser.WaitHTMXIdle)
	for _, parent := range []string{fg, sf, kit} {
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-bom="`+parent+`/A"]').length`)); n != 1 {
			t.Errorf("the imported BOM of %s is listed %d times", parent, n)
		}
	}

	// 3. The clerk receives the housing in two lots on the scanner screen:
	// each scan ends with Enter, the last one posts.
	lots := []struct{ lot, qty string }{{p + "-L1", "6"}, {p + "-L2", "4"}}
	w.signIn("chen.jie", "/erp/stock/receive")
	w.step("receive screen", chromedp.WaitVisible(chromedp.CSS(`form.scan-form`)),
		chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)), browser.WaitHTMXIdle)
	for i, l := range lots {
		// The flash of the last receipt goes, so the next one is awaited.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll(".flash-success").forEach(function (e) { e.remove() }); true`)); err != nil {
			t.Fatal(err)
		}
		var scans []chromedp.Action[chromedp.Void]
		if i == 0 {
			scans = append(scans, chromedp.SendKeys(chromedp.CSS(`input[name="location"]`), inventory.DemoLocFG+kb.Enter))
		}
		scans = append(scans,
			chromedp.SendKeys(chromedp.CSS(`input[name="item"]`), fg+kb.Enter),
			chromedp.SendKeys(chromedp.CSS(`input[name="lot"]`), l.lot+kb.Enter),
			chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), l.qty+kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(`.flash-success`)), browser.WaitHTMXIdle)
		w.step("receive lot "+l.lot, scans...)
		if msg := w.text(".flash-success"); !strings.Contains(msg, words.posted) {
			t.Fatalf("after receiving %s: %q", l.lot, msg)
		}
		if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('input[name="location"]').value`)); v != inventory.DemoLocFG {
			t.Fatalf("the location is not kept for the next scan: %q", v)
		}
	}
	s.WaitEvents(t)

	// 4. The rep quotes a new customer both housings: four of the one in
	// stock is fine, the oil pan has none and shows its promise date.
	rep := principal(t, s, "li.lei")
	accounts := s.App.Services("crm").Lookup(customer.ServiceName).(customer.Service)
	acc, err := accounts.Create(rep, customer.AccountInput{Name: "无锡华晟汽车零部件有限公司 " + lang, Level: customer.LevelB})
	if err != nil {
		t.Fatal(err)
	}
	s.WaitEvents(t)
	// ERP's finance gives the new customer credit, which CRM hears of.
	var fc struct {
		Version int64 `json:"version"`
	}
	get("/erp/finance/customers/"+acc.ID, &fc)
	if status, body := s.Do(t, admin, "PUT", "/api/v1/erp/finance/customers/"+acc.ID+"/terms",
		fmt.Sprintf(`{"payment_days":30,"has_limit":true,"credit_limit":"100000.00","version":%d}`, fc.Version)); status != 200 {
		t.Fatalf("credit limit: %d %s", status, body)
	}
	s.WaitEvents(t)
	w.signIn("li.lei", "/crm/quotes/new?account="+acc.ID)
	w.step("new quote",
		chromedp.SetValue(chromedp.CSS(`tr[data-row="0"] input[name=line_code]`), fg),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="0"] input[name=line_qty]`), "4"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_code]`), short),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_qty]`), "5"),
		chromedp.Click(chromedp.CSS(`#quote-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-quote-id]")), browser.WaitHTMXIdle)
	if d := w.attr(`tr[data-line="`+short+`"] [data-promise]`, "data-promise"); len(d) != 10 {
		t.Errorf("the oil pan short of stock has no promise date on the quote (%q)", d)
	}
	quoteID := w.attr("[data-quote-id]", "data-quote-id")
	w.click(`button[data-action="submit"]`)
	if st := w.attr(`h1 [data-quote-status]`, "data-quote-status"); st != "approved" {
		t.Fatalf("the quote is %s after submit, want approved", st)
	}
	w.click(`button[data-action="accept"]`)
	if st := w.attr(`h1 [data-quote-status]`, "data-quote-status"); st != "accepted" {
		t.Fatalf("the quote is %s after the customer's acceptance", st)
	}
	s.WaitEvents(t)

	// 5. ERP took the order confirmed: the housing reserved, the oil pan
	// backordered with its promise date.
	w.step("quote with its order", chromedp.Navigate(s.URL+"/crm/quotes/"+quoteID), browser.WaitHTMXIdle)
	number := w.text("[data-so-number]")
	if !strings.HasPrefix(number, "SO-") {
		t.Fatalf("ERP's sales order number %q", number)
	}
	if got := w.text("[data-so-status]"); got != words.partlyReserved {
		t.Errorf("the order's status on the quote %q, want %q", got, words.partlyReserved)
	}
	var orders struct {
		Items []struct {
			ID     string `json:"id"`
			Number string `json:"number"`
		}
	}
	get("/erp/sales/orders?q="+url.QueryEscape(number), &orders)
	if len(orders.Items) != 1 {
		t.Fatalf("orders %s: %+v", number, orders.Items)
	}
	order := orders.Items[0].ID
	w.signIn("chen.jie", "/erp/sales/orders/"+order)
	if st := w.attr("section.erp-order", "data-status"); st != "partially_reserved" {
		t.Errorf("the order is %q, want partially_reserved", st)
	}
	if got := w.text(`tr[data-line-no="1"] [data-reserved]`); got != "4" {
		t.Errorf("the housing reserved %q", got)
	}
	if got := w.text(`tr[data-line-no="2"] [data-backordered]`); got != "5" {
		t.Errorf("the oil pan backordered %q", got)
	}
	promise := w.text(`tr[data-line-no="2"] td:last-child`)
	if len(promise) != 10 || promise <= time.Now().Format(time.DateOnly) {
		t.Errorf("the backorder's promise date %q", promise)
	}

	// 6. The clerk picks the housing on the scanner screen and ships it.
	tracking := "SF" + fmt.Sprint(time.Now().UnixNano()%1e10)
	w.step("pick and ship",
		chromedp.Click(chromedp.CSS(`button[data-action="pick"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.scan-form`)),
		chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`input[name="location"]`), inventory.DemoLocFG+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="item"]`), fg+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="lot"]`), lots[0].lot+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), "4"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-pick]`)), browser.WaitHTMXIdle)
	if got := w.text(`tr[data-pick="` + fg + `"]`); !strings.Contains(got, lots[0].lot) || !strings.Contains(got, inventory.DemoLocFG) {
		t.Errorf("the pick %q names another lot or location", got)
	}
	w.step("ship",
		chromedp.SendKeys(chromedp.CSS(`input[name="carrier"]`), "顺丰速运"),
		chromedp.SendKeys(chromedp.CSS(`input[name="tracking_no"]`), tracking),
		chromedp.Click(chromedp.CSS(`button[data-action="ship"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-shipment`)), browser.WaitHTMXIdle)
	s.WaitEvents(t)
	want := map[string]string{inventory.DemoLocFG + " " + lots[0].lot: "2", inventory.DemoLocFG + " " + lots[1].lot: "4"}
	if got := lotsOf(ids[fg]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the housing's lots after shipping %v, want %v", got, want)
	}

	// 7. CRM sees every status on the quote: confirmed, the backorder, the
	// shipment with its tracking number.
	w.signIn("li.lei", "/crm/quotes/"+quoteID)
	for _, step := range []string{"confirmed", "partially_reserved", "shipped"} {
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-erp-order] li[data-step="`+step+`"]').length`)); n == 0 {
			t.Errorf("the quote's ERP timeline has no %s step", step)
		}
	}
	if got := w.text("[data-erp-order] .kv"); !strings.Contains(got, tracking) {
		t.Errorf("the quote's order shows no tracking number %s: %q", tracking, got)
	}
	if got := w.text("[data-so-status]"); got != words.partlyShipped {
		t.Errorf("the order's status on the quote %q, want %q", got, words.partlyShipped)
	}

	// 8. A purchase order of aluminium above the approval amount: the
	// finance manager approves it, the clerk receives it into quarantine,
	// the accountant bills it at a higher price and it is held.
	var sups struct{ Items []struct{ ID, Code string } }
	get("/erp/suppliers?q=S-ALU-01", &sups)
	var whs struct{ Items []struct{ ID, Code string } }
	get("/erp/warehouses", &whs)
	var supplierID, warehouseID string
	for _, x := range sups.Items {
		if x.Code == "S-ALU-01" {
			supplierID = x.ID
		}
	}
	for _, x := range whs.Items {
		if x.Code == inventory.DemoWarehouseRM {
			warehouseID = x.ID
		}
	}
	buyer := s.Token(t, "liu.yang")
	var po struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Status string `json:"status"`
	}
	status, body := s.Do(t, buyer, "POST", "/api/v1/erp/purchasing/orders", fmt.Sprintf(
		`{"supplier_id":%q,"warehouse_id":%q,"lines":[{"item":%q,"quantity":"3000"}]}`, supplierID, warehouseID, catalog.DemoIngot))
	if status != 201 || json.Unmarshal([]byte(body), &po) != nil {
		t.Fatalf("purchase order: %d %s", status, body)
	}
	if status, body = s.Do(t, buyer, "POST", "/api/v1/erp/purchasing/orders/"+po.ID+"/submit", ""); status != 200 ||
		json.Unmarshal([]byte(body), &po) != nil || po.Status != "pending_approval" {
		t.Fatalf("submit the purchase order: %d %s", status, body)
	}
	w.signIn("xu.ming", "/erp/purchasing/approvals")
	w.step("approve the purchase order",
		chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)),
		chromedp.Click(chromedp.CSS(`tr[data-order="`+po.Number+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-action="approve"]`)), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`textarea[name="comment"]`), "同意 OK"),
		chromedp.Click(chromedp.CSS(`button[data-action="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-purchase-order[data-status="approved"]`)), browser.WaitHTMXIdle)
	if msg := w.text(".flash-success"); !strings.Contains(msg, words.approved) {
		t.Errorf("after approving: %q", msg)
	}
	w.signIn("chen.jie", "/erp/purchasing/receive")
	w.step("receive into quarantine",
		chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`input[name="order_id"]`), po.Number+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="item"]`), catalog.DemoIngot+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="lot"]`), p+"-AL1"+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="location"]`), inventory.DemoLocQC+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`input[name="quantity"]`), "3000"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`p[data-received]`)), browser.WaitHTMXIdle)
	if msg := w.text("p[data-received]"); !strings.Contains(msg, words.quarantine) || !strings.Contains(msg, inventory.DemoLocQC) {
		t.Errorf("after receiving: %q", msg)
	}
	w.signIn("huang.jing", "/erp/purchasing/orders/"+po.ID)
	w.step("enter the supplier bill",
		chromedp.WaitReady(chromedp.CSS(`html[data-erp-ready]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/erp/purchasing/bills/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="invoice_no"]`)), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`input[name="invoice_no"]`), "3100"+strings.ToUpper(lang[:2])+"0001"),
		chromedp.SetValue(chromedp.CSS(`input[name="lines[0].unit_price"]`), "21.5"),
		chromedp.Submit(chromedp.CSS(`input[name="invoice_no"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.erp-purchase-bill[data-status="held"]`)), browser.WaitHTMXIdle)
	if got := w.text(`tr[data-reasons]`); !strings.Contains(got, words.held) {
		t.Errorf("held bill line %q", got)
	}
	if errs := browser.PageErrors(ctx); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
