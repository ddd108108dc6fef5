package sales_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// holds is a finance credit-hold service that holds the customers it names.
type holds map[string]bool

func (h holds) OnCreditHold(_ context.Context, customerID string) (bool, error) {
	return h[customerID], nil
}

// TestCreditHold wires the supply modules alone with a credit-hold service
// under partner.CreditServiceName: an order request of a held customer is
// rejected with credit_hold, and a held customer's ERP order cannot be confirmed.
func TestCreditHold(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		ctx := erpkit.System(context.Background())
		d, crm := loomtest.Open(t, cfg, "erp"), loomtest.Open(t, cfg, "crm")
		sa, err := erpkit.NewStandalone(ctx, d, []*db.DB{crm}, catalog.Module(), partner.Module(), inventory.Module(), sales.Module())
		if err != nil {
			t.Fatal(err)
		}
		defer sa.Close()
		call := func(method, path string, in, out any) {
			t.Helper()
			if err := sa.Call(ctx, method, path, in, out); err != nil {
				t.Fatal(err)
			}
		}
		var uom, cat, wh, cust, item struct {
			ID string `json:"id"`
		}
		call("POST", "/erp/uoms", map[string]any{"code": "pcs", "name": "件", "precision": 0}, &uom)
		call("POST", "/erp/categories", map[string]any{"code": "FG", "name": "成品"}, &cat)
		call("POST", "/erp/warehouses", map[string]any{"code": "FG", "name": "成品仓"}, &wh)
		call("POST", "/erp/customers", map[string]any{"code": "C-1", "name": "常州精工"}, &cust)
		call("POST", "/erp/items", map[string]any{"code": "FG-1", "name": "端盖", "kind": "finished", "category_id": cat.ID,
			"uom_id": uom.ID, "vat_rate": "0.13", "sellable": true, "list_price": "80"}, &item)
		sa.Env.Services.Provide(partner.CreditServiceName, holds{cust.ID: true})

		// An ERP order of the held customer stays a draft.
		var o sales.Order
		call("POST", "/erp/sales/orders", map[string]any{"customer_id": cust.ID, "lines": []map[string]any{{"item": "FG-1", "quantity": "5"}}}, &o)
		if err := sa.Call(ctx, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, nil); err == nil || !strings.Contains(err.Error(), "erp.sales.error.credit_hold") {
			t.Fatalf("confirm on hold: %v", err)
		}

		// A CRM request of the held customer is rejected, and remembered.
		quote := db.NewID()
		request := func(customer string) string {
			t.Helper()
			req := db.NewID()
			data, _ := json.Marshal(map[string]any{"request_id": req, "quote_id": quote, "customer_id": customer, "currency": "CNY",
				"lines": []map[string]any{{"line_no": 1, "item_id": item.ID, "quantity": "5", "unit_price": "80"}}})
			if err := crm.InTx(ctx, func(ctx context.Context) error {
				_, err := outbox.Add(ctx, crm, outbox.Envelope{Type: sales.EventOrderRequested, Subject: quote, Data: data})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return req
		}
		answered := func(req string) string {
			t.Helper()
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				var outcome, code string
				err := d.QueryRow(ctx, `SELECT outcome, reason_code FROM so_request WHERE request_id = $1`, req).Scan(&outcome, &code)
				if err == nil {
					return outcome + " " + code
				}
			}
			t.Fatalf("request %s was not answered", req)
			return ""
		}
		if err := sa.Env.Bus.Start(); err != nil {
			t.Fatal(err)
		}
		if got := answered(request(cust.ID)); got != "rejected credit_hold" {
			t.Fatalf("request of a held customer: %s", got)
		}
		// Lifted: a new request of the same customer becomes an order.
		sa.Env.Services.Provide(partner.CreditServiceName, holds{})
		if got := answered(request(cust.ID)); got != "accepted " {
			t.Fatalf("request after the hold: %q", got)
		}
	})
}
