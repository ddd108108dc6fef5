package inventory_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/catalog"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

// world is a test Loom with a warehouse of three locations and a few items.
type world struct {
	s                     *apptest.Server
	clerk, planner, acct  *ct.Client
	b                     ct.Basics
	wh                    inventory.Warehouse
	stock, stock2, qc     inventory.Location
	plain, lotted, serial catalog.Item
	kg                    catalog.Item
}

// newWorld makes a fresh set of warehouse, locations and items on s.
func newWorld(t *testing.T, s *apptest.Server) *world {
	t.Helper()
	w := &world{s: s, clerk: ct.NewClient(t, s, "chen.jie"), planner: ct.NewClient(t, s, "sun.li"), acct: ct.NewClient(t, s, "huang.jing")}
	w.b = ct.NewBasics(t, w.planner)
	w.clerk.Call(t, "POST", "/erp/warehouses", map[string]any{"code": ct.Unique("W"), "name": "成品仓", "is_default": true}, 201, &w.wh)
	loc := func(typ string) inventory.Location {
		var l inventory.Location
		w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("L-"), "type": typ}, 201, &l)
		return l
	}
	w.stock, w.stock2, w.qc = loc("stock"), loc("stock"), loc("quarantine")
	item := func(tracking, uom string) catalog.Item {
		return w.planner.Item(t, ct.ItemSpec{Tracking: tracking, UoMID: uom, CategoryID: w.b.Category.ID, LeadTime: 10})
	}
	w.plain, w.lotted, w.serial = item("none", w.b.Pieces.ID), item("lot", w.b.Pieces.ID), item("serial", w.b.Pieces.ID)
	w.kg = item("none", w.b.Kilograms.ID)
	return w
}

// line is one line of a stock document in the API's shape.
func line(item catalog.Item, loc inventory.Location, qty string, extra ...string) map[string]any {
	l := map[string]any{"item": item.Code, "location": loc.Code, "quantity": qty}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

func (w *world) post(t *testing.T, c *ct.Client, kind string, lines ...map[string]any) inventory.Doc {
	t.Helper()
	var d inventory.Doc
	c.Call(t, "POST", "/erp/stock/docs", map[string]any{"kind": kind, "lines": lines}, 201, &d)
	return d
}

func (w *world) postOn(t *testing.T, c *ct.Client, kind, date string, lines ...map[string]any) inventory.Doc {
	t.Helper()
	var d inventory.Doc
	c.Call(t, "POST", "/erp/stock/docs", map[string]any{"kind": kind, "date": date, "lines": lines}, 201, &d)
	return d
}

func (w *world) onHand(t *testing.T, item catalog.Item, loc inventory.Location, lot string) string {
	t.Helper()
	var out struct {
		Items []inventory.Balance `json:"items"`
	}
	w.clerk.Call(t, "GET", "/erp/stock/balances?item_id="+item.ID+"&location_id="+loc.ID, nil, 200, &out)
	for _, b := range out.Items {
		if b.LotNo == lot {
			return b.OnHand.String()
		}
	}
	return "0"
}

func (w *world) checks(t *testing.T) {
	t.Helper()
	for _, c := range check.All() {
		if !strings.HasPrefix(c.Name, "erp.stock.") {
			continue
		}
		if vs, err := c.Run(context.Background(), w.s.App.DBs["erp"]); err != nil || len(vs) > 0 {
			t.Errorf("%s: %v %v", c.Name, err, vs)
		}
	}
}

func today() string { return time.Now().Format("2006-01-02") }

func daysAgo(n int) string { return time.Now().AddDate(0, 0, -n).Format("2006-01-02") }

func stockDocuments(t *testing.T, w *world) {
	s := w.s

	t.Run("receive, issue, transfer, adjust and scrap keep balances", func(t *testing.T) {
		w.post(t, w.clerk, "receipt", line(w.lotted, w.stock, "100", "lot", "L1", "expiry_date", "2030-01-31"),
			line(w.plain, w.stock, "40"), line(w.kg, w.stock, "2.125"))
		w.post(t, w.clerk, "issue", line(w.lotted, w.stock, "30", "lot", "l1"))
		w.post(t, w.clerk, "transfer", line(w.lotted, w.stock, "20", "lot", "L1", "to_location", w.stock2.Code))
		w.post(t, w.clerk, "adjustment", line(w.plain, w.stock, "-3"), line(w.kg, w.stock, "0.5"))
		w.post(t, w.clerk, "scrap", line(w.plain, w.stock, "2"))
		for _, c := range []struct {
			item catalog.Item
			loc  inventory.Location
			lot  string
			want string
		}{{w.lotted, w.stock, "L1", "50"}, {w.lotted, w.stock2, "L1", "20"}, {w.plain, w.stock, "", "35"}, {w.kg, w.stock, "", "2.625"}} {
			if got := w.onHand(t, c.item, c.loc, c.lot); got != c.want {
				t.Errorf("%s at %s lot %q: %s, want %s", c.item.Code, c.loc.Code, c.lot, got, c.want)
			}
		}
		var lots struct {
			Items []inventory.Lot `json:"items"`
		}
		w.clerk.Call(t, "GET", "/erp/stock/lots?item_id="+w.lotted.ID, nil, 200, &lots)
		if len(lots.Items) != 1 || lots.Items[0].ExpiryDate != "2030-01-31" || lots.Items[0].OnHand.String() != "70" {
			t.Errorf("lots %+v", lots.Items)
		}
		w.checks(t)
	})

	t.Run("bad lines name the field and write nothing", func(t *testing.T) {
		moves := ct.Count(t, s, `SELECT count(*) FROM inv_move`)
		events := ct.Count(t, s, `SELECT count(*) FROM outbox`)
		cases := []struct {
			name  string
			kind  string
			lines []map[string]any
			field string
			key   string
		}{
			{"unknown item", "receipt", []map[string]any{{"item": "NO-SUCH", "location": w.stock.Code, "quantity": "1"}}, "lines[0].item", "erp.inventory.error.item_unknown"},
			{"unknown location", "receipt", []map[string]any{{"item": w.plain.Code, "location": "NOWHERE", "quantity": "1"}}, "lines[0].location", "erp.inventory.error.location_unknown"},
			{"negative quantity", "receipt", []map[string]any{line(w.plain, w.stock, "-1")}, "lines[0].quantity", "erp.inventory.error.quantity_positive"},
			{"zero", "issue", []map[string]any{line(w.plain, w.stock, "0")}, "lines[0].quantity", "erp.inventory.error.quantity_zero"},
			{"decimals for pieces", "receipt", []map[string]any{line(w.plain, w.stock, "1.5")}, "lines[0].quantity", "erp.inventory.error.quantity_precision"},
			{"decimals for kilograms", "receipt", []map[string]any{line(w.kg, w.stock, "1.0005")}, "lines[0].quantity", "erp.inventory.error.quantity_precision"},
			{"more than on hand", "issue", []map[string]any{line(w.plain, w.stock, "36")}, "lines[0].quantity", "erp.inventory.error.insufficient"},
			{"lot missing", "receipt", []map[string]any{line(w.lotted, w.stock, "1")}, "lines[0].lot", "erp.inventory.error.lot_required"},
			{"lot for untracked item", "receipt", []map[string]any{line(w.plain, w.stock, "1", "lot", "X")}, "lines[0].lot", "erp.inventory.error.lot_not_tracked"},
			{"unknown lot", "issue", []map[string]any{line(w.lotted, w.stock, "1", "lot", "NOPE")}, "lines[0].lot", "erp.inventory.error.lot_unknown"},
			{"other expiry", "receipt", []map[string]any{line(w.lotted, w.stock, "1", "lot", "L1", "expiry_date", "2031-01-01")}, "lines[0].expiry_date", "erp.inventory.error.lot_expiry"},
			{"serial of two", "receipt", []map[string]any{line(w.serial, w.stock, "2", "lot", "SN-1")}, "lines[0].quantity", "erp.inventory.error.serial_quantity"},
			{"transfer to itself", "transfer", []map[string]any{line(w.plain, w.stock, "1", "to_location", w.stock.Code)}, "lines[0].to_location", "erp.inventory.error.location_same"},
			{"second line bad", "receipt", []map[string]any{line(w.plain, w.stock, "1"), line(w.plain, w.stock, "abc")}, "lines[1].quantity", ""},
		}
		for _, c := range cases {
			p := w.clerk.Fail(t, "POST", "/erp/stock/docs", map[string]any{"kind": c.kind, "lines": c.lines}, http.StatusUnprocessableEntity)
			if !p.Names(c.field, c.key) {
				t.Errorf("%s: problem names %v, want %s (%s)", c.name, p.Fields(), c.field, c.key)
			}
		}
		if p := w.clerk.Fail(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "date": "2999-01-01",
			"lines": []map[string]any{line(w.plain, w.stock, "1")}}, 422); !p.Names("date", "erp.inventory.error.future_date") {
			t.Errorf("future date: %v", p.Fields())
		}
		// A serial number is in stock once.
		w.post(t, w.clerk, "receipt", line(w.serial, w.stock, "1", "lot", "SN-100"))
		if p := w.clerk.Fail(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt",
			"lines": []map[string]any{line(w.serial, w.stock2, "1", "lot", "SN-100")}}, 422); !p.Names("lines[0].lot", "erp.inventory.error.serial_in_stock") {
			t.Errorf("serial twice: %v", p.Fields())
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM inv_move`); n != moves+1 {
			t.Errorf("moves %d, want %d", n, moves+1)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM outbox`); n != events+1 {
			t.Errorf("events %d, want %d (only the serial receipt's availability)", n, events+1)
		}
	})

	t.Run("the ledger refuses changes", func(t *testing.T) {
		d := s.App.DBs["erp"]
		for _, q := range []string{`UPDATE inv_move SET quantity = quantity + 1`, `DELETE FROM inv_move`} {
			_, err := d.Exec(context.Background(), q)
			if err == nil || !db.IsCheckViolation(err) {
				t.Errorf("%s: %v", q, err)
			}
		}
		_, err := d.Exec(context.Background(), `UPDATE inv_balance SET on_hand = -1`)
		if err == nil || !db.IsCheckViolation(err) {
			t.Errorf("negative balance: %v", err)
		}
	})

	t.Run("availability events only when numbers change", func(t *testing.T) {
		it := w.planner.Item(t, ct.ItemSpec{UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID, LeadTime: 7})
		w.post(t, w.clerk, "receipt", line(it, w.qc, "10"))
		if evs := ct.Events(t, s, inventory.EventAvailabilityChanged, it.ID); len(evs) != 0 {
			t.Fatalf("quarantine stock was announced: %v", evs)
		}
		w.post(t, w.clerk, "transfer", line(it, w.qc, "6", "to_location", w.stock.Code))
		w.post(t, w.clerk, "transfer", line(it, w.stock, "6", "to_location", w.stock2.Code))
		evs := ct.Events(t, s, inventory.EventAvailabilityChanged, it.ID)
		if len(evs) != 1 || evs[0]["on_hand"] != "6" || evs[0]["available"] != "6" || evs[0]["reserved"] != "0" ||
			evs[0]["lead_time_days"] != float64(7) || fmt.Sprint(evs[0]["incoming"]) != "[]" || evs[0]["as_of"] == "" {
			t.Fatalf("events %v", evs)
		}
	})

	t.Run("permissions and costs", func(t *testing.T) {
		rep := ct.NewClient(t, s, "li.lei")
		if st, _ := rep.Do(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt", "lines": []map[string]any{line(w.plain, w.stock, "1")}}); st != 403 {
			t.Errorf("rep posted: %d", st)
		}
		if st, body := rep.Do(t, "GET", "/erp/stock/moves?item_id="+w.plain.ID, nil); st != 200 || strings.Contains(body, `"value"`) {
			t.Errorf("rep moves: %d %s", st, body)
		}
		if st, body := w.acct.Do(t, "GET", "/erp/stock/moves?item_id="+w.plain.ID, nil); st != 200 || !strings.Contains(body, `"value"`) {
			t.Errorf("accountant moves: %d %s", st, body)
		}
		if st, _ := w.clerk.Do(t, "GET", "/erp/stock/value", nil); st != 403 {
			t.Errorf("clerk sees stock value: %d", st)
		}
		// A buyer may move nothing and adjust nothing.
		buyer := ct.NewClient(t, s, "liu.yang")
		if st, _ := buyer.Do(t, "POST", "/erp/stock/docs", map[string]any{"kind": "adjustment", "lines": []map[string]any{line(w.plain, w.stock, "1")}}); st != 403 {
			t.Errorf("buyer adjusted: %d", st)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM audit_log WHERE action = 'erp.inventory.doc.posted' AND actor_login = 'chen.jie'`); n == 0 {
			t.Error("posting is not audited")
		}
	})

	t.Run("warehouses and locations", func(t *testing.T) {
		if p := w.clerk.Fail(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": w.stock.Code, "type": "stock"}, 422); !p.Names("code", "") {
			t.Errorf("duplicate location: %v", p.Fields())
		}
		if p := w.clerk.Fail(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("X"), "type": "roof"}, 422); !p.Names("body.type", "") && !p.Names("type", "") {
			t.Errorf("bad type: %+v", p)
		}
		// A location with stock keeps its type.
		if p := w.clerk.Fail(t, "PUT", "/erp/locations/"+w.stock.ID, map[string]any{"code": w.stock.Code, "type": "scrap"}, 422); !p.Names("type", "erp.inventory.error.location_has_stock") {
			t.Errorf("type with stock: %v", p.Fields())
		}
		// An item with stock keeps its unit and tracking.
		upd := map[string]any{"name": "x", "kind": "finished", "category_id": w.b.Category.ID, "uom_id": w.b.Kilograms.ID,
			"vat_rate": "0.13", "sellable": true, "version": w.plain.Version}
		if p := w.planner.Fail(t, "PUT", "/erp/items/"+w.plain.ID, upd, 422); !p.Names("uom_id", "erp.catalog.error.in_use") {
			t.Errorf("unit of an item in use: %v", p.Fields())
		}
	})
}

func valuation(t *testing.T, w *world) {
	admin := ct.NewClient(t, w.s, "admin")
	it := w.plain
	value := func(date string) string {
		t.Helper()
		var v struct {
			Value string `json:"value"`
		}
		w.acct.Call(t, "GET", "/erp/stock/value?date="+date, nil, 200, &v)
		return v.Value
	}
	moveValue := func(d inventory.Doc) string {
		t.Helper()
		var got inventory.Doc
		w.acct.Call(t, "GET", "/erp/stock/docs/"+d.ID, nil, 200, &got)
		return got.Moves[0].Value.String()
	}
	// 10 at 5.00, then 10 at 7.00: average 6.00; issuing 5 costs 30.00.
	w.postOn(t, admin, "receipt", daysAgo(10), line(it, w.stock, "10", "unit_cost", "5"))
	w.postOn(t, admin, "receipt", daysAgo(5), line(it, w.stock, "10", "unit_cost", "7"))
	issue := w.postOn(t, admin, "issue", daysAgo(3), line(it, w.stock, "5"))
	if v := moveValue(issue); v != "-30.00" {
		t.Fatalf("issue valued %s, want -30.00", v)
	}
	for date, want := range map[string]string{daysAgo(11): "0.00", daysAgo(6): "50.00", daysAgo(4): "120.00", today(): "90.00"} {
		if got := value(date); got != want {
			t.Errorf("stock value at %s: %s, want %s", date, got, want)
		}
	}
	// A receipt back-dated before the second one: 10 at 8.00 makes the
	// average 6.50, then 6.666667 after the second; the later issue is
	// valued again at 5 × 200 / 30 = 33.33.
	w.postOn(t, admin, "receipt", daysAgo(7), line(it, w.stock, "10", "unit_cost", "8"))
	if v := moveValue(issue); v != "-33.33" {
		t.Errorf("issue revalued %s, want -33.33", v)
	}
	for date, want := range map[string]string{daysAgo(6): "130.00", today(): "166.67"} {
		if got := value(date); got != want {
			t.Errorf("stock value at %s after back-dating: %s, want %s", date, got, want)
		}
	}
	// An issue back-dated to when there was too little stock is refused.
	moves := ct.Count(t, w.s, `SELECT count(*) FROM inv_move`)
	p := admin.Fail(t, "POST", "/erp/stock/docs", map[string]any{"kind": "issue", "date": daysAgo(9),
		"lines": []map[string]any{line(it, w.stock, "15")}}, 422)
	if !p.Names("lines[0].quantity", "erp.inventory.error.negative_history") {
		t.Errorf("negative history: %v", p.Fields())
	}
	if n := ct.Count(t, w.s, `SELECT count(*) FROM inv_move`); n != moves {
		t.Errorf("a refused back-dated issue wrote moves")
	}
	// Issuing the rest leaves nothing and no value.
	w.post(t, admin, "issue", line(it, w.stock, "25"))
	if got := value(today()); got != "0.00" {
		t.Errorf("empty stock is worth %s", got)
	}
	// Finance is running: every document that moved value posted an entry.
	if n := ct.Count(t, w.s, `SELECT count(*) FROM inv_doc WHERE entry_id <> ''`); n != 5 {
		t.Errorf("%d documents posted journal entries, want 5", n)
	}
	// A clerk may not enter costs.
	if p := w.clerk.Fail(t, "POST", "/erp/stock/docs", map[string]any{"kind": "receipt",
		"lines": []map[string]any{line(it, w.stock, "1", "unit_cost", "3")}}, 422); !p.Names("lines[0].unit_cost", "erp.inventory.error.cost_forbidden") {
		t.Errorf("clerk cost: %v", p.Fields())
	}
	w.checks(t)
}

// TestInventory runs the inventory's tests against one whole Loom per
// engine, each on warehouses and items of its own.
func TestInventory(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		t.Run("documents", func(t *testing.T) { stockDocuments(t, newWorld(t, s)) })
		t.Run("valuation", func(t *testing.T) { valuation(t, newWorld(t, s)) })
		t.Run("back-dating over many moves", func(t *testing.T) { backdateMany(t, newWorld(t, s)) })
		t.Run("screens", func(t *testing.T) { warehouseScreens(t, newWorld(t, s)) })
		t.Run("counts", func(t *testing.T) { stockCounts(t, newWorld(t, s)) })
		t.Run("quarantine", func(t *testing.T) { quarantineRelease(t, newWorld(t, s)) })
		t.Run("count screens", func(t *testing.T) { countScreens(t, newWorld(t, s)) })
	})
}
