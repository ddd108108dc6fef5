package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func require(ctx context.Context, perm authz.Permission) error {
	p := authz.FromContext(ctx)
	if p == nil {
		return apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return apperr.PermissionDenied(string(perm))
	}
	return nil
}

// Service is catalog.Service on the copy; visible tells whether the caller
// may see a customer account.
type Service struct {
	*Store
	Visible func(ctx context.Context, accountID string) (bool, error)
}

var _ catalog.Service = Service{}

const itemCols = `id, code, name, name_en, spec, kind, category_id, category_name, uom, uom_precision, vat_rate, list_price,
	floor_price, currency, lead_time_days, tracking, sellable, status, updated_at`

func scanItem(sc interface{ Scan(...any) error }) (catalog.Item, error) {
	var it catalog.Item
	var sellable int
	var at int64
	err := sc.Scan(&it.ID, &it.Code, &it.Name, &it.NameEN, &it.Spec, &it.Kind, &it.CategoryID, &it.CategoryName, &it.UoM,
		&it.UoMPrecision, &it.VATRate, &it.ListPrice, &it.FloorPrice, &it.Currency, &it.LeadTimeDays, &it.Tracking, &sellable,
		&it.Status, &at)
	it.Sellable, it.UpdatedAt = sellable == 1, db.FromMillis(at)
	return it, err
}

var itemSort = api.SortSpec{Fields: []string{"code"}, Default: "code"}

// Items returns a page of items by code.
func (s Service) Items(ctx context.Context, f catalog.ItemFilter) (catalog.ItemPage, error) {
	var page catalog.ItemPage
	if err := require(ctx, catalog.PermRead); err != nil {
		return page, err
	}
	srt, err := listq.NewSort(itemSort, "", map[string]listq.Col{"code": {SQL: "code"}}, "id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	if q := textnorm.Search(f.Query); q != "" {
		w.And(`search LIKE ` + a.Add(listq.Like(q)) + ` ESCAPE '\'`)
	}
	if f.Sellable {
		w.And(`sellable = 1 AND status = 'active'`)
	}
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_item`+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("catalog: count items: %w", err)
		}
	}
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	limit := listq.Limit(f.Limit)
	q := `SELECT ` + itemCols + ` FROM crm_item` + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("catalog: list items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, it)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		if page.Next, err = srt.Cursor([]any{last.Code}, last.ID); err != nil {
			return page, err
		}
	}
	return page, nil
}

// Item returns one item.
func (s Service) Item(ctx context.Context, id string) (*catalog.Item, error) {
	if err := require(ctx, catalog.PermRead); err != nil {
		return nil, err
	}
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemCols+` FROM crm_item WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("item", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: read item: %w", err)
	}
	return &it, nil
}

// ItemByCode returns the item with a code, ignoring letter case.
func (s Service) ItemByCode(ctx context.Context, code string) (*catalog.Item, error) {
	code = strings.TrimSpace(code)
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemCols+` FROM crm_item WHERE lower(code) = lower($1) ORDER BY code LIMIT 1`, code))
	if isNoRows(err) {
		return nil, apperr.NotFound("item", code)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: read item: %w", err)
	}
	return &it, nil
}

// in returns "$1, $2, …" for ids, appended to a.
func in(a *listq.Args, ids []string) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.Add(id)
	}
	return strings.Join(ph, ", ")
}

// ItemsByID returns the known items of the given ids.
func (s Service) ItemsByID(ctx context.Context, ids []string) (map[string]catalog.Item, error) {
	out := map[string]catalog.Item{}
	if len(ids) == 0 {
		return out, nil
	}
	var a listq.Args
	rows, err := s.db.Query(ctx, `SELECT `+itemCols+` FROM crm_item WHERE id IN (`+in(&a, ids)+`)`, a...)
	if err != nil {
		return nil, fmt.Errorf("catalog: read items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out[it.ID] = it
	}
	return out, rows.Err()
}

// Availability returns the stock of items.
func (s Service) Availability(ctx context.Context, ids []string) (map[string]catalog.Availability, error) {
	out := map[string]catalog.Availability{}
	if len(ids) == 0 {
		return out, nil
	}
	var a listq.Args
	rows, err := s.db.Query(ctx, `SELECT i.id, i.lead_time_days, COALESCE(s.on_hand, 0), COALESCE(s.reserved, 0), COALESCE(s.available, 0),
		COALESCE(s.incoming, '[]'), COALESCE(s.lead_time_days, i.lead_time_days), COALESCE(s.as_of, 0), CASE WHEN s.item_id IS NULL THEN 0 ELSE 1 END
		FROM crm_item i LEFT JOIN crm_stock s ON s.item_id = i.id WHERE i.id IN (`+in(&a, ids)+`)`, a...)
	if err != nil {
		return nil, fmt.Errorf("catalog: read availability: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var av catalog.Availability
		var itemLead, known int
		var incoming string
		var asOf int64
		if err := rows.Scan(&av.ItemID, &itemLead, &av.OnHand, &av.Reserved, &av.Available, &incoming, &av.LeadTimeDays, &asOf, &known); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(incoming), &av.Incoming); err != nil {
			return nil, fmt.Errorf("catalog: incoming of %s: %w", av.ItemID, err)
		}
		av.Known = known == 1
		if av.Known {
			av.AsOf = db.FromMillis(asOf)
		}
		out[av.ItemID] = av
	}
	return out, rows.Err()
}

// Credit returns a customer's credit position.
func (s Service) Credit(ctx context.Context, customerID string) (catalog.Credit, error) {
	c := catalog.Credit{CustomerID: customerID}
	var hold int
	var asOf int64
	err := s.db.QueryRow(ctx, `SELECT currency, credit_limit, ar_balance, overdue, open_orders, available_credit, on_hold, as_of
		FROM crm_credit WHERE customer_id = $1`, customerID).Scan(&c.Currency, &c.Limit, &c.ARBalance, &c.Overdue, &c.OpenOrders,
		&c.AvailableCredit, &hold, &asOf)
	if isNoRows(err) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("catalog: read credit: %w", err)
	}
	c.OnHold, c.AsOf, c.Known = hold == 1, db.FromMillis(asOf), true
	return c, nil
}

const orderCols = `so_id, so_number, quote_id, request_id, customer_id, status, promise_date, carrier, tracking_no, amount, updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (catalog.Order, error) {
	var o catalog.Order
	var at int64
	err := sc.Scan(&o.SOID, &o.SONumber, &o.QuoteID, &o.RequestID, &o.CustomerID, &o.Status, &o.PromiseDate, &o.Carrier, &o.TrackingNo, &o.Amount, &at)
	o.UpdatedAt = db.FromMillis(at)
	return o, err
}

// Ledger returns a customer's credit, orders, invoices and payments.
func (s Service) Ledger(ctx context.Context, customerID string) (catalog.Ledger, error) {
	var l catalog.Ledger
	if err := require(ctx, catalog.PermCredit); err != nil {
		return l, err
	}
	if s.Visible != nil {
		ok, err := s.Visible(ctx, customerID)
		if err != nil {
			return l, err
		}
		if !ok {
			return l, apperr.NotFound("account", customerID)
		}
	}
	var err error
	if l.Credit, err = s.Credit(ctx, customerID); err != nil {
		return l, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+orderCols+` FROM crm_erp_order WHERE customer_id = $1 ORDER BY updated_at DESC LIMIT 100`, customerID)
	if err != nil {
		return l, fmt.Errorf("catalog: read orders: %w", err)
	}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return l, err
		}
		l.Orders = append(l.Orders, o)
	}
	rows.Close()
	rows, err = s.db.Query(ctx, `SELECT id, number, customer_id, so_id, contract_id, inv_date, due_date, currency, net, tax, gross, paid
		FROM crm_erp_invoice WHERE customer_id = $1 ORDER BY inv_date DESC, number DESC LIMIT 100`, customerID)
	if err != nil {
		return l, fmt.Errorf("catalog: read invoices: %w", err)
	}
	for rows.Next() {
		var i catalog.Invoice
		if err := rows.Scan(&i.ID, &i.Number, &i.CustomerID, &i.SOID, &i.ContractID, &i.Date, &i.DueDate, &i.Currency, &i.Net, &i.Tax, &i.Gross, &i.Paid); err != nil {
			rows.Close()
			return l, err
		}
		l.Invoices = append(l.Invoices, i)
	}
	rows.Close()
	rows, err = s.db.Query(ctx, `SELECT id, number, customer_id, pay_date, currency, amount, unallocated
		FROM crm_erp_payment WHERE customer_id = $1 ORDER BY pay_date DESC, number DESC LIMIT 100`, customerID)
	if err != nil {
		return l, fmt.Errorf("catalog: read payments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p catalog.Payment
		if err := rows.Scan(&p.ID, &p.Number, &p.CustomerID, &p.Date, &p.Currency, &p.Amount, &p.Unallocated); err != nil {
			return l, err
		}
		l.Payments = append(l.Payments, p)
	}
	return l, rows.Err()
}

// Revenue sums the net of a customer's invoices dated from a day on.
func (s Service) Revenue(ctx context.Context, customerID, from string) (money.Amount, error) {
	var sum money.Amount
	err := s.db.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(net), 0) AS BIGINT) FROM crm_erp_invoice WHERE customer_id = $1 AND inv_date >= $2`,
		customerID, from).Scan(&sum)
	if err != nil {
		return sum, fmt.Errorf("catalog: revenue: %w", err)
	}
	return sum, nil
}

// OrderOfQuote returns the order ERP made of a quote and the steps it reported.
func (s Service) OrderOfQuote(ctx context.Context, quoteID string) (*catalog.Order, []catalog.OrderEvent, error) {
	var order *catalog.Order
	o, err := scanOrder(s.db.QueryRow(ctx, `SELECT `+orderCols+` FROM crm_erp_order WHERE quote_id = $1 ORDER BY updated_at DESC LIMIT 1`, quoteID))
	switch {
	case err == nil:
		order = &o
	case !isNoRows(err):
		return nil, nil, fmt.Errorf("catalog: read order: %w", err)
	}
	args := []any{quoteID}
	q := `SELECT id, quote_id, so_id, so_number, kind, status, reason_code, detail, at FROM crm_erp_order_event WHERE quote_id = $1`
	if order != nil {
		q += ` OR so_id = $2`
		args = append(args, order.SOID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY at, id`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: read order events: %w", err)
	}
	defer rows.Close()
	var evs []catalog.OrderEvent
	for rows.Next() {
		var e catalog.OrderEvent
		var detail string
		var at int64
		if err := rows.Scan(&e.ID, &e.QuoteID, &e.SOID, &e.SONumber, &e.Kind, &e.Status, &e.ReasonCode, &detail, &at); err != nil {
			return nil, nil, err
		}
		e.At = db.FromMillis(at)
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, nil, fmt.Errorf("catalog: order event detail: %w", err)
		}
		evs = append(evs, e)
	}
	return order, evs, rows.Err()
}
