package bank

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Checker returns the bank's invariant checker.
func Checker() check.Checker {
	return check.Checker{Name: "fin.bank_balance", Units: []string{"erp"}, Run: CheckBalances}
}

// CheckBalances verifies that each account's statement balances follow on
// from each other: a line's balance is the previous line's balance plus its
// amount, whenever both lines state a balance.
func CheckBalances(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		out = nil
		rows, err := d.Query(ctx, `SELECT id, bank_account_id, seq, amount, balance FROM fin_bank_line ORDER BY bank_account_id, seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			account string
			prev    sql.Null[money.Amount]
		)
		for rows.Next() {
			var (
				id, acct string
				seq      int64
				amount   money.Amount
				balance  sql.Null[money.Amount]
			)
			if err := rows.Scan(&id, &acct, &seq, &amount, &balance); err != nil {
				return err
			}
			if acct != account {
				account, prev = acct, sql.Null[money.Amount]{}
			}
			if prev.Valid && balance.Valid {
				want, err := prev.V.Add(amount)
				if err == nil && want.Cmp(balance.V) != 0 {
					out = append(out, check.Violation{Checker: "fin.bank_balance", Unit: "erp", Subject: id,
						Detail: fmt.Sprintf("line %d of bank account %s states balance %s, the previous balance and its amount make %s", seq, acct, balance.V, want)})
				}
			}
			prev = balance
		}
		return rows.Err()
	})
	return out, err
}
