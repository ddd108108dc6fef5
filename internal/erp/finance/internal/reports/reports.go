// Package reports computes the finance module's reports from the ledger:
// the trial balance (科目余额表), an account's ledger (明细账), the income
// statement (利润表), the balance sheet (资产负债表) and the receivables
// aging (账龄分析), for any dates, in the base currency, with Excel export.
//
// Sums over whole periods come from the balances the ledger keeps per
// account and period; only the days of a period cut by a report's dates are
// summed from lines, so a trial balance costs the same over ten lines or ten
// million.
package reports

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Service computes reports over one ledger.
type Service struct {
	db     *db.DB
	ledger *ledger.Service
}

// New returns the reports of a ledger.
func New(l *ledger.Service) *Service { return &Service{db: l.DB(), ledger: l} }

// Defaults fills an empty range with this month up to today and an empty
// date with today, in the company's time zone.
func (s *Service) Defaults(ctx context.Context, from, to, date *string) {
	today := s.ledger.Today(ctx)
	if from != nil && *from == "" {
		*from = today[:8] + "01"
	}
	if to != nil && *to == "" {
		*to = today
	}
	if date != nil && *date == "" {
		*date = today
	}
}

func require(ctx context.Context) error {
	p := authz.FromContext(ctx)
	if p == nil {
		return apperr.Unauthorized()
	}
	if !p.Can(finance.PermReportRead) {
		return apperr.PermissionDenied(string(finance.PermReportRead))
	}
	return nil
}

func invalid(field, key string) error {
	return apperr.InvalidFields(apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key)})
}

func validDate(s string) bool {
	if len(s) != len(db.DateLayout) {
		return false
	}
	_, err := time.Parse(db.DateLayout, s)
	return err == nil
}

// dayBefore returns the day before a date.
func dayBefore(date string) string {
	d, _ := time.Parse(db.DateLayout, date)
	return d.AddDate(0, 0, -1).Format(db.DateLayout)
}

// checkRange checks a report's dates.
func checkRange(from, to string) error {
	var bad []apperr.FieldError
	if !validDate(from) {
		bad = append(bad, apperr.FieldError{Field: "from", Key: "fin.error.date_invalid", Message: i18n.TL(i18n.EN, "fin.error.date_invalid")})
	}
	if !validDate(to) {
		bad = append(bad, apperr.FieldError{Field: "to", Key: "fin.error.date_invalid", Message: i18n.TL(i18n.EN, "fin.error.date_invalid")})
	}
	if len(bad) == 0 && to < from {
		bad = append(bad, apperr.FieldError{Field: "to", Key: "fin.error.range_invalid", Message: i18n.TL(i18n.EN, "fin.error.range_invalid")})
	}
	return apperr.InvalidFields(bad...)
}

// sums are base-currency debits and credits in units (fen).
type sums struct{ debit, credit int64 }

func (s sums) net() int64 { return s.debit - s.credit }

// cumulative returns, per account, the base-currency debits and credits of
// every posted line dated on or before date ("" means none: all zero).
func (s *Service) cumulative(ctx context.Context, c *ledger.Company, date string) (map[string]sums, error) {
	out := map[string]sums{}
	if date == "" {
		return out, nil
	}
	p, ok := c.PeriodOfDate(date)
	if !ok {
		return nil, fmt.Errorf("reports: bad date %s", date)
	}
	through := p.ID // whole periods up to and including this one come from balances
	if date != p.EndDate {
		through = prevPeriod(p.ID)
	}
	rows, err := s.db.Query(ctx, `SELECT account_id, sum(base_debit), sum(base_credit) FROM fin_balance WHERE period <= $1 GROUP BY account_id`, through)
	if err != nil {
		return nil, err
	}
	if err := addSums(rows, out); err != nil {
		return nil, err
	}
	if date != p.EndDate {
		// The partial month: every line of the days (a line carries its
		// entry's date; the index fin_line_date covers this read), less the
		// lines of entries not posted, which are few and found through the
		// status index (hence IN rather than <> 'posted').
		rows, err := s.db.Query(ctx, `SELECT account_id, sum(base_debit), sum(base_credit) FROM fin_line
			WHERE date >= $1 AND date <= $2 GROUP BY account_id`, p.StartDate, date)
		if err != nil {
			return nil, err
		}
		if err := addSums(rows, out); err != nil {
			return nil, err
		}
		rows, err = s.db.Query(ctx, `SELECT l.account_id, sum(l.base_debit), sum(l.base_credit)
			FROM fin_entry e JOIN fin_line l ON l.entry_id = e.id
			WHERE e.status IN ('draft', 'posting') AND l.date >= $1 AND l.date <= $2 GROUP BY l.account_id`, p.StartDate, date)
		if err != nil {
			return nil, err
		}
		unposted := map[string]sums{}
		if err := addSums(rows, unposted); err != nil {
			return nil, err
		}
		for id, u := range unposted {
			t := out[id]
			t.debit -= u.debit
			t.credit -= u.credit
			out[id] = t
		}
	}
	return out, nil
}

type rowsScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func addSums(rows rowsScanner, out map[string]sums) error {
	defer rows.Close()
	for rows.Next() {
		var (
			id   string
			d, c money.Amount
		)
		if err := rows.Scan(&id, &d, &c); err != nil {
			return err
		}
		s := out[id]
		s.debit += d.Units()
		s.credit += c.Units()
		out[id] = s
	}
	return rows.Err()
}

// prevPeriod returns the period before one such as 2026-01 (2025-12).
func prevPeriod(id string) string {
	d, err := time.Parse("2006-01", id)
	if err != nil {
		return id
	}
	return d.AddDate(0, -1, 0).Format("2006-01")
}

// context returns the company and chart read in one snapshot with the report.
func (s *Service) context(ctx context.Context) (*ledger.Company, []ledger.Account, error) {
	sys := authz.WithPrincipal(ctx, authz.System())
	c, err := s.ledger.Company(sys)
	if err != nil {
		return nil, nil, err
	}
	as, err := s.ledger.Accounts(sys, ledger.AccountFilter{})
	if err != nil {
		return nil, nil, err
	}
	return c, as, nil
}

// TBRow is one account of the trial balance: balances in the base currency
// on the account's normal side (a negative amount sits on the other side).
type TBRow struct {
	Account       ledger.Account `json:"account"`
	OpeningDebit  money.Amount   `json:"opening_debit"`
	OpeningCredit money.Amount   `json:"opening_credit"`
	Debit         money.Amount   `json:"debit"`
	Credit        money.Amount   `json:"credit"`
	ClosingDebit  money.Amount   `json:"closing_debit"`
	ClosingCredit money.Amount   `json:"closing_credit"`
}

// TrialBalance is the 科目余额表 of a date range.
type TrialBalance struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	Currency string  `json:"currency"`
	Rows     []TBRow `json:"rows"`
	Total    TBRow   `json:"total"` // over top-level accounts: debits equal credits
}

// TBOptions shape a trial balance.
type TBOptions struct {
	From, To string
	Level    int  // deepest account level shown; 0 shows all
	Zero     bool // also accounts without balance or movement
}

// TrialBalance returns each account's opening balance, debits and credits
// in the range and closing balance, parents as the sum of their children.
// It needs PermReportRead.
func (s *Service) TrialBalance(ctx context.Context, o TBOptions) (*TrialBalance, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if err := checkRange(o.From, o.To); err != nil {
		return nil, err
	}
	var out *TrialBalance
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		c, as, err := s.context(ctx)
		if err != nil {
			return err
		}
		open, err := s.cumulative(ctx, c, dayBefore(o.From))
		if err != nil {
			return err
		}
		closing, err := s.cumulative(ctx, c, o.To)
		if err != nil {
			return err
		}
		out = &TrialBalance{From: o.From, To: o.To, Currency: c.BaseCurrency}
		// Roll each account's sums up into its ancestors.
		byID := map[string]*ledger.Account{}
		for i := range as {
			byID[as[i].ID] = &as[i]
		}
		type pair struct{ open, close sums }
		roll := map[string]*pair{}
		for id := range byID {
			roll[id] = &pair{}
		}
		for id, a := range byID {
			op, cl := open[id], closing[id]
			for x := a; x != nil; x = byID[x.ParentID] {
				r := roll[x.ID]
				r.open.debit += op.debit
				r.open.credit += op.credit
				r.close.debit += cl.debit
				r.close.credit += cl.credit
			}
		}
		var total TBRow
		for _, a := range as {
			r := roll[a.ID]
			move := sums{r.close.debit - r.open.debit, r.close.credit - r.open.credit}
			row := TBRow{Account: a, Debit: money.AmountFromUnits(move.debit), Credit: money.AmountFromUnits(move.credit)}
			row.OpeningDebit, row.OpeningCredit = sides(r.open.net())
			row.ClosingDebit, row.ClosingCredit = sides(r.close.net())
			if a.ParentID == "" {
				total = addRow(total, row)
			}
			if o.Level > 0 && a.Level > o.Level {
				continue
			}
			if !o.Zero && r.open.net() == 0 && r.close.net() == 0 && move.debit == 0 && move.credit == 0 {
				continue
			}
			out.Rows = append(out.Rows, row)
		}
		total.Account = ledger.Account{}
		out.Total = total
		return nil
	})
	return out, err
}

// sides puts a net debit balance on the debit side and a net credit on the credit side.
func sides(net int64) (money.Amount, money.Amount) {
	if net >= 0 {
		return money.AmountFromUnits(net), money.Amount{}
	}
	return money.Amount{}, money.AmountFromUnits(-net)
}

func addRow(t, r TBRow) TBRow {
	add := func(a, b money.Amount) money.Amount { return money.AmountFromUnits(a.Units() + b.Units()) }
	t.OpeningDebit, t.OpeningCredit = add(t.OpeningDebit, r.OpeningDebit), add(t.OpeningCredit, r.OpeningCredit)
	t.Debit, t.Credit = add(t.Debit, r.Debit), add(t.Credit, r.Credit)
	t.ClosingDebit, t.ClosingCredit = add(t.ClosingDebit, r.ClosingDebit), add(t.ClosingCredit, r.ClosingCredit)
	return t
}

// LedgerLine is one posted line of an account's ledger, with the running
// balance after it (positive on the account's normal side).
type LedgerLine struct {
	Date        string       `json:"date"`
	EntryID     string       `json:"entry_id"`
	Number      string       `json:"number"`
	Memo        string       `json:"memo"`
	AccountCode string       `json:"account_code"`
	SourceKind  string       `json:"source_kind"`
	Currency    string       `json:"currency"`
	Amount      money.Amount `json:"amount"` // in the line's currency
	Debit       money.Amount `json:"debit"`
	Credit      money.Amount `json:"credit"`
	Balance     money.Amount `json:"balance"`
}

// AccountLedger is an account's 明细账 over a date range.
type AccountLedger struct {
	Account  ledger.Account `json:"account"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Currency string         `json:"currency"`
	Opening  money.Amount   `json:"opening"`
	Debit    money.Amount   `json:"debit"`
	Credit   money.Amount   `json:"credit"`
	Closing  money.Amount   `json:"closing"`
	Lines    []LedgerLine   `json:"lines"`
	// More is true when Lines stopped at the limit; the totals count every line.
	More bool `json:"more"`
}

// LedgerOptions select an account's ledger.
type LedgerOptions struct {
	Account  string // id or code; a parent account shows the lines of all its sub-accounts
	From, To string
	Limit    int // lines shown; 0 means 2000, -1 means every line (exports)
}

// Ledger returns an account's opening balance, its posted lines in the
// range with the running balance, and its closing balance. It needs
// PermReportRead.
func (s *Service) Ledger(ctx context.Context, o LedgerOptions) (*AccountLedger, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if err := checkRange(o.From, o.To); err != nil {
		return nil, err
	}
	if o.Limit == 0 {
		o.Limit = 2000
	}
	var out *AccountLedger
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		c, as, err := s.context(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(as, func(a ledger.Account) bool { return a.ID == o.Account || a.Code == o.Account })
		if i < 0 {
			return invalid("account", "fin.error.account_unknown")
		}
		acct := as[i]
		ids := descendants(as, acct.ID)
		sign := int64(1)
		if acct.NormalBalance == coa.Credit {
			sign = -1
		}
		open, err := s.cumulative(ctx, c, dayBefore(o.From))
		if err != nil {
			return err
		}
		var opening int64
		for _, id := range ids {
			opening += open[id].net()
		}
		out = &AccountLedger{Account: acct, From: o.From, To: o.To, Currency: c.BaseCurrency, Opening: money.AmountFromUnits(sign * opening), Lines: []LedgerLine{}}
		codes := map[string]string{}
		for _, a := range as {
			codes[a.ID] = a.Code
		}
		args := []any{o.From, o.To}
		ph := make([]string, len(ids))
		for k, id := range ids {
			args = append(args, id)
			ph[k] = fmt.Sprintf("$%d", k+3)
		}
		rows, err := s.db.Query(ctx, `SELECT l.date, e.id, COALESCE(e.number, ''), CASE WHEN l.memo <> '' THEN l.memo ELSE e.memo END,
			l.account_id, e.source_kind, l.currency, l.debit + l.credit, l.base_debit, l.base_credit
			FROM fin_line l JOIN fin_entry e ON e.id = l.entry_id
			WHERE l.date >= $1 AND l.date <= $2 AND e.status = 'posted' AND l.account_id IN (`+strings.Join(ph, ", ")+`)
			ORDER BY l.date, e.posted_at, e.number, l.line_no`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		bal := opening
		var dr, cr int64
		for rows.Next() {
			var (
				l       LedgerLine
				account string
			)
			if err := rows.Scan(&l.Date, &l.EntryID, &l.Number, &l.Memo, &account, &l.SourceKind, &l.Currency, &l.Amount, &l.Debit, &l.Credit); err != nil {
				return err
			}
			dr += l.Debit.Units()
			cr += l.Credit.Units()
			bal += l.Debit.Units() - l.Credit.Units()
			if o.Limit >= 0 && len(out.Lines) >= o.Limit {
				out.More = true
				continue
			}
			l.AccountCode = codes[account]
			l.Balance = money.AmountFromUnits(sign * bal)
			out.Lines = append(out.Lines, l)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out.Debit, out.Credit = money.AmountFromUnits(dr), money.AmountFromUnits(cr)
		out.Closing = money.AmountFromUnits(sign * bal)
		return nil
	})
	return out, err
}

// descendants returns an account's id and the ids of all accounts below it.
func descendants(as []ledger.Account, id string) []string {
	out := []string{id}
	for i := 0; i < len(out); i++ {
		for _, a := range as {
			if a.ParentID == out[i] {
				out = append(out, a.ID)
			}
		}
	}
	return out
}
