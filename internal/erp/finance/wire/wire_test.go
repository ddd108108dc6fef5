package wire_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// get fetches a page and returns its status and body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post submits a form and returns the status, the redirect target and the body.
func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func mustContain(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Fatalf("%s: %q is missing in\n%s", what, p, body)
		}
	}
}

// TestFinanceInApp runs the finance module inside a whole Loom, one per
// engine, through its screens, its API and its links to the other modules.
// The reports run first, on books nobody else has posted to yet.
func TestFinanceInApp(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		for _, c := range []struct {
			name string
			run  func(*testing.T, *apptest.Server)
		}{
			{"reports", reportScreens},
			{"entry screens", entryScreens},
			{"entry API", entryAPI},
			{"receivables", receivablesFlow},
			{"partner customer on credit hold", partnerCreditHold},
			{"entry in the browser", entryInBrowser},
		} {
			if !t.Run(c.name, func(t *testing.T) { c.run(t, s) }) {
				return
			}
		}
	})
}

func entryScreens(t *testing.T, s *apptest.Server) {
	acct := s.Client(t, "huang.jing")
	st, body := get(t, acct, s.URL+"/erp/finance/accounts?lang=zh-Hans")
	if st != http.StatusOK {
		t.Fatalf("accounts: %d", st)
	}
	mustContain(t, "chart", body, "应收账款", "22210102", "销项税额", "finance.css")
	st, body = get(t, acct, s.URL+"/erp/finance/entries/new?lang=zh-Hans")
	if st != http.StatusOK {
		t.Fatalf("new entry: %d", st)
	}
	mustContain(t, "entry form", body, "新增凭证", "lines[0].account", "1001 库存现金")

	form := url.Values{"date": {"2026-01-05"}, "memo": {"提取备用金"}, "attachments": {"1"},
		"lines[0].account": {"1001 库存现金"}, "lines[0].debit": {"2,000.00"},
		"lines[1].account": {"1002"}, "lines[1].credit": {"1999.99"}}
	// Unbalanced: the form comes back with the error, nothing is saved.
	st, _, body = post(t, acct, s.URL+"/erp/finance/entries", form)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("unbalanced: %d", st)
	}
	mustContain(t, "unbalanced", body, "借贷不平", "1999.99")
	// Too many decimals are named on their cell.
	form.Set("lines[1].credit", "2000.001")
	st, _, body = post(t, acct, s.URL+"/erp/finance/entries", form)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("decimals: %d", st)
	}
	mustContain(t, "decimals", body, `data-field-error="lines-1-credit"`, "最多 2 位小数")
	form.Set("lines[1].credit", "2000")
	form.Set("then", "post")
	st, loc, _ := post(t, acct, s.URL+"/erp/finance/entries", form)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/finance/entries/") {
		t.Fatalf("save and post: %d %s", st, loc)
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/erp/finance/entries/")
	st, body = get(t, acct, s.URL+loc+"&lang=zh-Hans")
	if st != http.StatusOK {
		t.Fatalf("entry: %d", st)
	}
	mustContain(t, "posted entry", body, "记-2026-01-0001", "凭证已过账", "2,000.00")
	st, body = get(t, acct, s.URL+"/erp/finance/entries/"+id+"/print?lang=zh-Hans")
	if st != http.StatusOK {
		t.Fatalf("print: %d", st)
	}
	mustContain(t, "voucher", body, "记账凭证", "贰仟元整", "附单据 1 张", "制单")
	st, body = get(t, acct, s.URL+"/erp/finance/entries/"+id+"/print?lang=en")
	mustContain(t, "voucher in English", body, "General journal", "Prepared by", "2,000.00")

	// The accountant may not reverse; the finance manager may.
	st, _, _ = post(t, acct, s.URL+"/erp/finance/entries/"+id+"/reverse", url.Values{"date": {"2026-01-06"}})
	if st != http.StatusForbidden {
		t.Fatalf("accountant reverses: %d", st)
	}
	mgr := s.Client(t, "xu.ming")
	st, loc, _ = post(t, mgr, s.URL+"/erp/finance/entries/"+id+"/reverse", url.Values{"date": {"2026-01-06"}})
	if st != http.StatusSeeOther {
		t.Fatalf("manager reverses: %d", st)
	}
	_, body = get(t, mgr, s.URL+loc+"&lang=zh-Hans")
	mustContain(t, "reversal", body, "记-2026-01-0002", "冲销 记-2026-01-0001")

	// Close January; a late entry into it is refused, naming the date.
	st, _, _ = post(t, mgr, s.URL+"/erp/finance/periods/2026-01/close", nil)
	if st != http.StatusSeeOther {
		t.Fatalf("close: %d", st)
	}
	form.Set("date", "2026-01-31")
	st, _, body = post(t, acct, s.URL+"/erp/finance/entries", form)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("late entry: %d", st)
	}
	mustContain(t, "late entry", body, `data-field-error="date"`, "Period 2026-01 is closed")

	// A sales rep sees no finance screens.
	rep := s.Client(t, "li.lei")
	for _, p := range []string{"/erp/finance/entries", "/erp/finance/accounts", "/erp/finance/settings"} {
		if st, _ := get(t, rep, s.URL+p); st != http.StatusForbidden {
			t.Fatalf("rep %s: %d", p, st)
		}
	}
	// The accountant reads settings only through the API, not the settings screen.
	if st, _ := get(t, acct, s.URL+"/erp/finance/settings"); st != http.StatusForbidden {
		t.Fatalf("accountant settings: %d", st)
	}
	if st, body := get(t, mgr, s.URL+"/erp/finance/settings?lang=zh-Hans"); st != http.StatusOK || !strings.Contains(body, "小企业会计准则科目表") {
		t.Fatalf("manager settings: %d", st)
	}
}

func entryAPI(t *testing.T, s *apptest.Server) {
	tok := s.Token(t, "huang.jing")
	st, body := s.Do(t, tok, "POST", "/api/v1/erp/finance/entries", `{"date":"2026-02-03","memo":"office supplies","post":true,
		"lines":[{"account":"5602","debit":"120.50"},{"account":"1001","credit":"120.50"}]}`)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, body)
	}
	var e struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Status string `json:"status"`
		Total  string `json:"total"`
		Lines  []struct {
			AccountCode string `json:"account_code"`
			Debit       string `json:"debit"`
		} `json:"lines"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	if e.Number != "记-2026-02-0001" || e.Status != "posted" || e.Total != "120.50" || e.Lines[0].AccountCode != "5602" {
		t.Fatalf("entry: %s", body)
	}
	for _, c := range []struct {
		name, body, loc, key string
	}{
		{"decimals", `{"date":"2026-02-03","lines":[{"account":"5602","debit":"1.001"},{"account":"1001","credit":"1.00"}]}`, "body.lines[0].debit", "fin.error.amount_decimals"},
		{"unbalanced", `{"date":"2026-02-03","lines":[{"account":"5602","debit":"1.00"},{"account":"1001","credit":"2.00"}]}`, "body.lines", "fin.error.unbalanced"},
		{"unknown account", `{"date":"2026-02-03","lines":[{"account":"9","debit":"1.00"},{"account":"1001","credit":"1.00"}]}`, "body.lines[0].account", "fin.error.account_unknown"},
		{"no rate", `{"date":"2026-02-03","lines":[{"account":"1002","currency":"USD","debit":"1.00"},{"account":"2203","currency":"USD","credit":"1.00"}]}`, "body.lines[0].currency", "fin.error.rate_missing"},
	} {
		st, body := s.Do(t, tok, "POST", "/api/v1/erp/finance/entries", c.body)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `"location":"`+c.loc+`"`) || !strings.Contains(body, c.key) {
			t.Fatalf("%s: %d %s", c.name, st, body)
		}
	}
	st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/entries?status=posted", "")
	if st != http.StatusOK || !strings.Contains(body, e.ID) || strings.Contains(body, `"status":"draft"`) {
		t.Fatalf("list: %d %s", st, body)
	}
	// Closing needs the finance manager.
	if st, _ := s.Do(t, tok, "POST", "/api/v1/erp/finance/periods/2026-01/close", ""); st != http.StatusForbidden {
		t.Fatalf("accountant closes: %d", st)
	}
	mgr := s.Token(t, "xu.ming")
	for _, p := range []string{"2026-02"} { // 2026-01 was closed on the screens
		if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/periods/"+p+"/close", ""); st != http.StatusOK {
			t.Fatalf("close %s: %d %s", p, st, body)
		}
	}
	st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/entries", `{"date":"2026-02-28","post":true,
		"lines":[{"account":"5602","debit":"1.00"},{"account":"1001","credit":"1.00"}]}`)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `"location":"body.date"`) || !strings.Contains(body, "fin.error.period_closed") {
		t.Fatalf("late: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/periods/2026-02/close", ""); st != http.StatusConflict {
		t.Fatalf("close twice: %d %s", st, body)
	}
	// Rates and accounts.
	if st, body := s.Do(t, tok, "PUT", "/api/v1/erp/finance/rates/USD/2026-03-01", `{"rate":"7.1234567"}`); st != http.StatusUnprocessableEntity || !strings.Contains(body, "body.rate") {
		t.Fatalf("rate decimals: %d %s", st, body)
	}
	if st, body := s.Do(t, tok, "PUT", "/api/v1/erp/finance/rates/USD/2026-03-01", `{"rate":"7.1234"}`); st != http.StatusOK {
		t.Fatalf("rate: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/accounts", `{"code":"122101","name_zh":"备用金","name_en":"Petty cash advances","active":true}`); st != http.StatusCreated ||
		!strings.Contains(body, `"type":"asset"`) {
		t.Fatalf("sub-account: %d %s", st, body)
	}
	if st, body := s.Do(t, mgr, "POST", "/api/v1/erp/finance/accounts", `{"code":"122102","name_zh":"","active":true}`); st != http.StatusUnprocessableEntity || !strings.Contains(body, "body.name_zh") {
		t.Fatalf("bad account: %d %s", st, body)
	}
	if st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/accounts/1122", ""); st != http.StatusOK || !strings.Contains(body, `"control":"ar"`) {
		t.Fatalf("account by code: %d %s", st, body)
	}
	rep := s.Token(t, "li.lei")
	if st, _ := s.Do(t, rep, "GET", "/api/v1/erp/finance/entries", ""); st != http.StatusForbidden {
		t.Fatalf("rep lists entries: %d", st)
	}
}

// receivablesFlow: a customer created in the CRM reaches finance; an
// invoice is written and posted in the browser forms, paid in part, and the
// customer's page shows what is left.
func receivablesFlow(t *testing.T, s *apptest.Server) {
	rep := s.Token(t, "li.lei")
	st, body := s.Do(t, rep, "POST", "/api/v1/crm/accounts", `{"name":"宁波华翔汽车零部件有限公司","tax_id":"91330200MA2AXXXX1X","currency":"CNY"}`)
	if st != http.StatusCreated {
		t.Fatalf("CRM account: %d %s", st, body)
	}
	var acct struct {
		ID string `json:"id"`
	}
	json.Unmarshal([]byte(body), &acct)
	s.WaitEvents(t)

	acctC := s.Client(t, "huang.jing")
	st, page := get(t, acctC, s.URL+"/erp/finance/customers?lang=zh-Hans")
	if st != http.StatusOK {
		t.Fatalf("customers: %d", st)
	}
	mustContain(t, "customers", page, "宁波华翔汽车零部件有限公司", "信用正常")

	form := url.Values{"customer_id": {acct.ID}, "date": {"2026-03-10"}, "so_number": {"SO-2026-000001"},
		"lines[0].description": {"ADC12 压铸壳体"}, "lines[0].quantity": {"100"}, "lines[0].unit_price": {"85.5"}, "lines[0].vat_rate": {"0.13"},
		"lines[1].description": {"加工费"}, "lines[1].quantity": {"1"}, "lines[1].unit_price": {"1200"}, "lines[1].vat_rate": {"0.07"},
		"then": {"post"}}
	st, _, page = post(t, acctC, s.URL+"/erp/finance/invoices", form)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad VAT rate: %d", st)
	}
	mustContain(t, "bad VAT", page, `data-field-error="lines-1-vat_rate"`)
	form.Set("lines[1].vat_rate", "0.06")
	st, loc, _ := post(t, acctC, s.URL+"/erp/finance/invoices", form)
	if st != http.StatusSeeOther {
		t.Fatalf("invoice: %d", st)
	}
	invoiceID := strings.TrimPrefix(strings.Split(loc, "?")[0], "/erp/finance/invoices/")
	_, page = get(t, acctC, s.URL+loc+"&lang=zh-Hans")
	// 100 × 85.50 = 8,550.00 + 13% 1,111.50; 1,200.00 + 6% 72.00 → 10,933.50.
	mustContain(t, "posted invoice", page, "INV-2026-000001", "发票已过账", "10,933.50", "1,183.50")

	// Pay 5,000.00 of it; more than is open is refused on the invoice's row.
	payment := url.Values{"customer_id": {acct.ID}, "date": {"2026-03-20"}, "amount": {"20000"}, "currency": {"CNY"},
		"method": {"transfer"}, "reference": {"ICBC 0320-001"}, "alloc[" + invoiceID + "]": {"10933.51"}}
	st, _, page = post(t, acctC, s.URL+"/erp/finance/payments", payment)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("over-allocation: %d", st)
	}
	mustContain(t, "over-allocation", page, `data-field-error="alloc-`+invoiceID+`"`)
	payment.Set("amount", "5000")
	payment.Set("alloc["+invoiceID+"]", "5000")
	st, loc, _ = post(t, acctC, s.URL+"/erp/finance/payments", payment)
	if st != http.StatusSeeOther {
		t.Fatalf("payment: %d", st)
	}
	_, page = get(t, acctC, s.URL+loc+"&lang=zh-Hans")
	mustContain(t, "payment", page, "RCV-2026-000001", "INV-2026-000001", "5,000.00")
	_, page = get(t, acctC, s.URL+"/erp/finance/customers/"+acct.ID+"?lang=zh-Hans")
	mustContain(t, "customer", page, `data-figure="ar">5,933.50`)
	s.WaitEvents(t)

	// The same through the API, with the same refusals.
	tok := s.Token(t, "huang.jing")
	st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/invoices", `{"customer_id":"`+acct.ID+`","date":"2026-03-11","post":true,
		"lines":[{"description":"壳体","quantity":"10","unit_price":"33.335"}]}`)
	if st != http.StatusCreated || !strings.Contains(body, `"gross":"376.69"`) || !strings.Contains(body, `"number":"INV-2026-000002"`) {
		t.Fatalf("API invoice: %d %s", st, body)
	}
	var inv struct {
		ID string `json:"id"`
	}
	json.Unmarshal([]byte(body), &inv)
	st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/payments", `{"customer_id":"`+acct.ID+`","date":"2026-03-21","amount":"400",
		"allocations":[{"invoice_id":"`+inv.ID+`","amount":"376.70"}]}`)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `"location":"body.allocations[0].amount"`) {
		t.Fatalf("API over-allocation: %d %s", st, body)
	}
	st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/payments", `{"customer_id":"`+acct.ID+`","date":"2026-03-21","amount":"400",
		"allocations":[{"invoice_id":"`+inv.ID+`","amount":"376.69"}]}`)
	if st != http.StatusCreated || !strings.Contains(body, `"unallocated":"23.31"`) {
		t.Fatalf("API payment: %d %s", st, body)
	}
	st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/customers/"+acct.ID, "")
	if st != http.StatusOK || !strings.Contains(body, `"ar_balance":"5910.19"`) {
		t.Fatalf("API customer: %d %s", st, body)
	}
	// The export for the tax platform downloads as a workbook.
	resp, err := acctC.Get(s.URL + "/erp/finance/invoices/export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(b) < 100 || string(b[:2]) != "PK" {
		t.Fatalf("export: %d %d bytes", resp.StatusCode, len(b))
	}
	// A sales rep reads the invoices of their own customer, and writes none.
	if st, _ := s.Do(t, rep, "GET", "/api/v1/erp/finance/invoices/"+inv.ID, ""); st != http.StatusOK {
		t.Fatalf("rep reads own customer's invoice: %d", st)
	}
	other := s.Token(t, "zhao.min")
	if st, _ := s.Do(t, other, "GET", "/api/v1/erp/finance/invoices/"+inv.ID, ""); st != http.StatusNotFound {
		t.Fatalf("another rep reads it: %d", st)
	}
	if st, _ := s.Do(t, rep, "POST", "/api/v1/erp/finance/payments", `{"customer_id":"`+acct.ID+`","date":"2026-03-21","amount":"1"}`); st != http.StatusForbidden {
		t.Fatalf("rep records a payment: %d", st)
	}
}

func reportScreens(t *testing.T, s *apptest.Server) {
	tok := s.Token(t, "huang.jing")
	for _, body := range []string{
		`{"date":"2026-04-01","post":true,"lines":[{"account":"1002","debit":"100000"},{"account":"3001","credit":"100000"}]}`,
		`{"date":"2026-04-10","post":true,"lines":[{"account":"1001","debit":"11300"},{"account":"5001","credit":"10000"},{"account":"22210102","credit":"1300"}]}`,
		`{"date":"2026-04-20","post":true,"lines":[{"account":"5602","debit":"800"},{"account":"1001","credit":"800"}]}`,
	} {
		if st, b := s.Do(t, tok, "POST", "/api/v1/erp/finance/entries", body); st != http.StatusCreated {
			t.Fatalf("entry: %d %s", st, b)
		}
	}
	c := s.Client(t, "huang.jing")
	for path, parts := range map[string][]string{
		"/erp/finance/reports/trial-balance?from=2026-04-01&to=2026-04-30&lang=zh-Hans":       {"科目余额表", `data-account="2221"`, "111,300.00"},
		"/erp/finance/reports/ledger?account=1001&from=2026-04-01&to=2026-04-30&lang=zh-Hans": {"明细账", "记-2026-04-0002", "10,500.00"},
		"/erp/finance/reports/income-statement?from=2026-04-01&to=2026-04-30&lang=zh-Hans":    {"利润表", `data-line="net_profit"`, "9,200.00"},
		"/erp/finance/reports/balance-sheet?date=2026-04-30&lang=zh-Hans":                     {"资产负债表", `data-balanced="true"`, "资产总计"},
		"/erp/finance/reports/ar-aging?date=2026-04-30&lang=zh-Hans":                          {"应收账龄分析"},
		"/erp/finance/reports?lang=zh-Hans":                                                   {"财务报表", "科目的每一笔已过账分录及其逐笔余额"},
	} {
		st, page := get(t, c, s.URL+path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		mustContain(t, path, page, parts...)
	}
	st, page := get(t, c, s.URL+"/erp/finance/reports/trial-balance?from=2026-04-31&to=2026-04-30")
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", st)
	}
	mustContain(t, "bad date", page, `data-field-error="from"`)
	resp, err := c.Get(s.URL + "/erp/finance/reports/balance-sheet?date=2026-04-30&format=xlsx")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b[:2]) != "PK" {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/trial-balance?from=2026-04-01&to=2026-04-30", "")
	if st != http.StatusOK || !strings.Contains(body, `"closing_debit":"111300.00"`) {
		t.Fatalf("API trial balance: %d %s", st, body)
	}
	st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/balance-sheet?date=2026-04-30", "")
	if st != http.StatusOK || !strings.Contains(body, `"balanced":true`) {
		t.Fatalf("API balance sheet: %d %s", st, body)
	}
	if st, _ := s.Do(t, s.Token(t, "li.lei"), "GET", "/api/v1/erp/finance/reports/balance-sheet?date=2026-04-30", ""); st != http.StatusForbidden {
		t.Fatalf("rep reads the balance sheet: %d", st)
	}
}
