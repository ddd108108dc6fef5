package returns_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/notify"
)

// TestERPReturnsInCRM: a return ERP received for an authorisation, and one
// entered in ERP without any, both show on the order's quote page and on
// the customer's page (the second read-only, marked as ERP's); each receipt
// puts a notice in the bell of the customer's owner.
func TestERPReturnsInCRM(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		e, s := f.e, f.s
		rep, mgr := crmtest.Ctx(crmtest.RepA), crmtest.Ctx(crmtest.Manager)
		// A quote of rep A's customer that ERP made an order of, and its shipment.
		q, err := e.Service(quote.ServiceName).(quote.Service).Create(rep, quote.Input{AccountID: f.acc.ID,
			Lines: []quote.LineInput{{ItemID: f.gear, Quantity: qty("20")}}})
		if err != nil {
			t.Fatal(err)
		}
		soID, shipment := db.NewID(), db.NewID()
		cat := e.Service(catalog.ServiceName).(catalog.Service)
		if err := e.CRM.InTx(context.Background(), func(ctx context.Context) error {
			return cat.ExpectOrder(ctx, catalog.OrderRequest{RequestID: db.NewID(), QuoteID: q.ID, CustomerID: f.acc.ID})
		}); err != nil {
			t.Fatal(err)
		}
		e.EmitERP(catalog.EventSalesOrderAccepted, q.ID, map[string]any{"request_id": "r1", "quote_id": q.ID, "so_id": soID,
			"so_number": "SO-2026-000031", "promise_date": "2026-05-20", "lines": []any{}})
		e.EmitERP(returns.EventShipped, shipment, map[string]any{"shipment_id": shipment, "number": "SH-2026-000031", "so_id": soID,
			"so_number": "SO-2026-000031", "quote_id": q.ID, "customer_id": f.acc.ID, "shipped_at": "2026-05-10T08:00:00Z",
			"lines": []map[string]any{{"item_id": f.gear, "quantity": "20"}}})
		e.WaitEvents()
		notices := func() []notify.Request {
			var out []notify.Request
			for _, ev := range e.Events(notify.RequestedType("crm")) {
				var r notify.Request
				if err := json.Unmarshal(ev.Data, &r); err == nil && r.Kind == "crm.return" {
					out = append(out, r)
				}
			}
			return out
		}

		// An authorised return, received by ERP: the owner hears of it.
		rma, err := s.Create(rep, returns.Input{ShipmentID: shipment, Lines: []returns.LineInput{{ItemID: f.gear, Quantity: qty("4"), Reason: "气孔"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authorize(mgr, rma.ID); err != nil {
			t.Fatal(err)
		}
		e.EmitERP(returns.EventReceived, rma.ID, map[string]any{"rma_id": rma.ID, "return_id": db.NewID(), "number": "RT-2026-000030",
			"customer_id": f.acc.ID, "shipment_id": shipment, "so_id": soID, "status": "received", "received_at": "2026-05-12T08:30:00Z",
			"lines": []map[string]any{{"item_id": f.gear, "quantity": "4", "lots": []string{}}}})
		e.WaitEvents()
		if ns := notices(); len(ns) != 1 || ns[0].UserID != crmtest.RepA.UserID || ns[0].Link != "/crm/returns/"+rma.ID ||
			ns[0].Params["Number"] != "RT-2026-000030" {
			t.Fatalf("notice of the authorised return: %+v", ns)
		}

		// A return entered in ERP without an authorisation, received; the event comes again (ERP closes it): one notice.
		erpID := db.NewID()
		for _, n := range []string{"5", "5"} {
			e.EmitERP(returns.EventReceived, erpID, map[string]any{"rma_id": "", "return_id": erpID, "number": "RT-2026-000031",
				"customer_id": f.acc.ID, "shipment_id": shipment, "so_id": soID, "status": "received", "reason": "",
				"received_at": "2026-05-13T08:30:00Z", "lines": []map[string]any{{"item_id": f.gear, "quantity": n, "lots": []string{}}}})
		}
		// One of a customer the CRM does not know is left out.
		e.EmitERP(returns.EventReceived, db.NewID(), map[string]any{"rma_id": "", "return_id": db.NewID(), "number": "RT-2026-000032",
			"customer_id": db.NewID(), "shipment_id": db.NewID(), "status": "received", "lines": []map[string]any{{"item_id": f.gear, "quantity": "1"}}})
		e.WaitEvents()
		if e.Count("crm_rma", "number = $1", "RT-2026-000032") != 0 {
			t.Fatal("a return of an unknown customer was kept")
		}
		got, err := s.Get(rep, erpID)
		if err != nil || !got.FromERP || got.Status != returns.StatusReceived || got.Number != "RT-2026-000031" || got.QuoteID != q.ID ||
			len(got.Lines) != 1 || got.Lines[0].Received.Cmp(qty("5")) != 0 || got.Lines[0].Quantity.Cmp(qty("5")) != 0 {
			t.Fatalf("ERP's return: %+v %v", got, err)
		}
		if ns := notices(); len(ns) != 2 || ns[1].Link != "/crm/returns/"+erpID || ns[1].UserID != crmtest.RepA.UserID {
			t.Fatalf("notices of ERP's return: %+v", ns)
		}
		// Read-only; another rep does not see it; it counts against what may still be returned.
		if _, err := s.Cancel(rep, erpID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("cancelled ERP's return: %v", err)
		}
		if _, err := s.Get(crmtest.Ctx(crmtest.RepC), erpID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("rep C sees it: %v", err)
		}
		sh, _ := s.Shipment(rep, shipment)
		if len(sh.Items) != 1 || sh.Items[0].Returnable.Cmp(qty("11")) != 0 {
			t.Fatalf("returnable: %+v", sh.Items)
		}
		if p, err := s.List(rep, returns.Filter{QuoteID: q.ID, Total: true}); err != nil || p.Total != 2 {
			t.Fatalf("the order's returns: %+v %v", p, err)
		}
		res := e.Do(crmtest.RepA, "GET", "/api/v1/crm/returns/"+erpID, "")
		if res.Status != 200 || !strings.Contains(res.Body, `"from_erp":true`) {
			t.Fatalf("API: %d %s", res.Status, res.Body)
		}

		// The quote page lists the order's returns, both of them.
		if res := e.Do(crmtest.RepA, "GET", "/crm/quotes/"+q.ID, ""); res.Status != 200 || !strings.Contains(res.Body, rma.Number) ||
			!strings.Contains(res.Body, "RT-2026-000031") {
			t.Fatalf("quote page: %d", res.Status)
		}
		for lang, want := range map[string]string{"en": "Entered in ERP", "zh-Hans": "ERP 录入"} {
			if res := e.Do(crmtest.RepA, "GET", "/crm/accounts/"+f.acc.ID+"?lang="+lang, ""); res.Status != 200 ||
				!strings.Contains(res.Body, "RT-2026-000031") || !strings.Contains(res.Body, want) {
				t.Fatalf("%s customer page: %d", lang, res.Status)
			}
			if res := e.Do(crmtest.RepA, "GET", "/crm/returns/"+erpID+"?lang="+lang, ""); res.Status != 200 || !strings.Contains(res.Body, "data-from-erp") ||
				strings.Contains(res.Body, `data-action="cancel"`) {
				t.Fatalf("%s ERP return page: %d", lang, res.Status)
			}
		}
	})
}
