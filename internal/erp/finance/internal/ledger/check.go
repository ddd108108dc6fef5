package ledger

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Checkers returns the ledger's invariant checkers for `loom check`.
func Checkers() []check.Checker {
	unit := []string{"erp"}
	return []check.Checker{
		{Name: "fin.entries_balance", Units: unit, Run: CheckEntries},
		{Name: "fin.trial_balance", Units: unit, Run: CheckTrialBalance},
		{Name: "fin.account_balances", Units: unit, Run: CheckBalances},
		{Name: "fin.hash_chain", Units: unit, Run: CheckChains},
	}
}

// CheckEntries verifies that every posted entry balances in each currency
// and in the base currency, that its total is its base debits, and that no
// entry was left half-posted.
func CheckEntries(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := d.Query(ctx, `SELECT l.entry_id, l.currency, sum(l.debit), sum(l.credit), sum(l.base_debit), sum(l.base_credit)
			FROM fin_line l JOIN fin_entry e ON e.id = l.entry_id WHERE e.status = 'posted'
			GROUP BY l.entry_id, l.currency
			HAVING sum(l.debit) <> sum(l.credit) OR sum(l.base_debit) <> sum(l.base_credit)`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id, cur        string
				dr, cr, bd, bc money.Amount
			)
			if err := rows.Scan(&id, &cur, &dr, &cr, &bd, &bc); err != nil {
				rows.Close()
				return err
			}
			out = append(out, check.Violation{Subject: "entry " + id,
				Detail: fmt.Sprintf("%s debits %s ≠ credits %s (base %s ≠ %s)", cur, dr, cr, bd, bc)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = d.Query(ctx, `SELECT e.id, COALESCE(e.number, ''), e.total, COALESCE(sum(l.base_debit), 0), count(l.line_no)
			FROM fin_entry e LEFT JOIN fin_line l ON l.entry_id = e.id WHERE e.status = 'posted'
			GROUP BY e.id, e.number, e.total HAVING e.total <> COALESCE(sum(l.base_debit), 0) OR count(l.line_no) = 0`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id, number string
				total, sum money.Amount
				n          int
			)
			if err := rows.Scan(&id, &number, &total, &sum, &n); err != nil {
				rows.Close()
				return err
			}
			out = append(out, check.Violation{Subject: "entry " + number + " " + id,
				Detail: fmt.Sprintf("total %s, base debits of its %d lines %s", total, n, sum)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var stuck int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM fin_entry WHERE status = 'posting'`).Scan(&stuck); err != nil {
			return err
		}
		if stuck > 0 {
			out = append(out, check.Violation{Subject: "fin_entry", Detail: fmt.Sprintf("%d entries are left in status posting", stuck)})
		}
		return nil
	})
	return out, err
}

// CheckTrialBalance verifies that the balances sum to zero: in the base
// currency over every account, and in each currency on its own.
func CheckTrialBalance(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	rows, err := d.Query(ctx, `SELECT currency, COALESCE(sum(debit), 0), COALESCE(sum(credit), 0),
		COALESCE(sum(base_debit), 0), COALESCE(sum(base_credit), 0) FROM fin_balance GROUP BY currency ORDER BY currency`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bd, bc int64
	for rows.Next() {
		var (
			cur            string
			dr, cr, xd, xc money.Amount
		)
		if err := rows.Scan(&cur, &dr, &cr, &xd, &xc); err != nil {
			return nil, err
		}
		if dr.Cmp(cr) != 0 {
			out = append(out, check.Violation{Subject: "currency " + cur, Detail: fmt.Sprintf("debits %s ≠ credits %s", dr, cr)})
		}
		bd += xd.Units()
		bc += xc.Units()
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if bd != bc {
		out = append(out, check.Violation{Subject: "base currency",
			Detail: fmt.Sprintf("debits %s ≠ credits %s", money.AmountFromUnits(bd), money.AmountFromUnits(bc))})
	}
	return out, nil
}

// CheckBalances verifies that every stored balance equals the sum of the
// posted lines of its account, period and currency.
func CheckBalances(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		stored, err := readSums(ctx, d, `SELECT account_id, period, currency, debit, credit, base_debit, base_credit FROM fin_balance`)
		if err != nil {
			return err
		}
		lines, err := readSums(ctx, d, `SELECT l.account_id, e.period, l.currency, sum(l.debit), sum(l.credit),
			sum(l.base_debit), sum(l.base_credit) FROM fin_line l JOIN fin_entry e ON e.id = l.entry_id
			WHERE e.status = 'posted' GROUP BY l.account_id, e.period, l.currency`)
		if err != nil {
			return err
		}
		for k, want := range lines {
			if got := stored[k]; got != want {
				out = append(out, balanceViolation(k, got, want))
			}
		}
		for k, got := range stored {
			if _, ok := lines[k]; !ok && got != (balanceSums{}) {
				out = append(out, balanceViolation(k, got, balanceSums{}))
			}
		}
		return nil
	})
	return out, err
}

func balanceViolation(k balanceKey, got, want balanceSums) check.Violation {
	return check.Violation{Subject: fmt.Sprintf("account %s period %s %s", k.account, k.period, k.currency),
		Detail: fmt.Sprintf("balance has debit %s credit %s, the lines add up to debit %s credit %s",
			money.AmountFromUnits(got.debit), money.AmountFromUnits(got.credit),
			money.AmountFromUnits(want.debit), money.AmountFromUnits(want.credit))}
}

func readSums(ctx context.Context, d *db.DB, q string) (map[balanceKey]balanceSums, error) {
	rows, err := d.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[balanceKey]balanceSums{}
	for rows.Next() {
		var (
			k          balanceKey
			a, b, c, e money.Amount
		)
		if err := rows.Scan(&k.account, &k.period, &k.currency, &a, &b, &c, &e); err != nil {
			return nil, err
		}
		out[k] = balanceSums{a.Units(), b.Units(), c.Units(), e.Units()}
	}
	return out, rows.Err()
}

// CheckChains verifies every journal's hash chain.
func CheckChains(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	ps, err := New(d, nil).VerifyChains(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]check.Violation, 0, len(ps))
	for _, p := range ps {
		subject := fmt.Sprintf("journal %s entry %d", p.Journal, p.ChainSeq)
		if p.Number != "" {
			subject += " (" + p.Number + ")"
		}
		out = append(out, check.Violation{Subject: subject, Detail: p.Detail})
	}
	return out, nil
}
