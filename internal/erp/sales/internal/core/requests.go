package core

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// CustomerGrace is how long an order request for a customer ERP does not
// know yet is retried before it is rejected: the customer's own event, a
// different subject, may still be on its way.
const CustomerGrace = time.Minute

// errCustomerPending makes the bus retry a request whose customer may still arrive.
var errCustomerPending = errors.New("sales: the order request's customer has not arrived from CRM yet")

// rejection is why an order request is refused.
type rejection struct {
	code, reason string
}

// ApplyOrderRequest turns crm.order.requested into a confirmed sales order
// and answers with erp.sales_order.accepted, or refuses it with
// erp.sales_order.rejected. A request id seen before gets the first answer
// again and never a second order. It runs in the bus's transaction.
func (s *Service) ApplyOrderRequest(ctx context.Context, ev bus.Envelope) error {
	ctx = authz.WithPrincipal(ctx, authz.System())
	var req domain.OrderRequested
	if err := json.Unmarshal(ev.Data, &req); err != nil {
		return s.reject(ctx, domain.OrderRequested{QuoteID: ev.Subject}, rejection{domain.ReasonInvalid, "The request is not valid JSON"})
	}
	if req.QuoteID == "" {
		req.QuoteID = ev.Subject
	}
	if strings.TrimSpace(req.RequestID) == "" {
		return s.reject(ctx, req, rejection{domain.ReasonInvalid, "The request has no request_id"})
	}
	var (
		outcome, orderID, code, reason string
	)
	err := s.DB.QueryRow(ctx, `SELECT outcome, order_id, reason_code, reason FROM so_request WHERE request_id = $1`, req.RequestID).
		Scan(&outcome, &orderID, &code, &reason)
	switch {
	case err == nil && outcome == "accepted":
		o, err := s.order(ctx, nil, orderID)
		if err != nil {
			return err
		}
		return s.accepted(ctx, req, o)
	case err == nil:
		return s.emitRejected(ctx, req, rejection{code, reason})
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}

	o, rej, err := s.orderFromRequest(ctx, req)
	if errors.Is(err, errCustomerPending) && time.Since(ev.OccurredAt) < CustomerGrace {
		return err
	}
	if errors.Is(err, errCustomerPending) {
		rej, err = &rejection{domain.ReasonUnknownCustomer, "ERP knows no customer " + req.CustomerID}, nil
	}
	if err != nil {
		return err
	}
	if rej != nil {
		return s.reject(ctx, req, *rej)
	}
	o.RequestID = req.RequestID
	if o.Number, err = s.DB.NextDocNumber(ctx, "SO", s.now()); err != nil {
		return err
	}
	if err := s.insertOrder(ctx, o, req.RequestID, ""); err != nil {
		return err
	}
	out, err := s.confirm(ctx, o)
	if err != nil {
		return err
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO so_request (request_id, quote_id, outcome, order_id, reason_code, reason, created_at)
		VALUES ($1, $2, 'accepted', $3, '', '', $4)`, req.RequestID, req.QuoteID, o.ID, db.Millis(s.now())); err != nil {
		return fmt.Errorf("sales: record request: %w", err)
	}
	if err := s.record(ctx, "erp.sales.order.requested", kindOrder, o.ID, nil, out); err != nil {
		return err
	}
	return s.accepted(ctx, req, out)
}

// orderFromRequest checks a request and builds its order, or says why it
// is refused.
func (s *Service) orderFromRequest(ctx context.Context, req domain.OrderRequested) (domain.SalesOrder, *rejection, error) {
	o := domain.SalesOrder{ID: db.NewID(), Status: domain.StatusDraft, QuoteID: req.QuoteID, QuoteNumber: req.QuoteNumber,
		OrderDate: s.today(), ShipTo: req.ShipTo, PaymentTerms: req.PaymentTerms, Notes: req.Notes, OwnerID: req.RepID,
		CreatedBy: authz.SystemLogin, Version: 1}
	bad := func(format string, args ...any) (domain.SalesOrder, *rejection, error) {
		return o, &rejection{domain.ReasonInvalid, fmt.Sprintf(format, args...)}, nil
	}
	if req.RequestedDate != "" && !erpkit.ValidDate(req.RequestedDate) {
		return bad("requested_date %q is not a date", req.RequestedDate)
	}
	o.RequestedDate = req.RequestedDate
	c, err := s.Partners.LookupCustomer(ctx, req.CustomerID)
	switch {
	case apperr.IsKind(err, apperr.KindNotFound):
		return o, nil, errCustomerPending
	case err != nil:
		return o, nil, err
	case c.Status != partner.StatusActive:
		return o, &rejection{domain.ReasonUnknownCustomer, "Customer " + c.Code + " is not active"}, nil
	}
	o.CustomerID, o.CustomerName, o.Currency = c.ID, c.Name, c.Currency
	if o.ShipTo == "" {
		o.ShipTo = c.ShippingAddress
	}
	if req.Currency != "" {
		o.Currency = strings.ToUpper(req.Currency)
	}
	if c.OwnerID != "" && c.OwnerID == req.RepID {
		o.OwnerName = c.OwnerName
	}
	if hold, err := s.onHold(ctx, c.ID); err != nil {
		return o, nil, err
	} else if hold {
		return o, &rejection{domain.ReasonCreditHold, "Customer " + c.Code + " is on credit hold"}, nil
	}
	wh, err := s.Stock.DefaultWarehouse(ctx)
	if err != nil {
		return o, nil, err
	}
	o.WarehouseID = wh.ID
	if len(req.Lines) == 0 {
		return bad("The request has no lines")
	}
	ids := make([]string, len(req.Lines))
	for i, l := range req.Lines {
		ids[i] = l.ItemID
	}
	items, err := s.Catalog.LookupItems(ctx, ids)
	if err != nil {
		return o, nil, err
	}
	seen := map[int]bool{}
	for _, rl := range req.Lines {
		it, ok := items[rl.ItemID]
		switch {
		case !ok:
			return o, &rejection{domain.ReasonUnknownItem, fmt.Sprintf("Line %d: ERP knows no item %s", rl.LineNo, rl.ItemID)}, nil
		case !it.Sellable || it.Status != catalog.StatusActive:
			return o, &rejection{domain.ReasonUnknownItem, fmt.Sprintf("Line %d: item %s is not for sale", rl.LineNo, it.Code)}, nil
		case rl.LineNo <= 0 || seen[rl.LineNo]:
			return bad("Line %d: line numbers must be positive and unique", rl.LineNo)
		}
		seen[rl.LineNo] = true
		q, err := money.ParseQuantity(string(rl.Quantity))
		if err != nil || q.Sign() <= 0 {
			return bad("Line %d: quantity %q is not a positive number", rl.LineNo, rl.Quantity)
		}
		if !precise(q, it.UoMPrecision) {
			return bad("Line %d: quantity %s has more than %d decimal places for %s", rl.LineNo, q, it.UoMPrecision, it.UoM)
		}
		price, err := money.ParseUnitPrice(string(rl.UnitPrice))
		if err != nil || price.Sign() < 0 {
			return bad("Line %d: unit price %q is not valid", rl.LineNo, rl.UnitPrice)
		}
		vat, discount := it.VATRate, money.Rate{}
		if rl.VATRate != "" {
			if vat, err = money.ParseRate(string(rl.VATRate)); err != nil || vat.Sign() < 0 || vat.Cmp(money.MustRate("1")) > 0 {
				return bad("Line %d: VAT rate %q is not valid", rl.LineNo, rl.VATRate)
			}
		}
		if rl.Discount != "" {
			if discount, err = money.ParseRate(string(rl.Discount)); err != nil || discount.Sign() < 0 || discount.Cmp(money.MustRate("1")) > 0 {
				return bad("Line %d: discount %q is not valid", rl.LineNo, rl.Discount)
			}
		}
		l := domain.SalesLine{ID: db.NewID(), LineNo: rl.LineNo, ItemID: it.ID, ItemCode: it.Code, ItemName: it.Name, UoM: it.UoM,
			UoMPrecision: it.UoMPrecision, Stocked: it.Stocked(), Quantity: q, UnitPrice: price, Discount: discount, VATRate: vat}
		if l.Net, l.Tax, err = lineAmounts(q, price, discount, vat); err != nil {
			return bad("Line %d: the amount is too large", rl.LineNo)
		}
		o.Lines = append(o.Lines, l)
	}
	o.Net, o.Tax, o.Gross = totals(o.Lines)
	return o, nil, nil
}

// reject records a refused request (when it has an id) and answers CRM.
func (s *Service) reject(ctx context.Context, req domain.OrderRequested, r rejection) error {
	if req.RequestID != "" {
		if _, err := s.DB.Exec(ctx, `INSERT INTO so_request (request_id, quote_id, outcome, order_id, reason_code, reason, created_at)
			VALUES ($1, $2, 'rejected', '', $3, $4, $5)`, req.RequestID, req.QuoteID, r.code, r.reason, db.Millis(s.now())); err != nil {
			return fmt.Errorf("sales: record rejected request: %w", err)
		}
	}
	if err := s.record(ctx, "erp.sales.request.rejected", "erp.sales.request", req.RequestID, nil,
		map[string]any{"quote_id": req.QuoteID, "reason_code": r.code, "reason": r.reason}); err != nil {
		return err
	}
	return s.emitRejected(ctx, req, r)
}

func (s *Service) emitRejected(ctx context.Context, req domain.OrderRequested, r rejection) error {
	subject := req.QuoteID
	if subject == "" {
		subject = req.RequestID
	}
	_, err := outbox.Emit(ctx, s.DB, domain.EventRejected, 1, subject, domain.Rejected{
		RequestID: req.RequestID, QuoteID: req.QuoteID, ReasonCode: r.code, Reason: r.reason})
	return err
}

// accepted tells CRM the order's number, promise date and each line's reservation.
func (s *Service) accepted(ctx context.Context, req domain.OrderRequested, o domain.SalesOrder) error {
	ev := domain.Accepted{RequestID: req.RequestID, QuoteID: o.QuoteID, SOID: o.ID, SONumber: o.Number, PromiseDate: o.PromiseDate,
		Lines: make([]domain.AcceptedLine, 0, len(o.Lines))}
	if ev.PromiseDate == "" {
		ev.PromiseDate = max(o.OrderDate, o.RequestedDate)
	}
	for _, l := range o.Lines {
		promise := l.PromiseDate
		if promise == "" {
			promise = ev.PromiseDate
		}
		ev.Lines = append(ev.Lines, domain.AcceptedLine{LineNo: l.LineNo, Reserved: l.Reserved, Backordered: money.QuantityFromUnits(l.Short()), PromiseDate: promise})
	}
	_, err := outbox.Emit(ctx, s.DB, domain.EventAccepted, 1, o.QuoteID, ev)
	return err
}
