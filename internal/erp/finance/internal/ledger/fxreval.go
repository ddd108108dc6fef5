package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// SourceFXReval is the source kind of period-end exchange revaluations:
// source id "<period>" for the revaluation dated the period's last day and
// "<period>-r" for its reversal on the next period's first day. Their lines
// carry base amounts only (no amount in the foreign currency), so the
// receivables and payables in their own currencies stay as they were.
const SourceFXReval = "fin.fx_reval"

// Message keys of the revaluation.
const (
	keyFXPeriod  = "fin.fx.error.period_invalid"
	keyFXDone    = "fin.fx.error.already_revalued"
	keyFXAccount = "fin.fx.error.account"
	keyFXNothing = "fin.fx.error.nothing"
)

// FXRevalLine is one balance revalued at the closing rate.
type FXRevalLine struct {
	AccountID    string       `json:"account_id"`
	AccountCode  string       `json:"account_code"`
	PartnerKind  string       `json:"partner_kind,omitempty"`
	PartnerID    string       `json:"partner_id,omitempty"`
	Currency     string       `json:"currency"`
	Balance      money.Amount `json:"balance"`       // in the currency, debit positive
	BookedBase   money.Amount `json:"booked_base"`   // its base amount in the books
	Rate         money.Rate   `json:"rate"`          // the closing rate
	RevaluedBase money.Amount `json:"revalued_base"` // balance × rate, half-up
	Difference   money.Amount `json:"difference"`    // revalued − booked: a gain on assets when positive
}

// FXReval is the exchange revaluation of a period's end.
type FXReval struct {
	Period       string        `json:"period"`
	Date         string        `json:"date"`
	ReversalDate string        `json:"reversal_date"`
	Account      string        `json:"exchange_account"`
	Lines        []FXRevalLine `json:"lines"`
	Gain         money.Amount  `json:"gain"` // net exchange gain (a loss is negative)
	Posted       bool          `json:"posted"`
	EntryID      string        `json:"entry_id,omitempty"`
	ReversalID   string        `json:"reversal_id,omitempty"`
}

// exchangeAccount is where exchange differences go: 560303 汇兑损益 when
// the chart has it, else 5603 财务费用 (6200 in the international chart).
func exchangeAccount(c *chart) *Account {
	codes := []string{"560303", "5603"}
	if c.company.ChartTemplate == coa.International {
		codes = []string{"6200"}
	}
	for _, code := range codes {
		if a := c.byCode[code]; a != nil && a.Active && !a.HasChildren {
			return a
		}
	}
	return nil
}

// fxReval computes the revaluation of a period as the transaction in ctx
// sees the books.
func (s *Service) fxReval(ctx context.Context, period string) (*FXReval, *chart, []*Entry, error) {
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	p, ok := c.company.periodByID(period)
	if !ok {
		return nil, nil, nil, invalid("period", keyFXPeriod)
	}
	end, _ := time.Parse(db.DateLayout, p.EndDate)
	out := &FXReval{Period: p.ID, Date: p.EndDate, ReversalDate: end.AddDate(0, 0, 1).Format(db.DateLayout), Lines: []FXRevalLine{}}
	xa := exchangeAccount(c)
	if xa == nil {
		return nil, nil, nil, invalid("period", keyFXAccount)
	}
	out.Account = xa.Code
	var ids []string
	rows, err := s.db.Query(ctx, `SELECT id FROM fin_entry WHERE source_kind = $1 AND source_id IN ($2, $3) ORDER BY source_id`,
		SourceFXReval, p.ID, p.ID+"-r")
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) > 0 {
		out.Posted, out.EntryID = true, ids[0]
		if len(ids) > 1 {
			out.ReversalID = ids[1]
		}
	}
	base := c.company.BaseCurrency
	rows, err = s.db.Query(ctx, `SELECT l.account_id, l.partner_kind, l.partner_id, l.currency,
		sum(l.debit) - sum(l.credit), sum(l.base_debit) - sum(l.base_credit)
		FROM fin_line l JOIN fin_entry e ON e.id = l.entry_id JOIN fin_account a ON a.id = l.account_id
		WHERE e.status = 'posted' AND l.date <= $1 AND l.currency <> $2 AND (a.control IN ('ar', 'ap') OR a.cash = 1)
		AND NOT (e.source_kind = $3 AND e.source_id IN ($4, $5))
		GROUP BY l.account_id, l.partner_kind, l.partner_id, l.currency`, p.EndDate, base, SourceFXReval, p.ID, p.ID+"-r")
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var l FXRevalLine
		if err := rows.Scan(&l.AccountID, &l.PartnerKind, &l.PartnerID, &l.Currency, &l.Balance, &l.BookedBase); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		if l.Balance.IsZero() && l.BookedBase.IsZero() {
			continue
		}
		if a := c.accounts[l.AccountID]; a != nil {
			l.AccountCode = a.Code
		}
		out.Lines = append(out.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	slices.SortFunc(out.Lines, func(a, b FXRevalLine) int {
		return strings.Compare(a.Currency+a.AccountCode+a.PartnerID, b.Currency+b.AccountCode+b.PartnerID)
	})
	rates := map[string]money.Rate{}
	var gain int64
	kept := out.Lines[:0]
	for _, l := range out.Lines {
		r, ok := rates[l.Currency]
		if !ok {
			var found bool
			if r, found, err = s.rateFor(ctx, base, l.Currency, p.EndDate); err != nil {
				return nil, nil, nil, err
			}
			if !found {
				return nil, nil, nil, invalidP("currency", keyRateMissing, map[string]any{"Currency": l.Currency, "Date": p.EndDate})
			}
			rates[l.Currency] = r
		}
		l.Rate = r
		if l.RevaluedBase, err = l.Balance.MulRate(r, money.RoundHalfUp); err != nil {
			return nil, nil, nil, invalid("lines", keyOverflow)
		}
		if l.Difference, err = l.RevaluedBase.Sub(l.BookedBase); err != nil {
			return nil, nil, nil, invalid("lines", keyOverflow)
		}
		if l.Difference.IsZero() {
			continue
		}
		gain += l.Difference.Units()
		kept = append(kept, l)
	}
	out.Lines = kept
	out.Gain = money.AmountFromUnits(gain)
	if len(out.Lines) == 0 {
		return out, c, nil, nil
	}
	// The revaluation: each balance moves by its difference, and the
	// exchange account takes the opposite per currency, all in base amounts.
	var lines []Line
	perCurrency := map[string]int64{}
	var currencies []string
	for _, l := range out.Lines {
		a := c.accounts[l.AccountID]
		ln := Line{AccountID: a.ID, AccountCode: a.Code, AccountNameZH: a.NameZH, AccountNameEN: a.NameEN, Currency: l.Currency, Rate: l.Rate,
			PartnerKind: l.PartnerKind, PartnerID: l.PartnerID}
		if d := l.Difference.Units(); d > 0 {
			ln.BaseDebit = money.AmountFromUnits(d)
		} else {
			ln.BaseCredit = money.AmountFromUnits(-d)
		}
		lines = append(lines, ln)
		if _, ok := perCurrency[l.Currency]; !ok {
			currencies = append(currencies, l.Currency)
		}
		perCurrency[l.Currency] += l.Difference.Units()
	}
	for _, cur := range currencies {
		d := perCurrency[cur]
		if d == 0 {
			continue
		}
		ln := Line{AccountID: xa.ID, AccountCode: xa.Code, AccountNameZH: xa.NameZH, AccountNameEN: xa.NameEN, Currency: cur, Rate: rates[cur]}
		if d > 0 {
			ln.BaseCredit = money.AmountFromUnits(d)
		} else {
			ln.BaseDebit = money.AmountFromUnits(-d)
		}
		lines = append(lines, ln)
	}
	rev := make([]Line, len(lines))
	for i, l := range lines {
		lines[i].LineNo = i + 1
		l.LineNo = i + 1
		l.BaseDebit, l.BaseCredit = l.BaseCredit, l.BaseDebit
		rev[i] = l
	}
	memo := func(key string) string { return i18n.T(ctx, key, map[string]any{"Period": p.ID}) }
	es := []*Entry{
		{ID: db.NewID(), JournalID: c.defaultJournal.ID, Date: out.Date, SourceKind: SourceFXReval, SourceID: p.ID,
			SourceNumber: "FX-" + p.ID, Memo: memo("fin.fx.memo"), Lines: lines},
		{ID: db.NewID(), JournalID: c.defaultJournal.ID, Date: out.ReversalDate, SourceKind: SourceFXReval, SourceID: p.ID + "-r",
			SourceNumber: "FX-" + p.ID, Memo: memo("fin.fx.memo_reversal"), Lines: rev},
	}
	return out, c, es, nil
}

// FXRevalPreview shows the exchange revaluation of a period (YYYY-MM)
// without posting it; it needs PermReportRead or PermEntryPost.
func (s *Service) FXRevalPreview(ctx context.Context, period string) (*FXReval, error) {
	if _, err := requireAny(ctx, finance.PermReportRead, finance.PermEntryPost); err != nil {
		return nil, err
	}
	var out *FXReval
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		var err error
		out, _, _, err = s.fxReval(ctx, period)
		return err
	})
	return out, err
}

// RevalueFX posts the exchange revaluation of a period's end: every
// foreign-currency balance of the receivables, payables and bank accounts
// (per customer or supplier) is valued at the closing rate of the period's
// last day, the difference is posted against the exchange account, and a
// reversal is posted on the first day of the next period. A currency
// without a rate is refused naming it; a period is revalued once. It needs
// PermEntryPost.
func (s *Service) RevalueFX(ctx context.Context, period string) (*FXReval, error) {
	if _, err := require(ctx, finance.PermEntryPost); err != nil {
		return nil, err
	}
	var out *FXReval
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		r, c, es, err := s.fxReval(ctx, period)
		if err != nil {
			return err
		}
		if r.Posted {
			return conflict(keyFXDone, map[string]any{"Period": r.Period})
		}
		if len(es) == 0 {
			return invalid("period", keyFXNothing)
		}
		for _, e := range es {
			if err := checkBaseBalance(e.Lines); err != nil {
				return err
			}
		}
		ids, err := s.postNew(ctx, c, es)
		if err != nil {
			return err
		}
		if ids[0] != es[0].ID || ids[1] != es[1].ID {
			return conflict(keyFXDone, map[string]any{"Period": r.Period})
		}
		r.Posted, r.EntryID, r.ReversalID = true, ids[0], ids[1]
		out = r
		return s.record(ctx, "fin.fx.revalued", kindEntry, ids[0], nil, map[string]any{"period": r.Period, "gain": r.Gain,
			"lines": len(r.Lines), "reversal_id": ids[1]})
	})
	return out, err
}

// checkBaseBalance makes sure base-only lines balance per currency.
func checkBaseBalance(lines []Line) error {
	sums := map[string]int64{}
	for _, l := range lines {
		sums[l.Currency] += l.BaseDebit.Units() - l.BaseCredit.Units()
	}
	for cur, v := range sums {
		if v != 0 {
			return fmt.Errorf("ledger: revaluation lines in %s do not balance by %d", cur, v)
		}
	}
	return nil
}
