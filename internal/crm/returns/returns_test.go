package returns_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func qty(s string) money.Quantity { return money.MustQuantity(s) }

func fields(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	e               *crmtest.Env
	s               returns.Service
	acc, other      *customer.Account
	gear, cover     string
	shipment, ship2 string
}

// setup makes a customer of rep A with a shipment of 100 gearbox housings
// (in two lots) and 50 end covers, and one of rep C's customer.
func setup(t *testing.T, cfg db.Config) *fixture {
	e := crmtest.Start(t, cfg)
	f := &fixture{e: e, s: e.Service(returns.ServiceName).(returns.Service)}
	cs := e.Service(customer.ServiceName).(customer.Service)
	var err error
	if f.acc, err = cs.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "宁波甬兴汽车零部件有限公司"}); err != nil {
		t.Fatal(err)
	}
	if f.other, err = cs.Create(crmtest.Ctx(crmtest.RepC), customer.AccountInput{Name: "深圳南山电子"}); err != nil {
		t.Fatal(err)
	}
	f.gear, f.cover = db.NewID(), db.NewID()
	for _, it := range []struct{ id, code, name string }{{f.gear, "FG-GBH-001", "变速箱壳体"}, {f.cover, "FG-MEC-002", "电机端盖"}} {
		e.EmitERP(catalog.EventItemUpserted, it.id, map[string]any{"id": it.id, "code": it.code, "name": it.name, "vat_rate": "0.13",
			"uom": "pcs", "list_price": "100.00", "currency": "CNY", "sellable": true, "status": "active", "kind": "finished"})
	}
	f.shipment, f.ship2 = db.NewID(), db.NewID()
	e.EmitERP(returns.EventShipped, f.shipment, map[string]any{"shipment_id": f.shipment, "number": "SH-2026-000007", "so_id": db.NewID(),
		"so_number": "SO-2026-000011", "customer_id": f.acc.ID, "carrier": "顺丰", "tracking_no": "SF100", "shipped_at": "2026-05-02T08:00:00Z",
		"lines": []map[string]any{{"item_id": f.gear, "quantity": "60", "lots": []string{"L1"}}, {"item_id": f.gear, "quantity": "40", "lots": []string{"L2"}},
			{"item_id": f.cover, "quantity": "50", "lots": []string{}}}})
	e.EmitERP(returns.EventShipped, f.ship2, map[string]any{"shipment_id": f.ship2, "number": "SH-2026-000008", "so_id": db.NewID(),
		"so_number": "SO-2026-000012", "customer_id": f.other.ID, "shipped_at": "2026-05-03T08:00:00Z",
		"lines": []map[string]any{{"item_id": f.gear, "quantity": "10"}}})
	e.WaitEvents()
	return f
}

func TestReturnLifecycle(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		e, s := f.e, f.s
		rep, mgr := crmtest.Ctx(crmtest.RepA), crmtest.Ctx(crmtest.Manager)

		// The shipment is kept with the sum per item.
		shs, err := s.Shipments(rep, f.acc.ID)
		if err != nil || len(shs) != 1 || len(shs[0].Items) != 2 {
			t.Fatalf("shipments %+v %v", shs, err)
		}
		for _, it := range shs[0].Items {
			if it.ItemID == f.gear && (it.Shipped.Cmp(qty("100")) != 0 || it.ItemCode != "FG-GBH-001") {
				t.Fatalf("gear item %+v", it)
			}
		}
		// Another rep's customer's shipment is not seen.
		if _, err := s.Shipments(crmtest.Ctx(crmtest.RepC), f.acc.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("rep C sees A's shipments: %v", err)
		}

		// Every bad field is named, and nothing is written.
		_, err = s.Create(rep, returns.Input{ShipmentID: f.shipment, Lines: []returns.LineInput{
			{ItemID: f.gear, Quantity: qty("101"), Reason: "气孔"},
			{ItemID: f.cover, Quantity: qty("0"), Reason: ""},
			{ItemID: db.NewID(), Quantity: qty("1"), Reason: "x"},
		}})
		if got := fields(err); got != "lines[0].quantity,lines[1].reason,lines[1].quantity,lines[2].item_id" {
			t.Fatalf("bad return names %q (%v)", got, err)
		}
		if _, err := s.Create(rep, returns.Input{ShipmentID: f.ship2, Lines: []returns.LineInput{{ItemID: f.gear, Quantity: qty("1"), Reason: "x"}}}); fields(err) != "shipment_id" {
			t.Fatalf("another rep's shipment: %v", err)
		}
		if _, err := s.Create(rep, returns.Input{ShipmentID: f.shipment}); fields(err) != "lines" {
			t.Fatalf("no lines: %v", err)
		}
		if e.Count("crm_rma") != 0 || e.Count("crm_rma_line") != 0 {
			t.Fatal("bad input wrote a return")
		}

		r, err := s.Create(rep, returns.Input{ShipmentID: f.shipment, Notes: "客户来电", Lines: []returns.LineInput{
			{ItemID: f.gear, Quantity: qty("30"), Reason: "气孔超标"}, {ItemID: f.cover, Quantity: qty("5"), Reason: "划伤"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != returns.StatusDraft || !strings.HasPrefix(r.Number, "RMA-") || len(r.Lines) != 2 || r.SONumber != "SO-2026-000011" {
			t.Fatalf("created %+v", r)
		}
		// What is authorised is no more available to another return.
		if _, err := s.Create(rep, returns.Input{ShipmentID: f.shipment, Lines: []returns.LineInput{{ItemID: f.gear, Quantity: qty("71"), Reason: "x"}}}); fields(err) != "lines[0].quantity" {
			t.Fatalf("over the shipped quantity: %v", err)
		}
		// A rep cannot authorise; rep C cannot see it; the manager can.
		if _, err := s.Authorize(rep, r.ID); !apperr.IsKind(err, apperr.KindForbidden) {
			t.Fatalf("rep authorised: %v", err)
		}
		if _, err := s.Get(crmtest.Ctx(crmtest.RepC), r.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("rep C sees it: %v", err)
		}
		if len(e.Events(returns.EventAuthorized)) != 0 {
			t.Fatal("a draft went to ERP")
		}
		r, err = s.Authorize(mgr, r.ID)
		if err != nil || r.Status != returns.StatusAuthorized || r.AuthorizedBy != crmtest.Manager.UserID {
			t.Fatalf("authorise: %+v %v", r, err)
		}
		if _, err := s.Authorize(mgr, r.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("authorised twice: %v", err)
		}
		evs := e.Events(returns.EventAuthorized)
		if len(evs) != 1 || evs[0].Subject != r.ID {
			t.Fatalf("events %+v", evs)
		}
		var d returns.AuthorizedData
		if err := json.Unmarshal(evs[0].Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Number != r.Number || d.CustomerID != f.acc.ID || d.ShipmentID != f.shipment || len(d.Lines) != 2 ||
			d.Lines[0].Quantity.Cmp(qty("30")) != 0 || d.Lines[0].Reason != "气孔超标" {
			t.Fatalf("event data %+v", d)
		}
		if e.Audited("crm.return.created") != 1 || e.Audited("crm.return.authorized") != 1 {
			t.Fatal("not audited")
		}

		// ERP receives the goods: the RMA shows them, once even if the event comes twice.
		recv := map[string]any{"rma_id": r.ID, "return_id": db.NewID(), "number": "RT-2026-000001", "customer_id": f.acc.ID,
			"shipment_id": f.shipment, "status": "received", "received_at": "2026-05-12T08:30:00Z",
			"lines": []map[string]any{{"item_id": f.gear, "quantity": "28", "lots": []string{"L1"}}}}
		e.EmitERP(returns.EventReceived, r.ID, recv)
		e.WaitEvents()
		r, _ = s.Get(rep, r.ID)
		if r.Status != returns.StatusReceived || r.ReturnNumber != "RT-2026-000001" || r.Lines[0].Received.Cmp(qty("28")) != 0 || r.ReceivedAt.IsZero() {
			t.Fatalf("received %+v", r)
		}

		// A second return ERP rejects: status and reason show; its goods are free again.
		r2, err := s.Create(rep, returns.Input{ShipmentID: f.shipment, Lines: []returns.LineInput{{ItemID: f.gear, Quantity: qty("70"), Reason: "尺寸超差"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authorize(mgr, r2.ID); err != nil {
			t.Fatal(err)
		}
		e.EmitERP(returns.EventReceived, r2.ID, map[string]any{"rma_id": r2.ID, "status": "rejected", "reason": "超过退货期限"})
		e.WaitEvents()
		r2, _ = s.Get(mgr, r2.ID)
		if r2.Status != returns.StatusRejected || r2.ERPReason != "超过退货期限" {
			t.Fatalf("rejected %+v", r2)
		}
		sh, _ := s.Shipment(rep, f.shipment)
		for _, it := range sh.Items {
			if it.ItemID == f.gear && it.Returnable.Cmp(qty("70")) != 0 {
				t.Fatalf("returnable after a rejection %+v", it)
			}
		}
		// A draft can be cancelled; a cancelled one cannot be authorised.
		r3, err := s.Create(rep, returns.Input{ShipmentID: f.shipment, Lines: []returns.LineInput{{ItemID: f.cover, Quantity: qty("1"), Reason: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r3, err = s.Cancel(rep, r3.ID); err != nil || r3.Status != returns.StatusCancelled {
			t.Fatalf("cancel %+v %v", r3, err)
		}
		if _, err := s.Authorize(mgr, r3.ID); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("authorised a cancelled return: %v", err)
		}
		// Lists: rep C sees none; the manager (team) sees all three.
		if p, _ := s.List(crmtest.Ctx(crmtest.RepC), returns.Filter{Total: true}); p.Total != 0 {
			t.Fatalf("rep C lists %d", p.Total)
		}
		if p, _ := s.List(mgr, returns.Filter{Total: true, AccountID: f.acc.ID}); p.Total != 3 {
			t.Fatalf("manager lists %d", p.Total)
		}
	})
}

func TestReturnAPIAndPages(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		f := setup(t, cfg)
		e := f.e
		// The API names every bad field.
		res := e.Do(crmtest.RepA, "POST", "/api/v1/crm/returns", `{"shipment_id":"`+f.shipment+`","lines":[{"item_id":"`+f.gear+`","quantity":"500","reason":""}]}`)
		if res.Status != 422 || !strings.Contains(res.Body, "lines[0].quantity") || !strings.Contains(res.Body, "lines[0].reason") {
			t.Fatalf("bad create: %d %s", res.Status, res.Body)
		}
		res = e.Do(crmtest.RepA, "POST", "/api/v1/crm/returns", `{"shipment_id":"`+f.shipment+`","lines":[{"item_id":"`+f.gear+`","quantity":"3","reason":"气孔"}]}`)
		if res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var r struct {
			ID, Number, Status string
		}
		res.JSON(t, &r)
		if res := e.Do(crmtest.RepA, "POST", "/api/v1/crm/returns/"+r.ID+"/authorize", ""); res.Status != 403 {
			t.Fatalf("rep authorises: %d", res.Status)
		}
		if res := e.Do(crmtest.RepC, "GET", "/api/v1/crm/returns/"+r.ID, ""); res.Status != 404 {
			t.Fatalf("rep C reads: %d", res.Status)
		}
		if res := e.Do(crmtest.Manager, "POST", "/api/v1/crm/returns/"+r.ID+"/authorize", ""); res.Status != 200 || !strings.Contains(res.Body, `"authorized"`) {
			t.Fatalf("authorise: %d %s", res.Status, res.Body)
		}
		if res := e.Do(crmtest.RepA, "GET", "/api/v1/crm/shipments?account_id="+f.acc.ID, ""); res.Status != 200 || !strings.Contains(res.Body, `"returnable":"97"`) {
			t.Fatalf("shipments: %d %s", res.Status, res.Body)
		}
		if res := e.Do(crmtest.RepA, "GET", "/api/v1/crm/returns?account_id="+f.acc.ID, ""); res.Status != 200 || !strings.Contains(res.Body, r.Number) {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}

		// Screens: choose the shipment, fill a line, see the page; the form
		// shows the problem on the line.
		if res := e.Do(crmtest.RepA, "GET", "/crm/returns/new?account="+f.acc.ID, ""); res.Status != 200 || !strings.Contains(res.Body, "SH-2026-000007") {
			t.Fatalf("new: %d", res.Status)
		}
		if res := e.Do(crmtest.RepA, "GET", "/crm/returns/new?shipment="+f.shipment, ""); res.Status != 200 || !strings.Contains(res.Body, "FG-GBH-001") {
			t.Fatalf("form: %d", res.Status)
		}
		// Items are listed by id: the cover is the row of its place.
		sh, _ := f.s.Shipment(crmtest.Ctx(crmtest.RepA), f.shipment)
		row := 0
		for i, it := range sh.Items {
			if it.ItemID == f.cover {
				row = i
			}
		}
		form := url.Values{"shipment_id": {f.shipment}}
		form.Set("lines["+string(rune('0'+row))+"].quantity", "80")
		form.Set("lines["+string(rune('0'+row))+"].reason", "划伤")
		res = e.Do(crmtest.RepA, "POST", "/crm/returns", form.Encode(), true)
		if res.Status != 422 || !strings.Contains(res.Body, "At most 50") {
			t.Fatalf("form error: %d %s", res.Status, res.Body)
		}
		form.Set("lines["+string(rune('0'+row))+"].quantity", "2")
		res = e.Do(crmtest.RepA, "POST", "/crm/returns", form.Encode(), true)
		if res.Status != 303 {
			t.Fatalf("form create: %d %s", res.Status, res.Body)
		}
		loc, _, _ := strings.Cut(res.Header.Get("Location"), "?")
		if res := e.Do(crmtest.RepA, "GET", loc, ""); res.Status != 200 || !strings.Contains(res.Body, "划伤") || strings.Contains(res.Body, `data-action="authorize"`) {
			t.Fatalf("page: %d", res.Status)
		}
		if res := e.Do(crmtest.Manager, "POST", loc+"/authorize", "x=1", true); res.Status != 303 {
			t.Fatalf("authorise on the page: %d %s", res.Status, res.Body)
		}
		if res := e.Do(crmtest.RepA, "GET", "/crm/accounts/"+f.acc.ID, ""); res.Status != 200 || !strings.Contains(res.Body, `id="returns"`) {
			t.Fatalf("customer page has no returns panel: %d", res.Status)
		}
		if res := e.Do(crmtest.RepA, "GET", "/crm/returns", ""); res.Status != 200 || !strings.Contains(res.Body, r.Number) {
			t.Fatalf("list page: %d", res.Status)
		}
	})
}
