package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// TestFinanceFlowInBrowser is finance's "done when" walk through the screens
// of a whole Loom with the demo company, in Chinese at desktop width and in
// English at phone width: a demo shipment invoiced from the shipments screen
// posts itself with its voucher; a partial payment is allocated to it; the
// customer's credit position changes in the CRM (through ERP's events); a
// CRM contract whose installment expects more than was received shows the
// shortfall in the contract reconciliation; the trial balance, income
// statement and balance sheet move by the documents' amounts and the balance
// sheet balances; a period is closed and a late entry into it is refused on
// its date. Each language has its own Loom, since the walk closes a period.
func TestFinanceFlowInBrowser(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		for _, run := range []struct {
			lang string
			vp   browser.Viewport
		}{{"zh-Hans", browser.Desktop}, {"en", browser.Phone}} {
			t.Run(run.lang, func(t *testing.T) {
				ctx := browser.NewWithSize(t, run.vp.Width, run.vp.Height)
				s := apptest.Start(t, cfg.Engine, apptest.Options{Demo: true})
				s.WaitEvents(t)
				start := time.Now()
				financeWalk(t, ctx, s, run.lang)
				t.Logf("%s walk took %s", run.lang, time.Since(start).Round(time.Millisecond))
			})
		}
	})
}

// finAmount reads an amount as the screens show it: grouped thousands, an
// empty cell for zero.
func finAmount(t *testing.T, what, s string) money.Amount {
	t.Helper()
	s = strings.NewReplacer(",", "", "¥", "", " ", "").Replace(strings.TrimSpace(s))
	if s == "" || s == "-" {
		return money.Amount{}
	}
	a, err := money.ParseAmount(s)
	if err != nil {
		t.Fatalf("%s: %q is not an amount: %v", what, s, err)
	}
	return a
}

func finSub(t *testing.T, a, b money.Amount) money.Amount {
	t.Helper()
	d, err := a.Sub(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// finFigures are the report figures the walk follows.
type finFigures struct {
	arDebit, arCredit, revenue, assets, liabEquity money.Amount
}

// reports opens the trial balance, the income statement and the balance
// sheet for the range and reads the figures the documents move.
func (w *walker) reports(from, to string) finFigures {
	w.t.Helper()
	t := w.t
	var f finFigures
	w.step("trial balance", chromedp.Navigate(w.s.URL+"/erp/finance/reports/trial-balance?zero=1&from="+from+"&to="+to),
		chromedp.WaitVisible(chromedp.CSS(`[data-report="trial-balance"]`)), browser.WaitHTMXIdle)
	w.fits("the trial balance")
	f.arDebit = finAmount(t, "1122 debit", w.text(`tr[data-account="1122"] td:nth-child(5)`))
	f.arCredit = finAmount(t, "1122 credit", w.text(`tr[data-account="1122"] td:nth-child(6)`))
	total := func(n int) money.Amount {
		return finAmount(t, "trial balance total", w.text(fmt.Sprintf(`tr[data-total] td:nth-of-type(%d)`, n)))
	}
	for _, n := range []int{1, 3, 5} {
		if d, c := total(n), total(n+1); d != c {
			t.Errorf("trial balance %s–%s: column %d has debits %s and credits %s", from, to, n, d, c)
		}
	}
	w.step("income statement", chromedp.Navigate(w.s.URL+"/erp/finance/reports/income-statement?from="+from+"&to="+to),
		chromedp.WaitVisible(chromedp.CSS(`[data-report="income-statement"]`)), browser.WaitHTMXIdle)
	w.fits("the income statement")
	f.revenue = finAmount(t, "revenue", w.text(`tr[data-line="revenue"] td.num`))
	w.step("balance sheet", chromedp.Navigate(w.s.URL+"/erp/finance/reports/balance-sheet?date="+to),
		chromedp.WaitVisible(chromedp.CSS(`[data-balanced]`)), browser.WaitHTMXIdle)
	if b := w.attr("[data-balanced]", "data-balanced"); b != "true" {
		t.Errorf("the balance sheet at %s does not balance", to)
	}
	w.fits("the balance sheet")
	f.assets = finAmount(t, "total assets", w.text(`tr[data-line="total_assets"] td.num`))
	f.liabEquity = finAmount(t, "total liabilities and equity", w.text(`tr[data-line="total_liabilities_equity"] td.num`))
	if f.assets != f.liabEquity {
		t.Errorf("balance sheet: assets %s, liabilities and equity %s", f.assets, f.liabEquity)
	}
	return f
}

// fits checks that the page in the browser is no wider than the window.
func (w *walker) fits(what string) {
	w.t.Helper()
	if wide := browser.Eval[int](w.t, w.ctx, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); wide > 1 {
		w.t.Errorf("%s is %dpx wider than the window", what, wide)
	}
}

// crmCredit opens the customer in the CRM and reads its AR balance and
// available credit.
func (w *walker) crmCredit(accountID string) (ar, available money.Amount) {
	w.t.Helper()
	w.step("CRM customer", chromedp.Navigate(w.s.URL+"/crm/accounts/"+accountID),
		chromedp.WaitVisible(chromedp.CSS(`#ledger [data-field="available_credit"]`)), browser.WaitHTMXIdle)
	w.fits("the CRM customer")
	return finAmount(w.t, "CRM AR balance", w.text(`#ledger dl.kv dd:nth-of-type(2)`)),
		finAmount(w.t, "CRM available credit", w.text(`#ledger [data-field="available_credit"]`))
}

func financeWalk(t *testing.T, ctx context.Context, s *apptest.Server, lang string) {
	w := &walker{t: t, ctx: ctx, s: s, lang: lang}
	closedWord := map[string]string{"zh-Hans": "已结账", "en": "is closed"}[lang]
	mgr := s.Token(t, "xu.ming")
	admin := s.Token(t, "admin")

	// A demo shipment waiting for its invoice, to a CRM customer.
	st, body := s.Do(t, mgr, "GET", "/api/v1/erp/finance/shipments?open=true", "")
	var ships struct {
		Items []struct {
			ID         string `json:"id"`
			Number     string `json:"number"`
			CustomerID string `json:"customer_id"`
		} `json:"items"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &ships) != nil || len(ships.Items) == 0 {
		t.Fatalf("shipments to invoice: %d %s", st, body)
	}
	sh := ships.Items[0]
	if st, body := s.Do(t, admin, "GET", "/api/v1/crm/accounts/"+sh.CustomerID, ""); st != http.StatusOK {
		t.Fatalf("the shipment's customer is not a CRM account: %d %s", st, body)
	}

	// The CRM's view of the customer before.
	w.signIn("admin", "/crm/accounts/"+sh.CustomerID)
	arBefore, availBefore := w.crmCredit(sh.CustomerID)

	// The reports before, over the range the trial balance offers.
	w.signIn("xu.ming", "/erp/finance/reports/trial-balance")
	if l := w.attr("html", "lang"); l != lang {
		t.Fatalf("the screens are in %q, not %s", l, lang)
	}
	from, to := w.attr("#from", "value"), w.attr("#to", "value")
	if len(from) != 10 || len(to) != 10 {
		t.Fatalf("the trial balance's range %q–%q", from, to)
	}
	before := w.reports(from, to)

	// 1. The shipment is invoiced from the shipments screen and posts itself.
	w.step("shipments to invoice", chromedp.Navigate(s.URL+"/erp/finance/shipments"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-shipment="%s"]`, sh.Number))), browser.WaitHTMXIdle)
	w.click(fmt.Sprintf(`tr[data-shipment="%s"] a.btn-primary`, sh.Number))
	w.step("invoice form", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-invoice-form] [data-shipment="%s"]`, sh.Number))))
	if d := w.attr(`[data-invoice-form] input[name="date"]`, "value"); d != to {
		t.Fatalf("the invoice is dated %s, the reports run to %s", d, to)
	}
	// A CRM contract for these goods, signed while the invoice is written:
	// one installment of the invoice's whole amount, due on the first day of
	// the range. The invoice names the contract.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("[data-invoice-total]").textContent.trim() !== ""`)); err != nil {
		t.Fatalf("the invoice form's total: %v", err)
	}
	expected := finAmount(t, "invoice form total", w.text("[data-invoice-total]"))
	st, body = s.Do(t, admin, "POST", "/api/v1/crm/contracts", fmt.Sprintf(
		`{"account_id":%q,"title":"压铸件年度供货合同 %s","total":%q,"installments":[{"due_date":%q,"amount":%q,"condition":"货到付款"}]}`,
		sh.CustomerID, lang, expected.String(), from, expected.String()))
	if st != http.StatusCreated {
		t.Fatalf("CRM contract: %d %s", st, body)
	}
	var contract struct {
		ID string `json:"id"`
	}
	json.Unmarshal([]byte(body), &contract)
	if st, body = s.Do(t, admin, "POST", "/api/v1/crm/contracts/"+contract.ID+"/activate", ""); st != http.StatusOK {
		t.Fatalf("activate the contract: %d %s", st, body)
	}
	s.WaitEvents(t)
	w.step("the invoice names the contract", chromedp.SendKeys(chromedp.CSS(`[data-invoice-form] input[name="contract_id"]`), contract.ID))
	w.click(`button[name="then"][value="post"]`)
	w.step("posted invoice", chromedp.WaitVisible(chromedp.CSS(`section.fin-invoice[data-status="posted"] [data-number]`)))
	w.fits("the invoice")
	invID := w.attr("section.fin-invoice", "data-invoice")
	invNumber := w.text("section.fin-invoice [data-number]")
	if !strings.HasPrefix(invNumber, "INV-") {
		t.Fatalf("invoice number %q", invNumber)
	}
	gross := finAmount(t, "invoice gross", w.text(`[data-total="gross"]`))
	net := finAmount(t, "invoice net", w.text(`[data-total="net"]`))
	if gross != expected {
		t.Errorf("the form showed %s, the posted invoice is of %s", expected, gross)
	}
	if gross.Sign() <= 0 {
		t.Fatalf("invoice %s of %s", invNumber, gross)
	}
	// Its voucher.
	w.click(`.fin-meta a[href^="/erp/finance/entries/"]`)
	w.step("the invoice's voucher", chromedp.WaitVisible(chromedp.CSS("section.fin-entry [data-number]")))
	if v := w.text("section.fin-entry [data-number]"); !strings.HasPrefix(v, "记-") {
		t.Errorf("the invoice's voucher number %q", v)
	}
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".fin-lines-view tbody tr").length`); n < 2 {
		t.Errorf("the invoice's voucher has %d lines", n)
	}
	if lines := w.text(".fin-lines-view tbody"); !strings.Contains(lines, "1122") || !strings.Contains(lines, "5001") {
		t.Errorf("the invoice's voucher does not post receivables against revenue: %q", lines)
	}
	w.fits("the voucher")

	// 2. A partial payment on the contract, allocated to the invoice.
	paid := money.MustAmount("1000.00")
	if gross.Cmp(paid) <= 0 {
		t.Fatalf("the invoice of %s is too small for a part payment of %s", gross, paid)
	}
	w.step("payment form", chromedp.Navigate(s.URL+"/erp/finance/payments/new?customer="+sh.CustomerID),
		chromedp.WaitVisible(chromedp.CSS("[data-payment-form]")), browser.WaitHTMXIdle,
		chromedp.SendKeys(chromedp.CSS(`[data-payment-form] input[name="amount"]`), paid.String()),
		chromedp.SendKeys(chromedp.CSS(`[data-payment-form] input[name="contract_id"]`), contract.ID),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`[data-payment-form] input[name="alloc[%s]"]`, invID)), paid.String()))
	w.click(`[data-payment-form] button[type="submit"]`)
	w.step("the payment", chromedp.WaitVisible(chromedp.CSS("section.fin-payment [data-number]")))
	w.fits("the payment")
	if u := finAmount(t, "unallocated", w.text("[data-unallocated]")); !u.IsZero() {
		t.Errorf("the payment leaves %s unallocated", u)
	}
	w.step("the invoice after the payment", chromedp.Navigate(s.URL+"/erp/finance/invoices/"+invID),
		chromedp.WaitVisible(chromedp.CSS(`[data-total="open"]`)))
	if open := finAmount(t, "open", w.text(`[data-total="open"]`)); open != finSub(t, gross, paid) {
		t.Errorf("the invoice has %s open, want %s", open, finSub(t, gross, paid))
	}

	// 3. The contract reconciliation shows the installment short.
	s.WaitEvents(t)
	w.step("contract reconciliation", chromedp.Navigate(s.URL+"/erp/finance/contracts/"+contract.ID),
		chromedp.WaitVisible(chromedp.CSS(`[data-figure="received"]`)), browser.WaitHTMXIdle)
	if e, r := finAmount(t, "expected", w.text(`[data-figure="expected"]`)), finAmount(t, "received", w.text(`[data-figure="received"]`)); e != gross || r != paid {
		t.Errorf("the contract expects %s and received %s, want %s and %s", e, r, gross, paid)
	}
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll('[data-mismatch="amount_short"]').length`); n == 0 {
		t.Errorf("the contract's shortfall is not shown: %s", w.text("section.page"))
	}

	// 4. The CRM sees the new credit position.
	w.signIn("admin", "/crm/accounts/"+sh.CustomerID)
	arAfter, availAfter := w.crmCredit(sh.CustomerID)
	owed := finSub(t, gross, paid)
	t.Logf("invoice %s of %s (net %s), %s paid; CRM: AR %s → %s, available %s → %s",
		invNumber, gross, net, paid, arBefore, arAfter, availBefore, availAfter)
	if d := finSub(t, arAfter, arBefore); d != owed {
		t.Errorf("CRM's AR balance moved %s → %s, want +%s", arBefore, arAfter, owed)
	}
	if !availBefore.IsZero() {
		if d := finSub(t, availBefore, availAfter); d != owed {
			t.Errorf("CRM's available credit moved %s → %s, want −%s", availBefore, availAfter, owed)
		}
	}

	// 5. The reports follow the documents.
	w.signIn("xu.ming", "/erp/finance/reports/trial-balance")
	after := w.reports(from, to)
	for _, c := range []struct {
		what          string
		before, after money.Amount
		want          money.Amount
	}{
		{"1122 debits", before.arDebit, after.arDebit, gross},
		{"1122 credits", before.arCredit, after.arCredit, paid},
		{"revenue", before.revenue, after.revenue, net},
		{"total assets", before.assets, after.assets, gross},
	} {
		if d := finSub(t, c.after, c.before); d != c.want {
			t.Errorf("%s moved %s → %s, want +%s", c.what, c.before, c.after, c.want)
		}
	}

	// 6. The earliest open period is closed on the periods screen; a late
	// entry into it is refused on its date.
	w.step("periods", chromedp.Navigate(s.URL+"/erp/finance/periods"),
		chromedp.WaitVisible(chromedp.CSS(`[data-period-action="close"]`)), browser.WaitHTMXIdle)
	period := browser.Eval[string](t, ctx, `document.querySelector('[data-period-action="close"]').closest("tr").dataset.period`)
	w.click(fmt.Sprintf(`tr[data-period="%s"] [data-period-action="close"]`, period))
	w.step("period closed", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-period="%s"] [data-status="closed"]`, period))))
	late := period + "-10"
	w.step("late entry", chromedp.Navigate(s.URL+"/erp/finance/entries/new"), chromedp.WaitVisible(chromedp.CSS("[data-entry-form]")),
		chromedp.SetValue(chromedp.CSS(`input[name="date"]`), late),
		chromedp.SendKeys(chromedp.CSS(`input[name="memo"]`), "补记办公费"),
		chromedp.SendKeys(chromedp.CSS(`input[name="lines[0].account"]`), "5602"),
		chromedp.SendKeys(chromedp.CSS(`input[name="lines[0].debit"]`), "300"),
		chromedp.SendKeys(chromedp.CSS(`input[name="lines[1].account"]`), "1001"),
		chromedp.SendKeys(chromedp.CSS(`input[name="lines[1].credit"]`), "300"))
	w.click(`button[name="then"][value="post"]`)
	w.step("refusal", chromedp.WaitVisible(chromedp.CSS(`[data-field-error="date"]`)))
	if msg := w.text(`[data-field-error="date"]`); !strings.Contains(msg, period) || !strings.Contains(msg, closedWord) {
		t.Errorf("the refusal does not say that period %s is closed: %q", period, msg)
	}
	w.fits("the refused entry")
	st, body = s.Do(t, mgr, "GET", "/api/v1/erp/finance/entries?period="+period+"&q="+url.QueryEscape("补记办公费"), "")
	if st != http.StatusOK || strings.Contains(body, "补记办公费") {
		t.Errorf("the refused entry was written: %d %s", st, body)
	}
	t.Logf("period %s closed; an entry dated %s refused", period, late)
	if errs := browser.PageErrors(ctx); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
