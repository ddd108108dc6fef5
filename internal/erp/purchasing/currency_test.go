package purchasing_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/purchasing"
	"github.com/loom-erp/loom/internal/platform/money"
)

// foreignCurrency buys in US dollars: the approval threshold and the stock
// value at receipt are in yuan at the finance rate, a missing rate names
// the field, and the order's steps are sent as events.
func foreignCurrency(t *testing.T, w *world) {
	s := w.s
	newOrder := func(currency string) purchasing.Order {
		var o purchasing.Order
		w.buyer.Call(t, "POST", "/erp/purchasing/orders", map[string]any{"supplier_id": w.supplier.ID, "warehouse_id": w.wh.ID,
			"currency": currency, "lines": []map[string]any{{"item": w.bolt.Code, "quantity": "10", "unit_price": "1000"}}}, 201, &o)
		return o
	}
	t.Run("a missing rate names the field and changes nothing", func(t *testing.T) {
		o := newOrder("GBP")
		p := w.buyer.Fail(t, "POST", "/erp/purchasing/orders/"+o.ID+"/submit", nil, http.StatusUnprocessableEntity)
		if !p.Names("currency", "erp.purchasing.error.no_rate") {
			t.Fatalf("problem %v", p.Fields())
		}
		if got := w.get(t, o.ID); got.Status != purchasing.StatusDraft || !got.Rate.IsZero() || !got.BaseGross.IsZero() {
			t.Fatalf("order after refusal %+v", got)
		}
		if evs := ct.Events(t, s, purchasing.EventOrderStatusChanged, o.ID); len(evs) != 0 {
			t.Fatalf("events after refusal %v", evs)
		}
	})
	w.finance.Call(t, "PUT", "/erp/finance/rates/USD/2020-01-01", map[string]any{"rate": "7.2"}, 200, nil)
	o := newOrder("USD")
	t.Run("the threshold is compared in the base currency", func(t *testing.T) {
		// 11,300 dollars is below the 50,000 threshold; 81,360 yuan is not.
		w.buyer.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/submit", nil, 200, &o)
		if o.Status != purchasing.StatusPendingApproval || o.Gross.String() != "11300.00" || o.Rate.String() != "7.2" ||
			o.BaseGross.String() != "81360.00" {
			t.Fatalf("submitted order %+v", o)
		}
		// The order's page shows the converted total beside the dollars.
		resp, err := s.Client(t, "xu.ming").Get(s.URL + "/erp/purchasing/orders/" + o.ID)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "data-base-gross") || !strings.Contains(string(page), "81,360.00") {
			t.Fatalf("order page %d does not show the base-currency total", resp.StatusCode)
		}
		w.finance.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/approve", map[string]any{"comment": "同意"}, 200, &o)
	})
	t.Run("stock is valued in the base currency at the receipt date's rate", func(t *testing.T) {
		body := map[string]any{"order_id": o.Number, "location": w.stockLoc.Code, "quantity": "4", "date": "2019-06-01"}
		if p := w.clerk.Fail(t, "POST", "/erp/purchasing/receipts", body, http.StatusUnprocessableEntity); !p.Names("date", "erp.purchasing.error.no_rate") {
			t.Fatalf("receipt before any rate: %v", p.Fields())
		}
		if got := w.get(t, o.ID); got.Lines[0].Received.Sign() != 0 {
			t.Fatalf("received %s after a refusal", got.Lines[0].Received)
		}
		delete(body, "date")
		var r purchasing.Receipt
		w.clerk.Call(t, "POST", "/erp/purchasing/receipts", body, 201, &r)
		if r.Rate.String() != "7.2" {
			t.Fatalf("receipt %+v", r)
		}
		var cost int64
		if err := s.App.DBs["erp"].QueryRow(t.Context(), `SELECT m.unit_cost FROM inv_move m JOIN pur_receipt r ON r.doc_id = m.doc_id
			WHERE r.id = $1`, r.ID).Scan(&cost); err != nil {
			t.Fatal(err)
		}
		if want := money.MustUnitPrice("7200").Units(); cost != want {
			t.Fatalf("unit cost %d, want %d", cost, want)
		}
	})
	t.Run("the order's steps are events", func(t *testing.T) {
		var got []string
		for _, e := range ct.Events(t, s, purchasing.EventOrderStatusChanged, o.ID) {
			got = append(got, e["previous"].(string)+">"+e["status"].(string))
			if e["po_number"] != o.Number || e["currency"] != "USD" || e["gross"] != "11300.00" {
				t.Errorf("event %v", e)
			}
		}
		want := []string{"draft>pending_approval", "pending_approval>approved", "approved>partially_received"}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("status events %v, want %v", got, want)
		}
		evs := ct.Events(t, s, purchasing.EventOrderReceived, o.ID)
		if len(evs) != 1 || evs[0]["item_id"] != w.bolt.ID || evs[0]["quantity"] != "4" || evs[0]["base_quantity"] != "4" ||
			evs[0]["location"] != w.stockLoc.Code || evs[0]["po_number"] != o.Number {
			t.Fatalf("receipt events %v", evs)
		}
	})
}

// heldBillsRace approves two held bills for the same goods at once: one
// posts, the other is refused with a conflict, and the line is billed once.
func heldBillsRace(t *testing.T, w *world) {
	o := w.order(t, w.bolt, "10")
	w.receive(t, o, w.stockLoc, "", "10", 201)
	var bills [2]purchasing.Bill
	for i := range bills {
		w.accountant.Call(t, "POST", "/erp/purchasing/bills", map[string]any{"order_id": o.ID, "invoice_no": ct.Unique("FP"),
			"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": "10", "unit_price": "11"}}}, 201, &bills[i])
		if bills[i].Status != purchasing.BillHeld {
			t.Fatalf("bill %d %+v", i, bills[i])
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	for _, b := range bills {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := w.finance.Do(t, "POST", "/erp/purchasing/bills/"+b.ID+"/approve", map[string]any{"comment": "同意"})
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusOK] != 1 || codes[http.StatusConflict] != 1 {
		t.Fatalf("answers %v: want one approval and one conflict", codes)
	}
	if got := w.get(t, o.ID); got.Lines[0].Billed.String() != "10" {
		t.Fatalf("billed %s", got.Lines[0].Billed)
	}
	if n := ct.Count(t, w.s, `SELECT count(*) FROM pur_bill WHERE order_id = $1 AND status = 'posted'`, o.ID); n != 1 {
		t.Fatalf("%d bills posted", n)
	}
	// The refused bill stays held; approving it again says why, by item.
	for _, b := range bills {
		var now purchasing.Bill
		w.finance.Call(t, "GET", "/erp/purchasing/bills/"+b.ID, nil, 200, &now)
		if now.Status != purchasing.BillHeld {
			continue
		}
		code, body := w.finance.Do(t, "POST", "/erp/purchasing/bills/"+b.ID+"/approve", map[string]any{"comment": "再试"})
		if code != http.StatusConflict || !strings.Contains(body, "erp.purchasing.error.billed_already") || !strings.Contains(body, w.bolt.Code) {
			t.Fatalf("second approval: %d %s", code, body)
		}
		// It can still be rejected.
		w.finance.Call(t, "POST", "/erp/purchasing/bills/"+b.ID+"/reject", map[string]any{"comment": "重复开票"}, 200, nil)
	}
}
