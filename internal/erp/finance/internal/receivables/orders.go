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

// orderPrices sets the invoice lines of a shipment to its sales order's
// prices: each item at the order line's unit price less its discount and
// at its VAT rate, in the order's currency. Items the order does not have
// keep the list price; without a sales module nothing changes.
func (s *Service) orderPrices(ctx context.Context, in *InvoiceInput, shipped []ShipmentLine) error {
	so := s.salesOrders()
	if so == nil || in.SOID == "" {
		return nil
	}
	o, err := so.OrderLines(ctx, in.SOID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Currency != "" {
		in.Currency = o.Currency
	}
	if in.SONumber == "" {
		in.SONumber = o.Number
	}
	byItem := map[string]salesorders.Line{}
	for _, l := range o.Lines {
		if _, ok := byItem[l.ItemID]; !ok { // the first line of an item sets its price
			byItem[l.ItemID] = l
		}
	}
	for i := range in.Lines {
		if i >= len(shipped) {
			break
		}
		l, ok := byItem[shipped[i].ItemID]
		if !ok {
			continue
		}
		price, err := netPrice(l.UnitPrice, l.Discount)
		if err != nil {
			return err
		}
		vat := l.VATRate
		in.Lines[i].UnitPrice, in.Lines[i].VATRate = price, &vat
	}
	return nil
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
