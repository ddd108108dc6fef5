package benchmark

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
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
//
// The items must have no moves yet: history writes their whole ledger. It
// writes set-based, a few hundred thousand rows per statement, from two
// small tables it fills first and drops at the end: the pattern of one
// item's moves (the k-th move's date, quantity, value and the item's totals
// after it, which follow in closed form) and the items. Moves take their
// sequence in date order across the items, as days of posting leave them,
// and ids derived from it (00000000-0000-7000-8000-<seq>), which no UUIDv7
// Loom makes can equal. The two indexes an item's moves are read by are
// built again after the bulk insert, which is faster than keeping them.
func history(ctx context.Context, w *world, itemIDs []string, perItem int, loc string, log io.Writer) (first string, err error) {
	var locID, whID string
	if err := w.d.QueryRow(ctx, `SELECT id, warehouse_id FROM inv_location WHERE code = $1`, loc).Scan(&locID, &whID); err != nil {
		return "", err
	}
	var moved int64
	if err := w.d.QueryRow(ctx, `SELECT count(*) FROM inv_move`).Scan(&moved); err != nil {
		return "", err
	}
	if moved != 0 {
		return "", fmt.Errorf("bench: history writes whole ledgers and needs an empty one; it has %d moves", moved)
	}
	now := time.Now()
	start := time.Date(now.Year(), 1, 2, 0, 0, 0, 0, time.Local)
	days := max(int(now.Sub(start).Hours()/24), 0)
	first = erpkit.Today(start)
	n, d := int64(len(itemIDs)), w.d
	if n == 0 || perItem <= 0 {
		return first, nil
	}
	began := time.Now()
	docID := db.NewID()
	if _, err := d.Exec(ctx, `INSERT INTO inv_doc (id, number, kind, date, reference, note, source_kind, source_id, partner_kind,
		partner_id, entry_id, created_by, created_at) VALUES ($1, 'GEN-0000-000001', 'receipt', $2, 'generated', '', '', '', '', '', '', 'bench', $3)`,
		docID, erpkit.Today(now), db.NowMillis()); err != nil {
		return "", err
	}
	var base int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM inv_move`).Scan(&base); err != nil {
		return "", err
	}
	// The k-th move of every item (from 0): receipts of 10 at 5.00 on even
	// k, issues of 5 on odd k, so after it the item holds r receipts less s
	// issues, always at the average 5.00.
	pattern := make([][]any, perItem)
	for k := range pattern {
		r, s := int64(k/2+1), int64((k+1)/2)
		date := erpkit.Today(start.AddDate(0, 0, int(int64(k)*int64(days)/int64(perItem))))
		q, v, kind := int64(10_000_000), int64(5000), "receipt" // 10 in, worth 50.00
		var cost any = int64(5_000_000)
		if k%2 == 1 {
			q, v, kind, cost = -5_000_000, -2500, "issue", nil // 5 out at the average 5.00
		}
		pattern[k] = []any{int64(k), date, kind, q, cost, v, r*10_000_000 - s*5_000_000, r*5000 - s*2500}
	}
	items := make([][]any, n)
	for i, id := range itemIDs {
		items[i] = []any{int64(i), id}
	}
	drop := func() {
		for _, t := range []string{"bench_gen_move", "bench_gen_item"} {
			_, _ = d.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+t)
		}
	}
	drop()
	defer drop()
	for _, q := range []string{
		`CREATE TABLE bench_gen_move (k INTEGER PRIMARY KEY, date TEXT NOT NULL, kind TEXT NOT NULL, quantity BIGINT NOT NULL,
			unit_cost BIGINT, value BIGINT NOT NULL, qty_after BIGINT NOT NULL, value_after BIGINT NOT NULL)`,
		`CREATE TABLE bench_gen_item (i INTEGER PRIMARY KEY, item_id TEXT NOT NULL)`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			return "", err
		}
	}
	err = d.InTx(ctx, func(ctx context.Context) error {
		if err := erpkit.Chunks(pattern, func(part [][]any) error {
			_, err := d.Exec(ctx, `INSERT INTO bench_gen_move VALUES `+valuesOf(len(part), 8), flatten(part)...)
			return err
		}); err != nil {
			return err
		}
		return erpkit.Chunks(items, func(part [][]any) error {
			_, err := d.Exec(ctx, `INSERT INTO bench_gen_item VALUES `+valuesOf(len(part), 2), flatten(part)...)
			return err
		})
	})
	if err != nil {
		return "", err
	}
	rebuild, err := dropIndexes(ctx, d, "inv_move_item", "inv_cost_item")
	if err != nil {
		return "", err
	}
	override := ""
	if d.Engine == db.Postgres {
		override = " OVERRIDING SYSTEM VALUE"
	}
	seq := fmt.Sprintf("%d + g.k * %d + it.i", base+1, n)
	stamp := db.NowMillis()
	step := max(1, 500_000/int(n)) // moves of every item per transaction
	for k0 := 0; k0 < perItem; k0 += step {
		k1 := min(k0+step, perItem)
		from := fmt.Sprintf(` FROM bench_gen_move g CROSS JOIN bench_gen_item it WHERE g.k >= %d AND g.k < %d ORDER BY g.k, it.i`, k0, k1)
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.Exec(ctx, `INSERT INTO inv_move (seq, id, doc_id, kind, date, item_id, warehouse_id, location_id, lot_id,
				quantity, unit_cost, created_at)`+override+` SELECT `+seq+`, `+seqID(d.Engine, seq)+`, CAST($1 AS TEXT), g.kind, g.date,
				it.item_id, CAST($2 AS TEXT), CAST($3 AS TEXT), '', g.quantity, g.unit_cost, `+strconv.FormatInt(stamp, 10)+from,
				docID, whID, locID); err != nil {
				return fmt.Errorf("bench: write moves: %w", err)
			}
			if _, err := d.Exec(ctx, `INSERT INTO inv_cost (seq, item_id, date, value, qty_after, value_after, cost_after)
				SELECT `+seq+`, it.item_id, g.date, g.value, g.qty_after, g.value_after, 5000000`+from); err != nil {
				return fmt.Errorf("bench: write valuation: %w", err)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		if log != nil {
			fmt.Fprintf(log, "bench: %d of %d moves written (%s)\n", int64(k1)*n, int64(perItem)*n, time.Since(began).Round(time.Second))
		}
	}
	if err := rebuild(); err != nil {
		return "", err
	}
	// Each item's totals after its last move, on hand where they lie, and
	// in its warehouse's stock row.
	last := pattern[perItem-1]
	qty, value, lastDate := last[6], last[7], last[1]
	lastSeq := fmt.Sprintf("%d + it.i", base+1+int64(perItem-1)*n)
	err = d.InTx(ctx, func(ctx context.Context) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO inv_item_cost (item_id, quantity, value, unit_cost, last_date, last_seq)
				SELECT it.item_id, CAST($1 AS BIGINT), CAST($2 AS BIGINT), 5000000, CAST($3 AS TEXT), ` + lastSeq + ` FROM bench_gen_item it WHERE true
				ON CONFLICT (item_id) DO UPDATE SET quantity = excluded.quantity, value = excluded.value, unit_cost = excluded.unit_cost,
				last_date = excluded.last_date, last_seq = excluded.last_seq`, []any{qty, value, lastDate}},
			{`INSERT INTO inv_balance (item_id, location_id, lot_id, warehouse_id, on_hand)
				SELECT it.item_id, CAST($1 AS TEXT), '', CAST($2 AS TEXT), CAST($3 AS BIGINT) FROM bench_gen_item it WHERE true
				ON CONFLICT (item_id, location_id, lot_id) DO UPDATE SET on_hand = inv_balance.on_hand + excluded.on_hand`, []any{locID, whID, qty}},
			{`INSERT INTO inv_stock (item_id, warehouse_id, on_hand, reserved)
				SELECT it.item_id, CAST($1 AS TEXT), CAST($2 AS BIGINT), 0 FROM bench_gen_item it WHERE true
				ON CONFLICT (item_id, warehouse_id) DO UPDATE SET on_hand = inv_stock.on_hand + excluded.on_hand`, []any{whID, qty}},
		} {
			if _, err := d.Exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if d.Engine == db.Postgres {
		if _, err := d.Exec(ctx, `SELECT setval(pg_get_serial_sequence('inv_move', 'seq'), (SELECT MAX(seq) FROM inv_move))`); err != nil {
			return "", err
		}
	}
	if err := analyze(ctx, d); err != nil {
		return "", err
	}
	if log != nil {
		fmt.Fprintf(log, "bench: %d moves of %d items generated in %s\n", int64(perItem)*n, n, time.Since(began).Round(time.Millisecond))
	}
	return first, nil
}

// seqID is the SQL for the id of the move numbered by the SQL expression
// seq: 00000000-0000-7000-8000- and the number in twelve digits.
func seqID(e db.Engine, seq string) string {
	if e == db.Postgres {
		return `'00000000-0000-7000-8000-' || lpad((` + seq + `)::text, 12, '0')`
	}
	return `printf('00000000-0000-7000-8000-%012d', ` + seq + `)`
}

// dropIndexes drops the named indexes and returns a function that creates
// them again with their own definitions, read from the database first.
func dropIndexes(ctx context.Context, d *db.DB, names ...string) (func() error, error) {
	var defs []string
	for _, name := range names {
		q := `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1`
		if d.Engine == db.Postgres {
			q = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`
		}
		var def string
		if err := d.QueryRow(ctx, q, name).Scan(&def); err != nil {
			return nil, fmt.Errorf("bench: index %s: %w", name, err)
		}
		defs = append(defs, def)
	}
	for _, name := range names {
		if _, err := d.Exec(ctx, `DROP INDEX `+name); err != nil {
			return nil, err
		}
	}
	return func() error {
		for _, def := range defs {
			if _, err := d.Exec(ctx, def); err != nil {
				return fmt.Errorf("bench: build index again: %w", err)
			}
		}
		return nil
	}, nil
}

// analyze refreshes the planner's statistics; on SQLite from a sample of
// each index, as a long-running database's would be.
func analyze(ctx context.Context, d *db.DB) error {
	if d.Engine == db.Postgres {
		_, err := d.Exec(ctx, `ANALYZE`)
		return err
	}
	return d.InTx(ctx, func(ctx context.Context) error {
		if _, err := d.Exec(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
			return err
		}
		_, err := d.Exec(ctx, `ANALYZE`)
		return err
	})
}

// afterHistory, when set (by tests), runs on the database history wrote,
// before the scenario measures anything.
var afterHistory func(ctx context.Context, d *db.DB) error

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
	if _, err := w.items(sys, items, uom, cat, loc, ""); err != nil {
		return nil, err
	}
	ids, err := itemIDs(sys, w)
	if err != nil {
		return nil, err
	}
	scale := max(o.Scale, 1)
	first, err := history(sys, w, ids, 27*scale, loc, o.Log)
	if err == nil && afterHistory != nil {
		err = afterHistory(sys, w.d)
	}
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
	if _, err := w.items(sys, 2, uom, cat, loc, ""); err != nil {
		return nil, err
	}
	ids, err := itemIDs(sys, w)
	if err != nil {
		return nil, err
	}
	later := 1000 * max(o.Scale, 1)
	first, err := history(sys, w, ids[:1], later, loc, o.Log)
	if err == nil && afterHistory != nil {
		err = afterHistory(sys, w.d)
	}
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
