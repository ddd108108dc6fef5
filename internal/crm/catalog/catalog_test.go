package catalog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

func q(s string) money.Quantity { return money.MustQuantity(s) }

func TestPromise(t *testing.T) {
	a := catalog.Availability{Available: q("100"), LeadTimeDays: 20, Incoming: []catalog.Incoming{
		{Date: "2026-03-01", Quantity: q("1000")}, // in the past: ignored
		{Date: "2026-04-10", Quantity: q("50")},
		{Date: "2026-04-20", Quantity: q("200")},
	}}
	for _, c := range []struct {
		qty, now, short, date string
		lead                  bool
	}{
		{"80", "80", "0", "2026-04-01", false},
		{"100", "100", "0", "2026-04-01", false},
		{"150", "100", "50", "2026-04-10", false},
		{"151", "100", "51", "2026-04-20", false},
		{"350", "100", "250", "2026-04-20", false},
		{"351", "100", "251", "2026-04-21", true},
	} {
		p := a.Promise(q(c.qty), "2026-04-01")
		if p.Now.String() != c.now || p.Short.String() != c.short || p.Date != c.date || p.ByLeadTime != c.lead {
			t.Errorf("promise %s: %+v", c.qty, p)
		}
	}
	neg := catalog.Availability{Available: q("-5"), LeadTimeDays: 3}
	if p := neg.Promise(q("1"), "2026-04-01"); !p.Now.IsZero() || p.Date != "2026-04-04" {
		t.Errorf("negative stock: %+v", p)
	}
}

const itemID = "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d"

func item(name, price string) catalog.ItemUpserted {
	return catalog.ItemUpserted{ID: itemID, Code: "FG-GBH-001", Name: name, NameEN: "Gearbox housing", Spec: "ADC12",
		Kind: "finished", UoM: "pcs", VATRate: money.MustRate("0.13"), ListPrice: money.MustUnitPrice(price),
		FloorPrice: money.MustUnitPrice("240"), Currency: "CNY", LeadTimeDays: 15, Tracking: "lot", Sellable: true, Status: "active"}
}

func TestReplicatedERPData(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		cat := e.Service(catalog.ServiceName).(catalog.Service)
		cs := e.Service(customer.ServiceName).(customer.Service)
		acc, err := cs.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "宁波华翔"})
		if err != nil {
			t.Fatal(err)
		}

		e.EmitERP(catalog.EventItemUpserted, itemID, item("变速箱壳体", "268"))
		e.EmitERP(catalog.EventAvailabilityChanged, itemID, map[string]any{"item_id": itemID, "on_hand": "120", "reserved": "20",
			"available": "100", "incoming": []map[string]string{{"date": "2099-05-10", "quantity": "500"}, {"date": "2099-04-10", "quantity": "30"}},
			"lead_time_days": 15, "as_of": time.Now().UTC().Format(time.RFC3339Nano)})
		e.EmitERP(catalog.EventCreditChanged, acc.ID, map[string]any{"customer_id": acc.ID, "currency": "CNY", "credit_limit": "500000.00",
			"ar_balance": "450000.00", "overdue": "20000.00", "open_orders": "30000.00", "available_credit": "20000.00", "on_hold": false})
		e.WaitEvents()

		ctx := crmtest.Ctx(crmtest.RepA)
		for _, term := range []string{"FG-GBH", "fg-gbh-001", "变速箱", "bsxkt", "gearbox", "ADC12"} {
			page, err := cat.Items(ctx, catalog.ItemFilter{Query: term})
			if err != nil || len(page.Items) != 1 {
				t.Errorf("search %q: %d items, %v", term, len(page.Items), err)
			}
		}
		it, err := cat.Item(ctx, itemID)
		if err != nil || it.ListPrice.String() != "268" || it.VATRate.String() != "0.13" || !it.Usable() {
			t.Fatalf("item %+v %v", it, err)
		}
		av, _ := cat.Availability(ctx, []string{itemID})
		if a := av[itemID]; !a.Known || a.Available.String() != "100" || len(a.Incoming) != 2 || a.Incoming[0].Date != "2099-04-10" {
			t.Fatalf("availability %+v", av[itemID])
		}
		cr, _ := cat.Credit(ctx, acc.ID)
		if !cr.Known || cr.AvailableCredit.String() != "20000.00" || cr.Allows(money.MustAmount("20000.01")) || !cr.Allows(money.MustAmount("20000")) {
			t.Fatalf("credit %+v", cr)
		}

		// A newer item event wins; an older one arriving late changes nothing.
		e.EmitERP(catalog.EventItemUpserted, itemID, item("变速箱壳体 B 版", "275"))
		e.WaitEvents()
		if it, _ := cat.Item(ctx, itemID); it.Name != "变速箱壳体 B 版" || it.ListPrice.String() != "275" {
			t.Fatalf("after update %+v", it)
		}
		if err := e.CRM.InTx(context.Background(), func(ctx context.Context) error {
			_, err := e.CRM.Exec(ctx, `UPDATE crm_item SET updated_at = updated_at + 3600000 WHERE id = $1`, itemID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e.EmitERP(catalog.EventItemUpserted, itemID, item("旧名字", "1"))
		e.WaitEvents()
		if it, _ := cat.Item(ctx, itemID); it.Name != "变速箱壳体 B 版" {
			t.Fatalf("an older event overwrote the item: %+v", it)
		}

		// Orders: the CRM sends a request, ERP answers and reports progress.
		quoteID := db.NewID()
		soID := db.NewID()
		if err := e.CRM.InTx(context.Background(), func(ctx context.Context) error {
			return cat.ExpectOrder(ctx, catalog.OrderRequest{RequestID: db.NewID(), QuoteID: quoteID, CustomerID: acc.ID})
		}); err != nil {
			t.Fatal(err)
		}
		e.EmitERP(catalog.EventSalesOrderAccepted, quoteID, map[string]any{"request_id": "r1", "quote_id": quoteID, "so_id": soID,
			"so_number": "SO-2026-000123", "promise_date": "2026-04-15", "lines": []any{}})
		e.EmitERP(catalog.EventSalesOrderStatus, soID, map[string]any{"so_id": soID, "so_number": "SO-2026-000123", "quote_id": quoteID,
			"status": "reserved", "at": time.Now().UTC().Format(time.RFC3339Nano), "amount": "30284830.83"})
		e.EmitERP(catalog.EventShipmentShipped, db.NewID(), map[string]any{"shipment_id": db.NewID(), "number": "SH-2026-000001", "so_id": soID,
			"so_number": "SO-2026-000123", "quote_id": quoteID, "customer_id": acc.ID, "carrier": "顺丰", "tracking_no": "SF123456789",
			"shipped_at": time.Now().UTC().Format(time.RFC3339Nano), "lines": []any{}})
		invID := db.NewID()
		e.EmitERP(catalog.EventInvoicePosted, invID, map[string]any{"invoice_id": invID, "number": "INV-2026-000001", "customer_id": acc.ID,
			"so_id": soID, "date": time.Now().Format("2006") + "-01-02", "due_date": "2099-05-16", "currency": "CNY", "net": "1000.00", "tax": "130.00", "gross": "1130.00"})
		payID := db.NewID()
		e.EmitERP(catalog.EventPaymentReceived, payID, map[string]any{"payment_id": payID, "number": "RC-2026-000001", "customer_id": acc.ID,
			"date": "2026-04-20", "currency": "CNY", "amount": "1000.00", "allocations": []map[string]string{{"invoice_id": invID, "amount": "1000.00"}},
			"unallocated": "0.00"})
		e.WaitEvents()
		order, steps, err := cat.OrderOfQuote(ctx, quoteID)
		if err != nil || order == nil || order.SONumber != "SO-2026-000123" || order.Status != "reserved" || order.TrackingNo != "SF123456789" || order.CustomerID != acc.ID ||
			order.Amount.String() != "30284830.83" { // beyond a 32-bit integer in fen
			t.Fatalf("order %+v %v", order, err)
		}
		var kinds []string
		for _, s := range steps {
			kinds = append(kinds, s.Kind)
		}
		if strings.Join(kinds, ",") != "accepted,status,shipped,invoiced" {
			t.Errorf("steps %v", kinds)
		}
		l, err := cat.Ledger(ctx, acc.ID)
		if err != nil || len(l.Orders) != 1 || len(l.Invoices) != 1 || l.Invoices[0].Open().String() != "130.00" || len(l.Payments) != 1 {
			t.Fatalf("ledger %+v %v", l, err)
		}
		// Scopes: another rep does not see the ledger; a clerk may not read credit.
		if _, err := cat.Ledger(crmtest.Ctx(crmtest.RepB), acc.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("other rep reads the ledger: %v", err)
		}
		if _, err := cat.Ledger(crmtest.Ctx(crmtest.Clerk), acc.ID); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Errorf("clerk reads the ledger: %v", err)
		}
		// The web pages and the API show it.
		if r := e.Do(crmtest.RepA, "GET", "/crm/accounts/"+acc.ID, ""); !strings.Contains(r.Body, "SO-2026-000123") || !strings.Contains(r.Body, "20,000.00") {
			t.Errorf("account page lacks the ledger: %d", r.Status)
		}
		// Key figures: revenue this year, open pipeline, days since the last contact.
		r := e.Do(crmtest.RepA, "GET", "/crm/accounts/"+acc.ID, "")
		for _, f := range []string{`data-figure="crm.ledger.figure.revenue"><dt>Revenue this year</dt><dd>1,000.00</dd>`,
			`data-figure="crm.opportunity.figure.open"`, `data-figure="crm.account.figure.last_contact"`} {
			if !strings.Contains(r.Body, f) {
				t.Errorf("account page lacks %s", f)
			}
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/items?q=bsxkt", ""); !strings.Contains(r.Body, "FG-GBH-001") || !strings.Contains(r.Body, "2099-04-10") {
			t.Errorf("item list: %d", r.Status)
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/items/"+itemID+"/promise?quantity=150", ""); !strings.Contains(r.Body, `data-promise-date="2099-05-10"`) {
			t.Errorf("promise: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.RepA, "GET", "/api/v1/crm/items/"+itemID+"/promise?quantity=abc", ""); r.Status != 422 || !strings.Contains(r.Body, "query.quantity") {
			t.Errorf("bad quantity: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.RepA, "GET", "/api/v1/crm/accounts/"+acc.ID+"/ledger", ""); r.Status != 200 || !strings.Contains(r.Body, `"available_credit":"20000.00"`) {
			t.Errorf("ledger API: %d %s", r.Status, r.Body)
		}
		if r := e.Do(crmtest.RepB, "GET", "/api/v1/crm/accounts/"+acc.ID+"/ledger", ""); r.Status != 404 {
			t.Errorf("ledger API for another rep: %d", r.Status)
		}
	})
}
