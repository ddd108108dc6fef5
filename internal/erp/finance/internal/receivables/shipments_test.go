package receivables_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// fakeCatalog is a catalog of two items.
type fakeCatalog map[string]catalog.Item

func (c fakeCatalog) LookupItemByCode(_ context.Context, code string) (catalog.Item, error) {
	for _, it := range c {
		if it.Code == code {
			return it, nil
		}
	}
	return catalog.Item{}, apperr.NotFound("item", code)
}

func (c fakeCatalog) LookupItems(_ context.Context, ids []string) (map[string]catalog.Item, error) {
	out := map[string]catalog.Item{}
	for _, id := range ids {
		if it, ok := c[id]; ok {
			out[id] = it
		}
	}
	return out, nil
}

const (
	housing = "0196b2c4-0000-7000-8000-0000000000a1"
	cover   = "0196b2c4-0000-7000-8000-0000000000a2"
)

var items = fakeCatalog{
	housing: {ID: housing, Code: "FG-1001", Name: "ADC12 压铸壳体", Spec: "DC-2231", UoM: "件", VATRate: money.MustRate("0.13"), ListPrice: money.MustUnitPrice("85.5")},
	cover:   {ID: cover, Code: "FG-1002", Name: "端盖", UoM: "件", VATRate: money.MustRate("0.13"), ListPrice: money.MustUnitPrice("12.34")},
}

func shipped(id, number, customer string) receivables.Shipped {
	return receivables.Shipped{ShipmentID: id, Number: number, SOID: "0196b2c4-0000-7000-8000-0000000000s1", SONumber: "SO-2026-000007",
		CustomerID: customer, Carrier: "顺丰速运", TrackingNo: "SF123", ShippedAt: time.Date(2026, 11, 9, 17, 30, 0, 0, time.UTC),
		Lines: []receivables.ShippedLine{{ItemID: housing, Quantity: money.MustQuantity("100")}, {ItemID: cover, Quantity: money.MustQuantity("3")}}}
}

func TestInvoicesFromShipments(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		ar := receivables.New(e.l, func() receivables.Items { return items }, func() time.Time { return clock })
		const (
			sh1 = "0196b2c4-0000-7000-8000-0000000000d1"
			sh2 = "0196b2c4-0000-7000-8000-0000000000d2"
		)
		for range 2 { // a redelivered event changes nothing
			if err := ar.ApplyShipment(e.ctx, shipped(sh1, "SH-2026-000001", ningbo)); err != nil {
				t.Fatal(err)
			}
		}
		if err := ar.ApplyShipment(e.ctx, shipped(sh2, "SH-2026-000002", suzhou)); err != nil {
			t.Fatal(err)
		}
		// The queue, within scope: li.lei sees only 宁波's shipment.
		rep := asRep(liLei, finance.PermInvoiceRead, finance.PermInvoiceWrite, finance.PermCustomerRead)
		open, err := ar.Shipments(rep, receivables.ShipmentFilter{Open: true})
		if err != nil || len(open) != 1 || open[0].ID != sh1 || open[0].Date != "2026-11-10" || open[0].Lines[0].ItemCode != "FG-1001" {
			t.Fatalf("rep's open shipments = %+v, %v", open, err)
		}
		if _, err := ar.Shipment(rep, sh2); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("another rep's shipment: %v", err)
		}

		// The invoice takes the shipment's customer, order and lines at list prices.
		in, err := ar.InvoiceForShipment(e.ctx, sh1)
		if err != nil {
			t.Fatal(err)
		}
		if in.CustomerID != ningbo || in.SONumber != "SO-2026-000007" || in.ShipmentID != sh1 || len(in.Lines) != 2 ||
			in.Lines[0].ItemCode != "FG-1001" || in.Lines[0].UnitPrice.String() != "85.5" {
			t.Fatalf("invoice input = %+v", in)
		}
		draft, err := ar.CreateInvoiceForShipment(e.ctx, sh1)
		if err != nil {
			t.Fatal(err)
		}
		// 100 × 85.50 = 8,550.00 + 1,111.50 VAT; 3 × 12.34 = 37.02 + 4.81 VAT.
		if draft.Net.String() != "8587.02" || draft.Tax.String() != "1116.31" || draft.Gross.String() != "9703.33" {
			t.Fatalf("draft totals %s + %s = %s", draft.Net, draft.Tax, draft.Gross)
		}
		// A second draft for the same shipment is allowed until one posts.
		second, err := ar.CreateInvoice(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// Two postings race: one bills the shipment, the other is refused on shipment_id.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []string{draft.ID, second.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = ar.PostInvoice(e.ctx, id)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantField(t, err, "shipment_id", "fin.error.shipment_invoiced")
			}
		}
		if ok != 1 {
			t.Fatalf("postings for one shipment: %v", errs)
		}
		if _, err := ar.CreateInvoice(e.ctx, in); err == nil {
			t.Fatal("a draft for an invoiced shipment was accepted")
		} else {
			wantField(t, err, "shipment_id", "fin.error.shipment_invoiced")
		}
		if _, err := ar.InvoiceForShipment(e.ctx, sh1); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("invoice for an invoiced shipment: %v", err)
		}
		sh, err := ar.Shipment(e.ctx, sh1)
		if err != nil || sh.InvoiceNumber == "" {
			t.Fatalf("billed shipment = %+v, %v", sh, err)
		}
		if open, _ := ar.Shipments(e.ctx, receivables.ShipmentFilter{Open: true}); len(open) != 1 || open[0].ID != sh2 {
			t.Fatalf("open shipments after billing = %+v", open)
		}
		// A shipment of another customer is refused on an invoice.
		in.ShipmentID, in.CustomerID = sh2, ningbo
		_, err = ar.CreateInvoice(e.ctx, in)
		wantField(t, err, "shipment_id", "fin.error.shipment_customer")
		e.mustCheck()
	})
}
