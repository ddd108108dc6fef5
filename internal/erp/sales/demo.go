package sales

import (
	"context"
	"fmt"
	"io"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// demo enters a few sales orders of the demo company: one reserved in
// full, one with a line short (a backorder), one shipped in part, and a
// draft.
func demo(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	svc := serviceOf(env)
	if svc == nil {
		return fmt.Errorf("sales demo: the sales module is not wired")
	}
	partners := partner.From(env.Services)
	customers, err := partners.ActiveCustomers(ctx, 10)
	if err != nil {
		return err
	}
	if len(customers) == 0 {
		fmt.Fprintln(log, "demo: sales: no customers, no orders")
		return nil
	}
	cust := func(i int) string { return customers[i%len(customers)].ID }
	line := func(item, qty string) domain.SalesLineInput {
		return domain.SalesLineInput{Item: item, Quantity: money.MustQuantity(qty)}
	}
	orders := []struct {
		in      domain.SalesOrderInput
		confirm bool
		ship    []domain.SalesPickInput
	}{
		{domain.SalesOrderInput{CustomerID: cust(0), Notes: "月度滚动订单", Lines: []domain.SalesLineInput{
			line(catalog.DemoGearbox, "60"), line(catalog.DemoEndCover, "200")}}, true, nil},
		{domain.SalesOrderInput{CustomerID: cust(1), Notes: "含欠交", Lines: []domain.SalesLineInput{
			line(catalog.DemoEndCover, "400"), line(catalog.DemoGearbox, "150")}}, true, nil},
		{domain.SalesOrderInput{CustomerID: cust(0), Lines: []domain.SalesLineInput{
			line(catalog.DemoEndCover, "100"), line(catalog.DemoMachining, "8")}}, true,
			[]domain.SalesPickInput{{LineNo: 1, Location: "FG-A01", Lot: "MEC-2603-07", Quantity: money.MustQuantity("60")}}},
		{domain.SalesOrderInput{CustomerID: cust(1), Notes: "待客户确认", Lines: []domain.SalesLineInput{
			line(catalog.DemoPumpBody, "2")}}, false, nil},
	}
	for _, d := range orders {
		o, err := svc.CreateOrder(ctx, d.in)
		if err != nil {
			return fmt.Errorf("sales demo: order: %w", err)
		}
		if !d.confirm {
			continue
		}
		if _, err := svc.ConfirmOrder(ctx, o.ID); err != nil {
			return fmt.Errorf("sales demo: confirm %s: %w", o.Number, err)
		}
		if d.ship != nil {
			if _, err := svc.Ship(ctx, o.ID, domain.SalesShipInput{Carrier: "顺丰速运", TrackingNo: "SF1000012345", Lines: d.ship}); err != nil {
				return fmt.Errorf("sales demo: ship %s: %w", o.Number, err)
			}
		}
	}
	fmt.Fprintf(log, "demo: sales has %d orders\n", len(orders))
	return nil
}
