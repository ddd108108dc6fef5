package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Cash-flow activities and their items (现金流量表, direct method). An
// item's key names its activity and direction.
const (
	ActivityOperating = "operating"
	ActivityInvesting = "investing"
	ActivityFinancing = "financing"
)

// CashFlowItems are the lines of the direct cash-flow statement, in order.
var CashFlowItems = []string{
	"op_in_sales", "op_in_other", "op_out_purchases", "op_out_wages", "op_out_taxes", "op_out_other",
	"inv_in_investments", "inv_in_disposals", "inv_in_other", "inv_out_investments", "inv_out_assets", "inv_out_other",
	"fin_in_borrowings", "fin_in_capital", "fin_in_other", "fin_out_repayments", "fin_out_interest", "fin_out_dividends", "fin_out_other",
}

// itemActivity returns an item's activity and direction.
func itemActivity(item string) (activity, direction string) {
	switch {
	case strings.HasPrefix(item, "op_"):
		activity = ActivityOperating
	case strings.HasPrefix(item, "inv_"):
		activity = ActivityInvesting
	default:
		activity = ActivityFinancing
	}
	direction = "out"
	if strings.Contains(item, "_in_") {
		direction = "in"
	}
	return activity, direction
}

// CashFlowRule classifies the counter-account of a cash posting.
type CashFlowRule struct {
	ID            string `json:"id"`
	AccountPrefix string `json:"account_prefix"` // the counter-account's code starts with it
	SourceKind    string `json:"source_kind"`    // "" any
	Direction     string `json:"direction"`      // in, out or "" either
	Item          string `json:"item"`
}

// CashFlowRow is one line of the statement.
type CashFlowRow struct {
	Item     string       `json:"item"`
	Activity string       `json:"activity"`
	In       bool         `json:"in"`
	Amount   money.Amount `json:"amount"` // always positive; In says its direction
}

// CashFlowActivity is one activity's lines and net flow.
type CashFlowActivity struct {
	Activity string        `json:"activity"`
	Rows     []CashFlowRow `json:"rows"`
	In       money.Amount  `json:"in"`
	Out      money.Amount  `json:"out"`
	Net      money.Amount  `json:"net"`
}

// CashFlow is the direct cash-flow statement of a date range in the base
// currency. Net equals Closing less Opening, as every posting to a cash
// account is classified by its counter-accounts.
type CashFlow struct {
	From       string             `json:"from"`
	To         string             `json:"to"`
	Currency   string             `json:"currency"`
	Activities []CashFlowActivity `json:"activities"`
	Net        money.Amount       `json:"net"`
	Opening    money.Amount       `json:"opening"`
	Closing    money.Amount       `json:"closing"`
	Reconciles bool               `json:"reconciles"`
}

// CashFlowLine is a counter-line behind an item, for drilling down.
type CashFlowLine struct {
	EntryID     string       `json:"entry_id"`
	Number      string       `json:"number"`
	Date        string       `json:"date"`
	Memo        string       `json:"memo"`
	SourceKind  string       `json:"source_kind"`
	AccountCode string       `json:"account_code"`
	Item        string       `json:"item"`
	Amount      money.Amount `json:"amount"` // in positive, out negative
}

// CashFlowRules lists the classification rules; it needs PermReportRead.
func (s *Service) CashFlowRules(ctx context.Context) ([]CashFlowRule, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	return s.cashFlowRules(ctx)
}

func (s *Service) cashFlowRules(ctx context.Context) ([]CashFlowRule, error) {
	rows, err := s.db.Query(ctx, `SELECT id, account_prefix, source_kind, direction, item FROM fin_cashflow_rule
		ORDER BY account_prefix, source_kind, direction`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CashFlowRule{}
	for rows.Next() {
		var r CashFlowRule
		if err := rows.Scan(&r.ID, &r.AccountPrefix, &r.SourceKind, &r.Direction, &r.Item); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func fieldErr(field, key string) apperr.FieldError {
	return apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key)}
}

// SaveCashFlowRule adds a rule, or changes the one with the same prefix,
// source kind and direction; it needs PermAccountManage.
func (s *Service) SaveCashFlowRule(ctx context.Context, in CashFlowRule) (*CashFlowRule, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(finance.PermAccountManage) {
		return nil, apperr.PermissionDenied(string(finance.PermAccountManage))
	}
	in.AccountPrefix = strings.TrimSpace(in.AccountPrefix)
	in.SourceKind = strings.TrimSpace(in.SourceKind)
	var bad []apperr.FieldError
	if in.AccountPrefix == "" || len(in.AccountPrefix) > 20 || strings.Trim(in.AccountPrefix, "0123456789") != "" {
		bad = append(bad, fieldErr("account_prefix", "fin.cashflow.error.prefix"))
	}
	if len(in.SourceKind) > 40 {
		bad = append(bad, fieldErr("source_kind", "fin.error.too_long"))
	}
	if in.Direction != "" && in.Direction != "in" && in.Direction != "out" {
		bad = append(bad, fieldErr("direction", "fin.cashflow.error.direction"))
	}
	if !slices.Contains(CashFlowItems, in.Item) {
		bad = append(bad, fieldErr("item", "fin.cashflow.error.item"))
	} else if _, dir := itemActivity(in.Item); in.Direction != "" && dir != in.Direction {
		bad = append(bad, fieldErr("item", "fin.cashflow.error.item_direction"))
	}
	if err := apperr.InvalidFields(bad...); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var before *CashFlowRule
		var old CashFlowRule
		err := s.db.QueryRow(ctx, `SELECT id, account_prefix, source_kind, direction, item FROM fin_cashflow_rule
			WHERE account_prefix = $1 AND source_kind = $2 AND direction = $3`, in.AccountPrefix, in.SourceKind, in.Direction).
			Scan(&old.ID, &old.AccountPrefix, &old.SourceKind, &old.Direction, &old.Item)
		if err == nil {
			before = &old
			in.ID = old.ID
			_, err = s.db.Exec(ctx, `UPDATE fin_cashflow_rule SET item = $1 WHERE id = $2`, in.Item, in.ID)
		} else {
			in.ID = db.NewID()
			_, err = s.db.Exec(ctx, `INSERT INTO fin_cashflow_rule (id, account_prefix, source_kind, direction, item) VALUES ($1, $2, $3, $4, $5)`,
				in.ID, in.AccountPrefix, in.SourceKind, in.Direction, in.Item)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "fin.cashflow_rule.saved", EntityKind: "fin.cashflow_rule", EntityID: in.ID,
			Before: before, After: in, At: time.Now()})
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// DeleteCashFlowRule removes a rule; it needs PermAccountManage.
func (s *Service) DeleteCashFlowRule(ctx context.Context, id string) error {
	p := authz.FromContext(ctx)
	if p == nil {
		return apperr.Unauthorized()
	}
	if !p.Can(finance.PermAccountManage) {
		return apperr.PermissionDenied(string(finance.PermAccountManage))
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecAffected(ctx, `DELETE FROM fin_cashflow_rule WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFound("cash-flow rule", id)
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "fin.cashflow_rule.deleted", EntityKind: "fin.cashflow_rule", EntityID: id, At: time.Now()})
	})
}

// classify returns the item of a counter-line: the rule with the longest
// prefix of its account's code, a rule for its source kind before one for
// any, one for its direction before one for either; else the activity's
// "other" line of operating activities.
func classify(rules []CashFlowRule, code, sourceKind, direction string) string {
	best, bestScore := "", -1
	for _, r := range rules {
		if !strings.HasPrefix(code, r.AccountPrefix) || (r.SourceKind != "" && r.SourceKind != sourceKind) ||
			(r.Direction != "" && r.Direction != direction) {
			continue
		}
		score := len(r.AccountPrefix) * 4
		if r.SourceKind != "" {
			score += 2
		}
		if r.Direction != "" {
			score++
		}
		if score > bestScore {
			best, bestScore = r.Item, score
		}
	}
	if best == "" {
		return "op_" + direction + "_other"
	}
	return best
}

// cashFlowLines returns the classified counter-lines of every posted entry
// in the range that moves a cash account. A counter-line's flow is its
// credit less its debit (base currency): the entry balances, so the flows
// of an entry add up to what its cash lines moved. Transfers between cash
// accounts have no counter-line and move nothing.
func (s *Service) cashFlowLines(ctx context.Context, from, to string) ([]CashFlowLine, error) {
	_, as, err := s.context(ctx)
	if err != nil {
		return nil, err
	}
	cash, code := map[string]bool{}, map[string]string{}
	for _, a := range as {
		cash[a.ID] = a.Cash
		code[a.ID] = a.Code
	}
	rules, err := s.cashFlowRules(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT e.id, COALESCE(e.number, ''), e.date, e.memo, e.source_kind, l.account_id,
		sum(l.base_debit), sum(l.base_credit)
		FROM fin_entry e JOIN fin_line l ON l.entry_id = e.id
		WHERE e.status = 'posted' AND e.date >= $1 AND e.date <= $2 AND EXISTS (SELECT 1 FROM fin_line c JOIN fin_account a
			ON a.id = c.account_id WHERE c.entry_id = e.id AND a.cash = 1)
		GROUP BY e.id, e.number, e.date, e.memo, e.source_kind, l.account_id ORDER BY e.date, e.number, e.id, l.account_id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CashFlowLine{}
	for rows.Next() {
		var (
			l             CashFlowLine
			account       string
			debit, credit money.Amount
		)
		if err := rows.Scan(&l.EntryID, &l.Number, &l.Date, &l.Memo, &l.SourceKind, &account, &debit, &credit); err != nil {
			return nil, err
		}
		if cash[account] {
			continue
		}
		if l.Amount, err = credit.Sub(debit); err != nil || l.Amount.IsZero() {
			continue
		}
		l.AccountCode = code[account]
		dir := "in"
		if l.Amount.Sign() < 0 {
			dir = "out"
		}
		l.Item = classify(rules, l.AccountCode, l.SourceKind, dir)
		out = append(out, l)
	}
	return out, rows.Err()
}

// CashFlowStatement computes the direct cash-flow statement of a range;
// it needs PermReportRead.
func (s *Service) CashFlowStatement(ctx context.Context, from, to string) (*CashFlow, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	var out *CashFlow
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		c, as, err := s.context(ctx)
		if err != nil {
			return err
		}
		lines, err := s.cashFlowLines(ctx, from, to)
		if err != nil {
			return err
		}
		totals := map[string]int64{}
		for _, l := range lines {
			totals[l.Item] += l.Amount.Units()
		}
		out = &CashFlow{From: from, To: to, Currency: c.BaseCurrency}
		var net int64
		for _, act := range []string{ActivityOperating, ActivityInvesting, ActivityFinancing} {
			a := CashFlowActivity{Activity: act, Rows: []CashFlowRow{}}
			var in, outU int64
			for _, item := range CashFlowItems {
				if ia, dir := itemActivity(item); ia == act {
					v := totals[item]
					row := CashFlowRow{Item: item, Activity: act, In: dir == "in"}
					if dir == "in" {
						in += v
					} else {
						outU -= v
						v = -v
					}
					// A refund in an outflow line (or the reverse) shows negative.
					row.Amount = money.AmountFromUnits(v)
					a.Rows = append(a.Rows, row)
				}
			}
			a.In, a.Out, a.Net = money.AmountFromUnits(in), money.AmountFromUnits(outU), money.AmountFromUnits(in-outU)
			net += in - outU
			out.Activities = append(out.Activities, a)
		}
		out.Net = money.AmountFromUnits(net)
		before, err := s.cumulative(ctx, c, dayBefore(from))
		if err != nil {
			return err
		}
		after, err := s.cumulative(ctx, c, to)
		if err != nil {
			return err
		}
		var opening, closing int64
		for _, a := range as {
			if a.Cash && !a.HasChildren {
				opening += before[a.ID].net()
				closing += after[a.ID].net()
			}
		}
		out.Opening, out.Closing = money.AmountFromUnits(opening), money.AmountFromUnits(closing)
		out.Reconciles = closing-opening == net
		return nil
	})
	return out, err
}

// CashFlowDetail lists the counter-lines behind an item ("" for all) of a
// range, for drilling down to the entries; it needs PermReportRead.
func (s *Service) CashFlowDetail(ctx context.Context, from, to, item string) ([]CashFlowLine, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	if item != "" && !slices.Contains(CashFlowItems, item) {
		return nil, invalid("item", "fin.cashflow.error.item")
	}
	var out []CashFlowLine
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		lines, err := s.cashFlowLines(ctx, from, to)
		if err != nil {
			return err
		}
		out = []CashFlowLine{}
		for _, l := range lines {
			if item == "" || l.Item == item {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// XLSX writes the statement as a workbook in a language.
func (cf *CashFlow) XLSX(lang string) ([]byte, error) {
	b := newBook(i18n.TL(lang, "fin.cashflow.title"))
	b.head(i18n.TL(lang, "fin.cashflow.title"), cf.From+" – "+cf.To, cf.Currency)
	for _, a := range cf.Activities {
		b.head(i18n.TL(lang, "fin.cashflow.activity."+a.Activity))
		for _, r := range a.Rows {
			b.add(i18n.TL(lang, "fin.cashflow.item."+r.Item), r.Amount)
		}
		b.head(i18n.TL(lang, "fin.cashflow.net_activity"), a.Net)
	}
	b.head(i18n.TL(lang, "fin.cashflow.net"), cf.Net)
	b.add(i18n.TL(lang, "fin.cashflow.opening"), cf.Opening)
	b.add(i18n.TL(lang, "fin.cashflow.closing"), cf.Closing)
	return b.bytes()
}
