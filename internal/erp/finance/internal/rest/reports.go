package rest

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// FinTBRow is one account of the trial balance, in the base currency.
type FinTBRow struct {
	AccountID     string       `json:"account_id,omitempty"`
	Code          string       `json:"code,omitempty"`
	NameZH        string       `json:"name_zh,omitempty"`
	NameEN        string       `json:"name_en,omitempty"`
	Level         int          `json:"level,omitempty"`
	HasChildren   bool         `json:"has_children,omitempty" doc:"A parent's amounts are the sums of its sub-accounts."`
	OpeningDebit  money.Amount `json:"opening_debit"`
	OpeningCredit money.Amount `json:"opening_credit"`
	Debit         money.Amount `json:"debit"`
	Credit        money.Amount `json:"credit"`
	ClosingDebit  money.Amount `json:"closing_debit"`
	ClosingCredit money.Amount `json:"closing_credit"`
}

// FinTrialBalance is the trial balance (科目余额表) of a date range.
type FinTrialBalance struct {
	From     string     `json:"from" format:"date"`
	To       string     `json:"to" format:"date"`
	Currency string     `json:"currency"`
	Rows     []FinTBRow `json:"rows" nullable:"false"`
	Total    FinTBRow   `json:"total" doc:"Over the top-level accounts; debits equal credits."`
}

// FinLedgerLine is one posted line of an account's ledger.
type FinLedgerLine struct {
	Date        string       `json:"date" format:"date"`
	EntryID     string       `json:"entry_id"`
	Number      string       `json:"number"`
	Memo        string       `json:"memo"`
	AccountCode string       `json:"account_code"`
	Currency    string       `json:"currency"`
	Amount      money.Amount `json:"amount" doc:"In the line's currency."`
	Debit       money.Amount `json:"debit"`
	Credit      money.Amount `json:"credit"`
	Balance     money.Amount `json:"balance" doc:"Running balance on the account's normal side."`
}

// FinLedger is an account's ledger (明细账) over a date range.
type FinLedger struct {
	AccountID string          `json:"account_id"`
	Code      string          `json:"code"`
	From      string          `json:"from" format:"date"`
	To        string          `json:"to" format:"date"`
	Currency  string          `json:"currency"`
	Opening   money.Amount    `json:"opening"`
	Debit     money.Amount    `json:"debit"`
	Credit    money.Amount    `json:"credit"`
	Closing   money.Amount    `json:"closing"`
	Lines     []FinLedgerLine `json:"lines" nullable:"false"`
	More      bool            `json:"more" doc:"The lines stopped at the limit; the totals count every line."`
}

// FinStatementLine is a line of the income statement or balance sheet.
type FinStatementLine struct {
	Key      string       `json:"key" doc:"A report group or subtotal, such as revenue or net_profit."`
	Kind     string       `json:"kind" enum:"group,subtotal,section"`
	Less     bool         `json:"less,omitempty" doc:"Subtracted in the subtotals below it."`
	Amount   money.Amount `json:"amount"`
	Previous money.Amount `json:"previous" doc:"Year to date (income statement) or at the start of the year (balance sheet)."`
	Accounts []string     `json:"accounts,omitempty" doc:"Codes of the accounts behind the line."`
}

// FinStatement is the income statement or the balance sheet.
type FinStatement struct {
	From      string             `json:"from,omitempty" format:"date"`
	To        string             `json:"to,omitempty" format:"date"`
	Date      string             `json:"date,omitempty" format:"date"`
	YearStart string             `json:"year_start" format:"date"`
	Currency  string             `json:"currency"`
	Lines     []FinStatementLine `json:"lines" nullable:"false"`
	Balanced  *bool              `json:"balanced,omitempty" doc:"Balance sheet: assets equal liabilities and equity."`
}

// FinAgingRow is one customer's receivables by days past due.
type FinAgingRow struct {
	CustomerID string         `json:"customer_id,omitempty"`
	Code       string         `json:"code,omitempty"`
	Name       string         `json:"name,omitempty"`
	NotDue     money.Amount   `json:"not_due"`
	Overdue    []money.Amount `json:"overdue" nullable:"false" doc:"One amount per bucket, then older."`
	Credits    money.Amount   `json:"credits" doc:"Unapplied payments and credit notes."`
	Total      money.Amount   `json:"total"`
}

// FinAging is the receivables aging at a date.
type FinAging struct {
	Date     string        `json:"date" format:"date"`
	Currency string        `json:"currency"`
	Buckets  []int         `json:"buckets" nullable:"false" doc:"Upper bounds in days past due of the overdue columns."`
	Rows     []FinAgingRow `json:"rows" nullable:"false"`
	Total    FinAgingRow   `json:"total"`
}

type rph struct{ rp *reports.Service }

func registerReports(a *api.API, rp *reports.Service) {
	x := rph{rp}
	op := func(id, path, summary string) huma.Operation {
		return huma.Operation{OperationID: "erp-finance-" + id, Method: http.MethodGet, Path: "/erp/finance/reports" + path, Summary: summary, Tags: []string{"Finance"}}
	}
	api.Register(a, op("trial-balance", "/trial-balance", "Trial balance of a date range"), finance.PermReportRead, x.trialBalance)
	api.Register(a, op("ledger", "/ledger", "An account's ledger over a date range"), finance.PermReportRead, x.ledger)
	api.Register(a, op("income-statement", "/income-statement", "Income statement of a date range"), finance.PermReportRead, x.income)
	api.Register(a, op("balance-sheet", "/balance-sheet", "Balance sheet at a date"), finance.PermReportRead, x.balance)
	api.Register(a, op("ar-aging", "/ar-aging", "Receivables aging at a date"), finance.PermReportRead, x.aging)
}

func tbRow(r reports.TBRow) FinTBRow {
	return FinTBRow{AccountID: r.Account.ID, Code: r.Account.Code, NameZH: r.Account.NameZH, NameEN: r.Account.NameEN, Level: r.Account.Level,
		HasChildren: r.Account.HasChildren, OpeningDebit: r.OpeningDebit, OpeningCredit: r.OpeningCredit, Debit: r.Debit, Credit: r.Credit,
		ClosingDebit: r.ClosingDebit, ClosingCredit: r.ClosingCredit}
}

func (x rph) trialBalance(ctx context.Context, in *struct {
	From  string `query:"from" doc:"YYYY-MM-DD; the first of this month when empty."`
	To    string `query:"to" doc:"YYYY-MM-DD; today when empty."`
	Level int    `query:"level" minimum:"0" maximum:"9" doc:"Deepest account level; 0 shows all."`
	Zero  bool   `query:"zero" doc:"Also accounts without balance or movement."`
}) (*struct{ Body FinTrialBalance }, error) {
	x.rp.Defaults(ctx, &in.From, &in.To, nil)
	tb, err := x.rp.TrialBalance(ctx, reports.TBOptions{From: in.From, To: in.To, Level: in.Level, Zero: in.Zero})
	if err != nil {
		return nil, err
	}
	out := FinTrialBalance{From: tb.From, To: tb.To, Currency: tb.Currency, Rows: []FinTBRow{}, Total: tbRow(tb.Total)}
	for _, r := range tb.Rows {
		out.Rows = append(out.Rows, tbRow(r))
	}
	return &struct{ Body FinTrialBalance }{out}, nil
}

func (x rph) ledger(ctx context.Context, in *struct {
	Account string `query:"account" required:"true" doc:"The account's id or code; a parent shows the lines of its sub-accounts."`
	From    string `query:"from" doc:"YYYY-MM-DD; the first of this month when empty."`
	To      string `query:"to" doc:"YYYY-MM-DD; today when empty."`
	Limit   int    `query:"limit" minimum:"1" maximum:"100000" default:"2000"`
}) (*struct{ Body FinLedger }, error) {
	x.rp.Defaults(ctx, &in.From, &in.To, nil)
	l, err := x.rp.Ledger(ctx, reports.LedgerOptions{Account: in.Account, From: in.From, To: in.To, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := FinLedger{AccountID: l.Account.ID, Code: l.Account.Code, From: l.From, To: l.To, Currency: l.Currency, Opening: l.Opening,
		Debit: l.Debit, Credit: l.Credit, Closing: l.Closing, More: l.More, Lines: []FinLedgerLine{}}
	for _, ln := range l.Lines {
		out.Lines = append(out.Lines, ln2(ln))
	}
	return &struct{ Body FinLedger }{out}, nil
}

func ln2(l reports.LedgerLine) FinLedgerLine {
	return FinLedgerLine{Date: l.Date, EntryID: l.EntryID, Number: l.Number, Memo: l.Memo, AccountCode: l.AccountCode, Currency: l.Currency,
		Amount: l.Amount, Debit: l.Debit, Credit: l.Credit, Balance: l.Balance}
}

func statementLines(ls []reports.StatementLine) []FinStatementLine {
	out := []FinStatementLine{}
	for _, l := range ls {
		out = append(out, FinStatementLine{Key: l.Key, Kind: l.Kind, Less: l.Less, Amount: l.Amount, Previous: l.Previous, Accounts: l.Accounts})
	}
	return out
}

func (x rph) income(ctx context.Context, in *struct {
	From string `query:"from" doc:"YYYY-MM-DD; the first of this month when empty."`
	To   string `query:"to" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body FinStatement }, error) {
	x.rp.Defaults(ctx, &in.From, &in.To, nil)
	s, err := x.rp.IncomeStatement(ctx, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinStatement }{FinStatement{From: s.From, To: s.To, YearStart: s.YearStart, Currency: s.Currency, Lines: statementLines(s.Lines)}}, nil
}

func (x rph) balance(ctx context.Context, in *struct {
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body FinStatement }, error) {
	x.rp.Defaults(ctx, nil, nil, &in.Date)
	s, err := x.rp.BalanceSheet(ctx, in.Date)
	if err != nil {
		return nil, err
	}
	b := s.Balanced
	return &struct{ Body FinStatement }{FinStatement{Date: s.Date, YearStart: s.YearStart, Currency: s.Currency, Lines: statementLines(s.Lines), Balanced: &b}}, nil
}

func agingRow(r reports.AgingRow) FinAgingRow {
	o := r.Overdue
	if o == nil {
		o = []money.Amount{}
	}
	return FinAgingRow{CustomerID: r.CustomerID, Code: r.Code, Name: r.Name, NotDue: r.NotDue, Overdue: o, Credits: r.Credits, Total: r.Total}
}

func (x rph) aging(ctx context.Context, in *struct {
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body FinAging }, error) {
	x.rp.Defaults(ctx, nil, nil, &in.Date)
	a, err := x.rp.Aging(ctx, in.Date)
	if err != nil {
		return nil, err
	}
	out := FinAging{Date: a.Date, Currency: a.Currency, Buckets: a.Buckets, Rows: []FinAgingRow{}, Total: agingRow(a.Total)}
	for _, r := range a.Rows {
		out.Rows = append(out.Rows, agingRow(r))
	}
	return &struct{ Body FinAging }{out}, nil
}
