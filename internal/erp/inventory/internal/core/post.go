package core

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
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
)

// line is a checked line of a document.
type line struct {
	field        string
	item         catalog.Item
	loc, to      domain.InventoryLocation
	lotNo        string
	expiry       string
	lotID        string
	qty          int64 // signed for adjustments, positive otherwise
	cost         *int64
	reserveKind  string
	reserveID    string
	inbound      bool // goods come into loc (receipts, returns, gains)
	outboundOnly bool // goods only leave loc (issues, shipments, losses)
}

// move is one row of the ledger about to be written.
type move struct {
	line        int
	id          string
	seq         int64
	kind        domain.DocKind
	item        catalog.Item
	warehouseID string
	locationID  string
	locType     domain.LocationType
	lotID       string
	qty         int64
	cost        *int64
	value       int64
}

// balanceKey names one row of inv_balance.
type balanceKey struct{ item, location, lot string }

// stockKey names one row of inv_stock.
type stockKey struct{ item, warehouse string }

// resKey names one reservation.
type resKey struct{ kind, id string }

// RecordDoc posts a clerk's stock document (receipt, issue, transfer,
// adjustment or scrap) whose lines name items and locations by id or code.
func (s *Service) RecordDoc(ctx context.Context, in domain.InventoryDocInput) (domain.InventoryDoc, error) {
	perm := domain.PermMove
	if in.Kind == domain.DocAdjustment || in.Kind == domain.DocScrap {
		perm = domain.PermAdjust
	}
	if _, err := erpkit.Require(ctx, perm); err != nil {
		return domain.InventoryDoc{}, err
	}
	if !slices.Contains(domain.ManualDocKinds, in.Kind) {
		return domain.InventoryDoc{}, apperr.Invalid("kind", domain.KeyKindInvalid, "Choose receipt, issue, transfer, adjustment or scrap")
	}
	req := domain.PostRequest{Kind: in.Kind, Date: strings.TrimSpace(in.Date), Reference: strings.TrimSpace(in.Reference), Note: strings.TrimSpace(in.Note)}
	var p erpkit.Problems
	seeCost := canSeeCost(ctx)
	p.Text("reference", req.Reference, false, 100)
	p.Text("note", req.Note, false, 500)
	if len(in.Lines) == 0 {
		p.Add("lines", domain.KeyNoLines, "Add at least one line")
	}
	for i, l := range in.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		pl := domain.PostLine{Field: field, ItemID: strings.TrimSpace(l.Item), LocationID: strings.TrimSpace(l.Location),
			ToLocationID: strings.TrimSpace(l.ToLocation), LotNo: strings.TrimSpace(l.Lot), ExpiryDate: strings.TrimSpace(l.ExpiryDate),
			Quantity: l.Quantity}
		if !l.UnitCost.IsZero() {
			if !seeCost {
				p.Add(field+".unit_cost", domain.KeyCostForbidden, "You may not enter costs")
			}
			c := l.UnitCost
			pl.UnitCost = &c
		}
		req.Lines = append(req.Lines, pl)
	}
	var out domain.InventoryDoc
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.post(ctx, req, p)
		return err
	})
	return out, err
}

func (s *Service) resolveItem(ctx context.Context, ref string) (catalog.Item, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return catalog.Item{}, apperr.NotFound("item", ref)
	}
	if db.ValidID(ref) {
		return s.Catalog.LookupItem(ctx, ref)
	}
	return s.Catalog.LookupItemByCode(ctx, ref)
}

// Post posts a stock document inside the caller's transaction (starting
// one when there is none): it checks every line, writes the document and
// its moves, keeps balances, stock and reservations, values the moves,
// posts the journal entry and sends availability events. It checks no
// permission: callers check their own.
func (s *Service) Post(ctx context.Context, req domain.PostRequest) (domain.InventoryDoc, error) {
	var out domain.InventoryDoc
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.post(ctx, req, nil)
		return err
	})
	return out, err
}

// post posts a document; pre holds problems its caller already found, so
// the user learns of all of them at once.
func (s *Service) post(ctx context.Context, req domain.PostRequest, pre erpkit.Problems) (domain.InventoryDoc, error) {
	today := s.today()
	if req.Date == "" {
		req.Date = today
	}
	p := pre
	p.Date("date", req.Date, true)
	if !p.Has("date") && req.Date > today {
		p.Add("date", domain.KeyFutureDate, "Stock cannot move on a future date")
	}
	lines, err := s.checkLines(ctx, req, &p)
	if err != nil {
		return domain.InventoryDoc{}, err
	}
	if err := p.Err(); err != nil {
		return domain.InventoryDoc{}, err
	}
	if err := s.resolveLots(ctx, req, lines); err != nil {
		return domain.InventoryDoc{}, err
	}
	moves := buildMoves(req.Kind, lines)

	// Locks, in the fixed order: item valuations, stock rows, balances.
	states, err := s.lockItems(ctx, moves)
	if err != nil {
		return domain.InventoryDoc{}, err
	}
	if err := s.applyStock(ctx, req.Kind, lines, moves); err != nil {
		return domain.InventoryDoc{}, err
	}

	doc := domain.InventoryDoc{ID: db.NewID(), Kind: req.Kind, Date: req.Date, Reference: req.Reference, Note: req.Note,
		SourceKind: req.SourceKind, SourceID: req.SourceID, CreatedBy: erpkit.Actor(ctx), CreatedAt: db.FromMillis(db.Millis(s.now()))}
	doc.Number = req.Number
	if doc.Number == "" {
		if doc.Number, err = s.DB.NextDocNumber(ctx, domain.DocPrefix(req.Kind), s.now()); err != nil {
			return doc, err
		}
	}
	_, err = s.DB.Exec(ctx, `INSERT INTO inv_doc (id, number, kind, date, reference, note, source_kind, source_id, partner_kind, partner_id, entry_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $12)`,
		doc.ID, doc.Number, doc.Kind, doc.Date, doc.Reference, doc.Note, req.SourceKind, req.SourceID, req.PartnerKind, req.PartnerID,
		doc.CreatedBy, db.Millis(doc.CreatedAt))
	if db.IsUniqueViolation(err) {
		return doc, apperr.Conflict("erp.inventory.error.number_taken", "This document number is already used")
	}
	if err != nil {
		return doc, fmt.Errorf("inventory: write document: %w", err)
	}
	if err := s.insertMoves(ctx, doc, moves); err != nil {
		return doc, err
	}
	reval, err := s.valueMoves(ctx, req.Date, moves, states, lines)
	if err != nil {
		return doc, err
	}
	if doc.EntryID, err = s.postEntry(ctx, req, doc, moves); err != nil {
		return doc, err
	}
	if err := s.postRevaluation(ctx, doc, reval); err != nil {
		return doc, err
	}
	if doc.EntryID != "" {
		if _, err := s.DB.Exec(ctx, `UPDATE inv_doc SET entry_id = $1 WHERE id = $2`, doc.EntryID, doc.ID); err != nil {
			return doc, err
		}
	}
	if err := s.record(ctx, "erp.inventory.doc.posted", "erp.inventory.doc", doc.ID, nil, auditDoc(doc, moves)); err != nil {
		return doc, err
	}
	var touched []string
	items := map[string]catalog.Item{}
	for _, m := range moves {
		if m.locType == domain.LocStock {
			touched = append(touched, m.item.ID)
			items[m.item.ID] = m.item
		}
	}
	if err := s.publishKnown(ctx, touched, items); err != nil {
		return doc, err
	}
	return docOf(doc, moves), nil
}

// docOf describes a document just posted from its moves in memory.
func docOf(doc domain.InventoryDoc, moves []*move) domain.InventoryDoc {
	doc.Moves = make([]domain.InventoryMove, len(moves))
	var total int64
	for i, m := range moves {
		v := money.AmountFromUnits(m.value)
		doc.Moves[i] = domain.InventoryMove{Seq: m.seq, DocID: doc.ID, DocNumber: doc.Number, Kind: m.kind, Date: doc.Date,
			ItemID: m.item.ID, ItemCode: m.item.Code, ItemName: m.item.Name, WarehouseID: m.warehouseID, LocationID: m.locationID,
			LotID: m.lotID, Quantity: money.QuantityFromUnits(m.qty), UoM: m.item.UoM, Value: &v, CreatedAt: doc.CreatedAt}
		if m.cost != nil {
			c := money.UnitPriceFromUnits(*m.cost)
			doc.Moves[i].UnitCost = &c
		}
		total += max(m.value, -m.value)
	}
	v := money.AmountFromUnits(total)
	doc.Value = &v
	return doc
}

// auditDoc is what the audit log keeps of a posted document.
func auditDoc(doc domain.InventoryDoc, moves []*move) map[string]any {
	lines := make([]map[string]any, len(moves))
	for i, m := range moves {
		lines[i] = map[string]any{"item": m.item.Code, "location_id": m.locationID, "lot_id": m.lotID,
			"quantity": money.QuantityFromUnits(m.qty).String(), "value": money.AmountFromUnits(m.value).String()}
	}
	return map[string]any{"number": doc.Number, "kind": doc.Kind, "date": doc.Date, "reference": doc.Reference,
		"source_kind": doc.SourceKind, "source_id": doc.SourceID, "moves": lines}
}

// checkLines checks every line against the catalog and the locations.
func (s *Service) checkLines(ctx context.Context, req domain.PostRequest, p *erpkit.Problems) ([]line, error) {
	// Lines name items by id, or by code as a scanner reads them.
	ids := make([]string, 0, len(req.Lines))
	for _, l := range req.Lines {
		ids = append(ids, l.ItemID)
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, l := range req.Lines {
		if _, ok := items[l.ItemID]; ok || l.ItemID == "" || db.ValidID(l.ItemID) {
			continue
		}
		it, err := s.Catalog.LookupItemByCode(ctx, l.ItemID)
		switch {
		case err == nil:
			items[l.ItemID] = it
		case !apperr.IsKind(err, apperr.KindNotFound):
			return nil, err
		}
	}
	locs := map[string]domain.InventoryLocation{}
	location := func(id string) (domain.InventoryLocation, bool, error) {
		if l, ok := locs[id]; ok {
			return l, true, nil
		}
		l, err := s.LookupLocation(ctx, id)
		if apperr.IsKind(err, apperr.KindNotFound) {
			return l, false, nil
		}
		if err != nil {
			return l, false, err
		}
		locs[id] = l
		return l, true, nil
	}
	if len(req.Lines) == 0 {
		p.Add("lines", domain.KeyNoLines, "Add at least one line")
	}
	out := make([]line, len(req.Lines))
	for i, pl := range req.Lines {
		f := pl.Field
		if f == "" {
			f = fmt.Sprintf("lines[%d]", i)
		}
		l := line{field: f, lotNo: strings.TrimSpace(pl.LotNo), expiry: strings.TrimSpace(pl.ExpiryDate),
			reserveKind: pl.ReserveKind, reserveID: pl.ReserveID}
		it, ok := items[pl.ItemID]
		switch {
		case pl.ItemID == "":
			p.Add(f+".item", erpkit.KeyRequired, "This field is required")
		case !ok:
			p.Add(f+".item", domain.KeyItemUnknown, "No item has this code")
		case !it.Stocked():
			p.Add(f+".item", domain.KeyItemNotStocked, "This item is a service and has no stock")
		default:
			l.item = it
		}
		loc, ok, err := location(pl.LocationID)
		if err != nil {
			return nil, err
		}
		switch {
		case pl.LocationID == "":
			p.Add(f+".location", erpkit.KeyRequired, "This field is required")
		case !ok:
			p.Add(f+".location", domain.KeyLocationUnknown, "No location has this code")
		case loc.Status != domain.StatusActive:
			p.Add(f+".location", domain.KeyLocationInactive, "This location is not active")
		default:
			l.loc = loc
		}
		if req.Kind == domain.DocTransfer {
			to, ok, err := location(pl.ToLocationID)
			if err != nil {
				return nil, err
			}
			switch {
			case pl.ToLocationID == "":
				p.Add(f+".to_location", erpkit.KeyRequired, "This field is required")
			case !ok:
				p.Add(f+".to_location", domain.KeyLocationUnknown, "No location has this code")
			case to.Status != domain.StatusActive:
				p.Add(f+".to_location", domain.KeyLocationInactive, "This location is not active")
			case to.ID == l.loc.ID:
				p.Add(f+".to_location", domain.KeyLocationSame, "Choose another location to move the goods to")
			default:
				l.to = to
			}
		}
		// Quantity: positive (an adjustment may be negative), within the unit's decimals.
		q := pl.Quantity
		switch {
		case q.IsZero():
			p.Add(f+".quantity", domain.KeyQuantityZero, "Enter a quantity")
		case q.Sign() < 0 && req.Kind != domain.DocAdjustment:
			p.Add(f+".quantity", domain.KeyQuantityPositive, "Enter a quantity of more than 0")
		case l.item.ID != "" && !checkPrecision(q, l.item.UoMPrecision):
			p.Add(f+".quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
				map[string]any{"UoM": l.item.UoM, "Scale": l.item.UoMPrecision})
		}
		l.qty = q.Units()
		switch kind := req.Kind; {
		case kind == domain.DocReceipt || kind == domain.DocReturn || kind == domain.DocProductionIn:
			l.inbound = true
		case kind == domain.DocAdjustment:
			l.inbound = l.qty > 0
			l.outboundOnly = l.qty < 0
		case kind == domain.DocTransfer:
		default:
			l.outboundOnly = true
		}
		if pl.UnitCost != nil {
			if pl.UnitCost.Sign() < 0 {
				p.Add(f+".unit_cost", domain.KeyCostNegative, "A cost cannot be negative")
			} else if l.inbound {
				c := pl.UnitCost.Units()
				l.cost = &c
			}
		}
		if l.item.ID != "" {
			tracked := l.item.Tracking != catalog.TrackingNone
			switch {
			case tracked && l.lotNo == "":
				p.Add(f+".lot", domain.KeyLotRequired, "Enter the lot or serial number")
			case !tracked && l.lotNo != "":
				p.Add(f+".lot", domain.KeyLotNotTracked, "This item is not tracked by lot or serial number")
			case l.lotNo != "" && !p.Has(f+".lot"):
				var lp erpkit.Problems
				lp.Code(f+".lot", l.lotNo, 60)
				*p = append(*p, lp...)
			}
			if l.item.Tracking == catalog.TrackingSerial && !q.IsZero() && q.Units() != 1_000_000 && q.Units() != -1_000_000 {
				p.Add(f+".quantity", domain.KeySerialQuantity, "A serial number is one unit: enter 1")
			}
			if !l.inbound && l.item.ID != "" && l.expiry != "" {
				l.expiry = "" // only a new lot takes an expiry
			}
			p.Date(f+".expiry_date", l.expiry, false)
		}
		if l.reserveKind != "" && l.loc.ID != "" && l.loc.Type != domain.LocStock {
			p.Add(f+".location", domain.KeyNotStockLocation, "Reserved stock leaves from a stock location")
		}
		out[i] = l
	}
	return out, nil
}

// checkPrecision reports whether q has no more decimals than precision.
func checkPrecision(q money.Quantity, precision int) bool {
	step := int64(1)
	for range money.QuantityScale - min(max(precision, 0), money.QuantityScale) {
		step *= 10
	}
	return q.Units()%step == 0
}

// resolveLots finds the lots the lines name, creating new ones that goods
// come in with, and checks their expiry.
func (s *Service) resolveLots(ctx context.Context, req domain.PostRequest, lines []line) error {
	var p erpkit.Problems
	for i := range lines {
		l := &lines[i]
		if l.lotNo == "" {
			continue
		}
		key := erpkit.CodeKey(l.lotNo)
		lot, err := s.findLot(ctx, l.item.ID, key)
		switch {
		case errors.Is(err, sql.ErrNoRows) && l.inbound:
			id := db.NewID()
			if _, err := s.DB.Exec(ctx, `INSERT INTO inv_lot (id, item_id, lot_no, lot_key, expiry_date, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (item_id, lot_key) DO NOTHING`,
				id, l.item.ID, l.lotNo, key, l.expiry, db.Millis(s.now())); err != nil {
				return fmt.Errorf("inventory: create lot: %w", err)
			}
			if lot, err = s.findLot(ctx, l.item.ID, key); err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
			p.Add(l.field+".lot", domain.KeyLotUnknown, "This item has no such lot or serial number")
			continue
		case err != nil:
			return err
		case l.inbound && l.expiry != "" && lot.ExpiryDate != l.expiry:
			p.Add(l.field+".expiry_date", domain.KeyLotExpiry, "This lot exists with another expiry date",
				map[string]any{"Expiry": lot.ExpiryDate})
		}
		if req.Kind == domain.DocShipment && lot.Expired(req.Date) {
			p.Add(l.field+".lot", domain.KeyLotExpired, "This lot expired on {{.Expiry}}", map[string]any{"Expiry": lot.ExpiryDate})
		}
		l.lotID = lot.ID
	}
	return p.Err()
}

func (s *Service) findLot(ctx context.Context, itemID, key string) (domain.InventoryLot, error) {
	var l domain.InventoryLot
	err := s.DB.QueryRow(ctx, `SELECT id, item_id, lot_no, expiry_date FROM inv_lot WHERE item_id = $1 AND lot_key = $2`, itemID, key).
		Scan(&l.ID, &l.ItemID, &l.LotNo, &l.ExpiryDate)
	return l, err
}

// buildMoves turns checked lines into moves: one per line, two for a transfer.
func buildMoves(kind domain.DocKind, lines []line) []*move {
	moves := make([]*move, 0, len(lines))
	for i, l := range lines {
		m := &move{line: i, id: db.NewID(), kind: kind, item: l.item, warehouseID: l.loc.WarehouseID, locationID: l.loc.ID,
			locType: l.loc.Type, lotID: l.lotID, qty: l.qty, cost: l.cost}
		if l.outboundOnly && m.qty > 0 {
			m.qty = -m.qty
		}
		if kind == domain.DocTransfer {
			m.qty = -l.qty
			moves = append(moves, m, &move{line: i, id: db.NewID(), kind: kind, item: l.item, warehouseID: l.to.WarehouseID,
				locationID: l.to.ID, locType: l.to.Type, lotID: l.lotID, qty: l.qty})
			continue
		}
		moves = append(moves, m)
	}
	return moves
}

// applyStock changes balances, stock and reservations for the moves,
// refusing (with the line at fault) anything that would leave a negative
// balance, reserve more than is on hand, or consume more than a reservation holds.
func (s *Service) applyStock(ctx context.Context, kind domain.DocKind, lines []line, moves []*move) error {
	// Net change per stock row and per balance, with the first line that takes from it.
	stockDelta := map[stockKey]int64{}
	consume := map[stockKey]int64{}
	balDelta := map[balanceKey]int64{}
	balWarehouse := map[balanceKey]string{}
	firstOut := map[any]int{}
	for _, m := range moves {
		bk := balanceKey{m.item.ID, m.locationID, m.lotID}
		balDelta[bk] += m.qty
		balWarehouse[bk] = m.warehouseID
		if _, ok := firstOut[bk]; !ok && m.qty < 0 {
			firstOut[bk] = m.line
		}
		if m.locType == domain.LocStock {
			sk := stockKey{m.item.ID, m.warehouseID}
			stockDelta[sk] += m.qty
			if _, ok := firstOut[sk]; !ok && m.qty < 0 {
				firstOut[sk] = m.line
			}
		}
	}
	resTake := map[resKey]int64{}
	resLine := map[resKey]int{}
	for i, l := range lines {
		if l.reserveKind == "" {
			continue
		}
		k := resKey{l.reserveKind, l.reserveID}
		resTake[k] += -min(l.qty, -l.qty) // the quantity leaving, positive
		if _, ok := resLine[k]; !ok {
			resLine[k] = i
		}
	}
	var p erpkit.Problems

	// Reservations first: they say how much of the stock row's reserved goes.
	resKeys := slices.SortedFunc(func(yield func(resKey) bool) {
		for k := range resTake {
			if !yield(k) {
				return
			}
		}
	}, func(a, b resKey) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id)) })
	type held struct {
		item, wh string
		qty      int64
	}
	have := map[resKey]held{}
	if err := erpkit.Chunks(resKeys, func(part []resKey) error {
		rows := make([][]any, len(part))
		for i, k := range part {
			rows[i] = []any{k.kind, k.id}
		}
		cte, args := erpkit.Values("k", erpkit.Cols("source_kind TEXT", "source_id TEXT"), rows, 1)
		rs, err := s.DB.Query(ctx, `WITH `+cte+` SELECT r.source_kind, r.source_id, r.item_id, r.warehouse_id, r.quantity
			FROM inv_reservation r JOIN k ON k.source_kind = r.source_kind AND k.source_id = r.source_id`, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var (
				k resKey
				h held
			)
			if err := rs.Scan(&k.kind, &k.id, &h.item, &h.wh, &h.qty); err != nil {
				return err
			}
			have[k] = h
		}
		return rs.Err()
	}); err != nil {
		return fmt.Errorf("inventory: read reservations: %w", err)
	}
	var resRows [][]any
	for _, k := range resKeys {
		l, h := lines[resLine[k]], have[k]
		switch {
		case h.qty < resTake[k]:
			p.Add(l.field+".quantity", domain.KeyNotReserved, "Only {{.Reserved}} are reserved for this line",
				map[string]any{"Reserved": money.QuantityFromUnits(h.qty).String()})
		case h.item != l.item.ID || h.wh != l.loc.WarehouseID:
			p.Add(l.field+".location", domain.KeyWarehouseMismatch, "The stock for this line is reserved in another warehouse")
		default:
			consume[stockKey{h.item, h.wh}] += resTake[k]
			resRows = append(resRows, []any{k.kind, k.id, resTake[k]})
		}
	}
	if err := p.Err(); err != nil {
		return err
	}

	// Stock rows: create the ones goods come into, lock them all, check, change.
	skeys := sortedStockKeys(stockDelta)
	if len(skeys) > 0 {
		var create [][]any
		for _, k := range skeys {
			if stockDelta[k] > 0 {
				create = append(create, []any{k.item, k.warehouse})
			}
		}
		if err := erpkit.Chunks(create, func(part [][]any) error {
			q := `INSERT INTO inv_stock (item_id, warehouse_id, on_hand, reserved) VALUES `
			var args []any
			for i, r := range part {
				if i > 0 {
					q += ", "
				}
				q += fmt.Sprintf("($%d, $%d, 0, 0)", 2*i+1, 2*i+2)
				args = append(args, r...)
			}
			_, err := s.DB.Exec(ctx, q+` ON CONFLICT (item_id, warehouse_id) DO NOTHING`, args...)
			return err
		}); err != nil {
			return fmt.Errorf("inventory: create stock rows: %w", err)
		}
		cur, err := s.lockStock(ctx, skeys)
		if err != nil {
			return err
		}
		var rows [][]any
		for _, k := range skeys {
			c := cur[k]
			d, r := stockDelta[k], consume[k]
			if c.onHand+d < c.reserved-r {
				l := lines[firstOut[k]]
				free := max(c.onHand-c.reserved+r, 0)
				if c.onHand+d < 0 {
					p.Add(l.field+".quantity", domain.KeyInsufficient, "Only {{.OnHand}} {{.UoM}} on hand",
						map[string]any{"OnHand": money.QuantityFromUnits(c.onHand).String(), "UoM": l.item.UoM})
				} else {
					p.Add(l.field+".quantity", domain.KeyReservedStock, "Only {{.Free}} {{.UoM}} are free; the rest is reserved for orders",
						map[string]any{"Free": money.QuantityFromUnits(free).String(), "UoM": l.item.UoM})
				}
				continue
			}
			if d != 0 || r != 0 {
				rows = append(rows, []any{k.item, k.warehouse, d, r})
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := erpkit.Chunks(rows, func(part [][]any) error {
			cte, args := erpkit.Values("d", erpkit.Cols("item_id TEXT", "warehouse_id TEXT", "delta BIGINT", "took BIGINT"), part, 1)
			n, err := s.DB.ExecAffected(ctx, `WITH `+cte+` UPDATE inv_stock
				SET on_hand = inv_stock.on_hand + d.delta, reserved = inv_stock.reserved - d.took
				FROM d WHERE inv_stock.item_id = d.item_id AND inv_stock.warehouse_id = d.warehouse_id
				AND inv_stock.on_hand + d.delta >= inv_stock.reserved - d.took AND inv_stock.reserved >= d.took`, args...)
			if err != nil {
				return fmt.Errorf("inventory: change stock: %w", err)
			}
			if n != int64(len(part)) {
				return apperr.Conflict("erp.inventory.error.stock_changed", "The stock changed in the meantime; try again")
			}
			return nil
		}); err != nil {
			return err
		}
	}

	// Reservations consumed: reduced, or removed once used up.
	var partial [][]any
	used := map[string][]string{} // source ids used up, by source kind
	for _, r := range resRows {
		k := resKey{r[0].(string), r[1].(string)}
		if have[k].qty == resTake[k] {
			used[k.kind] = append(used[k.kind], k.id)
		} else {
			partial = append(partial, r)
		}
	}
	if err := erpkit.Chunks(partial, func(part [][]any) error {
		cte, args := erpkit.Values("t", erpkit.Cols("source_kind TEXT", "source_id TEXT", "qty BIGINT"), part, 1)
		_, err := s.DB.Exec(ctx, `WITH `+cte+` UPDATE inv_reservation SET quantity = inv_reservation.quantity - t.qty
			FROM t WHERE inv_reservation.source_kind = t.source_kind || '' AND inv_reservation.source_id = t.source_id || ''`, args...)
		return err
	}); err != nil {
		return fmt.Errorf("inventory: consume reservations: %w", err)
	}
	for _, kind := range slices.Sorted(maps.Keys(used)) {
		if err := erpkit.Chunks(used[kind], func(part []string) error {
			args := []any{kind}
			for _, id := range part {
				args = append(args, id)
			}
			_, err := s.DB.Exec(ctx, `DELETE FROM inv_reservation WHERE source_kind = $1 AND source_id IN (`+erpkit.Placeholders(2, len(part))+`)`, args...)
			return err
		}); err != nil {
			return fmt.Errorf("inventory: consume reservations: %w", err)
		}
	}

	// Balances: create the ones goods come into, lock them all, check, change.
	bkeys := slices.SortedFunc(func(yield func(balanceKey) bool) {
		for k := range balDelta {
			if !yield(k) {
				return
			}
		}
	}, compareBalance)
	var create [][]any
	for _, k := range bkeys {
		if balDelta[k] > 0 {
			create = append(create, []any{k.item, k.location, k.lot, balWarehouse[k]})
		}
	}
	if err := erpkit.Chunks(create, func(part [][]any) error {
		q := `INSERT INTO inv_balance (item_id, location_id, lot_id, warehouse_id, on_hand) VALUES `
		var args []any
		for i, r := range part {
			if i > 0 {
				q += ", "
			}
			q += fmt.Sprintf("($%d, $%d, $%d, $%d, 0)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
			args = append(args, r...)
		}
		_, err := s.DB.Exec(ctx, q+` ON CONFLICT (item_id, location_id, lot_id) DO NOTHING`, args...)
		return err
	}); err != nil {
		return fmt.Errorf("inventory: create balances: %w", err)
	}
	cur, err := s.lockBalances(ctx, bkeys)
	if err != nil {
		return err
	}
	var rows [][]any
	for _, k := range bkeys {
		d := balDelta[k]
		if cur[k]+d < 0 {
			l := lines[firstOut[k]]
			p.Add(l.field+".quantity", domain.KeyInsufficient, "Only {{.OnHand}} {{.UoM}} on hand",
				map[string]any{"OnHand": money.QuantityFromUnits(cur[k]).String(), "UoM": l.item.UoM})
			continue
		}
		if d != 0 {
			rows = append(rows, []any{k.item, k.location, k.lot, d})
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := erpkit.Chunks(rows, func(part [][]any) error {
		cte, args := erpkit.Values("d", erpkit.Cols("item_id TEXT", "location_id TEXT", "lot_id TEXT", "delta BIGINT"), part, 1)
		n, err := s.DB.ExecAffected(ctx, `WITH `+cte+` UPDATE inv_balance SET on_hand = inv_balance.on_hand + d.delta
			FROM d WHERE inv_balance.item_id = d.item_id || '' AND inv_balance.location_id = d.location_id || '' AND inv_balance.lot_id = d.lot_id || ''
			AND inv_balance.on_hand + d.delta >= 0`, args...)
		if err != nil {
			return fmt.Errorf("inventory: change balances: %w", err)
		}
		if n != int64(len(part)) {
			return apperr.Conflict("erp.inventory.error.stock_changed", "The stock changed in the meantime; try again")
		}
		return nil
	}); err != nil {
		return err
	}

	// A serial number is in stock once at most.
	for _, l := range lines {
		if l.item.Tracking != catalog.TrackingSerial || l.lotID == "" || !l.inbound {
			continue
		}
		var total int64
		if err := s.DB.QueryRow(ctx, `SELECT COALESCE(SUM(on_hand), 0) FROM inv_balance WHERE item_id = $1 AND lot_id = $2`, l.item.ID, l.lotID).Scan(&total); err != nil {
			return err
		}
		if total > 1_000_000 {
			p.Add(l.field+".lot", domain.KeySerialInStock, "This serial number is already in stock")
		}
	}
	_ = kind
	return p.Err()
}

func compareBalance(a, b balanceKey) int {
	return cmp.Or(cmp.Compare(a.item, b.item), cmp.Compare(a.location, b.location), cmp.Compare(a.lot, b.lot))
}

func compareStock(a, b stockKey) int {
	return cmp.Or(cmp.Compare(a.item, b.item), cmp.Compare(a.warehouse, b.warehouse))
}

func sortedStockKeys[V any](m map[stockKey]V) []stockKey {
	keys := make([]stockKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareStock)
	return keys
}

type stockRow struct{ onHand, reserved int64 }

// lockStock reads (and on PostgreSQL locks, in key order) stock rows.
func (s *Service) lockStock(ctx context.Context, keys []stockKey) (map[stockKey]stockRow, error) {
	out := make(map[stockKey]stockRow, len(keys))
	err := erpkit.Chunks(keys, func(part []stockKey) error {
		rows := make([][]any, len(part))
		for i, k := range part {
			rows[i] = []any{k.item, k.warehouse}
		}
		cte, args := erpkit.Values("k", erpkit.Cols("item_id TEXT", "warehouse_id TEXT"), rows, 1)
		lock := ""
		if s.DB.Engine == db.Postgres {
			lock = " FOR UPDATE OF s"
		}
		rs, err := s.DB.Query(ctx, `WITH `+cte+` SELECT s.item_id, s.warehouse_id, s.on_hand, s.reserved FROM inv_stock s
			JOIN k ON k.item_id = s.item_id AND k.warehouse_id = s.warehouse_id ORDER BY s.item_id, s.warehouse_id`+lock, args...)
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

// lockBalances reads (and on PostgreSQL locks, in key order) balances.
func (s *Service) lockBalances(ctx context.Context, keys []balanceKey) (map[balanceKey]int64, error) {
	out := make(map[balanceKey]int64, len(keys))
	err := erpkit.Chunks(keys, func(part []balanceKey) error {
		rows := make([][]any, len(part))
		for i, k := range part {
			rows[i] = []any{k.item, k.location, k.lot}
		}
		cte, args := erpkit.Values("k", erpkit.Cols("item_id TEXT", "location_id TEXT", "lot_id TEXT"), rows, 1)
		lock := ""
		if s.DB.Engine == db.Postgres {
			lock = " FOR UPDATE OF b"
		}
		rs, err := s.DB.Query(ctx, `WITH `+cte+` SELECT b.item_id, b.location_id, b.lot_id, b.on_hand FROM inv_balance b
			JOIN k ON k.item_id = b.item_id AND k.location_id = b.location_id AND k.lot_id = b.lot_id
			ORDER BY b.item_id, b.location_id, b.lot_id`+lock, args...)
		if err != nil {
			return fmt.Errorf("inventory: lock balances: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var (
				k balanceKey
				q int64
			)
			if err := rs.Scan(&k.item, &k.location, &k.lot, &q); err != nil {
				return err
			}
			out[k] = q
		}
		return rs.Err()
	})
	return out, err
}

// insertMoves writes the moves of a document and learns their sequence numbers.
func (s *Service) insertMoves(ctx context.Context, doc domain.InventoryDoc, moves []*move) error {
	byID := make(map[string]*move, len(moves))
	for _, m := range moves {
		byID[m.id] = m
	}
	now := db.Millis(s.now())
	return erpkit.Chunks(moves, func(part []*move) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO inv_move (id, doc_id, kind, date, item_id, warehouse_id, location_id, lot_id, quantity, unit_cost, created_at) VALUES `)
		args := make([]any, 0, 11*len(part))
		for i, m := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + erpkit.Placeholders(11*i+1, 11) + ")")
			var cost any
			if m.cost != nil {
				cost = *m.cost
			}
			args = append(args, m.id, doc.ID, string(doc.Kind), doc.Date, m.item.ID, m.warehouseID, m.locationID, m.lotID, m.qty, cost, now)
		}
		b.WriteString(` RETURNING seq, id`)
		rows, err := s.DB.Query(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("inventory: write moves: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				seq int64
				id  string
			)
			if err := rows.Scan(&seq, &id); err != nil {
				return err
			}
			byID[id].seq = seq
		}
		return rows.Err()
	})
}
