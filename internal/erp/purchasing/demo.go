package purchasing

import (
	"context"
	"fmt"
	"io"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// demoPrices are the demo suppliers' price lists (supplier code, item
// code, minimum quantity, price, lead time, inspection).
var demoPrices = []struct {
	supplier, item, min, price string
	lead                       int
	inspection                 bool
}{
	{"S-ALU-01", catalog.DemoIngot, "0", "18.8", 7, true},
	{"S-ALU-01", catalog.DemoIngot, "5000", "18.5", 7, true},
	{"S-INS-02", catalog.DemoInsert, "0", "0.42", 10, false},
	{"S-INS-02", catalog.DemoBolt, "0", "0.085", 10, false},
	{"S-PKG-03", catalog.DemoCarton, "0", "6.5", 3, false},
}

// demo enters the price lists and a few purchase orders of the demo
// company: a draft, one waiting for approval, one approved, one received
// in part into quarantine with a bill held for a price mismatch, and one
// received and billed in full.
func demo(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	svc, partners, stock := serviceOf(env), partner.From(env.Services), inventory.From(env.Services)
	if svc == nil || partners == nil || stock == nil {
		return fmt.Errorf("purchasing demo: the purchasing, partner and inventory modules are not wired")
	}
	sups, err := partners.ActiveSuppliers(ctx, 100)
	if err != nil {
		return err
	}
	byCode := map[string]string{}
	for _, s := range sups {
		byCode[s.Code] = s.ID
	}
	for _, p := range demoPrices {
		if byCode[p.supplier] == "" {
			fmt.Fprintf(log, "demo: purchasing: no supplier %s, no purchasing demo\n", p.supplier)
			return nil
		}
		if _, err := svc.AddPrice(ctx, domain.PurchasePriceInput{SupplierID: byCode[p.supplier], Item: p.item, MinQuantity: money.MustQuantity(p.min),
			UnitPrice: money.MustUnitPrice(p.price), LeadTimeDays: p.lead, Inspection: p.inspection}); err != nil {
			return fmt.Errorf("purchasing demo: price %s %s: %w", p.supplier, p.item, err)
		}
	}
	whs, err := stock.LookupWarehouses(ctx)
	if err != nil {
		return err
	}
	rm := ""
	for _, w := range whs {
		if w.Code == inventory.DemoWarehouseRM {
			rm = w.ID
		}
	}
	order := func(supplier, item, qty string) (domain.PurchaseOrder, error) {
		return svc.CreateOrder(ctx, domain.PurchaseOrderInput{SupplierID: byCode[supplier], WarehouseID: rm,
			Lines: []domain.PurchaseLineInput{{Item: item, Quantity: money.MustQuantity(qty)}}})
	}
	steps := []func() error{
		func() error { _, err := order("S-PKG-03", catalog.DemoCarton, "500"); return err },
		func() error {
			o, err := order("S-ALU-01", catalog.DemoIngot, "5000")
			if err == nil {
				_, err = svc.Submit(ctx, o.ID)
			}
			return err
		},
		func() error {
			o, err := order("S-INS-02", catalog.DemoInsert, "10000")
			if err == nil {
				_, err = svc.Submit(ctx, o.ID)
			}
			return err
		},
		func() error {
			o, err := order("S-ALU-01", catalog.DemoIngot, "2000")
			if err != nil {
				return err
			}
			if o, err = svc.Submit(ctx, o.ID); err != nil {
				return err
			}
			if _, err = svc.Receive(ctx, domain.PurchaseReceiptInput{OrderID: o.ID, Location: inventory.DemoLocQC, Lot: "AL2611-017",
				Quantity: money.MustQuantity("1200"), Reference: "HS-DN-20261118"}); err != nil {
				return err
			}
			price := money.MustUnitPrice("19.5")
			_, err = svc.EnterBill(ctx, domain.SupplierBillInput{OrderID: o.ID, InvoiceNo: "32000261180042",
				Lines: []domain.SupplierBillLineInput{{LineID: o.Lines[0].ID, Quantity: money.MustQuantity("1200"), UnitPrice: &price}}})
			return err
		},
		func() error {
			o, err := order("S-INS-02", catalog.DemoBolt, "20000")
			if err != nil {
				return err
			}
			if o, err = svc.Submit(ctx, o.ID); err != nil {
				return err
			}
			if _, err = svc.Receive(ctx, domain.PurchaseReceiptInput{OrderID: o.ID, Location: inventory.DemoLocRM,
				Quantity: money.MustQuantity("20000")}); err != nil {
				return err
			}
			_, err = svc.EnterBill(ctx, domain.SupplierBillInput{OrderID: o.ID, InvoiceNo: "33020261120007",
				Lines: []domain.SupplierBillLineInput{{LineID: o.Lines[0].ID, Quantity: money.MustQuantity("20000")}}})
			return err
		},
	}
	steps = append(steps, func() error {
		_, err := svc.SetReorder(ctx, domain.PurchaseReorderInput{Item: catalog.DemoCarton, WarehouseID: rm, Min: money.MustQuantity("2000"),
			Max: money.MustQuantity("4000"), Safety: money.MustQuantity("200")})
		if err == nil {
			_, err = svc.CreateRequisition(ctx, domain.PurchaseRequisitionInput{Item: catalog.DemoInsert, WarehouseID: rm,
				Quantity: money.MustQuantity("5000"), NeededDate: erpkit.AddDays(erpkit.Today(env.Now()), 14), Reason: "新模具试产"})
		}
		return err
	})
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("purchasing demo: step %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(log, "demo: purchasing: %d prices, %d orders, a reorder point and a requisition\n", len(demoPrices), len(steps)-1)
	return nil
}
