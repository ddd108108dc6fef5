package receivables_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// shippedBook is an order book that also says which order lines a
// shipment took, as the sales module does.
type shippedBook struct {
	orderBook
	shipped map[string][]salesorders.ShippedLine
}

func (b shippedBook) ShipmentLines(_ context.Context, id string) ([]salesorders.ShippedLine, error) {
	if l, ok := b.shipped[id]; ok {
		return l, nil
	}
	return nil, apperr.NotFound("shipment", id)
}

// TestPartialInvoicing bills one shipment over several invoices: each
// invoice bills chosen lines and quantities at the price of the order
// line they were shipped from, never more than is left of a line.
func TestPartialInvoicing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		ar := receivables.New(e.l, func() receivables.Items { return items }, func() time.Time { return clock })
		const (
			so  = "0196b2c4-0000-7000-8000-0000000000s1"
			sh  = "0196b2c4-0000-7000-8000-0000000000d1"
			sh2 = "0196b2c4-0000-7000-8000-0000000000d2"
		)
		// 壳体 is on two order lines at different prices; the shipment took 60 of line 1 and 40 of line 2.
		book := shippedBook{orderBook: orderBook{so: {ID: so, Number: "SO-2026-000007", CustomerID: ningbo, Currency: "CNY",
			Status: "shipped", Lines: []salesorders.Line{
				{LineNo: 1, ItemID: housing, Quantity: money.MustQuantity("60"), UnitPrice: money.MustUnitPrice("80"), VATRate: money.MustRate("0.13")},
				{LineNo: 2, ItemID: housing, Quantity: money.MustQuantity("40"), UnitPrice: money.MustUnitPrice("90"), VATRate: money.MustRate("0.13")},
				{LineNo: 3, ItemID: cover, Quantity: money.MustQuantity("3"), UnitPrice: money.MustUnitPrice("12"), VATRate: money.MustRate("0.09")},
			}}}, shipped: map[string][]salesorders.ShippedLine{sh: {
			{LineNo: 1, ItemID: housing, Quantity: money.MustQuantity("60")},
			{LineNo: 2, ItemID: housing, Quantity: money.MustQuantity("40")},
			{LineNo: 3, ItemID: cover, Quantity: money.MustQuantity("3")},
		}}}
		ar.SetOrders(func() salesorders.Orders { return book })
		for _, id := range []string{sh, sh2} {
			if err := ar.ApplyShipment(e.ctx, shipped(id, "SH-"+id[len(id)-2:], ningbo)); err != nil {
				t.Fatal(err)
			}
		}
		// Bad picks name the field and change nothing.
		_, err := ar.CreateInvoiceForShipment(e.ctx, sh, receivables.ShipmentPick{LineNo: 1, Quantity: money.MustQuantity("101")})
		wantField(t, err, "lines[0].quantity", "fin.error.shipment_over")
		_, err = ar.CreateInvoiceForShipment(e.ctx, sh, receivables.ShipmentPick{LineNo: 9, Quantity: money.MustQuantity("1")})
		wantField(t, err, "lines[0].line_no", "fin.error.shipment_line")
		_, err = ar.CreateInvoiceForShipment(e.ctx, sh, receivables.ShipmentPick{LineNo: 2, Quantity: money.MustQuantity("0")})
		wantField(t, err, "lines[0].quantity", "fin.error.quantity_invalid")
		if page, err := ar.Invoices(e.ctx, receivables.InvoiceFilter{}); err != nil || len(page.Invoices) != 0 {
			t.Fatalf("bad picks wrote invoices: %+v %v", page, err)
		}

		// The first invoice bills 70 壳体: 60 at line 1's price, 10 at line 2's.
		first, err := ar.CreateInvoiceForShipment(e.ctx, sh, receivables.ShipmentPick{LineNo: 1, Quantity: money.MustQuantity("70")})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Lines) != 2 || first.Lines[0].Quantity.String() != "60" || first.Lines[0].UnitPrice.String() != "80" ||
			first.Lines[0].SOLine != 1 || first.Lines[1].Quantity.String() != "10" || first.Lines[1].UnitPrice.String() != "90" ||
			first.Lines[1].SOLine != 2 || first.Lines[0].ShipmentLine != 1 || first.Net.String() != "5700.00" {
			t.Fatalf("first invoice lines %+v net %s", first.Lines, first.Net)
		}
		if _, err := ar.PostInvoice(e.ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		got, err := ar.Shipment(e.ctx, sh)
		if err != nil || got.InvoiceID != "" || !got.PartlyInvoiced() || got.Lines[0].Invoiced.String() != "70" || got.Lines[0].Left.String() != "30" {
			t.Fatalf("partly invoiced shipment %+v %v", got, err)
		}
		if open, _ := ar.Shipments(e.ctx, receivables.ShipmentFilter{Open: true}); len(open) != 2 {
			t.Fatalf("a partly invoiced shipment left the queue: %+v", open)
		}

		// A typed draft may not bill more than is left of a line.
		over := receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", SOID: so, ShipmentID: sh, Lines: []receivables.InvoiceLineInput{
			{ItemCode: "FG-1001", Quantity: money.MustQuantity("20"), UnitPrice: money.MustUnitPrice("90"), ShipmentLine: 1, SOLine: 2},
			{ItemCode: "FG-1001", Quantity: money.MustQuantity("11"), UnitPrice: money.MustUnitPrice("90"), ShipmentLine: 1, SOLine: 2},
		}}
		_, err = ar.CreateInvoice(e.ctx, over)
		wantField(t, err, "lines[1].quantity", "fin.error.shipment_over")
		over.Lines = over.Lines[:1]
		over.Lines[0].ShipmentLine = 2 // 端盖's line, not 壳体's
		_, err = ar.CreateInvoice(e.ctx, over)
		wantField(t, err, "lines[0].shipment_line", "fin.error.shipment_line")
		over.ShipmentID = ""
		_, err = ar.CreateInvoice(e.ctx, over)
		wantField(t, err, "lines[0].shipment_line", "fin.error.shipment_no_line")

		// Two drafts for the last 30 race at posting: one wins, the other is refused on its quantity.
		var drafts []string
		for range 2 {
			d, err := ar.CreateInvoiceForShipment(e.ctx, sh, receivables.ShipmentPick{LineNo: 1, Quantity: money.MustQuantity("30")})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Lines) != 1 || d.Lines[0].UnitPrice.String() != "90" || d.Lines[0].SOLine != 2 {
				t.Fatalf("rest of 壳体: %+v", d.Lines)
			}
			drafts = append(drafts, d.ID)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range drafts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = ar.PostInvoice(e.ctx, id)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				wantField(t, err, "lines[0].quantity", "fin.error.shipment_over")
			}
		}
		if won != 1 {
			t.Fatalf("postings of the last 30: %v", errs)
		}

		// What is left is 端盖: the last invoice bills it and marks the shipment invoiced.
		in, err := ar.InvoiceForShipment(e.ctx, sh)
		if err != nil || len(in.Lines) != 1 || in.Lines[0].ItemCode != "FG-1002" || in.Lines[0].UnitPrice.String() != "12" || in.Lines[0].SOLine != 3 {
			t.Fatalf("rest: %+v %v", in, err)
		}
		last, err := ar.CreateInvoice(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if last, err = ar.PostInvoice(e.ctx, last.ID); err != nil {
			t.Fatal(err)
		}
		got, err = ar.Shipment(e.ctx, sh)
		if err != nil || got.InvoiceID != last.ID || got.PartlyInvoiced() {
			t.Fatalf("invoiced shipment %+v %v", got, err)
		}
		if _, err := ar.InvoiceForShipment(e.ctx, sh); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("invoice for an invoiced shipment: %v", err)
		}

		// An invoice naming no shipment line bills a whole shipment, which
		// may not be partly invoiced already.
		part, err := ar.CreateInvoiceForShipment(e.ctx, sh2, receivables.ShipmentPick{LineNo: 2, Quantity: money.MustQuantity("1")})
		if err != nil {
			t.Fatal(err)
		}
		whole := receivables.InvoiceInput{CustomerID: ningbo, Date: "2026-11-10", ShipmentID: sh2, Lines: []receivables.InvoiceLineInput{
			{ItemCode: "FG-1001", Quantity: money.MustQuantity("100"), UnitPrice: money.MustUnitPrice("80")}}}
		wholeInv, err := ar.CreateInvoice(e.ctx, whole)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ar.PostInvoice(e.ctx, part.ID); err != nil {
			t.Fatal(err)
		}
		_, err = ar.PostInvoice(e.ctx, wholeInv.ID)
		wantField(t, err, "shipment_id", "fin.error.shipment_partly")
		e.mustCheck()
	})
}
