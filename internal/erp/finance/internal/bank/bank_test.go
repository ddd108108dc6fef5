package bank_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/bank"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

var clock = time.Date(2026, 11, 15, 2, 0, 0, 0, time.UTC)

const (
	ningbo = "0196b2c4-0000-7000-8000-0000000000c1"
	suzhou = "0196b2c4-0000-7000-8000-0000000000c2"
)

type env struct {
	t   *testing.T
	db  *db.DB
	l   *ledger.Service
	ar  *receivables.Service
	bk  *bank.Service
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
	ar := receivables.New(l, nil, now)
	e := &env{t: t, db: d, l: l, ar: ar, bk: bank.New(l, ar, now), ctx: as("huang.jing", finance.PermBankRead, finance.PermBankManage,
		finance.PermBankReconcile, finance.PermPaymentRead, finance.PermPaymentWrite, finance.PermEntryPost, finance.PermEntryWrite,
		finance.PermInvoiceWrite, finance.PermInvoicePost, finance.PermInvoiceRead)}
	sys := authz.WithPrincipal(ctx, authz.System())
	for _, a := range []receivables.Account{
		{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", Status: "active"},
		{ID: suzhou, Code: "C002", Name: "苏州精锐机械有限公司", Currency: "CNY", Status: "active"},
	} {
		if err := ar.ApplyAccount(sys, a); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func as(user string, perms ...authz.Permission) context.Context {
	p := &authz.Principal{UserID: user, Login: user, Perms: map[authz.Permission]bool{}, Scopes: map[string]authz.Scope{authz.AllKinds: authz.ScopeCompany}}
	for _, perm := range perms {
		p.Perms[perm] = true
	}
	return authz.WithPrincipal(context.Background(), p)
}

func amt(s string) money.Amount { return money.MustAmount(s) }

// count returns the rows of a table.
func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// fields returns the bad fields of an invalid-input error, failing otherwise.
func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.KindInvalid {
		t.Fatalf("want an invalid-input error, got %v", err)
	}
	out := map[string]string{}
	for _, f := range ae.Fields {
		out[f.Field] = f.Key
	}
	return out
}

func (e *env) account() *bank.BankAccount {
	e.t.Helper()
	a, err := e.bk.CreateAccount(e.ctx, bank.AccountInput{Name: "工行基本户", Bank: "工商银行苏州工业园区支行", Number: "1102 0201 0900 1234 567",
		Currency: "CNY", Account: "1002"})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) check() {
	e.t.Helper()
	cs := append(ledger.Checkers(), receivables.Checkers()...)
	for _, c := range append(cs, bank.Checker()) {
		vs, err := c.Run(context.Background(), e.db)
		if err != nil {
			e.t.Fatalf("%s: %v", c.Name, err)
		}
		for _, v := range vs {
			e.t.Errorf("%s: %s", c.Name, v)
		}
	}
}

func TestBankAccounts(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		_, err := e.bk.CreateAccount(e.ctx, bank.AccountInput{Number: "12", Currency: "XXX", Account: "1122"})
		got := fields(t, err)
		for f, key := range map[string]string{"name": "fin.error.required", "bank": "fin.error.required", "number": "fin.bank.error.number_invalid",
			"currency": "fin.error.currency_unknown", "account": "fin.bank.error.ledger_account"} {
			if got[f] != key {
				t.Errorf("field %s: got %q, want %q (all: %v)", f, got[f], key, got)
			}
		}
		if n := e.count("fin_bank_account"); n != 0 {
			t.Fatalf("a refused account was written: %d", n)
		}
		a := e.account()
		if a.AccountCode != "1002" || a.Number != "1102 0201 0900 1234 567" || a.Masked {
			t.Fatalf("account: %+v", a)
		}
		_, err = e.bk.CreateAccount(e.ctx, bank.AccountInput{Name: "又一个", Bank: "工行", Number: a.Number, Currency: "CNY", Account: "1002"})
		if got := fields(t, err); got["number"] != "fin.bank.error.number_taken" || got["account"] != "fin.bank.error.ledger_taken" {
			t.Fatalf("a second account on the same number and ledger account: %v", got)
		}
		// A sales rep sees the account with its number masked.
		rep := as("li.lei", finance.PermBankRead)
		seen, err := e.bk.Account(rep, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !seen.Masked || seen.Number != "****4567" {
			t.Fatalf("masked number: %q", seen.Number)
		}
		if _, err := e.bk.CreateAccount(rep, bank.AccountInput{}); apperr.Status(err) != 403 {
			t.Fatalf("a sales rep adds a bank account: %v", err)
		}
		up, err := e.bk.UpdateAccount(e.ctx, a.ID, bank.AccountInput{Name: "工行基本户（新）", Bank: a.Bank, Number: a.Number, Currency: "CNY",
			Account: "1002", Active: true, Version: a.Version})
		if err != nil || up.Name != "工行基本户（新）" || up.Version != a.Version+1 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := e.bk.UpdateAccount(e.ctx, a.ID, bank.AccountInput{Name: "x", Bank: a.Bank, Number: a.Number, Currency: "CNY",
			Account: "1002", Active: true, Version: a.Version}); apperr.Status(err) != 409 {
			t.Fatalf("a stale update: %v", err)
		}
	})
}

// statementCSV is a bank export: a title row, the header, lines and a totals row.
const statementCSV = `账号:1102020109001234567,户名:华东精密压铸有限公司
交易日期,摘要,对方户名,对方账号,收入,支出,余额,流水号
2026-11-02,货款 INV-2026-000001,宁波华翔汽车零部件有限公司,3301 0001,"113,000.00",,"613,000.00",S0001
2026/11/03,手续费,,,,12.50,612987.50,S0002
2026-11-04,货款,苏州精锐机械有限公司,3201 0002,5000,,617987.50,S0003
合计,,,,118000.00,12.50,,
`

func TestStatementImportCSV(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		a := e.account()
		// Bad rows: a date that is no date, an amount that is no amount,
		// both sides on one row and a balance that does not follow.
		bad := strings.NewReplacer("2026/11/03", "11月3日", "5000,,617987.50", "5000,,617987.51").Replace(statementCSV) +
			"2026-11-05,退款,苏州精锐机械有限公司,,abc,,,S0004\n2026-11-05,冲正,,,1,1,,S0005\n"
		p, err := e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(bad)})
		if err != nil {
			t.Fatal(err)
		}
		type cell struct {
			row   int
			field string
		}
		want := map[cell]string{{4, "date"}: "fin.bank.error.date", {5, "balance"}: "fin.bank.error.balance_break",
			{7, "in"}: "fin.bank.error.amount", {8, "in"}: "fin.bank.error.amount_both"}
		if len(p.Errors) != len(want) {
			t.Fatalf("errors: %+v", p.Errors)
		}
		for _, re := range p.Errors {
			if want[cell{re.Row, re.Field}] != re.Key || re.Column == "" || re.Message == "" {
				t.Errorf("unexpected error %+v", re)
			}
		}
		_, err = e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(bad)})
		if got := fields(t, err); got["rows[4].date"] != "fin.bank.error.date" || got["rows[7].in"] != "fin.bank.error.amount" {
			t.Fatalf("import of bad rows: %v", got)
		}
		if n := e.count("fin_bank_line"); n != 0 {
			t.Fatalf("a refused import wrote %d lines", n)
		}
		// The good file imports its three lines and skips the totals row.
		r, err := e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(statementCSV)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Imported != 3 || len(r.Duplicates) != 0 {
			t.Fatalf("import: %+v", r)
		}
		lines, err := e.bk.Lines(e.ctx, bank.LineFilter{BankAccountID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 3 || lines[1].Amount.Cmp(amt("-12.50")) != 0 || lines[1].Date != "2026-11-03" ||
			lines[2].Amount.Cmp(amt("113000")) != 0 || lines[2].Balance == nil || lines[2].Balance.Cmp(amt("613000")) != 0 {
			t.Fatalf("lines: %+v", lines)
		}
		// The same statement again with one more line: the three are
		// skipped by serial, a line without serial by date, amount and
		// counterparty.
		again := statementCSV + "2026-11-06,货款,苏州精锐机械有限公司,,800,,618787.50,\n"
		r, err = e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(again)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Imported != 1 || len(r.Duplicates) != 3 || r.Duplicates[0].Duplicate != "serial" {
			t.Fatalf("second import: %+v", r)
		}
		r, err = e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(again)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Imported != 0 || len(r.Duplicates) != 4 || r.Duplicates[3].Duplicate != "same" {
			t.Fatalf("third import: %+v", r)
		}
		if n := e.count("fin_bank_line"); n != 4 {
			t.Fatalf("lines: %d", n)
		}
		// Unknown mapping, missing columns, empty files.
		_, err = e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(statementCSV), Mapping: map[string]string{"date": "记账日"}})
		if got := fields(t, err); got["mapping.date"] != "fin.bank.error.column_missing" {
			t.Fatalf("a mapping to a missing column: %v", got)
		}
		_, err = e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: a.ID})
		if got := fields(t, err); got["file"] != "fin.bank.error.file" {
			t.Fatalf("no file: %v", got)
		}
		_, err = e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: db.NewID(), Data: []byte(statementCSV)})
		if got := fields(t, err); got["bank_account_id"] != "fin.bank.error.account_unknown" {
			t.Fatalf("unknown account: %v", got)
		}
		if _, err := e.bk.Import(as("li.lei", finance.PermBankRead), bank.ImportInput{BankAccountID: a.ID, Data: []byte(statementCSV)}); apperr.Status(err) != 403 {
			t.Fatalf("import without permission: %v", err)
		}
		e.check()
	})
}

// xlsx writes rows as a workbook.
func xlsx(t *testing.T, rows [][]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStatementImportExcel(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		a := e.account()
		// A bank that names its columns its own way, newest line first,
		// with one signed amount column: the mapping step names them.
		head := []any{"记账日", "附言", "对方单位名称", "发生额", "账户余额", "交易流水"}
		mapping := map[string]string{"date": "记账日", "summary": "附言", "counterparty": "对方单位名称", "amount": "发生额",
			"balance": "账户余额", "serial": "交易流水"}
		good := xlsx(t, [][]any{head,
			{"2026-11-10", "电费", "国网苏州供电公司", "-2300.00", "97700.00", "X3"},
			{"2026-11-09", "货款", "宁波华翔汽车零部件有限公司", "60000", "100000.00", "X2"},
			{"2026-11-08", "货款", "苏州精锐机械有限公司", "40000.00", "40000.00", "X1"},
		})
		if _, err := e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: good}); err == nil {
			t.Fatal("a file without the usual headers was read without a mapping")
		}
		bad := xlsx(t, [][]any{head,
			{"2026-11-09", "货款", "宁波华翔汽车零部件有限公司", "6万", "100000.00", "X2"},
			{"2026-11-08", "货款", "苏州精锐机械有限公司", "40000.001", "40000.00", "X1"},
		})
		_, err := e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: bad, Mapping: mapping})
		if got := fields(t, err); got["rows[2].amount"] != "fin.bank.error.amount" || got["rows[3].amount"] != "fin.bank.error.amount" {
			t.Fatalf("bad amounts: %v", got)
		}
		if n := e.count("fin_bank_line"); n != 0 {
			t.Fatalf("a refused import wrote %d lines", n)
		}
		p, err := e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: good, Mapping: mapping})
		if err != nil {
			t.Fatal(err)
		}
		if p.New != 3 || len(p.Errors) != 0 || p.Rows[0].Serial != "X1" {
			t.Fatalf("preview: %+v", p)
		}
		r, err := e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: good, Mapping: mapping})
		if err != nil || r.Imported != 3 {
			t.Fatalf("import: %+v %v", r, err)
		}
		// A later statement whose first balance does not follow on is refused.
		next := xlsx(t, [][]any{head, {"2026-11-11", "货款", "苏州精锐机械有限公司", "100", "99999.00", "X4"}})
		_, err = e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: next, Mapping: mapping})
		if got := fields(t, err); got["rows[2].balance"] != "fin.bank.error.balance_break" {
			t.Fatalf("balance break: %v", got)
		}
		// The template reads back as an empty statement with every column found.
		tpl, err := bank.Template("xlsx")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.bk.PreviewImport(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: tpl})
		if got := fields(t, err); got["file"] != "fin.bank.error.no_rows" {
			t.Fatalf("empty template: %v", got)
		}
		e.check()
	})
}

// invoice posts an invoice of one line at 0% VAT and returns it.
func (e *env) invoice(customer, date, price, contract string) *receivables.Invoice {
	e.t.Helper()
	zero := money.MustRate("0")
	inv, err := e.ar.CreateInvoice(e.ctx, receivables.InvoiceInput{CustomerID: customer, Date: date, ContractID: contract,
		Lines: []receivables.InvoiceLineInput{{Description: "压铸壳体", Quantity: money.MustQuantity("1"), UnitPrice: money.MustUnitPrice(price), VATRate: &zero}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if inv, err = e.ar.PostInvoice(e.ctx, inv.ID); err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func TestMatchAndReconcile(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		a := e.account()
		inv := e.invoice(ningbo, "2026-11-01", "113000", "")
		other := e.invoice(suzhou, "2026-11-01", "5000", "")
		csv := strings.Replace(statementCSV, "INV-2026-000001", inv.Number, 1)
		if _, err := e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(csv)}); err != nil {
			t.Fatal(err)
		}
		lines, err := e.bk.Lines(e.ctx, bank.LineFilter{BankAccountID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		in, fee, small := lines[2], lines[1], lines[0]
		sg, err := e.bk.Suggest(e.ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg) == 0 || sg[0].InvoiceID != inv.ID || strings.Join(sg[0].Reasons, ",") != "amount,name,reference" {
			t.Fatalf("suggestions: %+v", sg)
		}
		// A receipt for an outgoing line, or one that over-applies, is refused; nothing is written.
		if _, err := e.bk.Match(e.ctx, fee.ID, bank.MatchInput{Action: bank.ActionReceipt, CustomerID: ningbo}); fields(t, err)["action"] != "fin.bank.error.line_direction" {
			t.Fatalf("receipt of an outgoing line: %v", err)
		}
		_, err = e.bk.Match(e.ctx, in.ID, bank.MatchInput{Action: bank.ActionReceipt, CustomerID: ningbo,
			Allocations: []receivables.AllocationInput{{InvoiceID: other.ID, Amount: amt("5000")}}})
		if fields(t, err)["allocations[0].invoice_id"] != "fin.error.allocation_customer" {
			t.Fatalf("allocation to another customer's invoice: %v", err)
		}
		if n := e.count("fin_payment"); n != 0 {
			t.Fatalf("a refused match wrote %d payments", n)
		}
		// Confirming the suggestion records the receipt, applied to the invoice.
		m, err := e.bk.Match(e.ctx, in.ID, bank.MatchInput{Action: bank.ActionReceipt, CustomerID: sg[0].CustomerID,
			Allocations: []receivables.AllocationInput{{InvoiceID: sg[0].InvoiceID, Amount: in.Amount}}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != "matched" || m.PaymentID == "" || m.EntryID == "" {
			t.Fatalf("matched line: %+v", m)
		}
		p, err := e.ar.Payment(e.ctx, m.PaymentID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Amount.Cmp(amt("113000")) != 0 || p.Date != "2026-11-02" || p.Unallocated.Sign() != 0 || p.Reference != "S0001" {
			t.Fatalf("payment: %+v", p)
		}
		entry, err := e.l.Entry(authz.WithPrincipal(context.Background(), authz.System()), m.EntryID)
		if err != nil {
			t.Fatal(err)
		}
		var dr, cr money.Amount
		for _, l := range entry.Lines {
			dr, _ = dr.Add(l.BaseDebit)
			cr, _ = cr.Add(l.BaseCredit)
		}
		if dr.Cmp(cr) != 0 || dr.Cmp(amt("113000")) != 0 {
			t.Fatalf("entry does not balance: %s / %s", dr, cr)
		}
		if _, err := e.bk.Match(e.ctx, in.ID, bank.MatchInput{Action: bank.ActionPayment, PaymentID: p.ID}); apperr.Status(err) != 409 {
			t.Fatalf("matching a matched line again: %v", err)
		}
		// The fee is posted against 5603 财务费用 by hand.
		if _, err := e.bk.Match(e.ctx, fee.ID, bank.MatchInput{Action: bank.ActionJournal, Account: "1122"}); fields(t, err)["account"] != "fin.bank.error.counter_account" {
			t.Fatalf("a journal against the receivables: %v", err)
		}
		if _, err := e.bk.Match(e.ctx, fee.ID, bank.MatchInput{Action: bank.ActionJournal, Account: "5603"}); err != nil {
			t.Fatal(err)
		}
		// A receipt recorded before the statement arrived is matched to its line.
		rec, err := e.ar.ReceivePayment(e.ctx, receivables.PaymentInput{CustomerID: suzhou, Date: "2026-11-04", Amount: amt("5000"), BankAccount: "1002",
			Allocations: []receivables.AllocationInput{{InvoiceID: other.ID, Amount: amt("5000")}}})
		if err != nil {
			t.Fatal(err)
		}
		sg, err = e.bk.Suggest(e.ctx, small.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg) == 0 || sg[0].Kind != "payment" || sg[0].PaymentID != rec.ID {
			t.Fatalf("suggestions for a recorded receipt: %+v", sg)
		}
		rc, err := e.bk.Reconcile(e.ctx, a.ID, "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		if len(rc.UnmatchedBank) != 1 || len(rc.UnmatchedBooks) != 1 || rc.UnmatchedBooks[0].Amount.Cmp(amt("5000")) != 0 {
			t.Fatalf("reconciliation before the last match: %+v", rc)
		}
		if _, err := e.bk.Match(e.ctx, small.ID, bank.MatchInput{Action: bank.ActionPayment, PaymentID: rec.ID}); err != nil {
			t.Fatal(err)
		}
		rc, err = e.bk.Reconcile(e.ctx, a.ID, "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		// The statement starts from an opening balance of 500,000 the books
		// do not have; everything else is matched.
		if len(rc.UnmatchedBank) != 0 || len(rc.UnmatchedBooks) != 0 || rc.LedgerBalance.Cmp(amt("117987.50")) != 0 ||
			rc.StatementBalance.Cmp(amt("617987.50")) != 0 || rc.Difference.Cmp(amt("500000")) != 0 {
			t.Fatalf("reconciliation: %+v", rc)
		}
		e.check()
	})
}

// TestMatchRace has many people confirm the same statement line at once:
// exactly one receipt is recorded, the others are told the line is matched.
func TestMatchRace(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		a := e.account()
		inv := e.invoice(ningbo, "2026-11-01", "113000", "")
		if _, err := e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(statementCSV)}); err != nil {
			t.Fatal(err)
		}
		lines, err := e.bk.Lines(e.ctx, bank.LineFilter{BankAccountID: a.ID, Status: "unmatched"})
		if err != nil {
			t.Fatal(err)
		}
		line := lines[2]
		const n = 12
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.bk.Match(e.ctx, line.ID, bank.MatchInput{Action: bank.ActionReceipt, CustomerID: ningbo,
					Allocations: []receivables.AllocationInput{{InvoiceID: inv.ID, Amount: amt("113000")}}})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case apperr.Status(err) == 409 || apperr.Status(err) == 422:
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 || e.count("fin_payment") != 1 {
			t.Fatalf("%d matches won, %d payments", won, e.count("fin_payment"))
		}
		e.check()
	})
}

// payAP records supplier payments through the payables, as the finance
// module wires them.
type payAP struct{ ap *payables.Service }

func (p payAP) PayFromStatement(ctx context.Context, in bank.SupplierPayment) (string, string, error) {
	pin := payables.PaymentInput{SupplierID: in.SupplierID, Date: in.Date, Currency: in.Currency, Amount: in.Amount,
		BankAccount: in.BankAccount, Reference: in.Reference, Memo: in.Memo}
	if in.BillID != "" {
		pin.Allocations = []payables.AllocationInput{{ItemID: in.BillID, Amount: in.Allocate}}
	}
	pay, err := p.ap.Pay(ctx, pin)
	if err != nil {
		return "", "", err
	}
	return pay.ID, pay.EntryID, nil
}

// TestSupplierPaymentFromStatement pays a supplier's bill from an outgoing
// statement line that names it.
func TestSupplierPaymentFromStatement(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		ap := payables.New(e.l, nil, func() time.Time { return clock })
		e.bk.SetSupplierPayments(payAP{ap})
		a := e.account()
		const supplier = "0196b2c4-0000-7000-8000-0000000000s1"
		sys := authz.WithPrincipal(context.Background(), authz.System())
		if _, err := e.l.Post(sys, finance.Posting{SourceKind: finance.SourceSupplierBill, SourceID: db.NewID(), SourceNumber: "FP-8841",
			Date: "2026-11-01", Currency: "CNY", PartnerKind: "supplier", PartnerID: supplier,
			Lines: []finance.PostingLine{{Role: finance.RoleGRNI, Debit: amt("5000")}, {Role: finance.RoleAP, Credit: amt("5000")}}}); err != nil {
			t.Fatal(err)
		}
		csv := "交易日期,摘要,对方户名,对方账号,收入,支出,余额,流水号\n2026-11-10,付货款 FP-8841,苏州铝业有限公司,,,5000.00,,P1\n"
		if _, err := e.bk.Import(e.ctx, bank.ImportInput{BankAccountID: a.ID, Data: []byte(csv)}); err != nil {
			t.Fatal(err)
		}
		lines, err := e.bk.Lines(e.ctx, bank.LineFilter{BankAccountID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		sg, err := e.bk.Suggest(e.ctx, lines[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg) != 1 || sg[0].Kind != "bill" || sg[0].SupplierID != supplier || strings.Join(sg[0].Reasons, ",") != "amount,reference" {
			t.Fatalf("suggestions: %+v", sg)
		}
		if _, err := e.bk.Match(e.ctx, lines[0].ID, bank.MatchInput{Action: bank.ActionSupplierPayment, SupplierID: supplier, BillID: db.NewID()}); fields(t, err)["bill_id"] != "fin.bank.error.bill_unknown" {
			t.Fatalf("an unknown bill: %v", err)
		}
		ctx := as("huang.jing", finance.PermBankReconcile, finance.PermPayableWrite, finance.PermPayableRead)
		m, err := e.bk.Match(ctx, lines[0].ID, bank.MatchInput{Action: bank.ActionSupplierPayment, SupplierID: sg[0].SupplierID, BillID: sg[0].BillID})
		if err != nil {
			t.Fatal(err)
		}
		bill, err := ap.Item(ctx, sg[0].BillID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != "matched" || m.PaymentID == "" || bill.Open.Sign() != 0 {
			t.Fatalf("matched %+v, bill open %s", m, bill.Open)
		}
		rc, err := e.bk.Reconcile(e.ctx, a.ID, "2026-11-15")
		if err != nil {
			t.Fatal(err)
		}
		if rc.LedgerBalance.Cmp(amt("-5000")) != 0 || len(rc.UnmatchedBooks) != 0 || len(rc.UnmatchedBank) != 0 {
			t.Fatalf("reconciliation: %+v", rc)
		}
		e.check()
	})
}
