package core

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// canSeeCost reports whether the caller may see costs and values.
func canSeeCost(ctx context.Context) bool {
	return authz.FromContext(ctx).Can(domain.PermValue)
}

// Doc returns a posted stock document with its moves.
func (s *Service) Doc(ctx context.Context, id string) (domain.InventoryDoc, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.InventoryDoc{}, err
	}
	if !db.ValidID(id) {
		return domain.InventoryDoc{}, apperr.NotFound("stock document", id)
	}
	return s.doc(ctx, id, canSeeCost(ctx))
}

// LookupDoc is Doc with costs and without a permission check, for other
// modules (a customer return takes the cost its goods shipped at).
func (s *Service) LookupDoc(ctx context.Context, id string) (domain.InventoryDoc, error) {
	if !db.ValidID(id) {
		return domain.InventoryDoc{}, apperr.NotFound("stock document", id)
	}
	return s.doc(ctx, id, true)
}

func (s *Service) doc(ctx context.Context, id string, showCost bool) (domain.InventoryDoc, error) {
	var (
		d  domain.InventoryDoc
		at int64
	)
	err := s.DB.QueryRow(ctx, `SELECT id, number, kind, date, reference, note, source_kind, source_id, entry_id, created_by, created_at
		FROM inv_doc WHERE id = $1`, id).Scan(&d.ID, &d.Number, &d.Kind, &d.Date, &d.Reference, &d.Note, &d.SourceKind, &d.SourceID,
		&d.EntryID, &d.CreatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.NotFound("stock document", id)
	}
	if err != nil {
		return d, err
	}
	d.CreatedAt = db.FromMillis(at)
	page, err := s.moves(ctx, domain.MoveFilter{DocID: id, Limit: erpkit.MaxLimit, Ascending: true}, showCost)
	if err != nil {
		return d, err
	}
	d.Moves = page.Moves
	if showCost {
		var total int64
		for _, m := range d.Moves {
			if m.Value != nil && m.Quantity.Sign() > 0 {
				total += m.Value.Units()
			} else if m.Value != nil {
				total -= m.Value.Units()
			}
		}
		v := money.AmountFromUnits(total)
		d.Value = &v
	}
	return d, nil
}

// MovePage is one page of the stock ledger.
type MovePage struct {
	Moves []domain.InventoryMove
	Next  string
}

// Moves lists the stock ledger, newest first, filtered by f.
func (s *Service) Moves(ctx context.Context, f domain.MoveFilter) (MovePage, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return MovePage{}, err
	}
	return s.moves(ctx, f, canSeeCost(ctx))
}

func (s *Service) moves(ctx context.Context, f domain.MoveFilter, showCost bool) (MovePage, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range []struct{ col, v string }{{"m.doc_id", f.DocID}, {"m.item_id", f.ItemID}, {"m.location_id", f.LocationID},
		{"m.lot_id", f.LotID}, {"m.kind", string(f.Kind)}, {"m.warehouse_id", f.WarehouseID}} {
		if c.v != "" {
			where = append(where, c.col+" = "+arg(c.v))
		}
	}
	if f.From != "" {
		where = append(where, "m.date >= "+arg(f.From))
	}
	if f.To != "" {
		where = append(where, "m.date <= "+arg(f.To))
	}
	dir, op := " DESC", "<"
	if f.Ascending {
		dir, op = "", ">"
	}
	if f.Cursor != "" {
		var after int64
		if _, err := fmt.Sscan(f.Cursor, &after); err != nil {
			return MovePage{}, apperr.Invalid("cursor", "api.list.cursor_invalid", "This cursor is not valid for this list")
		}
		where = append(where, "m.seq "+op+" "+arg(after))
	}
	limit := erpkit.Limit(f.Limit)
	q := `SELECT m.seq, m.doc_id, d.number, m.kind, m.date, m.item_id, m.warehouse_id, m.location_id, l.code,
		m.lot_id, COALESCE(t.lot_no, ''), m.quantity, m.unit_cost, c.value, m.created_at
		FROM inv_move m JOIN inv_doc d ON d.id = m.doc_id JOIN inv_location l ON l.id = m.location_id
		LEFT JOIN inv_lot t ON t.id = m.lot_id LEFT JOIN inv_cost c ON c.seq = m.seq`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY m.seq" + dir + " LIMIT " + arg(limit+1)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return MovePage{}, fmt.Errorf("inventory: list moves: %w", err)
	}
	defer rows.Close()
	var out []domain.InventoryMove
	var ids []string
	for rows.Next() {
		var (
			m     domain.InventoryMove
			cost  *int64
			value *int64
			at    int64
		)
		if err := rows.Scan(&m.Seq, &m.DocID, &m.DocNumber, &m.Kind, &m.Date, &m.ItemID, &m.WarehouseID, &m.LocationID, &m.LocationCode,
			&m.LotID, &m.LotNo, &m.Quantity, &cost, &value, &at); err != nil {
			return MovePage{}, err
		}
		m.CreatedAt = db.FromMillis(at)
		if showCost {
			if value != nil {
				v := money.AmountFromUnits(*value)
				m.Value = &v
			}
			if cost != nil {
				c := money.UnitPriceFromUnits(*cost)
				m.UnitCost = &c
			}
		}
		out = append(out, m)
		ids = append(ids, m.ItemID)
	}
	if err := rows.Err(); err != nil {
		return MovePage{}, err
	}
	page := MovePage{Moves: out}
	if len(out) > limit {
		page.Moves = out[:limit]
		page.Next = fmt.Sprint(out[limit-1].Seq)
	}
	if page.Moves == nil {
		page.Moves = []domain.InventoryMove{}
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return page, err
	}
	for i := range page.Moves {
		it := items[page.Moves[i].ItemID]
		page.Moves[i].ItemCode, page.Moves[i].ItemName, page.Moves[i].UoM = it.Code, it.Name, it.UoM
	}
	return page, nil
}

// Stock lists the stock of items per warehouse: on hand in stock locations,
// reserved, available, and what lies in other locations.
func (s *Service) Stock(ctx context.Context, f domain.StockFilter) ([]domain.InventoryStock, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.ItemID != "" {
		where = append(where, "k.item_id = "+arg(f.ItemID))
	}
	if f.WarehouseID != "" {
		where = append(where, "k.warehouse_id = "+arg(f.WarehouseID))
	}
	// Every item and warehouse that has a balance, with its stock row.
	q := `SELECT k.item_id, k.warehouse_id, w.code, COALESCE(s.on_hand, 0), COALESCE(s.reserved, 0), k.total
		FROM (SELECT item_id, warehouse_id, SUM(on_hand) AS total FROM inv_balance GROUP BY item_id, warehouse_id) k
		JOIN inv_warehouse w ON w.id = k.warehouse_id
		LEFT JOIN inv_stock s ON s.item_id = k.item_id AND s.warehouse_id = k.warehouse_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if !f.All {
		if len(where) > 0 {
			q += " AND k.total > 0"
		} else {
			q += " WHERE k.total > 0"
		}
	}
	q += " ORDER BY k.item_id, w.code_key"
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("inventory: list stock: %w", err)
	}
	defer rows.Close()
	var out []domain.InventoryStock
	var ids []string
	for rows.Next() {
		var (
			st          domain.InventoryStock
			o, r, total int64
		)
		if err := rows.Scan(&st.ItemID, &st.WarehouseID, &st.WarehouseCode, &o, &r, &total); err != nil {
			return nil, err
		}
		st.OnHand, st.Reserved, st.Available = money.QuantityFromUnits(o), money.QuantityFromUnits(r), money.QuantityFromUnits(o-r)
		st.Other = money.QuantityFromUnits(total - o)
		out = append(out, st)
		ids = append(ids, st.ItemID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	filtered := out[:0]
	query := strings.ToLower(strings.TrimSpace(f.Query))
	for _, st := range out {
		it := items[st.ItemID]
		st.ItemCode, st.ItemName, st.UoM, st.UoMPrecision = it.Code, it.Name, it.UoM, it.UoMPrecision
		if query != "" && !strings.Contains(strings.ToLower(it.Code+" "+it.Name+" "+it.NameEN), query) {
			continue
		}
		filtered = append(filtered, st)
	}
	sortStock(filtered)
	if filtered == nil {
		filtered = []domain.InventoryStock{}
	}
	return filtered, nil
}

func sortStock(st []domain.InventoryStock) {
	slices.SortFunc(st, func(a, b domain.InventoryStock) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.ItemCode), strings.ToLower(b.ItemCode)), cmp.Compare(a.WarehouseCode, b.WarehouseCode))
	})
}

// Balances lists what lies where: item, location and lot, with stock only.
func (s *Service) Balances(ctx context.Context, f domain.StockFilter) ([]domain.InventoryBalance, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.LookupBalances(ctx, f)
}

// LookupBalances is Balances without a permission check, for other modules
// (picking for a shipment).
func (s *Service) LookupBalances(ctx context.Context, f domain.StockFilter) ([]domain.InventoryBalance, error) {
	var (
		where = []string{"b.on_hand > 0"}
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, c := range []struct{ col, v string }{{"b.item_id", f.ItemID}, {"b.warehouse_id", f.WarehouseID},
		{"b.location_id", f.LocationID}, {"b.lot_id", f.LotID}, {"l.type", string(f.LocationType)}} {
		if c.v != "" {
			where = append(where, c.col+" = "+arg(c.v))
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT b.item_id, b.warehouse_id, b.location_id, l.code, l.type, b.lot_id,
		COALESCE(t.lot_no, ''), COALESCE(t.expiry_date, ''), b.on_hand
		FROM inv_balance b JOIN inv_location l ON l.id = b.location_id LEFT JOIN inv_lot t ON t.id = b.lot_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY b.item_id, l.code_key, t.lot_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("inventory: list balances: %w", err)
	}
	defer rows.Close()
	out := []domain.InventoryBalance{}
	var ids []string
	for rows.Next() {
		var b domain.InventoryBalance
		if err := rows.Scan(&b.ItemID, &b.WarehouseID, &b.LocationID, &b.LocationCode, &b.LocationType, &b.LotID,
			&b.LotNo, &b.ExpiryDate, &b.OnHand); err != nil {
			return nil, err
		}
		out = append(out, b)
		ids = append(ids, b.ItemID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		it := items[out[i].ItemID]
		out[i].ItemCode, out[i].ItemName, out[i].UoM, out[i].UoMPrecision = it.Code, it.Name, it.UoM, it.UoMPrecision
	}
	return out, nil
}

// Lots lists an item's lots (or serial numbers) with what is on hand of each.
func (s *Service) Lots(ctx context.Context, itemID string) ([]domain.InventoryLot, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.item_id, t.lot_no, t.expiry_date, t.created_at,
		COALESCE((SELECT SUM(b.on_hand) FROM inv_balance b WHERE b.item_id = t.item_id AND b.lot_id = t.id), 0)
		FROM inv_lot t WHERE t.item_id = $1 ORDER BY t.lot_key`, itemID)
	if err != nil {
		return nil, fmt.Errorf("inventory: list lots: %w", err)
	}
	defer rows.Close()
	out := []domain.InventoryLot{}
	for rows.Next() {
		var (
			l  domain.InventoryLot
			at int64
		)
		if err := rows.Scan(&l.ID, &l.ItemID, &l.LotNo, &l.ExpiryDate, &at, &l.OnHand); err != nil {
			return nil, err
		}
		l.CreatedAt = db.FromMillis(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

// LookupLot returns a lot of an item by its number, ignoring letter case.
func (s *Service) LookupLot(ctx context.Context, itemID, lotNo string) (domain.InventoryLot, error) {
	l, err := s.findLot(ctx, itemID, erpkit.CodeKey(lotNo))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.NotFound("lot", lotNo)
	}
	return l, err
}

// StockValue returns the value of all stock at the end of date, in total
// and by item category: the sum of the values of every move up to that date.
func (s *Service) StockValue(ctx context.Context, date string) (domain.InventoryValue, error) {
	if _, err := erpkit.Require(ctx, domain.PermValue); err != nil {
		return domain.InventoryValue{}, err
	}
	if date == "" {
		date = s.today()
	}
	if !erpkit.ValidDate(date) {
		return domain.InventoryValue{}, apperr.Invalid("date", erpkit.KeyDate, "Enter a date as YYYY-MM-DD")
	}
	out := domain.InventoryValue{Date: date, Currency: s.currency(), Categories: []domain.InventoryCategoryValue{}}
	// Each valuation row keeps the item's value after its move, so the value
	// at a date is, per item, that of its last row up to the date: one
	// short index read per item, however long the ledger.
	rows, err := s.DB.Query(ctx, `SELECT i.item_id, (SELECT c.value_after FROM inv_cost c WHERE c.item_id = i.item_id AND c.date <= $1
		ORDER BY c.date DESC, c.seq DESC LIMIT 1) FROM inv_item_cost i`, date)
	if err != nil {
		return out, fmt.Errorf("inventory: stock value: %w", err)
	}
	byItem := map[string]int64{}
	var ids []string
	for rows.Next() {
		var (
			id string
			v  *int64
		)
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return out, err
		}
		if v == nil { // no move up to the date
			continue
		}
		byItem[id] = *v
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return out, err
	}
	byCat := map[string]*domain.InventoryCategoryValue{}
	var total int64
	for id, v := range byItem {
		total += v
		it := items[id]
		c := byCat[it.CategoryID]
		if c == nil {
			c = &domain.InventoryCategoryValue{CategoryID: it.CategoryID, CategoryName: it.CategoryName}
			byCat[it.CategoryID] = c
		}
		c.Value = money.AmountFromUnits(c.Value.Units() + v)
	}
	out.Value = money.AmountFromUnits(total)
	for _, c := range byCat {
		out.Categories = append(out.Categories, *c)
	}
	sortCategories(out.Categories)
	return out, nil
}

func sortCategories(cs []domain.InventoryCategoryValue) {
	slices.SortFunc(cs, func(a, b domain.InventoryCategoryValue) int { return cmp.Compare(a.CategoryName, b.CategoryName) })
}

// ItemValuation is an item's quantity, value and average cost now.
type ItemValuation struct {
	Quantity money.Quantity
	Value    money.Amount
	UnitCost money.UnitPrice
}

// Valuation returns an item's valuation now; only users who may see costs get it.
func (s *Service) Valuation(ctx context.Context, itemID string) (ItemValuation, error) {
	if _, err := erpkit.Require(ctx, domain.PermValue); err != nil {
		return ItemValuation{}, err
	}
	var v ItemValuation
	err := s.DB.QueryRow(ctx, `SELECT quantity, value, unit_cost FROM inv_item_cost WHERE item_id = $1`, itemID).Scan(&v.Quantity, &v.Value, &v.UnitCost)
	if errors.Is(err, sql.ErrNoRows) {
		return ItemValuation{}, nil
	}
	return v, err
}

// item returns a catalog item by id for the screens.
func (s *Service) Item(ctx context.Context, ref string) (catalog.Item, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return catalog.Item{}, err
	}
	return s.resolveItem(ctx, ref)
}
