package rest

import (
	"context"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/api"
)

// FinAccountParam names an account by id or code.
type FinAccountParam struct {
	ID string `path:"id" maxLength:"64" doc:"The account's id or code."`
}

type accountOut struct{ Body FinAccount }

func accountJSON(a *ledger.Account) FinAccount {
	return FinAccount{ID: a.ID, Code: a.Code, NameZH: a.NameZH, NameEN: a.NameEN, Type: a.Type, NormalBalance: a.NormalBalance,
		ParentID: a.ParentID, Level: a.Level, Currency: a.Currency, Control: a.Control, Cash: a.Cash, ReportGroup: a.ReportGroup,
		Active: a.Active, HasChildren: a.HasChildren, Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func accountIn(b FinAccountInput) ledger.AccountInput {
	return ledger.AccountInput{Code: b.Code, NameZH: b.NameZH, NameEN: b.NameEN, Type: b.Type, NormalBalance: b.NormalBalance,
		Currency: b.Currency, Control: b.Control, Cash: b.Cash, ReportGroup: b.ReportGroup, Active: b.Active, Version: b.Version}
}

func (x h) listAccounts(ctx context.Context, in *struct {
	Q          string `query:"q" maxLength:"100" doc:"Part of the code or a name."`
	Type       string `query:"type" enum:"asset,liability,equity,revenue,expense," doc:"Only accounts of this type."`
	ActiveOnly bool   `query:"active_only" doc:"Leave out inactive accounts."`
	LeafOnly   bool   `query:"leaf_only" doc:"Only accounts that take lines (no sub-accounts)."`
}) (*api.ListOutput[FinAccount], error) {
	as, err := x.l.Accounts(ctx, ledger.AccountFilter{Query: in.Q, Type: in.Type, ActiveOnly: in.ActiveOnly, LeafOnly: in.LeafOnly})
	if err != nil {
		return nil, err
	}
	out := make([]FinAccount, len(as))
	for i := range as {
		out[i] = accountJSON(&as[i])
	}
	return &api.ListOutput[FinAccount]{Body: api.Page[FinAccount]{Items: out}}, nil
}

func (x h) createAccount(ctx context.Context, in *struct{ Body FinAccountInput }) (*accountOut, error) {
	a, err := x.l.CreateAccount(ctx, accountIn(in.Body))
	if err != nil {
		return nil, err
	}
	return &accountOut{accountJSON(a)}, nil
}

func (x h) getAccount(ctx context.Context, in *FinAccountParam) (*accountOut, error) {
	a, err := x.l.Account(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOut{accountJSON(a)}, nil
}

func (x h) updateAccount(ctx context.Context, in *struct {
	FinAccountParam
	Body FinAccountInput
}) (*accountOut, error) {
	cur, err := x.l.Account(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	a, err := x.l.UpdateAccount(ctx, cur.ID, accountIn(in.Body))
	if err != nil {
		return nil, err
	}
	return &accountOut{accountJSON(a)}, nil
}

func (x h) deleteAccount(ctx context.Context, in *struct {
	FinAccountParam
	Version int64 `query:"version" required:"true" doc:"The version read."`
}) (*struct{}, error) {
	cur, err := x.l.Account(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return nil, x.l.DeleteAccount(ctx, cur.ID, in.Version)
}

type FinRateParam struct {
	Currency string `path:"currency" pattern:"^[A-Za-z]{3}$" doc:"ISO 4217 code."`
	Date     string `path:"date" format:"date" doc:"YYYY-MM-DD"`
}

type rateOut struct{ Body FinRate }

func rateJSON(r ledger.Rate) FinRate { return FinRate(r) }

func (x h) listRates(ctx context.Context, in *struct {
	Currency string `query:"currency" maxLength:"3"`
	From     string `query:"from" format:"date"`
	To       string `query:"to" format:"date"`
	Limit    int    `query:"limit" minimum:"1" maximum:"1000" default:"200"`
}) (*api.ListOutput[FinRate], error) {
	rs, err := x.l.Rates(ctx, ledger.RateFilter{Currency: in.Currency, From: in.From, To: in.To, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]FinRate, len(rs))
	for i, r := range rs {
		out[i] = rateJSON(r)
	}
	return &api.ListOutput[FinRate]{Body: api.Page[FinRate]{Items: out}}, nil
}

func (x h) setRate(ctx context.Context, in *struct {
	FinRateParam
	Body FinRateInput
}) (*rateOut, error) {
	var d decimals
	rate := d.rate("rate", in.Body.Rate)
	if err := d.err(); err != nil {
		return nil, err
	}
	r, err := x.l.SetRate(ctx, in.Currency, in.Date, rate)
	if err != nil {
		return nil, err
	}
	return &rateOut{rateJSON(*r)}, nil
}

func (x h) deleteRate(ctx context.Context, in *FinRateParam) (*struct{}, error) {
	return nil, x.l.DeleteRate(ctx, in.Currency, in.Date)
}

func periodJSON(p ledger.PeriodSummary) FinPeriod {
	out := FinPeriod{ID: p.ID, FiscalYear: p.FiscalYear, Number: p.Number, StartDate: p.StartDate, EndDate: p.EndDate,
		Status: p.Status, ChangedBy: p.ChangedBy, Posted: p.Posted, Drafts: p.Drafts}
	if !p.ChangedAt.IsZero() {
		t := p.ChangedAt
		out.ChangedAt = &t
	}
	return out
}

func (x h) listPeriods(ctx context.Context, in *struct {
	FiscalYear int `query:"fiscal_year" minimum:"1900" maximum:"9999" doc:"The fiscal year; this year when absent."`
}) (*api.ListOutput[FinPeriod], error) {
	fy := in.FiscalYear
	if fy == 0 {
		c, err := x.l.Company(ctx)
		if err != nil {
			return nil, err
		}
		fy = c.FiscalYearOf(x.l.Today(ctx))
	}
	ps, err := x.l.Periods(ctx, fy)
	if err != nil {
		return nil, err
	}
	out := make([]FinPeriod, len(ps))
	for i, p := range ps {
		out[i] = periodJSON(p)
	}
	return &api.ListOutput[FinPeriod]{Body: api.Page[FinPeriod]{Items: out}}, nil
}

type FinPeriodParam struct {
	ID string `path:"id" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"YYYY-MM"`
}

type periodOut struct{ Body FinPeriod }

type periodFunc func(l *ledger.Service, ctx context.Context, id string) (*ledger.Period, error)

func ledgerClose(l *ledger.Service, ctx context.Context, id string) (*ledger.Period, error) {
	return l.ClosePeriod(ctx, id)
}
func ledgerReopen(l *ledger.Service, ctx context.Context, id string) (*ledger.Period, error) {
	return l.ReopenPeriod(ctx, id)
}
func ledgerLock(l *ledger.Service, ctx context.Context, id string) (*ledger.Period, error) {
	return l.LockPeriod(ctx, id)
}

func (x h) periodAction(do periodFunc) func(context.Context, *FinPeriodParam) (*periodOut, error) {
	return func(ctx context.Context, in *FinPeriodParam) (*periodOut, error) {
		p, err := do(x.l, ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &periodOut{periodJSON(ledger.PeriodSummary{Period: *p})}, nil
	}
}

type ruleOut struct{ Body FinRule }

func ruleJSON(r ledger.Rule) FinRule {
	return FinRule{ID: r.ID, SourceKind: r.SourceKind, Role: string(r.Role), ItemCategory: r.ItemCategory, Warehouse: r.Warehouse,
		AccountID: r.AccountID, UpdatedAt: r.UpdatedAt}
}

func (x h) listRules(ctx context.Context, _ *struct{}) (*api.ListOutput[FinRule], error) {
	rs, err := x.l.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FinRule, len(rs))
	for i, r := range rs {
		out[i] = ruleJSON(r)
	}
	return &api.ListOutput[FinRule]{Body: api.Page[FinRule]{Items: out}}, nil
}

func (x h) createRule(ctx context.Context, in *struct{ Body FinRuleInput }) (*ruleOut, error) {
	b := in.Body
	r, err := x.l.CreateRule(ctx, ledger.RuleInput{SourceKind: b.SourceKind, Role: finance.Role(b.Role), ItemCategory: b.ItemCategory,
		Warehouse: b.Warehouse, AccountID: b.AccountID})
	if err != nil {
		return nil, err
	}
	return &ruleOut{ruleJSON(*r)}, nil
}

func (x h) updateRule(ctx context.Context, in *struct {
	api.IDParam
	Body FinRuleAccount
}) (*ruleOut, error) {
	r, err := x.l.SetRuleAccount(ctx, in.ID, in.Body.AccountID)
	if err != nil {
		return nil, err
	}
	return &ruleOut{ruleJSON(*r)}, nil
}

func (x h) deleteRule(ctx context.Context, in *api.IDParam) (*struct{}, error) {
	return nil, x.l.DeleteRule(ctx, in.ID)
}

type entryOut struct{ Body FinEntry }

func entryJSON(e *ledger.Entry) FinEntry {
	out := FinEntry{ID: e.ID, JournalID: e.JournalID, Status: e.Status, Number: e.Number, Date: e.Date, Period: e.Period,
		SourceKind: e.SourceKind, SourceID: e.SourceID, SourceNumber: e.SourceNumber, PartnerKind: e.PartnerKind, PartnerID: e.PartnerID,
		Memo: e.Memo, Attachments: e.Attachments, ReversalOf: e.ReversalOf, ReversedBy: e.ReversedBy, Total: e.Total,
		ChainSeq: e.ChainSeq, Hash: e.Hash, PrevHash: e.PrevHash, CreatedAt: e.CreatedAt, CreatedBy: e.CreatedBy,
		PostedBy: e.PostedBy, Version: e.Version}
	if !e.PostedAt.IsZero() {
		t := e.PostedAt
		out.PostedAt = &t
	}
	for _, l := range e.Lines {
		out.Lines = append(out.Lines, FinLine{LineNo: l.LineNo, AccountID: l.AccountID, AccountCode: l.AccountCode, Currency: l.Currency,
			Debit: l.Debit, Credit: l.Credit, Rate: l.Rate, BaseDebit: l.BaseDebit, BaseCredit: l.BaseCredit,
			PartnerKind: l.PartnerKind, PartnerID: l.PartnerID, Memo: l.Memo})
	}
	return out
}

func entryIn(b FinEntryInput) (ledger.EntryInput, error) {
	in := ledger.EntryInput{JournalID: b.JournalID, Date: b.Date, Memo: b.Memo, Attachments: b.Attachments, Version: b.Version}
	var d decimals
	for i, l := range b.Lines {
		f := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		in.Lines = append(in.Lines, ledger.LineInput{Account: l.Account, Currency: l.Currency,
			Debit: d.amount(f("debit"), l.Debit), Credit: d.amount(f("credit"), l.Credit), Rate: d.rate(f("rate"), l.Rate),
			Memo: l.Memo, PartnerKind: l.PartnerKind, PartnerID: l.PartnerID})
	}
	return in, d.err()
}

func (x h) listEntries(ctx context.Context, in *struct {
	Limit      int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Items per page, 1 to 500."`
	Cursor     string `query:"cursor" maxLength:"2048" doc:"The next_cursor of the previous page."`
	From       string `query:"from" format:"date" doc:"Entries dated on or after."`
	To         string `query:"to" format:"date" doc:"Entries dated on or before."`
	Period     string `query:"period" pattern:"^([0-9]{4}-[0-9]{2})?$"`
	JournalID  string `query:"journal_id" maxLength:"40"`
	Status     string `query:"status" enum:"draft,posted,"`
	SourceKind string `query:"source_kind" maxLength:"40"`
	AccountID  string `query:"account_id" maxLength:"40" doc:"Entries with a line on this account."`
	Q          string `query:"q" maxLength:"100" doc:"Part of the number, memo or source number."`
}) (*api.ListOutput[FinEntry], error) {
	page, err := x.l.Entries(ctx, ledger.EntryFilter{From: in.From, To: in.To, Period: in.Period, JournalID: in.JournalID,
		Status: in.Status, SourceKind: in.SourceKind, AccountID: in.AccountID, Query: in.Q, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	out := api.Page[FinEntry]{Items: make([]FinEntry, len(page.Entries))}
	for i := range page.Entries {
		out.Items[i] = entryJSON(&page.Entries[i])
	}
	if page.Next != "" {
		next := page.Next
		out.NextCursor = &next
	}
	return &api.ListOutput[FinEntry]{Body: out}, nil
}

func (x h) createEntry(ctx context.Context, in *struct{ Body FinEntryInput }) (*entryOut, error) {
	var (
		e   *ledger.Entry
		err error
	)
	ein, err := entryIn(in.Body)
	if err != nil {
		return nil, err
	}
	if in.Body.Post {
		e, err = x.l.CreateAndPost(ctx, ein)
	} else {
		e, err = x.l.CreateDraft(ctx, ein)
	}
	if err != nil {
		return nil, err
	}
	return &entryOut{entryJSON(e)}, nil
}

func (x h) getEntry(ctx context.Context, in *api.IDParam) (*entryOut, error) {
	e, err := x.l.Entry(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &entryOut{entryJSON(e)}, nil
}

func (x h) updateEntry(ctx context.Context, in *struct {
	api.IDParam
	Body FinEntryInput
}) (*entryOut, error) {
	ein, err := entryIn(in.Body)
	if err != nil {
		return nil, err
	}
	e, err := x.l.UpdateDraft(ctx, in.ID, ein)
	if err != nil {
		return nil, err
	}
	if in.Body.Post {
		if e, err = x.l.PostDraft(ctx, e.ID); err != nil {
			return nil, err
		}
	}
	return &entryOut{entryJSON(e)}, nil
}

func (x h) deleteEntry(ctx context.Context, in *struct {
	api.IDParam
	Version int64 `query:"version" required:"true" doc:"The version read."`
}) (*struct{}, error) {
	return nil, x.l.DeleteDraft(ctx, in.ID, in.Version)
}

func (x h) postEntry(ctx context.Context, in *api.IDParam) (*entryOut, error) {
	e, err := x.l.PostDraft(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &entryOut{entryJSON(e)}, nil
}

func (x h) reverseEntry(ctx context.Context, in *struct {
	api.IDParam
	Body FinReverseInput
}) (*entryOut, error) {
	e, err := x.l.ReverseEntry(ctx, in.ID, strings.TrimSpace(in.Body.Date), in.Body.Memo)
	if err != nil {
		return nil, err
	}
	return &entryOut{entryJSON(e)}, nil
}
