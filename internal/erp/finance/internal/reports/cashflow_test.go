package reports_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func cashFlowItem(cf *reports.CashFlow, item string) money.Amount {
	for _, a := range cf.Activities {
		for _, r := range a.Rows {
			if r.Item == item {
				return r.Amount
			}
		}
	}
	return money.Amount{}
}

// TestCashFlow posts a month of cash movements of every kind and checks
// each line of the direct cash-flow statement, and that its net equals
// the change in cash and bank balances.
func TestCashFlow(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.post("2025-12-31", finance.SourceOpening, dr("1002", "500000"), dr("1001", "2000"), cr("3001", "502000"))
		e.post("2026-10-10", "", dr("1002", "7000"), cr("5001", "7000")) // before the range
		const customer = "0196b2c4-0000-7000-8000-0000000000c1"
		if err := e.ar.ApplyAccount(e.ctx, receivables.Account{ID: customer, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", Status: "active"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: customer, Date: "2026-11-02", Amount: amt("113000")}); err != nil {
			t.Fatal(err)
		}
		e.post("2026-11-03", "", dr("2211", "30000"), cr("1002", "30000"))                 // wages
		e.post("2026-11-04", "", dr("22210104", "5000"), cr("1002", "5000"))               // VAT paid
		e.post("2026-11-05", "", dr("5603", "12.50"), cr("1002", "12.50"))                 // bank charges
		e.post("2026-11-06", "", dr("1601", "20000"), cr("1002", "20000"))                 // a machine
		e.post("2026-11-07", "", dr("1002", "100000"), cr("2001", "100000"))               // a loan
		e.post("2026-11-08", "", dr("1001", "1000"), cr("1002", "1000"))                   // to the till: no flow
		e.post("2026-11-09", "", dr("5602", "300"), dr("1601", "700"), cr("1002", "1000")) // one payment, two uses

		cf, err := e.rp.CashFlowStatement(e.ctx, "2026-11-01", "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		for item, want := range map[string]string{"op_in_sales": "113000", "op_out_wages": "30000", "op_out_taxes": "5000",
			"op_out_other": "312.50", "inv_out_assets": "20700", "fin_in_borrowings": "100000", "op_in_other": "0"} {
			if got := cashFlowItem(cf, item); got.Cmp(amt(want)) != 0 {
				t.Errorf("%s: got %s, want %s", item, got, want)
			}
		}
		if cf.Opening.Cmp(amt("509000")) != 0 || cf.Net.Cmp(amt("156987.50")) != 0 || cf.Closing.Cmp(amt("665987.50")) != 0 || !cf.Reconciles {
			t.Fatalf("totals: opening %s net %s closing %s reconciles %v", cf.Opening, cf.Net, cf.Closing, cf.Reconciles)
		}
		if a := cf.Activities[0]; a.Activity != reports.ActivityOperating || a.Net.Cmp(amt("77687.50")) != 0 {
			t.Fatalf("operating: %+v", a)
		}
		// Drilling down to the entries behind a line.
		lines, err := e.rp.CashFlowDetail(e.ctx, "2026-11-01", "2026-11-15", "inv_out_assets")
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 2 || lines[0].Date != "2026-11-06" || lines[0].Amount.Cmp(amt("-20000")) != 0 || lines[0].EntryID == "" || lines[1].Amount.Cmp(amt("-700")) != 0 {
			t.Fatalf("detail: %+v", lines)
		}
		// A rule sends bank charges to interest; bad rules are refused naming the field.
		if _, err := e.rp.SaveCashFlowRule(e.ctx, reports.CashFlowRule{AccountPrefix: "56a", Direction: "sideways", Item: "nothing"}); err == nil {
			t.Fatal("a bad rule was saved")
		} else if e, ok := apperr.As(err); !ok || len(e.Fields) != 3 {
			t.Fatalf("bad rule: %v", err)
		}
		if _, err := e.rp.SaveCashFlowRule(e.ctx, reports.CashFlowRule{AccountPrefix: "5603", Direction: "in", Item: "fin_out_interest"}); err == nil {
			t.Fatal("an outflow line for money in was saved")
		}
		r, err := e.rp.SaveCashFlowRule(e.ctx, reports.CashFlowRule{AccountPrefix: "5603", Direction: "out", Item: "fin_out_interest"})
		if err != nil {
			t.Fatal(err)
		}
		cf, err = e.rp.CashFlowStatement(e.ctx, "2026-11-01", "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		if got := cashFlowItem(cf, "fin_out_interest"); got.Cmp(amt("12.50")) != 0 || !cf.Reconciles {
			t.Fatalf("after the rule: interest %s, reconciles %v", got, cf.Reconciles)
		}
		if err := e.rp.DeleteCashFlowRule(e.ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.rp.CashFlowStatement(e.ctx, "2026-11-15", "2026-11-01"); err == nil {
			t.Fatal("a range ending before it starts was accepted")
		}
		if _, err := e.rp.CashFlowStatement(asUser(finance.PermInvoiceRead), "2026-11-01", "2026-11-15"); apperr.Status(err) != 403 {
			t.Fatalf("without the report permission: %v", err)
		}
		x, err := cf.XLSX(i18n.ZH)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(x))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		if len(rows) < 5 || rows[1][0] != "一、经营活动产生的现金流量" || rows[2][0] != "销售产成品、商品、提供劳务收到的现金" {
			t.Fatalf("workbook: %v", rows)
		}
	})
}

// asUser acts as a user with only the given permissions.
func asUser(perms ...authz.Permission) context.Context {
	p := &authz.Principal{UserID: "li.lei", Login: "li.lei", Perms: map[authz.Permission]bool{}}
	for _, perm := range perms {
		p.Perms[perm] = true
	}
	return authz.WithPrincipal(context.Background(), p)
}
