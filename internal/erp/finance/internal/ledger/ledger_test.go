package ledger_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultBooks(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		c, err := e.svc.Company(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseCurrency != "CNY" || c.TimeZone != "Asia/Shanghai" || c.BooksStart != "2026-01-01" || c.ChartTemplate != "cn_small" {
			t.Fatalf("defaults: %+v", c)
		}
		for code, want := range map[string]string{"1122": "应收账款", "22210102": "销项税额", "220201": "暂估应付账款", "5401": "主营业务成本"} {
			a, err := e.svc.Account(e.ctx, code)
			if err != nil || a.NameZH != want {
				t.Fatalf("account %s: %+v %v", code, a, err)
			}
		}
		vat, _ := e.svc.Account(e.ctx, "222101")
		input, _ := e.svc.Account(e.ctx, "22210101")
		if input.ParentID != vat.ID || input.Level != 3 || input.NormalBalance != "debit" || !vat.HasChildren {
			t.Fatalf("VAT sub-accounts: %+v %+v", vat, input)
		}
		if _, err := e.svc.Company(as("nobody")); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("company without permission: %v", err)
		}
	})
}

func TestManualEntryLifecycle(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		clerk := as("huang.jing", finance.PermEntryRead, finance.PermEntryWrite, finance.PermEntryPost, finance.PermAccountRead)
		d, err := e.svc.CreateDraft(clerk, ledger.EntryInput{Date: "2026-11-03", Memo: "提现", Attachments: 1,
			Lines: []ledger.LineInput{line("1001", "500.00", ""), line("1002", "", "500.00")}})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != ledger.StatusDraft || d.Number != "" || d.Period != "2026-11" || len(d.Lines) != 2 || d.Total.String() != "500.00" {
			t.Fatalf("draft: %+v", d)
		}
		// Drafts do not count in balances.
		if n := e.count(`SELECT count(*) FROM fin_balance`); n != 0 {
			t.Fatalf("balances of a draft: %d", n)
		}
		d, err = e.svc.UpdateDraft(clerk, d.ID, ledger.EntryInput{Date: "2026-11-04", Memo: "提现备用金", Version: d.Version,
			Lines: []ledger.LineInput{line("1001", "800.00", ""), line("1002", "", "800.00")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UpdateDraft(clerk, d.ID, ledger.EntryInput{Date: "2026-11-04", Version: d.Version - 1,
			Lines: []ledger.LineInput{line("1001", "1.00", ""), line("1002", "", "1.00")}}); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("stale update: %v", err)
		}
		p, err := e.svc.PostDraft(clerk, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != ledger.StatusPosted || p.Number != "记-2026-11-0001" || p.ChainSeq != 1 || p.Hash == "" || p.PrevHash != ledger.Genesis {
			t.Fatalf("posted: %+v", p)
		}
		if _, err := e.svc.PostDraft(clerk, d.ID); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("post twice: %v", err)
		}
		if _, err := e.svc.UpdateDraft(clerk, d.ID, ledger.EntryInput{Date: "2026-11-04", Version: p.Version,
			Lines: []ledger.LineInput{line("1001", "1.00", ""), line("1002", "", "1.00")}}); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("update posted: %v", err)
		}
		if err := e.svc.DeleteDraft(clerk, d.ID, p.Version); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("delete posted: %v", err)
		}
		second := e.mustPost("2026-11-20", line("5602", "120.00", ""), line("1001", "", "120.00"))
		if second.Number != "记-2026-11-0002" || second.PrevHash != p.Hash {
			t.Fatalf("second: %+v", second)
		}
		// The accountant may not reverse; the manager may.
		if _, err := e.svc.ReverseEntry(clerk, p.ID, "", ""); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("reverse without permission: %v", err)
		}
		manager := as("xu.ming", finance.PermEntryRead, finance.PermEntryReverse)
		r, err := e.svc.ReverseEntry(manager, p.ID, "2026-11-25", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.ReversalOf != p.ID || r.Number != "记-2026-11-0003" || r.Lines[0].Credit.String() != "800.00" || r.Memo != "Reversal of 记-2026-11-0001" {
			t.Fatalf("reversal: %+v", r)
		}
		orig, _ := e.svc.Entry(clerk, p.ID)
		if orig.ReversedBy != r.ID {
			t.Fatalf("reversed_by: %q", orig.ReversedBy)
		}
		if _, err := e.svc.ReverseEntry(manager, p.ID, "2026-11-25", ""); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("reverse twice: %v", err)
		}
		if _, err := e.svc.ReverseEntry(manager, r.ID, "2026-11-25", ""); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("reverse a reversal: %v", err)
		}
		// Cash: +800 −120 −800.
		var dr, cr money.Amount
		if err := e.db.QueryRow(context.Background(), `SELECT b.debit, b.credit FROM fin_balance b JOIN fin_account a ON a.id = b.account_id
			WHERE a.code = '1001'`).Scan(&dr, &cr); err != nil {
			t.Fatal(err)
		}
		if dr.String() != "800.00" || cr.String() != "920.00" {
			t.Fatalf("cash balance: %s %s", dr, cr)
		}
		page, err := e.svc.Entries(clerk, ledger.EntryFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != 2 || page.Next == "" || page.Entries[0].ID != r.ID {
			t.Fatalf("page 1: %+v", page)
		}
		page2, err := e.svc.Entries(clerk, ledger.EntryFilter{Limit: 2, Cursor: page.Next})
		if err != nil {
			t.Fatal(err)
		}
		if len(page2.Entries) != 1 || page2.Next != "" || page2.Entries[0].ID != p.ID {
			t.Fatalf("page 2: %+v", page2)
		}
		found, _ := e.svc.Entries(clerk, ledger.EntryFilter{Query: "备用金"})
		if len(found.Entries) != 1 || found.Entries[0].ID != p.ID {
			t.Fatalf("search: %+v", found)
		}
		e.mustCheck()
	})
}

func TestBadEntriesWriteNothing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		cases := []struct {
			name       string
			in         ledger.EntryInput
			field, key string
		}{
			{"unbalanced", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("1001", "10.00", ""), line("1002", "", "9.99")}}, "lines", "fin.error.unbalanced"},
			{"unknown account", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("9999", "10.00", ""), line("1002", "", "10.00")}}, "lines[0].account", "fin.error.account_unknown"},
			{"parent account", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("2221", "10.00", ""), line("1002", "", "10.00")}}, "lines[0].account", "fin.error.account_not_leaf"},
			{"control account", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("1122", "10.00", ""), line("1002", "", "10.00")}}, "lines[0].account", "fin.error.account_control"},
			{"both sides", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("1001", "10.00", "10.00"), line("1002", "", "10.00")}}, "lines[0].credit", "fin.error.line_one_side"},
			{"negative", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("1001", "-10.00", ""), line("1002", "", "10.00")}}, "lines[0].debit", "fin.error.line_negative"},
			{"one line", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{line("1001", "10.00", "")}}, "lines", "fin.error.lines_required"},
			{"bad date", ledger.EntryInput{Date: "2026-13-03", Lines: []ledger.LineInput{line("1001", "10.00", ""), line("1002", "", "10.00")}}, "date", "fin.error.date_invalid"},
			{"before books", ledger.EntryInput{Date: "2025-12-31", Lines: []ledger.LineInput{line("1001", "10.00", ""), line("1002", "", "10.00")}}, "date", "fin.error.before_books_start"},
			{"no rate", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{{Account: "1002", Currency: "USD", Debit: amt("10.00")}, {Account: "1002", Currency: "USD", Credit: amt("10.00")}}}, "lines[0].currency", "fin.error.rate_missing"},
			{"base-only account in USD", ledger.EntryInput{Date: "2026-11-03", Lines: []ledger.LineInput{{Account: "1001", Currency: "USD", Debit: amt("10.00"), Rate: money.MustRate("7.1")}, {Account: "1002", Currency: "USD", Credit: amt("10.00")}}}, "lines[0].currency", "fin.error.account_currency_line"},
		}
		for _, c := range cases {
			_, err := e.svc.CreateAndPost(e.ctx, c.in)
			wantField(t, err, c.field, c.key)
		}
		if n := e.count(`SELECT count(*) FROM fin_entry`); n != 0 {
			t.Fatalf("%d entries written", n)
		}
		if n := e.count(`SELECT count(*) FROM fin_line`) + e.count(`SELECT count(*) FROM fin_balance`); n != 0 {
			t.Fatalf("%d lines or balances written", n)
		}
		if n := e.count(`SELECT count(*) FROM audit_log WHERE action LIKE 'fin.entry%'`); n != 0 {
			t.Fatalf("%d audit records", n)
		}
	})
}

func TestForeignCurrency(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		if _, err := e.svc.SetRate(e.ctx, "USD", "2026-11-01", money.MustRate("7.123456")); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.SetRate(e.ctx, "CNY", "2026-11-01", money.MustRate("1"))
		wantField(t, err, "currency", "fin.error.rate_base")
		_, err = e.svc.SetRate(e.ctx, "USD", "2026-11-01", money.MustRate("0"))
		wantField(t, err, "rate", "fin.error.rate_invalid")
		// USD bank in: three credit lines whose base amounts must still balance.
		en := e.mustPost("2026-11-10",
			ledger.LineInput{Account: "1002", Currency: "USD", Debit: amt("100.01")},
			ledger.LineInput{Account: "2241", Currency: "CNY", Debit: amt("1.00")},
			ledger.LineInput{Account: "2203", Currency: "USD", Credit: amt("33.33")},
			ledger.LineInput{Account: "2203", Currency: "USD", Credit: amt("33.34")},
			ledger.LineInput{Account: "2203", Currency: "USD", Credit: amt("33.34")},
			ledger.LineInput{Account: "1001", Currency: "CNY", Credit: amt("1.00")},
		)
		var bd, bc int64
		for _, l := range en.Lines {
			bd += l.BaseDebit.Units()
			bc += l.BaseCredit.Units()
			if l.Currency == "USD" && l.Rate.String() != "7.123456" {
				t.Fatalf("rate: %+v", l)
			}
		}
		if bd != bc || money.AmountFromUnits(bd).String() != "713.42" {
			t.Fatalf("base %d %d", bd, bc)
		}
		if en.Total.String() != "713.42" {
			t.Fatalf("total %s", en.Total)
		}
		e.mustCheck()
	})
}

func TestPosterAndRules(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		ctx := context.Background() // the poster checks no permission: the document's service did
		receipt := finance.Posting{SourceKind: finance.SourceReceipt, SourceID: "rcpt-1", SourceNumber: "GRN-2026-000001",
			Date: "2026-11-05", Currency: "CNY", PartnerKind: "supplier", PartnerID: "sup-1",
			Lines: []finance.PostingLine{
				{Role: finance.RoleInventory, ItemCategory: "cat-al", Warehouse: "wh-1", Debit: amt("1000.00")},
				{Role: finance.RoleInventory, ItemCategory: "cat-al", Warehouse: "wh-1", Debit: amt("234.56")},
				{Role: finance.RoleGRNI, Credit: amt("1234.56")},
			}}
		var id string
		err := e.db.InTx(ctx, func(ctx context.Context) error {
			var err error
			id, err = e.svc.Post(ctx, receipt)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		en, _ := e.svc.Entry(e.ctx, id)
		if len(en.Lines) != 2 || en.Lines[0].AccountCode != "1405" || en.Lines[0].Debit.String() != "1234.56" ||
			en.Lines[1].AccountCode != "220201" || en.SourceNumber != "GRN-2026-000001" || en.Number != "记-2026-11-0001" {
			t.Fatalf("receipt entry: %+v", en)
		}
		again, err := e.svc.Post(ctx, receipt)
		if err != nil || again != id {
			t.Fatalf("repeat: %s %v", again, err)
		}
		// A rule by item category sends aluminium to raw materials.
		if _, err := e.svc.CreateRule(e.ctx, ledger.RuleInput{Role: finance.RoleInventory, ItemCategory: "cat-al", AccountID: "1403"}); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.CreateRule(e.ctx, ledger.RuleInput{Role: finance.RoleInventory, ItemCategory: "cat-al", AccountID: "1403"})
		wantField(t, err, "role", "fin.error.rule_taken")
		_, err = e.svc.CreateRule(e.ctx, ledger.RuleInput{Role: "bogus", AccountID: "1403"})
		wantField(t, err, "role", "fin.error.role_unknown")
		_, err = e.svc.CreateRule(e.ctx, ledger.RuleInput{Role: finance.RoleScrap, Warehouse: "wh-9", AccountID: "2221"})
		wantField(t, err, "account_id", "fin.error.account_not_leaf")
		receipt.SourceID = "rcpt-2"
		id2, err := e.svc.Post(ctx, receipt)
		if err != nil {
			t.Fatal(err)
		}
		en2, _ := e.svc.Entry(e.ctx, id2)
		if en2.Lines[0].AccountCode != "1403" {
			t.Fatalf("rule by category: %+v", en2.Lines)
		}
		// A shipment: cost of goods sold against inventory.
		ship := finance.Posting{SourceKind: finance.SourceShipment, SourceID: "shp-1", Date: "2026-11-06",
			Lines: []finance.PostingLine{{Role: finance.RoleCOGS, Debit: amt("300.00")}, {Role: finance.RoleInventory, Credit: amt("300.00")}}}
		id3, err := e.svc.Post(ctx, ship)
		if err != nil {
			t.Fatal(err)
		}
		en3, _ := e.svc.Entry(e.ctx, id3)
		if en3.Lines[0].AccountCode != "5401" || en3.Lines[1].AccountCode != "1405" {
			t.Fatalf("shipment: %+v", en3.Lines)
		}
		// Bad postings name the field and write nothing.
		before := e.count(`SELECT count(*) FROM fin_entry`)
		bad := ship
		bad.SourceID = "shp-2"
		bad.Lines = []finance.PostingLine{{Role: finance.RoleCOGS, Debit: amt("300.00")}, {Role: finance.RoleInventory, Credit: amt("299.99")}}
		_, err = e.svc.Post(ctx, bad)
		wantField(t, err, "lines", "fin.error.unbalanced")
		bad.Lines = []finance.PostingLine{{Role: "bogus", Debit: amt("1.00")}, {Role: finance.RoleInventory, Credit: amt("1.00")}}
		_, err = e.svc.Post(ctx, bad)
		wantField(t, err, "lines[0].role", "fin.error.rule_missing")
		bad.Lines = ship.Lines
		bad.Currency = "USD"
		_, err = e.svc.Post(ctx, bad)
		wantField(t, err, "currency", "fin.error.rate_missing")
		bad.Currency, bad.SourceKind = "CNY", "fin.manual"
		_, err = e.svc.Post(ctx, bad)
		wantField(t, err, "source_kind", "fin.error.source_unknown")
		if after := e.count(`SELECT count(*) FROM fin_entry`); after != before {
			t.Fatalf("bad postings wrote %d entries", after-before)
		}
		// Document entries are corrected through their documents.
		manager := as("xu.ming", finance.PermEntryRead, finance.PermEntryReverse)
		if _, err := e.svc.ReverseEntry(manager, id3, "", ""); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("reverse a document's entry: %v", err)
		}
		rid, err := e.svc.ReverseSource(ctx, finance.SourceShipment, "shp-1", "2026-11-07", "shipment cancelled")
		if err != nil {
			t.Fatal(err)
		}
		rid2, err := e.svc.ReverseSource(ctx, finance.SourceShipment, "shp-1", "2026-11-07", "")
		if err != nil || rid2 != rid {
			t.Fatalf("reverse source twice: %s %s %v", rid, rid2, err)
		}
		e.mustCheck()
	})
}

func TestPeriods(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.mustPost("2026-01-15", line("1001", "100.00", ""), line("3001", "", "100.00"))
		manager := as("xu.ming", finance.PermPeriodManage, finance.PermEntryRead)
		_, err := e.svc.ClosePeriod(manager, "2026-02")
		if apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("close with an earlier period open: %v", err)
		}
		if _, err := e.svc.ClosePeriod(manager, "2026-01"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ClosePeriod(manager, "2026-01"); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("close twice: %v", err)
		}
		_, err = e.svc.CreateAndPost(e.ctx, ledger.EntryInput{Date: "2026-01-31", Lines: []ledger.LineInput{line("1001", "1.00", ""), line("3001", "", "1.00")}})
		wantField(t, err, "date", "fin.error.period_closed")
		// Locking needs the period closed; a locked period never reopens.
		if _, err := e.svc.LockPeriod(manager, "2026-01"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ReopenPeriod(manager, "2026-01"); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("reopen locked: %v", err)
		}
		_, err = e.svc.CreateAndPost(e.ctx, ledger.EntryInput{Date: "2026-01-31", Lines: []ledger.LineInput{line("1001", "1.00", ""), line("3001", "", "1.00")}})
		wantField(t, err, "date", "fin.error.period_locked")
		if _, err := e.svc.ClosePeriod(manager, "2026-02"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ReopenPeriod(manager, "2026-02"); err != nil {
			t.Fatal(err)
		}
		// A draft holds a period open.
		if _, err := e.svc.CreateDraft(e.ctx, ledger.EntryInput{Date: "2026-02-10", Lines: []ledger.LineInput{line("1001", "1.00", ""), line("3001", "", "1.00")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ClosePeriod(manager, "2026-02"); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("close with a draft: %v", err)
		}
		ps, err := e.svc.Periods(manager, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 12 || ps[0].Status != ledger.PeriodLocked || ps[0].Posted != 1 || ps[1].Drafts != 1 || ps[1].Status != ledger.PeriodOpen {
			t.Fatalf("periods: %+v", ps[:2])
		}
		if _, err := e.svc.ClosePeriod(as("huang.jing", finance.PermEntryRead), "2026-02"); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("close without permission: %v", err)
		}
	})
}

func TestPostedRowsAreImmutable(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		en := e.mustPost("2026-11-03", line("1001", "100.00", ""), line("3001", "", "100.00"))
		ctx := context.Background()
		for _, q := range []string{
			`UPDATE fin_entry SET memo = 'changed' WHERE id = $1`,
			`DELETE FROM fin_entry WHERE id = $1`,
			`UPDATE fin_line SET debit = 1 WHERE entry_id = $1`,
			`DELETE FROM fin_line WHERE entry_id = $1`,
			`INSERT INTO fin_line (entry_id, line_no, account_id, currency, debit, credit, rate, base_debit, base_credit,
				partner_kind, partner_id, memo, date) SELECT entry_id, 9, account_id, currency, debit, credit, rate, base_debit,
				base_credit, partner_kind, partner_id, memo, date FROM fin_line WHERE entry_id = $1 AND line_no = 1`,
		} {
			_, err := e.db.Exec(ctx, q, en.ID)
			if err == nil || !db.IsCheckViolation(err) {
				t.Fatalf("%s: want refusal, got %v", strings.Fields(q)[0], err)
			}
		}
		_, err := e.db.Exec(ctx, `INSERT INTO fin_entry (id, journal_id, status, date, period, source_kind, source_id,
			source_number, partner_kind, partner_id, memo, attachments, total, created_at, created_by, updated_at, version)
			SELECT $1, journal_id, 'posted', date, period, 'fin.manual', $1, '', '', '', '', 0, 0, 0, '', 0, 1 FROM fin_entry WHERE id = $2`,
			db.NewID(), en.ID)
		if err == nil || !db.IsCheckViolation(err) {
			t.Fatalf("insert as posted: %v", err)
		}
		e.mustCheck()
	})
}

func TestTamperingIsDetected(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		e.mustPost("2026-11-03", line("1001", "100.00", ""), line("3001", "", "100.00"))
		en := e.mustPost("2026-11-04", line("5602", "30.00", ""), line("1001", "", "30.00"))
		e.mustPost("2026-11-05", line("5602", "20.00", ""), line("1001", "", "20.00"))
		e.mustCheck()
		ctx := context.Background()
		// Someone with database access switches off the guard and edits a line.
		if cfg.Engine == db.SQLite {
			mustExec(t, e.db, `DROP TRIGGER fin_line_posted_no_update`)
		} else {
			mustExec(t, e.db, `ALTER TABLE fin_line DISABLE TRIGGER fin_line_guard`)
		}
		mustExec(t, e.db, `UPDATE fin_line SET debit = 300000, base_debit = 300000 WHERE entry_id = $1 AND line_no = 1`, en.ID)
		if vs := e.violations("fin.hash_chain"); len(vs) != 1 || !strings.Contains(vs[0].Detail, "hash") {
			t.Fatalf("chain after tampering: %v", vs)
		}
		if vs := e.violations("fin.entries_balance"); len(vs) == 0 {
			t.Fatal("unbalanced entry not found")
		}
		if vs := e.violations("fin.account_balances"); len(vs) == 0 {
			t.Fatal("balance mismatch not found")
		}
		_ = ctx
	})
}

func mustExec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
