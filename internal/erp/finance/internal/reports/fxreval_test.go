package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

func TestFXRevaluation(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		payables.New(e.l, nil, func() time.Time { return clock })
		const (
			customer = "0196b2c4-0000-7000-8000-0000000000c9"
			supplier = "0196b2c4-0000-7000-8000-0000000000s9"
		)
		for _, r := range []struct{ cur, date, rate string }{{"USD", "2026-10-01", "7"}, {"USD", "2026-10-31", "7.1234"}} {
			if _, err := e.l.SetRate(e.ctx, r.cur, r.date, money.MustRate(r.rate)); err != nil {
				t.Fatal(err)
			}
		}
		// Receivable USD 1,130.00 at 7 = 7,910.00 (revenue accounts take the base currency only, so the
		// test books the foreign receivable against 2203, which takes any currency).
		post := func(id, date, cur, partner string, rate money.Rate, a string) {
			t.Helper()
			if _, err := e.l.Post(e.ctx, finance.Posting{SourceKind: finance.SourceInvoice, SourceID: id, Date: date, Currency: cur, Rate: rate,
				PartnerKind: "customer", PartnerID: partner,
				Lines: []finance.PostingLine{{Role: finance.RoleAR, Debit: amt(a)}, {Role: finance.RoleAdvance, Credit: amt(a)}}}); err != nil {
				t.Fatal(err)
			}
		}
		post("0196b2c4-0000-7000-8000-0000000000e1", "2026-10-10", "USD", customer, money.Rate{}, "1130")
		// Payable USD 500.00 at 7 = 3,500.00.
		if err := e.db.InTx(e.ctx, func(ctx context.Context) error {
			_, err := e.l.Post(ctx, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: "0196b2c4-0000-7000-8000-0000000000b9",
				Date: "2026-10-12", Currency: "USD", PartnerKind: "supplier", PartnerID: supplier,
				Lines: []finance.PostingLine{{Role: finance.RoleGRNI, Account: "1123", Debit: amt("500")}, {Role: finance.RoleAP, Credit: amt("500")}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Bank USD 200.00 at 7 = 1,400.00.
		if _, err := e.l.CreateAndPost(e.ctx, ledger.EntryInput{Date: "2026-10-15", Memo: "advance", Lines: []ledger.LineInput{
			{Account: "1002", Currency: "USD", Debit: amt("200")}, {Account: "2203", Currency: "USD", Credit: amt("200")}}}); err != nil {
			t.Fatal(err)
		}
		// A euro receivable at an agreed rate, with no euro rate in the books: refused naming the currency.
		post("0196b2c4-0000-7000-8000-0000000000e2", "2026-10-20", "EUR", "0196b2c4-0000-7000-8000-0000000000c8", money.MustRate("7.8"), "100")
		_, err := e.l.RevalueFX(e.ctx, "2026-10")
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindInvalid || ae.Fields[0].Field != "currency" || ae.Fields[0].Params["Currency"] != "EUR" {
			t.Fatalf("no EUR rate: %v", err)
		}
		if _, err := e.l.SetRate(e.ctx, "EUR", "2026-10-20", money.MustRate("7.8")); err != nil {
			t.Fatal(err)
		}
		pv, err := e.l.FXRevalPreview(e.ctx, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		// AR 1130 × 7.1234 = 8049.44 (+139.44); AP −500 × 7.1234 = −3561.70 (−61.70); bank 200 × 7.1234 = 1424.68 (+24.68); EUR unchanged.
		want := map[string]string{"1122": "139.44", "220202": "-61.70", "1002": "24.68"}
		if len(pv.Lines) != 3 || pv.Gain.String() != "102.42" || pv.Account != "5603" || pv.Posted {
			t.Fatalf("preview: %+v", pv)
		}
		for _, l := range pv.Lines {
			if want[l.AccountCode] != l.Difference.String() {
				t.Fatalf("%s: difference %s, want %s (%+v)", l.AccountCode, l.Difference, want[l.AccountCode], l)
			}
		}
		r, err := e.l.RevalueFX(e.ctx, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		if r.EntryID == "" || r.ReversalID == "" || r.ReversalDate != "2026-11-01" {
			t.Fatalf("revaluation: %+v", r)
		}
		if _, err := e.l.RevalueFX(e.ctx, "2026-10"); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("second revaluation: %v", err)
		}
		// October shows the gain in financial expenses; November takes it back.
		for _, c := range []struct{ from, to, want string }{{"2026-10-01", "2026-10-31", "-102.42"}, {"2026-11-01", "2026-11-30", "102.42"}} {
			is, err := e.rp.IncomeStatement(e.ctx, c.from, c.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := lineOf(is.Lines, "financial").Amount.String(); got != c.want {
				t.Fatalf("%s: financial expenses %s, want %s", c.from, got, c.want)
			}
		}
		// The receivables at 10-31 in base: 7910 + 139.44 + 780 (EUR); after the reversal 8690 again.
		for _, c := range []struct{ date, want string }{{"2026-10-31", "8829.44"}, {"2026-11-01", "8690.00"}} {
			var b money.Amount
			if err := e.db.QueryRow(e.ctx, `SELECT sum(l.base_debit) - sum(l.base_credit) FROM fin_line l JOIN fin_account a ON a.id = l.account_id
				WHERE a.code = '1122' AND l.date <= $1`, c.date).Scan(&b); err != nil || b.String() != c.want {
				t.Fatalf("1122 at %s: %s %v", c.date, b, err)
			}
		}
		bs, err := e.rp.BalanceSheet(e.ctx, "2026-10-31")
		if err != nil || !bs.Balanced {
			t.Fatalf("balance sheet: %v", err)
		}
		for _, c := range append(ledger.Checkers(), payables.Checkers()...) {
			vs, err := c.Run(context.Background(), e.db)
			if err != nil || len(vs) > 0 {
				t.Fatalf("%s: %v %v", c.Name, vs, err)
			}
		}
	})
}
