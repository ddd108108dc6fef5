package reports_test

import (
	"context"
	"sync"
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

func lineOf(s []reports.StatementLine, key string) reports.StatementLine {
	for _, l := range s {
		if l.Key == key {
			return l
		}
	}
	return reports.StatementLine{}
}

func TestYearEndClose(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.post("2025-12-31", finance.SourceOpening, dr("1002", "5000"), cr("3001", "5000"))
		e.post("2026-03-10", "", dr("1002", "11300.00"), cr("5001", "10000.00"), cr("22210102", "1300.00"))
		e.post("2026-03-20", "", dr("5401", "6000.40"), cr("1405", "6000.40"))
		e.post("2026-06-30", "", dr("5602", "1234.56"), cr("1002", "1234.56"))
		e.post("2026-07-01", "", dr("5603", "15.00"), cr("1002", "15.00"))
		// Profit: 10000 − 6000.40 − 1234.56 − 15 = 2750.04.
		before, err := e.rp.BalanceSheet(e.ctx, "2026-12-31")
		if err != nil || !before.Balanced {
			t.Fatalf("balance sheet before: %+v %v", before, err)
		}
		pv, err := e.l.YearClosePreview(e.ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Profit.String() != "2750.04" || pv.Transfer.String() != "2750.04" || pv.Closed || len(pv.OpenPeriods) != 12 ||
			pv.ProfitCode != "3103" || pv.Retained != "3104" || len(pv.Lines) != 5 || len(pv.Transfers) != 2 {
			t.Fatalf("preview: %+v", pv)
		}
		// Open periods: refused unless the manager confirms; nothing written.
		mgr := ctxAs("xu.ming", finance.PermYearClose)
		_, err = e.l.CloseYear(mgr, 2026, false)
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.KindInvalid || ae.Fields[0].Field != "force" {
			t.Fatalf("open periods: %v", err)
		}
		var n int64
		if err := e.db.QueryRow(e.ctx, `SELECT count(*) FROM fin_entry WHERE source_kind = $1`, ledger.SourceYearClose).Scan(&n); err != nil || n != 0 {
			t.Fatalf("entries written: %d %v", n, err)
		}
		if _, err := e.l.CloseYear(ctxAs("huang.jing", finance.PermReportRead), 2026, true); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("accountant closes the year: %v", err)
		}
		// Close the months, then the year: it posts into the closed December.
		for _, p := range []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"} {
			if _, err := e.l.ClosePeriod(e.ctx, p); err != nil {
				t.Fatalf("close %s: %v", p, err)
			}
		}
		// Two managers at once: one closes the year, the other is refused.
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			ok, confl int
		)
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.l.CloseYear(mgr, 2026, false)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.KindOf(err) == apperr.KindConflict:
					confl++
				default:
					t.Errorf("close: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || confl != 4 {
			t.Fatalf("%d closes succeeded, %d refused", ok, confl)
		}
		tb, err := e.rp.TrialBalance(e.ctx, reports.TBOptions{From: "2026-01-01", To: "2026-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"5001", "5401", "5602", "5603", "3103"} {
			if r := row(tb, code); r != nil && (!r.ClosingDebit.IsZero() || !r.ClosingCredit.IsZero()) {
				t.Fatalf("%s not closed: %+v", code, r)
			}
		}
		if r := row(tb, "3104"); r == nil || r.ClosingCredit.String() != "2750.04" {
			t.Fatalf("3104: %+v", r)
		}
		after, err := e.rp.BalanceSheet(e.ctx, "2026-12-31")
		if err != nil || !after.Balanced {
			t.Fatalf("balance sheet after: %+v %v", after, err)
		}
		if a, b := lineOf(after.Lines, "retained_earnings").Amount, lineOf(before.Lines, "retained_earnings").Amount; a.String() != "2750.04" || a.Cmp(b) != 0 {
			t.Fatalf("retained earnings %s, before %s", a, b)
		}
		// The income statement still shows the year's profit.
		is, err := e.rp.IncomeStatement(e.ctx, "2026-01-01", "2026-12-31")
		if err != nil {
			t.Fatal(err)
		}
		if got := is.Lines[len(is.Lines)-1].Amount.String(); got != "2750.04" {
			t.Fatalf("net profit after the close: %s", got)
		}
		if pv, err = e.l.YearClosePreview(e.ctx, 2026); err != nil || !pv.Closed {
			t.Fatalf("preview after: %+v %v", pv, err)
		}
		if _, err := e.l.CloseYear(mgr, 2026, true); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("second close: %v", err)
		}
		// A manual entry still cannot post into the closed December.
		if _, err := e.l.CreateAndPost(e.ctx, ledger.EntryInput{Date: "2026-12-31", Memo: "late", Lines: []ledger.LineInput{dr("5602", "1"), cr("1002", "1")}}); apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("late entry: %v", err)
		}
		for _, c := range ledger.Checkers() {
			vs, err := c.Run(context.Background(), e.db)
			if err != nil || len(vs) > 0 {
				t.Fatalf("%s: %v %v", c.Name, vs, err)
			}
		}
	})
}

func ctxAs(login string, perms ...authz.Permission) context.Context {
	p := &authz.Principal{UserID: "u-" + login, Login: login, Perms: map[authz.Permission]bool{}}
	for _, perm := range perms {
		p.Perms[perm] = true
	}
	return authz.WithPrincipal(context.Background(), p)
}
