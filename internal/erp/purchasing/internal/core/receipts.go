package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Receive receives goods against a line of an approved purchase order: it
// posts an inventory receipt (and with it the inventory/GRNI entry) at the
// order's price, raises the line's received quantity within the
// over-receipt tolerance, and shrinks the line's expected receipt.
// Goods of lines that need inspection must go to a quarantine location.
func (s *Service) Receive(ctx context.Context, in domain.PurchaseReceiptInput) (domain.PurchaseReceipt, error) {
	if _, err := erpkit.Require(ctx, domain.PermReceive); err != nil {
		return domain.PurchaseReceipt{}, err
	}
	_, stock, _, err := s.deps()
	if err != nil {
		return domain.PurchaseReceipt{}, err
	}
	in.OrderID, in.LineID, in.Item = strings.TrimSpace(in.OrderID), strings.TrimSpace(in.LineID), strings.TrimSpace(in.Item)
	in.Location, in.Lot, in.Reference = strings.TrimSpace(in.Location), strings.TrimSpace(in.Lot), strings.TrimSpace(in.Reference)
	var p erpkit.Problems
	if in.OrderID == "" {
		p.Add("order_id", erpkit.KeyRequired, "Scan or choose the purchase order")
	}
	if in.Location == "" {
		p.Add("location", erpkit.KeyRequired, "Scan the location")
	}
	if in.Quantity.Sign() <= 0 {
		p.Add("quantity", domain.KeyQuantityPositive, "Enter a quantity above zero")
	}
	p.Date("date", in.Date, false)
	p.Date("expiry_date", in.ExpiryDate, false)
	p.Text("reference", in.Reference, false, 100)
	p.Text("lot", in.Lot, false, 60)
	if err := p.Err(); err != nil {
		return domain.PurchaseReceipt{}, err
	}
	if in.Date == "" {
		in.Date = s.today()
	}
	var out domain.PurchaseReceipt
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		var p erpkit.Problems
		o, err := s.order(ctx, in.OrderID, true)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
			return apperr.Invalid("order_id", domain.KeyOrderUnknown, "No purchase order has this number")
		case err != nil:
			return err
		case o.Status == domain.StatusClosed || o.Status == domain.StatusCancelled:
			return apperr.Invalid("order_id", domain.KeyOrderClosed, "This purchase order is closed or cancelled: nothing more can be received against it").
				WithParams(map[string]any{"Number": o.Number})
		case !o.Status.Receivable():
			return apperr.Invalid("order_id", domain.KeyOrderStatus, "This purchase order is not approved yet").
				WithParams(map[string]any{"Number": o.Number})
		}
		line, ok, err := s.pickLine(ctx, o, in, &p)
		if err != nil || !ok {
			if err == nil {
				err = p.Err()
			}
			return err
		}
		base, err := toBase(in.Quantity, line.Factor)
		if err != nil || !precise(base, line.BasePrecision) {
			p.Add("quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
				map[string]any{"UoM": line.BaseUoM, "Scale": line.BasePrecision})
		}
		loc, err := stock.LookupLocation(ctx, in.Location)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindInvalid):
			p.Add("location", domain.KeyLocationUnknown, "No location has this code")
		case err != nil:
			return err
		case line.Inspection && loc.Type != inventory.LocQuarantine:
			p.Add("location", domain.KeyNoQuarantine, "This item needs inspection: receive it into a quarantine location")
		case loc.Type != inventory.LocQuarantine && loc.WarehouseID != o.WarehouseID:
			p.Add("location", domain.KeyLocationWarehouse, "This location is not in the order's warehouse")
		}
		if err := p.Err(); err != nil {
			return err
		}
		st, err := s.settings(ctx)
		if err != nil {
			return err
		}
		most, err := withTolerance(line.Quantity, st.ReceiptTolerance)
		if err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE pur_order_line SET received = received + $2 WHERE id = $1 AND received + $2 <= $3`,
			line.ID, in.Quantity, most)
		if err != nil {
			return err
		}
		if n == 0 {
			left, _ := most.Sub(line.Received)
			return apperr.Invalid("quantity", domain.KeyOverReceipt, "This is more than the order allows, over-receipt tolerance included").
				WithParams(map[string]any{"Max": left.String(), "UoM": line.UoM})
		}
		// Stock is valued in the base currency, at the rate of the
		// receipt date.
		rate, err := s.rateOn(ctx, o.Currency, in.Date, "date")
		if err != nil {
			return err
		}
		price, err := priceInBase(line.UnitPrice, rate)
		if err != nil {
			return err
		}
		cost, err := baseCost(price, line.Factor)
		if err != nil {
			return err
		}
		out = domain.PurchaseReceipt{ID: db.NewID(), OrderID: o.ID, LineID: line.ID, ItemCode: line.ItemCode, Date: in.Date, Location: loc.Code,
			LotNo: in.Lot, Quantity: in.Quantity, Quarantine: loc.Type == inventory.LocQuarantine, Rate: rate, CreatedBy: erpkit.Actor(ctx),
			CreatedAt: s.now().UTC().Truncate(1e6)}
		doc, err := stock.Post(ctx, inventory.PostRequest{Kind: inventory.DocReceipt, Date: in.Date, Reference: in.Reference,
			Note: o.Number, SourceKind: domain.SourceReceipt, SourceID: out.ID, PartnerKind: "supplier", PartnerID: o.SupplierID,
			Lines: []inventory.PostLine{{ItemID: line.ItemID, LocationID: loc.ID, LotNo: in.Lot, ExpiryDate: in.ExpiryDate,
				Quantity: base, UnitCost: &cost}}})
		if err != nil {
			return prefixFields(err, "lines[0]", "")
		}
		out.DocID, out.DocNumber = doc.ID, doc.Number
		if _, err := s.DB.Exec(ctx, `INSERT INTO pur_receipt (id, order_id, line_id, doc_id, doc_number, date, location, lot_no, quantity,
			quarantine, created_by, created_at, rate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, out.ID, o.ID, line.ID, doc.ID,
			doc.Number, out.Date, out.Location, out.LotNo, out.Quantity, boolInt(out.Quarantine), out.CreatedBy, db.Millis(out.CreatedAt),
			out.Rate); err != nil {
			return fmt.Errorf("purchasing: record receipt: %w", err)
		}
		if _, err := s.DB.Exec(ctx, `UPDATE pur_order_line SET full_date = $2 WHERE id = $1 AND full_date = '' AND received >= quantity`,
			line.ID, in.Date); err != nil {
			return err
		}
		if _, err := outbox.Emit(ctx, s.DB, domain.EventOrderReceived, 1, o.ID, domain.OrderReceived{ReceiptID: out.ID, POID: o.ID,
			PONumber: o.Number, SupplierID: o.SupplierID, LineID: line.ID, ItemID: line.ItemID, Quantity: in.Quantity, UoM: line.UoM,
			BaseQuantity: base, WarehouseID: o.WarehouseID, Location: loc.Code, LotNo: in.Lot, Quarantine: out.Quarantine, Date: in.Date,
			DocNumber: doc.Number}); err != nil {
			return err
		}
		after, err := s.refreshReceived(ctx, o)
		if err != nil {
			return err
		}
		for _, l := range after.Lines {
			if l.ID != line.ID {
				continue
			}
			open, err := toBase(l.Open(), l.Factor)
			if err != nil {
				return err
			}
			if err := stock.SetSchedule(ctx, inventory.Incoming, []inventory.Scheduled{{SourceKind: domain.ScheduleKind, SourceID: l.ID,
				ItemID: l.ItemID, WarehouseID: o.WarehouseID, Date: l.ExpectedDate, Quantity: open}}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.receipt.posted", EntityKind: "erp.purchasing.receipt",
			EntityID: out.ID, After: out})
	})
	return out, err
}

// pickLine finds the order line a receipt is for: the line named, or the
// first line of the scanned item with something still open.
func (s *Service) pickLine(ctx context.Context, o domain.PurchaseOrder, in domain.PurchaseReceiptInput, p *erpkit.Problems) (domain.PurchaseLine, bool, error) {
	if in.LineID != "" {
		for _, l := range o.Lines {
			if l.ID == in.LineID {
				return l, true, nil
			}
		}
		p.Add("line_id", domain.KeyLineUnknown, "This line is not on the order")
		return domain.PurchaseLine{}, false, nil
	}
	if in.Item == "" {
		if len(o.Lines) == 1 {
			return o.Lines[0], true, nil
		}
		p.Add("item", erpkit.KeyRequired, "Scan the item")
		return domain.PurchaseLine{}, false, nil
	}
	var found []domain.PurchaseLine
	for _, l := range o.Lines {
		if l.ItemID == in.Item || strings.EqualFold(l.ItemCode, in.Item) {
			found = append(found, l)
		}
	}
	if len(found) == 0 {
		p.Add("item", domain.KeyLineUnknown, "This item is not on the order")
		return domain.PurchaseLine{}, false, nil
	}
	for _, l := range found {
		if l.Open().Sign() > 0 {
			return l, true, nil
		}
	}
	return found[0], true, nil
}

// refreshReceived sets an order's status from what its lines received.
func (s *Service) refreshReceived(ctx context.Context, o domain.PurchaseOrder) (domain.PurchaseOrder, error) {
	after, err := s.order(ctx, o.ID, false)
	if err != nil {
		return after, err
	}
	status, some := domain.StatusReceived, false
	for _, l := range after.Lines {
		if l.Received.Cmp(l.Quantity) < 0 {
			status = domain.StatusPartiallyReceived
		}
		some = some || l.Received.Sign() > 0
	}
	if !some {
		status = domain.StatusApproved
	}
	if status != after.Status {
		if _, err := s.DB.Exec(ctx, `UPDATE pur_order SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			o.ID, status, db.Millis(s.now())); err != nil {
			return after, err
		}
		previous := after.Status
		after.Status = status
		if err := s.emitStatus(ctx, after, previous); err != nil {
			return after, err
		}
	}
	return after, nil
}

// Receipts lists the receipts of an order, oldest first.
func (s *Service) Receipts(ctx context.Context, orderID string) ([]domain.PurchaseReceipt, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT r.id, r.order_id, r.line_id, l.item_code, r.doc_id, r.doc_number, r.date, r.location, r.lot_no,
		r.quantity, r.quarantine, r.created_by, r.created_at, r.rate FROM pur_receipt r JOIN pur_order_line l ON l.id = r.line_id
		WHERE r.order_id = $1 ORDER BY r.created_at, r.id`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.PurchaseReceipt{}
	for rows.Next() {
		var (
			r       domain.PurchaseReceipt
			q, when int64
		)
		if err := rows.Scan(&r.ID, &r.OrderID, &r.LineID, &r.ItemCode, &r.DocID, &r.DocNumber, &r.Date, &r.Location, &r.LotNo,
			&r.Quantity, &q, &r.CreatedBy, &when, &r.Rate); err != nil {
			return nil, err
		}
		r.Quarantine, r.CreatedAt = scanBool(q), db.FromMillis(when)
		out = append(out, r)
	}
	return out, rows.Err()
}
