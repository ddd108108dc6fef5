package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

var clock = time.Date(2026, 11, 15, 2, 0, 0, 0, time.UTC)

type env struct {
	t   *testing.T
	db  *db.DB
	l   *ledger.Service
	ar  *receivables.Service
	rp  *reports.Service
	ctx context.Context
}

func newEnv(t *testing.T, cfg db.Config) *env {
	t.Helper()
	d := loomtest.Open(t, cfg, "erp")
	ctx := context.Background()
	for _, m := range []func() error{
		func() error { return outbox.Migrate(ctx, d) },
		func() error { return audit.Migrate(ctx, d) },
		func() error { return d.Migrate(ctx, finance.Module, finance.Migrations()) },
	} {
		if err := m(); err != nil {
			t.Fatal(err)
		}
	}
	now := func() time.Time { return clock }
	l := ledger.New(d, now)
	if err := l.EnsureCompany(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: d, l: l, ar: receivables.New(l, nil, now), rp: reports.New(l), ctx: authz.WithPrincipal(ctx, authz.System())}
}

func amt(s string) money.Amount { return money.MustAmount(s) }

func (e *env) post(date string, kind string, lines ...ledger.LineInput) {
	e.t.Helper()
	if kind == finance.SourceOpening {
		var pl []finance.PostingLine
		for _, l := range lines {
			pl = append(pl, finance.PostingLine{Role: finance.RoleBank, Account: l.Account, Debit: l.Debit, Credit: l.Credit})
		}
		if _, err := e.l.Post(e.ctx, finance.Posting{SourceKind: kind, SourceID: "opening", Date: date, Lines: pl}); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	if _, err := e.l.CreateAndPost(e.ctx, ledger.EntryInput{Date: date, Memo: "t", Lines: lines}); err != nil {
		e.t.Fatal(err)
	}
}

func dr(code, a string) ledger.LineInput { return ledger.LineInput{Account: code, Debit: amt(a)} }
func cr(code, a string) ledger.LineInput { return ledger.LineInput{Account: code, Credit: amt(a)} }

func row(tb *reports.TrialBalance, code string) *reports.TBRow {
	for i := range tb.Rows {
		if tb.Rows[i].Account.Code == code {
			return &tb.Rows[i]
		}
	}
	return nil
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestStatements(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		// Opening balances the day before the books start, then a year's business.
		e.post("2025-12-31", finance.SourceOpening, dr("1002", "500000"), dr("1405", "80000"), cr("3001", "580000"))
		e.post("2026-01-10", "", dr("1001", "11300"), cr("5001", "10000"), cr("22210102", "1300"))
		e.post("2026-01-11", "", dr("5401", "6000"), cr("1405", "6000"))
		e.post("2026-01-20", "", dr("5602", "1000"), cr("1002", "1000"))
		e.post("2026-02-05", "", dr("5603", "50"), cr("1002", "50"))

		tb, err := e.rp.TrialBalance(e.ctx, reports.TBOptions{From: "2026-01-01", To: "2026-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		if tb.Total.OpeningDebit.String() != "580000.00" || tb.Total.OpeningCredit.String() != "580000.00" ||
			tb.Total.Debit.Cmp(tb.Total.Credit) != 0 || tb.Total.ClosingDebit.Cmp(tb.Total.ClosingCredit) != 0 {
			t.Fatalf("totals: %+v", tb.Total)
		}
		vat := row(tb, "2221")
		if vat == nil || vat.Credit.String() != "1300.00" || vat.ClosingCredit.String() != "1300.00" {
			t.Fatalf("2221 rolls up its sub-accounts: %+v", vat)
		}
		if r := row(tb, "1405"); r.OpeningDebit.String() != "80000.00" || r.Credit.String() != "6000.00" || r.ClosingDebit.String() != "74000.00" {
			t.Fatalf("1405: %+v", r)
		}
		if row(tb, "5603") != nil {
			t.Fatal("February's entry shows in January")
		}
		// A range that cuts periods reads lines for the cut days.
		mid, _ := e.rp.TrialBalance(e.ctx, reports.TBOptions{From: "2026-01-11", To: "2026-02-04"})
		if r := row(mid, "1002"); r.OpeningDebit.String() != "500000.00" || r.Credit.String() != "1000.00" {
			t.Fatalf("1002 mid-range: %+v", r)
		}
		if r := row(mid, "5001"); r.OpeningCredit.String() != "10000.00" || !r.Credit.IsZero() {
			t.Fatalf("5001 mid-range: %+v", r)
		}
		top, _ := e.rp.TrialBalance(e.ctx, reports.TBOptions{From: "2026-01-01", To: "2026-01-31", Level: 1})
		if row(top, "22210102") != nil || row(top, "2221") == nil {
			t.Fatal("level 1 shows sub-accounts")
		}

		is, err := e.rp.IncomeStatement(e.ctx, "2026-02-01", "2026-02-28")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]string{}
		for _, l := range is.Lines {
			got[l.Key] = [2]string{l.Amount.String(), l.Previous.String()}
		}
		if got["revenue"] != [2]string{"0.00", "10000.00"} || got["financial"] != [2]string{"50.00", "50.00"} ||
			got["operating_profit"] != [2]string{"-50.00", "2950.00"} || got["net_profit"] != [2]string{"-50.00", "2950.00"} {
			t.Fatalf("income statement: %v", got)
		}

		bs, err := e.rp.BalanceSheet(e.ctx, "2026-02-28")
		if err != nil {
			t.Fatal(err)
		}
		lines := map[string][2]string{}
		for _, l := range bs.Lines {
			lines[l.Key] = [2]string{l.Amount.String(), l.Previous.String()}
		}
		if !bs.Balanced || lines["total_assets"] != [2]string{"584250.00", "580000.00"} || lines["retained_earnings"] != [2]string{"2950.00", "0.00"} ||
			lines["taxes"][0] != "1300.00" || lines["inventory"][0] != "74000.00" || lines["total_liabilities_equity"][0] != "584250.00" {
			t.Fatalf("balance sheet: %v", lines)
		}

		led, err := e.rp.Ledger(e.ctx, reports.LedgerOptions{Account: "1002", From: "2026-01-01", To: "2026-02-28"})
		if err != nil {
			t.Fatal(err)
		}
		if led.Opening.String() != "500000.00" || len(led.Lines) != 2 || led.Lines[1].Balance.String() != "498950.00" || led.Closing.String() != "498950.00" {
			t.Fatalf("ledger: %+v", led)
		}
		// A credit-side account's balance reads positive on its side; a parent shows its children's lines.
		tax, _ := e.rp.Ledger(e.ctx, reports.LedgerOptions{Account: "2221", From: "2026-01-01", To: "2026-12-31"})
		if tax.Closing.String() != "1300.00" || len(tax.Lines) != 1 || tax.Lines[0].AccountCode != "22210102" {
			t.Fatalf("tax ledger: %+v", tax)
		}
		_, err = e.rp.Ledger(e.ctx, reports.LedgerOptions{Account: "9999", From: "2026-01-01", To: "2026-12-31"})
		if apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("unknown account: %v", err)
		}
		_, err = e.rp.TrialBalance(e.ctx, reports.TBOptions{From: "2026-02-01", To: "2026-01-01"})
		if e, ok := apperr.As(err); !ok || e.Fields[0].Field != "to" {
			t.Fatalf("reversed range: %v", err)
		}
		noReports := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "x", Perms: map[authz.Permission]bool{finance.PermEntryRead: true}})
		if _, err := e.rp.BalanceSheet(noReports, "2026-01-31"); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("without permission: %v", err)
		}

		// Every report exports to a workbook that opens again.
		for name, f := range map[string]func() ([]byte, error){
			"tb": func() ([]byte, error) { return tb.XLSX(i18n.ZH) }, "is": func() ([]byte, error) { return is.XLSX(i18n.EN) },
			"bs": func() ([]byte, error) { return bs.XLSX(i18n.ZH) }, "ledger": func() ([]byte, error) { return led.XLSX(i18n.ZH) },
		} {
			b, err := f()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			x, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rows, _ := x.GetRows(x.GetSheetList()[0], excelize.Options{RawCellValue: true})
			if len(rows) < 3 {
				t.Fatalf("%s: %d rows", name, len(rows))
			}
		}
	})
}

// TestTrialBalanceMatchesLines compares the trial balance, which reads
// balances for whole periods and lines only for cut ones, with sums of the
// lines themselves over random ranges, with drafts among the entries.
func TestTrialBalanceMatchesLines(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		rnd := rand.New(rand.NewPCG(7, 11))
		accts := []string{"1001", "1002", "1122", "1405", "220201", "5001", "5602"}
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for range 60 {
			d := start.AddDate(0, 0, rnd.IntN(120)).Format(db.DateLayout)
			a, b := accts[rnd.IntN(len(accts))], accts[rnd.IntN(len(accts))]
			if a == "1122" || b == "1122" || a == b {
				continue
			}
			v := fmt.Sprintf("%d.%02d", rnd.IntN(10000), rnd.IntN(100))
			if v == "0.00" {
				continue
			}
			if rnd.IntN(4) == 0 {
				// Drafts have lines too; the report must leave them out.
				if _, err := e.l.CreateDraft(e.ctx, ledger.EntryInput{Date: d, Memo: "draft", Lines: []ledger.LineInput{dr(a, v), cr(b, v)}}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			e.post(d, "", dr(a, v), cr(b, v))
		}
		for range 25 {
			f := start.AddDate(0, 0, rnd.IntN(120))
			to := f.AddDate(0, 0, rnd.IntN(60))
			from, till := f.Format(db.DateLayout), to.Format(db.DateLayout)
			tb, err := e.rp.TrialBalance(e.ctx, reports.TBOptions{From: from, To: till, Zero: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tb.Rows {
				if r.Account.HasChildren {
					continue
				}
				var d, c money.Amount
				if err := e.db.QueryRow(context.Background(), `SELECT COALESCE(sum(l.base_debit), 0), COALESCE(sum(l.base_credit), 0)
					FROM fin_line l JOIN fin_entry en ON en.id = l.entry_id
					WHERE en.status = 'posted' AND l.account_id = $1 AND l.date >= $2 AND l.date <= $3`, r.Account.ID, from, till).Scan(&d, &c); err != nil {
					t.Fatal(err)
				}
				if d.Cmp(r.Debit) != 0 || c.Cmp(r.Credit) != 0 {
					t.Fatalf("%s %s..%s: report %s/%s, lines %s/%s", r.Account.Code, from, till, r.Debit, r.Credit, d, c)
				}
			}
		}
	})
}

func TestAging(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		cust := "0196b2c4-0000-7000-8000-0000000000c1"
		if err := e.ar.ApplyAccount(e.ctx, receivables.Account{ID: cust, Code: "C001", Name: "宁波华翔", Status: "active"}); err != nil {
			t.Fatal(err)
		}
		inv := func(date, due, price string) *receivables.Invoice {
			i, err := e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: cust, Date: date, DueDate: due,
				Lines: []receivables.InvoiceLineInput{{Description: "壳体", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice(price), VATRate: ptr(money.MustRate("0"))}}})
			if err == nil {
				i, err = e.ar.PostInvoice(e.ctx, i.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			return i
		}
		inv("2026-05-01", "2026-05-31", "100")        // 168 days past due on 2026-11-15
		old := inv("2026-09-01", "2026-09-30", "200") // 46 days
		inv("2026-11-01", "2026-11-30", "400")        // not due
		if _, err := e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: cust, Date: "2026-11-10", Amount: amt("250"),
			Allocations: []receivables.AllocationInput{{InvoiceID: old.ID, Amount: amt("200")}}}); err != nil {
			t.Fatal(err)
		}
		a, err := e.rp.Aging(e.ctx, "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		r := a.Rows[0]
		if r.NotDue.String() != "400.00" || r.Overdue[3].String() != "100.00" || r.Overdue[1].String() != "0.00" ||
			r.Credits.String() != "-50.00" || r.Total.String() != "450.00" {
			t.Fatalf("aging now: %+v", r)
		}
		// Before the payment, the September invoice was open and 31–60 days late.
		before, _ := e.rp.Aging(e.ctx, "2026-11-09")
		r = before.Rows[0]
		if r.Overdue[1].String() != "200.00" || !r.Credits.IsZero() || r.Total.String() != "700.00" {
			t.Fatalf("aging before the payment: %+v", r)
		}
		if _, err := a.XLSX(i18n.ZH); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAgingMatchesItems compares the aging, which adds items up in SQL, with
// each open item converted and bucketed on its own: random items of several
// customers, kinds, currencies and due dates around every column's edge.
func TestAgingMatchesItems(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		rnd := rand.New(rand.NewPCG(3, 5))
		ctx := context.Background()
		day := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
		custs := []string{"0196b2c4-0000-7000-8000-0000000000a1", "0196b2c4-0000-7000-8000-0000000000a2", "0196b2c4-0000-7000-8000-0000000000a3"}
		for i, id := range custs {
			if err := e.ar.ApplyAccount(e.ctx, receivables.Account{ID: id, Code: fmt.Sprintf("A%03d", i), Name: fmt.Sprintf("客户%d", i), Status: "active"}); err != nil {
				t.Fatal(err)
			}
		}
		type sum struct {
			notDue, credits int64
			overdue         [5]int64
		}
		want := map[string]*sum{}
		edges := []int{-3, 0, 1, 29, 30, 31, 60, 61, 90, 91, 180, 181, 400}
		for n := range 300 {
			cust := custs[rnd.IntN(len(custs))]
			kind := []string{"invoice", "invoice", "invoice", "credit_note", "payment"}[rnd.IntN(5)]
			rate := money.MustRate("1")
			if rnd.IntN(3) == 0 {
				rate = money.MustRate("7.123457")
			}
			amount := int64(1 + rnd.IntN(99_999))
			open := amount - int64(rnd.IntN(int(amount)))*int64(rnd.IntN(2))
			if kind != "invoice" {
				amount, open = -amount, -open
			}
			due := day.AddDate(0, 0, -edges[rnd.IntN(len(edges))])
			if _, err := e.db.Exec(ctx, `INSERT INTO fin_ar_item (id, kind, customer_id, number, currency, rate, date, due_date, amount, open, contract_id)
				VALUES ($1, $2, $3, $4, 'CNY', $5, '2026-01-05', $6, $7, $8, '')`, fmt.Sprintf("0196b2c4-0000-7000-8000-%012d", n), kind, cust,
				fmt.Sprintf("T-%d", n), rate, due.Format(db.DateLayout), amount, open); err != nil {
				t.Fatal(err)
			}
			base, err := money.AmountFromUnits(open).MulRate(rate, money.RoundHalfUp)
			if err != nil {
				t.Fatal(err)
			}
			w := want[cust]
			if w == nil {
				w = &sum{}
				want[cust] = w
			}
			past := int(day.Sub(due).Hours() / 24)
			switch {
			case kind != "invoice" || base.Sign() < 0:
				w.credits += base.Units()
			case past <= 0:
				w.notDue += base.Units()
			default:
				b := slices.IndexFunc(reports.AgingBuckets, func(limit int) bool { return past <= limit })
				if b < 0 {
					b = 4
				}
				w.overdue[b] += base.Units()
			}
		}
		a, err := e.rp.Aging(e.ctx, day.Format(db.DateLayout))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Rows) != len(want) {
			t.Fatalf("%d rows, want %d", len(a.Rows), len(want))
		}
		for _, r := range a.Rows {
			w := want[r.CustomerID]
			if w == nil || r.NotDue.Units() != w.notDue || r.Credits.Units() != w.credits {
				t.Fatalf("%s: not due %s credits %s, want %+v", r.Code, r.NotDue, r.Credits, w)
			}
			for i, v := range r.Overdue {
				if v.Units() != w.overdue[i] {
					t.Fatalf("%s: column %d = %s, want %d fen", r.Code, i, v, w.overdue[i])
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }
