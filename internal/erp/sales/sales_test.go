package sales_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/catalog"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales"
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

// world is a test Loom with a warehouse, stock of a lot-tracked finished
// good, a service, and a customer.
type world struct {
	s                          *apptest.Server
	rep, manager, clerk, admin *ct.Client
	b                          ct.Basics
	wh                         inventory.Warehouse
	loc                        inventory.Location
	good, service              catalog.Item
	customer                   partner.Customer
}

// newWorld makes a fresh warehouse, items with stock and a customer on s.
func newWorld(t *testing.T, s *apptest.Server) *world {
	t.Helper()
	w := &world{s: s, rep: ct.NewClient(t, s, "li.lei"), manager: ct.NewClient(t, s, "wang.fang"),
		clerk: ct.NewClient(t, s, "chen.jie"), admin: ct.NewClient(t, s, "admin")}
	planner := ct.NewClient(t, s, "sun.li")
	w.b = ct.NewBasics(t, planner)
	w.clerk.Call(t, "POST", "/erp/warehouses", map[string]any{"code": ct.Unique("W"), "name": "成品仓", "is_default": true}, 201, &w.wh)
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("FG-"), "type": "stock"}, 201, &w.loc)
	w.good = planner.Item(t, ct.ItemSpec{Tracking: "lot", UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID, ListPrice: "268", LeadTime: 15})
	w.service = planner.Item(t, ct.ItemSpec{Kind: "service", UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID, ListPrice: "50"})
	w.receive(t, "100", "LOT-A")
	w.manager.Call(t, "POST", "/erp/customers", map[string]any{"code": ct.Unique("C-"), "name": "上海汽车变速器有限公司",
		"shipping_address": "上海市嘉定区安亭镇"}, 201, &w.customer)
	return w
}

func (w *world) receive(t *testing.T, qty, lot string) {
	t.Helper()
	w.admin.Call(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "lines": []map[string]any{
		{"item": w.good.Code, "location": w.loc.Code, "lot": lot, "quantity": qty, "unit_cost": "180"}}}, 201, nil)
}

func statuses(t *testing.T, s *apptest.Server, orderID string) []string {
	t.Helper()
	var out []string
	for _, e := range ct.Events(t, s, sales.EventStatusChanged, orderID) {
		out = append(out, e["status"].(string))
	}
	return out
}

func orderToShipment(t *testing.T, w *world) {
	s := w.s
	var o sales.Order

	t.Run("bad input names the field and writes nothing", func(t *testing.T) {
		orders := ct.Count(t, s, `SELECT count(*) FROM so_order`)
		p := w.rep.Fail(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d",
			"lines": []map[string]any{{"item": "NOPE", "quantity": "1"}, {"item": w.good.Code, "quantity": "1.5"},
				{"item": w.good.Code, "quantity": "-2"}, {"item": w.good.Code, "quantity": "1", "discount": "1.5"}}}, 422)
		for _, f := range []string{"customer_id", "lines[0].item", "lines[1].quantity", "lines[2].quantity", "lines[3].discount"} {
			if !p.Names(f, "") {
				t.Errorf("problem does not name %s: %v", f, p.Fields())
			}
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM so_order`); n != orders {
			t.Errorf("a refused order was written")
		}
	})

	t.Run("confirm reserves line by line and backorders the rest", func(t *testing.T) {
		w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
			{"item": w.good.Code, "quantity": "130", "discount": "0.05"}, {"item": w.service.Code, "quantity": "2", "unit_price": "80"}}}, 201, &o)
		if o.Status != sales.StatusDraft || !strings.HasPrefix(o.Number, "SO-") || o.Lines[0].UnitPrice.String() != "268" ||
			o.Lines[0].Net.String() != "33098.00" || o.Net.String() != "33258.00" || o.Tax.String() != "4323.54" {
			t.Fatalf("draft %+v", o)
		}
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, 200, &o)
		l := o.Lines[0]
		wantPromise := time.Now().AddDate(0, 0, 15).Format("2006-01-02")
		if o.Status != sales.StatusPartiallyReserved || l.Reserved.String() != "100" || l.Backordered.String() != "30" ||
			l.PromiseDate != wantPromise || o.PromiseDate != wantPromise {
			t.Fatalf("confirmed %+v", o)
		}
		if got := statuses(t, s, o.ID); strings.Join(got, ",") != "confirmed,partially_reserved" {
			t.Fatalf("status events %v", got)
		}
		// The availability CRM sees: 100 on hand, all reserved.
		evs := ct.Events(t, s, inventory.EventAvailabilityChanged, w.good.ID)
		if last := evs[len(evs)-1]; last["reserved"] != "100" || last["available"] != "0" {
			t.Fatalf("availability %v", last)
		}
		// A second confirmation is refused.
		w.rep.Fail(t, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, http.StatusPreconditionFailed)
	})

	t.Run("data scope", func(t *testing.T) {
		other := ct.NewClient(t, s, "zhao.min")
		other.Fail(t, "GET", "/erp/sales/orders/"+o.ID, nil, 404)
		var list struct {
			Items []sales.Order `json:"items"`
		}
		other.Call(t, "GET", "/erp/sales/orders", nil, 200, &list)
		for _, x := range list.Items {
			if x.ID == o.ID {
				t.Fatal("another rep lists the order")
			}
		}
		w.clerk.Call(t, "GET", "/erp/sales/orders/"+o.ID, nil, 200, nil)
		if st, _ := w.clerk.Do(t, "POST", "/erp/sales/orders/"+o.ID+"/cancel", nil); st != 403 {
			t.Fatalf("clerk cancelled: %d", st)
		}
		if st, _ := w.rep.Do(t, "POST", "/erp/sales/orders/"+o.ID+"/shipments", map[string]any{"lines": []map[string]any{}}); st != 403 {
			t.Fatalf("rep shipped: %d", st)
		}
	})

	t.Run("ship part; shipping more than reserved is refused", func(t *testing.T) {
		p := w.clerk.Fail(t, "POST", "/erp/sales/orders/"+o.ID+"/shipments", map[string]any{"lines": []map[string]any{
			{"line_no": 1, "location": w.loc.Code, "lot": "LOT-A", "quantity": "101"}}}, 422)
		if !p.Names("lines[0].quantity", "erp.sales.error.ship_more_than_reserved") {
			t.Fatalf("over-ship: %v", p.Fields())
		}
		p = w.clerk.Fail(t, "POST", "/erp/sales/orders/"+o.ID+"/shipments", map[string]any{"lines": []map[string]any{
			{"line_no": 1, "location": w.loc.Code, "lot": "NO-LOT", "quantity": "10"}}}, 422)
		if !p.Names("lines[0].lot", "erp.inventory.error.lot_unknown") {
			t.Fatalf("unknown lot: %v", p.Fields())
		}
		var sh sales.Shipment
		w.clerk.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/shipments", map[string]any{"carrier": "顺丰速运", "tracking_no": "SF1234567890",
			"lines": []map[string]any{{"item": w.good.Code, "location": w.loc.Code, "lot": "LOT-A", "quantity": "40"}}}, 201, &sh)
		if !strings.HasPrefix(sh.Number, "SH-") || len(sh.Lines) != 1 || sh.Lines[0].LotNo != "LOT-A" {
			t.Fatalf("shipment %+v", sh)
		}
		w.rep.Call(t, "GET", "/erp/sales/orders/"+o.ID, nil, 200, &o)
		if o.Status != sales.StatusPartiallyShipped || o.Lines[0].Shipped.String() != "40" || o.Lines[0].Reserved.String() != "60" {
			t.Fatalf("after shipping %+v", o)
		}
		ev := ct.Events(t, s, sales.EventShipped, sh.ID)
		if len(ev) != 1 || ev[0]["so_number"] != o.Number || ev[0]["carrier"] != "顺丰速运" {
			t.Fatalf("shipped event %v", ev)
		}
		lines, _ := json.Marshal(ev[0]["lines"])
		if !strings.Contains(string(lines), `"lots":["LOT-A"]`) || !strings.Contains(string(lines), `"quantity":"40"`) {
			t.Fatalf("shipped lines %s", lines)
		}
		got := statuses(t, s, o.ID)
		last := ct.Events(t, s, sales.EventStatusChanged, o.ID)
		if got[len(got)-1] != "partially_shipped" || last[len(last)-1]["tracking_no"] != "SF1234567890" || last[len(last)-1]["shipment_number"] != sh.Number {
			t.Fatalf("status events %v", last)
		}
		// The shipment posted cost of goods sold.
		if n := ct.Count(t, s, `SELECT count(*) FROM inv_doc WHERE source_id = $1 AND entry_id <> ''`, sh.ID); n != 1 {
			t.Fatalf("shipment posted %d entries", n)
		}
	})

	t.Run("stock arrives; reserve again fills the backorder", func(t *testing.T) {
		w.receive(t, "50", "LOT-B")
		var res struct {
			Reserved string      `json:"reserved"`
			Order    sales.Order `json:"order"`
		}
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/reserve", map[string]any{}, 200, &res)
		if res.Reserved != "30" || res.Order.Lines[0].Backordered.String() != "0" || res.Order.Lines[0].Reserved.String() != "90" {
			t.Fatalf("reserve again %+v", res)
		}
		w.rep.Fail(t, "POST", "/erp/sales/orders/"+o.ID+"/reserve", map[string]any{}, 422)
	})

	t.Run("pick with a scanner, then ship the draft", func(t *testing.T) {
		var sh sales.Shipment
		w.clerk.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/draft-shipment", nil, 200, &sh)
		p := w.clerk.Fail(t, "POST", "/erp/sales/shipments/"+sh.ID+"/picks", map[string]any{"item": w.good.Code, "location": w.loc.Code,
			"lot": "LOT-B", "quantity": "51"}, 422)
		if !p.Names("quantity", "") {
			t.Fatalf("too much from the lot: %v", p.Fields())
		}
		w.clerk.Call(t, "POST", "/erp/sales/shipments/"+sh.ID+"/picks", map[string]any{"item": w.good.Code, "location": w.loc.Code,
			"lot": "LOT-A", "quantity": "60"}, 200, &sh)
		w.clerk.Call(t, "POST", "/erp/sales/shipments/"+sh.ID+"/picks", map[string]any{"item": w.good.Code, "location": w.loc.Code,
			"lot": "LOT-B", "quantity": "30"}, 200, &sh)
		w.clerk.Call(t, "POST", "/erp/sales/shipments/"+sh.ID+"/ship", map[string]any{"carrier": "德邦物流", "tracking_no": "DB778899"}, 200, &sh)
		w.rep.Call(t, "GET", "/erp/sales/orders/"+o.ID, nil, 200, &o)
		if o.Status != sales.StatusShipped || o.Lines[0].Shipped.String() != "130" {
			t.Fatalf("after the second shipment %+v", o)
		}
		if got := statuses(t, s, o.ID); got[len(got)-1] != "shipped" {
			t.Fatalf("status events %v", got)
		}
	})

	t.Run("orders from CRM", func(t *testing.T) { ordersFromCRM(t, w) })

	t.Run("reservations under load", func(t *testing.T) { reservationsUnderLoad(t, w) })

	t.Run("cancel releases stock; close ends a partly shipped order", func(t *testing.T) {
		w.receive(t, "20", "LOT-C")
		var o2 sales.Order
		w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
			{"item": w.good.Code, "quantity": "10"}}}, 201, &o2)
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o2.ID+"/confirm", nil, 200, &o2)
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o2.ID+"/cancel", nil, 200, &o2)
		if o2.Status != sales.StatusCancelled {
			t.Fatalf("cancelled %+v", o2)
		}
		var o3 sales.Order
		w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
			{"item": w.good.Code, "quantity": "20"}}}, 201, &o3)
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o3.ID+"/confirm", nil, 200, &o3)
		w.clerk.Call(t, "POST", "/erp/sales/orders/"+o3.ID+"/shipments", map[string]any{"lines": []map[string]any{
			{"line_no": 1, "location": w.loc.Code, "lot": "LOT-C", "quantity": "5"}}}, 201, nil)
		w.rep.Fail(t, "POST", "/erp/sales/orders/"+o3.ID+"/cancel", nil, http.StatusPreconditionFailed)
		w.rep.Call(t, "POST", "/erp/sales/orders/"+o3.ID+"/close", nil, 200, &o3)
		if o3.Status != sales.StatusClosed || o3.Lines[0].Reserved.String() != "0" {
			t.Fatalf("closed %+v", o3)
		}
		var st struct {
			Items []struct {
				Reserved string `json:"reserved"`
				OnHand   string `json:"on_hand"`
			} `json:"items"`
		}
		w.clerk.Call(t, "GET", "/erp/stock?item_id="+w.good.ID, nil, 200, &st)
		if len(st.Items) != 1 || st.Items[0].Reserved != "0" || st.Items[0].OnHand != "35" {
			t.Fatalf("stock after cancel and close %+v", st.Items)
		}
	})
}

// emitRequest puts a crm.order.requested event into CRM's outbox, as CRM
// would, with the given age.
func emitRequest(t *testing.T, s *apptest.Server, quoteID string, data map[string]any, age time.Duration) {
	t.Helper()
	raw, _ := json.Marshal(data)
	d := s.App.DBs["crm"]
	err := d.InTx(context.Background(), func(ctx context.Context) error {
		_, err := outbox.Add(ctx, d, outbox.Envelope{Type: sales.EventOrderRequested, Subject: quoteID, Data: raw, OccurredAt: time.Now().Add(-age)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.WaitEvents(t)
}

// ordersFromCRM sends crm.order.requested events as CRM would: accepted
// once per request id, refused with the reason for each kind of bad request.
func ordersFromCRM(t *testing.T, w *world) {
	s := w.s
	quote := db.NewID()
	request := func(reqID, customer, item, qty string) map[string]any {
		return map[string]any{"request_id": reqID, "quote_id": quote, "quote_number": "QT-2026-000042", "revision": 1,
			"customer_id": customer, "currency": "CNY", "requested_date": "", "rep_id": "", "lines": []map[string]any{
				{"line_no": 10, "item_id": item, "quantity": qty, "unit_price": "260", "vat_rate": "0.13", "discount": "0"}}}
	}
	// An item of its own, so the earlier subtests' stock does not matter.
	good := ct.NewClient(t, s, "sun.li").Item(t, ct.ItemSpec{UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID, ListPrice: "268", LeadTime: 15})
	w.admin.Call(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "lines": []map[string]any{
		{"item": good.Code, "location": w.loc.Code, "quantity": "30", "unit_cost": "180"}}}, 201, nil)
	reqID := db.NewID()
	emitRequest(t, s, quote, request(reqID, w.customer.ID, good.ID, "30"), 0)
	acc := ct.Events(t, s, sales.EventAccepted, quote)
	if len(acc) != 1 || acc[0]["request_id"] != reqID || !strings.HasPrefix(acc[0]["so_number"].(string), "SO-") {
		t.Fatalf("accepted %v", acc)
	}
	lines := acc[0]["lines"].([]any)
	if l := lines[0].(map[string]any); l["line_no"] != float64(10) || l["reserved"] != "30" || l["backordered"] != "0" {
		t.Fatalf("accepted lines %v", lines)
	}
	soID := acc[0]["so_id"].(string)
	if got := statuses(t, s, soID); strings.Join(got, ",") != "confirmed,reserved" {
		t.Fatalf("status events %v", got)
	}
	// The same request again: the same answer, no second order.
	emitRequest(t, s, quote, request(reqID, w.customer.ID, good.ID, "30"), 0)
	acc = ct.Events(t, s, sales.EventAccepted, quote)
	if len(acc) != 2 || acc[1]["so_id"] != soID {
		t.Fatalf("repeated request: %v", acc)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM so_order WHERE request_id = $1`, reqID); n != 1 {
		t.Fatalf("%d orders for one request", n)
	}
	// Refusals, each with its reason.
	for _, c := range []struct {
		data map[string]any
		age  time.Duration
		code string
	}{
		{request(db.NewID(), w.customer.ID, db.NewID(), "1"), 0, "unknown_item"},
		{request(db.NewID(), w.customer.ID, w.good.ID, "1.5"), 0, "invalid"},
		{request(db.NewID(), w.customer.ID, w.good.ID, "abc"), 0, "invalid"},
		{request(db.NewID(), db.NewID(), w.good.ID, "1"), 2 * time.Minute, "unknown_customer"},
	} {
		q := db.NewID()
		c.data["quote_id"] = q
		emitRequest(t, s, q, c.data, c.age)
		rej := ct.Events(t, s, sales.EventRejected, q)
		if len(rej) != 1 || rej[0]["reason_code"] != c.code || rej[0]["reason"] == "" {
			t.Errorf("want %s, got %v", c.code, rej)
		}
	}
}

// TestSales runs the sales tests against one whole Loom per engine, each on
// a warehouse, items and a customer of its own.
func TestSales(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		t.Run("order to shipment", func(t *testing.T) { orderToShipment(t, newWorld(t, s)) })
		t.Run("screens", func(t *testing.T) { salesScreens(t, newWorld(t, s)) })
		t.Run("in the browser", func(t *testing.T) { warehouseInBrowser(t, newWorld(t, s)) })
		t.Run("returns", func(t *testing.T) { customerReturns(t, newWorld(t, s)) })
		t.Run("return screens", func(t *testing.T) { returnScreens(t, newWorld(t, s)) })
		t.Run("traceability", func(t *testing.T) { traceability(t, newWorld(t, s)) })
	})
}
