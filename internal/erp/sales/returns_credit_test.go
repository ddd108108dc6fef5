package sales_test

import (
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestReturnCreditNote: a return received in full reaches finance through
// the salesreturns read contract, and the accountant credits it against
// the invoice of its shipment at the invoiced price.
func TestReturnCreditNote(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		w := newWorld(t, s)
		acct := ct.NewClient(t, s, "huang.jing")
		var qc inventory.Location
		w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("QC-"), "type": "quarantine"}, 201, &qc)
		sh := w.shipOrder(t, "10", "10")
		s.WaitEvents(t)
		type invoice struct {
			ID    string `json:"id"`
			Gross string `json:"gross"`
			Lines []struct {
				Quantity  string `json:"quantity"`
				UnitPrice string `json:"unit_price"`
				Net       string `json:"net"`
			} `json:"lines"`
		}
		var inv invoice
		acct.Call(t, "POST", "/erp/finance/shipments/"+sh.ID+"/invoice", nil, 201, &inv)
		acct.Call(t, "POST", "/erp/finance/invoices/"+inv.ID+"/post", nil, 200, &inv)

		var r salesReturn
		w.clerk.Call(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh.Number, "reason": "客户拒收",
			"lines": []map[string]any{{"item": w.good.Code, "quantity": "3"}}}, 201, &r)
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		today := time.Now().In(loc).Format("2006-01-02")
		// Not received yet: refused on return_id.
		if p := acct.Fail(t, "POST", "/erp/finance/returns/"+r.ID+"/credit-note", map[string]any{"date": today}, 422); !p.Names("return_id", "fin.ret.error.not_received") {
			t.Fatalf("credit of an expected return: %v", p.Fields())
		}
		w.clerk.Call(t, "POST", "/erp/sales/returns/"+r.ID+"/receive", map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "LOT-A", "quantity": "3"}, 200, &r)
		if r.Status != "received" {
			t.Fatalf("return %+v", r)
		}
		var list struct {
			Items []struct {
				ReturnID  string `json:"return_id"`
				InvoiceID string `json:"invoice_id"`
			} `json:"items"`
		}
		acct.Call(t, "GET", "/erp/finance/returns", nil, 200, &list)
		found := false
		for _, x := range list.Items {
			found = found || (x.ReturnID == r.ID && x.InvoiceID == inv.ID)
		}
		if !found {
			t.Fatalf("returns to credit: %+v", list)
		}
		var cn invoice
		if p := acct.Fail(t, "POST", "/erp/finance/returns/"+r.ID+"/credit-note", map[string]any{"date": "2026-02-30"}, 422); !p.Names("date", "fin.error.date_invalid") {
			t.Fatalf("bad date: %v", p.Fields())
		}
		acct.Call(t, "POST", "/erp/finance/returns/"+r.ID+"/credit-note", map[string]any{"date": today, "post": true}, 201, &cn)
		if len(cn.Lines) != 1 || cn.Lines[0].Quantity != "3" || cn.Lines[0].UnitPrice != inv.Lines[0].UnitPrice || cn.Gross == inv.Gross {
			t.Fatalf("credit note %+v of invoice %+v", cn, inv)
		}
		p := acct.Fail(t, "POST", "/erp/finance/returns/"+r.ID+"/credit-note", map[string]any{"date": today}, 422)
		if !p.Names("return_id", "fin.ret.error.credited") {
			t.Fatalf("second credit note: %v", p.Fields())
		}
	})
}
