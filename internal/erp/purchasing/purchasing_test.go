package purchasing_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/catalog"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/purchasing"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

// world is a test Loom with a warehouse (a stock and a quarantine
// location), two items, a supplier and its price list.
type world struct {
	s                                      *apptest.Server
	buyer, clerk, finance, accountant, rep *ct.Client
	wh                                     inventory.Warehouse
	stockLoc, qcLoc                        inventory.Location
	bolt, casting                          catalog.Item
	supplier                               partner.Supplier
}

func newWorld(t *testing.T, s *apptest.Server) *world {
	t.Helper()
	w := &world{s: s, buyer: ct.NewClient(t, s, "liu.yang"), clerk: ct.NewClient(t, s, "chen.jie"),
		finance: ct.NewClient(t, s, "xu.ming"), accountant: ct.NewClient(t, s, "huang.jing"), rep: ct.NewClient(t, s, "li.lei")}
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)
	w.clerk.Call(t, "POST", "/erp/warehouses", map[string]any{"code": ct.Unique("PW"), "name": "原料仓"}, 201, &w.wh)
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("RM-"), "type": "stock"}, 201, &w.stockLoc)
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("QC-"), "type": "quarantine"}, 201, &w.qcLoc)
	w.bolt = planner.Item(t, ct.ItemSpec{Kind: "material", UoMID: b.Pieces.ID, CategoryID: b.Category.ID, LeadTime: 20})
	w.casting = planner.Item(t, ct.ItemSpec{Kind: "material", Tracking: "lot", UoMID: b.Pieces.ID, CategoryID: b.Category.ID})
	w.buyer.Call(t, "POST", "/erp/suppliers", map[string]any{"code": ct.Unique("S-"), "name": "昆山宏顺铝业有限公司"}, 201, &w.supplier)
	for _, p := range []map[string]any{
		{"item": w.bolt.Code, "unit_price": "10", "lead_time_days": 5},
		{"item": w.bolt.Code, "unit_price": "9", "min_quantity": "100", "lead_time_days": 5},
		{"item": w.casting.Code, "unit_price": "20", "lead_time_days": 7, "inspection": true},
	} {
		p["supplier_id"] = w.supplier.ID
		w.buyer.Call(t, "POST", "/erp/purchasing/prices", p, 201, nil)
	}
	return w
}

// order enters and submits a purchase order of one line.
func (w *world) order(t *testing.T, item catalog.Item, qty string) purchasing.Order {
	t.Helper()
	var o purchasing.Order
	w.buyer.Call(t, "POST", "/erp/purchasing/orders", map[string]any{"supplier_id": w.supplier.ID, "warehouse_id": w.wh.ID,
		"lines": []map[string]any{{"item": item.Code, "quantity": qty}}}, 201, &o)
	w.buyer.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/submit", nil, 200, &o)
	return o
}

func (w *world) receive(t *testing.T, o purchasing.Order, loc inventory.Location, lot, qty string, want int) ct.Problem {
	t.Helper()
	body := map[string]any{"order_id": o.Number, "item": o.Lines[0].ItemCode, "location": loc.Code, "lot": lot, "quantity": qty}
	if want >= 300 {
		return w.clerk.Fail(t, "POST", "/erp/purchasing/receipts", body, want)
	}
	w.clerk.Call(t, "POST", "/erp/purchasing/receipts", body, want, nil)
	return ct.Problem{}
}

func (w *world) get(t *testing.T, id string) purchasing.Order {
	t.Helper()
	var o purchasing.Order
	w.buyer.Call(t, "GET", "/erp/purchasing/orders/"+id, nil, 200, &o)
	return o
}

func scheduled(t *testing.T, s *apptest.Server, lineID string) string {
	t.Helper()
	var units int64
	err := s.App.DBs["erp"].QueryRow(t.Context(), `SELECT COALESCE(SUM(quantity), 0) FROM inv_schedule WHERE source_id = $1`, lineID).Scan(&units)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(units / 1_000_000)
}

// journal returns the lines of a journal entry by account code, as
// "Dr 100.00" or "Cr 113.00", and whether the entry balances.
func journal(t *testing.T, s *apptest.Server, entryID string) (map[string]string, bool) {
	t.Helper()
	rows, err := s.App.DBs["erp"].Query(t.Context(), `SELECT a.code, l.debit, l.credit FROM fin_line l JOIN fin_account a ON a.id = l.account_id
		WHERE l.entry_id = $1 ORDER BY l.line_no`, entryID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	var dr, cr int64
	for rows.Next() {
		var (
			code string
			d, c int64
		)
		if err := rows.Scan(&code, &d, &c); err != nil {
			t.Fatal(err)
		}
		dr, cr = dr+d, cr+c
		if d > 0 {
			out[code] = fmt.Sprintf("Dr %d.%02d", d/100, d%100)
		} else {
			out[code] = fmt.Sprintf("Cr %d.%02d", c/100, c%100)
		}
	}
	return out, dr == cr && dr > 0
}

func approval(t *testing.T, w *world) {
	s := w.s
	t.Run("bad input names the field and writes nothing", func(t *testing.T) {
		before := ct.Count(t, s, `SELECT count(*) FROM pur_order`)
		p := w.buyer.Fail(t, "POST", "/erp/purchasing/orders", map[string]any{"supplier_id": db.NewID(),
			"lines": []map[string]any{{"item": "NOPE", "quantity": "1"}, {"item": w.bolt.Code, "quantity": "1.5"},
				{"item": w.bolt.Code, "quantity": "-2"}, {"item": w.bolt.Code, "quantity": "1", "expected_date": "2026-13-01"}}}, 422)
		for _, f := range []string{"supplier_id", "lines[0].item", "lines[1].quantity", "lines[2].quantity", "lines[3].expected_date"} {
			if !p.Names(f, "") {
				t.Errorf("problem does not name %s: %v", f, p.Fields())
			}
		}
		p = w.buyer.Fail(t, "POST", "/erp/purchasing/prices", map[string]any{"supplier_id": w.supplier.ID, "item": w.bolt.Code,
			"unit_price": "-1", "valid_from": "2026-05-01", "valid_to": "2026-04-01"}, 422)
		if !p.Names("unit_price", "") || !p.Names("valid_to", "") {
			t.Errorf("price problem %v", p.Fields())
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM pur_order`); n != before {
			t.Errorf("a refused order was written")
		}
	})

	t.Run("small order is approved at once and scheduled", func(t *testing.T) {
		o := w.order(t, w.bolt, "10")
		l := o.Lines[0]
		if o.Status != purchasing.StatusApproved || l.UnitPrice.String() != "10" || o.Net.String() != "100.00" ||
			o.Tax.String() != "13.00" || o.Gross.String() != "113.00" || l.ExpectedDate == "" {
			t.Fatalf("order %+v", o)
		}
		if got := scheduled(t, s, l.ID); got != "10" {
			t.Fatalf("scheduled %s, want 10", got)
		}
	})

	t.Run("large order waits for approval, is rejected with a reason, then approved", func(t *testing.T) {
		o := w.order(t, w.bolt, "6000") // 6000 × 9 (the quantity break) = 54000 + VAT, above 50000
		if o.Status != purchasing.StatusPendingApproval || o.Lines[0].UnitPrice.String() != "9" {
			t.Fatalf("order %+v", o)
		}
		if got := scheduled(t, s, o.Lines[0].ID); got != "0" {
			t.Fatalf("a pending order is scheduled: %s", got)
		}
		w.buyer.Fail(t, "POST", "/erp/purchasing/orders/"+o.ID+"/approve", nil, http.StatusForbidden)
		if p := w.finance.Fail(t, "POST", "/erp/purchasing/orders/"+o.ID+"/reject", map[string]any{}, 422); !p.Names("comment", "") {
			t.Fatalf("reject without a reason: %v", p.Fields())
		}
		w.finance.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/reject", map[string]any{"comment": "价格偏高，请重新议价"}, 200, &o)
		if o.Status != purchasing.StatusDraft {
			t.Fatalf("rejected order is %s", o.Status)
		}
		w.buyer.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/submit", nil, 200, &o)
		w.finance.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/approve", map[string]any{"comment": "同意"}, 200, &o)
		if o.Status != purchasing.StatusApproved || o.ApprovedBy != "xu.ming" {
			t.Fatalf("approved %+v", o)
		}
		var actions []string
		for _, h := range o.History {
			actions = append(actions, h.Action+":"+h.Comment)
		}
		if fmt.Sprint(actions) != "[created: submitted: rejected:价格偏高，请重新议价 submitted: approved:同意]" {
			t.Fatalf("history %v", actions)
		}
		if got := scheduled(t, s, o.Lines[0].ID); got != "6000" {
			t.Fatalf("scheduled %s", got)
		}
		// A second approval is refused.
		w.finance.Fail(t, "POST", "/erp/purchasing/orders/"+o.ID+"/approve", nil, http.StatusPreconditionFailed)
	})
}

func receiving(t *testing.T, w *world) {
	s := w.s
	o := w.order(t, w.bolt, "10")
	t.Run("partial receipt shrinks the expected receipt", func(t *testing.T) {
		w.receive(t, o, w.stockLoc, "", "4", 201)
		o = w.get(t, o.ID)
		if o.Status != purchasing.StatusPartiallyReceived || o.Lines[0].Received.String() != "4" {
			t.Fatalf("after 4: %+v", o)
		}
		if got := scheduled(t, s, o.Lines[0].ID); got != "6" {
			t.Fatalf("scheduled %s, want 6", got)
		}
	})
	t.Run("beyond the over-receipt tolerance is refused", func(t *testing.T) {
		moves := ct.Count(t, s, `SELECT count(*) FROM inv_move`)
		p := w.receive(t, o, w.stockLoc, "", "7", 422) // 11 > 10 + 5%
		if !p.Names("quantity", "erp.purchasing.error.over_receipt") {
			t.Fatalf("over-receipt %v", p.Fields())
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"order_id": o.Number, "location": w.stockLoc.Code, "quantity": "1.5"}, "quantity"},
			{map[string]any{"order_id": o.Number, "location": w.stockLoc.Code, "quantity": "-1"}, "quantity"},
			{map[string]any{"order_id": o.Number, "location": "NOWHERE", "quantity": "1"}, "location"},
			{map[string]any{"order_id": "PO-1999-000001", "location": w.stockLoc.Code, "quantity": "1"}, "order_id"},
			{map[string]any{"order_id": o.Number, "item": w.casting.Code, "location": w.stockLoc.Code, "quantity": "1"}, "item"},
		} {
			if p := w.clerk.Fail(t, "POST", "/erp/purchasing/receipts", c.body, 422); !p.Names(c.field, "") {
				t.Errorf("%v: %v", c.body, p.Fields())
			}
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM inv_move`); n != moves {
			t.Fatalf("a refused receipt moved stock")
		}
	})
	t.Run("within tolerance, then closed: receiving is refused", func(t *testing.T) {
		w.receive(t, o, w.stockLoc, "", "6", 201)
		o = w.get(t, o.ID)
		if o.Status != purchasing.StatusReceived || o.Lines[0].FullDate == "" {
			t.Fatalf("after 10: %+v", o)
		}
		w.buyer.Call(t, "POST", "/erp/purchasing/orders/"+o.ID+"/close", nil, 200, &o)
		p := w.receive(t, o, w.stockLoc, "", "0", 422)
		if !p.Names("quantity", "") {
			t.Fatalf("zero quantity %v", p.Fields())
		}
		p = w.receive(t, o, w.stockLoc, "", "1", 422)
		if !p.Names("order_id", "erp.purchasing.error.order_closed") {
			t.Fatalf("closed order %v", p.Fields())
		}
		if got := scheduled(t, s, o.Lines[0].ID); got != "0" {
			t.Fatalf("closed order still scheduled: %s", got)
		}
	})
	t.Run("items that need inspection go to quarantine", func(t *testing.T) {
		q := w.order(t, w.casting, "50")
		if !q.Lines[0].Inspection {
			t.Fatalf("line does not need inspection: %+v", q.Lines[0])
		}
		if p := w.receive(t, q, w.stockLoc, "CAST-01", "20", 422); !p.Names("location", "erp.purchasing.error.no_quarantine") {
			t.Fatalf("stock location accepted: %v", p.Fields())
		}
		w.receive(t, q, w.qcLoc, "CAST-01", "20", 201)
		var rs struct{ Items []purchasing.Receipt }
		w.clerk.Call(t, "GET", "/erp/purchasing/orders/"+q.ID+"/receipts", nil, 200, &rs)
		if len(rs.Items) != 1 || !rs.Items[0].Quarantine || rs.Items[0].Location != w.qcLoc.Code || rs.Items[0].DocNumber == "" {
			t.Fatalf("receipts %+v", rs.Items)
		}
		// On-time delivery: the bolts came in full before their date; the
		// castings are partly in and not yet due.
		var ds struct{ Items []map[string]any }
		today := time.Now().Format("2006-01-02")
		w.buyer.Call(t, "GET", "/erp/purchasing/delivery?from="+today+"&to="+time.Now().AddDate(0, 0, 30).Format("2006-01-02"), nil, 200, &ds)
		var mine map[string]any
		for _, d := range ds.Items {
			if d["supplier_id"] == w.supplier.ID {
				mine = d
			}
		}
		if mine == nil || mine["lines"] != float64(2) || mine["on_time"] != float64(1) || mine["late"] != float64(0) ||
			mine["on_time_percent"] != float64(50) {
			t.Errorf("delivery %v", mine)
		}
		if p := w.buyer.Fail(t, "GET", "/erp/purchasing/delivery?from=2026-05-01&to=2026-04-01", nil, 422); !p.Names("to", "") {
			t.Errorf("period %v", p.Fields())
		}
		// The sales rep may not receive.
		w.rep.Fail(t, "POST", "/erp/purchasing/receipts", map[string]any{"order_id": q.Number, "location": w.qcLoc.Code,
			"lot": "CAST-01", "quantity": "1"}, http.StatusForbidden)
	})
}

func billing(t *testing.T, w *world) {
	s := w.s
	t.Run("a matching bill posts a balanced entry", func(t *testing.T) {
		o := w.order(t, w.bolt, "10")
		w.receive(t, o, w.stockLoc, "", "10", 201)
		var b purchasing.Bill
		w.accountant.Call(t, "POST", "/erp/purchasing/bills", map[string]any{"order_id": o.ID, "invoice_no": ct.Unique("FP"),
			"due_date": "2099-12-31", "lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": "10"}}}, 201, &b)
		if b.Status != purchasing.BillPosted || b.EntryID == "" || b.Gross.String() != "113.00" {
			t.Fatalf("bill %+v", b)
		}
		lines, balanced := journal(t, s, b.EntryID)
		if !balanced || lines["220201"] != "Dr 100.00" || lines["22210101"] != "Dr 13.00" || lines["220202"] != "Cr 113.00" {
			t.Fatalf("journal %v balanced %v", lines, balanced)
		}
		// Billing the same quantity again is more than was received: held.
		w.accountant.Call(t, "POST", "/erp/purchasing/bills", map[string]any{"order_id": o.ID, "invoice_no": ct.Unique("FP"),
			"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": "10"}}}, 201, &b)
		if b.Status != purchasing.BillHeld || fmt.Sprint(b.Lines[0].Reasons) != "[quantity_over_received]" {
			t.Fatalf("second bill %+v", b)
		}
	})
	t.Run("a price mismatch is held, then approved and posted", func(t *testing.T) {
		o := w.order(t, w.casting, "10")
		w.receive(t, o, w.qcLoc, "CAST-02", "10", 201)
		inv := ct.Unique("FP")
		var b purchasing.Bill
		w.accountant.Call(t, "POST", "/erp/purchasing/bills", map[string]any{"order_id": o.ID, "invoice_no": inv,
			"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": "10", "unit_price": "21"}}}, 201, &b)
		if b.Status != purchasing.BillHeld || b.EntryID != "" || fmt.Sprint(b.Lines[0].Reasons) != "[price_out_of_tolerance]" {
			t.Fatalf("held bill %+v", b)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM fin_entry WHERE source_id = $1`, b.ID); n != 0 {
			t.Fatalf("a held bill posted")
		}
		// The same supplier invoice number cannot be entered twice.
		if p := w.accountant.Fail(t, "POST", "/erp/purchasing/bills", map[string]any{"order_id": o.ID, "invoice_no": inv,
			"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": "1"}}}, 422); !p.Names("invoice_no", "") {
			t.Fatalf("duplicate invoice %v", p.Fields())
		}
		w.accountant.Fail(t, "POST", "/erp/purchasing/bills/"+b.ID+"/approve", nil, http.StatusForbidden)
		w.finance.Call(t, "POST", "/erp/purchasing/bills/"+b.ID+"/approve", map[string]any{"comment": "铝价上涨，同意"}, 200, &b)
		if b.Status != purchasing.BillPosted || b.EntryID == "" || b.DecidedBy != "xu.ming" {
			t.Fatalf("approved bill %+v", b)
		}
		lines, balanced := journal(t, s, b.EntryID)
		if !balanced || lines["220201"] != "Dr 200.00" || lines["1404"] != "Dr 10.00" || lines["22210101"] != "Dr 27.30" ||
			lines["220202"] != "Cr 237.30" {
			t.Fatalf("journal %v balanced %v", lines, balanced)
		}
		// Posted bills are immutable, in the database too.
		if _, err := s.App.DBs["erp"].Writer().ExecContext(t.Context(), s.App.DBs["erp"].Rebind(`UPDATE pur_bill SET comment = 'x' WHERE id = $1`), b.ID); err == nil {
			t.Fatalf("a posted bill was changed")
		}
		w.finance.Fail(t, "POST", "/erp/purchasing/bills/"+b.ID+"/reject", map[string]any{"comment": "no"}, http.StatusPreconditionFailed)
	})
}

// planning turns a reorder point into a suggestion, the suggestion into a
// requisition, and approved requisitions into one order per supplier.
func planning(t *testing.T, w *world) {
	s := w.s
	p := w.buyer.Fail(t, "PUT", "/erp/purchasing/reorder-points", map[string]any{"item": "NOPE", "warehouse_id": w.wh.ID,
		"min": "20", "max": "10", "safety": "0.5"}, 422)
	if !p.Names("item", "") || !p.Names("max", "") {
		t.Fatalf("reorder problems %v", p.Fields())
	}
	w.buyer.Call(t, "PUT", "/erp/purchasing/reorder-points", map[string]any{"item": w.bolt.Code, "warehouse_id": w.wh.ID,
		"min": "20", "max": "100", "safety": "5"}, 200, nil)
	var sg struct{ Items []map[string]any }
	w.buyer.Call(t, "GET", "/erp/purchasing/suggestions", nil, 200, &sg)
	var mine map[string]any
	for _, x := range sg.Items {
		if x["item_id"] == w.bolt.ID && x["warehouse_id"] == w.wh.ID {
			mine = x
		}
	}
	if mine == nil || mine["quantity"] != "105" || mine["available"] != "0" || mine["supplier_id"] != w.supplier.ID {
		t.Fatalf("suggestion %v", mine)
	}
	var made struct{ Items []map[string]any }
	ct.NewClient(t, s, "sun.li").Call(t, "POST", "/erp/purchasing/suggestions", map[string]any{"items": []map[string]any{
		{"item_id": w.bolt.ID, "warehouse_id": w.wh.ID}}}, 201, &made)
	if len(made.Items) != 1 || made.Items[0]["status"] != "open" || made.Items[0]["quantity"] != "105" {
		t.Fatalf("requisitions %v", made.Items)
	}
	// The open requisition counts as on order: nothing more is suggested.
	w.buyer.Call(t, "GET", "/erp/purchasing/suggestions", nil, 200, &sg)
	for _, x := range sg.Items {
		if x["item_id"] == w.bolt.ID && x["warehouse_id"] == w.wh.ID {
			t.Fatalf("still suggested: %v", x)
		}
	}
	planner := ct.NewClient(t, s, "sun.li")
	p = planner.Fail(t, "POST", "/erp/purchasing/requisitions", map[string]any{"item": w.casting.Code, "quantity": "0", "needed_date": ""}, 422)
	if !p.Names("quantity", "") || !p.Names("needed_date", "") {
		t.Fatalf("requisition problems %v", p.Fields())
	}
	var hand map[string]any
	planner.Call(t, "POST", "/erp/purchasing/requisitions", map[string]any{"item": w.casting.Code, "quantity": "5", "warehouse_id": w.wh.ID,
		"needed_date": time.Now().AddDate(0, 0, 10).Format("2006-01-02"), "reason": "试模"}, 201, &hand)
	ids := []string{made.Items[0]["id"].(string), hand["id"].(string)}
	if p := w.buyer.Fail(t, "POST", "/erp/purchasing/requisitions/convert", map[string]any{"requisitions": ids}, 422); !p.Names("requisitions[0]", "") {
		t.Fatalf("converting open requisitions: %v", p.Fields())
	}
	planner.Fail(t, "POST", "/erp/purchasing/requisitions/"+ids[0]+"/approve", nil, http.StatusForbidden)
	for _, id := range ids {
		w.buyer.Call(t, "POST", "/erp/purchasing/requisitions/"+id+"/approve", nil, 200, nil)
	}
	var orders struct{ Items []purchasing.Order }
	w.buyer.Call(t, "POST", "/erp/purchasing/requisitions/convert", map[string]any{"requisitions": ids}, 201, &orders)
	if len(orders.Items) != 1 || len(orders.Items[0].Lines) != 2 || orders.Items[0].SupplierID != w.supplier.ID ||
		orders.Items[0].Status != purchasing.StatusDraft || orders.Items[0].Lines[0].UnitPrice.String() != "9" {
		t.Fatalf("orders %+v", orders.Items)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM pur_requisition WHERE status = 'ordered' AND order_id = $1`, orders.Items[0].ID); n != 2 {
		t.Fatalf("%d requisitions ordered", n)
	}
}

// racing receipts on one line never exceed the tolerance.
func racing(t *testing.T, w *world) {
	o := w.order(t, w.bolt, "10")
	const n = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := w.clerk.Do(t, "POST", "/erp/purchasing/receipts", map[string]any{"order_id": o.ID, "location": w.stockLoc.Code,
				"quantity": "3"})
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 3 || codes[422] != n-3 {
		t.Fatalf("answers %v: want 3 receipts and %d refusals", codes, n-3)
	}
	got := w.get(t, o.ID)
	if got.Lines[0].Received.String() != "9" {
		t.Fatalf("received %s", got.Lines[0].Received)
	}
	if m := ct.Count(t, w.s, `SELECT count(*) FROM pur_receipt WHERE order_id = $1`, o.ID); m != 3 {
		t.Fatalf("%d receipts", m)
	}
}

// TestPurchasing runs the purchasing tests against one whole Loom per
// engine, each part on a warehouse, items and a supplier of its own.
func TestPurchasing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		t.Run("approval", func(t *testing.T) { approval(t, newWorld(t, s)) })
		t.Run("receiving", func(t *testing.T) { receiving(t, newWorld(t, s)) })
		t.Run("billing", func(t *testing.T) { billing(t, newWorld(t, s)) })
		t.Run("racing receipts", func(t *testing.T) { racing(t, newWorld(t, s)) })
		t.Run("planning", func(t *testing.T) { planning(t, newWorld(t, s)) })
		t.Run("foreign currency", func(t *testing.T) { foreignCurrency(t, newWorld(t, s)) })
		t.Run("held bills approved at once", func(t *testing.T) { heldBillsRace(t, newWorld(t, s)) })
		t.Run("in the browser", func(t *testing.T) { purchaseInBrowser(t, newWorld(t, s)) })
	})
}

// TestDemo checks the demo company's purchasing: price lists, orders in
// several states and a bill held for a price mismatch.
func TestDemo(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{Demo: true})
		buyer := ct.NewClient(t, s, "liu.yang")
		var prices struct{ Items []purchasing.Price }
		buyer.Call(t, "GET", "/erp/purchasing/prices", nil, 200, &prices)
		if len(prices.Items) < 5 {
			t.Errorf("%d demo prices", len(prices.Items))
		}
		var orders struct{ Items []purchasing.Order }
		buyer.Call(t, "GET", "/erp/purchasing/orders", nil, 200, &orders)
		seen := map[purchasing.Status]bool{}
		for _, o := range orders.Items {
			seen[o.Status] = true
		}
		for _, st := range []purchasing.Status{purchasing.StatusDraft, purchasing.StatusPendingApproval, purchasing.StatusApproved,
			purchasing.StatusPartiallyReceived, purchasing.StatusReceived} {
			if !seen[st] {
				t.Errorf("no demo order is %s", st)
			}
		}
		var bills struct{ Items []purchasing.Bill }
		ct.NewClient(t, s, "xu.ming").Call(t, "GET", "/erp/purchasing/bills?status=held", nil, 200, &bills)
		if len(bills.Items) != 1 {
			t.Fatalf("%d held demo bills", len(bills.Items))
		}
		var b purchasing.Bill
		buyer.Call(t, "GET", "/erp/purchasing/bills/"+bills.Items[0].ID, nil, 200, &b)
		if fmt.Sprint(b.Lines[0].Reasons) != "[price_out_of_tolerance]" {
			t.Errorf("held demo bill %+v", b)
		}
		var sg struct{ Items []map[string]any }
		buyer.Call(t, "GET", "/erp/purchasing/suggestions", nil, 200, &sg)
		if len(sg.Items) != 1 || sg.Items[0]["item_code"] != "PK-CTN-01" {
			t.Errorf("demo suggestions %v", sg.Items)
		}
		for _, path := range []string{"/erp/purchasing/orders", "/erp/purchasing/requisitions", "/erp/purchasing/reorder", "/erp/purchasing/approvals", "/erp/purchasing/bills",
			"/erp/purchasing/prices", "/erp/purchasing/delivery", "/erp/purchasing/settings", "/erp/purchasing/receive",
			"/erp/purchasing/bills/" + b.ID, "/erp/purchasing/orders/" + b.OrderID, "/erp/purchasing/orders/" + b.OrderID + "/print"} {
			c := s.Client(t, "xu.ming")
			if path == "/erp/purchasing/receive" {
				c = s.Client(t, "chen.jie")
			}
			resp, err := c.Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
		}
	})
}
