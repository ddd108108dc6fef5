package receivables

import (
	"context"

	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
)

// SetOrders sets where sales orders are read (the sales module's
// salesorders.Orders); orders returns nil while no sales module is wired.
// With it, an invoice from a shipment carries the order's prices, and a
// credit position says what the customer's open orders are worth.
func (s *Service) SetOrders(orders func() salesorders.Orders) { s.orders = orders }

func (s *Service) salesOrders() salesorders.Orders {
	if s.orders == nil {
		return nil
	}
	return s.orders()
}

// orderPricing reads the sales order of a shipment invoice: its currency
// and number go on the invoice, and the returned pricing says which order
// lines each shipped item came from. Without a sales module, or an order
// or shipment it does not know, every line keeps its list price.
func (s *Service) orderPricing(ctx context.Context, in *InvoiceInput, sh *Shipment) (pricing, error) {
	so := s.salesOrders()
	if so == nil || in.SOID == "" {
		return pricing{}, nil
	}
	o, err := so.OrderLines(ctx, in.SOID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return pricing{}, nil
	}
	if err != nil {
		return pricing{}, err
	}
	if o.Currency != "" {
		in.Currency = o.Currency
	}
	if in.SONumber == "" {
		in.SONumber = o.Number
	}
	lines := map[int]salesorders.Line{}
	first := map[string]int{}
	for _, l := range o.Lines {
		lines[l.LineNo] = l
		if _, ok := first[l.ItemID]; !ok {
			first[l.ItemID] = l.LineNo
		}
	}
	p := pricing{lines: lines, left: map[int][]pricedQty{}}
	shipped, err := so.ShipmentLines(ctx, sh.ID)
	if err != nil && apperr.KindOf(err) != apperr.KindNotFound {
		return pricing{}, err
	}
	done, err := s.invoicedByOrderLine(ctx, sh.ID)
	if err != nil {
		return pricing{}, err
	}
	for _, sl := range sh.Lines {
		var parts []pricedQty
		for _, x := range shipped {
			if x.ItemID != sl.ItemID {
				continue
			}
			left, err := x.Quantity.Sub(done[[2]int{sl.LineNo, x.LineNo}])
			if err != nil {
				return pricing{}, err
			}
			if l, ok := lines[x.LineNo]; ok && left.Sign() > 0 {
				parts = append(parts, pricedQty{line: &l, qty: left})
			}
		}
		if len(parts) == 0 { // the sales module does not say: the item's first order line
			if l, ok := lines[first[sl.ItemID]]; ok {
				parts = append(parts, pricedQty{line: &l, qty: sl.Left})
			}
		}
		p.left[sl.LineNo] = parts
	}
	return p, nil
}

// invoicedByOrderLine sums what posted invoices billed of a shipment, by
// shipment line and sales order line.
func (s *Service) invoicedByOrderLine(ctx context.Context, shipmentID string) (map[[2]int]money.Quantity, error) {
	rows, err := s.db.Query(ctx, `SELECT l.shipment_line, l.so_line, COALESCE(sum(l.quantity), 0) FROM fin_invoice_line l
		JOIN fin_invoice i ON i.id = l.invoice_id WHERE i.shipment_id = $1 AND i.kind = 'invoice' AND i.status = 'posted'
		AND l.shipment_line > 0 GROUP BY l.shipment_line, l.so_line`, shipmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]int]money.Quantity{}
	for rows.Next() {
		var (
			sl, ol int
			q      money.Quantity
		)
		if err := rows.Scan(&sl, &ol, &q); err != nil {
			return nil, err
		}
		out[[2]int{sl, ol}] = q
	}
	return out, rows.Err()
}

// pricing is which sales order lines the quantities still to invoice of a
// shipment's lines came from.
type pricing struct {
	lines map[int]salesorders.Line
	left  map[int][]pricedQty // by shipment line: the order lines' quantities still to invoice
}

// pricedQty is a quantity at an order line's price; line nil is the list price.
type pricedQty struct {
	line *salesorders.Line
	qty  money.Quantity
}

// split divides a quantity picked of a shipment line over the order lines
// it was shipped from, in order line order; what the order lines do not
// cover goes at the last one's price (or the list price).
func (p pricing) split(sl ShipmentLine, qty money.Quantity) []pricedQty {
	var out []pricedQty
	var last *salesorders.Line
	for _, part := range p.left[sl.LineNo] {
		if qty.Sign() <= 0 {
			break
		}
		take := part.qty
		if take.Cmp(qty) > 0 {
			take = qty
		}
		out = append(out, pricedQty{line: part.line, qty: take})
		qty, _ = qty.Sub(take)
		last = part.line
	}
	if qty.Sign() > 0 {
		if len(out) > 0 {
			out[len(out)-1].qty, _ = out[len(out)-1].qty.Add(qty)
		} else {
			out = append(out, pricedQty{line: last, qty: qty})
		}
	}
	return out
}

// netPrice is a unit price less a discount fraction, half-up to the
// price's six decimals.
func netPrice(p money.UnitPrice, discount money.Rate) (money.UnitPrice, error) {
	if discount.IsZero() {
		return p, nil
	}
	one := money.MustRate("1")
	keep, err := one.Sub(discount)
	if err != nil {
		return p, err
	}
	d, err := p.Decimal().Mul(keep.Decimal())
	if err != nil {
		return p, err
	}
	return money.UnitPriceFromDecimal(d, money.RoundHalfUp)
}

// openOrders is what a customer's open sales orders are worth in the base
// currency, each currency at the rate of today (a currency without a rate
// counts nothing); 0 without a sales module.
func (s *Service) openOrders(ctx context.Context, customerID, base, today string) (money.Amount, error) {
	so := s.salesOrders()
	var total money.Amount
	if so == nil {
		return total, nil
	}
	by, err := so.OpenOrdersValue(ctx, customerID)
	if err != nil {
		return total, err
	}
	for cur, v := range by {
		if cur != base {
			r, ok, err := s.ledger.RateFor(systemCtx(ctx), cur, today)
			if err != nil {
				return total, err
			}
			if !ok {
				continue
			}
			if v, err = v.MulRate(r, money.RoundHalfUp); err != nil {
				return total, err
			}
		}
		if total, err = total.Add(v); err != nil {
			return total, err
		}
	}
	return total, nil
}

// EventOrderStatusChanged is the sales module's event of an order that was
// confirmed, shipped, closed or cancelled: its open value changed.
const EventOrderStatusChanged = "erp.sales_order.status_changed"

// OrderChanged recomputes the credit position of a sales order's customer,
// since what its open orders are worth changed; erp.customer_credit.changed
// goes out when the position moved. An order or customer finance does not
// know changes nothing.
func (s *Service) OrderChanged(ctx context.Context, orderID string) error {
	so := s.salesOrders()
	if so == nil || orderID == "" {
		return nil
	}
	ctx = systemCtx(ctx)
	o, err := so.OrderLines(ctx, orderID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		err := s.refreshCredit(ctx, o.CustomerID)
		if isNotFound(err) {
			return nil
		}
		return err
	})
}
