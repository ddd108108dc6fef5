package wire_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestDemoBooks loads the whole demo company: the finance invariants hold,
// the balance sheet balances, and the screens show the company's books.
func TestDemoBooks(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{Demo: true})
		s.WaitEvents(t)
		for _, r := range check.Run(context.Background(), s.App.DBs) {
			if strings.HasPrefix(r.Checker, "fin.") && (r.Err != "" || len(r.Violations) > 0) {
				t.Errorf("%s: %s %v", r.Checker, r.Err, r.Violations)
			}
		}
		tok := s.Token(t, "xu.ming")
		st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/company", "")
		if st != http.StatusOK || !strings.Contains(body, "华东精密压铸有限公司") {
			t.Fatalf("company: %d %s", st, body)
		}
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/balance-sheet", "")
		var bs struct {
			Balanced bool `json:"balanced"`
		}
		if st != http.StatusOK || json.Unmarshal([]byte(body), &bs) != nil || !bs.Balanced {
			t.Fatalf("balance sheet: %d %s", st, body)
		}
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/invoices", "")
		if st != http.StatusOK || !strings.Contains(body, `"status":"posted"`) {
			t.Fatalf("invoices: %d %s", st, body)
		}
		// The demo's shipments wait to be invoiced; one is, at its order's prices.
		st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/shipments?open=true", "")
		var ships struct {
			Items []struct {
				ID     string `json:"id"`
				Number string `json:"number"`
			} `json:"items"`
		}
		if st != http.StatusOK || json.Unmarshal([]byte(body), &ships) != nil || len(ships.Items) == 0 {
			t.Fatalf("shipments to invoice: %d %s", st, body)
		}
		sh := ships.Items[0]
		// Part of it first: the rest is what the invoice below bills.
		partialInvoicing(t, s, sh.ID)
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/shipments/"+sh.ID+"/invoice", "")
		var inv struct {
			ID         string `json:"id"`
			ShipmentID string `json:"shipment_id"`
			Lines      []any  `json:"lines"`
		}
		if st != http.StatusCreated || json.Unmarshal([]byte(body), &inv) != nil || inv.ShipmentID != sh.ID || len(inv.Lines) == 0 {
			t.Fatalf("invoice for shipment: %d %s", st, body)
		}
		orderPricesOnInvoice(t, s, body)
		if st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/invoices/"+inv.ID+"/post", ""); st != http.StatusOK {
			t.Fatalf("post the shipment's invoice: %d %s", st, body)
		}
		if st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/shipments/"+sh.ID, ""); st != http.StatusOK || !strings.Contains(body, `"invoice_number":"INV-`) {
			t.Fatalf("invoiced shipment: %d %s", st, body)
		}
		marginByItem(t, s)
		if st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/shipments/"+sh.ID+"/invoice", ""); st != http.StatusConflict {
			t.Fatalf("invoice a shipment twice: %d %s", st, body)
		}
		c := s.Client(t, "huang.jing")
		if len(ships.Items) > 1 {
			st, page := get(t, c, s.URL+"/erp/finance/invoices/new?lang=zh-Hans&shipment="+ships.Items[1].ID)
			if st != http.StatusOK {
				t.Fatalf("invoice form for a shipment: %d", st)
			}
			mustContain(t, "invoice form for a shipment", page, `data-shipment="`+ships.Items[1].Number+`"`, "如只开部分")
		}
		st, page := get(t, c, s.URL+"/erp/finance/shipments?all=1&lang=zh-Hans")
		if st != http.StatusOK {
			t.Fatalf("shipments page: %d", st)
		}
		mustContain(t, "shipments page", page, "待开票发货单", sh.Number)
		for _, p := range []string{"/erp/finance/reports/trial-balance", "/erp/finance/reports/ar-aging", "/erp/finance/reports/balance-sheet", "/erp/finance/reports/income-statement", "/erp/finance/entries", "/erp/finance/customers"} {
			if st, _ := get(t, c, s.URL+p+"?lang=zh-Hans"); st != http.StatusOK {
				t.Fatalf("%s: %d", p, st)
			}
		}
	})
}

// partnerCreditHold enters a customer in the ERP's partner
// module: finance finds it, a credit hold set in finance stops the
// customer's sales order from being confirmed, and lifting it lets the
// order past the credit check.
func partnerCreditHold(t *testing.T, s *apptest.Server) {
	admin := s.Token(t, "admin")
	id := func(what, path, body string) string {
		t.Helper()
		st, out := s.Do(t, admin, "POST", path, body)
		if st != http.StatusCreated && st != http.StatusOK {
			t.Fatalf("%s: %d %s", what, st, out)
		}
		var v struct {
			ID string `json:"id"`
		}
		json.Unmarshal([]byte(out), &v)
		return v.ID
	}
	uom := id("uom", "/api/v1/erp/uoms", `{"code":"pcs","name":"件","precision":0}`)
	cat := id("category", "/api/v1/erp/categories", `{"code":"FG","name":"成品"}`)
	id("warehouse", "/api/v1/erp/warehouses", `{"code":"FG","name":"成品仓"}`)
	cust := id("customer", "/api/v1/erp/customers", `{"code":"C-ERP-1","name":"常州精工电机股份有限公司"}`)
	id("item", "/api/v1/erp/items", `{"code":"FG-1","name":"端盖","kind":"finished","category_id":"`+cat+`","uom_id":"`+uom+
		`","vat_rate":"0.13","sellable":true,"list_price":"80"}`)

	// Finance knows the ERP customer and holds it.
	fin := s.Token(t, "xu.ming")
	st, body := s.Do(t, fin, "GET", "/api/v1/erp/finance/customers/"+cust, "")
	if st != http.StatusOK || !strings.Contains(body, "常州精工电机股份有限公司") {
		t.Fatalf("finance customer: %d %s", st, body)
	}
	var c struct {
		Version int64 `json:"version"`
	}
	json.Unmarshal([]byte(body), &c)
	st, body = s.Do(t, fin, "PUT", "/api/v1/erp/finance/customers/"+cust+"/terms",
		`{"payment_days":30,"on_hold":true,"hold_reason":"逾期未付","version":`+itoa(int(c.Version))+`}`)
	if st != http.StatusOK {
		t.Fatalf("hold: %d %s", st, body)
	}
	order := id("order", "/api/v1/erp/sales/orders", `{"customer_id":"`+cust+`","lines":[{"item":"FG-1","quantity":"5"}]}`)
	st, body = s.Do(t, admin, "POST", "/api/v1/erp/sales/orders/"+order+"/confirm", "")
	if st < 400 || !strings.Contains(body, "credit_hold") {
		t.Fatalf("confirm on hold: %d %s", st, body)
	}
	_, body = s.Do(t, fin, "GET", "/api/v1/erp/finance/customers/"+cust, "")
	json.Unmarshal([]byte(body), &c)
	st, body = s.Do(t, fin, "PUT", "/api/v1/erp/finance/customers/"+cust+"/terms",
		`{"payment_days":30,"on_hold":false,"version":`+itoa(int(c.Version))+`}`)
	if st != http.StatusOK {
		t.Fatalf("release: %d %s", st, body)
	}
	st, body = s.Do(t, admin, "POST", "/api/v1/erp/sales/orders/"+order+"/confirm", "")
	if strings.Contains(body, "credit_hold") {
		t.Fatalf("confirm after release: %d %s", st, body)
	}
}
