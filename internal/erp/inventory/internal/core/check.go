package core

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Checkers returns the inventory's invariant checkers for `loom check`:
// balances equal the moves, stock rows equal the balances of stock
// locations and the reservations, and valuation equals a fresh valuation of
// the whole ledger.
func Checkers() []check.Checker {
	erp := []string{"erp"}
	return []check.Checker{
		{Name: "erp.stock.balances", Units: erp, Run: checkBalances},
		{Name: "erp.stock.reservations", Units: erp, Run: checkStock},
		{Name: "erp.stock.valuation", Units: erp, Run: checkValuation},
	}
}

func collect(ctx context.Context, d *db.DB, q string, detail func(vals []any) (string, string)) ([]check.Violation, error) {
	rows, err := d.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []check.Violation
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		subject, msg := detail(vals)
		out = append(out, check.Violation{Subject: subject, Detail: msg})
	}
	return out, rows.Err()
}

// checkBalances: on hand per item, location and lot is the sum of its moves.
func checkBalances(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	return collect(ctx, d, `SELECT k.item_id, k.location_id, k.lot_id, COALESCE(b.on_hand, 0), COALESCE(m.q, 0)
		FROM (SELECT item_id, location_id, lot_id FROM inv_balance UNION SELECT item_id, location_id, lot_id FROM inv_move) k
		LEFT JOIN inv_balance b ON b.item_id = k.item_id AND b.location_id = k.location_id AND b.lot_id = k.lot_id
		LEFT JOIN (SELECT item_id, location_id, lot_id, SUM(quantity) AS q FROM inv_move GROUP BY item_id, location_id, lot_id) m
			ON m.item_id = k.item_id AND m.location_id = k.location_id AND m.lot_id = k.lot_id
		WHERE COALESCE(b.on_hand, 0) <> COALESCE(m.q, 0) OR COALESCE(b.on_hand, 0) < 0`,
		func(v []any) (string, string) {
			return fmt.Sprintf("item %v location %v lot %v", v[0], v[1], v[2]),
				fmt.Sprintf("on hand %v but the moves sum to %v", v[3], v[4])
		})
}

// checkStock: a stock row holds what the stock locations of its warehouse
// hold, and exactly what is reserved for it, never more than on hand.
func checkStock(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	return collect(ctx, d, `SELECT k.item_id, k.warehouse_id, COALESCE(s.on_hand, 0), COALESCE(b.q, 0), COALESCE(s.reserved, 0), COALESCE(r.q, 0)
		FROM (SELECT item_id, warehouse_id FROM inv_stock
			UNION SELECT b.item_id, b.warehouse_id FROM inv_balance b JOIN inv_location l ON l.id = b.location_id AND l.type = 'stock'
			UNION SELECT item_id, warehouse_id FROM inv_reservation) k
		LEFT JOIN inv_stock s ON s.item_id = k.item_id AND s.warehouse_id = k.warehouse_id
		LEFT JOIN (SELECT b.item_id, b.warehouse_id, SUM(b.on_hand) AS q FROM inv_balance b
			JOIN inv_location l ON l.id = b.location_id AND l.type = 'stock' GROUP BY b.item_id, b.warehouse_id) b
			ON b.item_id = k.item_id AND b.warehouse_id = k.warehouse_id
		LEFT JOIN (SELECT item_id, warehouse_id, SUM(quantity) AS q FROM inv_reservation GROUP BY item_id, warehouse_id) r
			ON r.item_id = k.item_id AND r.warehouse_id = k.warehouse_id
		WHERE COALESCE(s.on_hand, 0) <> COALESCE(b.q, 0) OR COALESCE(s.reserved, 0) <> COALESCE(r.q, 0)
			OR COALESCE(s.reserved, 0) < 0 OR COALESCE(s.reserved, 0) > COALESCE(s.on_hand, 0)`,
		func(v []any) (string, string) {
			return fmt.Sprintf("item %v warehouse %v", v[0], v[1]),
				fmt.Sprintf("stock row on hand %v reserved %v; stock locations hold %v, reservations %v", v[2], v[4], v[3], v[5])
		})
}

// checkValuation values every item's moves again from the start and
// compares each with what the ledger keeps, and each item's totals.
func checkValuation(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	var out []check.Violation
	err := d.InReadTx(ctx, func(ctx context.Context) error {
		missing, err := collect(ctx, d, `SELECT m.seq, m.item_id FROM inv_move m LEFT JOIN inv_cost c ON c.seq = m.seq WHERE c.seq IS NULL`,
			func(v []any) (string, string) { return fmt.Sprintf("move %v", v[0]), "the move has no valuation" })
		if err != nil {
			return err
		}
		out = append(out, missing...)
		rows, err := d.Query(ctx, `SELECT c.item_id, c.seq, m.kind, m.quantity, m.unit_cost, c.value, c.qty_after, c.value_after
			FROM inv_cost c JOIN inv_move m ON m.seq = c.seq ORDER BY c.item_id, c.date, c.seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		totals := map[string]costState{}
		var (
			item string
			st   costState
		)
		for rows.Next() {
			var (
				id, kind            string
				seq, qty, v, qa, va int64
				cost                *int64
			)
			if err := rows.Scan(&id, &seq, &kind, &qty, &cost, &v, &qa, &va); err != nil {
				return err
			}
			if id != item {
				if item != "" {
					totals[item] = st
				}
				item, st = id, costState{}
			}
			want, next, err := apply(st, domain.DocKind(kind), qty, cost)
			if err != nil {
				out = append(out, check.Violation{Subject: fmt.Sprintf("move %d", seq), Detail: "the item's quantity goes negative here"})
			}
			st = next
			if want != v || st.qty != qa || st.value != va {
				out = append(out, check.Violation{Subject: fmt.Sprintf("move %d of item %s", seq, id),
					Detail: fmt.Sprintf("valued %d (totals %d, %d); a fresh valuation gives %d (totals %d, %d)", v, qa, va, want, st.qty, st.value)})
				st.qty, st.value = qa, va // keep checking the rest from what is stored
			}
		}
		if item != "" {
			totals[item] = st
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		rows, err = d.Query(ctx, `SELECT item_id, quantity, value FROM inv_item_cost`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id   string
				q, v int64
			)
			if err := rows.Scan(&id, &q, &v); err != nil {
				return err
			}
			if t := totals[id]; t.qty != q || t.value != v {
				out = append(out, check.Violation{Subject: "item " + id,
					Detail: fmt.Sprintf("valuation now %d units worth %d; its moves give %d worth %d", q, v, t.qty, t.value)})
			}
		}
		return rows.Err()
	})
	return out, err
}
