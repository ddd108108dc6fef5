package ledger_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
)

func TestAccounts(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		mgr := as("xu.ming", finance.PermAccountManage, finance.PermAccountRead)
		// The first sub-account of 1002 takes over the bank rule.
		icbc, err := e.svc.CreateAccount(mgr, ledger.AccountInput{Code: "100201", NameZH: "工商银行", NameEN: "ICBC", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if icbc.Type != "asset" || icbc.NormalBalance != "debit" || icbc.Level != 2 || icbc.ReportGroup != "cash" {
			t.Fatalf("sub-account: %+v", icbc)
		}
		bank, err := e.svc.ResolveRule(mgr, finance.SourcePaymentIn, finance.RoleBank, "", "")
		if err != nil || bank.Code != "100201" {
			t.Fatalf("bank rule: %+v %v", bank, err)
		}
		if _, err := e.svc.CreateAccount(as("huang.jing", finance.PermAccountRead), ledger.AccountInput{Code: "100202", NameZH: "x", Active: true}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("accountant creates: %v", err)
		}
		for _, c := range []struct {
			in         ledger.AccountInput
			field, key string
		}{
			{ledger.AccountInput{Code: "10A", NameZH: "x"}, "code", "fin.error.code_invalid"},
			{ledger.AccountInput{Code: "100201", NameZH: "x"}, "code", "fin.error.code_taken"},
			{ledger.AccountInput{Code: "100202", NameZH: ""}, "name_zh", "fin.error.required"},
			{ledger.AccountInput{Code: "100202", NameZH: "x", Type: "expense"}, "type", "fin.error.type_parent"},
			{ledger.AccountInput{Code: "100202", NameZH: "x", Currency: "CNY"}, "currency", "fin.error.account_currency"},
			{ledger.AccountInput{Code: "100202", NameZH: "x", Currency: "XXX"}, "currency", "fin.error.currency_unknown"},
			{ledger.AccountInput{Code: "100202", NameZH: "x", Control: "bogus"}, "control", "fin.error.control_invalid"},
			{ledger.AccountInput{Code: "9001", NameZH: "x"}, "type", "fin.error.type_invalid"},
		} {
			_, err := e.svc.CreateAccount(mgr, c.in)
			wantField(t, err, c.field, c.key)
		}
		// A posted account takes no sub-accounts, and keeps its code and type.
		e.mustPost("2026-03-01", line("1001", "10.00", ""), line("3001", "", "10.00"))
		_, err = e.svc.CreateAccount(mgr, ledger.AccountInput{Code: "100101", NameZH: "x", Active: true})
		wantField(t, err, "code", "fin.error.parent_posted")
		cash, _ := e.svc.Account(mgr, "1001")
		in := ledger.AccountInput{Code: "1009", NameZH: "现金", NameEN: "Cash", Type: cash.Type, Active: true, Version: cash.Version}
		_, err = e.svc.UpdateAccount(mgr, cash.ID, in)
		wantField(t, err, "code", "fin.error.account_used")
		in.Code = "1001"
		renamed, err := e.svc.UpdateAccount(mgr, cash.ID, in)
		if err != nil || renamed.NameZH != "现金" {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		if _, err := e.svc.UpdateAccount(mgr, cash.ID, in); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("stale update: %v", err)
		}
		// An account in a rule stays active; an unused one can go.
		ar, _ := e.svc.Account(mgr, "1122")
		_, err = e.svc.UpdateAccount(mgr, ar.ID, ledger.AccountInput{Code: "1122", NameZH: ar.NameZH, Control: "ar", Currency: "*", Active: false, Version: ar.Version})
		wantField(t, err, "active", "fin.error.account_in_rule")
		if err := e.svc.DeleteAccount(mgr, cash.ID, renamed.Version); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("delete a used account: %v", err)
		}
		tmp, err := e.svc.CreateAccount(mgr, ledger.AccountInput{Code: "5699", NameZH: "临时", Type: "expense", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteAccount(mgr, tmp.ID, tmp.Version); err != nil {
			t.Fatal(err)
		}
		// The chart can be replaced only while no entry exists.
		err = e.svc.ApplyTemplate(e.ctx, "intl")
		wantField(t, err, "template", "fin.error.template_in_use")
		e.mustCheck()
	})
}

func TestTemplateAndSettings(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		if err := e.svc.ApplyTemplate(e.ctx, "intl"); err != nil {
			t.Fatal(err)
		}
		ar, err := e.svc.ResolveRule(e.ctx, finance.SourceInvoice, finance.RoleAR, "", "")
		if err != nil || ar.Code != "1100" || ar.NameEN != "Accounts receivable" {
			t.Fatalf("intl AR: %+v %v", ar, err)
		}
		c, _ := e.svc.Company(e.ctx)
		in := ledger.CompanyInput{Name: "华东精密压铸有限公司", TaxID: "91310000MA1FL0XX1X", BaseCurrency: "CNY", TimeZone: "Asia/Shanghai",
			FYStartMonth: 4, BooksStart: "2026-04-01", Version: c.Version}
		bad := in
		bad.TimeZone, bad.BooksStart, bad.TaxID, bad.FYStartMonth = "Mars/Olympus", "2026-04-15", "123", 13
		_, err = e.svc.UpdateCompany(e.ctx, bad)
		for _, f := range []string{"time_zone", "books_start", "tax_id", "fy_start_month"} {
			wantField(t, err, f, "")
		}
		if _, err := e.svc.UpdateCompany(as("huang.jing", finance.PermAccountRead), in); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("accountant changes settings: %v", err)
		}
		c2, err := e.svc.UpdateCompany(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if c2.FYStartMonth != 4 || c2.Name != in.Name {
			t.Fatalf("settings: %+v", c2)
		}
		// The fiscal year starts in April: March 2027 is period 12 of 2026.
		if _, err := e.svc.CreateDraft(e.ctx, ledger.EntryInput{Date: "2027-03-10", Lines: []ledger.LineInput{line("1000", "1.00", ""), line("3000", "", "1.00")}}); err != nil {
			t.Fatal(err)
		}
		ps, _ := e.svc.Periods(e.ctx, 2026)
		if ps[11].ID != "2027-03" || ps[11].Drafts != 1 {
			t.Fatalf("fiscal periods: %+v", ps[11])
		}
		e.mustPost("2026-05-10", line("1000", "1.00", ""), line("3000", "", "1.00"))
		in.Version = c2.Version
		in.BaseCurrency = "USD"
		_, err = e.svc.UpdateCompany(e.ctx, in)
		wantField(t, err, "base_currency", "fin.error.fixed_after_posting")
	})
}
