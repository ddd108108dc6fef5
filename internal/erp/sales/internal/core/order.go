package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const kindOrder = "erp.sales.order"

// lineAmounts returns a line's net (quantity × price, less the discount)
// and its VAT, each rounded half up to the fen.
func lineAmounts(q money.Quantity, price money.UnitPrice, discount, vat money.Rate) (money.Amount, money.Amount, error) {
	gross, err := q.MulUnitPrice(price, money.RoundHalfUp)
	if err != nil {
		return money.Amount{}, money.Amount{}, err
	}
	off, err := gross.MulRate(discount, money.RoundHalfUp)
	if err != nil {
		return money.Amount{}, money.Amount{}, err
	}
	net, err := gross.Sub(off)
	if err != nil {
		return money.Amount{}, money.Amount{}, err
	}
	tax, err := net.MulRate(vat, money.RoundHalfUp)
	return net, tax, err
}

// items resolves the items lines name by id or code.
func (s *Service) items(ctx context.Context, refs []string) (map[string]catalog.Item, error) {
	out, err := s.Catalog.LookupItems(ctx, refs)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if _, ok := out[r]; ok || r == "" || db.ValidID(r) {
			continue
		}
		it, err := s.Catalog.LookupItemByCode(ctx, r)
		switch {
		case err == nil:
			out[r] = it
		case !apperr.IsKind(err, apperr.KindNotFound):
			return nil, err
		}
	}
	return out, nil
}

// buildLines checks an input's lines against the catalog and prices them.
func (s *Service) buildLines(ctx context.Context, in []domain.SalesLineInput, p *erpkit.Problems) ([]domain.SalesLine, error) {
	refs := make([]string, len(in))
	for i, l := range in {
		refs[i] = l.Item
	}
	items, err := s.items(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make([]domain.SalesLine, 0, len(in))
	for i, l := range in {
		f := domain.LinePath(i)
		it, ok := items[l.Item]
		switch {
		case l.Item == "":
			continue
		case !ok:
			p.Add(f+".item", domain.KeyItemUnknown, "No item has this code")
			continue
		case !it.Sellable || it.Status != catalog.StatusActive:
			p.Add(f+".item", domain.KeyItemNotSellable, "This item is not for sale")
			continue
		}
		if l.Quantity.Sign() > 0 && !precise(l.Quantity, it.UoMPrecision) {
			p.Add(f+".quantity", domain.KeyQuantityPrecision, "Too many decimal places for the unit",
				map[string]any{"UoM": it.UoM, "Scale": it.UoMPrecision})
		}
		line := domain.SalesLine{ID: db.NewID(), LineNo: i + 1, ItemID: it.ID, ItemCode: it.Code, ItemName: it.Name, UoM: it.UoM,
			UoMPrecision: it.UoMPrecision, Stocked: it.Stocked(), Quantity: l.Quantity, UnitPrice: it.ListPrice, Discount: l.Discount,
			VATRate: it.VATRate}
		if l.UnitPrice != nil {
			line.UnitPrice = *l.UnitPrice
		}
		if l.VATRate != nil {
			line.VATRate = *l.VATRate
		}
		if line.Net, line.Tax, err = lineAmounts(line.Quantity, line.UnitPrice, line.Discount, line.VATRate); err != nil {
			p.Add(f+".quantity", "erp.error.out_of_range", "The number is too large")
		}
		out = append(out, line)
	}
	return out, nil
}

// precise reports whether q has no more decimals than precision.
func precise(q money.Quantity, precision int) bool {
	step := int64(1)
	for range money.QuantityScale - min(max(precision, 0), money.QuantityScale) {
		step *= 10
	}
	return q.Units()%step == 0
}

// totals adds up the lines of an order.
func totals(lines []domain.SalesLine) (net, tax, gross money.Amount) {
	var n, t int64
	for _, l := range lines {
		n += l.Net.Units()
		t += l.Tax.Units()
	}
	return money.AmountFromUnits(n), money.AmountFromUnits(t), money.AmountFromUnits(n + t)
}

// header checks and fills an order's customer, warehouse, currency and address.
func (s *Service) header(ctx context.Context, o *domain.SalesOrder, in domain.SalesOrderInput, p *erpkit.Problems) error {
	c, err := s.Partners.LookupCustomer(ctx, in.CustomerID)
	switch {
	case apperr.IsKind(err, apperr.KindNotFound):
		p.Add("customer_id", domain.KeyCustomerUnknown, "Choose a customer")
	case err != nil:
		return err
	case c.Status != partner.StatusActive:
		p.Add("customer_id", domain.KeyCustomerInactive, "This customer is not active")
	default:
		o.CustomerID, o.CustomerName = c.ID, c.Name
		o.Currency, o.ShipTo, o.PaymentTerms = c.Currency, c.ShippingAddress, in.PaymentTerms
	}
	if in.Currency != "" {
		if len(in.Currency) != 3 || strings.ToUpper(in.Currency) != in.Currency {
			p.Add("currency", domain.KeyCurrencyInvalid, "Enter a three-letter currency code such as CNY")
		}
		o.Currency = in.Currency
	}
	if o.Currency == "" {
		o.Currency = "CNY"
	}
	if in.ShipTo != "" {
		o.ShipTo = in.ShipTo
	}
	var wh inventory.Warehouse
	if in.WarehouseID == "" {
		wh, err = s.Stock.DefaultWarehouse(ctx)
	} else {
		wh, err = s.Stock.LookupWarehouse(ctx, in.WarehouseID)
	}
	switch {
	case apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindInvalid):
		p.Add("warehouse_id", domain.KeyWarehouseUnknown, "Choose a warehouse")
	case err != nil:
		return err
	default:
		o.WarehouseID = wh.ID
	}
	o.RequestedDate, o.Notes = in.RequestedDate, in.Notes
	return nil
}

// CreateOrder enters a draft order owned by the caller.
func (s *Service) CreateOrder(ctx context.Context, in domain.SalesOrderInput) (domain.SalesOrder, error) {
	pr, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	in.Normalize()
	var out domain.SalesOrder
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		p := in.Validate()
		o := domain.SalesOrder{ID: db.NewID(), Status: domain.StatusDraft, OrderDate: s.today(), OwnerID: pr.UserID,
			OwnerName: pr.Name, CreatedBy: erpkit.Actor(ctx), Version: 1}
		if err := s.header(ctx, &o, in, &p); err != nil {
			return err
		}
		lines, err := s.buildLines(ctx, in.Lines, &p)
		if err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		o.Lines = lines
		o.Net, o.Tax, o.Gross = totals(lines)
		if o.Number, err = s.DB.NextDocNumber(ctx, "SO", s.now()); err != nil {
			return err
		}
		if err := s.insertOrder(ctx, o, "", pr.TeamID); err != nil {
			return err
		}
		if out, err = s.order(ctx, nil, o.ID); err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.order.created", kindOrder, o.ID, nil, out)
	})
	return out, err
}

func (s *Service) insertOrder(ctx context.Context, o domain.SalesOrder, requestID, teamID string) error {
	now := db.Millis(s.now())
	var req any
	if requestID != "" {
		req = requestID
	}
	search := strings.ToLower(strings.Join([]string{o.Number, o.CustomerName, o.QuoteNumber}, " "))
	_, err := s.DB.Exec(ctx, `INSERT INTO so_order (id, number, customer_id, customer_name, request_id, quote_id, quote_number, currency,
		order_date, requested_date, promise_date, ship_to, payment_terms, notes, warehouse_id, owner_id, owner_name, owner_team_id,
		status, net, tax, gross, search, version, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 1, $24, $25, $25)`,
		o.ID, o.Number, o.CustomerID, o.CustomerName, req, o.QuoteID, o.QuoteNumber, o.Currency, o.OrderDate, o.RequestedDate,
		o.PromiseDate, o.ShipTo, o.PaymentTerms, o.Notes, o.WarehouseID, o.OwnerID, o.OwnerName, teamID, o.Status,
		o.Net, o.Tax, o.Gross, search, o.CreatedBy, now)
	if err != nil {
		return fmt.Errorf("sales: write order: %w", err)
	}
	return s.insertLines(ctx, o.ID, o.Lines)
}

func (s *Service) insertLines(ctx context.Context, orderID string, lines []domain.SalesLine) error {
	return erpkit.Chunks(lines, func(part []domain.SalesLine) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO so_line (id, order_id, line_no, item_id, item_code, item_name, uom, uom_precision, stocked, quantity,
			unit_price, discount, vat_rate, net, tax, reserved, shipped, promise_date) VALUES `)
		args := make([]any, 0, 18*len(part))
		for i, l := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + erpkit.Placeholders(18*i+1, 18) + ")")
			stocked := 0
			if l.Stocked {
				stocked = 1
			}
			args = append(args, l.ID, orderID, l.LineNo, l.ItemID, l.ItemCode, l.ItemName, l.UoM, l.UoMPrecision, stocked, l.Quantity,
				l.UnitPrice, l.Discount, l.VATRate, l.Net, l.Tax, l.Reserved, l.Shipped, l.PromiseDate)
		}
		if _, err := s.DB.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("sales: write lines: %w", err)
		}
		return nil
	})
}

// lockOrder locks an order's row until the transaction ends, so that the
// changes of one order (reservations, shipments) happen one after the other,
// and reads it within the caller's scope.
func (s *Service) lockOrder(ctx context.Context, p *authz.Principal, id string) (domain.SalesOrder, error) {
	if !db.ValidID(id) {
		return domain.SalesOrder{}, apperr.NotFound("sales order", id)
	}
	if s.DB.Engine == db.Postgres { // SQLite's single writer already keeps writers apart
		var got string
		if err := s.DB.QueryRow(ctx, `SELECT id FROM so_order WHERE id = $1 FOR UPDATE`, id).Scan(&got); err != nil {
			return domain.SalesOrder{}, apperr.NotFound("sales order", id).WithCause(err)
		}
	}
	return s.order(ctx, p, id)
}

// UpdateOrder changes a draft order last read at in.Version.
func (s *Service) UpdateOrder(ctx context.Context, id string, in domain.SalesOrderInput) (domain.SalesOrder, error) {
	pr, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	in.Normalize()
	var out domain.SalesOrder
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.lockOrder(ctx, pr, id)
		if err != nil {
			return err
		}
		if before.Status != domain.StatusDraft {
			return apperr.Precondition(domain.KeyNotDraft, "Only a draft order can be changed")
		}
		if in.Version != before.Version {
			return apperr.Precondition(erpkit.KeyVersion, "Someone else changed this order in the meantime")
		}
		p := in.Validate()
		o := before
		if err := s.header(ctx, &o, in, &p); err != nil {
			return err
		}
		lines, err := s.buildLines(ctx, in.Lines, &p)
		if err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		o.Net, o.Tax, o.Gross = totals(lines)
		if _, err := s.DB.Exec(ctx, `DELETE FROM so_line WHERE order_id = $1`, id); err != nil {
			return err
		}
		if err := s.insertLines(ctx, id, lines); err != nil {
			return err
		}
		search := strings.ToLower(strings.Join([]string{o.Number, o.CustomerName, o.QuoteNumber}, " "))
		if _, err := s.DB.Exec(ctx, `UPDATE so_order SET customer_id = $2, customer_name = $3, currency = $4, requested_date = $5,
			ship_to = $6, payment_terms = $7, notes = $8, warehouse_id = $9, net = $10, tax = $11, gross = $12, search = $13,
			version = version + 1, updated_at = $14 WHERE id = $1`,
			id, o.CustomerID, o.CustomerName, o.Currency, o.RequestedDate, o.ShipTo, o.PaymentTerms, o.Notes, o.WarehouseID,
			o.Net, o.Tax, o.Gross, search, db.Millis(s.now())); err != nil {
			return fmt.Errorf("sales: update order: %w", err)
		}
		if out, err = s.order(ctx, nil, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.order.updated", kindOrder, id, before, out)
	})
	return out, err
}

// ConfirmOrder confirms a draft order: it reserves stock line by line, and
// a line that is short becomes a backorder promised from available-to-promise.
func (s *Service) ConfirmOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	pr, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	// The order, its lines and its items' lead times are read before the
	// transaction, so that the writer (SQLite's only one; PostgreSQL's
	// locks) spends its time writing. Inside, the order's version says
	// whether it changed since; if it did, it is read again there.
	pre, err := s.order(ctx, pr, id)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	if pre.Status != domain.StatusDraft {
		return domain.SalesOrder{}, apperr.Precondition(domain.KeyNotDraft, "Only a draft order can be confirmed")
	}
	lead, err := s.leadTimes(ctx, pre)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	var out domain.SalesOrder
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		o, lt := pre, lead
		same, err := s.unchanged(ctx, pre)
		if err != nil {
			return err
		}
		if !same {
			if o, err = s.lockOrder(ctx, pr, id); err != nil {
				return err
			}
			lt = nil
		}
		if o.Status != domain.StatusDraft {
			return apperr.Precondition(domain.KeyNotDraft, "Only a draft order can be confirmed")
		}
		if hold, err := s.onHold(ctx, o.CustomerID); err != nil {
			return err
		} else if hold {
			return apperr.Precondition(domain.KeyCreditHold, "The customer is on credit hold")
		}
		if out, err = s.confirmWith(ctx, o, lt); err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.order.confirmed", kindOrder, id, map[string]any{"status": o.Status}, out)
	})
	return out, err
}

// unchanged reports whether order o, read before the transaction, is still
// as it was (same version; every change of an order or its lines moves it
// on), and on PostgreSQL locks its row until the transaction ends.
func (s *Service) unchanged(ctx context.Context, o domain.SalesOrder) (bool, error) {
	q := `SELECT version, status FROM so_order WHERE id = $1`
	if s.DB.Engine == db.Postgres {
		q += ` FOR UPDATE`
	}
	var (
		version int64
		status  domain.Status
	)
	err := s.DB.QueryRow(ctx, q, o.ID).Scan(&version, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return version == o.Version && status == o.Status, nil
}

// leadTimes reads the lead times of an order's stocked items.
func (s *Service) leadTimes(ctx context.Context, o domain.SalesOrder) (map[string]int, error) {
	var ids []string
	for _, l := range o.Lines {
		if l.Stocked {
			ids = append(ids, l.ItemID)
		}
	}
	if len(ids) == 0 {
		return map[string]int{}, nil
	}
	return s.Catalog.LookupLeadTimes(ctx, ids)
}

// confirm moves a draft (or a new order from CRM) to confirmed, reserves
// it and announces it.
func (s *Service) confirm(ctx context.Context, o domain.SalesOrder) (domain.SalesOrder, error) {
	return s.confirmWith(ctx, o, nil)
}

// confirmWith is confirm given the lead times of the order's items (nil:
// they are read). The order has never been reserved or promised, so it
// has no demand scheduled yet, and its status is written once, with the
// outcome of its reservations.
func (s *Service) confirmWith(ctx context.Context, o domain.SalesOrder, lead map[string]int) (domain.SalesOrder, error) {
	prev := o.Status
	o.Status = domain.StatusConfirmed
	if prev != domain.StatusConfirmed {
		if err := s.emitStatus(ctx, o, shipInfo{}); err != nil {
			return o, err
		}
	}
	if _, err := s.reserveWith(ctx, &o, 0, money.Quantity{}, lead, max(s.today(), o.RequestedDate)); err != nil {
		return o, err
	}
	if err := s.promiseWith(ctx, &o, prev == domain.StatusDraft); err != nil {
		return o, err
	}
	backorders(&o)
	return o, s.settle(ctx, &o, shipInfo{})
}

// backorders refreshes what each line of an order in memory still lacks.
func backorders(o *domain.SalesOrder) {
	for i := range o.Lines {
		o.Lines[i].Backordered = money.QuantityFromUnits(o.Lines[i].Short())
	}
}

func (s *Service) onHold(ctx context.Context, customerID string) (bool, error) {
	if s.Credit == nil {
		return false, nil
	}
	c := s.Credit()
	if c == nil {
		return false, nil
	}
	return c.OnCreditHold(ctx, customerID)
}

// reserve reserves what the open lines of an order are short of (one line
// when lineNo > 0, at most limit when it is not zero) and records it on the
// lines; it returns how much it reserved. The order's row is locked.
func (s *Service) reserve(ctx context.Context, o *domain.SalesOrder, lineNo int, limit money.Quantity) (money.Quantity, error) {
	return s.reserveWith(ctx, o, lineNo, limit, nil, "")
}

// reserveWith is reserve given the lead times of the order's items (nil:
// inventory reads them) and, when promise is not empty, the promise date
// of a line the reservation covers in full, written with the reservation.
func (s *Service) reserveWith(ctx context.Context, o *domain.SalesOrder, lineNo int, limit money.Quantity, lead map[string]int, promise string) (money.Quantity, error) {
	var reqs []inventory.ReserveRequest
	var idx []int
	for i, l := range o.Lines {
		if !l.Stocked || (lineNo > 0 && l.LineNo != lineNo) || l.Short() == 0 {
			continue
		}
		q := l.Short()
		if limit.Sign() > 0 {
			q = min(q, limit.Units())
		}
		r := inventory.ReserveRequest{SourceKind: domain.ReserveKind, SourceID: l.ID, ItemID: l.ItemID,
			WarehouseID: o.WarehouseID, Quantity: money.QuantityFromUnits(q)}
		if n, ok := lead[l.ItemID]; ok {
			r.LeadTimeDays, r.LeadTimeKnown = n, true
		}
		reqs = append(reqs, r)
		idx = append(idx, i)
	}
	if len(reqs) == 0 {
		return money.Quantity{}, nil
	}
	got, err := s.Stock.Reserve(ctx, reqs)
	if err != nil {
		return money.Quantity{}, err
	}
	var (
		total int64
		rows  [][]any
	)
	for k, g := range got {
		if g.Sign() <= 0 {
			continue
		}
		l := &o.Lines[idx[k]]
		l.Reserved = money.QuantityFromUnits(l.Reserved.Units() + g.Units())
		total += g.Units()
		date := l.PromiseDate
		if promise != "" && l.Short() == 0 && l.Open() > 0 {
			date = promise
		}
		l.PromiseDate = date
		rows = append(rows, []any{l.ID, g.Units(), date})
	}
	err = erpkit.Chunks(rows, func(part [][]any) error {
		cte, args := erpkit.Values("g", erpkit.Cols("id TEXT", "qty BIGINT", "date TEXT"), part, 1)
		// g.id || '' makes SQLite walk g and find each line by its key,
		// rather than scan so_line against an index it builds on g.
		n, err := s.DB.ExecAffected(ctx, `WITH `+cte+` UPDATE so_line SET reserved = so_line.reserved + g.qty, promise_date = g.date
			FROM g WHERE so_line.id = g.id || '' AND so_line.reserved + so_line.shipped + g.qty <= so_line.quantity`, args...)
		if err != nil {
			return fmt.Errorf("sales: record reservations: %w", err)
		}
		if n != int64(len(part)) {
			return apperr.Conflict("erp.inventory.error.stock_changed", "The stock changed in the meantime; try again")
		}
		return nil
	})
	return money.QuantityFromUnits(total), err
}

// settleReserved promises the open lines of an order after reservations
// and moves the order to its new status.
func (s *Service) settleReserved(ctx context.Context, o *domain.SalesOrder) error {
	if err := s.promise(ctx, o); err != nil {
		return err
	}
	backorders(o)
	return s.settle(ctx, o, shipInfo{})
}

// promise sets each open line's promise date and the demand still to be
// met: a line with all it needs reserved is promised for its requested date
// (or today), a short one from available-to-promise for what it lacks.
func (s *Service) promise(ctx context.Context, o *domain.SalesOrder) error {
	return s.promiseWith(ctx, o, false)
}

// promiseWith is promise; fresh says the order never had demand scheduled
// (it was a draft until now), so none is to be removed.
func (s *Service) promiseWith(ctx context.Context, o *domain.SalesOrder, fresh bool) error {
	today := s.today()
	floor := max(today, o.RequestedDate)
	var demand []inventory.Scheduled
	var rows [][]any
	orderPromise := ""
	for i := range o.Lines {
		l := &o.Lines[i]
		if !l.Stocked || l.Open() <= 0 {
			continue
		}
		date := floor
		if short := l.Short(); short > 0 {
			// This line's own demand does not count against it.
			if !fresh {
				if err := s.Stock.SetSchedule(ctx, inventory.Demand, []inventory.Scheduled{{SourceKind: domain.ReserveKind, SourceID: l.ID,
					ItemID: l.ItemID, WarehouseID: o.WarehouseID}}); err != nil {
					return err
				}
			}
			atp, err := s.Stock.LookupATP(ctx, l.ItemID, o.WarehouseID, money.QuantityFromUnits(short))
			if err != nil {
				return err
			}
			date = max(floor, atp.PromiseDate)
			demand = append(demand, inventory.Scheduled{SourceKind: domain.ReserveKind, SourceID: l.ID, ItemID: l.ItemID,
				WarehouseID: o.WarehouseID, Date: date, Quantity: money.QuantityFromUnits(short)})
		} else if !fresh {
			demand = append(demand, inventory.Scheduled{SourceKind: domain.ReserveKind, SourceID: l.ID, ItemID: l.ItemID, WarehouseID: o.WarehouseID})
		}
		orderPromise = max(orderPromise, date)
		if l.PromiseDate != date {
			l.PromiseDate = date
			rows = append(rows, []any{l.ID, date})
		}
	}
	if len(demand) > 0 {
		if err := s.Stock.SetSchedule(ctx, inventory.Demand, demand); err != nil {
			return err
		}
	}
	if err := erpkit.Chunks(rows, func(part [][]any) error {
		cte, args := erpkit.Values("p", erpkit.Cols("id TEXT", "date TEXT"), part, 1)
		_, err := s.DB.Exec(ctx, `WITH `+cte+` UPDATE so_line SET promise_date = p.date FROM p WHERE so_line.id = p.id || ''`, args...)
		return err
	}); err != nil {
		return fmt.Errorf("sales: promise dates: %w", err)
	}
	if orderPromise == "" {
		orderPromise = max(floor, o.PromiseDate)
	}
	o.PromiseDate = orderPromise
	return nil
}

// derive returns the status an open order's lines put it in.
func derive(o domain.SalesOrder) domain.Status {
	if !o.Status.Open() {
		return o.Status
	}
	var stocked, shippedAll, anyShipped, open, reserved = false, true, false, int64(0), int64(0)
	for _, l := range o.Lines {
		if !l.Stocked {
			continue
		}
		stocked = true
		if l.Shipped.Units() > 0 {
			anyShipped = true
		}
		if l.Open() > 0 {
			shippedAll = false
		}
		open += l.Open()
		reserved += l.Reserved.Units()
	}
	switch {
	case !stocked:
		return domain.StatusConfirmed
	case shippedAll:
		return domain.StatusShipped
	case anyShipped:
		return domain.StatusPartiallyShipped
	case reserved >= open:
		return domain.StatusReserved
	case reserved > 0:
		return domain.StatusPartiallyReserved
	}
	return domain.StatusConfirmed
}

// shipInfo is what a status change that a shipment caused tells CRM.
type shipInfo struct {
	carrier, trackingNo, number string
}

// settle writes an open order's status and promise date, announcing a
// status change.
func (s *Service) settle(ctx context.Context, o *domain.SalesOrder, info shipInfo) error {
	next := derive(*o)
	changed := next != o.Status
	o.Status = next
	if _, err := s.DB.Exec(ctx, `UPDATE so_order SET status = $2, promise_date = $3, version = version + 1, updated_at = $4 WHERE id = $1`,
		o.ID, o.Status, o.PromiseDate, db.Millis(s.now())); err != nil {
		return fmt.Errorf("sales: update order: %w", err)
	}
	o.Version++
	if changed {
		return s.emitStatus(ctx, *o, info)
	}
	return nil
}

func (s *Service) emitStatus(ctx context.Context, o domain.SalesOrder, info shipInfo) error {
	_, err := outbox.Emit(ctx, s.DB, domain.EventStatusChanged, 1, o.ID, domain.StatusChanged{
		SOID: o.ID, SONumber: o.Number, QuoteID: o.QuoteID, Status: o.Status, At: s.now().UTC(),
		Carrier: info.carrier, TrackingNo: info.trackingNo, ShipmentNumber: info.number, Amount: o.Gross,
	})
	return err
}

// Reserve reserves stock for an open order's short lines — one line, or
// all — and returns what it reserved. With no stock free it fails with a
// conflict and changes nothing.
func (s *Service) Reserve(ctx context.Context, id string, in domain.SalesReserveInput) (domain.SalesReserveResult, error) {
	pr, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return domain.SalesReserveResult{}, err
	}
	if in.Quantity.Sign() < 0 {
		return domain.SalesReserveResult{}, apperr.Invalid("quantity", domain.KeyQuantityPositive, "Enter a quantity of more than 0")
	}
	var out domain.SalesReserveResult
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.lockOrder(ctx, pr, id)
		if err != nil {
			return err
		}
		if !o.Status.Open() {
			return apperr.Precondition(domain.KeyNotOpen, "The order is not open")
		}
		short := false
		found := in.LineNo == 0
		for _, l := range o.Lines {
			if in.LineNo == 0 || l.LineNo == in.LineNo {
				found = true
				short = short || l.Short() > 0
			}
		}
		if !found {
			return apperr.Invalid("line_no", domain.KeyLineUnknown, "The order has no such line")
		}
		if !short {
			return apperr.Invalid("line_no", domain.KeyNothingToReserve, "Nothing is left to reserve")
		}
		if in.Quantity.Sign() > 0 {
			for _, l := range o.Lines {
				if l.LineNo == in.LineNo && !precise(in.Quantity, l.UoMPrecision) {
					return apperr.InvalidFields(apperr.FieldError{Field: "quantity", Key: domain.KeyQuantityPrecision,
						Message: "Too many decimal places for the unit", Params: map[string]any{"UoM": l.UoM, "Scale": l.UoMPrecision}})
				}
			}
		}
		got, err := s.reserve(ctx, &o, in.LineNo, in.Quantity)
		if err != nil {
			return err
		}
		if got.IsZero() {
			return apperr.Conflict(domain.KeyNoStock, "No stock is free to reserve")
		}
		if err := s.settleReserved(ctx, &o); err != nil {
			return err
		}
		o2, err := s.order(ctx, nil, id)
		if err != nil {
			return err
		}
		out = domain.SalesReserveResult{Reserved: got, Order: o2}
		return s.record(ctx, "erp.sales.order.reserved", kindOrder, id, nil, map[string]any{"line_no": in.LineNo, "reserved": got})
	})
	return out, err
}

// CancelOrder cancels an order nothing was shipped of, releasing its stock.
func (s *Service) CancelOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	return s.end(ctx, id, domain.StatusCancelled)
}

// CloseOrder closes an order that shipped in part: the rest will not be
// shipped, and its reservations are released.
func (s *Service) CloseOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	return s.end(ctx, id, domain.StatusClosed)
}

func (s *Service) end(ctx context.Context, id string, to domain.Status) (domain.SalesOrder, error) {
	pr, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	var out domain.SalesOrder
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.lockOrder(ctx, pr, id)
		if err != nil {
			return err
		}
		shipped := slices.ContainsFunc(o.Lines, func(l domain.SalesLine) bool { return l.Shipped.Units() > 0 })
		switch {
		case to == domain.StatusCancelled && (o.Status != domain.StatusDraft && !o.Status.Open()):
			return apperr.Precondition(domain.KeyNotOpen, "The order is not open")
		case to == domain.StatusCancelled && shipped:
			return apperr.Precondition(domain.KeyHasShipments, "Goods of this order were shipped; close it instead")
		case to == domain.StatusClosed && !o.Status.Open():
			return apperr.Precondition(domain.KeyNotOpen, "The order is not open")
		}
		ids := make([]string, len(o.Lines))
		var demand []inventory.Scheduled
		for i, l := range o.Lines {
			ids[i] = l.ID
			demand = append(demand, inventory.Scheduled{SourceKind: domain.ReserveKind, SourceID: l.ID, ItemID: l.ItemID, WarehouseID: o.WarehouseID})
		}
		if err := s.Stock.Release(ctx, domain.ReserveKind, ids); err != nil {
			return err
		}
		if err := s.Stock.SetSchedule(ctx, inventory.Demand, demand); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `UPDATE so_line SET reserved = 0 WHERE order_id = $1`, id); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `DELETE FROM so_shipment_line WHERE shipment_id IN (SELECT id FROM so_shipment WHERE order_id = $1 AND status = 'draft')`, id); err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `DELETE FROM so_shipment WHERE order_id = $1 AND status = 'draft'`, id); err != nil {
			return err
		}
		before := o.Status
		if _, err := s.DB.Exec(ctx, `UPDATE so_order SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			id, to, db.Millis(s.now())); err != nil {
			return err
		}
		if out, err = s.order(ctx, nil, id); err != nil {
			return err
		}
		if err := s.emitStatus(ctx, out, shipInfo{}); err != nil {
			return err
		}
		return s.record(ctx, "erp.sales.order."+string(to), kindOrder, id, map[string]any{"status": before}, map[string]any{"status": to})
	})
	return out, err
}
