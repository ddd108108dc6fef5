package core

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ---- reorder points ----

// Reorders lists the reorder points, by item code.
func (s *Service) Reorders(ctx context.Context) ([]domain.PurchaseReorder, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	cat, _, _, err := s.deps()
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT item_id, warehouse_id, min_qty, max_qty, safety_qty, updated_by, updated_at FROM pur_reorder LIMIT 5000`)
	if err != nil {
		return nil, err
	}
	out := []domain.PurchaseReorder{}
	var ids []string
	for rows.Next() {
		var (
			r    domain.PurchaseReorder
			when int64
		)
		if err := rows.Scan(&r.ItemID, &r.WarehouseID, &r.Min, &r.Max, &r.Safety, &r.UpdatedBy, &when); err != nil {
			rows.Close()
			return nil, err
		}
		r.UpdatedAt = db.FromMillis(when)
		out = append(out, r)
		ids = append(ids, r.ItemID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := cat.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		it := items[out[i].ItemID]
		out[i].ItemCode, out[i].ItemName, out[i].UoM = it.Code, it.Name, it.UoM
	}
	slices.SortFunc(out, func(a, b domain.PurchaseReorder) int {
		return strings.Compare(a.ItemCode+a.WarehouseID, b.ItemCode+b.WarehouseID)
	})
	return out, nil
}

// SetReorder sets an item's reorder point in a warehouse; all zero removes it.
func (s *Service) SetReorder(ctx context.Context, in domain.PurchaseReorderInput) (domain.PurchaseReorder, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchaseReorder{}, err
	}
	cat, stock, _, err := s.deps()
	if err != nil {
		return domain.PurchaseReorder{}, err
	}
	in.Item, in.WarehouseID = strings.TrimSpace(in.Item), strings.TrimSpace(in.WarehouseID)
	p := in.Validate()
	var it catalog.Item
	if in.Item != "" {
		items, err := s.items(ctx, cat, []string{in.Item})
		if err != nil {
			return domain.PurchaseReorder{}, err
		}
		var ok bool
		if it, ok = items[in.Item]; !ok {
			p.Add("item", domain.KeyItemUnknown, "No item has this code")
		}
	}
	if in.WarehouseID != "" {
		if _, err := stock.LookupWarehouse(ctx, in.WarehouseID); apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindInvalid) {
			p.Add("warehouse_id", domain.KeyWarehouseUnknown, "Choose a warehouse")
		} else if err != nil {
			return domain.PurchaseReorder{}, err
		}
	}
	for f, q := range map[string]money.Quantity{"min": in.Min, "max": in.Max, "safety": in.Safety} {
		if it.ID != "" && q.Sign() > 0 && !precise(q, it.UoMPrecision) && !p.Has(f) {
			p.Add(f, domain.KeyQuantityPrecision, "Too many decimal places for the unit", map[string]any{"UoM": it.UoM, "Scale": it.UoMPrecision})
		}
	}
	if err := p.Err(); err != nil {
		return domain.PurchaseReorder{}, err
	}
	out := domain.PurchaseReorder{ItemID: it.ID, ItemCode: it.Code, ItemName: it.Name, UoM: it.UoM, WarehouseID: in.WarehouseID, Min: in.Min,
		Max: in.Max, Safety: in.Safety, UpdatedBy: erpkit.Actor(ctx), UpdatedAt: s.now().UTC().Truncate(1e6)}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.Exec(ctx, `DELETE FROM pur_reorder WHERE item_id = $1 AND warehouse_id = $2`, out.ItemID, out.WarehouseID); err != nil {
			return err
		}
		action := "erp.purchasing.reorder.removed"
		if !in.Min.IsZero() || !in.Max.IsZero() || !in.Safety.IsZero() {
			action = "erp.purchasing.reorder.set"
			if _, err := s.DB.Exec(ctx, `INSERT INTO pur_reorder (item_id, warehouse_id, min_qty, max_qty, safety_qty, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, out.ItemID, out.WarehouseID, out.Min, out.Max, out.Safety, out.UpdatedBy,
				db.Millis(out.UpdatedAt)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: action, EntityKind: "erp.purchasing.reorder",
			EntityID: out.ItemID + "/" + out.WarehouseID, After: out})
	})
	return out, err
}

// Suggestions computes what to buy: for every reorder point whose item's
// available stock plus what is on order (open purchase order lines and
// requisitions not yet ordered) has fallen to the minimum plus the safety
// stock, the quantity that brings it up to the maximum plus the safety stock.
func (s *Service) Suggestions(ctx context.Context) ([]domain.PurchaseSuggestion, error) {
	reorders, err := s.Reorders(ctx)
	if err != nil {
		return nil, err
	}
	out := []domain.PurchaseSuggestion{}
	for _, r := range reorders {
		sg, ok, err := s.suggest(ctx, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sg)
		}
	}
	return out, nil
}

func (s *Service) suggest(ctx context.Context, r domain.PurchaseReorder) (domain.PurchaseSuggestion, bool, error) {
	cat, stock, partners, err := s.deps()
	if err != nil {
		return domain.PurchaseSuggestion{}, false, err
	}
	sg := domain.PurchaseSuggestion{PurchaseReorder: r}
	atp, err := stock.LookupATP(ctx, r.ItemID, r.WarehouseID, money.Quantity{})
	if err != nil {
		return sg, false, err
	}
	it, err := cat.LookupItem(ctx, r.ItemID)
	if err != nil {
		return sg, false, err
	}
	factor := it.PurchaseFactor
	if factor.Sign() <= 0 {
		factor = money.MustQuantity("1")
	}
	sg.Available, sg.PurchaseUoM = atp.Available, it.PurchaseUoM
	if sg.PurchaseUoM == "" {
		sg.PurchaseUoM = it.UoM
	}
	var onOrder int64
	rows, err := s.DB.Query(ctx, `SELECT l.quantity, l.received, l.factor FROM pur_order_line l JOIN pur_order o ON o.id = l.order_id
		WHERE l.item_id = $1 AND o.warehouse_id = $2 AND o.status IN ('draft', 'pending_approval', 'approved', 'partially_received')`,
		r.ItemID, r.WarehouseID)
	if err != nil {
		return sg, false, err
	}
	for rows.Next() {
		var l domain.PurchaseLine
		if err := rows.Scan(&l.Quantity, &l.Received, &l.Factor); err != nil {
			rows.Close()
			return sg, false, err
		}
		open, err := toBase(l.Open(), l.Factor)
		if err != nil {
			rows.Close()
			return sg, false, err
		}
		onOrder += open.Units()
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sg, false, err
	}
	var reqUnits int64
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM pur_requisition WHERE item_id = $1 AND warehouse_id = $2
		AND status IN ('open', 'approved')`, r.ItemID, r.WarehouseID).Scan(&reqUnits); err != nil {
		return sg, false, err
	}
	reqBase, err := toBase(money.QuantityFromUnits(reqUnits), factor)
	if err != nil {
		return sg, false, err
	}
	sg.OnOrder = money.QuantityFromUnits(onOrder + reqBase.Units())
	projected := sg.Available.Units() + sg.OnOrder.Units()
	if r.Max.IsZero() || projected > r.Min.Units()+r.Safety.Units() {
		return sg, false, nil
	}
	need := r.Max.Units() + r.Safety.Units() - projected
	if need <= 0 {
		return sg, false, nil
	}
	sg.Suggested = money.QuantityFromUnits(need)
	if factor.Units() == 1_000_000 {
		sg.Quantity = sg.Suggested
	} else {
		// Whole packs: ceil(need / factor).
		packs := (need + factor.Units() - 1) / factor.Units()
		sg.Quantity = money.QuantityFromUnits(packs * 1_000_000)
	}
	if sg.SupplierID, err = s.preferredSupplier(ctx, r.ItemID, s.today()); err != nil {
		return sg, false, err
	}
	if sg.SupplierID != "" {
		if sup, err := partners.LookupSupplier(ctx, sg.SupplierID); err == nil {
			sg.Supplier = sup.Name
		}
	}
	return sg, true, nil
}

// ---- requisitions ----

const reqCols = `id, number, item_id, item_code, item_name, uom, warehouse_id, quantity, needed_date, reason, status, order_id,
	created_by, decided_by, created_at`

func scanReq(sc interface{ Scan(...any) error }) (domain.PurchaseRequisition, error) {
	var (
		r    domain.PurchaseRequisition
		when int64
	)
	err := sc.Scan(&r.ID, &r.Number, &r.ItemID, &r.ItemCode, &r.ItemName, &r.UoM, &r.WarehouseID, &r.Quantity, &r.NeededDate, &r.Reason,
		&r.Status, &r.OrderID, &r.CreatedBy, &r.DecidedBy, &when)
	r.CreatedAt = db.FromMillis(when)
	return r, err
}

// Requisitions lists requisitions, newest first.
func (s *Service) Requisitions(ctx context.Context, status domain.ReqStatus) ([]domain.PurchaseRequisition, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	q, args := `SELECT `+reqCols+` FROM pur_requisition`, []any{}
	if status != "" {
		q += ` WHERE status = $1`
		args = append(args, string(status))
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.PurchaseRequisition{}
	for rows.Next() {
		r, err := scanReq(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateRequisition asks for an item to be bought.
func (s *Service) CreateRequisition(ctx context.Context, in domain.PurchaseRequisitionInput) (domain.PurchaseRequisition, error) {
	if _, err := erpkit.Require(ctx, domain.PermRequest); err != nil {
		return domain.PurchaseRequisition{}, err
	}
	var out domain.PurchaseRequisition
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.createRequisition(ctx, in, "")
		return err
	})
	return out, err
}

// createRequisition checks and writes a requisition; field prefixes the
// fields its errors name.
func (s *Service) createRequisition(ctx context.Context, in domain.PurchaseRequisitionInput, field string) (domain.PurchaseRequisition, error) {
	cat, stock, _, err := s.deps()
	if err != nil {
		return domain.PurchaseRequisition{}, err
	}
	in.Item, in.WarehouseID, in.Reason = strings.TrimSpace(in.Item), strings.TrimSpace(in.WarehouseID), strings.TrimSpace(in.Reason)
	p := in.Validate()
	r := domain.PurchaseRequisition{ID: db.NewID(), Quantity: in.Quantity, NeededDate: in.NeededDate, Reason: in.Reason, Status: domain.ReqOpen,
		CreatedBy: erpkit.Actor(ctx), CreatedAt: s.now().UTC().Truncate(1e6)}
	if in.Item != "" {
		items, err := s.items(ctx, cat, []string{in.Item})
		if err != nil {
			return r, err
		}
		it, ok := items[in.Item]
		switch {
		case !ok:
			p.Add("item", domain.KeyItemUnknown, "No item has this code")
		case !it.Stocked() || it.Status != catalog.StatusActive:
			p.Add("item", domain.KeyItemNotStocked, "This item cannot be bought into stock")
		default:
			r.ItemID, r.ItemCode, r.ItemName, r.UoM = it.ID, it.Code, it.Name, it.PurchaseUoM
			if r.UoM == "" {
				r.UoM = it.UoM
			}
			factor := it.PurchaseFactor
			if factor.Sign() <= 0 {
				factor = money.MustQuantity("1")
			}
			if base, err := toBase(in.Quantity, factor); in.Quantity.Sign() > 0 && (err != nil || !precise(base, it.UoMPrecision)) {
				p.Add("quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
					map[string]any{"UoM": it.UoM, "Scale": it.UoMPrecision})
			}
		}
	}
	if in.WarehouseID == "" {
		wh, err := stock.DefaultWarehouse(ctx)
		if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
			return r, err
		}
		in.WarehouseID = wh.ID
	}
	if wh, err := stock.LookupWarehouse(ctx, in.WarehouseID); apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindInvalid) {
		p.Add("warehouse_id", domain.KeyWarehouseUnknown, "Choose a warehouse")
	} else if err != nil {
		return r, err
	} else {
		r.WarehouseID = wh.ID
	}
	if field != "" {
		for i := range p {
			p[i].Field = field
		}
	}
	if err := p.Err(); err != nil {
		return r, err
	}
	if r.Number, err = s.DB.NextDocNumber(ctx, "PR", s.now()); err != nil {
		return r, err
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO pur_requisition (`+reqCols+`, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
		$11, '', $12, '', $13, $13)`, r.ID, r.Number, r.ItemID, r.ItemCode, r.ItemName, r.UoM, r.WarehouseID, r.Quantity, r.NeededDate,
		r.Reason, r.Status, r.CreatedBy, db.Millis(r.CreatedAt)); err != nil {
		return r, fmt.Errorf("purchasing: create requisition: %w", err)
	}
	return r, audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.requisition.created", EntityKind: "erp.purchasing.requisition",
		EntityID: r.ID, After: r})
}

// DecideRequisition approves or rejects an open requisition.
func (s *Service) DecideRequisition(ctx context.Context, id string, approve bool) (domain.PurchaseRequisition, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchaseRequisition{}, err
	}
	if !db.ValidID(id) {
		return domain.PurchaseRequisition{}, apperr.NotFound("requisition", id)
	}
	to, action := domain.ReqApproved, "approved"
	if !approve {
		to, action = domain.ReqRejected, "rejected"
	}
	var out domain.PurchaseRequisition
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := scanReq(s.DB.QueryRow(ctx, `SELECT `+reqCols+` FROM pur_requisition WHERE id = $1`, id))
		if noRows(err) {
			return apperr.NotFound("requisition", id)
		}
		if err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE pur_requisition SET status = $2, decided_by = $3, updated_at = $4 WHERE id = $1 AND status = 'open'`,
			id, to, erpkit.Actor(ctx), db.Millis(s.now()))
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Precondition(domain.KeyReqStatus, "Only an open requisition can be approved or rejected")
		}
		out = before
		out.Status, out.DecidedBy = to, erpkit.Actor(ctx)
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.requisition." + action, EntityKind: "erp.purchasing.requisition",
			EntityID: id, Before: before, After: out})
	})
	return out, err
}

// ConvertRequisitions turns approved requisitions into draft purchase
// orders, one per preferred supplier (the lowest valid price) and warehouse.
func (s *Service) ConvertRequisitions(ctx context.Context, in domain.PurchaseConvertInput) ([]domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return nil, err
	}
	var out []domain.PurchaseOrder
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		out = nil
		var p erpkit.Problems
		type group struct{ supplier, warehouse string }
		groups := map[group][]domain.PurchaseRequisition{}
		var order []group
		seen := map[string]bool{}
		for i, id := range in.Requisitions {
			f := fmt.Sprintf("requisitions[%d]", i)
			if !db.ValidID(id) || seen[id] {
				p.Add(f, domain.KeyReqUnknown, "No such requisition")
				continue
			}
			seen[id] = true
			r, err := scanReq(s.DB.QueryRow(ctx, `SELECT `+reqCols+` FROM pur_requisition WHERE id = $1`, id))
			switch {
			case noRows(err):
				p.Add(f, domain.KeyReqUnknown, "No such requisition")
				continue
			case err != nil:
				return err
			case r.Status != domain.ReqApproved:
				p.Add(f, domain.KeyReqStatus, "Only approved requisitions can be ordered")
				continue
			}
			sup, err := s.preferredSupplier(ctx, r.ItemID, s.today())
			if err != nil {
				return err
			}
			if sup == "" {
				p.Add(f, domain.KeyNoSupplier, "No supplier's price list has this item")
				continue
			}
			g := group{sup, r.WarehouseID}
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], r)
		}
		if err := p.Err(); err != nil {
			return err
		}
		for _, g := range order {
			oi := domain.PurchaseOrderInput{SupplierID: g.supplier, WarehouseID: g.warehouse}
			var numbers []string
			for _, r := range groups[g] {
				oi.Lines = append(oi.Lines, domain.PurchaseLineInput{Item: r.ItemID, Quantity: r.Quantity, ExpectedDate: r.NeededDate})
				numbers = append(numbers, r.Number)
			}
			oi.Notes = strings.Join(numbers, ", ")
			o, err := s.CreateOrder(ctx, oi)
			if err != nil {
				return err
			}
			for _, r := range groups[g] {
				if _, err := s.DB.Exec(ctx, `UPDATE pur_requisition SET status = 'ordered', order_id = $2, updated_at = $3 WHERE id = $1`,
					r.ID, o.ID, db.Millis(s.now())); err != nil {
					return err
				}
				if err := audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.requisition.ordered", EntityKind: "erp.purchasing.requisition",
					EntityID: r.ID, Before: r, After: map[string]string{"status": "ordered", "order_id": o.ID}}); err != nil {
					return err
				}
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// RequisitionsFromSuggestions turns the chosen purchase suggestions into
// open requisitions, needed by today plus the item's lead time.
func (s *Service) RequisitionsFromSuggestions(ctx context.Context, in domain.PurchaseSuggestionsInput) ([]domain.PurchaseRequisition, error) {
	if _, err := erpkit.Require(ctx, domain.PermRequest); err != nil {
		return nil, err
	}
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	cat, _, _, err := s.deps()
	if err != nil {
		return nil, err
	}
	var out []domain.PurchaseRequisition
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		out = nil
		for i, pick := range in.Items {
			f := fmt.Sprintf("items[%d]", i)
			var r domain.PurchaseReorder
			err := s.DB.QueryRow(ctx, `SELECT item_id, warehouse_id, min_qty, max_qty, safety_qty FROM pur_reorder WHERE item_id = $1 AND warehouse_id = $2`,
				pick.ItemID, pick.WarehouseID).Scan(&r.ItemID, &r.WarehouseID, &r.Min, &r.Max, &r.Safety)
			if noRows(err) {
				return apperr.Invalid(f, domain.KeyNoSuggestion, "Nothing is to be bought of this item")
			}
			if err != nil {
				return err
			}
			sg, ok, err := s.suggest(ctx, r)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Invalid(f, domain.KeyNoSuggestion, "Nothing is to be bought of this item")
			}
			it, err := cat.LookupItem(ctx, r.ItemID)
			if err != nil {
				return err
			}
			req, err := s.createRequisition(ctx, domain.PurchaseRequisitionInput{Item: r.ItemID, WarehouseID: r.WarehouseID, Quantity: sg.Quantity,
				NeededDate: erpkit.AddDays(s.today(), it.LeadTimeDays), Reason: domain.ReasonReorderPoint}, f)
			if err != nil {
				return err
			}
			out = append(out, req)
		}
		return nil
	})
	return out, err
}
