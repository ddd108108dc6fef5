package sales_test

import (
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/sales"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestOpenOrdersUseCredit: a confirmed order still to ship counts against
// the customer's credit limit in finance; over it, the customer is on hold
// and its next order does not confirm.
func TestOpenOrdersUseCredit(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		w := newWorld(t, s)
		type credit struct {
			Version int64 `json:"version"`
			Credit  struct {
				OpenOrders      string `json:"open_orders"`
				AvailableCredit string `json:"available_credit"`
				OnHold          bool   `json:"on_hold"`
				HoldReason      string `json:"hold_reason"`
			} `json:"credit"`
		}
		var c credit
		w.admin.Call(t, "GET", "/erp/finance/customers/"+w.customer.ID, nil, 200, &c)
		w.admin.Call(t, "PUT", "/erp/finance/customers/"+w.customer.ID+"/terms", map[string]any{"payment_days": 30, "has_limit": true,
			"credit_limit": "3000", "version": c.Version}, 200, &c)
		if c.Credit.OnHold || c.Credit.AvailableCredit != "3000.00" {
			t.Fatalf("terms: %+v", c)
		}
		// 10 × 268 + 13% VAT = 3,028.40 on order: over the 3,000 limit.
		var o sales.Order
		w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
			{"item": w.good.Code, "quantity": "10"}}}, 201, &o)
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, 200, &o)
		s.WaitEvents(t)
		w.admin.Call(t, "GET", "/erp/finance/customers/"+w.customer.ID, nil, 200, &c)
		if c.Credit.OpenOrders != "3028.40" || c.Credit.AvailableCredit != "-28.40" || !c.Credit.OnHold || c.Credit.HoldReason != "over_limit" {
			t.Fatalf("credit with the open order: %+v", c.Credit)
		}
		// The CRM was told, from the order's status event.
		evs := ct.Events(t, s, "erp.customer_credit.changed", w.customer.ID)
		if len(evs) == 0 || evs[len(evs)-1]["open_orders"] != "3028.40" || evs[len(evs)-1]["on_hold"] != true {
			t.Fatalf("credit events: %v", evs)
		}
		var o2 sales.Order
		w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
			{"item": w.good.Code, "quantity": "1"}}}, 201, &o2)
		if _, body := w.rep.Do(t, "POST", "/erp/sales/orders/"+o2.ID+"/confirm", nil); !strings.Contains(body, "erp.sales.error.credit_hold") {
			t.Fatalf("confirm over the limit: %s", body)
		}
	})
}
