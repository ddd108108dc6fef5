package engineering_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/engineering"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

// world is a small die-casting product structure made for one test:
// a finished housing made of a raw casting, a phantom fastener kit and
// bolts; the raw casting of ingot (kg, 3 decimals) and inserts.
type world struct {
	s                                       *apptest.Server
	planner                                 *ct.Client
	b                                       ct.Basics
	fg, sf, kit, ingot, insert, bolt, other string // codes
}

func newWorld(t *testing.T, s *apptest.Server) *world {
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)
	w := &world{s: s, planner: planner, b: b}
	item := func(prefix, kind, uom string) string {
		return planner.Item(t, ct.ItemSpec{Code: ct.Unique(prefix), Kind: kind, UoMID: uom, CategoryID: b.Category.ID}).Code
	}
	w.fg = item("FG-", "finished", b.Pieces.ID)
	w.sf = item("SF-", "semi_finished", b.Pieces.ID)
	w.kit = item("KIT-", "semi_finished", b.Pieces.ID)
	w.ingot = item("RM-AL-", "material", b.Kilograms.ID)
	w.insert = item("RM-INS-", "material", b.Pieces.ID)
	w.bolt = item("RM-BOLT-", "material", b.Pieces.ID)
	w.other = item("FG-X-", "finished", b.Pieces.ID)
	return w
}

// bom creates a draft BOM and returns it.
func (w *world) bom(t *testing.T, item, version, from, to, base string, lines ...map[string]any) engineering.BOM {
	t.Helper()
	body := map[string]any{"item": item, "version": version, "effective_from": from, "effective_to": to, "lines": lines}
	if base != "" {
		body["base_quantity"] = base
	}
	var b engineering.BOM
	w.planner.Call(t, "POST", "/erp/engineering/boms", body, http.StatusCreated, &b)
	return b
}

func (w *world) release(t *testing.T, id string) engineering.BOM {
	t.Helper()
	var b engineering.BOM
	w.planner.Call(t, "POST", "/erp/engineering/boms/"+id+"/release", nil, http.StatusOK, &b)
	return b
}

func line(component, qty, scrap string, phantom bool) map[string]any {
	return map[string]any{"component": component, "quantity": qty, "scrap": scrap, "phantom": phantom}
}

func engineeringAPI(t *testing.T, s *apptest.Server) {
	w := newWorld(t, s)
	planner := w.planner

	// The structure every subtest explodes, released from 2026-01-01.
	sf := w.release(t, w.bom(t, w.sf, "A", "2026-01-01", "", "", line(w.ingot, "4.35", "0.03", false), line(w.insert, "4", "0.01", false)).ID)
	w.release(t, w.bom(t, w.kit, "A", "2026-01-01", "", "100", line(w.bolt, "200", "0", false), line(w.insert, "200", "0.05", false)).ID)
	fgA := w.release(t, w.bom(t, w.fg, "A", "2026-01-01", "2026-06-30", "",
		line(w.sf, "1", "0.02", false), line(w.kit, "1", "0", true), line(w.bolt, "6", "0", false)).ID)

	t.Run("released BOM sends erp.bom.released with its lines", func(t *testing.T) {
		if fgA.Status != engineering.StatusReleased || len(fgA.Lines) != 3 || fgA.ReleasedBy != "sun.li" {
			t.Fatalf("released %+v", fgA)
		}
		evs := ct.Events(t, s, engineering.EventBOMReleased, fgA.ID)
		if len(evs) != 1 {
			t.Fatalf("want one erp.bom.released, got %d", len(evs))
		}
		want := []string{"base_quantity", "bom_id", "effective_from", "effective_to", "item_id", "lines", "version"}
		if keys := slices.Sorted(maps.Keys(evs[0])); !slices.Equal(keys, want) {
			t.Fatalf("event fields %v, want %v", keys, want)
		}
		lines := evs[0]["lines"].([]any)
		l0 := lines[0].(map[string]any)
		l1 := lines[1].(map[string]any)
		if evs[0]["item_id"] != fgA.ItemID || evs[0]["effective_to"] != "2026-06-30" || evs[0]["base_quantity"] != "1" ||
			len(lines) != 3 || l0["component_item_id"] != fgA.Lines[0].ComponentID || l0["scrap"] != "0.02" || l0["quantity"] != "1" ||
			l1["phantom"] != true {
			t.Fatalf("event data %v", evs[0])
		}
	})

	t.Run("explosion with scrap and phantom, exact decimals", func(t *testing.T) {
		var x engineering.Explosion
		planner.Call(t, "GET", "/erp/engineering/explosion?item="+w.fg+"&quantity=10&date=2026-03-01", nil, 200, &x)
		type row struct{ path, code, gross, via string }
		var got []row
		for _, l := range x.Lines {
			got = append(got, row{l.Path, l.ComponentCode, l.Gross.String(), l.Via})
		}
		want := []row{
			{"1", w.sf, "10.2", ""},         // 10 × 1 × 1.02
			{"1.1", w.ingot, "45.7011", ""}, // 10.2 × 4.35 × 1.03
			{"1.2", w.insert, "41.208", ""}, // 10.2 × 4 × 1.01
			{"2", w.bolt, "20", w.kit},      // phantom kit: 10 × 200 ÷ 100
			{"3", w.insert, "21", w.kit},    // 10 × 200 ÷ 100 × 1.05
			{"4", w.bolt, "60", ""},         // 10 × 6
		}
		if !slices.Equal(got, want) || x.Version != "A" {
			t.Fatalf("explosion %v (version %s), want %v", got, x.Version, want)
		}
		if x.Lines[0].Level != 1 || x.Lines[1].Level != 2 || !x.Lines[0].HasBOM || x.Lines[1].QuantityPer.String() != "4.35" {
			t.Fatalf("levels %+v", x.Lines[:2])
		}
		var used struct {
			Items []map[string]any `json:"items"`
		}
		planner.Call(t, "GET", "/erp/engineering/where-used?item="+w.insert, nil, 200, &used)
		// Up to the top: the insert is in the semi-finished part and the
		// kit (level 1), which are both in the finished good (level 2).
		var edges []string
		for _, u := range used.Items {
			edges = append(edges, fmt.Sprintf("%v:%v<%v", u["level"], u["parent_code"], u["component_code"]))
		}
		slices.Sort(edges)
		wantEdges := []string{"1:" + w.kit + "<" + w.insert, "1:" + w.sf + "<" + w.insert, "2:" + w.fg + "<" + w.kit, "2:" + w.fg + "<" + w.sf}
		slices.Sort(wantEdges)
		if !slices.Equal(edges, wantEdges) {
			t.Fatalf("where-used %v, want %v", edges, wantEdges)
		}
		if p := planner.Fail(t, "GET", "/erp/engineering/explosion?item="+w.fg+"&quantity=-1", nil, 422); !p.Names("quantity", "") {
			t.Fatalf("bad quantity %+v", p)
		}
		if p := planner.Fail(t, "GET", "/erp/engineering/explosion?item="+w.fg+"&date=2025-01-01", nil, 404); p.Key != "erp.engineering.error.no_bom" {
			t.Fatalf("no BOM on the date %+v", p)
		}
	})

	t.Run("versions, effective dates and overlap", func(t *testing.T) {
		b := w.bom(t, w.fg, "B", "2026-06-01", "", "", line(w.sf, "1", "0.02", false), line(w.bolt, "8", "0", false))
		p := planner.Fail(t, "POST", "/erp/engineering/boms/"+b.ID+"/release", nil, 422)
		if !p.Names("effective_from", "erp.engineering.error.overlap") {
			t.Fatalf("overlap %+v", p)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM outbox WHERE type = $1 AND subject = $2`, engineering.EventBOMReleased, b.ID); n != 0 {
			t.Fatalf("a refused release sent %d events", n)
		}
		body := map[string]any{"version": "B", "effective_from": "2026-07-01", "lines": []map[string]any{line(w.sf, "1", "0.02", false), line(w.bolt, "8", "0", false)}}
		planner.Call(t, "PUT", "/erp/engineering/boms/"+b.ID, body, 200, nil)
		w.release(t, b.ID)
		for date, version := range map[string]string{"2026-03-01": "A", "2026-06-30": "A", "2026-07-01": "B", "2030-01-01": "B"} {
			var x engineering.Explosion
			planner.Call(t, "GET", "/erp/engineering/explosion?item="+w.fg+"&date="+date, nil, 200, &x)
			if x.Version != version {
				t.Errorf("on %s version %s is effective, want %s", date, x.Version, version)
			}
		}
		// A later version ends the open-ended one the day before it starts.
		c := w.bom(t, w.fg, "C", "2027-01-01", "", "", line(w.sf, "1", "0", false))
		w.release(t, c.ID)
		var got engineering.BOM
		planner.Call(t, "GET", "/erp/engineering/boms/"+b.ID, nil, 200, &got)
		if got.EffectiveTo != "2026-12-31" {
			t.Fatalf("B ends %q, want 2026-12-31", got.EffectiveTo)
		}
		// A version starting before an open one it would overlap is refused.
		d := w.bom(t, w.fg, "D", "2026-12-01", "2027-02-01", "", line(w.sf, "1", "0", false))
		if p := planner.Fail(t, "POST", "/erp/engineering/boms/"+d.ID+"/release", nil, 422); !p.Names("effective_from", "erp.engineering.error.overlap") {
			t.Fatalf("overlap with C %+v", p)
		}
		// The same version name twice, and an end before the start.
		if p := planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.fg, "version": "b", "effective_from": "2026-01-01",
			"lines": []map[string]any{line(w.sf, "1", "0", false)}}, 422); !p.Names("version", "erp.engineering.error.version_taken") {
			t.Fatalf("version taken %+v", p)
		}
		if p := planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.fg, "version": "E", "effective_from": "2026-05-01",
			"effective_to": "2026-04-01", "lines": []map[string]any{line(w.sf, "1", "0", false)}}, 422); !p.Names("effective_to", "erp.engineering.error.date_order") {
			t.Fatalf("date order %+v", p)
		}
	})

	t.Run("released BOMs are immutable; copy makes a new version", func(t *testing.T) {
		body := map[string]any{"version": "A", "effective_from": "2026-01-01", "lines": []map[string]any{line(w.sf, "2", "0", false)}}
		if p := planner.Fail(t, "PUT", "/erp/engineering/boms/"+fgA.ID, body, http.StatusConflict); p.Key != "erp.engineering.error.not_draft" {
			t.Fatalf("update released %+v", p)
		}
		// The database refuses too.
		if _, err := s.App.DBs["erp"].Exec(t.Context(), `UPDATE eng_bom_line SET quantity = 1 WHERE bom_id = $1`, fgA.ID); err == nil {
			t.Fatal("the database changed a line of a released BOM")
		}
		if _, err := s.App.DBs["erp"].Exec(t.Context(), `DELETE FROM eng_bom_line WHERE bom_id = $1`, fgA.ID); err == nil {
			t.Fatal("the database deleted a line of a released BOM")
		}
		var cp engineering.BOM
		planner.Call(t, "POST", "/erp/engineering/boms/"+fgA.ID+"/copy", map[string]any{"version": "A2", "effective_from": "2028-01-01"}, 201, &cp)
		if cp.Status != engineering.StatusDraft || len(cp.Lines) != 3 || !cp.Lines[1].Phantom || cp.Lines[0].Scrap.String() != "0.02" {
			t.Fatalf("copy %+v", cp)
		}
		var ob engineering.BOM
		planner.Call(t, "POST", "/erp/engineering/boms/"+sf.ID+"/copy", map[string]any{"version": "Z"}, 201, &ob)
		planner.Call(t, "POST", "/erp/engineering/boms/"+ob.ID+"/obsolete", nil, 409, nil)
	})

	t.Run("a draft is deleted; a released version is not", func(t *testing.T) {
		draft := w.bom(t, w.fg, "DEL", "2027-01-01", "", "", line(w.bolt, "2", "0", false))
		w.planner.Fail(t, "DELETE", "/erp/engineering/boms/"+fgA.ID, nil, http.StatusConflict)
		ct.NewClient(t, s, "chen.jie").Fail(t, "DELETE", "/erp/engineering/boms/"+draft.ID, nil, http.StatusForbidden)
		w.planner.Call(t, "DELETE", "/erp/engineering/boms/"+draft.ID, nil, http.StatusNoContent, nil)
		w.planner.Fail(t, "GET", "/erp/engineering/boms/"+draft.ID, nil, http.StatusNotFound)
		if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom_line WHERE bom_id = $1`, draft.ID); n != 0 {
			t.Fatalf("%d lines left of a deleted draft", n)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM audit_log WHERE action = 'erp.engineering.bom.deleted' AND entity_id = $1`, draft.ID); n != 1 {
			t.Fatalf("%d audit records of the deletion", n)
		}
		w.planner.Fail(t, "DELETE", "/erp/engineering/boms/"+draft.ID, nil, http.StatusNotFound)
	})

	t.Run("cycles are refused at any level", func(t *testing.T) {
		// The ingot is in the raw casting, which is in the housing: the
		// raw casting cannot contain the housing.
		p := planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.sf, "version": "CY", "effective_from": "2026-01-01",
			"lines": []map[string]any{line(w.insert, "1", "0", false), line(w.fg, "1", "0", false)}}, 422)
		if !p.Names("lines[1].component", "erp.engineering.error.cycle") {
			t.Fatalf("cycle %+v", p)
		}
		p = planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.kit, "version": "CY", "effective_from": "2026-01-01",
			"lines": []map[string]any{line(w.fg, "1", "0", false)}}, 422)
		if !p.Names("lines[0].component", "erp.engineering.error.cycle") {
			t.Fatalf("cycle through a phantom %+v", p)
		}
		p = planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.fg, "version": "SELF", "effective_from": "2026-01-01",
			"lines": []map[string]any{line(w.fg, "1", "0", false)}}, 422)
		if !p.Names("lines[0].component", "erp.engineering.error.self") {
			t.Fatalf("self %+v", p)
		}
	})

	t.Run("bad input names every field and writes nothing", func(t *testing.T) {
		boms := ct.Count(t, s, `SELECT count(*) FROM eng_bom`)
		events := ct.Count(t, s, `SELECT count(*) FROM outbox`)
		p := planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.fg, "version": "BAD V", "effective_from": "2026-13-01",
			"base_quantity": "0", "lines": []map[string]any{
				line(w.insert, "4.5", "0", false), line("NO-SUCH-ITEM", "1", "0", false), line(w.bolt, "0", "1.2", false), line(w.insert, "1", "0", false),
			}}, 422)
		for _, f := range []string{"version", "effective_from", "base_quantity", "lines[0].quantity", "lines[1].component",
			"lines[2].quantity", "lines[2].scrap", "lines[3].component"} {
			if !p.Names(f, "") {
				t.Errorf("problem does not name %s: %v", f, p.Fields())
			}
		}
		if !p.Names("lines[0].quantity", "erp.engineering.error.unit_decimals") {
			t.Errorf("unit decimals: %v", p.Errors)
		}
		if p := planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.ingot, "version": "A", "effective_from": "2026-01-01",
			"lines": []map[string]any{line(w.insert, "1", "0", false)}}, 422); !p.Names("item", "erp.engineering.error.parent_kind") {
			t.Errorf("material parent: %v", p.Fields())
		}
		if p := planner.Fail(t, "POST", "/erp/engineering/boms", map[string]any{"item": "NOPE", "version": "A", "effective_from": "2026-01-01",
			"lines": []map[string]any{}}, 422); !p.Names("item", "erp.engineering.error.item_unknown") || !p.Names("lines", "") {
			t.Errorf("unknown item: %v", p.Fields())
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom`); n != boms {
			t.Errorf("BOMs %d, want %d", n, boms)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM outbox`); n != events {
			t.Errorf("events %d, want %d", n, events)
		}
	})

	t.Run("work centers and routings", func(t *testing.T) {
		code := ct.Unique("WC-")
		var wc engineering.WorkCenter
		planner.Call(t, "POST", "/erp/engineering/work-centers", map[string]any{"code": code, "name": "压铸单元", "kind": "machine",
			"capacity_hours": "22", "cost_rate": "320.5", "efficiency": "0.85"}, 201, &wc)
		if wc.CapacityHours.String() != "22" || wc.Efficiency.String() != "0.85" || wc.Status != "active" {
			t.Fatalf("work center %+v", wc)
		}
		if p := planner.Fail(t, "POST", "/erp/engineering/work-centers", map[string]any{"code": ct.Unique("WC-"), "name": "x", "kind": "robot",
			"capacity_hours": "8"}, 422); !p.Names("kind", "") {
			t.Errorf("kind: %v", p.Fields())
		}
		p := planner.Fail(t, "POST", "/erp/engineering/work-centers", map[string]any{"code": code, "name": "", "kind": "machine",
			"capacity_hours": "30", "cost_rate": "-1", "efficiency": "3"}, 422)
		for _, f := range []string{"name", "capacity_hours", "cost_rate", "efficiency"} {
			if !p.Names(f, "") {
				t.Errorf("work center problem does not name %s: %v", f, p.Fields())
			}
		}
		if p := planner.Fail(t, "POST", "/erp/engineering/work-centers", map[string]any{"code": code, "name": "x", "kind": "labour",
			"capacity_hours": "8"}, 422); !p.Names("code", "erp.engineering.error.code_taken") {
			t.Errorf("code taken: %v", p.Fields())
		}
		ops := []map[string]any{
			{"seq": 10, "work_center": code, "description": "压铸", "setup_minutes": "45", "run_minutes": "1.8", "queue_minutes": "30"},
			{"seq": 20, "work_center": code, "description": "去毛刺", "run_minutes": "2.5"},
		}
		bad := []map[string]any{ops[0], {"seq": 10, "work_center": "NOPE", "description": "", "run_minutes": "-1"}}
		p = planner.Fail(t, "POST", "/erp/engineering/routings", map[string]any{"item": w.sf, "version": "A", "effective_from": "2026-01-01", "operations": bad}, 422)
		for _, f := range []string{"operations[1].seq", "operations[1].work_center", "operations[1].description", "operations[1].run_minutes"} {
			if !p.Names(f, "") {
				t.Errorf("routing problem does not name %s: %v", f, p.Fields())
			}
		}
		var rt engineering.Routing
		planner.Call(t, "POST", "/erp/engineering/routings", map[string]any{"item": w.sf, "version": "A", "effective_from": "2026-01-01", "operations": ops}, 201, &rt)
		planner.Call(t, "POST", "/erp/engineering/routings/"+rt.ID+"/release", nil, 200, &rt)
		if rt.Status != engineering.StatusReleased || len(rt.Operations) != 2 || rt.Operations[0].RunMinutes.String() != "1.8" || rt.Operations[0].WorkCenterCode != code {
			t.Fatalf("routing %+v", rt)
		}
		evs := ct.Events(t, s, engineering.EventRoutingReleased, rt.ID)
		if len(evs) != 1 || len(evs[0]["operations"].([]any)) != 2 || evs[0]["item_id"] != rt.ItemID {
			t.Fatalf("routing events %v", evs)
		}
		planner.Call(t, "PUT", "/erp/engineering/routings/"+rt.ID, map[string]any{"version": "A", "effective_from": "2026-01-01", "operations": ops}, 409, nil)
		var r2 engineering.Routing
		planner.Call(t, "POST", "/erp/engineering/routings/"+rt.ID+"/copy", map[string]any{"version": "B", "effective_from": "2025-06-01"}, 201, &r2)
		if p := planner.Fail(t, "POST", "/erp/engineering/routings/"+r2.ID+"/release", nil, 422); !p.Names("effective_from", "erp.engineering.error.overlap") {
			t.Fatalf("routing overlap %+v", p)
		}
		var list struct {
			Items []engineering.Routing `json:"items"`
		}
		planner.Call(t, "GET", "/erp/engineering/routings?item="+w.sf, nil, 200, &list)
		if len(list.Items) != 2 {
			t.Fatalf("routings of the item %d", len(list.Items))
		}
	})

	t.Run("two overlapping releases at once: exactly one wins", func(t *testing.T) {
		a := w.bom(t, w.other, "R1", "2026-01-01", "", "", line(w.bolt, "1", "0", false))
		b := w.bom(t, w.other, "R2", "2026-01-01", "2026-12-31", "", line(w.bolt, "2", "0", false))
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, id := range []string{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = planner.Do(t, "POST", "/erp/engineering/boms/"+id+"/release", nil)
			}()
		}
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != 200 || statuses[1] != 422 {
			t.Fatalf("statuses %v, want one 200 and one 422", statuses)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom WHERE status = 'released' AND id IN ($1, $2)`, a.ID, b.ID); n != 1 {
			t.Fatalf("%d released", n)
		}
	})

	t.Run("permissions per role and audit", func(t *testing.T) {
		body := map[string]any{"item": w.other, "version": "A", "effective_from": "2026-01-01", "lines": []map[string]any{line(w.bolt, "1", "0", false)}}
		for _, login := range []string{"chen.jie", "wu.gang", "huang.jing"} {
			c := ct.NewClient(t, s, login)
			if status, _ := c.Do(t, "POST", "/erp/engineering/boms", body); status != http.StatusForbidden {
				t.Errorf("%s created a BOM: %d", login, status)
			}
			if status, _ := c.Do(t, "GET", "/erp/engineering/boms", nil); status != http.StatusOK {
				t.Errorf("%s cannot list BOMs: %d", login, status)
			}
		}
		if status, _ := ct.NewClient(t, s, "li.lei").Do(t, "GET", "/erp/engineering/boms", nil); status != http.StatusForbidden {
			t.Errorf("a sales rep reads BOMs: %d", status)
		}
		var b engineering.BOM
		ct.NewClient(t, s, "admin").Call(t, "POST", "/erp/engineering/boms", body, 201, &b)
		if n := ct.Count(t, s, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'erp.engineering.bom.created' AND actor_login = 'admin'`, b.ID); n != 1 {
			t.Fatalf("audit rows %d", n)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'erp.engineering.bom.released'`, fgA.ID); n != 1 {
			t.Fatalf("release audit rows %d", n)
		}
	})
}

// TestEngineering runs engineering's tests against one whole Loom per engine.
func TestEngineering(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		t.Run("api", func(t *testing.T) { engineeringAPI(t, s) })
		t.Run("import", func(t *testing.T) { bomImport(t, s) })
		t.Run("screens", func(t *testing.T) { screens(t, s) })
	})
}

// TestDemo explodes the demo gearbox housing: three levels of items, from
// the machined housing through its raw casting to the ingot.
func TestDemo(t *testing.T) {
	s := apptest.Start(t, db.SQLite, apptest.Options{Demo: true})
	planner := ct.NewClient(t, s, "sun.li")
	var x engineering.Explosion
	planner.Call(t, "GET", "/erp/engineering/explosion?item=FG-GBH-001&quantity=100&date=2026-03-01", nil, 200, &x)
	got := map[string]string{}
	for _, l := range x.Lines {
		got[l.Path+" "+l.ComponentCode] = l.Gross.String()
	}
	// 100 × 1.02 raw castings; 102 × 4.35 kg × 1.03 of ingot.
	want := map[string]string{"1 SF-GBH-001": "102", "1.1 RM-ADC12": "457.011", "1.2 RM-INS-M8": "412.08",
		"2 RM-BOLT-M6": "600", "3 PK-CTN-01": "25"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("demo explosion %v, want %v", got, want)
	}
	var rts struct {
		Items []engineering.Routing `json:"items"`
	}
	planner.Call(t, "GET", "/erp/engineering/routings?item=FG-GBH-001", nil, 200, &rts)
	if len(rts.Items) != 1 || rts.Items[0].Status != engineering.StatusReleased {
		t.Fatalf("demo routings %+v", rts.Items)
	}
	var wcs struct {
		Items []engineering.WorkCenter `json:"items"`
	}
	planner.Call(t, "GET", "/erp/engineering/work-centers", nil, 200, &wcs)
	if len(wcs.Items) != 4 {
		t.Fatalf("demo work centers %d", len(wcs.Items))
	}
}
