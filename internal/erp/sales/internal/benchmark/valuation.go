package benchmark

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/loom-erp/loom/internal/bench"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// history writes moves of items straight into the ledger, as months of use
// would have left them: per item, receipts of 10 at 5.00 and issues of 5 in
// turn, spread over this year up to today (the books start on the 1st of
// January, and documents cannot be dated before), valued as the moving average
// values them, with balances, stock rows and valuation to match. The
// scenarios then measure reads and revaluations over them.
func history(ctx context.Context, w *world, itemIDs []string, perItem int, loc string) (first string, err error) {
	var locID, whID string
	if err := w.d.QueryRow(ctx, `SELECT id, warehouse_id FROM inv_location WHERE code = $1`, loc).Scan(&locID, &whID); err != nil {
		return "", err
	}
	docID := db.NewID()
	if _, err := w.d.Exec(ctx, `INSERT INTO inv_doc (id, number, kind, date, reference, note, source_kind, source_id, partner_kind,
		partner_id, entry_id, created_by, created_at) VALUES ($1, 'GEN-0000-000001', 'receipt', $2, 'generated', '', '', '', '', '', '', 'bench', $3)`,
		docID, erpkit.Today(time.Now()), db.NowMillis()); err != nil {
		return "", err
	}
	var seq int64
	if err := w.d.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM inv_move`).Scan(&seq); err != nil {
		return "", err
	}
	now := time.Now()
	start := time.Date(now.Year(), 1, 2, 0, 0, 0, 0, time.Local)
	days := max(int(now.Sub(start).Hours()/24), 0)
	first = erpkit.Today(start)
	override := ""
	if w.d.Engine == db.Postgres {
		override = " OVERRIDING SYSTEM VALUE"
	}
	stamp := db.NowMillis()
	for _, item := range itemIDs {
		var moves, costs [][]any
		var qty, value int64
		for k := range perItem {
			seq++
			date := erpkit.Today(start.AddDate(0, 0, int(int64(k)*int64(days)/int64(perItem))))
			q, v := int64(10_000_000), int64(5000) // 10 in, worth 50.00
			kind := "receipt"
			var cost any = int64(5_000_000)
			if k%2 == 1 {
				q, v, kind, cost = -5_000_000, -2500, "issue", nil // 5 out at the average 5.00
			}
			qty, value = qty+q, value+v
			moves = append(moves, []any{seq, db.NewID(), docID, kind, date, item, whID, locID, "", q, cost, stamp})
			costs = append(costs, []any{seq, item, date, v, qty, value, int64(5_000_000)})
		}
		if err := erpkit.Chunks(moves, func(part [][]any) error {
			_, err := w.d.Exec(ctx, `INSERT INTO inv_move (seq, id, doc_id, kind, date, item_id, warehouse_id, location_id, lot_id,
				quantity, unit_cost, created_at)`+override+` VALUES `+valuesOf(len(part), 12), flatten(part)...)
			return err
		}); err != nil {
			return "", fmt.Errorf("bench: write moves: %w", err)
		}
		if err := erpkit.Chunks(costs, func(part [][]any) error {
			_, err := w.d.Exec(ctx, `INSERT INTO inv_cost (seq, item_id, date, value, qty_after, value_after, cost_after) VALUES `+
				valuesOf(len(part), 7), flatten(part)...)
			return err
		}); err != nil {
			return "", fmt.Errorf("bench: write valuation: %w", err)
		}
		last := costs[len(costs)-1]
		for _, q := range []string{
			`INSERT INTO inv_item_cost (item_id, quantity, value, unit_cost, last_date, last_seq) VALUES ($1, $2, $3, 5000000, $4, $5)
				ON CONFLICT (item_id) DO UPDATE SET quantity = excluded.quantity, value = excluded.value, last_date = excluded.last_date, last_seq = excluded.last_seq`,
		} {
			if _, err := w.d.Exec(ctx, q, item, qty, value, last[2], last[0]); err != nil {
				return "", err
			}
		}
		if _, err := w.d.Exec(ctx, `INSERT INTO inv_balance (item_id, location_id, lot_id, warehouse_id, on_hand) VALUES ($1, $2, '', $3, $4)
			ON CONFLICT (item_id, location_id, lot_id) DO UPDATE SET on_hand = inv_balance.on_hand + excluded.on_hand`, item, locID, whID, qty); err != nil {
			return "", err
		}
		if _, err := w.d.Exec(ctx, `INSERT INTO inv_stock (item_id, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, 0)
			ON CONFLICT (item_id, warehouse_id) DO UPDATE SET on_hand = inv_stock.on_hand + excluded.on_hand`, item, whID, qty); err != nil {
			return "", err
		}
	}
	if w.d.Engine == db.Postgres {
		if _, err := w.d.Exec(ctx, `SELECT setval(pg_get_serial_sequence('inv_move', 'seq'), (SELECT MAX(seq) FROM inv_move))`); err != nil {
			return "", err
		}
		if _, err := w.d.Exec(ctx, `ANALYZE`); err != nil {
			return "", err
		}
	} else if _, err := w.d.Exec(ctx, `ANALYZE`); err != nil {
		return "", err
	}
	return first, nil
}

func itemIDs(ctx context.Context, w *world) ([]string, error) {
	rows, err := w.d.Query(ctx, `SELECT id FROM cat_item ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func valuation(ctx context.Context, o bench.Options, supply Modules) ([]bench.Metric, error) {
	w, err := open(ctx, o, supply())
	if err != nil {
		return nil, err
	}
	defer w.close()
	sys := erpkit.System(ctx)
	uom, cat, loc, _, err := w.basics(sys)
	if err != nil {
		return nil, err
	}
	const items = 1000
	if _, err := w.items(sys, items, uom, cat, loc, "1"); err != nil {
		return nil, err
	}
	ids, err := itemIDs(sys, w)
	if err != nil {
		return nil, err
	}
	scale := max(o.Scale, 1)
	first, err := history(sys, w, ids, 27*scale, loc)
	if err != nil {
		return nil, err
	}
	var moves int64
	if err := w.d.QueryRow(ctx, `SELECT count(*) FROM inv_cost`).Scan(&moves); err != nil {
		return nil, err
	}
	// A date in the middle of the history, so half the moves are later.
	from, err := time.ParseInLocation("2006-01-02", first, time.Local)
	if err != nil {
		return nil, err
	}
	date := erpkit.Today(from.Add(time.Since(from) / 2))
	var loom, floor, scan []time.Duration
	var total struct {
		Value string `json:"value"`
	}
	for range 3 {
		start := time.Now()
		if err := w.call(sys, "GET", "/erp/stock/value?date="+date, nil, &total); err != nil {
			return nil, err
		}
		loom = append(loom, time.Since(start))
		// The floor: the same read in bare SQL, each item's last value up to the date.
		start = time.Now()
		var v int64
		if err := w.d.QueryRow(ctx, `SELECT COALESCE(SUM((SELECT c.value_after FROM inv_cost c WHERE c.item_id = i.item_id AND c.date <= $1
			ORDER BY c.date DESC, c.seq DESC LIMIT 1)), 0) FROM inv_item_cost i`, date).Scan(&v); err != nil {
			return nil, err
		}
		floor = append(floor, time.Since(start))
		// For comparison: summing every move up to the date.
		start = time.Now()
		var sum int64
		if err := w.d.QueryRow(ctx, `SELECT COALESCE(SUM(value), 0) FROM inv_cost WHERE date <= $1`, date).Scan(&sum); err != nil {
			return nil, err
		}
		scan = append(scan, time.Since(start))
		if sum != v || fmt.Sprint(money.AmountFromUnits(v)) != total.Value {
			return nil, fmt.Errorf("bench valuation: the stock value %s, the last values %d and the sum of the moves %d differ", total.Value, v, sum)
		}
	}
	for _, ds := range [][]time.Duration{loom, floor, scan} {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	}
	goal := ""
	switch {
	case moves >= 10_000_000:
		goal = "<= 10000"
	case moves >= 2_700_000:
		goal = "<= 2000"
	}
	return []bench.Metric{
		{Name: "moves", Unit: "count", Value: float64(moves)},
		{Name: "stock_value_at_date", Unit: "ms", Value: bench.Ms(loom[1]), Goal: goal},
		{Name: "floor", Unit: "ms", Value: bench.Ms(floor[1])},
		{Name: "sum_of_moves", Unit: "ms", Value: bench.Ms(scan[1])},
	}, nil
}

func backdate(ctx context.Context, o bench.Options, supply Modules) ([]bench.Metric, error) {
	w, err := open(ctx, o, supply())
	if err != nil {
		return nil, err
	}
	defer w.close()
	sys := erpkit.System(ctx)
	uom, cat, loc, _, err := w.basics(sys)
	if err != nil {
		return nil, err
	}
	if _, err := w.items(sys, 2, uom, cat, loc, "1"); err != nil {
		return nil, err
	}
	ids, err := itemIDs(sys, w)
	if err != nil {
		return nil, err
	}
	later := 1000 * max(o.Scale, 1)
	first, err := history(sys, w, ids[:1], later, loc)
	if err != nil {
		return nil, err
	}
	var code string
	if err := w.d.QueryRow(ctx, `SELECT code FROM cat_item WHERE id = $1`, ids[0]).Scan(&code); err != nil {
		return nil, err
	}
	// A receipt dated the day of the first generated move comes after it,
	// before every other: all but one of the item's moves are valued again.
	start := time.Now()
	err = w.call(sys, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "date": first, "lines": []map[string]any{
		{"item": code, "location": loc, "quantity": "10", "unit_cost": "8"}}}, nil)
	took := time.Since(start)
	if err != nil {
		return nil, err
	}
	var revalued int64
	if err := w.d.QueryRow(ctx, `SELECT count(*) FROM inv_cost WHERE item_id = $1 AND cost_after <> 5000000`, ids[0]).Scan(&revalued); err != nil {
		return nil, err
	}
	// The floor: bare SQL writing as many valuation rows back, set-based,
	// each chunk's rows found by key (the unary plus keeps SQLite from
	// scanning the table for every chunk), without casts on SQLite, which
	// does not need them. The rows keep their figures. Like Loom, it reads
	// the rows first, in one query.
	ctes := map[int]string{} // the VALUES list of a chunk of n rows, built once
	start = time.Now()
	var rows [][]any
	r, err := w.d.Query(ctx, `SELECT seq, value, qty_after, value_after, cost_after FROM inv_cost WHERE item_id = $1 ORDER BY date, seq`, ids[0])
	if err != nil {
		return nil, err
	}
	for r.Next() {
		var seq, value, qty, valueAfter, cost int64
		if err := r.Scan(&seq, &value, &qty, &valueAfter, &cost); err != nil {
			r.Close()
			return nil, err
		}
		rows = append(rows, []any{seq, value, qty, valueAfter, cost})
	}
	r.Close()
	err = w.d.InTx(ctx, func(ctx context.Context) error {
		return erpkit.Chunks(rows, func(part [][]any) error {
			cte, ok := ctes[len(part)]
			if !ok {
				cte = `u(seq, value, qty_after, value_after, cost_after) AS (VALUES ` + valuesOf(len(part), 5) + `)`
				ctes[len(part)] = cte
			}
			args := flatten(part)
			if w.d.Engine == db.Postgres {
				cte, args = erpkit.Values("u", erpkit.Cols("seq BIGINT", "value BIGINT", "qty_after BIGINT", "value_after BIGINT", "cost_after BIGINT"), part, 1)
			}
			_, err := w.d.Exec(ctx, `WITH `+cte+` UPDATE inv_cost SET value = u.value, qty_after = u.qty_after, value_after = u.value_after,
				cost_after = u.cost_after FROM u WHERE inv_cost.seq = +u.seq`, args...)
			return err
		})
	})
	floor := time.Since(start)
	if err != nil {
		return nil, err
	}
	goal := ""
	if later >= 100_000 {
		goal = "<= 5000"
	}
	return []bench.Metric{
		{Name: "later_moves", Unit: "count", Value: float64(later - 1)},
		{Name: "revalued", Unit: "count", Value: float64(revalued)},
		{Name: "backdated_receipt", Unit: "ms", Value: bench.Ms(took), Goal: goal},
		{Name: "floor_rewrite", Unit: "ms", Value: bench.Ms(floor)},
		{Name: "rows_per_s", Unit: "rows/s", Value: float64(later) / took.Seconds()},
	}, nil
}
