package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Valuation is a perpetual moving average per item over all its moves in
// (date, seq) order. Goods coming in with a cost add quantity × cost;
// goods coming in without one, and goods going out, move at the average
// (value × quantity ÷ stock, the last unit taking the exact rest); transfers
// move no value. A move dated before the item's last costed move is
// inserted into that order and every later move of the item is valued again
// from there, in one pass, so the result always equals a valuation of the
// whole ledger from its start; the difference in the value of later
// outgoing moves is posted as a revaluation.

// costState is an item's valuation after some move.
type costState struct {
	qty, value, cost int64 // quantity (millionths), value (hundredths), average unit cost (millionths)
	lastDate         string
	lastSeq          int64
}

// lockItems locks the valuation row of every item the moves touch, in item
// order, creating the rows of new items, and returns their state.
func (s *Service) lockItems(ctx context.Context, moves []*move) (map[string]costState, error) {
	var ids []string
	seen := map[string]bool{}
	for _, m := range moves {
		if !seen[m.item.ID] {
			seen[m.item.ID] = true
			ids = append(ids, m.item.ID)
		}
	}
	slices.Sort(ids)
	if err := erpkit.Chunks(ids, func(part []string) error {
		q := `INSERT INTO inv_item_cost (item_id, quantity, value, unit_cost, last_date, last_seq) VALUES `
		args := make([]any, len(part))
		for i, id := range part {
			if i > 0 {
				q += ", "
			}
			q += fmt.Sprintf("($%d, 0, 0, 0, '', 0)", i+1)
			args[i] = id
		}
		_, err := s.DB.Exec(ctx, q+` ON CONFLICT (item_id) DO NOTHING`, args...)
		return err
	}); err != nil {
		return nil, fmt.Errorf("inventory: create valuation rows: %w", err)
	}
	out := make(map[string]costState, len(ids))
	err := erpkit.Chunks(ids, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.DB.Query(ctx, `SELECT item_id, quantity, value, unit_cost, last_date, last_seq FROM inv_item_cost
			WHERE item_id IN (`+erpkit.Placeholders(1, len(part))+`) ORDER BY item_id`+s.forUpdate(), args...)
		if err != nil {
			return fmt.Errorf("inventory: lock valuation: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id string
				c  costState
			)
			if err := rows.Scan(&id, &c.qty, &c.value, &c.cost, &c.lastDate, &c.lastSeq); err != nil {
				return err
			}
			out[id] = c
		}
		return rows.Err()
	})
	return out, err
}

// costRow is a valued move of an item as inv_cost keeps it.
type costRow struct {
	seq                   int64
	date                  string
	kind                  domain.DocKind
	qty                   int64
	cost                  *int64
	value                 int64
	qtyAfter, valueAfter  int64
	costAfter             int64
	warehouseID, category string
	isNew                 bool
	line                  int
}

// apply values one move on top of st and returns the move's value and the state after it.
func apply(st costState, kind domain.DocKind, qty int64, cost *int64) (int64, costState, error) {
	var v int64
	switch {
	case kind == domain.DocTransfer:
		v = 0
	case qty > 0 && cost != nil:
		v = mulDiv(qty, *cost, 10_000_000_000)
	case qty > 0 && st.qty > 0:
		v = mulDiv(qty, st.value, st.qty)
	case qty > 0:
		v = mulDiv(qty, st.cost, 10_000_000_000)
	case -qty == st.qty:
		v = -st.value
	case st.qty > 0:
		v = -mulDiv(-qty, st.value, st.qty)
	}
	st.qty += qty
	st.value += v
	if st.qty < 0 {
		return 0, st, errNegative
	}
	if st.qty > 0 && kind != domain.DocTransfer {
		st.cost = mulDiv(st.value, 10_000_000_000, st.qty)
	}
	return v, st, nil
}

var errNegative = fmt.Errorf("inventory: valuation would go negative")

// mulDiv returns a×b÷c rounded half away from zero, exactly.
func mulDiv(a, b, c int64) int64 {
	neg := (a < 0) != (b < 0) != (c < 0)
	ua, ub, uc := abs64(a), abs64(b), abs64(c)
	hi, lo := bits.Mul64(ua, ub)
	if hi < uc {
		q, r := bits.Div64(hi, lo, uc)
		if r >= uc-r {
			q++
		}
		if neg {
			return -int64(q)
		}
		return int64(q)
	}
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	d := big.NewInt(c)
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(new(big.Int).Abs(d)) >= 0 {
		if n.Sign()*d.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

func abs64(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// reval is how much the value of one kind of later move changed, by
// category and warehouse, after a back-dated move.
type reval struct {
	kind                  domain.DocKind
	category, warehouseID string
	delta                 int64 // new value − old value of those moves
}

// valueMoves values the new moves of a document dated date, item by item,
// and values later moves again when the document is back-dated.
func (s *Service) valueMoves(ctx context.Context, date string, moves []*move, states map[string]costState, lines []line) ([]reval, error) {
	byItem := map[string][]*move{}
	var items []string
	for _, m := range moves {
		if _, ok := byItem[m.item.ID]; !ok {
			items = append(items, m.item.ID)
		}
		byItem[m.item.ID] = append(byItem[m.item.ID], m)
	}
	slices.Sort(items)
	var (
		newRows  [][]any      // valuation rows of the new moves, to insert
		changed  []costUpdate // valuation rows of later moves of back-dated items whose figures changed
		itemRows [][]any
		revals   = map[reval]int64{}
		p        erpkit.Problems
	)
	for _, id := range items {
		st := states[id]
		ms := byItem[id]
		slices.SortFunc(ms, func(a, b *move) int { return int(a.seq - b.seq) })
		later := []costRow{}
		if st.lastDate != "" && date < st.lastDate {
			var base costState
			var err error
			if base, later, err = s.laterRows(ctx, id, date); err != nil {
				return nil, err
			}
			st = base
		}
		for _, m := range ms {
			v, next, err := apply(st, m.kind, m.qty, m.cost)
			if err != nil {
				l := lines[m.line]
				p.Add(l.field+".quantity", domain.KeyNegativeHistory, "On {{.Date}} the stock of this item would be negative",
					map[string]any{"Date": date})
				break
			}
			m.value, st = v, next
			newRows = append(newRows, []any{m.seq, id, date, v, st.qty, st.value, st.cost})
			st.lastDate, st.lastSeq = date, m.seq
		}
		for _, r := range later {
			v, next, err := apply(st, r.kind, r.qty, r.cost)
			if err != nil {
				l := lines[ms[0].line]
				p.Add(l.field+".quantity", domain.KeyNegativeHistory, "On {{.Date}} the stock of this item would be negative",
					map[string]any{"Date": r.date})
				break
			}
			st = next
			st.lastDate, st.lastSeq = r.date, r.seq
			if v != r.value || st.qty != r.qtyAfter || st.value != r.valueAfter || st.cost != r.costAfter {
				changed = append(changed, costUpdate{r.seq, v, st.qty, st.value, st.cost})
			}
			if v != r.value {
				revals[reval{kind: r.kind, category: ms[0].item.CategoryID, warehouseID: r.warehouseID}] += v - r.value
			}
		}
		itemRows = append(itemRows, []any{id, st.qty, st.value, st.cost, st.lastDate, st.lastSeq})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if err := s.updateCosts(ctx, changed); err != nil {
		return nil, fmt.Errorf("inventory: revalue later moves: %w", err)
	}
	if err := erpkit.Chunks(newRows, func(part [][]any) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO inv_cost (seq, item_id, date, value, qty_after, value_after, cost_after) VALUES `)
		var args []any
		for i, r := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + erpkit.Placeholders(7*i+1, 7) + ")")
			args = append(args, r...)
		}
		_, err := s.DB.Exec(ctx, b.String(), args...)
		return err
	}); err != nil {
		return nil, fmt.Errorf("inventory: write valuation: %w", err)
	}
	icols := erpkit.Cols("item_id TEXT", "quantity BIGINT", "value BIGINT", "unit_cost BIGINT", "last_date TEXT", "last_seq BIGINT")
	if err := erpkit.Chunks(itemRows, func(part [][]any) error {
		cte, args := erpkit.Values("u", icols, part, 1)
		_, err := s.DB.Exec(ctx, `WITH `+cte+` UPDATE inv_item_cost SET quantity = u.quantity, value = u.value,
			unit_cost = u.unit_cost, last_date = u.last_date, last_seq = u.last_seq FROM u WHERE inv_item_cost.item_id = u.item_id || ''`, args...)
		return err
	}); err != nil {
		return nil, fmt.Errorf("inventory: update item valuation: %w", err)
	}
	out := make([]reval, 0, len(revals))
	for k, d := range revals {
		if d != 0 {
			k.delta = d
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b reval) int {
		return strings.Compare(string(a.kind)+a.category+a.warehouseID, string(b.kind)+b.category+b.warehouseID)
	})
	return out, nil
}

// costCols are the columns of a later move's valuation that a back-dated
// move changes.
var costCols = erpkit.Cols("seq BIGINT", "value BIGINT", "qty_after BIGINT", "value_after BIGINT", "cost_after BIGINT")

// costUpdate is a later move's valuation row written again: seq, value,
// quantity after, value after and cost after.
type costUpdate [5]int64

// updateCosts writes the new figures of later moves' valuation rows, many
// rows a statement. The unary plus on u.seq makes SQLite walk the chunk and
// find each row by its key; without it SQLite may scan the whole of inv_cost
// for every chunk.
func (s *Service) updateCosts(ctx context.Context, rows []costUpdate) error {
	lists := map[int]string{} // the VALUES list of a chunk of n rows
	return erpkit.Chunks(rows, func(part []costUpdate) error {
		cte, args := s.costValues(part, lists)
		_, err := s.DB.Exec(ctx, `WITH `+cte+` UPDATE inv_cost SET value = u.value, qty_after = u.qty_after, value_after = u.value_after,
			cost_after = u.cost_after FROM u WHERE inv_cost.seq = +u.seq`, args...)
		return err
	})
}

// costValues returns the chunk as a VALUES list named u with its
// arguments, keeping the lists it builds in lists by length. PostgreSQL
// needs the casts to type the list; SQLite does not, and leaving them out
// makes a chunk's statement a third as long to parse.
func (s *Service) costValues(part []costUpdate, lists map[int]string) (string, []any) {
	args := make([]any, 0, len(part)*len(costCols))
	for _, r := range part {
		args = append(args, r[0], r[1], r[2], r[3], r[4])
	}
	if s.DB.Engine == db.Postgres {
		rows := make([][]any, len(part))
		for i := range part {
			rows[i] = args[5*i : 5*i+5]
		}
		return erpkit.Values("u", costCols, rows, 1)
	}
	if l, ok := lists[len(part)]; ok {
		return l, args
	}
	var b strings.Builder
	b.WriteString("u(seq, value, qty_after, value_after, cost_after) AS (VALUES ")
	for i := range part {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?)")
	}
	b.WriteByte(')')
	lists[len(part)] = b.String()
	return b.String(), args
}

// laterRows returns an item's valuation just before date ends (the state
// the back-dated moves start from) and its valued moves after date, in order.
func (s *Service) laterRows(ctx context.Context, itemID, date string) (costState, []costRow, error) {
	var base costState
	err := s.DB.QueryRow(ctx, `SELECT qty_after, value_after, cost_after, date, seq FROM inv_cost
		WHERE item_id = $1 AND date <= $2 ORDER BY date DESC, seq DESC LIMIT 1`, itemID, date).
		Scan(&base.qty, &base.value, &base.cost, &base.lastDate, &base.lastSeq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return base, nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT c.seq, c.date, m.kind, m.quantity, m.unit_cost, c.value, c.qty_after, c.value_after, c.cost_after, m.warehouse_id
		FROM inv_cost c JOIN inv_move m ON m.seq = c.seq
		WHERE c.item_id = $1 AND c.date > $2 ORDER BY c.date, c.seq`, itemID, date)
	if err != nil {
		return base, nil, fmt.Errorf("inventory: read later moves: %w", err)
	}
	defer rows.Close()
	var out []costRow
	for rows.Next() {
		var (
			r    costRow
			cost *int64
		)
		if err := rows.Scan(&r.seq, &r.date, &r.kind, &r.qty, &cost, &r.value, &r.qtyAfter, &r.valueAfter, &r.costAfter, &r.warehouseID); err != nil {
			return base, nil, err
		}
		r.cost = cost
		out = append(out, r)
	}
	return base, out, rows.Err()
}

// roles returns the debit and credit roles of a kind of move going the way
// of sign (+1 in, −1 out) and its value, per the ledger's rules.
func roles(kind domain.DocKind, sign int) (debit, credit finance.Role, ok bool) {
	switch kind {
	case domain.DocReceipt:
		return finance.RoleInventory, finance.RoleGRNI, true
	case domain.DocReturn:
		return finance.RoleInventory, finance.RoleCOGS, true
	case domain.DocProductionIn:
		return finance.RoleInventory, finance.RoleWIP, true
	case domain.DocIssue, domain.DocProductionOut:
		return finance.RoleWIP, finance.RoleInventory, true
	case domain.DocShipment:
		return finance.RoleCOGS, finance.RoleInventory, true
	case domain.DocScrap:
		return finance.RoleScrap, finance.RoleInventory, true
	case domain.DocAdjustment:
		if sign > 0 {
			return finance.RoleInventory, finance.RoleAdjustment, true
		}
		return finance.RoleAdjustment, finance.RoleInventory, true
	}
	return "", "", false
}

func sourceKind(kind domain.DocKind) string {
	switch kind {
	case domain.DocReceipt:
		return finance.SourceReceipt
	case domain.DocShipment:
		return finance.SourceShipment
	case domain.DocReturn:
		return finance.SourceReturn
	case domain.DocAdjustment:
		return finance.SourceAdjustment
	case domain.DocScrap:
		return finance.SourceScrap
	case domain.DocProductionIn:
		return finance.SourceProductionIn
	}
	return finance.SourceProductionOut
}

// postingLines builds balanced lines from signed values: a positive value
// debits the first role and credits the second; a negative one the reverse.
type postingKey struct {
	role                  finance.Role
	category, warehouseID string
}

func addPosting(sums map[postingKey]int64, debit, credit finance.Role, category, warehouse string, v int64) {
	sums[postingKey{debit, category, warehouse}] += v
	sums[postingKey{credit, category, warehouse}] -= v
}

func linesOf(sums map[postingKey]int64, memo string) []finance.PostingLine {
	keys := make([]postingKey, 0, len(sums))
	for k, v := range sums {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b postingKey) int {
		return strings.Compare(string(a.role)+a.category+a.warehouseID, string(b.role)+b.category+b.warehouseID)
	})
	out := make([]finance.PostingLine, 0, len(keys))
	for _, k := range keys {
		v := sums[k]
		l := finance.PostingLine{Role: k.role, ItemCategory: k.category, Warehouse: k.warehouseID, Memo: memo}
		if v > 0 {
			l.Debit = money.AmountFromUnits(v)
		} else {
			l.Credit = money.AmountFromUnits(-v)
		}
		out = append(out, l)
	}
	return out
}

func (s *Service) poster() finance.Poster {
	if s.Poster == nil {
		return nil
	}
	return s.Poster()
}

// postEntry posts a document's journal entry when finance runs and the
// document moved value; it returns the entry's id.
func (s *Service) postEntry(ctx context.Context, req domain.PostRequest, doc domain.InventoryDoc, moves []*move) (string, error) {
	p := s.poster()
	if p == nil || req.Kind == domain.DocTransfer {
		return "", nil
	}
	sums := map[postingKey]int64{}
	for _, m := range moves {
		sign := 1
		if m.qty < 0 {
			sign = -1
		}
		debit, credit, ok := roles(m.kind, sign)
		if !ok || m.value == 0 {
			continue
		}
		v := m.value
		if v < 0 {
			v = -v
		}
		addPosting(sums, debit, credit, m.item.CategoryID, m.warehouseID, v)
	}
	lines := linesOf(sums, doc.Number)
	if len(lines) == 0 {
		return "", nil
	}
	id, err := p.Post(ctx, finance.Posting{SourceKind: sourceKind(req.Kind), SourceID: doc.ID, SourceNumber: doc.Number,
		Date: doc.Date, Currency: s.currency(), PartnerKind: req.PartnerKind, PartnerID: req.PartnerID, Memo: doc.Number, Lines: lines})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return "", err
		}
		return "", fmt.Errorf("inventory: post %s to the ledger: %w", doc.Number, err)
	}
	return id, nil
}

// postRevaluation posts the change in value of later moves that a
// back-dated document caused: more cost of goods sold (or scrap, or
// adjustment, or work in progress) against inventory, or less.
func (s *Service) postRevaluation(ctx context.Context, doc domain.InventoryDoc, rs []reval) error {
	p := s.poster()
	if p == nil || len(rs) == 0 {
		return nil
	}
	// The value of the stock changes by the change in value of the moves;
	// the other side is the role the moves posted against.
	sums := map[postingKey]int64{}
	for _, r := range rs {
		debit, credit, ok := roles(r.kind, 1)
		if !ok {
			continue
		}
		counter := credit
		if debit != finance.RoleInventory {
			counter = debit
		}
		addPosting(sums, finance.RoleInventory, counter, r.category, r.warehouseID, r.delta)
	}
	lines := linesOf(sums, doc.Number)
	if len(lines) == 0 {
		return nil
	}
	_, err := p.Post(ctx, finance.Posting{SourceKind: finance.SourceRevaluation, SourceID: doc.ID, SourceNumber: doc.Number,
		Date: s.today(), Currency: s.currency(), Memo: doc.Number, Lines: lines})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return err
		}
		return fmt.Errorf("inventory: post revaluation of %s: %w", doc.Number, err)
	}
	return nil
}
