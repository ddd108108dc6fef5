// Package store keeps the CRM's copy of ERP data on the CRM database: it
// applies ERP's events and answers the catalog contract's reads.
package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Store is the copy.
type Store struct {
	db  *db.DB
	now func() time.Time
}

// New returns the copy on the CRM database d.
func New(d *db.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, now: now}
}

// Apply applies one ERP event inside the consumer's transaction.
func (s *Store) Apply(ctx context.Context, ev bus.Envelope) error {
	var err error
	switch ev.Type {
	case catalog.EventItemUpserted:
		err = s.item(ctx, ev)
	case catalog.EventAvailabilityChanged:
		err = s.availability(ctx, ev)
	case catalog.EventCreditChanged:
		err = s.credit(ctx, ev)
	case catalog.EventSalesOrderAccepted:
		err = s.accepted(ctx, ev)
	case catalog.EventSalesOrderRejected:
		err = s.rejected(ctx, ev)
	case catalog.EventSalesOrderStatus:
		err = s.status(ctx, ev)
	case catalog.EventShipmentShipped:
		err = s.shipped(ctx, ev)
	case catalog.EventInvoicePosted:
		err = s.invoice(ctx, ev)
	case catalog.EventPaymentReceived:
		err = s.payment(ctx, ev)
	}
	if err != nil {
		return fmt.Errorf("catalog: apply %s %s: %w", ev.Type, ev.ID, err)
	}
	return nil
}

func decode(ev bus.Envelope, v any) error {
	if err := json.Unmarshal(ev.Data, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// instant reads an RFC 3339 instant, falling back to when the event happened.
func instant(s string, ev bus.Envelope) int64 {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return db.Millis(t)
	}
	return db.Millis(ev.OccurredAt)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Store) item(ctx context.Context, ev bus.Envelope) error {
	var d catalog.ItemUpserted
	if err := decode(ev, &d); err != nil {
		return err
	}
	search := textnorm.Fold(strings.Join([]string{d.Code, d.Name, d.NameEN, d.Spec, textnorm.Initials(d.Name)}, " "))
	at := db.Millis(ev.OccurredAt)
	// An event older than the copy (a redelivery after a newer one) changes nothing.
	_, err := s.db.Exec(ctx, `INSERT INTO crm_item (id, code, name, name_en, spec, kind, category_id, category_name, uom, uom_precision,
		vat_rate, list_price, floor_price, currency, lead_time_days, tracking, sellable, status, search, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, name_en = excluded.name_en, spec = excluded.spec,
			kind = excluded.kind, category_id = excluded.category_id, category_name = excluded.category_name, uom = excluded.uom,
			uom_precision = excluded.uom_precision, vat_rate = excluded.vat_rate, list_price = excluded.list_price,
			floor_price = excluded.floor_price, currency = excluded.currency, lead_time_days = excluded.lead_time_days,
			tracking = excluded.tracking, sellable = excluded.sellable, status = excluded.status, search = excluded.search,
			updated_at = excluded.updated_at
		WHERE crm_item.updated_at <= excluded.updated_at`,
		d.ID, d.Code, d.Name, d.NameEN, d.Spec, d.Kind, d.CategoryID, d.CategoryName, d.UoM, d.UoMPrecision,
		d.VATRate, d.ListPrice, d.FloorPrice, d.Currency, d.LeadTimeDays, d.Tracking, boolInt(d.Sellable), d.Status, search, at)
	return err
}

func (s *Store) availability(ctx context.Context, ev bus.Envelope) error {
	var d catalog.AvailabilityChanged
	if err := decode(ev, &d); err != nil {
		return err
	}
	in := slices.Clone(d.Incoming)
	slices.SortStableFunc(in, func(a, b catalog.Incoming) int { return strings.Compare(a.Date, b.Date) })
	if in == nil {
		in = []catalog.Incoming{}
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO crm_stock (item_id, on_hand, reserved, available, incoming, lead_time_days, as_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (item_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, available = excluded.available,
			incoming = excluded.incoming, lead_time_days = excluded.lead_time_days, as_of = excluded.as_of
		WHERE crm_stock.as_of <= excluded.as_of`,
		d.ItemID, d.OnHand, d.Reserved, d.Available, string(raw), d.LeadTimeDays, instant(d.AsOf, ev))
	return err
}

func (s *Store) credit(ctx context.Context, ev bus.Envelope) error {
	var d catalog.CreditChanged
	if err := decode(ev, &d); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO crm_credit (customer_id, currency, credit_limit, ar_balance, overdue, open_orders, available_credit, on_hold, as_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (customer_id) DO UPDATE SET currency = excluded.currency, credit_limit = excluded.credit_limit,
			ar_balance = excluded.ar_balance, overdue = excluded.overdue, open_orders = excluded.open_orders,
			available_credit = excluded.available_credit, on_hold = excluded.on_hold, as_of = excluded.as_of
		WHERE crm_credit.as_of <= excluded.as_of`,
		d.CustomerID, d.Currency, d.CreditLimit, d.ARBalance, d.Overdue, d.OpenOrders, d.AvailableCredit, boolInt(d.OnHold), db.Millis(ev.OccurredAt))
	return err
}

// orderEvent records one step of an order's progress.
func (s *Store) orderEvent(ctx context.Context, ev bus.Envelope, quoteID, soID, soNumber, customerID, kind, status, reason string, detail map[string]string, at int64) error {
	for k, v := range detail {
		if v == "" {
			delete(detail, k)
		}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO crm_erp_order_event (id, quote_id, so_id, so_number, customer_id, kind, status, reason_code, detail, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
		ev.ID, quoteID, soID, soNumber, customerID, kind, status, reason, string(raw), at)
	return err
}

// orderCustomer returns the customer of an order the copy knows, or "".
func (s *Store) orderCustomer(ctx context.Context, soID string) (string, string, error) {
	var cust, quote string
	err := s.db.QueryRow(ctx, `SELECT customer_id, quote_id FROM crm_erp_order WHERE so_id = $1`, soID).Scan(&cust, &quote)
	if isNoRows(err) {
		return "", "", nil
	}
	return cust, quote, err
}

func (s *Store) accepted(ctx context.Context, ev bus.Envelope) error {
	var d catalog.SalesOrderAccepted
	if err := decode(ev, &d); err != nil {
		return err
	}
	cust, err := s.quoteCustomer(ctx, d.QuoteID)
	if err != nil {
		return err
	}
	at := db.Millis(ev.OccurredAt)
	if _, err := s.db.Exec(ctx, `INSERT INTO crm_erp_order (so_id, so_number, quote_id, request_id, customer_id, status, promise_date, carrier, tracking_no, amount, status_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, '', '', 0, 0, $7)
		ON CONFLICT (so_id) DO UPDATE SET so_number = excluded.so_number, quote_id = excluded.quote_id, request_id = excluded.request_id,
			promise_date = excluded.promise_date`,
		d.SOID, d.SONumber, d.QuoteID, d.RequestID, cust, d.PromiseDate, at); err != nil {
		return err
	}
	return s.orderEvent(ctx, ev, d.QuoteID, d.SOID, d.SONumber, cust, "accepted", "confirmed", "",
		map[string]string{"promise_date": d.PromiseDate, "request_id": d.RequestID}, at)
}

// quoteCustomer finds the customer of a quote from the order requests the
// CRM sent (ERP's order events carry no customer).
func (s *Store) quoteCustomer(ctx context.Context, quoteID string) (string, error) {
	var cust string
	err := s.db.QueryRow(ctx, `SELECT customer_id FROM crm_erp_request WHERE quote_id = $1 ORDER BY requested_at DESC LIMIT 1`, quoteID).Scan(&cust)
	if isNoRows(err) {
		return "", nil
	}
	return cust, err
}

// ExpectOrder records an order request the CRM sends ERP, inside the
// sender's transaction.
func (s *Store) ExpectOrder(ctx context.Context, r catalog.OrderRequest) error {
	_, err := s.db.Exec(ctx, `INSERT INTO crm_erp_request (request_id, quote_id, customer_id, requested_at) VALUES ($1, $2, $3, $4)`,
		r.RequestID, r.QuoteID, r.CustomerID, db.Millis(s.now()))
	return err
}

func (s *Store) rejected(ctx context.Context, ev bus.Envelope) error {
	var d catalog.SalesOrderRejected
	if err := decode(ev, &d); err != nil {
		return err
	}
	cust, err := s.quoteCustomer(ctx, d.QuoteID)
	if err != nil {
		return err
	}
	return s.orderEvent(ctx, ev, d.QuoteID, "", "", cust, "rejected", "rejected", d.ReasonCode,
		map[string]string{"reason": d.Reason, "request_id": d.RequestID}, db.Millis(ev.OccurredAt))
}

func (s *Store) status(ctx context.Context, ev bus.Envelope) error {
	var d catalog.SalesOrderStatusChanged
	if err := decode(ev, &d); err != nil {
		return err
	}
	at := instant(d.At, ev)
	cust, quote, err := s.orderCustomer(ctx, d.SOID)
	if err != nil {
		return err
	}
	if quote == "" {
		quote = d.QuoteID
		if cust, err = s.quoteCustomer(ctx, quote); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_erp_order (so_id, so_number, quote_id, request_id, customer_id, status, promise_date, carrier, tracking_no, amount, status_at, updated_at)
			VALUES ($1, $2, $3, '', $4, $5, '', '', '', 0, 0, $6) ON CONFLICT (so_id) DO NOTHING`, d.SOID, d.SONumber, quote, cust, d.Status, at); err != nil {
			return err
		}
	}
	if _, err := s.db.Exec(ctx, `UPDATE crm_erp_order SET status = $2, so_number = CASE WHEN $3 = '' THEN so_number ELSE $3 END,
		carrier = CASE WHEN $4 = '' THEN carrier ELSE $4 END, tracking_no = CASE WHEN $5 = '' THEN tracking_no ELSE $5 END,
		amount = CASE WHEN CAST($6 AS BIGINT) = 0 THEN amount ELSE CAST($6 AS BIGINT) END, status_at = $7, updated_at = $7
		WHERE so_id = $1 AND status_at <= $7`, d.SOID, d.Status, d.SONumber, d.Carrier, d.TrackingNo, d.Amount, at); err != nil {
		return err
	}
	return s.orderEvent(ctx, ev, quote, d.SOID, d.SONumber, cust, "status", d.Status, "", map[string]string{
		"carrier": d.Carrier, "tracking_no": d.TrackingNo, "shipment_number": d.ShipmentNumber, "invoice_number": d.InvoiceNumber,
		"amount": nonZero(d.Amount)}, at)
}

func nonZero(a money.Amount) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

func (s *Store) shipped(ctx context.Context, ev bus.Envelope) error {
	var d catalog.ShipmentShipped
	if err := decode(ev, &d); err != nil {
		return err
	}
	at := instant(d.ShippedAt, ev)
	cust, quote, err := s.orderCustomer(ctx, d.SOID)
	if err != nil {
		return err
	}
	if quote == "" {
		quote = d.QuoteID
	}
	if d.CustomerID != "" {
		cust = d.CustomerID
	}
	if _, err := s.db.Exec(ctx, `UPDATE crm_erp_order SET carrier = $2, tracking_no = $3 WHERE so_id = $1`, d.SOID, d.Carrier, d.TrackingNo); err != nil {
		return err
	}
	return s.orderEvent(ctx, ev, quote, d.SOID, d.SONumber, cust, "shipped", "shipped", "", map[string]string{
		"shipment_number": d.Number, "carrier": d.Carrier, "tracking_no": d.TrackingNo}, at)
}

func (s *Store) invoice(ctx context.Context, ev bus.Envelope) error {
	var d catalog.InvoicePosted
	if err := decode(ev, &d); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO crm_erp_invoice (id, number, customer_id, so_id, contract_id, inv_date, due_date, currency, net, tax, gross, paid)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, COALESCE((SELECT SUM(amount) FROM crm_erp_allocation WHERE invoice_id = $1), 0))
		ON CONFLICT (id) DO NOTHING`,
		d.InvoiceID, d.Number, d.CustomerID, d.SOID, d.ContractID, d.Date, d.DueDate, d.Currency, d.Net, d.Tax, d.Gross); err != nil {
		return err
	}
	_, quote, err := s.orderCustomer(ctx, d.SOID)
	if err != nil {
		return err
	}
	return s.orderEvent(ctx, ev, quote, d.SOID, "", d.CustomerID, "invoiced", "invoiced", "", map[string]string{
		"invoice_number": d.Number, "gross": d.Gross.String(), "due_date": d.DueDate}, db.Millis(ev.OccurredAt))
}

func (s *Store) payment(ctx context.Context, ev bus.Envelope) error {
	var d catalog.PaymentReceived
	if err := decode(ev, &d); err != nil {
		return err
	}
	n, err := s.db.ExecAffected(ctx, `INSERT INTO crm_erp_payment (id, number, customer_id, pay_date, currency, amount, unallocated)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		d.PaymentID, d.Number, d.CustomerID, d.Date, d.Currency, d.Amount, d.Unallocated)
	if err != nil || n == 0 {
		return err
	}
	for i, a := range d.Allocations {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_erp_allocation (payment_id, seq, invoice_id, contract_id, amount) VALUES ($1, $2, $3, $4, $5)`,
			d.PaymentID, i+1, a.InvoiceID, a.ContractID, a.Amount); err != nil {
			return err
		}
		if a.InvoiceID != "" {
			if _, err := s.db.Exec(ctx, `UPDATE crm_erp_invoice SET paid = paid + $2 WHERE id = $1`, a.InvoiceID, a.Amount); err != nil {
				return err
			}
		}
	}
	return s.orderEvent(ctx, ev, "", "", "", d.CustomerID, "paid", "paid", "", map[string]string{
		"payment_number": d.Number, "amount": d.Amount.String()}, db.Millis(ev.OccurredAt))
}
