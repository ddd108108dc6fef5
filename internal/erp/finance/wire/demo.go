package wire

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// demo sets up the books of the demo company, 华东精密压铸有限公司: its bank
// accounts, a dollar rate, opening balances, a year of overheads, invoices
// to the CRM's customers with payments, a credit note and fapiao, credit
// terms, and the closed months. Scale above 1 adds 1,000 journal entries per
// step, for benchmarks.
func demo(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	l, ok1 := env.Services.Lookup(finance.ServiceName).(*ledger.Service)
	ar, ok2 := env.Services.Lookup(finance.CreditServiceName).(*receivables.Service)
	if !ok1 || !ok2 {
		return fmt.Errorf("finance demo: the finance module is not wired")
	}
	c, err := l.Company(ctx)
	if err != nil {
		return err
	}
	if _, err := l.UpdateCompany(ctx, ledger.CompanyInput{Name: "华东精密压铸有限公司", TaxID: "91320583MA1W8Y3K2C",
		BaseCurrency: c.BaseCurrency, TimeZone: c.TimeZone, FYStartMonth: c.FYStartMonth, BooksStart: c.BooksStart, Version: c.Version}); err != nil {
		return err
	}
	for _, a := range []ledger.AccountInput{
		{Code: "100201", NameZH: "工商银行苏州工业园区支行", NameEN: "ICBC Suzhou Industrial Park", Active: true},
		{Code: "100202", NameZH: "中国银行美元户", NameEN: "Bank of China USD account", Currency: "USD", Active: true},
	} {
		if _, err := l.CreateAccount(ctx, a); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Code, err)
		}
	}
	start := c.BooksStart
	today := l.Today(ctx)
	if _, err := l.SetRate(ctx, "USD", start, money.MustRate("7.1")); err != nil {
		return err
	}

	// Opening balances, the day before the books start.
	opening := []struct {
		code          string
		debit, credit string
	}{
		{"1001", "20000", ""}, {"100201", "2850000", ""}, {"1403", "420000", ""}, {"1405", "680000", ""},
		{"1601", "5600000", ""}, {"1602", "", "1250000"}, {"2001", "", "1000000"}, {"2211", "", "180000"},
		{"222102", "", "65000"}, {"3001", "", "5000000"}, {"3104", "", "2075000"},
	}
	var lines []finance.PostingLine
	for _, o := range opening {
		pl := finance.PostingLine{Role: finance.RoleBank, Account: o.code, Memo: "期初余额"}
		if o.debit != "" {
			pl.Debit = money.MustAmount(o.debit)
		} else {
			pl.Credit = money.MustAmount(o.credit)
		}
		lines = append(lines, pl)
	}
	sd, _ := time.Parse(db.DateLayout, start)
	if _, err := l.Post(ctx, finance.Posting{SourceKind: finance.SourceOpening, SourceID: "demo-opening",
		Date: sd.AddDate(0, 0, -1).Format(db.DateLayout), Memo: "期初余额 Opening balances", Lines: lines}); err != nil {
		return fmt.Errorf("demo opening balances: %w", err)
	}

	// Each month so far: salaries accrued and paid, rent and utilities.
	td, _ := time.Parse(db.DateLayout, today)
	months := 0
	for m := sd; !m.After(td); m = m.AddDate(0, 1, 0) {
		months++
		day := func(d int) string {
			x := time.Date(m.Year(), m.Month(), d, 0, 0, 0, 0, time.UTC)
			if x.After(td) {
				return today
			}
			return x.Format(db.DateLayout)
		}
		for _, e := range []ledger.EntryInput{
			{Date: day(5), Memo: "支付上月工资", Attachments: 2, Lines: []ledger.LineInput{
				{Account: "2211", Debit: money.MustAmount("180000")}, {Account: "100201", Credit: money.MustAmount("180000")}}},
			{Date: day(10), Memo: "支付厂房租金及水电费", Attachments: 3, Lines: []ledger.LineInput{
				{Account: "4101", Debit: money.MustAmount("46000"), Memo: "车间租金水电"},
				{Account: "5602", Debit: money.MustAmount("8500"), Memo: "办公室租金水电"},
				{Account: "100201", Credit: money.MustAmount("54500")}}},
			{Date: day(28), Memo: "计提本月工资", Attachments: 1, Lines: []ledger.LineInput{
				{Account: "4001", Debit: money.MustAmount("126000"), Memo: "生产工人工资"},
				{Account: "5601", Debit: money.MustAmount("22000"), Memo: "销售人员工资"},
				{Account: "5602", Debit: money.MustAmount("32000"), Memo: "管理人员工资"},
				{Account: "2211", Credit: money.MustAmount("180000")}}},
		} {
			if _, err := l.CreateAndPost(ctx, e); err != nil {
				return fmt.Errorf("demo entry %s: %w", e.Memo, err)
			}
		}
	}

	// Invoices to the ERP's customers, paid in full, in part and over.
	if _, err := ar.SyncDirectory(ctx); err != nil {
		return err
	}
	cs, err := ar.Customers(ctx, receivables.CustomerFilter{Limit: 6})
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		for i, a := range []receivables.Account{
			{Code: "C900001", Name: "宁波华翔汽车零部件有限公司", TaxID: "91330200MA2AXXXX1X"},
			{Code: "C900002", Name: "苏州精锐机械有限公司", TaxID: "91320500MA1NXXXX2Y"},
			{Code: "C900003", Name: "上海德嘉电气有限公司", TaxID: "91310115MA1HXXXX3Z"},
		} {
			a.ID, a.Currency, a.Status = fmt.Sprintf("0196b2c4-0000-7000-8000-00000000d00%d", i+1), "CNY", "active"
			if err := ar.ApplyAccount(ctx, a); err != nil {
				return err
			}
		}
		if cs, err = ar.Customers(ctx, receivables.CustomerFilter{Limit: 6}); err != nil {
			return err
		}
	}
	ago := func(days int) string {
		d := td.AddDate(0, 0, -days).Format(db.DateLayout)
		if d < start {
			return start
		}
		return d
	}
	line := func(desc, spec, qty, price string) receivables.InvoiceLineInput {
		return receivables.InvoiceLineInput{Description: desc, Spec: spec, UoM: "件", TaxCode: "1090315010000000000",
			Quantity: money.MustQuantity(qty), UnitPrice: money.MustUnitPrice(price)}
	}
	invoiceCount := 0
	for i, cust := range cs {
		if i >= 5 {
			break
		}
		var invs []*receivables.Invoice
		for k, days := range []int{75, 40, 12} {
			inv, err := ar.CreateInvoice(ctx, receivables.InvoiceInput{CustomerID: cust.ID, Date: ago(days),
				SONumber: fmt.Sprintf("SO-%d-%06d", td.Year(), 100+i*3+k), Lines: []receivables.InvoiceLineInput{
					line("ADC12 压铸壳体", "HX-"+strconv.Itoa(2200+i*10+k), strconv.Itoa(400+i*120+k*50), "86.5"),
					line("CNC 精加工费", "", strconv.Itoa(400+i*120+k*50), "12.8"),
				}})
			if err != nil {
				return fmt.Errorf("demo invoice: %w", err)
			}
			if inv, err = ar.PostInvoice(ctx, inv.ID); err != nil {
				return fmt.Errorf("demo invoice: %w", err)
			}
			invs = append(invs, inv)
			invoiceCount++
		}
		if _, err := ar.RecordFapiao(ctx, invs[0].ID, receivables.FapiaoInput{Type: receivables.FapiaoESpecial,
			Number: fmt.Sprintf("2632200000%010d", 1000+i), Date: invs[0].Date}); err != nil {
			return fmt.Errorf("demo fapiao: %w", err)
		}
		pay := func(amount money.Amount, date string, allocs ...receivables.AllocationInput) error {
			_, err := ar.ReceivePayment(ctx, receivables.PaymentInput{CustomerID: cust.ID, Date: date, Amount: amount,
				Reference: fmt.Sprintf("ICBC%s%04d", date[:4]+date[5:7]+date[8:], i), Allocations: allocs})
			return err
		}
		switch i % 3 {
		case 0: // pays the oldest in full, and half of the next
			half := money.AmountFromUnits(invs[1].Gross.Units() / 2)
			total, _ := invs[0].Gross.Add(half)
			err = pay(total, ago(8), receivables.AllocationInput{InvoiceID: invs[0].ID, Amount: invs[0].Gross},
				receivables.AllocationInput{InvoiceID: invs[1].ID, Amount: half})
		case 1: // pays the oldest and sends 20,000 more, kept as an advance
			over, _ := invs[0].Gross.Add(money.MustAmount("20000"))
			err = pay(over, ago(20), receivables.AllocationInput{InvoiceID: invs[0].ID, Amount: invs[0].Gross})
		case 2: // pays nothing yet: its oldest invoice is overdue
		}
		if err != nil {
			return fmt.Errorf("demo payment: %w", err)
		}
		if i == 0 {
			cn, err := ar.CreateCreditNote(ctx, receivables.CreditNoteInput{CreditOf: invs[2].ID, Date: ago(5), Memo: "退货 10 件（气孔）",
				Lines: []receivables.InvoiceLineInput{line("ADC12 压铸壳体", "HX-2202", "10", "86.5")}})
			if err == nil {
				_, err = ar.PostInvoice(ctx, cn.ID)
			}
			if err != nil {
				return fmt.Errorf("demo credit note: %w", err)
			}
		}
		cust, err := ar.Customer(ctx, cust.ID)
		if err != nil {
			return err
		}
		terms := receivables.TermsInput{PaymentDays: 30 + 15*(i%3), HasLimit: true, CreditLimit: money.MustAmount("300000"),
			BankAccount: "中国工商银行宁波分行 3901 1100 0900 0" + strconv.Itoa(12345+i), Version: cust.Version}
		if i == 2 {
			terms.CreditLimit = money.MustAmount("100000")
		}
		if _, err := ar.SetTerms(ctx, cust.ID, terms); err != nil {
			return fmt.Errorf("demo terms: %w", err)
		}
	}

	// Benchmark-sized data: more overhead entries through the group path.
	extra := 0
	for s := 1; s < scale; s++ {
		ps := make([]finance.Posting, 0, 1000)
		for k := range 1000 {
			v := money.AmountFromUnits(int64(10_000 + k*37%900_000))
			ps = append(ps, finance.Posting{SourceKind: finance.SourceAdjustment, SourceID: fmt.Sprintf("demo-scale-%d-%d", s, k),
				Date: ago(k % 300), Memo: "库存盘点差异", Lines: []finance.PostingLine{
					{Role: finance.RoleAdjustment, Debit: v}, {Role: finance.RoleInventory, Credit: v}}})
		}
		for len(ps) > 0 {
			n := min(len(ps), 50)
			if _, err := l.PostBatch(ctx, ps[:n]); err != nil {
				return err
			}
			ps, extra = ps[n:], extra+n
		}
	}

	// Close the months that are done: all but the last two.
	closed := 0
	for m := sd; m.AddDate(0, 2, 0).Before(time.Date(td.Year(), td.Month(), 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		if _, err := l.ClosePeriod(ctx, m.Format("2006-01")); err != nil {
			return fmt.Errorf("demo close %s: %w", m.Format("2006-01"), err)
		}
		closed++
	}
	if err := demoBank(ctx, l, ar); err != nil {
		return err
	}
	fmt.Fprintf(log, "demo: finance: %d months of entries, %d invoices for %d customers, %d periods closed, %d extra entries\n",
		months, invoiceCount, min(len(cs), 5), closed, extra)
	return nil
}
