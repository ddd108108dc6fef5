package receivables

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Checkers returns the receivables' invariant checkers for `loom check`.
func Checkers() []check.Checker {
	unit := []string{"erp"}
	return []check.Checker{
		{Name: "fin.ar_subledger", Units: unit, Run: CheckSubledger},
		{Name: "fin.ar_allocations", Units: unit, Run: CheckAllocations},
	}
}

// CheckSubledger verifies that what the receivables say each customer owes,
// per currency, is the balance of the receivables control accounts for that
// customer in the ledger.
func CheckSubledger(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		sub, err := sums(ctx, d, `SELECT customer_id, currency, sum(open) FROM fin_ar_item
			WHERE kind IN ('invoice', 'credit_note') GROUP BY customer_id, currency`)
		if err != nil {
			return err
		}
		gl, err := sums(ctx, d, `SELECT l.partner_id, l.currency, sum(l.debit) - sum(l.credit)
			FROM fin_line l JOIN fin_entry e ON e.id = l.entry_id JOIN fin_account a ON a.id = l.account_id
			WHERE e.status = 'posted' AND a.control = 'ar' GROUP BY l.partner_id, l.currency`)
		if err != nil {
			return err
		}
		for k, v := range sub {
			if gl[k] != v {
				out = append(out, check.Violation{Subject: "customer " + k[0] + " " + k[1],
					Detail: fmt.Sprintf("open invoices and credit notes %s, receivables accounts %s", money.AmountFromUnits(v), money.AmountFromUnits(gl[k]))})
			}
		}
		for k, v := range gl {
			if _, ok := sub[k]; !ok && v != 0 {
				out = append(out, check.Violation{Subject: "customer " + k[0] + " " + k[1],
					Detail: fmt.Sprintf("receivables accounts hold %s that no invoice accounts for", money.AmountFromUnits(v))})
			}
		}
		return nil
	})
	return out, err
}

func sums(ctx context.Context, d *db.DB, q string) (map[[2]string]int64, error) {
	rows, err := d.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string]int64{}
	for rows.Next() {
		var (
			k [2]string
			v money.Amount
		)
		if err := rows.Scan(&k[0], &k[1], &v); err != nil {
			return nil, err
		}
		out[k] = v.Units()
	}
	return out, rows.Err()
}

// CheckAllocations verifies that what is open of every invoice, credit note
// and payment is its amount less its allocations.
func CheckAllocations(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := d.Query(ctx, `SELECT i.id, i.number, i.kind, i.amount, i.open,
			COALESCE((SELECT sum(amount) FROM fin_allocation a WHERE a.target_id = i.id), 0),
			COALESCE((SELECT sum(amount) FROM fin_allocation a WHERE a.source_id = i.id), 0)
			FROM fin_ar_item i`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, number, kind        string
				amount, open, in, given money.Amount
			)
			if err := rows.Scan(&id, &number, &kind, &amount, &open, &in, &given); err != nil {
				return err
			}
			want := amount.Units() - in.Units() + given.Units()
			if open.Units() != want {
				out = append(out, check.Violation{Subject: kind + " " + number,
					Detail: fmt.Sprintf("open %s, but amount %s with allocations in %s and out %s leaves %s", open, amount, in, given, money.AmountFromUnits(want))})
			}
		}
		return rows.Err()
	})
	return out, err
}
