package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// SourceYearClose is the source kind of the year-end closing entries
// (结转损益); their source ids are "<year>-pl" and "<year>-retained". Only
// the ledger posts them, and they may post into the year's last period
// after it was closed (not locked).
const SourceYearClose = "fin.year_close"

// Message keys of the year-end close.
const (
	keyYearInvalid     = "fin.yc.error.year_invalid"
	keyYearOpenPeriods = "fin.yc.error.open_periods"
	keyYearClosed      = "fin.yc.error.already_closed"
	keyYearAccount     = "fin.yc.error.account"
	keyYearLocked      = "fin.yc.error.locked"
)

// YearCloseLine is one line of a closing entry.
type YearCloseLine struct {
	Code   string       `json:"code"`
	NameZH string       `json:"name_zh"`
	NameEN string       `json:"name_en"`
	Debit  money.Amount `json:"debit"`
	Credit money.Amount `json:"credit"`
}

// YearClose is the closing of a fiscal year: the revenue and expense
// accounts closed into the current-year profit account (3103 本年利润), and
// that account's balance moved to retained earnings (3104 利润分配).
type YearClose struct {
	FiscalYear  int             `json:"fiscal_year"`
	Date        string          `json:"date"`
	Profit      money.Amount    `json:"profit"`   // the year's net profit (a loss is negative)
	Transfer    money.Amount    `json:"transfer"` // moved from the profit account to retained earnings
	ProfitCode  string          `json:"profit_account"`
	Retained    string          `json:"retained_account"`
	Lines       []YearCloseLine `json:"lines"`          // the closing entry of the P&L accounts
	Transfers   []YearCloseLine `json:"transfer_lines"` // the transfer to retained earnings
	OpenPeriods []string        `json:"open_periods"`
	Closed      bool            `json:"closed"`
	EntryIDs    []string        `json:"entry_ids,omitempty"`
}

// closingAccounts returns the current-year profit and retained earnings
// accounts of the chart.
func closingAccounts(c *chart) (profit, retained *Account, err error) {
	pc, rc := "3103", "3104"
	if c.company.ChartTemplate == coa.International {
		pc, rc = "3200", "3100"
	}
	profit, retained = c.byCode[pc], c.byCode[rc]
	if profit == nil || !profit.Active || profit.HasChildren {
		return nil, nil, invalidP("fiscal_year", keyYearAccount, map[string]any{"Account": pc})
	}
	if retained == nil || !retained.Active || retained.HasChildren {
		return nil, nil, invalidP("fiscal_year", keyYearAccount, map[string]any{"Account": rc})
	}
	return profit, retained, nil
}

// yearClose computes the closing entries of a fiscal year as the
// transaction in ctx sees the books.
func (s *Service) yearClose(ctx context.Context, fy int) (*YearClose, *chart, []*Entry, error) {
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if fy < 1900 || fy > 9999 {
		return nil, nil, nil, invalid("fiscal_year", keyYearInvalid)
	}
	periods := c.company.yearPeriods(fy)
	first, last := periods[0], periods[len(periods)-1]
	out := &YearClose{FiscalYear: fy, Date: last.EndDate, Lines: []YearCloseLine{}, Transfers: []YearCloseLine{}, OpenPeriods: []string{}}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM fin_year_close WHERE fiscal_year = $1`, fy).Scan(&n); err != nil {
		return nil, nil, nil, err
	}
	out.Closed = n > 0
	ids := make([]string, len(periods))
	for i, p := range periods {
		ids[i] = p.ID
	}
	st, err := s.statuses(ctx, ids)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, id := range ids {
		if st[id] != PeriodClosed && st[id] != PeriodLocked && id >= c.company.BooksStart[:7] {
			out.OpenPeriods = append(out.OpenPeriods, id)
		}
	}
	profitAcct, retainedAcct, err := closingAccounts(c)
	if err != nil {
		return nil, nil, nil, err
	}
	out.ProfitCode, out.Retained = profitAcct.Code, retainedAcct.Code
	rows, err := s.db.Query(ctx, `SELECT account_id, sum(base_debit) - sum(base_credit) FROM fin_balance
		WHERE period >= $1 AND period <= $2 GROUP BY account_id`, first.ID, last.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	nets := map[string]int64{}
	for rows.Next() {
		var (
			id  string
			net money.Amount
		)
		if err := rows.Scan(&id, &net); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		nets[id] = net.Units()
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	base := c.company.BaseCurrency
	mk := func(a *Account, net int64) Line {
		l := Line{AccountID: a.ID, AccountCode: a.Code, AccountNameZH: a.NameZH, AccountNameEN: a.NameEN, Currency: base, Rate: one}
		if net > 0 {
			l.Credit = money.AmountFromUnits(net)
		} else {
			l.Debit = money.AmountFromUnits(-net)
		}
		return l
	}
	var lines []Line
	var profit int64 // credit − debit of the P&L accounts
	for _, a := range c.ordered {
		if a.Type != coa.Revenue && a.Type != coa.Expense || a.HasChildren || nets[a.ID] == 0 {
			continue
		}
		lines = append(lines, mk(a, nets[a.ID]))
		profit -= nets[a.ID]
	}
	out.Profit = money.AmountFromUnits(profit)
	var es []*Entry
	memo := func(key string) string { return i18n.T(ctx, key, map[string]any{"Year": fy}) }
	if len(lines) > 0 {
		if profit != 0 {
			lines = append(lines, mk(profitAcct, profit))
		}
		es = append(es, &Entry{ID: db.NewID(), JournalID: c.defaultJournal.ID, Date: last.EndDate, SourceKind: SourceYearClose,
			SourceID: fmt.Sprintf("%d-pl", fy), SourceNumber: fmt.Sprintf("FY%d", fy), Memo: memo("fin.yc.memo_pl"), Lines: lines})
	}
	// The profit account's balance at the year's end, after the closing entry.
	var before money.Amount
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(base_credit) - sum(base_debit), 0) FROM fin_balance WHERE account_id = $1 AND period <= $2`,
		profitAcct.ID, last.ID).Scan(&before); err != nil {
		return nil, nil, nil, err
	}
	transfer := before.Units() + profit
	out.Transfer = money.AmountFromUnits(transfer)
	if transfer != 0 {
		es = append(es, &Entry{ID: db.NewID(), JournalID: c.defaultJournal.ID, Date: last.EndDate, SourceKind: SourceYearClose,
			SourceID: fmt.Sprintf("%d-retained", fy), SourceNumber: fmt.Sprintf("FY%d", fy), Memo: memo("fin.yc.memo_retained"),
			Lines: []Line{mk(profitAcct, -transfer), mk(retainedAcct, transfer)}})
	}
	for _, e := range es {
		for i := range e.Lines {
			e.Lines[i].LineNo = i + 1
		}
		if err := balance(e.Lines); err != nil {
			return nil, nil, nil, err
		}
	}
	view := func(ls []Line) []YearCloseLine {
		out := make([]YearCloseLine, len(ls))
		for i, l := range ls {
			out[i] = YearCloseLine{Code: l.AccountCode, NameZH: l.AccountNameZH, NameEN: l.AccountNameEN, Debit: l.Debit, Credit: l.Credit}
		}
		return out
	}
	for _, e := range es {
		if strings.HasSuffix(e.SourceID, "-pl") {
			out.Lines = view(e.Lines)
		} else {
			out.Transfers = view(e.Lines)
		}
	}
	return out, c, es, nil
}

// YearClosePreview shows the closing entries of a fiscal year without
// posting them; it needs PermYearClose or PermReportRead.
func (s *Service) YearClosePreview(ctx context.Context, fy int) (*YearClose, error) {
	if _, err := requireAny(ctx, finance.PermYearClose, finance.PermReportRead); err != nil {
		return nil, err
	}
	var out *YearClose
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		var err error
		out, _, _, err = s.yearClose(ctx, fy)
		return err
	})
	return out, err
}

// CloseYear posts the closing entries of a fiscal year, dated its last
// day: every revenue and expense account's balance of the year into the
// current-year profit account, and that account's balance into retained
// earnings. It runs once per year. While periods of the year are still open
// the finance manager must say so (force), having seen the preview; the
// entries post into the year's last period even when it is closed, not when
// it is locked. It needs PermYearClose.
func (s *Service) CloseYear(ctx context.Context, fy int, force bool) (*YearClose, error) {
	if _, err := require(ctx, finance.PermYearClose); err != nil {
		return nil, err
	}
	var out *YearClose
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_year_close (fiscal_year, date, entry_id, created_at, created_by)
			VALUES ($1, '', '', $2, $3) ON CONFLICT (fiscal_year) DO NOTHING`, fy, db.Millis(s.now()), actor(ctx))
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyYearClosed, map[string]any{"Year": fy})
		}
		yc, c, es, err := s.yearClose(ctx, fy)
		if err != nil {
			return err
		}
		if len(yc.OpenPeriods) > 0 && !force {
			return invalidP("force", keyYearOpenPeriods, map[string]any{"Periods": strings.Join(yc.OpenPeriods, ", ")})
		}
		last := c.company.yearPeriods(fy)[11]
		st, err := s.statuses(ctx, []string{last.ID})
		if err != nil {
			return err
		}
		if st[last.ID] == PeriodLocked {
			return invalidP("fiscal_year", keyYearLocked, map[string]any{"Period": last.ID})
		}
		ids, err := s.postNew(ctx, c, es)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(es, func(e *Entry) bool { return !slices.Contains(ids, e.ID) }) {
			return conflict(keyYearClosed, map[string]any{"Year": fy})
		}
		yc.EntryIDs, yc.Closed = ids, true
		if _, err := s.db.Exec(ctx, `UPDATE fin_year_close SET date = $1, entry_id = $2 WHERE fiscal_year = $3`,
			yc.Date, strings.Join(ids, ","), fy); err != nil {
			return err
		}
		out = yc
		return s.record(ctx, "fin.year.closed", "fin.year", fmt.Sprint(fy), nil, map[string]any{"fiscal_year": fy, "date": yc.Date,
			"profit": yc.Profit, "transfer": yc.Transfer, "entries": ids, "open_periods": yc.OpenPeriods})
	})
	return out, err
}
