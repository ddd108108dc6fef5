package inventory_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// ledgerModel is what the stock of one item should be after the steps so far.
type ledgerModel struct {
	onHand map[string]int64 // by location code
	res    map[string]int64 // by reservation source
}

func (m ledgerModel) stockOnHand(stockLocs []string) int64 {
	var n int64
	for _, l := range stockLocs {
		n += m.onHand[l]
	}
	return n
}

func (m ledgerModel) reserved() int64 {
	var n int64
	for _, q := range m.res {
		n += q
	}
	return n
}

// TestLedgerStateMachine drives the stock of an item through random
// receipts (some back-dated), issues, transfers, adjustments, scrap,
// reservations, releases and shipments, customer returns into quarantine,
// quarantine releases and stock counts (with goods arriving while counting), and after every step checks: on
// hand per location equals the model and the sum of the moves, 0 ≤ reserved
// ≤ on hand, the item's valuation equals its moves' values and the stock
// value, and every invariant checker of the inventory passes.
func TestLedgerStateMachine(t *testing.T) {
	// Each check runs about 30 steps against a real database; 20 checks
	// (5 under the race detector, which slows every step) unless
	// -rapid.checks says otherwise.
	if f := flag.Lookup("rapid.checks"); f != nil && f.Value.String() == "100" {
		n := "20"
		if raceEnabled {
			n = "5"
		}
		_ = f.Value.Set(n)
	}
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		ctx := erpkit.System(context.Background())
		d := loomtest.Open(t, cfg, "erp")
		sa, err := erpkit.NewStandalone(ctx, d, nil, catalog.Module(), inventory.Module())
		if err != nil {
			t.Fatal(err)
		}
		defer sa.Close()
		stock := inventory.From(sa.Env.Services)
		call := func(method, path string, in, out any) {
			if err := sa.Call(ctx, method, path, in, out); err != nil {
				t.Fatal(err)
			}
		}
		var uom catalog.UoM
		var cat catalog.Category
		var wh inventory.Warehouse
		call("POST", "/erp/uoms", map[string]any{"code": "pcs", "name": "件", "precision": 0}, &uom)
		call("POST", "/erp/categories", map[string]any{"code": "FG", "name": "成品"}, &cat)
		call("POST", "/erp/warehouses", map[string]any{"code": "FG", "name": "成品仓"}, &wh)
		locs := map[string]inventory.Location{}
		for code, typ := range map[string]string{"A": "stock", "B": "stock", "Q": "quarantine"} {
			var l inventory.Location
			call("POST", "/erp/warehouses/"+wh.ID+"/locations", map[string]any{"code": code, "type": typ}, &l)
			locs[code] = l
		}
		stockLocs := []string{"A", "B"}
		allLocs := []string{"A", "B", "Q"}
		n := 0

		rapid.Check(t, func(rt *rapid.T) {
			n++
			var it catalog.Item
			call("POST", "/erp/items", map[string]any{"code": fmt.Sprintf("P-%04d", n), "name": "Item", "kind": "finished",
				"category_id": cat.ID, "uom_id": uom.ID, "vat_rate": "0.13", "sellable": true}, &it)
			m := ledgerModel{onHand: map[string]int64{}, res: map[string]int64{}}
			src := func(name string) string { return fmt.Sprintf("%s-%d", name, n) }
			qty := func(rt *rapid.T, label string) int64 { return rapid.Int64Range(1, 25).Draw(rt, label) }
			units := func(q int64) money.Quantity { return money.QuantityFromUnits(q * 1_000_000) }
			post := func(kind inventory.DocKind, date string, lines ...inventory.PostLine) error {
				_, err := stock.Post(ctx, inventory.PostRequest{Kind: kind, Date: date, Lines: lines})
				return err
			}
			expect := func(rt *rapid.T, ok bool, err error, what string) {
				if ok && err != nil {
					rt.Fatalf("%s failed: %v", what, err)
				}
				if !ok && err == nil {
					rt.Fatalf("%s succeeded but the stock does not allow it", what)
				}
			}
			// free reports whether q can leave a stock location without touching reserved stock.
			free := func(loc string, q int64) bool {
				if m.onHand[loc] < q {
					return false
				}
				for _, l := range stockLocs {
					if l == loc {
						return m.stockOnHand(stockLocs)-q >= m.reserved()
					}
				}
				return true
			}
			rt.Repeat(map[string]func(*rapid.T){
				"receive": func(rt *rapid.T) {
					loc := rapid.SampledFrom(allLocs).Draw(rt, "loc")
					q := qty(rt, "q")
					cost := money.UnitPriceFromUnits(rapid.Int64Range(1, 500).Draw(rt, "cost") * 10_000)
					back := rapid.IntRange(0, 5).Draw(rt, "days back")
					date := time.Now().AddDate(0, 0, -back).Format("2006-01-02")
					err := post(inventory.DocReceipt, date, inventory.PostLine{ItemID: it.ID, LocationID: locs[loc].ID, Quantity: units(q), UnitCost: &cost})
					expect(rt, true, err, "receipt")
					m.onHand[loc] += q
				},
				"issue": func(rt *rapid.T) {
					loc := rapid.SampledFrom(allLocs).Draw(rt, "loc")
					q := qty(rt, "q")
					ok := free(loc, q)
					expect(rt, ok, post(inventory.DocIssue, "", inventory.PostLine{ItemID: it.ID, LocationID: locs[loc].ID, Quantity: units(q)}), "issue")
					if ok {
						m.onHand[loc] -= q
					}
				},
				"transfer": func(rt *rapid.T) {
					from := rapid.SampledFrom(allLocs).Draw(rt, "from")
					to := rapid.SampledFrom(allLocs).Filter(func(l string) bool { return l != from }).Draw(rt, "to")
					q := qty(rt, "q")
					ok := m.onHand[from] >= q
					leavesStock := from != "Q" && to == "Q"
					if leavesStock {
						ok = free(from, q)
					}
					err := post(inventory.DocTransfer, "", inventory.PostLine{ItemID: it.ID, LocationID: locs[from].ID, ToLocationID: locs[to].ID, Quantity: units(q)})
					expect(rt, ok, err, "transfer")
					if ok {
						m.onHand[from] -= q
						m.onHand[to] += q
					}
				},
				"adjust": func(rt *rapid.T) {
					loc := rapid.SampledFrom(allLocs).Draw(rt, "loc")
					q := rapid.Int64Range(-10, 10).Filter(func(x int64) bool { return x != 0 }).Draw(rt, "q")
					ok := q > 0 || free(loc, -q)
					expect(rt, ok, post(inventory.DocAdjustment, "", inventory.PostLine{ItemID: it.ID, LocationID: locs[loc].ID,
						Quantity: money.QuantityFromUnits(q * 1_000_000)}), "adjustment")
					if ok {
						m.onHand[loc] += q
					}
				},
				"scrap": func(rt *rapid.T) {
					loc := rapid.SampledFrom(allLocs).Draw(rt, "loc")
					q := qty(rt, "q")
					ok := free(loc, q)
					expect(rt, ok, post(inventory.DocScrap, "", inventory.PostLine{ItemID: it.ID, LocationID: locs[loc].ID, Quantity: units(q)}), "scrap")
					if ok {
						m.onHand[loc] -= q
					}
				},
				"reserve": func(rt *rapid.T) {
					s := rapid.SampledFrom([]string{"r1", "r2", "r3"}).Draw(rt, "source")
					q := qty(rt, "q")
					got, err := stock.Reserve(ctx, []inventory.ReserveRequest{{SourceKind: "test", SourceID: src(s), ItemID: it.ID,
						WarehouseID: wh.ID, Quantity: units(q)}})
					if err != nil {
						rt.Fatalf("reserve: %v", err)
					}
					want := min(q, m.stockOnHand(stockLocs)-m.reserved())
					if got[0].Units() != want*1_000_000 {
						rt.Fatalf("reserved %s, want %d", got[0], want)
					}
					m.res[s] += want
				},
				"release": func(rt *rapid.T) {
					s := rapid.SampledFrom([]string{"r1", "r2", "r3"}).Draw(rt, "source")
					if err := stock.Release(ctx, "test", []string{src(s)}); err != nil {
						rt.Fatalf("release: %v", err)
					}
					delete(m.res, s)
				},
				"ship": func(rt *rapid.T) {
					s := rapid.SampledFrom([]string{"r1", "r2", "r3"}).Draw(rt, "source")
					loc := rapid.SampledFrom(stockLocs).Draw(rt, "loc")
					q := qty(rt, "q")
					ok := q <= m.res[s] && q <= m.onHand[loc]
					err := post(inventory.DocShipment, "", inventory.PostLine{ItemID: it.ID, LocationID: locs[loc].ID, Quantity: units(q),
						ReserveKind: "test", ReserveID: src(s)})
					expect(rt, ok, err, "shipment")
					if ok {
						m.onHand[loc] -= q
						if m.res[s] -= q; m.res[s] == 0 {
							delete(m.res, s)
						}
					}
				},
				"customer return into quarantine": func(rt *rapid.T) {
					q := qty(rt, "q")
					cost := money.UnitPriceFromUnits(rapid.Int64Range(1, 500).Draw(rt, "cost") * 10_000)
					err := post(inventory.DocReturn, "", inventory.PostLine{ItemID: it.ID, LocationID: locs["Q"].ID, Quantity: units(q), UnitCost: &cost})
					expect(rt, true, err, "return")
					m.onHand["Q"] += q
				},
				"release from quarantine": func(rt *rapid.T) {
					to := rapid.SampledFrom(stockLocs).Draw(rt, "to")
					q := qty(rt, "q")
					err := sa.Call(ctx, "POST", "/erp/stock/quarantine/release", map[string]any{"location": "Q", "item": it.Code,
						"quantity": fmt.Sprint(q), "decision": "accept", "to_location": to, "reason": "inspected"}, nil)
					ok := m.onHand["Q"] >= q
					expect(rt, ok, err, "release")
					if ok {
						m.onHand["Q"] -= q
						m.onHand[to] += q
					}
				},
				"count": func(rt *rapid.T) {
					loc := rapid.SampledFrom(allLocs).Draw(rt, "loc")
					var c struct {
						ID string `json:"id"`
					}
					call("POST", "/erp/stock/counts", map[string]any{"warehouse": "FG", "scope": "locations", "locations": []string{loc}}, &c)
					// Goods arriving after the snapshot are no variance.
					if rapid.Bool().Draw(rt, "receipt while counting") {
						q := qty(rt, "meanwhile")
						expect(rt, true, post(inventory.DocReceipt, "", inventory.PostLine{ItemID: it.ID, LocationID: locs[loc].ID, Quantity: units(q)}), "receipt")
						m.onHand[loc] += q
					}
					counted := rapid.Int64Range(0, 30).Draw(rt, "counted")
					call("POST", "/erp/stock/counts/"+c.ID+"/lines", map[string]any{"location": loc, "item": it.Code, "quantity": fmt.Sprint(counted)}, nil)
					ok := counted >= m.onHand[loc] || free(loc, m.onHand[loc]-counted)
					expect(rt, ok, sa.Call(ctx, "POST", "/erp/stock/counts/"+c.ID+"/post", nil, nil), "count")
					if ok {
						m.onHand[loc] = counted
					}
				},
				"": func(rt *rapid.T) {
					for _, l := range allLocs {
						var got int64
						err := d.QueryRow(ctx, `SELECT COALESCE(SUM(on_hand), 0) FROM inv_balance WHERE item_id = $1 AND location_id = $2`, it.ID, locs[l].ID).Scan(&got)
						if err != nil {
							rt.Fatal(err)
						}
						if got != m.onHand[l]*1_000_000 {
							rt.Fatalf("on hand at %s: %d, want %d", l, got/1_000_000, m.onHand[l])
						}
					}
					var onHand, reserved, costQty, costValue, moveValue, stockValue int64
					if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM inv_stock WHERE item_id = $1`, it.ID).Scan(&onHand, &reserved); err != nil {
						rt.Fatal(err)
					}
					if onHand != m.stockOnHand(stockLocs)*1_000_000 || reserved != m.reserved()*1_000_000 || reserved < 0 || reserved > onHand {
						rt.Fatalf("stock row: on hand %d reserved %d; model %d and %d", onHand, reserved, m.stockOnHand(stockLocs), m.reserved())
					}
					if err := d.QueryRow(ctx, `SELECT COALESCE((SELECT quantity FROM inv_item_cost WHERE item_id = $1), 0),
						COALESCE((SELECT value FROM inv_item_cost WHERE item_id = $1), 0),
						COALESCE((SELECT SUM(value) FROM inv_cost WHERE item_id = $1), 0),
						COALESCE((SELECT SUM(value) FROM inv_cost WHERE item_id = $1 AND date <= $2), 0)`, it.ID, erpkit.Today(time.Now())).
						Scan(&costQty, &costValue, &moveValue, &stockValue); err != nil {
						rt.Fatal(err)
					}
					var total int64
					for _, l := range allLocs {
						total += m.onHand[l]
					}
					if costQty != total*1_000_000 || costValue != moveValue || costValue != stockValue || (total == 0 && costValue != 0) || costValue < 0 {
						rt.Fatalf("valuation: quantity %d value %d; moves %d; stock value %d; model quantity %d", costQty, costValue, moveValue, stockValue, total)
					}
					for _, c := range check.All() {
						if !strings.HasPrefix(c.Name, "erp.stock.") {
							continue
						}
						if vs, err := c.Run(ctx, d); err != nil || len(vs) > 0 {
							rt.Fatalf("%s: %v %v", c.Name, err, vs)
						}
					}
				},
			})
		})
	})
}
