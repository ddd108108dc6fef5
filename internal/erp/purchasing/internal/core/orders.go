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
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const orderCols = `id, number, supplier_id, supplier_name, warehouse_id, currency, status, order_date, net, tax, gross, notes,
	created_by, approved_by, version, created_at, updated_at, rate, base_gross`

func scanOrder(sc interface{ Scan(...any) error }) (domain.PurchaseOrder, error) {
	var (
		o            domain.PurchaseOrder
		created, upd int64
	)
	err := sc.Scan(&o.ID, &o.Number, &o.SupplierID, &o.SupplierName, &o.WarehouseID, &o.Currency, &o.Status, &o.OrderDate,
		&o.Net, &o.Tax, &o.Gross, &o.Notes, &o.CreatedBy, &o.ApprovedBy, &o.Version, &created, &upd, &o.Rate, &o.BaseGross)
	o.CreatedAt, o.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return o, err
}

const lineCols = `id, line_no, item_id, item_code, item_name, uom, factor, base_uom, base_precision, quantity, unit_price, vat_rate,
	net, tax, expected_date, inspection, received, billed, full_date`

func scanLine(sc interface{ Scan(...any) error }) (domain.PurchaseLine, error) {
	var (
		l    domain.PurchaseLine
		insp int64
	)
	err := sc.Scan(&l.ID, &l.LineNo, &l.ItemID, &l.ItemCode, &l.ItemName, &l.UoM, &l.Factor, &l.BaseUoM, &l.BasePrecision,
		&l.Quantity, &l.UnitPrice, &l.VATRate, &l.Net, &l.Tax, &l.ExpectedDate, &insp, &l.Received, &l.Billed, &l.FullDate)
	l.Inspection = scanBool(insp)
	return l, err
}

// OrderFilter selects purchase orders.
type OrderFilter struct {
	Status     domain.Status
	SupplierID string
	Query      string // number or supplier name
	Limit      int
}

// Orders lists purchase orders, newest first.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]domain.PurchaseOrder, error) {
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
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.SupplierID != "" {
		where = append(where, "supplier_id = "+arg(f.SupplierID))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		p := arg("%" + erpkit.EscapeLike(q) + "%")
		where = append(where, "(LOWER(number) LIKE "+p+` ESCAPE '\' OR LOWER(supplier_name) LIKE `+p+` ESCAPE '\')`)
	}
	q := `SELECT ` + orderCols + ` FROM pur_order`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT `+arg(erpkit.Limit(f.Limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("purchasing: list orders: %w", err)
	}
	defer rows.Close()
	out := []domain.PurchaseOrder{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		o.Lines, o.History = []domain.PurchaseLine{}, []domain.PurchaseHistoryEntry{}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Order returns a purchase order by id or number, with its lines and history.
func (s *Service) Order(ctx context.Context, ref string) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.PurchaseOrder{}, err
	}
	return s.order(ctx, ref, false)
}

// order reads an order by id or number; lock takes its row lock on
// PostgreSQL first, so changes to one order queue up.
func (s *Service) order(ctx context.Context, ref string, lock bool) (domain.PurchaseOrder, error) {
	ref = strings.TrimSpace(ref)
	col := "number"
	if db.ValidID(ref) {
		col = "id"
	}
	q := `SELECT ` + orderCols + ` FROM pur_order WHERE ` + col + ` = $1`
	if lock && s.DB.Engine == db.Postgres {
		q += ` FOR UPDATE`
	}
	o, err := scanOrder(s.DB.QueryRow(ctx, q, ref))
	if noRows(err) {
		return o, apperr.NotFound("purchase order", ref)
	}
	if err != nil {
		return o, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+lineCols+` FROM pur_order_line WHERE order_id = $1 ORDER BY line_no`, o.ID)
	if err != nil {
		return o, err
	}
	o.Lines = []domain.PurchaseLine{}
	for rows.Next() {
		l, err := scanLine(rows)
		if err != nil {
			rows.Close()
			return o, err
		}
		o.Lines = append(o.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return o, err
	}
	rows, err = s.DB.Query(ctx, `SELECT action, comment, actor, at FROM pur_order_history WHERE order_id = $1 ORDER BY at, id`, o.ID)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	o.History = []domain.PurchaseHistoryEntry{}
	for rows.Next() {
		var (
			h  domain.PurchaseHistoryEntry
			at int64
		)
		if err := rows.Scan(&h.Action, &h.Comment, &h.Actor, &at); err != nil {
			return o, err
		}
		h.At = db.FromMillis(at)
		o.History = append(o.History, h)
	}
	return o, rows.Err()
}

// CreateOrder enters a draft purchase order: prices come from the
// supplier's price list, VAT rates from the items, expected dates from the
// lead time.
func (s *Service) CreateOrder(ctx context.Context, in domain.PurchaseOrderInput) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchaseOrder{}, err
	}
	cat, stock, partners, err := s.deps()
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	in.Normalize()
	var out domain.PurchaseOrder
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		p := in.Validate()
		today := s.today()
		o := domain.PurchaseOrder{ID: db.NewID(), Status: domain.StatusDraft, OrderDate: today, Notes: in.Notes, CreatedBy: erpkit.Actor(ctx), Version: 1}
		if in.SupplierID != "" {
			sup, err := supplierOf(ctx, partners, in.SupplierID, "supplier_id", &p)
			if err != nil {
				return err
			}
			o.SupplierID, o.SupplierName, o.Currency = sup.ID, sup.Name, sup.Currency
		}
		if in.Currency != "" {
			o.Currency = in.Currency
		}
		if o.Currency == "" {
			o.Currency = "CNY"
		}
		var (
			wh  inventory.Warehouse
			err error
		)
		if in.WarehouseID == "" {
			wh, err = stock.DefaultWarehouse(ctx)
		} else {
			wh, err = stock.LookupWarehouse(ctx, in.WarehouseID)
		}
		switch {
		case apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindInvalid):
			p.Add("warehouse_id", domain.KeyWarehouseUnknown, "Choose a warehouse")
		case err != nil:
			return err
		default:
			o.WarehouseID = wh.ID
		}
		refs := make([]string, len(in.Lines))
		for i, l := range in.Lines {
			refs[i] = l.Item
		}
		items, err := s.items(ctx, cat, refs)
		if err != nil {
			return err
		}
		var net, tax int64
		for i, l := range in.Lines {
			f := domain.LinePath(i)
			it, ok := items[l.Item]
			switch {
			case l.Item == "":
				continue
			case !ok:
				p.Add(f+".item", domain.KeyItemUnknown, "No item has this code")
				continue
			case !it.Stocked() || it.Status != "active":
				p.Add(f+".item", domain.KeyItemNotStocked, "This item cannot be bought into stock")
				continue
			}
			factor := it.PurchaseFactor
			if factor.Sign() <= 0 {
				factor = money.MustQuantity("1")
			}
			line := domain.PurchaseLine{ID: db.NewID(), LineNo: i + 1, ItemID: it.ID, ItemCode: it.Code, ItemName: it.Name, UoM: it.PurchaseUoM,
				Factor: factor, BaseUoM: it.UoM, BasePrecision: it.UoMPrecision, Quantity: l.Quantity, VATRate: it.VATRate}
			if line.UoM == "" {
				line.UoM = it.UoM
			}
			if l.Quantity.Sign() > 0 {
				base, err := toBase(l.Quantity, factor)
				if err != nil || !precise(base, it.UoMPrecision) {
					p.Add(f+".quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
						map[string]any{"UoM": it.UoM, "Scale": it.UoMPrecision})
				}
			}
			lead := it.LeadTimeDays
			price, found, err := s.bestPrice(ctx, o.SupplierID, it.ID, l.Quantity, today)
			if err != nil {
				return err
			}
			if found {
				line.UnitPrice, line.Inspection, lead = price.UnitPrice, price.Inspection, price.LeadTimeDays
			}
			switch {
			case l.UnitPrice != nil:
				line.UnitPrice = *l.UnitPrice
			case !found && o.SupplierID != "":
				p.Add(f+".unit_price", domain.KeyNoPrice, "The supplier's price list has no price for this item: enter one")
			}
			if l.Inspection != nil {
				line.Inspection = *l.Inspection
			}
			line.ExpectedDate = l.ExpectedDate
			if line.ExpectedDate == "" {
				line.ExpectedDate = erpkit.AddDays(today, lead)
			}
			if line.Net, line.Tax, err = lineAmounts(line.Quantity, line.UnitPrice, line.VATRate); err != nil {
				p.Add(f+".quantity", domain.KeyTooLarge, "The number is too large")
			}
			net += line.Net.Units()
			tax += line.Tax.Units()
			o.Lines = append(o.Lines, line)
		}
		if err := p.Err(); err != nil {
			return err
		}
		o.Net, o.Tax, o.Gross = money.AmountFromUnits(net), money.AmountFromUnits(tax), money.AmountFromUnits(net+tax)
		if o.Number, err = s.DB.NextDocNumber(ctx, "PO", s.now()); err != nil {
			return err
		}
		now := db.Millis(s.now())
		if _, err := s.DB.Exec(ctx, `INSERT INTO pur_order (`+orderCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
			$13, '', 1, $14, $14, 0, 0)`, o.ID, o.Number, o.SupplierID, o.SupplierName, o.WarehouseID, o.Currency, o.Status, o.OrderDate,
			o.Net, o.Tax, o.Gross, o.Notes, o.CreatedBy, now); err != nil {
			return fmt.Errorf("purchasing: create order: %w", err)
		}
		for _, l := range o.Lines {
			if _, err := s.DB.Exec(ctx, `INSERT INTO pur_order_line (order_id, `+lineCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
				$10, $11, $12, $13, $14, $15, $16, $17, 0, 0, '')`, o.ID, l.ID, l.LineNo, l.ItemID, l.ItemCode, l.ItemName, l.UoM, l.Factor,
				l.BaseUoM, l.BasePrecision, l.Quantity, l.UnitPrice, l.VATRate, l.Net, l.Tax, l.ExpectedDate, boolInt(l.Inspection)); err != nil {
				return fmt.Errorf("purchasing: create order line: %w", err)
			}
		}
		if err := s.history(ctx, o.ID, "created", ""); err != nil {
			return err
		}
		if out, err = s.order(ctx, o.ID, false); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.order.created", EntityKind: "erp.purchasing.order",
			EntityID: o.ID, After: out})
	})
	return out, err
}

func (s *Service) history(ctx context.Context, orderID, action, comment string) error {
	_, err := s.DB.Exec(ctx, `INSERT INTO pur_order_history (id, order_id, action, comment, actor, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		db.NewID(), orderID, action, comment, erpkit.Actor(ctx), db.Millis(s.now()))
	return err
}

// transition changes an order's status when it is in one of from, records
// the step in its history and the audit log, and runs then (if any) in the
// same transaction.
func (s *Service) transition(ctx context.Context, ref string, from []domain.Status, to domain.Status, action, comment string,
	then func(ctx context.Context, o domain.PurchaseOrder) error) (domain.PurchaseOrder, error) {
	if len(comment) > 500 {
		return domain.PurchaseOrder{}, apperr.Invalid("comment", erpkit.KeyTooLong, "This is too long").WithParams(map[string]any{"Max": 500})
	}
	var out domain.PurchaseOrder
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.order(ctx, ref, true)
		if err != nil {
			return err
		}
		ok := false
		for _, st := range from {
			ok = ok || before.Status == st
		}
		if !ok {
			return apperr.Precondition(domain.KeyOrderStatus, "The order's status does not allow this").
				WithParams(map[string]any{"Status": string(before.Status)})
		}
		approver := before.ApprovedBy
		if to == domain.StatusApproved {
			approver = erpkit.Actor(ctx)
		}
		if _, err := s.DB.Exec(ctx, `UPDATE pur_order SET status = $2, approved_by = $3, version = version + 1, updated_at = $4 WHERE id = $1`,
			before.ID, to, approver, db.Millis(s.now())); err != nil {
			return err
		}
		if err := s.history(ctx, before.ID, action, comment); err != nil {
			return err
		}
		if out, err = s.order(ctx, before.ID, false); err != nil {
			return err
		}
		if err := s.emitStatus(ctx, out, before.Status); err != nil {
			return err
		}
		if then != nil {
			if err := then(ctx, out); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.order." + action, EntityKind: "erp.purchasing.order",
			EntityID: out.ID, Before: before, After: out})
	})
	return out, err
}

// Submit sends a draft order on: above the approval threshold it waits for
// approval, else it is approved at once.
func (s *Service) Submit(ctx context.Context, ref string) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchaseOrder{}, err
	}
	var out domain.PurchaseOrder
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.order(ctx, ref, true)
		if err != nil {
			return err
		}
		st, err := s.settings(ctx)
		if err != nil {
			return err
		}
		if o.Status != domain.StatusDraft {
			return apperr.Precondition(domain.KeyOrderStatus, "The order's status does not allow this").
				WithParams(map[string]any{"Status": string(o.Status)})
		}
		// The threshold is in the base currency: a foreign-currency order
		// is converted at the rate of the day it is submitted, and keeps it.
		rate, err := s.rateOn(ctx, o.Currency, s.today(), "currency")
		if err != nil {
			return err
		}
		baseGross, err := inBase(o.Gross, rate)
		if err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `UPDATE pur_order SET rate = $2, base_gross = $3 WHERE id = $1`, o.ID, rate, baseGross); err != nil {
			return err
		}
		from := []domain.Status{domain.StatusDraft}
		if baseGross.Cmp(st.ApprovalThreshold) > 0 {
			out, err = s.transition(ctx, o.ID, from, domain.StatusPendingApproval, "submitted", "", nil)
			return err
		}
		out, err = s.transition(ctx, o.ID, from, domain.StatusApproved, "approved", "", s.schedule)
		return err
	})
	return out, err
}

// Approve approves an order waiting for approval; its lines become
// expected receipts in the inventory.
func (s *Service) Approve(ctx context.Context, ref, comment string) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermApprove); err != nil {
		return domain.PurchaseOrder{}, err
	}
	return s.transition(ctx, ref, []domain.Status{domain.StatusPendingApproval}, domain.StatusApproved, "approved",
		strings.TrimSpace(comment), s.schedule)
}

// Reject sends an order waiting for approval back to draft, with a reason.
func (s *Service) Reject(ctx context.Context, ref, comment string) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermApprove); err != nil {
		return domain.PurchaseOrder{}, err
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return domain.PurchaseOrder{}, apperr.Invalid("comment", erpkit.KeyRequired, "Say why the order is rejected")
	}
	return s.transition(ctx, ref, []domain.Status{domain.StatusPendingApproval}, domain.StatusDraft, "rejected", comment, nil)
}

// Cancel cancels an order nothing was received against.
func (s *Service) Cancel(ctx context.Context, ref, comment string) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchaseOrder{}, err
	}
	return s.transition(ctx, ref, []domain.Status{domain.StatusDraft, domain.StatusPendingApproval, domain.StatusApproved},
		domain.StatusCancelled, "cancelled", strings.TrimSpace(comment), s.unschedule)
}

// Close closes an order that will receive nothing more.
func (s *Service) Close(ctx context.Context, ref, comment string) (domain.PurchaseOrder, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchaseOrder{}, err
	}
	return s.transition(ctx, ref, []domain.Status{domain.StatusPartiallyReceived, domain.StatusReceived},
		domain.StatusClosed, "closed", strings.TrimSpace(comment), s.unschedule)
}

// schedule tells the inventory what each line of an approved order is
// still expected to bring, so available-to-promise counts on it.
func (s *Service) schedule(ctx context.Context, o domain.PurchaseOrder) error {
	stock := s.Stock()
	if stock == nil {
		return errNotWired
	}
	var entries []inventory.Scheduled
	for _, l := range o.Lines {
		open, err := toBase(l.Open(), l.Factor)
		if err != nil {
			return err
		}
		entries = append(entries, inventory.Scheduled{SourceKind: domain.ScheduleKind, SourceID: l.ID, ItemID: l.ItemID,
			WarehouseID: o.WarehouseID, Date: l.ExpectedDate, Quantity: open})
	}
	return stock.SetSchedule(ctx, inventory.Incoming, entries)
}

// unschedule removes an order's expected receipts.
func (s *Service) unschedule(ctx context.Context, o domain.PurchaseOrder) error {
	stock := s.Stock()
	if stock == nil {
		return errNotWired
	}
	var entries []inventory.Scheduled
	for _, l := range o.Lines {
		entries = append(entries, inventory.Scheduled{SourceKind: domain.ScheduleKind, SourceID: l.ID, ItemID: l.ItemID,
			WarehouseID: o.WarehouseID})
	}
	return stock.SetSchedule(ctx, inventory.Incoming, entries)
}

// emitStatus records erp.purchase_order.status_changed for an order that
// moved from previous to its status, in the caller's transaction.
func (s *Service) emitStatus(ctx context.Context, o domain.PurchaseOrder, previous domain.Status) error {
	_, err := outbox.Emit(ctx, s.DB, domain.EventOrderStatusChanged, 1, o.ID, domain.OrderStatusChanged{POID: o.ID, PONumber: o.Number,
		SupplierID: o.SupplierID, Status: o.Status, Previous: previous, Currency: o.Currency, Gross: o.Gross, BaseGross: o.BaseGross,
		At: s.now().UTC().Truncate(1e6)})
	return err
}
