// Package rest serves the finance module's REST operations under
// /api/v1/erp/finance: the books' settings, accounts, journals, exchange
// rates, periods, posting rules and journal entries. Handlers translate
// between the JSON types below and the ledger, which checks permissions.
package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// FinCompany is the company's books.
type FinCompany struct {
	Name          string    `json:"name"`
	TaxID         string    `json:"tax_id" doc:"Unified social credit code (统一社会信用代码)."`
	BaseCurrency  string    `json:"base_currency" doc:"ISO 4217; every entry balances in it."`
	TimeZone      string    `json:"time_zone" doc:"IANA zone such as Asia/Shanghai; dates are days in it."`
	FYStartMonth  int       `json:"fy_start_month" doc:"First month of the fiscal year, 1 to 12."`
	BooksStart    string    `json:"books_start" format:"date" doc:"First day ordinary entries may carry; opening balances are dated before it."`
	ChartTemplate string    `json:"chart_template" enum:"cn_small,intl"`
	Version       int64     `json:"version" doc:"Send it back with a change; a change made in between makes yours fail with 409."`
	UpdatedAt     time.Time `json:"updated_at"`
}

// FinCompanyInput changes the company's books.
type FinCompanyInput struct {
	Name         string `json:"name" maxLength:"200"`
	TaxID        string `json:"tax_id,omitempty" maxLength:"20"`
	BaseCurrency string `json:"base_currency" doc:"Fixed once anything is posted."`
	TimeZone     string `json:"time_zone"`
	FYStartMonth int    `json:"fy_start_month" doc:"Fixed once anything is posted."`
	BooksStart   string `json:"books_start" doc:"YYYY-MM-01; fixed once anything is posted."`
	Version      int64  `json:"version"`
}

// FinTemplateInput names a chart template.
type FinTemplateInput struct {
	Template string `json:"template" doc:"cn_small (小企业会计准则) or intl; works only while no entry exists."`
}

// FinCurrency is a currency the books know.
type FinCurrency struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// FinJournal numbers vouchers in a series of its own per period.
type FinJournal struct {
	ID      string `json:"id" format:"uuid"`
	Code    string `json:"code"`
	Prefix  string `json:"prefix" doc:"Shown in voucher numbers, such as 记 in 记-2026-11-0001."`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Default bool   `json:"default" doc:"Documents post into the default journal."`
	Active  bool   `json:"active"`
}

// FinJournalInput creates or changes a journal; the code never changes.
type FinJournalInput struct {
	Code    string `json:"code,omitempty" doc:"1 to 10 capital letters and digits; ignored on update."`
	Prefix  string `json:"prefix"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en,omitempty"`
	Default bool   `json:"default,omitempty"`
	Active  bool   `json:"active"`
}

// FinAccount is one account of the chart.
type FinAccount struct {
	ID            string    `json:"id" format:"uuid"`
	Code          string    `json:"code"`
	NameZH        string    `json:"name_zh"`
	NameEN        string    `json:"name_en"`
	Type          string    `json:"type" enum:"asset,liability,equity,revenue,expense"`
	NormalBalance string    `json:"normal_balance" enum:"debit,credit"`
	ParentID      string    `json:"parent_id,omitempty"`
	Level         int       `json:"level"`
	Currency      string    `json:"currency" doc:"Empty: base currency only; *: any currency; else only that currency."`
	Control       string    `json:"control" doc:"ar or ap: kept by invoices and payments, no manual lines."`
	Cash          bool      `json:"cash" doc:"A cash or bank account."`
	ReportGroup   string    `json:"report_group" doc:"The balance-sheet or income-statement line it adds to."`
	Active        bool      `json:"active"`
	HasChildren   bool      `json:"has_children" doc:"Accounts with sub-accounts take no lines."`
	Version       int64     `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// FinAccountInput creates or changes an account. The parent is the account
// whose code is the longest prefix of the code.
type FinAccountInput struct {
	Code          string `json:"code" doc:"1 to 16 digits, starting with the parent's code."`
	NameZH        string `json:"name_zh" maxLength:"100"`
	NameEN        string `json:"name_en,omitempty" maxLength:"100"`
	Type          string `json:"type,omitempty" doc:"Empty takes the parent's."`
	NormalBalance string `json:"normal_balance,omitempty" doc:"Empty takes the parent's, or the type's usual one."`
	Currency      string `json:"currency,omitempty"`
	Control       string `json:"control,omitempty"`
	Cash          bool   `json:"cash,omitempty"`
	ReportGroup   string `json:"report_group,omitempty"`
	Active        bool   `json:"active"`
	Version       int64  `json:"version,omitempty" doc:"Required on update: the version read."`
}

// FinRate is an exchange rate.
type FinRate struct {
	Currency  string     `json:"currency"`
	Date      string     `json:"date" format:"date" doc:"The rate holds from this day until the next rate."`
	Rate      money.Rate `json:"rate" doc:"Units of the base currency per unit of the currency."`
	UpdatedAt time.Time  `json:"updated_at"`
	UpdatedBy string     `json:"updated_by"`
}

// FinRateInput enters a rate.
type FinRateInput struct {
	Rate api.DecimalString `json:"rate" doc:"Units of the base currency per unit of the currency, up to 6 decimal places."`
}

// FinPeriod is a month of the fiscal year.
type FinPeriod struct {
	ID         string     `json:"id" doc:"YYYY-MM"`
	FiscalYear int        `json:"fiscal_year"`
	Number     int        `json:"number"`
	StartDate  string     `json:"start_date" format:"date"`
	EndDate    string     `json:"end_date" format:"date"`
	Status     string     `json:"status" enum:"open,closed,locked"`
	ChangedAt  *time.Time `json:"changed_at,omitempty"`
	ChangedBy  string     `json:"changed_by,omitempty"`
	Posted     int        `json:"posted" doc:"Posted entries in the period."`
	Drafts     int        `json:"drafts" doc:"Draft entries in the period."`
}

// FinRule maps a posting role to an account.
type FinRule struct {
	ID           string    `json:"id" format:"uuid"`
	SourceKind   string    `json:"source_kind" doc:"Empty matches every source."`
	Role         string    `json:"role"`
	ItemCategory string    `json:"item_category" doc:"Empty matches every category."`
	Warehouse    string    `json:"warehouse" doc:"Empty matches every warehouse."`
	AccountID    string    `json:"account_id" format:"uuid"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// FinRuleInput creates a rule.
type FinRuleInput struct {
	SourceKind   string `json:"source_kind,omitempty"`
	Role         string `json:"role"`
	ItemCategory string `json:"item_category,omitempty"`
	Warehouse    string `json:"warehouse,omitempty"`
	AccountID    string `json:"account_id" doc:"The account's id or code."`
}

// FinRuleAccount points a rule at another account.
type FinRuleAccount struct {
	AccountID string `json:"account_id" doc:"The account's id or code."`
}

// FinEntry is a journal entry.
type FinEntry struct {
	ID           string       `json:"id" format:"uuid"`
	JournalID    string       `json:"journal_id" format:"uuid"`
	Status       string       `json:"status" enum:"draft,posted"`
	Number       string       `json:"number,omitempty" doc:"Voucher number, once posted: prefix, period, sequence."`
	Date         string       `json:"date" format:"date"`
	Period       string       `json:"period"`
	SourceKind   string       `json:"source_kind"`
	SourceID     string       `json:"source_id"`
	SourceNumber string       `json:"source_number,omitempty"`
	PartnerKind  string       `json:"partner_kind,omitempty"`
	PartnerID    string       `json:"partner_id,omitempty"`
	Memo         string       `json:"memo"`
	Attachments  int          `json:"attachments"`
	ReversalOf   string       `json:"reversal_of,omitempty"`
	ReversedBy   string       `json:"reversed_by,omitempty"`
	Total        money.Amount `json:"total" doc:"Debits in the base currency."`
	ChainSeq     int64        `json:"chain_seq,omitempty"`
	Hash         string       `json:"hash,omitempty"`
	PrevHash     string       `json:"prev_hash,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	CreatedBy    string       `json:"created_by"`
	PostedAt     *time.Time   `json:"posted_at,omitempty"`
	PostedBy     string       `json:"posted_by,omitempty"`
	Version      int64        `json:"version"`
	Lines        []FinLine    `json:"lines,omitempty"`
}

// FinLine is one debit or credit of an entry.
type FinLine struct {
	LineNo      int          `json:"line_no"`
	AccountID   string       `json:"account_id" format:"uuid"`
	AccountCode string       `json:"account_code"`
	Currency    string       `json:"currency"`
	Debit       money.Amount `json:"debit"`
	Credit      money.Amount `json:"credit"`
	Rate        money.Rate   `json:"rate"`
	BaseDebit   money.Amount `json:"base_debit"`
	BaseCredit  money.Amount `json:"base_credit"`
	PartnerKind string       `json:"partner_kind,omitempty"`
	PartnerID   string       `json:"partner_id,omitempty"`
	Memo        string       `json:"memo,omitempty"`
}

// FinEntryInput writes a draft entry.
type FinEntryInput struct {
	JournalID   string         `json:"journal_id,omitempty" doc:"Id or code; empty for the default journal."`
	Date        string         `json:"date" doc:"YYYY-MM-DD, in an open period."`
	Memo        string         `json:"memo,omitempty" maxLength:"200"`
	Attachments int            `json:"attachments,omitempty" doc:"附单据数: how many source papers the voucher has."`
	Lines       []FinLineInput `json:"lines" nullable:"false"`
	Post        bool           `json:"post,omitempty" doc:"Post the entry at once (needs fin.entry.post)."`
	Version     int64          `json:"version,omitempty" doc:"Required on update: the version read."`
}

// FinLineInput is one line of a draft.
type FinLineInput struct {
	Account     string            `json:"account" doc:"The account's id or code."`
	Currency    string            `json:"currency,omitempty" doc:"Empty for the base currency."`
	Debit       api.DecimalString `json:"debit,omitempty" doc:"Up to 2 decimal places; give a debit or a credit."`
	Credit      api.DecimalString `json:"credit,omitempty" doc:"Up to 2 decimal places."`
	Rate        api.DecimalString `json:"rate,omitempty" doc:"Empty takes the rate for the entry's date."`
	Memo        string            `json:"memo,omitempty" maxLength:"200"`
	PartnerKind string            `json:"partner_kind,omitempty" enum:"customer,supplier"`
	PartnerID   string            `json:"partner_id,omitempty"`
}

// FinReverseInput reverses an entry.
type FinReverseInput struct {
	Date string `json:"date,omitempty" doc:"YYYY-MM-DD; today when empty."`
	Memo string `json:"memo,omitempty" maxLength:"200"`
}

type h struct{ l *ledger.Service }

// Register adds the finance operations to the API.
func Register(a *api.API, l *ledger.Service, ar *receivables.Service, rp *reports.Service) {
	x := h{l}
	registerReceivables(a, ar)
	registerReports(a, rp)
	reg := func(id, method, path, summary string, status int) huma.Operation {
		op := huma.Operation{OperationID: "erp-finance-" + id, Method: method, Path: "/erp/finance" + path, Summary: summary,
			Tags: []string{"Finance"}}
		if status != 0 {
			op.DefaultStatus = status
		}
		return op
	}
	api.Register(a, reg("get-company", http.MethodGet, "/company", "Get the company's books", 0), finance.PermAccountRead, x.getCompany)
	api.Register(a, reg("update-company", http.MethodPut, "/company", "Change the company's books", 0), finance.PermSettingsManage, x.updateCompany)
	api.Register(a, reg("apply-template", http.MethodPost, "/company/template", "Replace the chart with a template", 0), finance.PermSettingsManage, x.applyTemplate)
	api.Register(a, reg("list-currencies", http.MethodGet, "/currencies", "List the currencies", 0), finance.PermAccountRead, x.listCurrencies)
	api.Register(a, reg("list-journals", http.MethodGet, "/journals", "List the journals", 0), finance.PermEntryRead, x.listJournals)
	api.Register(a, reg("create-journal", http.MethodPost, "/journals", "Add a journal", http.StatusCreated), finance.PermSettingsManage, x.createJournal)
	api.Register(a, reg("update-journal", http.MethodPut, "/journals/{id}", "Change a journal", 0), finance.PermSettingsManage, x.updateJournal)
	api.Register(a, reg("list-accounts", http.MethodGet, "/accounts", "List the chart of accounts", 0), finance.PermAccountRead, x.listAccounts)
	api.Register(a, reg("create-account", http.MethodPost, "/accounts", "Add an account", http.StatusCreated), finance.PermAccountManage, x.createAccount)
	api.Register(a, reg("get-account", http.MethodGet, "/accounts/{id}", "Get an account by id or code", 0), finance.PermAccountRead, x.getAccount)
	api.Register(a, reg("update-account", http.MethodPut, "/accounts/{id}", "Change an account", 0), finance.PermAccountManage, x.updateAccount)
	api.Register(a, reg("delete-account", http.MethodDelete, "/accounts/{id}", "Remove an unused account", http.StatusNoContent), finance.PermAccountManage, x.deleteAccount)
	api.Register(a, reg("list-rates", http.MethodGet, "/rates", "List exchange rates, newest first", 0), finance.PermRateManage, x.listRates)
	api.Register(a, reg("set-rate", http.MethodPut, "/rates/{currency}/{date}", "Enter the rate of a currency from a date", 0), finance.PermRateManage, x.setRate)
	api.Register(a, reg("delete-rate", http.MethodDelete, "/rates/{currency}/{date}", "Remove a rate", http.StatusNoContent), finance.PermRateManage, x.deleteRate)
	api.Register(a, reg("list-periods", http.MethodGet, "/periods", "List the periods of a fiscal year", 0), finance.PermEntryRead, x.listPeriods)
	api.Register(a, reg("close-period", http.MethodPost, "/periods/{id}/close", "Close a period", 0), finance.PermPeriodManage, x.periodAction(ledgerClose))
	api.Register(a, reg("reopen-period", http.MethodPost, "/periods/{id}/reopen", "Reopen a closed period", 0), finance.PermPeriodManage, x.periodAction(ledgerReopen))
	api.Register(a, reg("lock-period", http.MethodPost, "/periods/{id}/lock", "Lock a closed period for good", 0), finance.PermPeriodManage, x.periodAction(ledgerLock))
	api.Register(a, reg("list-rules", http.MethodGet, "/rules", "List the posting rules", 0), finance.PermAccountRead, x.listRules)
	api.Register(a, reg("create-rule", http.MethodPost, "/rules", "Add a posting rule", http.StatusCreated), finance.PermAccountManage, x.createRule)
	api.Register(a, reg("update-rule", http.MethodPut, "/rules/{id}", "Point a rule at another account", 0), finance.PermAccountManage, x.updateRule)
	api.Register(a, reg("delete-rule", http.MethodDelete, "/rules/{id}", "Remove a posting rule", http.StatusNoContent), finance.PermAccountManage, x.deleteRule)
	api.Register(a, reg("list-entries", http.MethodGet, "/entries", "List journal entries, newest first", 0), finance.PermEntryRead, x.listEntries)
	api.Register(a, reg("create-entry", http.MethodPost, "/entries", "Write a draft entry, and post it if asked", http.StatusCreated), finance.PermEntryWrite, x.createEntry)
	api.Register(a, reg("get-entry", http.MethodGet, "/entries/{id}", "Get an entry with its lines", 0), finance.PermEntryRead, x.getEntry)
	api.Register(a, reg("update-entry", http.MethodPut, "/entries/{id}", "Change a draft", 0), finance.PermEntryWrite, x.updateEntry)
	api.Register(a, reg("delete-entry", http.MethodDelete, "/entries/{id}", "Remove a draft", http.StatusNoContent), finance.PermEntryWrite, x.deleteEntry)
	api.Register(a, reg("post-entry", http.MethodPost, "/entries/{id}/post", "Post a draft", 0), finance.PermEntryPost, x.postEntry)
	api.Register(a, reg("reverse-entry", http.MethodPost, "/entries/{id}/reverse", "Reverse a posted manual entry", http.StatusCreated), finance.PermEntryReverse, x.reverseEntry)
}

type companyOut struct{ Body FinCompany }

func companyJSON(c *ledger.Company) FinCompany {
	return FinCompany{Name: c.Name, TaxID: c.TaxID, BaseCurrency: c.BaseCurrency, TimeZone: c.TimeZone, FYStartMonth: c.FYStartMonth,
		BooksStart: c.BooksStart, ChartTemplate: c.ChartTemplate, Version: c.Version, UpdatedAt: c.UpdatedAt}
}

func (x h) getCompany(ctx context.Context, _ *struct{}) (*companyOut, error) {
	c, err := x.l.Company(ctx)
	if err != nil {
		return nil, err
	}
	return &companyOut{companyJSON(c)}, nil
}

func (x h) updateCompany(ctx context.Context, in *struct{ Body FinCompanyInput }) (*companyOut, error) {
	b := in.Body
	c, err := x.l.UpdateCompany(ctx, ledger.CompanyInput{Name: b.Name, TaxID: b.TaxID, BaseCurrency: b.BaseCurrency, TimeZone: b.TimeZone,
		FYStartMonth: b.FYStartMonth, BooksStart: b.BooksStart, Version: b.Version})
	if err != nil {
		return nil, err
	}
	return &companyOut{companyJSON(c)}, nil
}

func (x h) applyTemplate(ctx context.Context, in *struct{ Body FinTemplateInput }) (*companyOut, error) {
	if err := x.l.ApplyTemplate(ctx, in.Body.Template); err != nil {
		return nil, err
	}
	return x.getCompany(ctx, nil)
}

func (x h) listCurrencies(ctx context.Context, _ *struct{}) (*api.ListOutput[FinCurrency], error) {
	cs, err := x.l.Currencies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FinCurrency, len(cs))
	for i, c := range cs {
		out[i] = FinCurrency(c)
	}
	return &api.ListOutput[FinCurrency]{Body: api.Page[FinCurrency]{Items: out}}, nil
}

func journalJSON(j ledger.Journal) FinJournal { return FinJournal(j) }

func (x h) listJournals(ctx context.Context, _ *struct{}) (*api.ListOutput[FinJournal], error) {
	js, err := x.l.Journals(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FinJournal, len(js))
	for i, j := range js {
		out[i] = journalJSON(j)
	}
	return &api.ListOutput[FinJournal]{Body: api.Page[FinJournal]{Items: out}}, nil
}

type journalOut struct{ Body FinJournal }

func journalIn(b FinJournalInput) ledger.JournalInput {
	return ledger.JournalInput{Code: b.Code, Prefix: b.Prefix, NameZH: b.NameZH, NameEN: b.NameEN, Default: b.Default, Active: b.Active}
}

func (x h) createJournal(ctx context.Context, in *struct{ Body FinJournalInput }) (*journalOut, error) {
	j, err := x.l.CreateJournal(ctx, journalIn(in.Body))
	if err != nil {
		return nil, err
	}
	return &journalOut{journalJSON(*j)}, nil
}

func (x h) updateJournal(ctx context.Context, in *struct {
	api.IDParam
	Body FinJournalInput
}) (*journalOut, error) {
	j, err := x.l.UpdateJournal(ctx, in.ID, journalIn(in.Body))
	if err != nil {
		return nil, err
	}
	return &journalOut{journalJSON(*j)}, nil
}
