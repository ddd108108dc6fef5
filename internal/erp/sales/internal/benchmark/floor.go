package benchmark

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/platform/db"
)

// floorWriter makes, with bare SQL and no reads or checks, the writes
// confirming a draft order makes in Loom, to the same tables: the order's
// status, its lines' reservations and promise dates, the stock rows, the
// reservation rows and availability snapshots of its items, and as many
// outbox and audit rows per order as Loom wrote, copied from the latest
// ones Loom wrote. It knows each order's lines beforehand.
type floorWriter struct {
	d               *db.DB
	events          []floorEvent
	audits          []floorAudit
	nEvents, nAudit int
	lines           map[string][]floorLine
	warehouse       string
	today           string
	auditSeq        atomic.Int64
}

type (
	floorEvent struct{ typ, subject, data string }
	floorAudit struct{ action, kind, before, after string }
	floorLine  struct{ id, item string }
)

// benchHash stands in for an audit row's hash in the floor's rows.
const benchHash = "0000000000000000000000000000000000000000000000000000000000000000"

// newFloorWriter prepares the floor for the given draft orders, writing
// nEvents outbox rows and nAudit audit rows per order.
func newFloorWriter(ctx context.Context, d *db.DB, orders []string, nEvents, nAudit int) (*floorWriter, error) {
	f := &floorWriter{d: d, nEvents: nEvents, nAudit: nAudit, lines: map[string][]floorLine{}, today: erpkit.Today(time.Now())}
	f.auditSeq.Store(1 << 40)
	rows, err := d.Query(ctx, `SELECT type, subject, data FROM outbox ORDER BY seq DESC LIMIT 64`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var e floorEvent
		if err := rows.Scan(&e.typ, &e.subject, &e.data); err != nil {
			rows.Close()
			return nil, err
		}
		f.events = append(f.events, e)
	}
	rows.Close()
	rows, err = d.Query(ctx, `SELECT action, entity_kind, COALESCE(before_json, ''), COALESCE(after_json, '') FROM audit_log
		WHERE action LIKE 'erp.sales.order.%' ORDER BY seq DESC LIMIT 16`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a floorAudit
		if err := rows.Scan(&a.action, &a.kind, &a.before, &a.after); err != nil {
			rows.Close()
			return nil, err
		}
		f.audits = append(f.audits, a)
	}
	rows.Close()
	if len(f.events) == 0 || len(f.audits) == 0 {
		return nil, fmt.Errorf("bench: Loom wrote no events or audit rows to copy")
	}
	err = erpkit.Chunks(orders, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := d.Query(ctx, `SELECT l.order_id, l.id, l.item_id, o.warehouse_id FROM so_line l JOIN so_order o ON o.id = l.order_id
			WHERE l.order_id IN (`+erpkit.Placeholders(1, len(part))+`) ORDER BY l.order_id, l.item_id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var order string
			var l floorLine
			if err := rows.Scan(&order, &l.id, &l.item, &f.warehouse); err != nil {
				return err
			}
			f.lines[order] = append(f.lines[order], l)
		}
		return rows.Err()
	})
	return f, err
}

// confirm writes order id's confirmation in one transaction; n varies the
// rows copied.
func (f *floorWriter) confirm(ctx context.Context, id string, n int64) error {
	d, ls := f.d, f.lines[id] // in item order, the order Loom locks them in
	return d.InTx(ctx, func(ctx context.Context) error {
		now := db.NowMillis()
		if _, err := d.Exec(ctx, `UPDATE so_order SET status = 'confirmed', promise_date = $2, updated_at = $3 WHERE id = $1`, id, f.today, now); err != nil {
			return err
		}
		stock := make([][]any, len(ls))
		res := make([][]any, len(ls))
		avail := make([][]any, len(ls))
		for i, l := range ls {
			stock[i] = []any{l.item, f.warehouse, int64(1)}
			res[i] = []any{"so_line", l.id, l.item, f.warehouse, int64(1)}
			avail[i] = []any{l.item, int64(100000000), n, "[]", int64(10), now}
		}
		err := erpkit.Chunks(stock, func(part [][]any) error {
			cte, args := erpkit.Values("g", erpkit.Cols("item_id TEXT", "warehouse_id TEXT", "qty BIGINT"), part, 1)
			_, err := d.Exec(ctx, `WITH `+cte+` UPDATE inv_stock SET reserved = inv_stock.reserved + g.qty
				FROM g WHERE inv_stock.item_id = g.item_id || '' AND inv_stock.warehouse_id = g.warehouse_id || ''`, args...)
			return err
		})
		if err != nil {
			return err
		}
		err = erpkit.Chunks(res, func(part [][]any) error {
			_, err := d.Exec(ctx, `INSERT INTO inv_reservation (source_kind, source_id, item_id, warehouse_id, quantity) VALUES `+
				valuesOf(len(part), 5)+` ON CONFLICT (source_kind, source_id) DO UPDATE SET quantity = inv_reservation.quantity + excluded.quantity`,
				flatten(part)...)
			return err
		})
		if err != nil {
			return err
		}
		err = erpkit.Chunks(avail, func(part [][]any) error {
			_, err := d.Exec(ctx, `INSERT INTO inv_avail (item_id, on_hand, reserved, incoming, lead_time_days, sent_at) VALUES `+
				valuesOf(len(part), 6)+` ON CONFLICT (item_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved,
				incoming = excluded.incoming, lead_time_days = excluded.lead_time_days, sent_at = excluded.sent_at`, flatten(part)...)
			return err
		})
		if err != nil {
			return err
		}
		if _, err := d.Exec(ctx, `UPDATE so_line SET reserved = quantity, promise_date = $2 WHERE order_id = $1`, id, f.today); err != nil {
			return err
		}
		out := make([][]any, f.nEvents)
		for i := range out {
			e := f.events[(int(n)+i)%len(f.events)]
			out[i] = []any{db.NewID(), e.typ, int64(1), d.Unit, e.subject, now, "", "bench", e.data, now}
		}
		err = erpkit.Chunks(out, func(part [][]any) error {
			_, err := d.Exec(ctx, `INSERT INTO outbox (id, type, version, source, subject, occurred_at, trace_id, actor, data, created_at) VALUES `+
				valuesOf(len(part), 10), flatten(part)...)
			return err
		})
		if err != nil {
			return err
		}
		for i := range f.nAudit {
			a := f.audits[(int(n)+i)%len(f.audits)]
			if _, err := d.Exec(ctx, `INSERT INTO audit_log (id, seq, at, actor_id, actor_login, action, entity_kind, entity_id, before_json,
				after_json, request_id, prev_hash, hash) VALUES ($1, $2, $3, 'bench', 'bench', $4, $5, $6, $7, $8, '', $9, $10)`,
				db.NewID(), f.auditSeq.Add(1), now, a.action, a.kind, id, a.before, a.after, benchHash, benchHash); err != nil {
				return err
			}
		}
		return nil
	})
}
