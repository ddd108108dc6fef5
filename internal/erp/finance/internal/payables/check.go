package payables

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Checkers returns the payables' invariant checkers for `loom check`.
func Checkers() []check.Checker {
	unit := []string{"erp"}
	return []check.Checker{
		{Name: "fin.ap_subledger", Units: unit, Run: CheckSubledger},
		{Name: "fin.ap_allocations", Units: unit, Run: CheckAllocations},
	}
}

// CheckSubledger verifies that what the payables say the company owes each
// supplier, per currency, is the balance of the payables control accounts
// for that supplier in the ledger.
func CheckSubledger(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		sub, err := sums(ctx, d, `SELECT supplier_id, currency, sum(open) FROM fin_ap_item GROUP BY supplier_id, currency`)
		if err != nil {
			return err
		}
		gl, err := sums(ctx, d, `SELECT l.partner_id, l.currency, sum(l.credit) - sum(l.debit)
			FROM fin_line l JOIN fin_entry e ON e.id = l.entry_id JOIN fin_account a ON a.id = l.account_id
			WHERE e.status = 'posted' AND a.control = 'ap' GROUP BY l.partner_id, l.currency`)
		if err != nil {
			return err
		}
		for k, v := range sub {
			if gl[k] != v {
				out = append(out, check.Violation{Subject: "supplier " + k[0] + " " + k[1],
					Detail: fmt.Sprintf("open bills and debit notes %s, payables accounts %s", money.AmountFromUnits(v), money.AmountFromUnits(gl[k]))})
			}
		}
		for k, v := range gl {
			if _, ok := sub[k]; !ok && v != 0 {
				out = append(out, check.Violation{Subject: "supplier " + k[0] + " " + k[1],
					Detail: fmt.Sprintf("payables accounts hold %s that no bill accounts for", money.AmountFromUnits(v))})
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

// CheckAllocations verifies that what is open of every payable is its
// amount less the allocations of payments not reversed and the
// prepayments and debit notes applied to it (a debit note: plus what it
// applied; nothing for a cancelled bill), and that every payment's allocations add up to what it
// says it allocated.
func CheckAllocations(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := d.Query(ctx, `SELECT i.id, i.number, i.amount, i.open, i.reversed_entry,
			COALESCE((SELECT sum(a.amount) FROM fin_ap_allocation a WHERE a.item_id = i.id
				AND NOT EXISTS (SELECT 1 FROM fin_ap_payment_reversal r WHERE r.payment_id = a.payment_id)), 0)
			+ COALESCE((SELECT sum(x.amount) FROM fin_ap_application x WHERE x.item_id = i.id
				AND NOT EXISTS (SELECT 1 FROM fin_ap_application_reversal u WHERE u.application_id = x.id)), 0)
			- COALESCE((SELECT sum(x.amount) FROM fin_ap_application x WHERE x.source_id = i.id
				AND NOT EXISTS (SELECT 1 FROM fin_ap_application_reversal u WHERE u.application_id = x.id)), 0)
			FROM fin_ap_item i`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id, number, reversed string
				amount, open, paid   money.Amount
			)
			if err := rows.Scan(&id, &number, &amount, &open, &reversed, &paid); err != nil {
				rows.Close()
				return err
			}
			want := amount.Units() - paid.Units()
			if reversed != "" {
				want = 0
			}
			if open.Units() != want {
				out = append(out, check.Violation{Subject: "payable " + number,
					Detail: fmt.Sprintf("open %s, but amount %s less payments %s leaves %s", open, amount, paid, money.AmountFromUnits(want))})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = d.Query(ctx, `SELECT p.number, p.allocated, COALESCE((SELECT sum(a.amount) FROM fin_ap_allocation a WHERE a.payment_id = p.id), 0)
			FROM fin_ap_payment p`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				number          string
				allocated, sumA money.Amount
			)
			if err := rows.Scan(&number, &allocated, &sumA); err != nil {
				return err
			}
			if allocated.Cmp(sumA) != 0 {
				out = append(out, check.Violation{Subject: "supplier payment " + number,
					Detail: fmt.Sprintf("says it allocated %s, its allocations add up to %s", allocated, sumA)})
			}
		}
		return rows.Err()
	})
	return out, err
}
