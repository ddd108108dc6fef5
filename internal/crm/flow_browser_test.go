package crm_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

const (
	housing = "0196b2c4-5f1e-7a3b-9c0d-00000000b001"
	cover   = "0196b2c4-5f1e-7a3b-9c0d-00000000b002"
)

// TestSalesFlowInBrowser walks a lead from the public web form to an order
// ERP accepted, in a real browser: on SQLite at desktop width in English
// (dragging the deal across the board), on PostgreSQL at phone width in
// Chinese (moving it with the card's menu).
func TestSalesFlowInBrowser(t *testing.T) {
	runs := map[db.Engine]struct {
		vp   browser.Viewport
		lang string
	}{db.SQLite: {browser.Desktop, "en"}, db.Postgres: {browser.Phone, "zh-Hans"}}
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		c := runs[cfg.Engine]
		ctx := browser.NewWithSize(t, c.vp.Width, c.vp.Height)
		salesFlow(t, ctx, cfg, c.lang, c.vp.Width > 640)
	})
}

func salesFlow(t *testing.T, ctx context.Context, cfg db.Config, lang string, drag bool) {
	e := crmtest.Start(t, cfg)
	srv := e.Serve()
	leads := e.Service(lead.ServiceName).(lead.Service)
	quotes := e.Service(quote.ServiceName).(quote.Service)
	mgr := crmtest.Ctx(crmtest.Manager)
	if _, err := leads.SaveCampaign(mgr, lead.Campaign{Code: "expo", Name: "压铸展", Source: "expo", Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := leads.SaveRule(mgr, lead.Rule{Name: "all", Kind: lead.RuleAny, Members: []string{crmtest.RepA.UserID}, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := leads.Create(crmtest.Ctx(crmtest.RepA), lead.Input{Company: "华东精密压铸有限公司", ContactName: "周工", Mobile: "13811112222"}); err != nil {
		t.Fatal(err)
	}
	item := func(id, code, price, floor string) map[string]any {
		return map[string]any{"id": id, "code": code, "name": code, "vat_rate": "0.13", "list_price": price, "floor_price": floor,
			"currency": "CNY", "lead_time_days": 20, "sellable": true, "status": "active", "uom": "pcs"}
	}
	e.EmitERP(catalog.EventItemUpserted, housing, item(housing, "FG-GBH-001", "268", "240"))
	e.EmitERP(catalog.EventItemUpserted, cover, item(cover, "FG-MEC-002", "86.5", "0"))
	e.EmitERP(catalog.EventAvailabilityChanged, housing, map[string]any{"item_id": housing, "on_hand": "100", "reserved": "0", "available": "100",
		"incoming": []map[string]string{{"date": "2099-05-20", "quantity": "500"}}, "lead_time_days": 20, "as_of": time.Now().UTC().Format(time.RFC3339Nano)})
	e.WaitEvents()

	words := map[string]string{"dup": "Possible duplicates", "pending": "Waiting for approval", "status": "In production"}
	if lang != "en" {
		words = map[string]string{"dup": "疑似重复", "pending": "待审批", "status": "生产中"}
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	as := func(login, path string) {
		t.Helper()
		step("sign in as "+login, chromedp.Navigate(srv.URL+"/_test/as/"+login+"?next="+url.QueryEscape(path)), browser.WaitHTMXIdle)
	}
	click := func(sel string) {
		t.Helper()
		step("click "+sel, chromedp.Click(chromedp.CSS(sel)), browser.WaitHTMXIdle)
	}

	// 1. A visitor leaves their details on the campaign's public form.
	step("public form", chromedp.Navigate(srv.URL+"/f/expo?lang="+lang), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS("#company"), "华东精密压铸 股份有限公司"),
		chromedp.SendKeys(chromedp.CSS("#contact_name"), "周建国"),
		chromedp.SendKeys(chromedp.CSS("#mobile"), "+86 138 1111 2222"),
		chromedp.SendKeys(chromedp.CSS("#product_interest"), "变速箱壳体"),
		chromedp.Click(chromedp.CSS(".public-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`[data-form-state="done"]`)))
	page, err := leads.List(crmtest.Ctx(crmtest.RepA), lead.Filter{Source: "expo"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the form's lead: %v %v", page.Items, err)
	}
	l := page.Items[0]

	// 2. The rep it was routed to sees the duplicate warning and converts it.
	as("li.lei", "/crm/leads/"+l.ID)
	if got := text("[data-duplicates] h2"); got != words["dup"] {
		t.Errorf("duplicate warning %q", got)
	}
	click(`a[data-action="convert"]`)
	step("convert", chromedp.SetValue(chromedp.CSS("#opportunity"), "变速箱壳体 2026"),
		chromedp.SetValue(chromedp.CSS("#amount"), "500000"),
		chromedp.Click(chromedp.CSS(`button[data-action="convert-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-opportunity-id]")), browser.WaitHTMXIdle)
	oppID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-opportunity-id]").getAttribute("data-opportunity-id")`))
	if err != nil {
		t.Fatal(err)
	}
	opp, err := e.Service(pipeline.ServiceName).(pipeline.Service).Get(crmtest.Ctx(crmtest.RepA), oppID)
	if err != nil {
		t.Fatal(err)
	}
	pipe, _ := e.Service(pipeline.ServiceName).(pipeline.Service).DefaultPipeline(crmtest.Ctx(crmtest.RepA))
	target := pipe.Stages[2].ID

	// 3. The deal moves across the board.
	as("li.lei", "/crm/pipeline")
	card := fmt.Sprintf(`[data-card="%s"]`, oppID)
	if drag {
		js := fmt.Sprintf(`(function () {
			var card = document.querySelector('%s'), col = document.querySelector('[data-stage="%s"]'), dt = new DataTransfer();
			card.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: dt}));
			col.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: dt}));
			col.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
			card.dispatchEvent(new DragEvent("dragend", {bubbles: true, dataTransfer: dt}));
			return true;
		})()`, card, target)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatalf("drag: %v", err)
		}
		step("after the drop", browser.WaitHTMXIdle)
	} else {
		click(card + " .card-menu summary")
		click(fmt.Sprintf(`%s form:has(input[value="%s"]) button`, card, target))
	}
	step("card in its new stage", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-stage="%s"] %s`, target, card))))
	if o, _ := e.Service(pipeline.ServiceName).(pipeline.Service).Get(crmtest.Ctx(crmtest.RepA), oppID); o.StageID != target {
		t.Fatalf("the deal is in %s", o.StageNameEN)
	}

	// 4. ERP reports the new customer over its credit limit.
	e.EmitERP(catalog.EventCreditChanged, opp.AccountID, map[string]any{"customer_id": opp.AccountID, "currency": "CNY", "credit_limit": "10000.00",
		"ar_balance": "9000.00", "overdue": "0.00", "open_orders": "0.00", "available_credit": "1000.00", "on_hold": false})
	e.WaitEvents()

	// 5. A quote from the deal: one line short of stock, one with a discount beyond the threshold.
	as("li.lei", "/crm/quotes/new?opportunity="+oppID)
	step("quote lines",
		chromedp.SetValue(chromedp.CSS(`tr[data-row="0"] input[name=line_code]`), "FG-GBH-001"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="0"] input[name=line_qty]`), "150"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_code]`), "FG-MEC-002"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_qty]`), "10"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_discount]`), "0.15"),
		chromedp.Click(chromedp.CSS(`#quote-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-quote-id]")), browser.WaitHTMXIdle)
	promise, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('tr[data-line="FG-GBH-001"] [data-promise]').getAttribute("data-promise")`))
	if err != nil || promise != "2099-05-20" {
		t.Errorf("promise date %q (%v)", promise, err)
	}
	quoteID, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-quote-id]").getAttribute("data-quote-id")`))
	click(`button[data-action="submit"]`)
	if got := text("h1 [data-quote-status]"); got != words["pending"] {
		t.Errorf("status after submit %q", got)
	}

	// 6. The manager approves the discount, finance the credit.
	as("wang.fang", "/crm/approvals")
	step("manager approves", chromedp.SendKeys(chromedp.CSS(`[data-approval="discount"] input[name=comment]`), "同意"),
		chromedp.Click(chromedp.CSS(`[data-approval="discount"] button[data-decide="approve"]`)), browser.WaitHTMXIdle)
	as("xu.ming", "/crm/approvals")
	step("finance approves", chromedp.Click(chromedp.CSS(`[data-approval="credit"] button[data-decide="approve"]`)), browser.WaitHTMXIdle)

	// 7. The customer accepts; ERP answers with its sales order.
	as("li.lei", "/crm/quotes/"+quoteID)
	click(`button[data-action="accept"]`)
	step("waiting for ERP", chromedp.WaitVisible(chromedp.CSS("[data-so-waiting]")))
	q, err := quotes.Get(crmtest.Ctx(crmtest.RepA), quoteID)
	if err != nil || q.Status != quote.StatusAccepted {
		t.Fatalf("quote %v %v", q, err)
	}
	soID := db.NewID()
	e.EmitERP(catalog.EventSalesOrderAccepted, quoteID, map[string]any{"request_id": q.RequestID, "quote_id": quoteID, "so_id": soID,
		"so_number": "SO-2026-000888", "promise_date": "2099-05-22", "lines": []any{}})
	e.EmitERP(catalog.EventSalesOrderStatus, soID, map[string]any{"so_id": soID, "so_number": "SO-2026-000888", "quote_id": quoteID,
		"status": "in_production", "at": time.Now().UTC().Format(time.RFC3339Nano)})
	e.WaitEvents()
	step("reload", chromedp.Navigate(srv.URL+"/crm/quotes/"+quoteID), browser.WaitHTMXIdle)
	if got := text("[data-so-number]"); got != "SO-2026-000888" {
		t.Errorf("SO number %q", got)
	}
	if got := text("[data-so-status]"); got != words["status"] {
		t.Errorf("SO status %q", got)
	}
	if !strings.Contains(text("[data-totals]"), "CNY") || money.MustAmount("0").Cmp(q.Gross) >= 0 {
		t.Errorf("totals %q", text("[data-totals]"))
	}
}
