package reports

import (
	"context"
	"slices"

	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Kinds of statement lines.
const (
	LineGroup    = "group"    // the accounts of one report group
	LineSubtotal = "subtotal" // a sum of the lines above
	LineSection  = "section"  // a heading
)

// StatementLine is one line of the income statement or the balance sheet.
// Key is a report group (coa.Group…) or a subtotal's name; Less marks a
// line subtracted in the subtotals below it (减).
type StatementLine struct {
	Key      string       `json:"key"`
	Kind     string       `json:"kind"`
	Less     bool         `json:"less,omitempty"`
	Amount   money.Amount `json:"amount"`
	Previous money.Amount `json:"previous"` // year to date (income), or at the start of the year (balance sheet)
	Accounts []string     `json:"accounts,omitempty"`
}

// IncomeStatement is the 利润表 of a date range, with the year to date.
type IncomeStatement struct {
	From      string          `json:"from"`
	To        string          `json:"to"`
	YearStart string          `json:"year_start"`
	Currency  string          `json:"currency"`
	Lines     []StatementLine `json:"lines"`
}

// incomeShape is the income statement's layout: groups with their sign,
// and the subtotals after them.
var incomeShape = []struct {
	key  string
	less bool
}{
	{coa.GroupRevenue, false}, {coa.GroupCostOfSales, true}, {coa.GroupTaxesSurcharges, true}, {coa.GroupSelling, true},
	{coa.GroupAdministrative, true}, {coa.GroupFinancial, true}, {coa.GroupInvestmentIncome, false},
	{"operating_profit", false},
	{coa.GroupNonOperatingIncome, false}, {coa.GroupNonOperatingExp, true},
	{"total_profit", false},
	{coa.GroupIncomeTax, true},
	{"net_profit", false},
}

// incomeGroup is the income-statement group an account adds to.
func incomeGroup(a ledger.Account) string {
	if slices.Contains(coa.IncomeGroups, a.ReportGroup) {
		return a.ReportGroup
	}
	if a.Type == coa.Revenue {
		return coa.GroupNonOperatingIncome
	}
	return coa.GroupNonOperatingExp
}

// IncomeStatement returns revenue, costs and profit for the range and for
// the fiscal year up to its end. It reads the revenue and expense accounts
// directly, so it needs no closing entries (结转损益). It needs PermReportRead.
func (s *Service) IncomeStatement(ctx context.Context, from, to string) (*IncomeStatement, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	var out *IncomeStatement
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		c, as, err := s.context(ctx)
		if err != nil {
			return err
		}
		yearStart := c.YearStart(to)
		cum := map[string]map[string]sums{}
		for _, d := range []string{dayBefore(from), to, dayBefore(yearStart)} {
			if cum[d], err = s.cumulative(ctx, c, d); err != nil {
				return err
			}
		}
		period, ytd := map[string]int64{}, map[string]int64{}
		// The year-end closing entries (结转损益) do not count as the year's movement.
		closeP, err := s.closingNets(ctx, from, to)
		if err != nil {
			return err
		}
		closeY, err := s.closingNets(ctx, yearStart, to)
		if err != nil {
			return err
		}
		members := map[string][]string{}
		for _, a := range as {
			if a.Type != coa.Revenue && a.Type != coa.Expense || a.HasChildren {
				continue
			}
			g := incomeGroup(a)
			sign := int64(1) // revenue: credit − debit; expense: debit − credit
			if a.Type == coa.Revenue {
				sign = -1
			}
			p := cum[to][a.ID].net() - cum[dayBefore(from)][a.ID].net() - closeP[a.ID]
			y := cum[to][a.ID].net() - cum[dayBefore(yearStart)][a.ID].net() - closeY[a.ID]
			if p != 0 || y != 0 {
				members[g] = append(members[g], a.Code)
			}
			period[g] += sign * p
			ytd[g] += sign * y
		}
		out = &IncomeStatement{From: from, To: to, YearStart: yearStart, Currency: c.BaseCurrency}
		var runP, runY int64
		for _, l := range incomeShape {
			if slices.Contains(coa.IncomeGroups, l.key) {
				p, y := period[l.key], ytd[l.key]
				if l.less {
					runP, runY = runP-p, runY-y
				} else {
					runP, runY = runP+p, runY+y
				}
				out.Lines = append(out.Lines, StatementLine{Key: l.key, Kind: LineGroup, Less: l.less,
					Amount: money.AmountFromUnits(p), Previous: money.AmountFromUnits(y), Accounts: members[l.key]})
				continue
			}
			out.Lines = append(out.Lines, StatementLine{Key: l.key, Kind: LineSubtotal,
				Amount: money.AmountFromUnits(runP), Previous: money.AmountFromUnits(runY)})
		}
		return nil
	})
	return out, err
}

// BalanceSheet is the 资产负债表 at a date, beside the start of its fiscal year.
type BalanceSheet struct {
	Date      string          `json:"date"`
	YearStart string          `json:"year_start"`
	Currency  string          `json:"currency"`
	Lines     []StatementLine `json:"lines"`
	// Balanced reports whether assets equal liabilities and equity (they
	// always do while the ledger balances).
	Balanced bool `json:"balanced"`
}

// balanceSections is the balance sheet's layout.
var balanceSections = []struct {
	section, total string
}{
	{"current_assets", "total_current_assets"},
	{"non_current_assets", "total_non_current_assets"},
	{"current_liabilities", "total_current_liabilities"},
	{"non_current_liabilities", "total_non_current_liabilities"},
	{"equity", "total_equity"},
}

// balanceGroup is the balance-sheet group an account adds to; revenue and
// expense accounts (profit not yet closed) add to retained earnings.
func balanceGroup(a ledger.Account) string {
	for _, sec := range balanceSections {
		if slices.Contains(coa.BalanceSheetGroups[sec.section], a.ReportGroup) {
			return a.ReportGroup
		}
	}
	switch a.Type {
	case coa.Asset:
		return coa.GroupOtherCurrent
	case coa.Liability:
		return coa.GroupOtherPayables
	}
	return coa.GroupRetained
}

// BalanceSheet returns assets, liabilities and equity at a date and at the
// start of its fiscal year; the profit of revenue and expense accounts not
// closed to equity shows in retained earnings. It needs PermReportRead.
func (s *Service) BalanceSheet(ctx context.Context, date string) (*BalanceSheet, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if !validDate(date) {
		return nil, invalid("date", "fin.error.date_invalid")
	}
	var out *BalanceSheet
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		c, as, err := s.context(ctx)
		if err != nil {
			return err
		}
		yearStart := c.YearStart(date)
		now, err := s.cumulative(ctx, c, date)
		if err != nil {
			return err
		}
		then, err := s.cumulative(ctx, c, dayBefore(yearStart))
		if err != nil {
			return err
		}
		at, start := map[string]int64{}, map[string]int64{}
		members := map[string][]string{}
		for _, a := range as {
			if a.HasChildren {
				continue
			}
			g := balanceGroup(a)
			sign := int64(-1) // liabilities and equity: credit − debit
			if a.Type == coa.Asset {
				sign = 1
			}
			x, y := sign*now[a.ID].net(), sign*then[a.ID].net()
			if x != 0 || y != 0 {
				members[g] = append(members[g], a.Code)
			}
			at[g] += x
			start[g] += y
		}
		out = &BalanceSheet{Date: date, YearStart: yearStart, Currency: c.BaseCurrency}
		totals := map[string][2]int64{}
		for _, sec := range balanceSections {
			out.Lines = append(out.Lines, StatementLine{Key: sec.section, Kind: LineSection})
			var tx, ty int64
			for _, g := range coa.BalanceSheetGroups[sec.section] {
				out.Lines = append(out.Lines, StatementLine{Key: g, Kind: LineGroup, Amount: money.AmountFromUnits(at[g]),
					Previous: money.AmountFromUnits(start[g]), Accounts: members[g]})
				tx, ty = tx+at[g], ty+start[g]
			}
			out.Lines = append(out.Lines, StatementLine{Key: sec.total, Kind: LineSubtotal, Amount: money.AmountFromUnits(tx), Previous: money.AmountFromUnits(ty)})
			totals[sec.section] = [2]int64{tx, ty}
			switch sec.section {
			case "non_current_assets":
				a := [2]int64{totals["current_assets"][0] + tx, totals["current_assets"][1] + ty}
				totals["assets"] = a
				out.Lines = append(out.Lines, StatementLine{Key: "total_assets", Kind: LineSubtotal, Amount: money.AmountFromUnits(a[0]), Previous: money.AmountFromUnits(a[1])})
			case "non_current_liabilities":
				l := [2]int64{totals["current_liabilities"][0] + tx, totals["current_liabilities"][1] + ty}
				totals["liabilities"] = l
				out.Lines = append(out.Lines, StatementLine{Key: "total_liabilities", Kind: LineSubtotal, Amount: money.AmountFromUnits(l[0]), Previous: money.AmountFromUnits(l[1])})
			case "equity":
				le := [2]int64{totals["liabilities"][0] + tx, totals["liabilities"][1] + ty}
				out.Lines = append(out.Lines, StatementLine{Key: "total_liabilities_equity", Kind: LineSubtotal, Amount: money.AmountFromUnits(le[0]), Previous: money.AmountFromUnits(le[1])})
				out.Balanced = le == totals["assets"]
			}
		}
		return nil
	})
	return out, err
}
