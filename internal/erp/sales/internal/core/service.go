// Package core is the sales module's service: sales orders entered in ERP
// or requested by CRM, reservations line by line with backorders promised
// from available-to-promise, pick and ship, and the events that tell CRM
// where each order stands.
package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Service is the sales module's service.
type Service struct {
	DB       *db.DB
	Now      func() time.Time
	Catalog  catalog.Catalog
	Stock    inventory.Stock
	Partners partner.Partners
	// Credit returns finance's credit holds, or nil when finance keeps none.
	Credit func() partner.CreditHolds
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return erpkit.Today(s.now()) }

func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.DB, audit.Entry{Action: action, EntityKind: kind, EntityID: id, Before: before, After: after})
}

// scope returns the SQL condition (on o) that limits orders to the ones
// the caller may see, with its arguments numbered from start.
func scope(p *authz.Principal, start int) (string, []any) {
	switch p.Scope(domain.ScopeKind) {
	case authz.ScopeCompany:
		return "", nil
	case authz.ScopeTeam:
		if p.TeamID != "" {
			return fmt.Sprintf("(o.owner_id = $%d OR o.owner_team_id = $%d)", start, start+1), []any{p.UserID, p.TeamID}
		}
		fallthrough
	case authz.ScopeOwn:
		return fmt.Sprintf("o.owner_id = $%d", start), []any{p.UserID}
	}
	return "1 = 0", nil
}

const orderCols = `o.id, o.number, o.customer_id, o.customer_name, COALESCE(o.request_id, ''), o.quote_id, o.quote_number, o.currency,
	o.order_date, o.requested_date, o.promise_date, o.ship_to, o.payment_terms, o.notes, o.warehouse_id, o.owner_id, o.owner_name,
	o.status, o.net, o.tax, o.gross, o.version, o.created_by, o.created_at, o.updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (domain.SalesOrder, error) {
	var (
		o            domain.SalesOrder
		created, upd int64
	)
	err := sc.Scan(&o.ID, &o.Number, &o.CustomerID, &o.CustomerName, &o.RequestID, &o.QuoteID, &o.QuoteNumber, &o.Currency,
		&o.OrderDate, &o.RequestedDate, &o.PromiseDate, &o.ShipTo, &o.PaymentTerms, &o.Notes, &o.WarehouseID, &o.OwnerID, &o.OwnerName,
		&o.Status, &o.Net, &o.Tax, &o.Gross, &o.Version, &o.CreatedBy, &created, &upd)
	o.CreatedAt, o.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return o, err
}

// Order returns an order the caller may see, with its lines.
func (s *Service) Order(ctx context.Context, id string) (domain.SalesOrder, error) {
	p, err := erpkit.Require(ctx, domain.PermRead)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	return s.order(ctx, p, id)
}

// order reads an order within the principal's scope (nil: any).
func (s *Service) order(ctx context.Context, p *authz.Principal, id string) (domain.SalesOrder, error) {
	if !db.ValidID(id) {
		return domain.SalesOrder{}, apperr.NotFound("sales order", id)
	}
	q, args := `SELECT `+orderCols+` FROM so_order o WHERE o.id = $1`, []any{id}
	if p != nil {
		if cond, more := scope(p, 2); cond != "" {
			q += " AND " + cond
			args = append(args, more...)
		}
	}
	o, err := scanOrder(s.DB.QueryRow(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return o, apperr.NotFound("sales order", id)
	}
	if err != nil {
		return o, err
	}
	o.Lines, err = s.lines(ctx, id)
	return o, err
}

func (s *Service) lines(ctx context.Context, orderID string) ([]domain.SalesLine, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, line_no, item_id, item_code, item_name, uom, uom_precision, stocked, quantity, unit_price,
		discount, vat_rate, net, tax, reserved, shipped, promise_date FROM so_line WHERE order_id = $1 ORDER BY line_no`, orderID)
	if err != nil {
		return nil, fmt.Errorf("sales: read lines: %w", err)
	}
	defer rows.Close()
	out := []domain.SalesLine{}
	for rows.Next() {
		var (
			l       domain.SalesLine
			stocked int
		)
		if err := rows.Scan(&l.ID, &l.LineNo, &l.ItemID, &l.ItemCode, &l.ItemName, &l.UoM, &l.UoMPrecision, &stocked, &l.Quantity,
			&l.UnitPrice, &l.Discount, &l.VATRate, &l.Net, &l.Tax, &l.Reserved, &l.Shipped, &l.PromiseDate); err != nil {
			return nil, err
		}
		l.Stocked = stocked == 1
		l.Backordered = money.QuantityFromUnits(l.Short())
		out = append(out, l)
	}
	return out, rows.Err()
}

// OrderPage is one page of an order list.
type OrderPage struct {
	Orders []domain.SalesOrder
	Next   string
}

// Orders lists the orders the caller may see, newest first.
func (s *Service) Orders(ctx context.Context, f domain.OrderFilter) (OrderPage, error) {
	p, err := erpkit.Require(ctx, domain.PermRead)
	if err != nil {
		return OrderPage{}, err
	}
	ks, err := erpkit.ParseKeyset("-created_at", "-created_at", []string{"created_at"},
		map[string]erpkit.SortColumn{"created_at": {SQL: "o.created_at"}}, "o.id", f.Cursor)
	if err != nil {
		return OrderPage{}, err
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if cond, more := scope(p, 1); cond != "" {
		where = append(where, cond)
		args = append(args, more...)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		where = append(where, "o.search LIKE "+arg("%"+erpkit.EscapeLike(q)+"%")+` ESCAPE '\'`)
	}
	if f.Status != "" {
		where = append(where, "o.status = "+arg(string(f.Status)))
	}
	if f.Open {
		where = append(where, "o.status IN ('confirmed', 'partially_reserved', 'reserved', 'partially_shipped')")
	}
	if f.CustomerID != "" {
		where = append(where, "o.customer_id = "+arg(f.CustomerID))
	}
	if w := ks.Where(arg); w != "" {
		where = append(where, w)
	}
	limit := erpkit.Limit(f.Limit)
	q := `SELECT ` + orderCols + ` FROM so_order o`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Query(ctx, q+ks.OrderBy()+" LIMIT "+arg(limit+1), args...)
	if err != nil {
		return OrderPage{}, fmt.Errorf("sales: list orders: %w", err)
	}
	defer rows.Close()
	var out []domain.SalesOrder
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return OrderPage{}, err
		}
		o.Lines = []domain.SalesLine{}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return OrderPage{}, err
	}
	page := OrderPage{Orders: out}
	if len(out) > limit {
		page.Orders = out[:limit]
		last := out[limit-1]
		if page.Next, err = ks.Cursor(map[string]any{"created_at": db.Millis(last.CreatedAt)}, last.ID); err != nil {
			return page, err
		}
	}
	if page.Orders == nil {
		page.Orders = []domain.SalesOrder{}
	}
	return page, nil
}
