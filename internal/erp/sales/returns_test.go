package sales_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/sales"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// salesReturn is a customer return in the API's shape.
type salesReturn struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	RMAID          string `json:"rma_id"`
	Status         string `json:"status"`
	ShipmentNumber string `json:"shipment_number"`
	Lines          []struct {
		Quantity string `json:"quantity"`
		Received string `json:"received"`
	} `json:"lines"`
	Receipts []struct {
		DocID string `json:"doc_id"`
		LotNo string `json:"lot_no"`
	} `json:"receipts"`
}

// authorize sends crm.return.authorized as CRM would.
func authorize(t *testing.T, s *apptest.Server, rmaID string, data map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(data)
	d := s.App.DBs["crm"]
	err := d.InTx(context.Background(), func(ctx context.Context) error {
		_, err := outbox.Add(ctx, d, outbox.Envelope{Type: sales.EventReturnAuthorized, Subject: rmaID, Data: raw, OccurredAt: time.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.WaitEvents(t)
}

// shipOrder confirms an order of qty and ships ship of it from LOT-A.
func (w *world) shipOrder(t *testing.T, qty, ship string) sales.Shipment {
	t.Helper()
	var o sales.Order
	w.rep.Call(t, "POST", "/erp/sales/orders", map[string]any{"customer_id": w.customer.ID, "lines": []map[string]any{
		{"item": w.good.Code, "quantity": qty}}}, 201, &o)
	w.rep.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/confirm", nil, 200, &o)
	var sh sales.Shipment
	w.clerk.Call(t, "POST", "/erp/sales/orders/"+o.ID+"/shipments", map[string]any{"carrier": "顺丰速运", "tracking_no": "SF" + ct.Unique(""),
		"lines": []map[string]any{{"item": w.good.Code, "location": w.loc.Code, "lot": "LOT-A", "quantity": ship}}}, 201, &sh)
	return sh
}

// customerReturns enters returns in ERP and from CRM, never more than
// shipped, and receives them into quarantine at the cost they shipped at.
func customerReturns(t *testing.T, w *world) {
	s := w.s
	var qc inventory.Location
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("QC-"), "type": "quarantine"}, 201, &qc)
	sh := w.shipOrder(t, "40", "40")

	// Entered in ERP: more than shipped is refused and writes nothing.
	returns := ct.Count(t, s, `SELECT count(*) FROM so_return`)
	p := w.clerk.Fail(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh.Number, "reason": "客户拒收",
		"lines": []map[string]any{{"item": w.good.Code, "quantity": "41"}}}, 422)
	if !p.Names("lines[0].quantity", "erp.sales.error.return_exceeds") {
		t.Errorf("return beyond shipped: %v", p.Fields())
	}
	p = w.clerk.Fail(t, "POST", "/erp/sales/returns", map[string]any{"shipment": "SH-NOPE",
		"lines": []map[string]any{{"item": w.service.Code, "quantity": "1"}, {"item": w.good.Code, "quantity": "0"}}}, 422)
	if !p.Names("shipment", "erp.sales.error.shipment_unknown") || !p.Names("lines[1].quantity", "erp.sales.error.quantity_positive") {
		t.Errorf("bad return: %v", p.Fields())
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM so_return`); n != returns {
		t.Fatalf("a refused return was written")
	}
	var r salesReturn
	w.clerk.Call(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh.Number, "reason": "客户拒收",
		"lines": []map[string]any{{"item": w.good.Code, "quantity": "30"}}}, 201, &r)
	if r.Status != "expected" || r.ShipmentNumber != sh.Number || !strings.HasPrefix(r.Number, "RMA-") {
		t.Fatalf("return %+v", r)
	}
	// 30 of 40 are on their way back: 11 more are refused.
	if p := w.clerk.Fail(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh.ID,
		"lines": []map[string]any{{"item": w.good.Code, "quantity": "11"}}}, 422); !p.Names("lines[0].quantity", "erp.sales.error.return_exceeds") {
		t.Errorf("second return beyond shipped: %v", p.Fields())
	}

	// From CRM: one return per authorisation, however often it arrives.
	rma := db.NewID()
	auth := map[string]any{"rma_id": rma, "number": "RMA-2026-000003", "customer_id": w.customer.ID, "shipment_id": sh.ID,
		"lines": []map[string]any{{"item_id": w.good.ID, "quantity": "10", "reason": "气孔超标"}}}
	authorize(t, s, rma, auth)
	authorize(t, s, rma, auth)
	if n := ct.Count(t, s, `SELECT count(*) FROM so_return WHERE rma_id = $1`, rma); n != 1 {
		t.Fatalf("%d returns for one authorisation", n)
	}
	// Nothing is left to return: another authorisation is rejected, with the reason; so is an unknown shipment.
	for _, c := range []struct{ shipment, qty string }{{sh.ID, "1"}, {db.NewID(), "1"}} {
		other := db.NewID()
		authorize(t, s, other, map[string]any{"rma_id": other, "number": "RMA-X", "customer_id": w.customer.ID, "shipment_id": c.shipment,
			"lines": []map[string]any{{"item_id": w.good.ID, "quantity": c.qty, "reason": "x"}}})
		ev := ct.Events(t, s, sales.EventReturnReceived, other)
		if len(ev) != 1 || ev[0]["status"] != "rejected" || ev[0]["reason"] == "" || ev[0]["rma_id"] != other {
			t.Errorf("rejected authorisation: %v", ev)
		}
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM so_return r JOIN so_return_line l ON l.return_id = r.id WHERE r.shipment_id = $1
		AND r.status IN ('expected', 'received')`, sh.ID); n != 2 {
		t.Errorf("%d live return lines on the shipment, want 2", n)
	}

	// Receiving the authorised return: into quarantine, only lots that shipped.
	var id string
	if err := s.App.DBs["erp"].QueryRow(context.Background(), `SELECT id FROM so_return WHERE rma_id = $1`, rma).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/erp/sales/returns/" + id + "/receive"
	if p := w.clerk.Fail(t, "POST", path, map[string]any{"location": w.loc.Code, "item": w.good.Code, "lot": "LOT-A", "quantity": "10"}, 422); !p.Names("location", "erp.sales.error.not_quarantine") {
		t.Errorf("return into stock: %v", p.Fields())
	}
	if p := w.clerk.Fail(t, "POST", path, map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "LOT-Z", "quantity": "10"}, 422); !p.Names("lot", "erp.sales.error.lot_not_shipped") {
		t.Errorf("return of a lot not shipped: %v", p.Fields())
	}
	if p := w.clerk.Fail(t, "POST", path, map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "LOT-A", "quantity": "11"}, 422); !p.Names("quantity", "erp.sales.error.return_exceeds") {
		t.Errorf("receiving more than authorised: %v", p.Fields())
	}
	w.clerk.Call(t, "POST", path, map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "lot-a", "quantity": "4"}, 200, &r)
	if r.Status != "expected" || r.Lines[0].Received != "4" || len(ct.Events(t, s, sales.EventReturnReceived, rma)) != 0 {
		t.Fatalf("partly received %+v", r)
	}
	w.clerk.Call(t, "POST", path, map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "LOT-A", "quantity": "6"}, 200, &r)
	if r.Status != "received" || len(r.Receipts) != 2 || r.Receipts[0].LotNo != "LOT-A" {
		t.Fatalf("received %+v", r)
	}
	ev := ct.Events(t, s, sales.EventReturnReceived, rma)
	lines, _ := json.Marshal(ev[0]["lines"])
	if len(ev) != 1 || ev[0]["status"] != "received" || ev[0]["so_id"] == "" || !strings.Contains(string(lines), `"quantity":"10"`) ||
		!strings.Contains(string(lines), `"lots":["LOT-A"]`) {
		t.Fatalf("received event %v", ev)
	}
	w.clerk.Fail(t, "POST", path, map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "LOT-A", "quantity": "1"}, 409)
	// The goods came back at the cost they shipped at (180), inventory against cost of goods sold.
	var doc inventory.Doc
	w.admin.Call(t, "GET", "/erp/stock/docs/"+r.Receipts[1].DocID, nil, 200, &doc)
	if doc.Kind != inventory.DocReturn || doc.Value == nil || doc.Value.String() != "1080.00" || doc.EntryID == "" || doc.Moves[0].LocationID != qc.ID {
		t.Errorf("return document %+v", doc)
	}
	var qcStock struct {
		Items []inventory.Balance `json:"items"`
	}
	w.clerk.Call(t, "GET", "/erp/stock/balances?location_id="+qc.ID, nil, 200, &qcStock)
	if len(qcStock.Items) != 1 || qcStock.Items[0].OnHand.String() != "10" {
		t.Errorf("quarantine holds %+v", qcStock.Items)
	}

	// Under concurrency the returns of one shipment never exceed what it shipped.
	sh2 := w.shipOrder(t, "10", "10")
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		ok int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, body := w.clerk.Do(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh2.Number,
				"lines": []map[string]any{{"item": w.good.Code, "quantity": "3"}}})
			mu.Lock()
			defer mu.Unlock()
			switch st {
			case http.StatusCreated:
				ok++
			case http.StatusUnprocessableEntity:
			default:
				t.Errorf("concurrent return: %d %s", st, body)
			}
		}()
	}
	wg.Wait()
	// Each return takes 3 of the 10 shipped: three fit, the others are refused.
	if lines := ct.Count(t, s, `SELECT count(*) FROM so_return r JOIN so_return_line l ON l.return_id = r.id
		WHERE r.shipment_id = $1 AND l.quantity = 3000000`, sh2.ID); ok != 3 || lines != 3 {
		t.Errorf("%d concurrent returns accepted, %d written; want 3", ok, lines)
	}
	// The order's owner sees its returns but may not enter them; another rep does not see them.
	w.rep.Call(t, "GET", "/erp/sales/returns/"+r.ID, nil, 200, nil)
	ct.NewClient(t, s, "zhao.min").Fail(t, "GET", "/erp/sales/returns/"+r.ID, nil, 404)
	w.rep.Fail(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh2.Number, "lines": []map[string]any{{"item": w.good.Code, "quantity": "1"}}}, 403)
}

// returnScreens enters and receives a return through the screens, in both languages.
func returnScreens(t *testing.T, w *world) {
	s := w.s
	var qc inventory.Location
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("QC-"), "type": "quarantine"}, 201, &qc)
	sh := w.shipOrder(t, "5", "5")
	c := s.Client(t, "chen.jie")
	status, page := get(t, c, s.URL+"/erp/sales/returns?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "客户退货", "data-scan") {
		t.Fatalf("returns page %d", status)
	}
	status, _, page = post(t, c, s.URL+"/erp/sales/returns?lang=zh-Hans", url.Values{"shipment": {sh.Number}, "item": {w.good.Code}, "quantity": {"6"}})
	if status != 422 || !ct.Contains(page, `data-field-error="quantity-0"`, "最多还可退回 5") {
		t.Fatalf("return beyond shipped %d:\n%s", status, page)
	}
	status, loc, _ := post(t, c, s.URL+"/erp/sales/returns", url.Values{"shipment": {sh.Number}, "item": {w.good.Code}, "quantity": {"2"}, "reason": {"包装破损"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/sales/returns/") {
		t.Fatalf("new return %d %s", status, loc)
	}
	retPath := strings.SplitN(loc, "?", 2)[0]
	status, page = get(t, c, s.URL+loc+"&lang=en")
	if status != 200 || !ct.Contains(page, "Expected", "Quarantine location", sh.Number) {
		t.Fatalf("return page %d:\n%s", status, page)
	}
	status, loc, _ = post(t, c, s.URL+retPath+"/receive", url.Values{"location": {qc.Code}, "item": {w.good.Code}, "lot": {"LOT-A"}, "quantity": {"2"}})
	if status != http.StatusSeeOther {
		t.Fatalf("receive %d", status)
	}
	status, page = get(t, c, s.URL+loc+"&lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "已收货", fmt.Sprintf(`data-receipt="%s/LOT-A"`, w.good.Code)) {
		t.Fatalf("received return page %d:\n%s", status, page)
	}
	t.Run("cancelling and closing short", func(t *testing.T) { endingReturns(t, newWorld(t, s)) })
}
