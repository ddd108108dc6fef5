package partner_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func emitAccount(t *testing.T, s *apptest.Server, data map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(data)
	d := s.App.DBs["crm"]
	err := d.InTx(context.Background(), func(ctx context.Context) error {
		_, err := outbox.Add(ctx, d, outbox.Envelope{Type: "crm.account.upserted", Subject: data["id"].(string), Data: raw})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.WaitEvents(t)
}

func TestPartners(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		manager, rep, buyer := ct.NewClient(t, s, "wang.fang"), ct.NewClient(t, s, "li.lei"), ct.NewClient(t, s, "liu.yang")

		t.Run("customers come from CRM and follow it", func(t *testing.T) {
			id := db.NewID()
			acc := map[string]any{"id": id, "code": "C000123", "name": "宁波华翔汽车零部件有限公司", "short_name": "宁波华翔", "level": "A",
				"industry": "automotive", "tax_id": "91330200MA2AXXXX1X", "currency": "CNY", "owner_id": "", "owner_name": "李雷 Li Lei",
				"parent_id": "", "status": "active", "billing_address": "浙江省宁波市", "shipping_address": "北仑区大港工业城",
				"contact_name": "周建国", "contact_phone": "13857401234", "contact_email": "zhoujg@example.cn"}
			emitAccount(t, s, acc)
			var c partner.Customer
			rep.Call(t, "GET", "/erp/customers/"+id, nil, 200, &c)
			if c.Source != partner.SourceCRM || c.Name != "宁波华翔汽车零部件有限公司" || c.ShippingAddress != "北仑区大港工业城" || c.Level != "A" {
				t.Fatalf("replicated %+v", c)
			}
			acc["name"], acc["status"] = "宁波华翔汽车零部件股份有限公司", "inactive"
			emitAccount(t, s, acc)
			rep.Call(t, "GET", "/erp/customers/"+id, nil, 200, &c)
			if c.Name != "宁波华翔汽车零部件股份有限公司" || c.Status != partner.StatusInactive || c.Version != 2 {
				t.Fatalf("updated %+v", c)
			}
			// A customer from CRM is changed in CRM.
			p := manager.Fail(t, "PUT", "/erp/customers/"+id, map[string]any{"code": "C000123", "name": "x", "version": c.Version}, http.StatusPreconditionFailed)
			if p.Key != "erp.partner.error.from_crm" {
				t.Fatalf("edit a CRM customer: %+v", p)
			}
			if n := ct.Count(t, s, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'erp.partner.customer.replicated'`, id); n != 2 {
				t.Fatalf("audit rows %d", n)
			}
		})

		t.Run("customers entered in ERP", func(t *testing.T) {
			p := manager.Fail(t, "POST", "/erp/customers", map[string]any{"code": "bad code", "name": "", "contact_email": "nope", "currency": "yuan"}, 422)
			for _, f := range []string{"code", "name", "contact_email", "currency"} {
				if !p.Names(f, "") {
					t.Errorf("problem does not name %s: %v", f, p.Fields())
				}
			}
			var c partner.Customer
			manager.Call(t, "POST", "/erp/customers", map[string]any{"code": "C-ERP-1", "name": "常州精工电机股份有限公司"}, 201, &c)
			if c.Source != partner.SourceERP || c.Currency != "CNY" || c.OwnerName == "" {
				t.Fatalf("created %+v", c)
			}
			if p := manager.Fail(t, "POST", "/erp/customers", map[string]any{"code": "c-erp-1", "name": "dup"}, 422); !p.Names("code", "erp.partner.error.code_taken") {
				t.Fatalf("duplicate code: %v", p.Fields())
			}
			manager.Call(t, "PUT", "/erp/customers/"+c.ID, map[string]any{"code": "C-ERP-1", "name": "常州精工", "version": c.Version}, 200, &c)
			manager.Fail(t, "PUT", "/erp/customers/"+c.ID, map[string]any{"code": "C-ERP-1", "name": "stale", "version": 1}, http.StatusPreconditionFailed)
			if st, _ := rep.Do(t, "POST", "/erp/customers", map[string]any{"code": "C-X", "name": "x"}); st != 403 {
				t.Fatalf("rep created a customer: %d", st)
			}
			var list struct {
				Items []partner.Customer `json:"items"`
			}
			rep.Call(t, "GET", "/erp/customers?q="+url.QueryEscape("常州"), nil, 200, &list)
			if len(list.Items) != 1 || list.Items[0].ID != c.ID {
				t.Fatalf("search %+v", list.Items)
			}
		})

		t.Run("suppliers", func(t *testing.T) {
			var sp partner.Supplier
			buyer.Call(t, "POST", "/erp/suppliers", map[string]any{"code": "S-1", "name": "昆山宏顺铝业有限公司", "lead_time_days": 7}, 201, &sp)
			if p := buyer.Fail(t, "POST", "/erp/suppliers", map[string]any{"code": "S-1", "name": "x", "lead_time_days": -1}, 422); !p.Names("code", "") && !p.Names("lead_time_days", "") {
				t.Fatalf("bad supplier: %v", p.Fields())
			}
			buyer.Call(t, "PUT", "/erp/suppliers/"+sp.ID, map[string]any{"code": "S-1", "name": "昆山宏顺铝业", "lead_time_days": 5, "version": sp.Version}, 200, &sp)
			if sp.LeadTimeDays != 5 || sp.Version != 2 {
				t.Fatalf("updated %+v", sp)
			}
			if st, _ := rep.Do(t, "POST", "/erp/suppliers", map[string]any{"code": "S-2", "name": "x"}); st != 403 {
				t.Fatalf("rep created a supplier: %d", st)
			}
		})

		t.Run("screens", func(t *testing.T) {
			c := s.Client(t, "wang.fang")
			resp, err := c.PostForm(s.URL+"/erp/customers?lang=zh-Hans", url.Values{"code": {""}, "name": {""}, "status": {"active"}})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 422 || !strings.Contains(string(b), "此项为必填项") {
				t.Fatalf("bad customer form %d", resp.StatusCode)
			}
			resp, err = c.Get(s.URL + "/erp/customers?lang=en")
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), "宁波华翔") || !strings.Contains(string(b), "From CRM") {
				t.Fatalf("customer list %d", resp.StatusCode)
			}
		})
	})
}
