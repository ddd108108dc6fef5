package sales

import (
	"context"
	"slices"

	"github.com/loom-erp/loom/internal/erp/sales/internal/core"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/money"
)

// OrderLine and OrderInfo are the read contract of orders (package salesorders).
type (
	OrderLine = salesorders.Line
	OrderInfo = salesorders.Order
)

// From returns the sales orders' read contract wired in this process, or nil.
var From = salesorders.From

// orders answers salesorders.Orders from the sales service, as Loom itself.
type orders struct{ s *core.Service }

var _ salesorders.Orders = orders{}

func sys(ctx context.Context) context.Context { return authz.WithPrincipal(ctx, authz.System()) }

func (o orders) OrderLines(ctx context.Context, id string) (salesorders.Order, error) {
	so, err := o.s.Order(sys(ctx), id)
	if err != nil {
		return salesorders.Order{}, err
	}
	out := salesorders.Order{ID: so.ID, Number: so.Number, CustomerID: so.CustomerID, Currency: so.Currency, Status: string(so.Status)}
	for _, l := range so.Lines {
		out.Lines = append(out.Lines, salesorders.Line{LineNo: l.LineNo, ItemID: l.ItemID, ItemCode: l.ItemCode, Quantity: l.Quantity,
			Shipped: l.Shipped, UnitPrice: l.UnitPrice, Discount: l.Discount, VATRate: l.VATRate, Net: l.Net})
	}
	return out, nil
}

func (o orders) ShipmentLines(ctx context.Context, shipmentID string) ([]salesorders.ShippedLine, error) {
	sh, err := o.s.Shipment(sys(ctx), shipmentID)
	if err != nil {
		return nil, err
	}
	byLine := map[int]int{}
	var out []salesorders.ShippedLine
	for _, l := range sh.Lines {
		i, ok := byLine[l.LineNo]
		if !ok {
			byLine[l.LineNo] = len(out)
			out = append(out, salesorders.ShippedLine{LineNo: l.LineNo, ItemID: l.ItemID, Quantity: l.Quantity})
			continue
		}
		q, err := out[i].Quantity.Add(l.Quantity)
		if err != nil {
			return nil, err
		}
		out[i].Quantity = q
	}
	slices.SortFunc(out, func(a, b salesorders.ShippedLine) int { return a.LineNo - b.LineNo })
	return out, nil
}

// openStatuses are the statuses of orders confirmed and still to ship.
var openStatuses = map[domain.Status]bool{
	domain.StatusConfirmed: true, domain.StatusPartiallyReserved: true, domain.StatusReserved: true, domain.StatusPartiallyShipped: true,
}

func (o orders) OpenOrdersValue(ctx context.Context, customerID string) (map[string]money.Amount, error) {
	ctx = sys(ctx)
	out := map[string]money.Amount{}
	cursor := ""
	for {
		page, err := o.s.Orders(ctx, domain.OrderFilter{CustomerID: customerID, Open: true, Cursor: cursor, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, head := range page.Orders {
			if !openStatuses[head.Status] {
				continue
			}
			so, err := o.s.Order(ctx, head.ID)
			if err != nil {
				return nil, err
			}
			for _, l := range so.Lines {
				left, err := l.Quantity.Sub(l.Shipped)
				if err != nil || left.Sign() <= 0 || l.Quantity.Sign() <= 0 {
					continue
				}
				// The unshipped share of the line's net and VAT.
				gross, err := l.Net.Add(l.Tax)
				if err != nil {
					return nil, err
				}
				prod, err := gross.Decimal().Mul(left.Decimal())
				if err != nil {
					return nil, err
				}
				share, err := prod.Quo(l.Quantity.Decimal())
				if err != nil {
					return nil, err
				}
				v, err := money.AmountFromDecimal(share, money.RoundHalfUp)
				if err != nil {
					return nil, err
				}
				if out[so.Currency], err = out[so.Currency].Add(v); err != nil {
					return nil, err
				}
			}
		}
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}
