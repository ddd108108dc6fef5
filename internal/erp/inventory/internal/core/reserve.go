package core

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Reserve sets aside available stock for each request, first come first
// served, and returns how much each got: all of its quantity, part of it,
// or nothing when no stock is free. It never reserves more than is on hand:
// the stock rows are locked and the update itself is conditional
// (on_hand − reserved ≥ quantity). It checks no permission.
func (s *Service) Reserve(ctx context.Context, reqs []domain.ReserveRequest) ([]money.Quantity, error) {
	out := make([]money.Quantity, len(reqs))
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		clear(out)
		need := map[stockKey]bool{}
		for i, r := range reqs {
			if r.Quantity.Sign() <= 0 {
				return apperr.Invalid(fmt.Sprintf("lines[%d].quantity", i), domain.KeyQuantityPositive, "Enter a quantity of more than 0")
			}
			need[stockKey{r.ItemID, r.WarehouseID}] = true
		}
		keys := sortedStockKeys(need)
		// Every stock row of the items, in all warehouses, is read (and on
		// PostgreSQL locked, in key order): the reserved ones, and the
		// others for the items' totals, which the availability snapshot
		// then needs not read again.
		cur, err := s.lockItemStock(ctx, keys)
		if err != nil {
			return err
		}
		lead := map[string]int{}
		for _, r := range reqs {
			if r.LeadTimeKnown {
				lead[r.ItemID] = r.LeadTimeDays
			}
		}
		granted := map[stockKey]int64{}
		type resKey struct{ kind, id, item, wh string }
		bySource := map[resKey]int64{}
		var order []resKey
		for i, r := range reqs {
			k := stockKey{r.ItemID, r.WarehouseID}
			c := cur[k]
			free := c.onHand - c.reserved - granted[k]
			g := min(free, r.Quantity.Units())
			if g <= 0 {
				continue
			}
			granted[k] += g
			out[i] = money.QuantityFromUnits(g)
			rk := resKey{r.SourceKind, r.SourceID, r.ItemID, r.WarehouseID}
			if _, ok := bySource[rk]; !ok {
				order = append(order, rk)
			}
			bySource[rk] += g
		}
		var rows [][]any
		for _, k := range keys {
			if g := granted[k]; g > 0 {
				rows = append(rows, []any{k.item, k.warehouse, g})
			}
		}
		if err := erpkit.Chunks(rows, func(part [][]any) error {
			cte, args := erpkit.Values("g", erpkit.Cols("item_id TEXT", "warehouse_id TEXT", "qty BIGINT"), part, 1)
			// The keys of g are written as expressions (|| '') so that SQLite
			// walks g and finds each stock row by its key rather than scanning
			// inv_stock against an index it builds on g.
			n, err := s.DB.ExecAffected(ctx, `WITH `+cte+` UPDATE inv_stock SET reserved = inv_stock.reserved + g.qty
				FROM g WHERE inv_stock.item_id = g.item_id || '' AND inv_stock.warehouse_id = g.warehouse_id || ''
				AND inv_stock.on_hand - inv_stock.reserved >= g.qty`, args...)
			if err != nil {
				return fmt.Errorf("inventory: reserve: %w", err)
			}
			if n != int64(len(part)) {
				return apperr.Conflict("erp.inventory.error.stock_changed", "The stock changed in the meantime; try again")
			}
			return nil
		}); err != nil {
			return err
		}
		if err := erpkit.Chunks(order, func(part []resKey) error {
			var b strings.Builder
			b.WriteString(`INSERT INTO inv_reservation (source_kind, source_id, item_id, warehouse_id, quantity) VALUES `)
			var args []any
			for i, k := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + erpkit.Placeholders(5*i+1, 5) + ")")
				args = append(args, k.kind, k.id, k.item, k.wh, bySource[k])
			}
			b.WriteString(` ON CONFLICT (source_kind, source_id) DO UPDATE SET quantity = inv_reservation.quantity + excluded.quantity`)
			_, err := s.DB.Exec(ctx, b.String(), args...)
			return err
		}); err != nil {
			return fmt.Errorf("inventory: record reservations: %w", err)
		}
		items := make([]string, 0, len(granted))
		sums := map[string]stockRow{}
		for k := range granted {
			items = append(items, k.item)
		}
		for k, r := range cur {
			t := sums[k.item]
			t.onHand += r.onHand
			t.reserved += r.reserved + granted[k]
			sums[k.item] = t
		}
		return s.publishWith(ctx, items, lead, sums)
	})
	return out, err
}

// lockItemStock reads (and on PostgreSQL locks, in key order) every stock
// row of the items of keys, in all warehouses.
func (s *Service) lockItemStock(ctx context.Context, keys []stockKey) (map[stockKey]stockRow, error) {
	items := make([]string, 0, len(keys))
	for _, k := range keys {
		if len(items) == 0 || items[len(items)-1] != k.item {
			items = append(items, k.item)
		}
	}
	out := make(map[stockKey]stockRow, len(keys))
	err := erpkit.Chunks(items, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		lock := ""
		if s.DB.Engine == db.Postgres {
			lock = " FOR UPDATE"
		}
		rs, err := s.DB.Query(ctx, `SELECT item_id, warehouse_id, on_hand, reserved FROM inv_stock WHERE item_id IN (`+
			erpkit.Placeholders(1, len(part))+`) ORDER BY item_id, warehouse_id`+lock, args...)
		if err != nil {
			return fmt.Errorf("inventory: lock stock: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var (
				k stockKey
				r stockRow
			)
			if err := rs.Scan(&k.item, &k.warehouse, &r.onHand, &r.reserved); err != nil {
				return err
			}
			out[k] = r
		}
		return rs.Err()
	})
	return out, err
}

// Reserved returns how much is reserved for each source of a kind.
func (s *Service) Reserved(ctx context.Context, sourceKind string, sourceIDs []string) (map[string]money.Quantity, error) {
	out := make(map[string]money.Quantity, len(sourceIDs))
	err := erpkit.Chunks(sourceIDs, func(part []string) error {
		args := []any{sourceKind}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.DB.Query(ctx, `SELECT source_id, quantity FROM inv_reservation WHERE source_kind = $1 AND source_id IN (`+
			erpkit.Placeholders(2, len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id string
				q  money.Quantity
			)
			if err := rows.Scan(&id, &q); err != nil {
				return err
			}
			out[id] = q
		}
		return rows.Err()
	})
	return out, err
}

// Release gives back everything reserved for the sources of a kind.
func (s *Service) Release(ctx context.Context, sourceKind string, sourceIDs []string) error {
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		type res struct {
			id  string
			key stockKey
			qty int64
		}
		var all []res
		if err := erpkit.Chunks(sourceIDs, func(part []string) error {
			args := []any{sourceKind}
			for _, id := range part {
				args = append(args, id)
			}
			rows, err := s.DB.Query(ctx, `SELECT source_id, item_id, warehouse_id, quantity FROM inv_reservation
				WHERE source_kind = $1 AND source_id IN (`+erpkit.Placeholders(2, len(part))+`)`, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var r res
				if err := rows.Scan(&r.id, &r.key.item, &r.key.warehouse, &r.qty); err != nil {
					return err
				}
				all = append(all, r)
			}
			return rows.Err()
		}); err != nil {
			return err
		}
		if len(all) == 0 {
			return nil
		}
		back := map[stockKey]int64{}
		for _, r := range all {
			back[r.key] += r.qty
		}
		keys := sortedStockKeys(back)
		if _, err := s.lockStock(ctx, keys); err != nil {
			return err
		}
		rows := make([][]any, 0, len(keys))
		items := make([]string, 0, len(keys))
		for _, k := range keys {
			rows = append(rows, []any{k.item, k.warehouse, back[k]})
			items = append(items, k.item)
		}
		if err := erpkit.Chunks(rows, func(part [][]any) error {
			cte, args := erpkit.Values("g", erpkit.Cols("item_id TEXT", "warehouse_id TEXT", "qty BIGINT"), part, 1)
			_, err := s.DB.Exec(ctx, `WITH `+cte+` UPDATE inv_stock SET reserved = inv_stock.reserved - g.qty
				FROM g WHERE inv_stock.item_id = g.item_id || '' AND inv_stock.warehouse_id = g.warehouse_id || ''`, args...)
			return err
		}); err != nil {
			return fmt.Errorf("inventory: release: %w", err)
		}
		if err := erpkit.Chunks(all, func(part []res) error {
			args := []any{sourceKind}
			for _, r := range part {
				args = append(args, r.id)
			}
			_, err := s.DB.Exec(ctx, `DELETE FROM inv_reservation WHERE source_kind = $1 AND source_id IN (`+erpkit.Placeholders(2, len(part))+`)`, args...)
			return err
		}); err != nil {
			return err
		}
		return s.publish(ctx, items)
	})
}

// Schedule directions.
const (
	Incoming = "in"
	Demand   = "out"
)

// SetSchedule records expected receipts (direction "in") or demand ("out")
// by source line, replacing what the same lines had; a zero quantity
// removes a line. Changed receipts are announced to CRM.
func (s *Service) SetSchedule(ctx context.Context, direction string, entries []domain.Scheduled) error {
	if direction != Incoming && direction != Demand {
		return fmt.Errorf("inventory: unknown schedule direction %q", direction)
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		var (
			items  []string
			gone   = map[string][]string{} // source ids by source kind
			upsert [][]any
		)
		for _, e := range entries {
			items = append(items, e.ItemID)
			if e.Quantity.Sign() <= 0 {
				gone[e.SourceKind] = append(gone[e.SourceKind], e.SourceID)
				continue
			}
			if !erpkit.ValidDate(e.Date) {
				return apperr.Invalid("date", erpkit.KeyDate, "Enter a date as YYYY-MM-DD")
			}
			upsert = append(upsert, []any{direction, e.SourceKind, e.SourceID, e.ItemID, e.WarehouseID, e.Date, e.Quantity})
		}
		for _, kind := range slices.Sorted(maps.Keys(gone)) {
			if err := erpkit.Chunks(gone[kind], func(part []string) error {
				args := []any{direction, kind}
				for _, id := range part {
					args = append(args, id)
				}
				_, err := s.DB.Exec(ctx, `DELETE FROM inv_schedule WHERE direction = $1 AND source_kind = $2 AND source_id IN (`+
					erpkit.Placeholders(3, len(part))+`)`, args...)
				return err
			}); err != nil {
				return fmt.Errorf("inventory: schedule: %w", err)
			}
		}
		if err := erpkit.Chunks(upsert, func(part [][]any) error {
			var b strings.Builder
			b.WriteString(`INSERT INTO inv_schedule (direction, source_kind, source_id, item_id, warehouse_id, date, quantity) VALUES `)
			var args []any
			for i, r := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + erpkit.Placeholders(7*i+1, 7) + ")")
				args = append(args, r...)
			}
			b.WriteString(` ON CONFLICT (direction, source_kind, source_id) DO UPDATE SET item_id = excluded.item_id,
				warehouse_id = excluded.warehouse_id, date = excluded.date, quantity = excluded.quantity`)
			_, err := s.DB.Exec(ctx, b.String(), args...)
			return err
		}); err != nil {
			return fmt.Errorf("inventory: schedule: %w", err)
		}
		if direction == Incoming {
			return s.publish(ctx, items)
		}
		return nil
	})
}

// availability is an item's numbers as erp.stock.availability_changed carries them.
type availability struct {
	onHand, reserved int64
	incoming         []domain.Incoming
	leadTime         int
}

func (a availability) incomingJSON() string {
	b, _ := json.Marshal(a.incoming)
	return string(b)
}

// publish sends erp.stock.availability_changed for each item whose
// availability differs from what was sent last, and remembers it.
func (s *Service) publish(ctx context.Context, itemIDs []string) error {
	return s.publishKnown(ctx, itemIDs, nil)
}

// publishKnown is publish for items some of which the caller has read
// already.
func (s *Service) publishKnown(ctx context.Context, itemIDs []string, known map[string]catalog.Item) error {
	leadTimes := make(map[string]int, len(known))
	for id, it := range known {
		leadTimes[id] = it.LeadTimeDays
	}
	return s.publishWith(ctx, itemIDs, leadTimes, nil)
}

// publishWith is publish given the lead times the caller knows (the others
// are read from the catalog) and, when sums is not nil, each item's stock
// summed over its warehouses as it stands in this transaction (read under
// the locks the caller holds on all of the item's stock rows), which spares
// reading them again. On PostgreSQL the snapshot rows are locked last, in
// item order, and the numbers read after the lock (or under the caller's
// locks), so they include every transaction that committed before this
// one; SQLite's single writer needs no lock.
func (s *Service) publishWith(ctx context.Context, itemIDs []string, leadTimes map[string]int, sums map[string]stockRow) error {
	ids := slices.Compact(slices.Sorted(slices.Values(itemIDs)))
	if len(ids) == 0 {
		return nil
	}
	var missing []string
	lead := make(map[string]int, len(ids))
	for _, id := range ids {
		if n, ok := leadTimes[id]; ok {
			lead[id] = n
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		found, err := s.Catalog.LookupLeadTimes(ctx, missing)
		if err != nil {
			return err
		}
		maps.Copy(lead, found)
	}
	return erpkit.Chunks(ids, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		in := erpkit.Placeholders(1, len(part))
		type snapshot struct {
			sent availability
			inc  string
			now  availability
		}
		snaps := make(map[string]*snapshot, len(part))
		for _, id := range part {
			snaps[id] = &snapshot{sent: availability{onHand: -1, reserved: -1, leadTime: -1}}
		}
		// The snapshots last sent (locked on PostgreSQL, in item order). An
		// item that has none yet gets an empty one first, to be locked.
		lock := ""
		if s.DB.Engine == db.Postgres {
			lock = ` FOR UPDATE`
		}
		read := func() (int, error) {
			rs, err := s.DB.Query(ctx, `SELECT item_id, on_hand, reserved, incoming, lead_time_days FROM inv_avail
				WHERE item_id IN (`+in+`) ORDER BY item_id`+lock, args...)
			if err != nil {
				return 0, err
			}
			defer rs.Close()
			n := 0
			for rs.Next() {
				var (
					id string
					x  snapshot
				)
				if err := rs.Scan(&id, &x.sent.onHand, &x.sent.reserved, &x.inc, &x.sent.leadTime); err != nil {
					return 0, err
				}
				snaps[id].sent, snaps[id].inc = x.sent, x.inc
				n++
			}
			return n, rs.Err()
		}
		n, err := read()
		if err != nil {
			return err
		}
		if n < len(part) && s.DB.Engine == db.Postgres {
			ins := `INSERT INTO inv_avail (item_id, on_hand, reserved, incoming, lead_time_days, sent_at) VALUES `
			for i := range part {
				if i > 0 {
					ins += ", "
				}
				ins += fmt.Sprintf("($%d, -1, -1, '', -1, 0)", i+1)
			}
			if _, err := s.DB.Exec(ctx, ins+` ON CONFLICT (item_id) DO NOTHING`, args...); err != nil {
				return err
			}
			if _, err := read(); err != nil {
				return err
			}
		}
		for _, id := range part {
			snaps[id].now.incoming, snaps[id].now.leadTime = []domain.Incoming{}, lead[id]
		}
		if sums != nil {
			for _, id := range part {
				if t, ok := sums[id]; ok {
					snaps[id].now.onHand, snaps[id].now.reserved = t.onHand, t.reserved
				}
			}
		} else {
			rs, err := s.DB.Query(ctx, `SELECT item_id, COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM inv_stock
				WHERE item_id IN (`+in+`) GROUP BY item_id`, args...)
			if err != nil {
				return err
			}
			for rs.Next() {
				var (
					id  string
					now availability
				)
				if err := rs.Scan(&id, &now.onHand, &now.reserved); err != nil {
					rs.Close()
					return err
				}
				snaps[id].now.onHand, snaps[id].now.reserved = now.onHand, now.reserved
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return err
			}
		}
		rs, err := s.DB.Query(ctx, `SELECT item_id, date, SUM(quantity) FROM inv_schedule WHERE direction = 'in' AND item_id IN (`+in+`)
			GROUP BY item_id, date ORDER BY item_id, date`, args...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var (
				id, date string
				q        money.Quantity
			)
			if err := rs.Scan(&id, &date, &q); err != nil {
				rs.Close()
				return err
			}
			snaps[id].now.incoming = append(snaps[id].now.incoming, domain.Incoming{Date: date, Quantity: q})
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		var upd [][]any
		at := s.now().UTC()
		for _, id := range part {
			x := snaps[id]
			a, old := x.now, x.sent
			inc := a.incomingJSON()
			if a.onHand == old.onHand && a.reserved == old.reserved && inc == x.inc && a.leadTime == old.leadTime {
				continue
			}
			upd = append(upd, []any{id, a.onHand, a.reserved, inc, int64(a.leadTime), db.Millis(at)})
			if _, err := outbox.Emit(ctx, s.DB, domain.EventAvailabilityChanged, 1, id, domain.AvailabilityChanged{
				ItemID: id, OnHand: money.QuantityFromUnits(a.onHand), Reserved: money.QuantityFromUnits(a.reserved),
				Available: money.QuantityFromUnits(a.onHand - a.reserved), Incoming: a.incoming,
				LeadTimeDays: a.leadTime, AsOf: at,
			}); err != nil {
				return err
			}
		}
		if len(upd) == 0 {
			return nil
		}
		var b strings.Builder
		b.WriteString(`INSERT INTO inv_avail (item_id, on_hand, reserved, incoming, lead_time_days, sent_at) VALUES `)
		var uargs []any
		for i, r := range upd {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + erpkit.Placeholders(6*i+1, 6) + ")")
			uargs = append(uargs, r...)
		}
		b.WriteString(` ON CONFLICT (item_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved,
			incoming = excluded.incoming, lead_time_days = excluded.lead_time_days, sent_at = excluded.sent_at`)
		_, err = s.DB.Exec(ctx, b.String(), uargs...)
		return err
	})
}

// ATP returns an item's available-to-promise schedule in a warehouse
// (every warehouse when warehouseID is empty): free stock now, then each
// date on which receipts are expected or demand is due. With a quantity it
// also finds the promise date: the first date from which that quantity
// stays available, or today plus the item's lead time when supply never
// covers it.
func (s *Service) ATP(ctx context.Context, itemID, warehouseID string, qty money.Quantity) (domain.InventoryATP, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.InventoryATP{}, err
	}
	return s.LookupATP(ctx, itemID, warehouseID, qty)
}

// LookupATP is ATP without a permission check, for other modules.
func (s *Service) LookupATP(ctx context.Context, itemID, warehouseID string, qty money.Quantity) (domain.InventoryATP, error) {
	it, err := s.Catalog.LookupItem(ctx, itemID)
	if err != nil {
		return domain.InventoryATP{}, err
	}
	out := domain.InventoryATP{ItemID: itemID, WarehouseID: warehouseID, LeadTimeDays: it.LeadTimeDays, Days: []domain.InventoryATPDay{}}
	where, args := `item_id = $1`, []any{itemID}
	if warehouseID != "" {
		where, args = `item_id = $1 AND warehouse_id = $2`, append(args, warehouseID)
	}
	var onHand, reserved int64
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM inv_stock WHERE `+where, args...).
		Scan(&onHand, &reserved); err != nil {
		return out, err
	}
	out.OnHand, out.Reserved = money.QuantityFromUnits(onHand), money.QuantityFromUnits(reserved)
	avail := onHand - reserved
	out.Available = money.QuantityFromUnits(avail)
	today := s.today()
	// Overdue receipts and demand count as today's.
	t := fmt.Sprintf("$%d", len(args)+1)
	rows, err := s.DB.Query(ctx, `SELECT CASE WHEN date < `+t+` THEN `+t+` ELSE date END AS d,
		SUM(CASE WHEN direction = 'in' THEN quantity ELSE 0 END), SUM(CASE WHEN direction = 'out' THEN quantity ELSE 0 END)
		FROM inv_schedule WHERE `+where+` GROUP BY d ORDER BY d`, append(args, today)...)
	if err != nil {
		return out, fmt.Errorf("inventory: available to promise: %w", err)
	}
	defer rows.Close()
	running := avail
	for rows.Next() {
		var (
			d       string
			in, dem int64
		)
		if err := rows.Scan(&d, &in, &dem); err != nil {
			return out, err
		}
		running += in - dem
		out.Days = append(out.Days, domain.InventoryATPDay{Date: d, Incoming: money.QuantityFromUnits(in),
			Demand: money.QuantityFromUnits(dem), Available: money.QuantityFromUnits(running)})
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if qty.Sign() > 0 {
		out.PromiseDate = promise(today, avail, out.Days, qty.Units(), it.LeadTimeDays)
	}
	return out, nil
}

// promise finds the first date from which q stays available to promise.
func promise(today string, now int64, days []domain.InventoryATPDay, q int64, leadTime int) string {
	// Walk backwards: the latest point where availability drops below q
	// decides; the quantity can be promised from the next schedule date on.
	candidate := today
	if now < q {
		candidate = ""
	}
	for i, d := range days {
		if d.Available.Units() < q {
			candidate = ""
			continue
		}
		if candidate == "" {
			candidate = days[i].Date
		}
	}
	if candidate != "" {
		return candidate
	}
	return erpkit.AddDays(today, leadTime)
}
