package receivables_test

import (
	"context"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/sales/salesorders"
	"github.com/loom-erp/loom/internal/erp/sales/salesreturns"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// returnBook answers the sales returns' read contract from fixed returns,
// as the sales module would.
type returnBook map[string]salesreturns.Return

func (b returnBook) Return(_ context.Context, id string) (salesreturns.Return, error) {
	if r, ok := b[id]; ok {
		return r, nil
	}
	return salesreturns.Return{}, apperr.NotFound("return", id)
}

func (b returnBook) Received(context.Context) ([]salesreturns.Return, error) {
	var out []salesreturns.Return
	for _, r := range b {
		if r.Status == salesreturns.StatusReceived {
			out = append(out, r)
		}
	}
	return out, nil
}

func TestCreditNoteFromReturn(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := newEnv(t, cfg)
		ar := receivables.New(e.l, func() receivables.Items { return items }, func() time.Time { return clock })
		const (
			so  = "0196b2c4-0000-7000-8000-0000000000s1"
			sh  = "0196b2c4-0000-7000-8000-0000000000d1"
			ret = "0196b2c4-0000-7000-8000-0000000000e1"
			exp = "0196b2c4-0000-7000-8000-0000000000e2"
		)
		ar.SetOrders(func() salesorders.Orders {
			return orderBook{so: {ID: so, Number: "SO-2026-000007", CustomerID: ningbo, Currency: "CNY", Status: "partially_shipped", Lines: []salesorders.Line{
				{LineNo: 1, ItemID: housing, Quantity: money.MustQuantity("200"), UnitPrice: money.MustUnitPrice("80"), Discount: money.MustRate("0.05"), VATRate: money.MustRate("0.13")},
				{LineNo: 2, ItemID: cover, Quantity: money.MustQuantity("3"), UnitPrice: money.MustUnitPrice("12.3456"), VATRate: money.MustRate("0.09")},
			}}}
		})
		book := returnBook{
			ret: {ID: ret, Number: "RT-2026-000001", CustomerID: ningbo, CustomerName: "宁波", ShipmentID: sh, ShipmentNumber: "SH-2026-000001",
				Status: salesreturns.StatusReceived, Lines: []salesreturns.Line{
					{LineNo: 1, ItemID: housing, ItemCode: "FG-1001", Quantity: money.MustQuantity("10"), Received: money.MustQuantity("10")},
					{LineNo: 2, ItemID: cover, Quantity: money.MustQuantity("1"), Received: money.MustQuantity("1")},
				}},
			exp: {ID: exp, Number: "RT-2026-000002", CustomerID: ningbo, ShipmentID: sh, Status: "expected",
				Lines: []salesreturns.Line{{LineNo: 1, ItemID: housing, Quantity: money.MustQuantity("1")}}},
		}
		in := receivables.ReturnCreditInput{ReturnID: ret, Date: "2026-11-20"}

		// Without the sales module there is nothing to credit.
		if _, err := ar.CreateReturnCreditNote(e.ctx, in); err == nil {
			t.Fatal("credited a return without the sales module")
		} else {
			wantField(t, err, "return_id", "fin.ret.error.no_sales")
		}
		ar.SetReturns(func() salesreturns.Returns { return book })
		if err := ar.ApplyAccount(e.ctx, receivables.Account{ID: ningbo, Code: "C001", Name: "宁波华翔汽车零部件有限公司", Currency: "CNY", OwnerID: liLei, Status: "active"}); err != nil {
			t.Fatal(err)
		}
		if err := ar.ApplyShipment(e.ctx, shipped(sh, "SH-2026-000001", ningbo)); err != nil {
			t.Fatal(err)
		}
		// Not invoiced yet: refused on return_id.
		_, err := ar.CreateReturnCreditNote(e.ctx, in)
		wantField(t, err, "return_id", "fin.ret.error.not_invoiced")
		inv, err := ar.CreateInvoiceForShipment(e.ctx, sh)
		if err != nil {
			t.Fatal(err)
		}
		if inv, err = ar.PostInvoice(e.ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		list, err := ar.ReturnsToCredit(e.ctx)
		if err != nil || len(list) != 1 || list[0].InvoiceID != inv.ID || list[0].CreditNoteID != "" {
			t.Fatalf("returns to credit = %+v, %v", list, err)
		}

		// Bad inputs name their field and write nothing.
		_, err = ar.CreateReturnCreditNote(e.ctx, receivables.ReturnCreditInput{Date: "2026-11-20"})
		wantField(t, err, "return_id", "fin.error.required")
		_, err = ar.CreateReturnCreditNote(e.ctx, receivables.ReturnCreditInput{ReturnID: "0196b2c4-0000-7000-8000-0000000000e9", Date: "2026-11-20"})
		wantField(t, err, "return_id", "fin.ret.error.unknown")
		_, err = ar.CreateReturnCreditNote(e.ctx, receivables.ReturnCreditInput{ReturnID: exp, Date: "2026-11-20"})
		wantField(t, err, "return_id", "fin.ret.error.not_received")
		_, err = ar.CreateReturnCreditNote(e.ctx, receivables.ReturnCreditInput{ReturnID: ret, Date: "2026-13-01"})
		wantField(t, err, "date", "fin.error.date_invalid")
		if _, err := ar.CreateReturnCreditNote(asRep(liLei, finance.PermInvoiceRead), in); apperr.KindOf(err) != apperr.KindForbidden {
			t.Fatalf("without invoice write: %v", err)
		}

		// The credit note: the quantities received back at the invoice's
		// prices. 10 × 76 = 760.00 + 98.80 VAT; 1 × 12.3456 = 12.35 + 9% 1.1115 → 1.11.
		cn, err := ar.CreateReturnCreditNote(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if cn.Kind != receivables.KindCreditNote || cn.CreditOf != inv.ID || cn.Memo != "RT-2026-000001" || len(cn.Lines) != 2 ||
			cn.Lines[0].Quantity.String() != "10" || cn.Lines[0].UnitPrice.String() != "76" || cn.Lines[0].Tax.String() != "98.80" ||
			cn.Lines[1].Net.String() != "12.35" || cn.Lines[1].Tax.String() != "1.11" || cn.Gross.String() != "872.26" {
			t.Fatalf("credit note = %+v", cn)
		}
		// One credit note per return; deleting the draft frees the return.
		_, err = ar.CreateReturnCreditNote(e.ctx, in)
		wantField(t, err, "return_id", "fin.ret.error.credited")
		if err := ar.DeleteInvoice(e.ctx, cn.ID, cn.Version); err != nil {
			t.Fatal(err)
		}
		if cn, err = ar.CreateReturnCreditNote(e.ctx, in); err != nil {
			t.Fatal(err)
		}
		if cn, err = ar.PostInvoice(e.ctx, cn.ID); err != nil {
			t.Fatal(err)
		}
		got, err := ar.Invoice(e.ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if open, _ := inv.Gross.Sub(cn.Gross); got.Open.String() != open.String() {
			t.Fatalf("invoice open %s after crediting %s of %s", got.Open, cn.Gross, inv.Gross)
		}
		list, _ = ar.ReturnsToCredit(e.ctx)
		if len(list) != 1 || list[0].CreditNoteID != cn.ID {
			t.Fatalf("returns to credit after posting = %+v", list)
		}
		evs := e.events(finance.EventInvoicePosted)
		if last := evs[len(evs)-1]; last["kind"] != "credit_note" || last["gross"] != "-872.26" {
			t.Fatalf("credit note event: %v", last)
		}
		if len(e.events(finance.EventCreditChanged)) == 0 {
			t.Fatal("no credit position event")
		}
		e.mustCheck()
	})
}
