package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestCRMFlowInBrowser is the CRM's "done when" walk with ERP wired, on the
// demo company, in English at desktop width and in Chinese at phone width:
// a lead from a campaign's web form, its duplicate warning, conversion, the
// deal moved across the board, a quote with a discount that needs approval,
// an item short of stock with its promise date and a customer over the
// credit limit ERP's finance set, the approvals, the customer's acceptance,
// and ERP's sales order number and status on the quote — through the real
// ERP sales module and real events. Then an import of a file with three bad
// rows reports all three and writes nothing.
func TestCRMFlowInBrowser(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{Demo: true})
		for _, run := range []struct {
			lang string
			vp   browser.Viewport
		}{{"en", browser.Desktop}, {"zh-Hans", browser.Phone}} {
			t.Run(run.lang, func(t *testing.T) {
				start := time.Now()
				ctx := browser.NewWithSize(t, run.vp.Width, run.vp.Height)
				crmWalk(t, ctx, s, run.lang)
				t.Logf("%s walk took %s", run.lang, time.Since(start).Round(time.Millisecond))
			})
		}
	})
}

// walker drives one browser through the walk.
type walker struct {
	t    *testing.T
	ctx  context.Context
	s    *apptest.Server
	lang string
}

func (w *walker) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *walker) text(sel string) string {
	w.t.Helper()
	s, err := chromedp.Run(w.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		w.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (w *walker) attr(sel, name string) string {
	w.t.Helper()
	v, err := chromedp.Run(w.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: function () { return "" }}).getAttribute(%q) || ""`, sel, name)))
	if err != nil {
		w.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}

func (w *walker) click(sel string) {
	w.t.Helper()
	w.step("click "+sel, chromedp.Click(chromedp.CSS(sel)), browser.WaitHTMXIdle)
}

// signIn signs out whoever is signed in and signs in through the login form.
func (w *walker) signIn(login, next string) {
	w.t.Helper()
	w.step("sign out", chromedp.Navigate(w.s.URL+"/login?lang="+w.lang), browser.WaitHTMXIdle)
	if _, err := chromedp.Run(w.ctx, chromedp.Evaluate[bool](`(function () { var x = new XMLHttpRequest(); x.open("POST", "/logout", false); x.send(); return true })()`)); err != nil {
		w.t.Fatalf("sign out: %v", err)
	}
	w.step("sign in as "+login,
		chromedp.Navigate(w.s.URL+"/login?lang="+w.lang+"&next="+url.QueryEscape(next)), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), app.DemoPassword),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(chromedp.CSS("main")), browser.WaitHTMXIdle)
}

// principal signs a demo user in behind the scenes, for the test's own
// calls to the services.
func principal(t *testing.T, s *apptest.Server, login string) context.Context {
	t.Helper()
	ctx := context.Background()
	sess, err := s.App.Identity.Login(ctx, login, app.DemoPassword, "127.0.0.1", "walk")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.App.Identity.Authenticate(ctx, sess.Token)
	if err != nil {
		t.Fatal(err)
	}
	return authz.WithPrincipal(ctx, p)
}

func crmWalk(t *testing.T, ctx context.Context, s *apptest.Server, lang string) {
	w := &walker{t: t, ctx: ctx, s: s, lang: lang}
	crm := s.App.Services("crm")
	leads := crm.Lookup(lead.ServiceName).(lead.Service)
	deals := crm.Lookup(pipeline.ServiceName).(pipeline.Service)
	accounts := crm.Lookup(customer.ServiceName).(customer.Service)
	sys := authz.WithPrincipal(context.Background(), authz.System())
	words := map[string]string{"dup": "Possible duplicates", "pending": "Waiting for approval", "accepted": "Accepted"}
	if lang != "en" {
		words = map[string]string{"dup": "疑似重复", "pending": "待审批", "accepted": "已接受"}
	}

	// The rep signs in once, so the CRM knows them; the manager routes the
	// campaign's leads to them.
	w.signIn("li.lei", "/crm/leads")
	rep := principal(t, s, "li.lei")
	repID := authz.FromContext(rep).UserID
	code := "walk-" + strings.ToLower(strings.ReplaceAll(lang, "-", ""))
	camp, err := leads.SaveCampaign(sys, lead.Campaign{Code: code, Name: "压铸展 " + lang, Source: "expo", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leads.SaveRule(sys, lead.Rule{Seq: -1, Name: "walk " + lang, Kind: lead.RuleAny, Members: []string{repID}, Active: true}); err != nil {
		t.Fatal(err)
	}

	// 1. Two visitors of one company leave their details on the public form.
	company := map[string]string{"en": "苏州恒锐精密铸造有限公司", "zh-Hans": "无锡华晟精密铸造有限公司"}[lang]
	mobile := map[string]string{"en": "13952110001", "zh-Hans": "13952110002"}[lang]
	for i, person := range []string{"钱伟", "孙建国"} {
		w.step(fmt.Sprintf("public form %d", i+1), chromedp.Navigate(s.URL+"/f/"+code+"?lang="+lang), browser.WaitHTMXIdle,
			chromedp.SendKeys(chromedp.CSS("#company"), company),
			chromedp.SendKeys(chromedp.CSS("#contact_name"), person),
			chromedp.SendKeys(chromedp.CSS("#mobile"), mobile),
			chromedp.SendKeys(chromedp.CSS("#product_interest"), "变速箱壳体"),
			chromedp.Click(chromedp.CSS(".public-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(`[data-form-state="done"]`)))
	}
	page, err := leads.List(sys, lead.Filter{CampaignID: camp.ID})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("the form's leads: %+v %v", page.Items, err)
	}
	var l lead.Lead
	for _, it := range page.Items {
		if it.ContactName == "孙建国" {
			l = it
		}
	}
	if l.OwnerID != repID {
		t.Fatalf("the lead went to %s, not the rep", l.OwnerName)
	}

	// 2. The rep sees the duplicate warning and converts the lead.
	w.signIn("li.lei", "/crm/leads/"+l.ID)
	if got := w.text("[data-duplicates] h2"); got != words["dup"] {
		t.Errorf("duplicate warning %q", got)
	}
	w.click(`a[data-action="convert"]`)
	w.step("convert", chromedp.SetValue(chromedp.CSS("#opportunity"), "变速箱壳体 "+lang),
		chromedp.SetValue(chromedp.CSS("#amount"), "500000"),
		chromedp.Click(chromedp.CSS(`button[data-action="convert-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-opportunity-id]")), browser.WaitHTMXIdle)
	oppID := w.attr("[data-opportunity-id]", "data-opportunity-id")
	opp, err := deals.Get(rep, oppID)
	if err != nil {
		t.Fatal(err)
	}

	// 3. The deal moves across the board (the card's menu works at every width).
	pipe, err := deals.DefaultPipeline(rep)
	if err != nil {
		t.Fatal(err)
	}
	target := pipe.Stages[2].ID
	w.step("board", chromedp.Navigate(s.URL+"/crm/pipeline"), browser.WaitHTMXIdle)
	card := fmt.Sprintf(`[data-card="%s"]`, oppID)
	w.click(card + " .card-menu summary")
	w.click(fmt.Sprintf(`%s form:has(input[value="%s"]) button`, card, target))
	w.step("card in its new stage", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-stage="%s"] %s`, target, card))))
	if o, _ := deals.Get(rep, oppID); o.StageID != target {
		t.Fatalf("the deal is in %s", o.StageNameEN)
	}

	// 4. ERP's finance gives the new customer a credit limit of 1,000.00.
	s.WaitEvents(t)
	admin := s.Token(t, "admin")
	status, body := s.Do(t, admin, "GET", "/api/v1/erp/finance/customers/"+opp.AccountID, "")
	if status != 200 {
		t.Fatalf("ERP's customer: %d %s", status, body)
	}
	var fc struct {
		Version int64 `json:"version"`
	}
	if err := json.Unmarshal([]byte(body), &fc); err != nil {
		t.Fatal(err)
	}
	status, body = s.Do(t, admin, "PUT", "/api/v1/erp/finance/customers/"+opp.AccountID+"/terms",
		fmt.Sprintf(`{"payment_days":30,"has_limit":true,"credit_limit":"1000.00","version":%d}`, fc.Version))
	if status != 200 {
		t.Fatalf("credit limit: %d %s", status, body)
	}
	s.WaitEvents(t)

	// 5. A quote from the deal: more housings than the stock (with a promise
	// date), covers at a discount beyond the threshold, over the credit.
	w.step("new quote", chromedp.Navigate(s.URL+"/crm/quotes/new?opportunity="+oppID), browser.WaitHTMXIdle,
		chromedp.SetValue(chromedp.CSS(`tr[data-row="0"] input[name=line_code]`), "FG-GBH-001"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="0"] input[name=line_qty]`), "100000"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_code]`), "FG-MEC-002"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_qty]`), "10"),
		chromedp.SetValue(chromedp.CSS(`tr[data-row="1"] input[name=line_discount]`), "0.15"),
		// 15% off the cover also goes below its floor price: ask for that approval too.
		chromedp.Click(chromedp.CSS(`tr[data-row="1"] input[name=line_floor]`)),
		chromedp.Click(chromedp.CSS(`#quote-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-quote-id]")), browser.WaitHTMXIdle)
	if p := w.attr(`tr[data-line="FG-GBH-001"] [data-promise]`, "data-promise"); len(p) != 10 {
		t.Errorf("the housing short of stock has no promise date (%q)", p)
	}
	quoteID := w.attr("[data-quote-id]", "data-quote-id")
	w.click(`button[data-action="submit"]`)
	if got := w.text("h1 [data-quote-status]"); got != words["pending"] {
		t.Errorf("status after submit %q", got)
	}

	// 6. The sales manager approves the discount, the finance manager the credit.
	number := w.text("h1 .mono")
	approve := func(kind string) {
		t.Helper()
		sel := fmt.Sprintf(`[data-inbox="%s"][data-approval="%s"]`, number, kind)
		w.step("approve "+kind, chromedp.WaitVisible(chromedp.CSS(sel)),
			chromedp.SendKeys(chromedp.CSS(sel+` input[name=comment]`), "同意"),
			chromedp.Click(chromedp.CSS(sel+` button[data-decide="approve"]`)), browser.WaitHTMXIdle)
	}
	w.signIn("wang.fang", "/crm/approvals")
	approve("discount")
	approve("floor")
	w.signIn("xu.ming", "/crm/approvals")
	approve("credit")
	// Finance raises the limit so ERP takes the order.
	status, body = s.Do(t, admin, "GET", "/api/v1/erp/finance/customers/"+opp.AccountID, "")
	_ = json.Unmarshal([]byte(body), &fc)
	if status, body = s.Do(t, admin, "PUT", "/api/v1/erp/finance/customers/"+opp.AccountID+"/terms",
		fmt.Sprintf(`{"payment_days":30,"has_limit":true,"credit_limit":"50000000.00","version":%d}`, fc.Version)); status != 200 {
		t.Fatalf("raise the credit limit: %d %s", status, body)
	}

	// 7. The customer accepts; ERP's sales module makes the order.
	w.signIn("li.lei", "/crm/quotes/"+quoteID)
	w.click(`button[data-action="accept"]`)
	if got := w.text("h1 [data-quote-status]"); got != words["accepted"] {
		t.Errorf("status after accept %q", got)
	}
	s.WaitEvents(t)
	w.step("reload", chromedp.Navigate(s.URL+"/crm/quotes/"+quoteID), browser.WaitHTMXIdle)
	if got := w.text("[data-so-number]"); !strings.HasPrefix(got, "SO-") {
		t.Errorf("ERP's sales order number %q", got)
	}
	if got := w.text("[data-so-status]"); got == "" {
		t.Error("ERP's order status is empty")
	}

	// 8. An import of five customers, three of them bad, reports the three
	// and writes nothing.
	before, err := accounts.List(sys, customer.Filter{Total: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "customers.xlsx")
	writeXLSX(t, file,
		[]string{"公司名称 *", "客户等级", "所属行业", "手机", "电子邮箱"},
		[]string{"常州金坛压铸厂 " + lang, "A", "汽车零部件", "13857401234", ""},
		[]string{"", "B", "", "", ""},
		[]string{"镇江丹阳五金厂 " + lang, "Z", "", "", ""},
		[]string{"泰州姜堰机电 " + lang, "C", "", "", "not-an-email"},
		[]string{"扬州江都汽配 " + lang, "B", "", "", ""},
	)
	w.step("import", chromedp.Navigate(s.URL+"/crm/import"), browser.WaitHTMXIdle,
		chromedp.Click(chromedp.CSS(`input[name=kind][value=accounts]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Submit(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-row]`)), browser.WaitHTMXIdle)
	for _, row := range []string{"3", "4", "5"} {
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-row="`+row+`"]').length`)); n == 0 {
			t.Errorf("the import report does not name row %s", row)
		}
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-row="2"], [data-row="6"], [data-run="all"]').length`)); n != 0 {
		t.Error("the report names a good row or offers to import every row")
	}
	after, err := accounts.List(sys, customer.Filter{Total: true, Limit: 1})
	if err != nil || after.Total != before.Total {
		t.Errorf("checking the file wrote customers: %d → %d (%v)", before.Total, after.Total, err)
	}
	if errs := browser.PageErrors(ctx); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}

func writeXLSX(t *testing.T, path string, rows ...[]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
