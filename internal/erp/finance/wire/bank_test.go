package wire_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/loomtest/browser"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// TestBankContractsCashFlowInApp runs bank accounts, statement import and
// matching, contract reconciliation (the plan sent by the CRM through the
// bus) and the cash-flow statement inside a whole Loom, through the API
// and the screens in both languages.
func TestBankContractsCashFlowInApp(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		mgr, acct := s.Token(t, "xu.ming"), s.Token(t, "huang.jing")

		// A bank account; bad input is refused naming the field.
		st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/bank-accounts", `{"name":"工行基本户","bank":"工商银行苏州分行","number":"12","currency":"CNY","account":"1122"}`)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "body.number") || !strings.Contains(body, "fin.bank.error.ledger_account") {
			t.Fatalf("bad bank account: %d %s", st, body)
		}
		if st, body = s.Do(t, acct, "POST", "/api/v1/erp/finance/bank-accounts", `{}`); st != http.StatusForbidden {
			t.Fatalf("an accountant adds a bank account: %d %s", st, body)
		}
		st, body = s.Do(t, mgr, "POST", "/api/v1/erp/finance/bank-accounts", `{"name":"工行基本户","bank":"工商银行苏州分行","number":"1102020109001234567","currency":"CNY","account":"1002"}`)
		if st != http.StatusCreated {
			t.Fatalf("bank account: %d %s", st, body)
		}
		var bankAcct struct {
			ID string `json:"id"`
		}
		json.Unmarshal([]byte(body), &bankAcct)
		st, body = s.Do(t, s.Token(t, "li.lei"), "GET", "/api/v1/erp/finance/bank-accounts", "")
		if st != http.StatusOK || !strings.Contains(body, "****4567") || strings.Contains(body, "1102020109001234567") {
			t.Fatalf("a sales rep sees the number: %d %s", st, body)
		}

		// A customer from the CRM, an invoice on a contract.
		st, body = s.Do(t, s.Token(t, "li.lei"), "POST", "/api/v1/crm/accounts", `{"name":"宁波华翔汽车零部件有限公司","currency":"CNY"}`)
		if st != http.StatusCreated {
			t.Fatalf("CRM account: %d %s", st, body)
		}
		var customer struct {
			ID string `json:"id"`
		}
		json.Unmarshal([]byte(body), &customer)
		s.WaitEvents(t)
		const contractID = "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c2e"
		st, body = s.Do(t, acct, "POST", "/api/v1/erp/finance/invoices", fmt.Sprintf(`{"customer_id":%q,"date":"2026-03-02","contract_id":%q,"post":true,
			"lines":[{"description":"压铸模具","quantity":"1","unit_price":"100000","vat_rate":"0"}]}`, customer.ID, contractID))
		if st != http.StatusCreated {
			t.Fatalf("invoice: %d %s", st, body)
		}
		var inv struct {
			ID, Number string
		}
		json.Unmarshal([]byte(body), &inv)

		// The statement: one receipt naming the invoice, a fee, a bad row first.
		csv := "交易日期,摘要,对方户名,对方账号,收入,支出,余额,流水号\n" +
			"2026-03-05,货款 " + inv.Number + ",宁波华翔汽车零部件有限公司,3301,80000.00,,80000.00,B001\n" +
			"2026-03-06,手续费,,,,15.00,79985.00,B002\n"
		bad := strings.Replace(csv, "15.00", "十五", 1)
		send := func(path, data string) (int, string) {
			return s.Do(t, acct, "POST", path, fmt.Sprintf(`{"file":%q}`, base64.StdEncoding.EncodeToString([]byte(data))))
		}
		st, body = send("/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/statements/preview", bad)
		if st != http.StatusOK || !strings.Contains(body, `"row":3`) || !strings.Contains(body, `"column":"支出"`) {
			t.Fatalf("preview of a bad row: %d %s", st, body)
		}
		st, body = send("/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/statements", bad)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "rows[3].out") {
			t.Fatalf("import of a bad row: %d %s", st, body)
		}
		st, body = send("/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/statements", csv)
		if st != http.StatusCreated || !strings.Contains(body, `"imported":2`) {
			t.Fatalf("import: %d %s", st, body)
		}
		st, body = send("/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/statements", csv)
		if st != http.StatusCreated || !strings.Contains(body, `"imported":0`) || !strings.Contains(body, `"duplicate":"serial"`) {
			t.Fatalf("import again: %d %s", st, body)
		}
		st, body = s.Do(t, acct, "GET", "/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/lines?status=unmatched", "")
		var lines []struct {
			ID     string `json:"id"`
			Amount string `json:"amount"`
		}
		if err := json.Unmarshal([]byte(body), &lines); err != nil || len(lines) != 2 {
			t.Fatalf("lines: %d %s", st, body)
		}
		receipt := lines[1]
		st, body = s.Do(t, acct, "GET", "/api/v1/erp/finance/bank-lines/"+receipt.ID+"/suggestions", "")
		if st != http.StatusOK || !strings.Contains(body, inv.ID) || !strings.Contains(body, `"reference"`) {
			t.Fatalf("suggestions: %d %s", st, body)
		}
		// Confirming records the receipt on the contract, applied to the invoice.
		st, body = s.Do(t, acct, "POST", "/api/v1/erp/finance/bank-lines/"+receipt.ID+"/match", fmt.Sprintf(`{"action":"receipt","customer_id":%q,"contract_id":%q,
			"allocations":[{"invoice_id":%q,"amount":"80000.001"}]}`, customer.ID, contractID, inv.ID))
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "body.allocations[0].amount") {
			t.Fatalf("a bad amount: %d %s", st, body)
		}
		st, body = s.Do(t, acct, "POST", "/api/v1/erp/finance/bank-lines/"+receipt.ID+"/match", fmt.Sprintf(`{"action":"receipt","customer_id":%q,"contract_id":%q,
			"allocations":[{"invoice_id":%q,"amount":"80000"}]}`, customer.ID, contractID, inv.ID))
		if st != http.StatusOK || !strings.Contains(body, `"status":"matched"`) {
			t.Fatalf("match: %d %s", st, body)
		}
		st, body = s.Do(t, acct, "POST", "/api/v1/erp/finance/bank-lines/"+lines[0].ID+"/match", `{"action":"journal","account":"5603"}`)
		if st != http.StatusOK {
			t.Fatalf("fee: %d %s", st, body)
		}
		st, body = s.Do(t, acct, "GET", "/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/reconciliation?date=2026-03-31", "")
		if st != http.StatusOK || !strings.Contains(body, `"difference":"0.00"`) || !strings.Contains(body, `"explained":true`) {
			t.Fatalf("reconciliation: %d %s", st, body)
		}

		// The CRM signs the contract: 100,000 due on 10 March.
		plan := map[string]any{"contract_id": contractID, "number": "CT-2026-000007", "customer_id": customer.ID, "currency": "CNY",
			"total": money.MustAmount("100000"), "status": "active",
			"installments": []map[string]any{{"no": 1, "due_date": "2026-03-10", "amount": money.MustAmount("100000"), "condition": "预付款"}}}
		crm := s.App.DBs["crm"]
		if err := crm.InTx(context.Background(), func(ctx context.Context) error {
			_, err := outbox.Emit(ctx, crm, "crm.contract.payment_plan.changed", 1, contractID, plan)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.WaitEvents(t)
		st, body = s.Do(t, acct, "GET", "/api/v1/erp/finance/contracts/"+contractID+"?date=2026-03-31", "")
		if st != http.StatusOK || !strings.Contains(body, `"expected":"100000.00"`) || !strings.Contains(body, `"received":"80000.00"`) ||
			!strings.Contains(body, `"kind":"amount_short"`) || !strings.Contains(body, `"difference":"-20000.00"`) {
			t.Fatalf("contract: %d %s", st, body)
		}
		st, body = s.Do(t, acct, "GET", "/api/v1/erp/finance/reports/cash-flow?from=2026-03-01&to=2026-03-31", "")
		if st != http.StatusOK || !strings.Contains(body, `"net":"79985.00"`) || !strings.Contains(body, `"reconciles":true`) {
			t.Fatalf("cash flow: %d %s", st, body)
		}

		// The screens, in both languages.
		c := s.Client(t, "huang.jing")
		for _, p := range []struct {
			path string
			zh   []string
			en   []string
		}{
			{"/erp/finance/bank", []string{"银行账户", "工行基本户"}, []string{"Bank accounts", "1102020109001234567"}},
			{"/erp/finance/bank/" + bankAcct.ID + "?date=2026-03-31", []string{"银行余额调节", "已勾对", "B001"}, []string{"Reconciliation", "Matched"}},
			{"/erp/finance/contracts?date=2026-03-31", []string{"合同对账", "CT-2026-000007", "少收"}, []string{"Contract reconciliation", "Received less than expected"}},
			{"/erp/finance/contracts/" + contractID + "?date=2026-03-31", []string{"回款计划", "-20,000.00", inv.Number}, []string{"Payment plan", "Mismatches"}},
			{"/erp/finance/cash-flow?from=2026-03-01&to=2026-03-31", []string{"现金流量表", "销售产成品、商品、提供劳务收到的现金", "80,000.00"}, []string{"Cash-flow statement", "Cash received from sales of goods and services"}},
			{"/erp/finance/cash-flow/lines?from=2026-03-01&to=2026-03-31&item=op_in_sales", []string{"明细凭证", "1122"}, []string{"Entries behind the line"}},
		} {
			for lang, want := range map[string][]string{"zh-Hans": p.zh, "en": p.en} {
				sep := "?"
				if strings.Contains(p.path, "?") {
					sep = "&"
				}
				st, page := get(t, c, s.URL+p.path+sep+"lang="+lang)
				if st != http.StatusOK {
					t.Fatalf("%s (%s): %d", p.path, lang, st)
				}
				mustContain(t, p.path+" "+lang, page, want...)
			}
		}
		// A statement through the screen: preview with a bad row, then import.
		st, page := postFile(t, c, s.URL+"/erp/finance/bank/"+bankAcct.ID+"/import", "preview", bad+"2026-03-07,货款,苏州精锐机械有限公司,,500,,80485.00,B003\n")
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("preview screen: %d", st)
		}
		mustContain(t, "preview", page, `data-row-error="3"`, "支出")
		if st, _ = postFile(t, c, s.URL+"/erp/finance/bank/"+bankAcct.ID+"/import", "import", csv+"2026-03-07,货款,苏州精锐机械有限公司,,500,,80485.00,B003\n"); st != http.StatusSeeOther {
			t.Fatalf("import screen: %d", st)
		}
		st, body = s.Do(t, acct, "GET", "/api/v1/erp/finance/bank-accounts/"+bankAcct.ID+"/lines?status=unmatched", "")
		if !strings.Contains(body, "B003") {
			t.Fatalf("the imported line: %s", body)
		}
		// In a browser, in Chinese on a desktop and in English on a phone:
		// the pages render without script errors and fit the screen's width.
		for _, v := range browser.Viewports() {
			lang := "zh-Hans"
			if v == browser.Phone {
				lang = "en"
			}
			bctx := browser.NewWithSize(t, v.Width, v.Height)
			signIn(t, bctx, s.URL, "huang.jing", lang)
			for _, p := range []struct{ path, sel string }{
				{"/erp/finance/bank/" + bankAcct.ID + "?date=2026-03-31", "[data-reconciliation]"},
				{"/erp/finance/bank/lines/" + lines[0].ID, "[data-line]"},
				{"/erp/finance/contracts/" + contractID + "?date=2026-03-31", `[data-mismatch="amount_short"]`},
				{"/erp/finance/cash-flow?from=2026-03-01&to=2026-03-31", `[data-reconciles="true"]`},
			} {
				browser.Do(t, bctx, chromedp.Navigate(s.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
				if wide := browser.Eval[bool](t, bctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`); wide {
					t.Errorf("%s is wider than the %s screen", p.path, v.Name)
				}
				if errs := browser.PageErrors(bctx); len(errs) > 0 {
					t.Errorf("%s: page errors %v", p.path, errs)
				}
			}
		}
		st, page = get(t, c, s.URL+"/erp/finance/contracts.xlsx?date=2026-03-31")
		if st != http.StatusOK || !strings.HasPrefix(page, "PK") {
			t.Fatalf("contract export: %d", st)
		}
		st, page = get(t, c, s.URL+"/erp/finance/cash-flow.xlsx?from=2026-03-01&to=2026-03-31")
		if st != http.StatusOK || !strings.HasPrefix(page, "PK") {
			t.Fatalf("cash-flow export: %d", st)
		}
	})
}

// postFile submits the statement form with a file and returns the status and body.
func postFile(t *testing.T, c *http.Client, u, action, data string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("action", action)
	f, err := w.CreateFormFile("file", "statement.csv")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(data))
	w.Close()
	req, err := http.NewRequest(http.MethodPost, u, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
