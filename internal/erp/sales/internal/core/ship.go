package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const kindShipment = "erp.sales.shipment"

// pick is a checked pick: which order line, from where, how much.
type pick struct {
	line     *domain.SalesLine
	location inventory.Location
	lotNo    string
	qty      money.Quantity
}

// resolvePicks checks picks against an order: each names a stocked open
// line (by number or by the item scanned), a known location, and a
// quantity the line has reserved, counting what earlier picks took.
func (s *Service) resolvePicks(ctx context.Context, o *domain.SalesOrder, in []domain.SalesPickInput, taken map[string]int64, p *erpkit.Problems) ([]pick, error) {
	out := make([]pick, 0, len(in))
	locs := map[string]inventory.Location{}
	for i, pi := range in {
		f := domain.LinePath(i)
		var item string
		if ref := strings.TrimSpace(pi.Item); ref != "" {
			its, err := s.items(ctx, []string{ref})
			if err != nil {
				return nil, err
			}
			it, ok := its[ref]
			if !ok {
				p.Add(f+".item", domain.KeyItemUnknown, "No item has this code")
				continue
			}
			item = it.ID
		}
		var line *domain.SalesLine
		for k := range o.Lines {
			l := &o.Lines[k]
			switch {
			case pi.LineNo > 0 && l.LineNo == pi.LineNo:
				line = l
			case pi.LineNo == 0 && item != "" && l.ItemID == item && l.Stocked && l.Reserved.Units()-taken[l.ID] > 0 && line == nil:
				line = l
			}
		}
		switch {
		case line == nil && pi.LineNo > 0:
			p.Add(f+".line_no", domain.KeyLineUnknown, "The order has no such line")
			continue
		case line == nil && item != "":
			p.Add(f+".item", domain.KeyNoLineForItem, "Nothing of this item is reserved for the order")
			continue
		case line == nil:
			p.Add(f+".line_no", erpkit.KeyRequired, "Name the order line or scan the item")
			continue
		case item != "" && line.ItemID != item:
			p.Add(f+".item", domain.KeyLineItemMismatch, "This is not the item of the line")
			continue
		case !line.Stocked:
			p.Add(f+".line_no", domain.KeyLineNotStocked, "This line is a service and is not shipped")
			continue
		}
		switch {
		case pi.Quantity.Sign() <= 0:
			p.Add(f+".quantity", domain.KeyQuantityPositive, "Enter a quantity of more than 0")
			continue
		case !precise(pi.Quantity, line.UoMPrecision):
			p.Add(f+".quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
				map[string]any{"UoM": line.UoM, "Scale": line.UoMPrecision})
			continue
		case pi.Quantity.Units() > line.Reserved.Units()-taken[line.ID]:
			left := max(line.Reserved.Units()-taken[line.ID], 0)
			p.Add(f+".quantity", domain.KeyShipMoreThanReserved, "Only {{.Reserved}} {{.UoM}} are reserved to ship",
				map[string]any{"Reserved": money.QuantityFromUnits(left).String(), "UoM": line.UoM})
			continue
		}
		loc, ok := locs[pi.Location]
		if !ok {
			var err error
			loc, err = s.Stock.LookupLocation(ctx, pi.Location)
			if apperr.IsKind(err, apperr.KindNotFound) || strings.TrimSpace(pi.Location) == "" {
				p.Add(f+".location", "erp.inventory.error.location_unknown", "No location has this code")
				continue
			}
			if err != nil {
				return nil, err
			}
			locs[pi.Location] = loc
		}
		lotNo := strings.TrimSpace(pi.Lot)
		if lotNo != "" {
			// Record the lot as the ledger spells it, whatever the scanner typed.
			lot, err := s.Stock.LookupLot(ctx, line.ItemID, lotNo)
			switch {
			case err == nil:
				lotNo = lot.LotNo
			case !apperr.IsKind(err, apperr.KindNotFound):
				return nil, err
			}
		}
		taken[line.ID] += pi.Quantity.Units()
		out = append(out, pick{line: line, location: loc, lotNo: lotNo, qty: pi.Quantity})
	}
	return out, nil
}

// Ship ships goods of an open order in one go: the picks leave the
// warehouse, consuming the lines' reservations, and CRM hears of it.
func (s *Service) Ship(ctx context.Context, orderID string, in domain.SalesShipInput) (domain.SalesShipment, error) {
	pr, err := erpkit.Require(ctx, domain.PermShip)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	var out domain.SalesShipment
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.lockOrder(ctx, pr, orderID)
		if err != nil {
			return err
		}
		if !o.Status.Open() {
			return apperr.Precondition(domain.KeyNotOpen, "The order is not open")
		}
		var p erpkit.Problems
		p.Text("carrier", strings.TrimSpace(in.Carrier), false, 100)
		p.Text("tracking_no", strings.TrimSpace(in.TrackingNo), false, 100)
		p.Date("date", in.Date, false)
		if len(in.Lines) == 0 {
			p.Add("lines", domain.KeyShipmentEmpty, "Pick at least one line")
		}
		picks, err := s.resolvePicks(ctx, &o, in.Lines, map[string]int64{}, &p)
		if err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		out, err = s.ship(ctx, &o, "", picks, strings.TrimSpace(in.Carrier), strings.TrimSpace(in.TrackingNo), in.Date)
		return err
	})
	return out, err
}

// ship posts the stock document of picks, writes (or completes) the
// shipment, and updates and announces the order.
func (s *Service) ship(ctx context.Context, o *domain.SalesOrder, shipmentID string, picks []pick, carrier, tracking, date string) (domain.SalesShipment, error) {
	if date == "" {
		date = s.today()
	}
	number, err := s.DB.NextDocNumber(ctx, "SH", s.now())
	if err != nil {
		return domain.SalesShipment{}, err
	}
	draft := shipmentID != ""
	if !draft {
		shipmentID = db.NewID()
	}
	req := inventory.PostRequest{Kind: inventory.DocShipment, Number: number, Date: date, Reference: o.Number,
		SourceKind: "so_shipment", SourceID: shipmentID, PartnerKind: "customer", PartnerID: o.CustomerID}
	for i, pk := range picks {
		req.Lines = append(req.Lines, inventory.PostLine{Field: domain.LinePath(i), ItemID: pk.line.ItemID, LocationID: pk.location.ID,
			LotNo: pk.lotNo, Quantity: pk.qty, ReserveKind: domain.ReserveKind, ReserveID: pk.line.ID})
	}
	doc, err := s.Stock.Post(ctx, req)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	now := db.Millis(s.now())
	if draft {
		if _, err := s.DB.Exec(ctx, `UPDATE so_shipment SET number = $2, status = 'shipped', carrier = $3, tracking_no = $4, date = $5,
			shipped_at = $6, doc_id = $7 WHERE id = $1`, shipmentID, number, carrier, tracking, date, now, doc.ID); err != nil {
			return domain.SalesShipment{}, err
		}
	} else {
		if _, err := s.DB.Exec(ctx, `INSERT INTO so_shipment (id, number, order_id, warehouse_id, status, carrier, tracking_no, date,
			shipped_at, doc_id, created_by, created_at) VALUES ($1, $2, $3, $4, 'shipped', $5, $6, $7, $8, $9, $10, $8)`,
			shipmentID, number, o.ID, o.WarehouseID, carrier, tracking, date, now, doc.ID, erpkit.Actor(ctx)); err != nil {
			return domain.SalesShipment{}, fmt.Errorf("sales: write shipment: %w", err)
		}
		if err := s.insertPicks(ctx, shipmentID, picks, 0); err != nil {
			return domain.SalesShipment{}, err
		}
	}
	byLine := map[string]int64{}
	for _, pk := range picks {
		byLine[pk.line.ID] += pk.qty.Units()
	}
	var rows [][]any
	for i := range o.Lines {
		l := &o.Lines[i]
		if q := byLine[l.ID]; q > 0 {
			l.Shipped = money.QuantityFromUnits(l.Shipped.Units() + q)
			l.Reserved = money.QuantityFromUnits(l.Reserved.Units() - q)
			rows = append(rows, []any{l.ID, q})
		}
	}
	if err := erpkit.Chunks(rows, func(part [][]any) error {
		cte, args := erpkit.Values("q", erpkit.Cols("id TEXT", "qty BIGINT"), part, 1)
		n, err := s.DB.ExecAffected(ctx, `WITH `+cte+` UPDATE so_line SET shipped = so_line.shipped + q.qty, reserved = so_line.reserved - q.qty
			FROM q WHERE so_line.id = q.id || '' AND so_line.reserved >= q.qty`, args...)
		if err != nil {
			return fmt.Errorf("sales: record shipment on lines: %w", err)
		}
		if n != int64(len(part)) {
			return apperr.Conflict("erp.inventory.error.stock_changed", "The stock changed in the meantime; try again")
		}
		return nil
	}); err != nil {
		return domain.SalesShipment{}, err
	}
	info := shipInfo{carrier: carrier, trackingNo: tracking, number: number}
	if err := s.settle(ctx, o, info); err != nil {
		return domain.SalesShipment{}, err
	}
	sh, err := s.shipment(ctx, shipmentID)
	if err != nil {
		return sh, err
	}
	ev := domain.Shipped{ShipmentID: sh.ID, Number: sh.Number, SOID: o.ID, SONumber: o.Number, QuoteID: o.QuoteID,
		CustomerID: o.CustomerID, Carrier: carrier, TrackingNo: tracking, ShippedAt: s.now().UTC()}
	lots := map[string][]string{}
	qty := map[string]int64{}
	var order []string
	for _, l := range sh.Lines {
		if _, ok := qty[l.ItemID]; !ok {
			order = append(order, l.ItemID)
		}
		qty[l.ItemID] += l.Quantity.Units()
		if l.LotNo != "" && !slices.Contains(lots[l.ItemID], l.LotNo) {
			lots[l.ItemID] = append(lots[l.ItemID], l.LotNo)
		}
	}
	for _, item := range order {
		ls := lots[item]
		if ls == nil {
			ls = []string{}
		}
		ev.Lines = append(ev.Lines, domain.ShippedLine{ItemID: item, Quantity: money.QuantityFromUnits(qty[item]), Lots: ls})
	}
	if _, err := outbox.Emit(ctx, s.DB, domain.EventShipped, 1, sh.ID, ev); err != nil {
		return sh, err
	}
	return sh, s.record(ctx, "erp.sales.shipment.shipped", kindShipment, sh.ID, nil, sh)
}

func (s *Service) insertPicks(ctx context.Context, shipmentID string, picks []pick, seq int) error {
	return erpkit.Chunks(picks, func(part []pick) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO so_shipment_line (id, shipment_id, order_line_id, location_id, location_code, lot_no, quantity, seq) VALUES `)
		args := make([]any, 0, 8*len(part))
		for i, pk := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + erpkit.Placeholders(8*i+1, 8) + ")")
			seq++
			args = append(args, db.NewID(), shipmentID, pk.line.ID, pk.location.ID, pk.location.Code, pk.lotNo, pk.qty, seq)
		}
		_, err := s.DB.Exec(ctx, b.String(), args...)
		return err
	})
}

// shipment reads a shipment with its lines.
func (s *Service) shipment(ctx context.Context, id string) (domain.SalesShipment, error) {
	var (
		sh              domain.SalesShipment
		shippedAt, crAt int64
	)
	err := s.DB.QueryRow(ctx, `SELECT s.id, s.number, s.order_id, o.number, o.customer_id, o.customer_name, o.ship_to, s.warehouse_id,
		s.status, s.carrier, s.tracking_no, s.date, s.shipped_at, s.doc_id, s.created_by, s.created_at
		FROM so_shipment s JOIN so_order o ON o.id = s.order_id WHERE s.id = $1`, id).
		Scan(&sh.ID, &sh.Number, &sh.OrderID, &sh.OrderNumber, &sh.CustomerID, &sh.CustomerName, &sh.ShipTo, &sh.WarehouseID,
			&sh.Status, &sh.Carrier, &sh.TrackingNo, &sh.Date, &shippedAt, &sh.DocID, &sh.CreatedBy, &crAt)
	if errors.Is(err, sql.ErrNoRows) {
		return sh, apperr.NotFound("shipment", id)
	}
	if err != nil {
		return sh, err
	}
	if sh.Status == "draft" {
		sh.Number = ""
	}
	if shippedAt > 0 {
		t := db.FromMillis(shippedAt)
		sh.ShippedAt = &t
	}
	sh.CreatedAt = db.FromMillis(crAt)
	rows, err := s.DB.Query(ctx, `SELECT p.id, p.order_line_id, l.line_no, l.item_id, l.item_code, l.item_name, l.uom, p.location_id,
		p.location_code, p.lot_no, p.quantity FROM so_shipment_line p JOIN so_line l ON l.id = p.order_line_id
		WHERE p.shipment_id = $1 ORDER BY p.seq`, id)
	if err != nil {
		return sh, err
	}
	defer rows.Close()
	sh.Lines = []domain.SalesShipmentLine{}
	for rows.Next() {
		var l domain.SalesShipmentLine
		if err := rows.Scan(&l.ID, &l.OrderLineID, &l.LineNo, &l.ItemID, &l.ItemCode, &l.ItemName, &l.UoM, &l.LocationID,
			&l.LocationCode, &l.LotNo, &l.Quantity); err != nil {
			return sh, err
		}
		sh.Lines = append(sh.Lines, l)
	}
	return sh, rows.Err()
}

// Shipment returns a shipment of an order the caller may see.
func (s *Service) Shipment(ctx context.Context, id string) (domain.SalesShipment, error) {
	p, err := erpkit.Require(ctx, domain.PermRead)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	if !db.ValidID(id) {
		return domain.SalesShipment{}, apperr.NotFound("shipment", id)
	}
	sh, err := s.shipment(ctx, id)
	if err != nil {
		return sh, err
	}
	if _, err := s.order(ctx, p, sh.OrderID); err != nil {
		return domain.SalesShipment{}, apperr.NotFound("shipment", id)
	}
	return sh, nil
}

// Shipments lists an order's shipments, the draft one first.
func (s *Service) Shipments(ctx context.Context, orderID string) ([]domain.SalesShipment, error) {
	p, err := erpkit.Require(ctx, domain.PermRead)
	if err != nil {
		return nil, err
	}
	if _, err := s.order(ctx, p, orderID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id FROM so_shipment WHERE order_id = $1 ORDER BY status, created_at DESC`, orderID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := []domain.SalesShipment{}
	for _, id := range ids {
		sh, err := s.shipment(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, nil
}

// ---- picking with a scanner: a draft shipment grows one pick at a time ----

// DraftShipment returns the order's draft shipment, starting one if it has none.
func (s *Service) DraftShipment(ctx context.Context, orderID string) (domain.SalesShipment, error) {
	pr, err := erpkit.Require(ctx, domain.PermShip)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	var out domain.SalesShipment
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.lockOrder(ctx, pr, orderID)
		if err != nil {
			return err
		}
		var id string
		err = s.DB.QueryRow(ctx, `SELECT id FROM so_shipment WHERE order_id = $1 AND status = 'draft'`, orderID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			if !o.Status.Open() {
				return apperr.Precondition(domain.KeyNotOpen, "The order is not open")
			}
			id = db.NewID()
			_, err = s.DB.Exec(ctx, `INSERT INTO so_shipment (id, number, order_id, warehouse_id, status, carrier, tracking_no, date,
				shipped_at, doc_id, created_by, created_at) VALUES ($1, $1, $2, $3, 'draft', '', '', '', 0, '', $4, $5)`,
				id, orderID, o.WarehouseID, erpkit.Actor(ctx), db.Millis(s.now()))
		}
		if err != nil {
			return err
		}
		out, err = s.shipment(ctx, id)
		return err
	})
	return out, err
}

// draft locks a draft shipment's order and reads both.
func (s *Service) draft(ctx context.Context, pr *authz.Principal, shipmentID string) (domain.SalesShipment, domain.SalesOrder, error) {
	sh, err := s.shipment(ctx, shipmentID)
	if err != nil {
		return sh, domain.SalesOrder{}, err
	}
	o, err := s.lockOrder(ctx, pr, sh.OrderID)
	if err != nil {
		return sh, o, apperr.NotFound("shipment", shipmentID)
	}
	if sh, err = s.shipment(ctx, shipmentID); err != nil {
		return sh, o, err
	}
	if sh.Status != "draft" {
		return sh, o, apperr.Precondition(domain.KeyShipmentNotDraft, "This shipment has already left")
	}
	if !o.Status.Open() {
		return sh, o, apperr.Precondition(domain.KeyNotOpen, "The order is not open")
	}
	return sh, o, nil
}

// AddPick adds a scanned pick to a draft shipment, checking it against the
// order's reservations and the stock at the location.
func (s *Service) AddPick(ctx context.Context, shipmentID string, in domain.SalesPickInput) (domain.SalesShipment, error) {
	pr, err := erpkit.Require(ctx, domain.PermShip)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	var out domain.SalesShipment
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		sh, o, err := s.draft(ctx, pr, shipmentID)
		if err != nil {
			return err
		}
		taken := map[string]int64{}
		for _, l := range sh.Lines {
			taken[l.OrderLineID] += l.Quantity.Units()
		}
		var p erpkit.Problems
		picks, err := s.resolvePicks(ctx, &o, []domain.SalesPickInput{in}, taken, &p)
		if err != nil {
			return err
		}
		if err := fieldsWithoutLine(p).Err(); err != nil {
			return err
		}
		pk := picks[0]
		// Check the stock at the location now, so the clerk hears of a wrong bin at once.
		var lotID string
		if pk.lotNo != "" {
			lot, err := s.Stock.LookupLot(ctx, pk.line.ItemID, pk.lotNo)
			if apperr.IsKind(err, apperr.KindNotFound) {
				return apperr.Invalid("lot", "erp.inventory.error.lot_unknown", "This item has no such lot or serial number")
			}
			if err != nil {
				return err
			}
			lotID = lot.ID
		}
		bals, err := s.Stock.LookupBalances(ctx, inventory.StockFilter{ItemID: pk.line.ItemID, LocationID: pk.location.ID})
		if err != nil {
			return err
		}
		var here int64
		for _, b := range bals {
			if b.LotID == lotID {
				here += b.OnHand.Units()
			}
		}
		for _, l := range sh.Lines {
			if l.ItemID == pk.line.ItemID && l.LocationID == pk.location.ID && l.LotNo == pk.lotNo {
				here -= l.Quantity.Units()
			}
		}
		if pk.qty.Units() > here {
			var p erpkit.Problems
			p.Add("quantity", "erp.inventory.error.insufficient", "Only {{.OnHand}} {{.UoM}} on hand here",
				map[string]any{"OnHand": money.QuantityFromUnits(max(here, 0)).String(), "UoM": pk.line.UoM})
			return p.Err()
		}
		if err := s.insertPicks(ctx, shipmentID, picks, len(sh.Lines)); err != nil {
			return err
		}
		out, err = s.shipment(ctx, shipmentID)
		return err
	})
	return out, err
}

// fieldsWithoutLine names a single pick's fields without the lines[0] prefix.
func fieldsWithoutLine(p erpkit.Problems) erpkit.Problems {
	out := make(erpkit.Problems, len(p))
	for i, f := range p {
		f.Field = strings.TrimPrefix(f.Field, "lines[0].")
		out[i] = f
	}
	return out
}

// RemovePick takes a pick off a draft shipment.
func (s *Service) RemovePick(ctx context.Context, shipmentID, pickID string) (domain.SalesShipment, error) {
	pr, err := erpkit.Require(ctx, domain.PermShip)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	var out domain.SalesShipment
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.draft(ctx, pr, shipmentID); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `DELETE FROM so_shipment_line WHERE id = $1 AND shipment_id = $2`, pickID, shipmentID); err != nil {
			return err
		}
		out, err = s.shipment(ctx, shipmentID)
		return err
	})
	return out, err
}

// ShipDraft ships a draft shipment's picks.
func (s *Service) ShipDraft(ctx context.Context, shipmentID string, in domain.SalesShipmentConfirm) (domain.SalesShipment, error) {
	pr, err := erpkit.Require(ctx, domain.PermShip)
	if err != nil {
		return domain.SalesShipment{}, err
	}
	var out domain.SalesShipment
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		sh, o, err := s.draft(ctx, pr, shipmentID)
		if err != nil {
			return err
		}
		var p erpkit.Problems
		p.Text("carrier", strings.TrimSpace(in.Carrier), false, 100)
		p.Text("tracking_no", strings.TrimSpace(in.TrackingNo), false, 100)
		p.Date("date", in.Date, false)
		if len(sh.Lines) == 0 {
			p.Add("lines", domain.KeyShipmentEmpty, "Pick at least one line")
		}
		if err := p.Err(); err != nil {
			return err
		}
		picks := make([]domain.SalesPickInput, len(sh.Lines))
		for i, l := range sh.Lines {
			picks[i] = domain.SalesPickInput{LineNo: l.LineNo, Location: l.LocationID, Lot: l.LotNo, Quantity: l.Quantity}
		}
		resolved, err := s.resolvePicks(ctx, &o, picks, map[string]int64{}, &p)
		if err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		out, err = s.ship(ctx, &o, shipmentID, resolved, strings.TrimSpace(in.Carrier), strings.TrimSpace(in.TrackingNo), in.Date)
		return err
	})
	return out, err
}
