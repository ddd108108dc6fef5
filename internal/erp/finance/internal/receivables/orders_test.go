package receivables_test

import (
	"context"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// orderBook answers the sales orders' read contract from a fixed order, as
// the sales module would.
type orderBook map[string]salesorders.Order

func (b orderBook) OrderLines(_ context.Context, id string) (salesorders.Order, error) {
	if o, ok := b[id]; ok {
		return o, nil
	}
	return salesorders.Order{}, apperr.NotFound("sales order", id)
}

func (b orderBook) OpenOrdersValue(_ context.Context, customerID string) (map[string]money.Amount, error) {
	out := map[string]money.Amount{}
	for _, o := range b {
		if o.CustomerID == customerID {
			out[o.Currency], _ = out[o.Currency].Add(money.MustAmount("1130.00"))
		}
	}
	return out, nil
}

func (b orderBook) ShipmentLines(_ context.Context, id string) ([]salesorders.ShippedLine, error) {
	return nil, apperr.NotFound("shipment", id)
}

func TestInvoicePricesFromOrder(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		ar := receivables.New(e.l, func() receivables.Items { return items }, func() time.Time { return clock })
		book := orderBook{"0196b2c4-0000-7000-8000-0000000000s1": {ID: "0196b2c4-0000-7000-8000-0000000000s1", Number: "SO-2026-000007",
			CustomerID: ningbo, Currency: "CNY", Status: "partially_shipped", Lines: []salesorders.Line{
				{LineNo: 1, ItemID: housing, Quantity: money.MustQuantity("200"), UnitPrice: money.MustUnitPrice("80"), Discount: money.MustRate("0.05"), VATRate: money.MustRate("0.13")},
				{LineNo: 2, ItemID: cover, Quantity: money.MustQuantity("3"), UnitPrice: money.MustUnitPrice("12.3456"), VATRate: money.MustRate("0.09")},
			}}}
		ar.SetOrders(func() salesorders.Orders { return book })
		const sh = "0196b2c4-0000-7000-8000-0000000000d1"
		if err := ar.ApplyAccount(e.ctx, receivables.Account{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", OwnerID: liLei, Status: "active"}); err != nil {
			t.Fatal(err)
		}
		if err := ar.ApplyShipment(e.ctx, shipped(sh, "SH-2026-000001", ningbo)); err != nil {
			t.Fatal(err)
		}
		inv, err := ar.CreateInvoiceForShipment(e.ctx, sh)
		if err != nil {
			t.Fatal(err)
		}
		// 100 × 80 less 5% = 100 × 76 = 7600.00, VAT 988.00; 3 × 12.3456 = 37.0368 → 37.04, VAT 9% 3.3336 → 3.33.
		if inv.SOID != "0196b2c4-0000-7000-8000-0000000000s1" || len(inv.Lines) != 2 ||
			inv.Lines[0].UnitPrice.String() != "76" || inv.Lines[0].Net.String() != "7600.00" || inv.Lines[0].Tax.String() != "988.00" ||
			inv.Lines[1].UnitPrice.String() != "12.3456" || inv.Lines[1].Net.String() != "37.04" || inv.Lines[1].Tax.String() != "3.33" {
			t.Fatalf("invoice: so %s lines %+v", inv.SOID, inv.Lines)
		}
		// The credit position tells what the open orders are worth.
		c, err := ar.Credit(e.ctx, ningbo)
		if err != nil || c.OpenOrders.String() != "1130.00" {
			t.Fatalf("open orders: %+v %v", c, err)
		}
		// Without the sales module: list prices, as before.
		ar.SetOrders(func() salesorders.Orders { return nil })
		in, err := ar.InvoiceForShipment(e.ctx, sh)
		if err != nil || in.Lines[0].UnitPrice.String() != "85.5" {
			t.Fatalf("list prices: %+v %v", in, err)
		}
	})
}
