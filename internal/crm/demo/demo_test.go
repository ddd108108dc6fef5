package demo_test

import (
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/demo"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestDemo builds the demo on the products ERP's demo sends and checks what
// the demo's sales people see.
func TestDemo(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		for _, it := range []struct{ id, code, price, floor string }{
			{"0196b2c4-5f1e-7a3b-9c0d-0000000000a1", "FG-GBH-001", "268", "240"},
			{"0196b2c4-5f1e-7a3b-9c0d-0000000000a2", "FG-MEC-002", "86.5", "78"},
			{"0196b2c4-5f1e-7a3b-9c0d-0000000000a3", "FG-PMB-003", "412", "380"},
			{"0196b2c4-5f1e-7a3b-9c0d-0000000000a4", "SV-MACH", "180", "150"},
		} {
			e.EmitERP(catalog.EventItemUpserted, it.id, map[string]any{"id": it.id, "code": it.code, "name": it.code, "vat_rate": "0.13",
				"list_price": it.price, "floor_price": it.floor, "currency": "CNY", "lead_time_days": 15, "sellable": true, "status": "active"})
		}
		e.WaitEvents()
		var log strings.Builder
		if err := demo.Module().Demo(crmtest.System(), e.Mod, 1, &log); err != nil {
			t.Fatalf("demo: %v\n%s", err, log.String())
		}
		e.WaitEvents()
		if e.Count("crm_account") < 30 || e.Count("crm_lead") < 10 || e.Count("crm_opportunity") < 20 || e.Count("crm_quote") < 5 {
			t.Fatalf("demo sizes: %d customers, %d leads, %d deals, %d quotes", e.Count("crm_account"), e.Count("crm_lead"),
				e.Count("crm_opportunity"), e.Count("crm_quote"))
		}
		for _, st := range []string{"draft", "pending_approval", "approved", "sent", "accepted"} {
			if e.Count("crm_quote", "status = $1", st) == 0 {
				t.Errorf("no %s quote", st)
			}
		}
		// The demo's sales people are the test's li.lei and wang.fang, whom
		// the CRM knows already; pending users are adopted in customer's tests.
		lilei, wang := crmtest.RepA, crmtest.Manager
		cs := e.Service(customer.ServiceName).(customer.Service)
		mine, err := cs.List(crmtest.Ctx(lilei), customer.Filter{Limit: 500})
		if err != nil || len(mine.Items) < 10 {
			t.Fatalf("li.lei sees %d customers (%v)", len(mine.Items), err)
		}
		for _, a := range mine.Items {
			if a.OwnerID != lilei.UserID || a.Masked {
				t.Fatalf("li.lei sees %+v", a)
			}
		}
		all, _ := cs.List(crmtest.Ctx(wang), customer.Filter{Limit: 500})
		pool, _ := cs.List(crmtest.Ctx(lilei), customer.Filter{InPool: true})
		if len(pool.Items) != 3 || len(all.Items) != e.Count("crm_account")-3 {
			t.Errorf("the manager sees %d of %d customers, %d in the pool", len(all.Items), e.Count("crm_account"), len(pool.Items))
		}
		b, err := e.Service(pipeline.ServiceName).(pipeline.Service).Board(crmtest.Ctx(wang), "", pipeline.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range b.Columns {
			if c.Count == 0 {
				t.Errorf("stage %s is empty", c.Stage.NameEN)
			}
		}
		if e.Count("crm_activity") < 300 || e.Count("crm_contract", "status = 'active'") == 0 {
			t.Errorf("demo: %d activities, %d signed contracts", e.Count("crm_activity"), e.Count("crm_contract", "status = 'active'"))
		}
		mism, _ := e.Service(contract.ServiceName).(contract.Service).List(crmtest.Ctx(wang), contract.Filter{Mismatch: true})
		if len(mism.Items) == 0 {
			t.Error("no contract shows a mismatch")
		}
		inbox, _ := e.Service(quote.ServiceName).(quote.Service).Approvals(crmtest.Ctx(wang), "")
		if len(inbox) == 0 {
			t.Error("the manager has nothing to approve")
		}
	})
}
