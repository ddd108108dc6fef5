package core

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const kindReturn = "erp.sales.return"

// Customer returns. What a shipment can still take back is what it shipped
// of an item less what its expected and received returns hold; it is
// worked out under the shipment row's lock, so two returns of the same
// shipment never take back more than it shipped together.

// shippedGoods is what a shipment shipped and what its returns already hold.
type shippedGoods struct {
	sh       domain.SalesShipment
	shipped  map[string]int64                    // by item
	returned map[string]int64                    // by item, expected and received returns
	items    map[string]domain.SalesShipmentLine // an item's first line, for its code and name
	lots     map[string][]string                 // lot keys shipped, by item
}

// lockShipment reads a shipped shipment under its row lock with what it can still take back.
func (s *Service) lockShipment(ctx context.Context, id string) (shippedGoods, error) {
	if !db.ValidID(id) {
		return shippedGoods{}, apperr.NotFound("shipment", id)
	}
	lock := ""
	if s.DB.Engine == db.Postgres {
		lock = " FOR UPDATE"
	}
	var status string
	err := s.DB.QueryRow(ctx, `SELECT status FROM so_shipment WHERE id = $1`+lock, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) || status != "shipped" {
		return shippedGoods{}, apperr.NotFound("shipment", id)
	}
	if err != nil {
		return shippedGoods{}, err
	}
	sh, err := s.shipment(ctx, id)
	if err != nil {
		return shippedGoods{}, err
	}
	g := shippedGoods{sh: sh, shipped: map[string]int64{}, returned: map[string]int64{}, items: map[string]domain.SalesShipmentLine{},
		lots: map[string][]string{}}
	for _, l := range sh.Lines {
		g.shipped[l.ItemID] += l.Quantity.Units()
		if _, ok := g.items[l.ItemID]; !ok {
			g.items[l.ItemID] = l
		}
		if l.LotNo != "" {
			g.lots[l.ItemID] = append(g.lots[l.ItemID], erpkit.CodeKey(l.LotNo))
		}
	}
	// An expected return holds what it expects; a received one what
	// arrived (less than expected when it was closed short).
	rows, err := s.DB.Query(ctx, `SELECT rl.item_id, SUM(CASE WHEN r.status = 'expected' THEN rl.quantity ELSE rl.received END)
		FROM so_return_line rl JOIN so_return r ON r.id = rl.return_id
		WHERE r.shipment_id = $1 AND r.status IN ('expected', 'received') GROUP BY rl.item_id`, id)
	if err != nil {
		return g, fmt.Errorf("sales: read returns of a shipment: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			item string
			q    int64
		)
		if err := rows.Scan(&item, &q); err != nil {
			return g, err
		}
		g.returned[item] = q
	}
	return g, rows.Err()
}

// returnLine is a checked line of a new return.
type returnLine struct {
	item   domain.SalesShipmentLine
	qty    int64
	prec   int
	reason string
}

// insertReturn writes a return (expected or rejected) with its lines.
func (s *Service) insertReturn(ctx context.Context, r *domain.SalesReturn, rmaID any, lines []returnLine) error {
	var err error
	if r.Number, err = s.DB.NextDocNumber(ctx, "RMA", s.now()); err != nil {
		return err
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO so_return (id, number, rma_id, rma_number, customer_id, customer_name, shipment_id, order_id,
		status, reason, received_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)`,
		r.ID, r.Number, rmaID, r.RMANumber, r.CustomerID, r.CustomerName, r.ShipmentID, r.OrderID, string(r.Status), r.Reason,
		r.CreatedBy, db.Millis(r.CreatedAt)); err != nil {
		return fmt.Errorf("sales: write return: %w", err)
	}
	for i, l := range lines {
		if _, err := s.DB.Exec(ctx, `INSERT INTO so_return_line (id, return_id, line_no, item_id, item_code, item_name, uom, uom_precision,
			quantity, received, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10)`,
			db.NewID(), r.ID, i+1, l.item.ItemID, l.item.ItemCode, l.item.ItemName, l.item.UoM, l.prec, l.qty, l.reason); err != nil {
			return fmt.Errorf("sales: write return line: %w", err)
		}
	}
	return nil
}

// CreateReturn enters a customer return against a shipped shipment: each
// line at most what the shipment shipped of its item less what earlier
// returns took back. The goods are then expected into quarantine.
func (s *Service) CreateReturn(ctx context.Context, in domain.ReturnInput) (domain.SalesReturn, error) {
	p, err := erpkit.Require(ctx, domain.PermReturn)
	if err != nil {
		return domain.SalesReturn{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var probs erpkit.Problems
	probs.Text("reason", in.Reason, false, 500)
	if len(in.Lines) == 0 {
		probs.Add("lines", domain.KeyNoLines, "Add at least one line")
	}
	ref := strings.TrimSpace(in.Shipment)
	if ref == "" {
		probs.Add("shipment", erpkit.KeyRequired, "This field is required")
	}
	id := db.NewID()
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		shipmentID := ref
		if ref != "" && !db.ValidID(ref) {
			err := s.DB.QueryRow(ctx, `SELECT id FROM so_shipment WHERE number = $1 AND status = 'shipped'`, ref).Scan(&shipmentID)
			if errors.Is(err, sql.ErrNoRows) {
				shipmentID = ""
			} else if err != nil {
				return err
			}
		}
		var g shippedGoods
		if ref != "" {
			if shipmentID == "" {
				probs.Add("shipment", domain.KeyShipmentUnknown, "No shipment has this number")
			} else if g, err = s.lockShipment(ctx, shipmentID); apperr.IsKind(err, apperr.KindNotFound) {
				probs.Add("shipment", domain.KeyShipmentUnknown, "No shipment has this number")
			} else if err != nil {
				return err
			} else if _, err := s.order(ctx, p, g.sh.OrderID); apperr.IsKind(err, apperr.KindNotFound) {
				probs.Add("shipment", domain.KeyShipmentUnknown, "No shipment has this number")
				g = shippedGoods{}
			} else if err != nil {
				return err
			}
		}
		var lines []returnLine
		taking := map[string]int64{}
		for i, l := range in.Lines {
			f := domain.LinePath(i)
			reason := strings.TrimSpace(l.Reason)
			probs.Text(f+".reason", reason, false, 500)
			it, err := s.resolveReturnItem(ctx, l.Item)
			switch {
			case strings.TrimSpace(l.Item) == "":
				probs.Add(f+".item", erpkit.KeyRequired, "This field is required")
				continue
			case apperr.IsKind(err, apperr.KindNotFound):
				probs.Add(f+".item", domain.KeyItemUnknown, "No item has this code")
				continue
			case err != nil:
				return err
			}
			if l.Quantity.Sign() <= 0 {
				probs.Add(f+".quantity", domain.KeyQuantityPositive, "Enter a quantity of more than 0")
				continue
			}
			if !checkPrecision(l.Quantity, it.UoMPrecision) {
				probs.Add(f+".quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
					map[string]any{"UoM": it.UoM, "Scale": it.UoMPrecision})
				continue
			}
			if g.sh.ID == "" {
				continue
			}
			shipped, ok := g.items[it.ID]
			if !ok {
				probs.Add(f+".item", domain.KeyItemNotShipped, "This shipment did not ship this item")
				continue
			}
			left := g.shipped[it.ID] - g.returned[it.ID] - taking[it.ID]
			if l.Quantity.Units() > left {
				probs.Add(f+".quantity", domain.KeyReturnExceeds, "At most {{.Returnable}} can come back from this shipment",
					map[string]any{"Returnable": money.QuantityFromUnits(max(left, 0)).String()})
				continue
			}
			taking[it.ID] += l.Quantity.Units()
			lines = append(lines, returnLine{item: shipped, qty: l.Quantity.Units(), prec: it.UoMPrecision, reason: reason})
		}
		if err := probs.Err(); err != nil {
			return err
		}
		r := domain.SalesReturn{ID: id, CustomerID: g.sh.CustomerID, CustomerName: g.sh.CustomerName, ShipmentID: g.sh.ID, OrderID: g.sh.OrderID,
			Status: domain.ReturnExpected, Reason: in.Reason, CreatedBy: erpkit.Actor(ctx), CreatedAt: db.FromMillis(db.Millis(s.now()))}
		if err := s.insertReturn(ctx, &r, nil, lines); err != nil {
			return err
		}
		out, err := s.salesReturn(ctx, id)
		if err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.return.created", kindReturn, id, nil, out)
	})
	if err != nil {
		return domain.SalesReturn{}, err
	}
	return s.salesReturn(ctx, id)
}

func (s *Service) resolveReturnItem(ctx context.Context, ref string) (catalog.Item, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return catalog.Item{}, apperr.NotFound("item", ref)
	}
	if db.ValidID(ref) {
		return s.Catalog.LookupItem(ctx, ref)
	}
	return s.Catalog.LookupItemByCode(ctx, ref)
}

// checkPrecision reports whether q has no more decimals than precision.
func checkPrecision(q money.Quantity, precision int) bool {
	step := int64(1)
	for range money.QuantityScale - min(max(precision, 0), money.QuantityScale) {
		step *= 10
	}
	return q.Units()%step == 0
}

// ApplyReturnAuthorized turns crm.return.authorized into an expected
// return, once per rma_id: a repeated event finds the return it made and
// does nothing. An authorisation naming an unknown shipment, an item it did
// not ship, or more than it can still take back is kept as rejected and
// answered with erp.return.received (status rejected, with the reason).
func (s *Service) ApplyReturnAuthorized(ctx context.Context, ev bus.Envelope) error {
	ctx = authz.WithPrincipal(ctx, authz.System())
	var a domain.ReturnAuthorized
	if err := json.Unmarshal(ev.Data, &a); err != nil {
		a = domain.ReturnAuthorized{}
	}
	if a.RMAID == "" {
		a.RMAID = ev.Subject
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM so_return WHERE rma_id = $1`, a.RMAID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	r := domain.SalesReturn{ID: db.NewID(), RMAID: a.RMAID, RMANumber: a.Number, CustomerID: a.CustomerID, Status: domain.ReturnExpected,
		CreatedBy: authz.SystemLogin, CreatedAt: db.FromMillis(db.Millis(s.now()))}
	reject := func(reason string) error {
		r.Status, r.Reason = domain.ReturnRejected, reason
		if err := s.insertReturn(ctx, &r, a.RMAID, nil); err != nil {
			return err
		}
		if err := s.emitReturn(ctx, r, nil); err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.return.rejected", kindReturn, r.ID, nil, map[string]any{"rma_id": a.RMAID, "reason": reason})
	}
	g, err := s.lockShipment(ctx, a.ShipmentID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return reject("ERP knows no shipment " + a.ShipmentID)
	}
	if err != nil {
		return err
	}
	r.ShipmentID, r.OrderID, r.CustomerName = g.sh.ID, g.sh.OrderID, g.sh.CustomerName
	if a.CustomerID != g.sh.CustomerID {
		r.CustomerID = g.sh.CustomerID
		return reject(fmt.Sprintf("Shipment %s went to another customer", g.sh.Number))
	}
	if len(a.Lines) == 0 {
		return reject("The authorisation has no lines")
	}
	var lines []returnLine
	taking := map[string]int64{}
	for i, l := range a.Lines {
		q, err := money.ParseQuantity(string(l.Quantity))
		if err != nil || q.Sign() <= 0 {
			return reject(fmt.Sprintf("Line %d: the quantity %q is not a positive number", i+1, l.Quantity))
		}
		shipped, ok := g.items[l.ItemID]
		if !ok {
			return reject(fmt.Sprintf("Line %d: shipment %s did not ship item %s", i+1, g.sh.Number, l.ItemID))
		}
		left := g.shipped[l.ItemID] - g.returned[l.ItemID] - taking[l.ItemID]
		if q.Units() > left {
			return reject(fmt.Sprintf("Line %d: %s %s is more than the %s shipment %s can still take back", i+1, q, shipped.ItemCode,
				money.QuantityFromUnits(max(left, 0)), g.sh.Number))
		}
		it, err := s.Catalog.LookupItem(ctx, l.ItemID)
		if err != nil {
			return err
		}
		taking[l.ItemID] += q.Units()
		reason := strings.TrimSpace(l.Reason)
		if len([]rune(reason)) > 500 {
			reason = string([]rune(reason)[:500])
		}
		lines = append(lines, returnLine{item: shipped, qty: q.Units(), prec: it.UoMPrecision, reason: reason})
	}
	if err := s.insertReturn(ctx, &r, a.RMAID, lines); err != nil {
		return err
	}
	out, err := s.salesReturn(ctx, r.ID)
	if err != nil {
		return err
	}
	return s.record(ctx, "erp.sales.return.authorized", kindReturn, r.ID, nil, out)
}

// emitReturn sends erp.return.received for a return, with what arrived.
func (s *Service) emitReturn(ctx context.Context, r domain.SalesReturn, receipts []domain.SalesReturnIntake) error {
	ev := domain.ReturnReceivedData{RMAID: r.RMAID, ReturnID: r.ID, Number: r.Number, CustomerID: r.CustomerID, ShipmentID: r.ShipmentID,
		SOID: r.OrderID, Status: r.Status, Reason: r.Reason, Lines: []domain.ReturnReceivedLine{}}
	if r.ReceivedAt != nil {
		ev.ReceivedAt = r.ReceivedAt.UTC().Format(time.RFC3339)
	}
	idx := map[string]int{}
	for _, rc := range receipts {
		i, ok := idx[rc.ItemID]
		if !ok {
			i = len(ev.Lines)
			idx[rc.ItemID] = i
			ev.Lines = append(ev.Lines, domain.ReturnReceivedLine{ItemID: rc.ItemID, Lots: []string{}})
		}
		ev.Lines[i].Quantity = money.QuantityFromUnits(ev.Lines[i].Quantity.Units() + rc.Quantity.Units())
		if rc.LotNo != "" && !slices.Contains(ev.Lines[i].Lots, rc.LotNo) {
			ev.Lines[i].Lots = append(ev.Lines[i].Lots, rc.LotNo)
		}
	}
	subject := r.RMAID
	if subject == "" {
		subject = r.ID
	}
	_, err := outbox.Emit(ctx, s.DB, domain.EventReturnReceived, 1, subject, ev)
	return err
}

// ReceiveReturn receives goods of an expected return into a quarantine
// location: an inventory return document valued at the cost the goods
// shipped at (inventory against cost of goods sold), in the same
// transaction. Once every line has arrived the return is received and
// erp.return.received goes to CRM.
func (s *Service) ReceiveReturn(ctx context.Context, id string, in domain.ReturnReceiveInput) (domain.SalesReturn, error) {
	if _, err := erpkit.Require(ctx, domain.PermReturn); err != nil {
		return domain.SalesReturn{}, err
	}
	if !db.ValidID(id) {
		return domain.SalesReturn{}, apperr.NotFound("return", id)
	}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		lock := ""
		if s.DB.Engine == db.Postgres {
			lock = " FOR UPDATE"
		}
		var status string
		err := s.DB.QueryRow(ctx, `SELECT status FROM so_return WHERE id = $1`+lock, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("return", id)
		}
		if err != nil {
			return err
		}
		if status != string(domain.ReturnExpected) {
			return apperr.Conflict(domain.KeyReturnNotExpected, "This return is not expecting goods")
		}
		r, err := s.salesReturn(ctx, id)
		if err != nil {
			return err
		}
		var p erpkit.Problems
		var loc inventory.Location
		if ref := strings.TrimSpace(in.Location); ref == "" {
			p.Add("location", erpkit.KeyRequired, "This field is required")
		} else if loc, err = s.Stock.LookupLocation(ctx, ref); apperr.IsKind(err, apperr.KindNotFound) {
			p.Add("location", domain.KeyLocationUnknown, "No location has this code")
		} else if err != nil {
			return err
		} else if loc.Type != inventory.LocQuarantine {
			p.Add("location", domain.KeyNotQuarantine, "Returned goods go into a quarantine location")
		}
		var line *domain.SalesReturnLine
		it, err := s.resolveReturnItem(ctx, in.Item)
		switch {
		case strings.TrimSpace(in.Item) == "":
			p.Add("item", erpkit.KeyRequired, "This field is required")
		case apperr.IsKind(err, apperr.KindNotFound):
			p.Add("item", domain.KeyItemUnknown, "No item has this code")
		case err != nil:
			return err
		default:
			for i := range r.Lines {
				if r.Lines[i].ItemID == it.ID && r.Lines[i].Received.Cmp(r.Lines[i].Quantity) < 0 {
					line = &r.Lines[i]
					break
				}
			}
			if line == nil {
				p.Add("item", domain.KeyItemNotShipped, "This return expects no more of this item")
			}
		}
		if in.Quantity.Sign() <= 0 {
			p.Add("quantity", domain.KeyQuantityPositive, "Enter a quantity of more than 0")
		} else if line != nil && in.Quantity.Units() > line.Quantity.Units()-line.Received.Units() {
			p.Add("quantity", domain.KeyReturnExceeds, "At most {{.Returnable}} can come back from this shipment",
				map[string]any{"Returnable": money.QuantityFromUnits(line.Quantity.Units() - line.Received.Units()).String()})
		}
		sh, err := s.shipment(ctx, r.ShipmentID)
		if err != nil {
			return err
		}
		lotNo := strings.TrimSpace(in.Lot)
		if line != nil && lotNo != "" {
			shipped := false
			for _, sl := range sh.Lines {
				if sl.ItemID == it.ID && erpkit.CodeKey(sl.LotNo) == erpkit.CodeKey(lotNo) {
					shipped, lotNo = true, sl.LotNo
				}
			}
			if !shipped {
				p.Add("lot", domain.KeyLotNotShipped, "This lot did not go out on the shipment")
			}
		}
		// The cost the goods shipped at: the shipment's value of the item (and lot) over its quantity.
		var cost *money.UnitPrice
		if line != nil && sh.DocID != "" {
			doc, err := s.Stock.LookupDoc(ctx, sh.DocID)
			if err != nil {
				return err
			}
			var qty, value int64
			for _, m := range doc.Moves {
				if m.ItemID == it.ID && (lotNo == "" || erpkit.CodeKey(m.LotNo) == erpkit.CodeKey(lotNo)) && m.Value != nil {
					qty += -m.Quantity.Units()
					value += -m.Value.Units()
				}
			}
			if qty > 0 {
				c, err := money.AmountFromUnits(value).DivQuantity(money.QuantityFromUnits(qty), money.RoundHalfUp)
				if err != nil {
					return err
				}
				cost = &c
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		doc, err := s.Stock.Post(ctx, inventory.PostRequest{Kind: inventory.DocReturn, Reference: r.Number, Note: r.Reason,
			SourceKind: "so_return", SourceID: r.ID, PartnerKind: "customer", PartnerID: r.CustomerID,
			Lines: []inventory.PostLine{{Field: "line", ItemID: it.ID, LocationID: loc.ID, LotNo: lotNo, Quantity: in.Quantity, UnitCost: cost}}})
		if e, ok := apperr.As(err); ok {
			for i := range e.Fields {
				e.Fields[i].Field = strings.TrimPrefix(e.Fields[i].Field, "line.")
			}
			return e
		}
		if err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE so_return_line SET received = received + $1 WHERE id = $2 AND received + $1 <= quantity`,
			in.Quantity.Units(), line.ID)
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyReturnNotExpected, "This return is not expecting goods")
		}
		now := db.Millis(s.now())
		if _, err := s.DB.Exec(ctx, `INSERT INTO so_return_receipt (id, return_id, return_line_id, doc_id, location_code, lot_no, quantity, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, db.NewID(), r.ID, line.ID, doc.ID, loc.Code, lotNo, in.Quantity.Units(), now); err != nil {
			return err
		}
		var open int
		if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM so_return_line WHERE return_id = $1 AND received < quantity`, r.ID).Scan(&open); err != nil {
			return err
		}
		if open == 0 {
			if _, err := s.DB.Exec(ctx, `UPDATE so_return SET status = 'received', received_at = $1 WHERE id = $2`, now, r.ID); err != nil {
				return err
			}
		}
		out, err := s.salesReturn(ctx, r.ID)
		if err != nil {
			return err
		}
		if open == 0 {
			if err := s.emitReturn(ctx, out, out.Receipts); err != nil {
				return err
			}
		}
		return s.record(ctx, "erp.sales.return.received", kindReturn, r.ID, map[string]any{"status": r.Status},
			map[string]any{"status": out.Status, "item": it.Code, "lot": lotNo, "quantity": in.Quantity.String(), "location": loc.Code, "doc_id": doc.ID})
	})
	if err != nil {
		return domain.SalesReturn{}, err
	}
	return s.salesReturn(ctx, id)
}

const returnCols = `r.id, r.number, COALESCE(r.rma_id, ''), r.rma_number, r.customer_id, r.customer_name, r.shipment_id, COALESCE(s.number, ''),
	r.order_id, COALESCE(o.number, ''), r.status, r.reason, r.received_at, r.created_by, r.created_at`

const returnFrom = ` FROM so_return r LEFT JOIN so_shipment s ON s.id = r.shipment_id LEFT JOIN so_order o ON o.id = r.order_id`

func scanReturn(sc interface{ Scan(...any) error }) (domain.SalesReturn, error) {
	var (
		r        domain.SalesReturn
		rec, cre int64
	)
	err := sc.Scan(&r.ID, &r.Number, &r.RMAID, &r.RMANumber, &r.CustomerID, &r.CustomerName, &r.ShipmentID, &r.ShipmentNumber,
		&r.OrderID, &r.OrderNumber, &r.Status, &r.Reason, &rec, &r.CreatedBy, &cre)
	if rec > 0 {
		t := db.FromMillis(rec)
		r.ReceivedAt = &t
	}
	r.CreatedAt = db.FromMillis(cre)
	return r, err
}

// CancelReturn calls off an expected return nothing arrived against, with
// a reason. CRM hears of it as erp.return.received with status rejected
// and the reason, so an authorisation there is closed too.
func (s *Service) CancelReturn(ctx context.Context, id, reason string) (domain.SalesReturn, error) {
	return s.endReturn(ctx, id, reason, false)
}

// CloseReturnShort ends an expected return some goods arrived against but
// not all: it becomes received with what arrived (which is what finance
// credits), the rest is no longer expected, and erp.return.received goes
// to CRM with the quantities received.
func (s *Service) CloseReturnShort(ctx context.Context, id, reason string) (domain.SalesReturn, error) {
	return s.endReturn(ctx, id, reason, true)
}

func (s *Service) endReturn(ctx context.Context, id, reason string, short bool) (domain.SalesReturn, error) {
	if _, err := erpkit.Require(ctx, domain.PermReturn); err != nil {
		return domain.SalesReturn{}, err
	}
	reason = strings.TrimSpace(reason)
	var p erpkit.Problems
	p.Text("reason", reason, true, 500)
	if err := p.Err(); err != nil {
		return domain.SalesReturn{}, err
	}
	if !db.ValidID(id) {
		return domain.SalesReturn{}, apperr.NotFound("return", id)
	}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		lock := ""
		if s.DB.Engine == db.Postgres {
			lock = " FOR UPDATE"
		}
		var status string
		err := s.DB.QueryRow(ctx, `SELECT status FROM so_return WHERE id = $1`+lock, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("return", id)
		}
		if err != nil {
			return err
		}
		if status != string(domain.ReturnExpected) {
			return apperr.Conflict(domain.KeyReturnNotExpected, "This return is not expecting goods")
		}
		r, err := s.salesReturn(ctx, id)
		if err != nil {
			return err
		}
		var received int64
		for _, l := range r.Lines {
			received += l.Received.Units()
		}
		action, to := "cancelled", domain.ReturnCancelled
		switch {
		case short && received == 0:
			return apperr.Conflict(domain.KeyReturnNothingIn, "Nothing of this return arrived: cancel it instead")
		case short:
			action, to = "closed_short", domain.ReturnReceived
		case received > 0:
			return apperr.Conflict(domain.KeyReturnSomeIn, "Goods of this return already arrived: close it short instead")
		}
		now := db.Millis(s.now())
		at := any(0)
		if short {
			at = now
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE so_return SET status = $1, received_at = $2 WHERE id = $3 AND status = 'expected'`, string(to), at, id)
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyReturnNotExpected, "This return is not expecting goods")
		}
		out, err := s.salesReturn(ctx, id)
		if err != nil {
			return err
		}
		// CRM knows two outcomes of a return: received, or rejected with
		// the reason; a cancelled return is the latter.
		ev := out
		ev.Reason = reason
		if !short {
			ev.Status = domain.ReturnRejected
		}
		if err := s.emitReturn(ctx, ev, out.Receipts); err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.return."+action, kindReturn, id, map[string]any{"status": r.Status},
			map[string]any{"status": out.Status, "reason": reason})
	})
	if err != nil {
		return domain.SalesReturn{}, err
	}
	return s.Return(ctx, id)
}

// salesReturn reads a return with its lines and receipts.
func (s *Service) salesReturn(ctx context.Context, id string) (domain.SalesReturn, error) {
	r, err := scanReturn(s.DB.QueryRow(ctx, `SELECT `+returnCols+returnFrom+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFound("return", id)
	}
	if err != nil {
		return r, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, line_no, item_id, item_code, item_name, uom, uom_precision, quantity, received, reason
		FROM so_return_line WHERE return_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	r.Lines = []domain.SalesReturnLine{}
	codes := map[string]string{}
	for rows.Next() {
		var l domain.SalesReturnLine
		if err := rows.Scan(&l.ID, &l.LineNo, &l.ItemID, &l.ItemCode, &l.ItemName, &l.UoM, &l.UoMPrecision, &l.Quantity, &l.Received, &l.Reason); err != nil {
			return r, err
		}
		codes[l.ID] = l.ItemCode
		r.Lines = append(r.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	for _, l := range r.Lines {
		r.ClosedShort = r.ClosedShort || (r.Status == domain.ReturnReceived && l.Received.Cmp(l.Quantity) < 0)
	}
	rs, err := s.DB.Query(ctx, `SELECT rc.return_line_id, rl.item_id, rc.location_code, rc.lot_no, rc.quantity, rc.doc_id, rc.created_at
		FROM so_return_receipt rc JOIN so_return_line rl ON rl.id = rc.return_line_id WHERE rc.return_id = $1 ORDER BY rc.created_at, rc.id`, id)
	if err != nil {
		return r, err
	}
	defer rs.Close()
	r.Receipts = []domain.SalesReturnIntake{}
	for rs.Next() {
		var (
			rc     domain.SalesReturnIntake
			lineID string
			at     int64
		)
		if err := rs.Scan(&lineID, &rc.ItemID, &rc.LocationCode, &rc.LotNo, &rc.Quantity, &rc.DocID, &at); err != nil {
			return r, err
		}
		rc.ItemCode, rc.CreatedAt = codes[lineID], db.FromMillis(at)
		r.Receipts = append(r.Receipts, rc)
	}
	return r, rs.Err()
}

// Return returns a customer return whose order the caller may see.
func (s *Service) Return(ctx context.Context, id string) (domain.SalesReturn, error) {
	p, err := erpkit.Require(ctx, domain.PermRead)
	if err != nil {
		return domain.SalesReturn{}, err
	}
	if !db.ValidID(id) {
		return domain.SalesReturn{}, apperr.NotFound("return", id)
	}
	r, err := s.salesReturn(ctx, id)
	if err != nil {
		return r, err
	}
	if r.OrderID != "" {
		if _, err := s.order(ctx, p, r.OrderID); err != nil {
			return domain.SalesReturn{}, apperr.NotFound("return", id)
		}
	} else if p.Scope(domain.ScopeKind) != authz.ScopeCompany {
		return domain.SalesReturn{}, apperr.NotFound("return", id)
	}
	return r, nil
}

// Returns lists the customer returns the caller may see, newest first.
func (s *Service) Returns(ctx context.Context) ([]domain.SalesReturn, error) {
	p, err := erpkit.Require(ctx, domain.PermRead)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+returnCols+returnFrom, []any(nil)
	if cond, more := scope(p, 1); cond != "" {
		q += " WHERE " + cond
		args = more
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY r.created_at DESC, r.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("sales: list returns: %w", err)
	}
	defer rows.Close()
	out := []domain.SalesReturn{}
	for rows.Next() {
		r, err := scanReturn(rows)
		if err != nil {
			return nil, err
		}
		r.Lines, r.Receipts = []domain.SalesReturnLine{}, []domain.SalesReturnIntake{}
		out = append(out, r)
	}
	return out, rows.Err()
}
