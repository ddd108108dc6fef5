package sales_test

import (
	"net/url"
	"strings"
	"testing"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
)

// traceability follows a lot from its receipt to the shipment and the
// customer it went to, and a shipment back to its lots.
func traceability(t *testing.T, w *world) {
	s := w.s
	sh := w.shipOrder(t, "5", "5")
	var tr struct {
		LotNo   string `json:"lot_no"`
		Origins []struct {
			Number, Kind string
			Quantity     string `json:"quantity"`
		} `json:"origins"`
		Locations []struct {
			LocationCode string `json:"location_code"`
			OnHand       string `json:"on_hand"`
		} `json:"locations"`
		Shipments []struct {
			Number       string `json:"number"`
			OrderNumber  string `json:"order_number"`
			CustomerName string `json:"customer_name"`
			TrackingNo   string `json:"tracking_no"`
			Quantity     string `json:"quantity"`
		} `json:"shipments"`
	}
	w.clerk.Call(t, "GET", "/erp/stock/trace/lot?item="+url.QueryEscape(w.good.Code)+"&lot=lot-a", nil, 200, &tr)
	if tr.LotNo != "LOT-A" || len(tr.Origins) != 1 || tr.Origins[0].Kind != "receipt" || !strings.HasPrefix(tr.Origins[0].Number, "GR-") ||
		tr.Origins[0].Quantity != "100" {
		t.Fatalf("origins %+v", tr.Origins)
	}
	if len(tr.Locations) != 1 || tr.Locations[0].LocationCode != w.loc.Code || tr.Locations[0].OnHand != "95" {
		t.Fatalf("locations %+v", tr.Locations)
	}
	if len(tr.Shipments) != 1 || tr.Shipments[0].Number != sh.Number || tr.Shipments[0].CustomerName != w.customer.Name ||
		!strings.HasPrefix(tr.Shipments[0].OrderNumber, "SO-") || tr.Shipments[0].TrackingNo != sh.TrackingNo || tr.Shipments[0].Quantity != "5" {
		t.Fatalf("shipments %+v", tr.Shipments)
	}
	var lots struct {
		Items []struct {
			Number string `json:"number"`
			Lots   []struct {
				LotNo    string `json:"lot_no"`
				Quantity string `json:"quantity"`
			} `json:"lots"`
		} `json:"items"`
	}
	w.rep.Call(t, "GET", "/erp/stock/trace/shipments?customer_id="+w.customer.ID, nil, 200, &lots)
	if len(lots.Items) != 1 || lots.Items[0].Number != sh.Number || len(lots.Items[0].Lots) != 1 || lots.Items[0].Lots[0].LotNo != "LOT-A" ||
		lots.Items[0].Lots[0].Quantity != "5" {
		t.Fatalf("customer's lots %+v", lots.Items)
	}
	if p := w.clerk.Fail(t, "GET", "/erp/stock/trace/lot?item="+url.QueryEscape(w.good.Code)+"&lot=NOPE", nil, 422); !p.Names("lot", "erp.inventory.error.lot_unknown") {
		t.Errorf("unknown lot: %v", p.Fields())
	}
	// The screen, scanned by lot and by shipment, in both languages.
	c := s.Client(t, "chen.jie")
	status, page := get(t, c, s.URL+"/erp/stock/trace?lang=en&lot=LOT-A")
	if status != 200 || !strings.Contains(page, `href="/erp/stock/trace?item=`+w.good.ID+`&amp;lot=LOT-A"`) {
		t.Fatalf("lot search page %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/stock/trace?lang=zh-Hans&lot=LOT-A&item="+w.good.ID)
	if status != 200 || !ct.Contains(page, "追溯", "来源", `data-trace-out="`+sh.Number+`"`, w.customer.Name, sh.TrackingNo) {
		t.Fatalf("lot trace page %d:\n%s", status, page)
	}
	status, page = get(t, c, s.URL+"/erp/stock/trace?lang=en&shipment="+url.QueryEscape(sh.Number))
	if status != 200 || !ct.Contains(page, "Traceability", `data-shipped-lot="`+w.good.Code+`/LOT-A"`) {
		t.Fatalf("shipment trace page %d:\n%s", status, page)
	}
	if status, page = get(t, c, s.URL+"/erp/stock/trace?lang=en&lot=NOWHERE-9"); status != 200 || !strings.Contains(page, "data-no-lot") {
		t.Fatalf("unknown lot page %d", status)
	}
}
