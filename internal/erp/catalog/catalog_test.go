package catalog_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/catalog"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func catalogAPI(t *testing.T, s *apptest.Server) {
	admin := ct.NewClient(t, s, "admin")
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)

	t.Run("create, read and send erp.item.upserted", func(t *testing.T) {
		body := map[string]any{"code": "FG-GBH-T1", "name": "变速箱壳体", "name_en": "Gearbox housing", "spec": "ADC12",
			"kind": "finished", "category_id": b.Category.ID, "tracking": "lot", "uom_id": b.Pieces.ID,
			"sales_uom_id": b.Kilograms.ID, "sales_factor": "2.5",
			"vat_rate": "0.13", "list_price": "268", "floor_price": "240", "lead_time_days": 15, "sellable": true}
		var it catalog.Item
		planner.Call(t, "POST", "/erp/items", body, http.StatusCreated, &it)
		if it.Code != "FG-GBH-T1" || it.UoM != b.Pieces.Code || it.CategoryName != b.Category.Name || it.Version != 1 ||
			it.PurchaseUoMID != b.Pieces.ID || it.PurchaseFactor.String() != "1" || it.SalesFactor.String() != "2.5" {
			t.Fatalf("created %+v", it)
		}
		var got catalog.Item
		ct.NewClient(t, s, "li.lei").Call(t, "GET", "/erp/items/"+it.ID, nil, 200, &got)
		if got.ID != it.ID || got.ListPrice.String() != "268" {
			t.Fatalf("read %+v", got)
		}
		evs := ct.Events(t, s, catalog.EventItemUpserted, it.ID)
		if len(evs) != 1 {
			t.Fatalf("want one erp.item.upserted, got %d", len(evs))
		}
		want := []string{"category_id", "category_name", "code", "currency", "floor_price", "id", "kind", "lead_time_days",
			"list_price", "name", "name_en", "sellable", "spec", "status", "tracking", "uom", "uom_precision", "vat_rate"}
		if keys := slices.Sorted(maps.Keys(evs[0])); !slices.Equal(keys, want) {
			t.Fatalf("event fields %v, want exactly %v", keys, want)
		}
		if evs[0]["vat_rate"] != "0.13" || evs[0]["list_price"] != "268" || evs[0]["uom"] != b.Pieces.Code ||
			evs[0]["category_name"] != b.Category.Name || evs[0]["tracking"] != "lot" || evs[0]["sellable"] != true {
			t.Fatalf("event data %v", evs[0])
		}
	})

	t.Run("update needs the current version and is sent again", func(t *testing.T) {
		it := planner.Item(t, ct.ItemSpec{UoMID: b.Pieces.ID, CategoryID: b.Category.ID})
		upd := map[string]any{"name": "Renamed", "kind": "finished", "category_id": b.Category.ID, "uom_id": b.Pieces.ID,
			"vat_rate": "0.09", "sellable": false, "list_price": "12.5", "version": it.Version}
		var got catalog.Item
		planner.Call(t, "PUT", "/erp/items/"+it.ID, upd, 200, &got)
		if got.Name != "Renamed" || got.Code != it.Code || got.Version != it.Version+1 || got.Sellable || got.VATRate.String() != "0.09" {
			t.Fatalf("updated %+v", got)
		}
		p := planner.Fail(t, "PUT", "/erp/items/"+it.ID, upd, http.StatusPreconditionFailed)
		if p.Code != "precondition" {
			t.Fatalf("stale version: %+v", p)
		}
		if evs := ct.Events(t, s, catalog.EventItemUpserted, it.ID); len(evs) != 2 || evs[1]["name"] != "Renamed" {
			t.Fatalf("events %v", evs)
		}
	})

	t.Run("bad input names every field and writes nothing", func(t *testing.T) {
		before := ct.Count(t, s, `SELECT count(*) FROM cat_item`)
		events := ct.Count(t, s, `SELECT count(*) FROM outbox`)
		body := map[string]any{"code": "BAD CODE", "name": "", "kind": "finished", "category_id": b.Category.ID,
			"tracking": "lot", "uom_id": "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", "vat_rate": "1.5", "sellable": true,
			"list_price": "10", "floor_price": "11", "currency": "yuan", "purchase_uom_id": b.Kilograms.ID, "purchase_factor": "0"}
		p := planner.Fail(t, "POST", "/erp/items", body, http.StatusUnprocessableEntity)
		for _, f := range []string{"code", "name", "uom_id", "vat_rate", "floor_price", "currency", "purchase_factor"} {
			if !p.Names(f, "") {
				t.Errorf("problem does not name %s: %v", f, p.Fields())
			}
		}
		// A service cannot be tracked by lot.
		body = map[string]any{"code": ct.Unique("SV-"), "name": "Service", "kind": "service", "category_id": b.Category.ID,
			"tracking": "lot", "uom_id": b.Pieces.ID, "vat_rate": "0.06", "sellable": true}
		if p := planner.Fail(t, "POST", "/erp/items", body, 422); !p.Names("tracking", "erp.catalog.error.service_tracking") {
			t.Errorf("service tracking: %v", p.Fields())
		}
		// A JSON number where a decimal string belongs is refused by the API.
		body = map[string]any{"code": ct.Unique("N-"), "name": "N", "kind": "finished", "category_id": b.Category.ID,
			"uom_id": b.Pieces.ID, "vat_rate": 0.13, "sellable": true}
		planner.Fail(t, "POST", "/erp/items", body, 422)
		// A duplicate code, in another letter case.
		it := planner.Item(t, ct.ItemSpec{UoMID: b.Pieces.ID, CategoryID: b.Category.ID})
		dup := map[string]any{"code": strings.ToLower(it.Code), "name": "Dup", "kind": "finished", "category_id": b.Category.ID,
			"uom_id": b.Pieces.ID, "vat_rate": "0.13", "sellable": true}
		if p := planner.Fail(t, "POST", "/erp/items", dup, 422); !p.Names("code", "erp.catalog.error.code_taken") {
			t.Errorf("duplicate: %v", p.Fields())
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM cat_item`); n != before+1 {
			t.Errorf("items %d, want %d", n, before+1)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM outbox`); n != events+1 {
			t.Errorf("events %d, want %d", n, events+1)
		}
	})

	t.Run("permissions per role", func(t *testing.T) {
		body := map[string]any{"code": ct.Unique("P-"), "name": "P", "kind": "finished", "category_id": b.Category.ID,
			"uom_id": b.Pieces.ID, "vat_rate": "0.13", "sellable": true}
		for _, login := range []string{"li.lei", "chen.jie", "huang.jing", "wu.gang"} {
			c := ct.NewClient(t, s, login)
			if status, _ := c.Do(t, "POST", "/erp/items", body); status != http.StatusForbidden {
				t.Errorf("%s created an item: %d", login, status)
			}
			if status, _ := c.Do(t, "GET", "/erp/items", nil); status != http.StatusOK {
				t.Errorf("%s cannot list items: %d", login, status)
			}
		}
		admin.Call(t, "POST", "/erp/items", body, http.StatusCreated, nil)
		// A customer-portal role sees nothing of the catalog.
	})

	t.Run("list, filter, sort and page", func(t *testing.T) {
		cat := planner.Category(t, ct.Unique("LIST-"))
		var codes []string
		for i := range 5 {
			it := planner.Item(t, ct.ItemSpec{Code: ct.Unique("LST-"), Name: "零件 " + string(rune('E'-i)), UoMID: b.Pieces.ID, CategoryID: cat.ID})
			codes = append(codes, it.Code)
		}
		var got []string
		cursor := ""
		for page := 0; page < 5; page++ {
			var out struct {
				Items      []catalog.Item `json:"items"`
				NextCursor *string        `json:"next_cursor"`
			}
			path := "/erp/items?limit=2&category_id=" + cat.ID
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			planner.Call(t, "GET", path, nil, 200, &out)
			for _, it := range out.Items {
				got = append(got, it.Code)
			}
			if out.NextCursor == nil {
				break
			}
			cursor = *out.NextCursor
		}
		if !slices.Equal(got, codes) {
			t.Fatalf("paged codes %v, want %v", got, codes)
		}
		var byName struct {
			Items []catalog.Item `json:"items"`
		}
		planner.Call(t, "GET", "/erp/items?sort=-name&category_id="+cat.ID, nil, 200, &byName)
		if len(byName.Items) != 5 || byName.Items[0].Name != "零件 E" {
			t.Fatalf("sorted by name: %+v", byName.Items)
		}
		var found struct {
			Items []catalog.Item `json:"items"`
		}
		planner.Call(t, "GET", "/erp/items?q="+strings.ToLower(codes[2]), nil, 200, &found)
		if len(found.Items) != 1 || found.Items[0].Code != codes[2] {
			t.Fatalf("search: %+v", found.Items)
		}
		if p := planner.Fail(t, "GET", "/erp/items?sort=price", nil, 422); !p.Names("sort", "") {
			t.Fatalf("bad sort: %+v", p)
		}
		if p := planner.Fail(t, "GET", "/erp/items?cursor=garbage", nil, 422); !p.Names("cursor", "") {
			t.Fatalf("bad cursor: %+v", p)
		}
	})

	t.Run("revisions", func(t *testing.T) {
		it := planner.Item(t, ct.ItemSpec{UoMID: b.Pieces.ID, CategoryID: b.Category.ID})
		planner.Call(t, "POST", "/erp/items/"+it.ID+"/revisions", map[string]any{"revision": "A", "note": "first"}, 201, nil)
		planner.Call(t, "POST", "/erp/items/"+it.ID+"/revisions", map[string]any{"revision": "B", "effective_date": "2026-03-01"}, 201, nil)
		if p := planner.Fail(t, "POST", "/erp/items/"+it.ID+"/revisions", map[string]any{"revision": "B"}, 422); !p.Names("revision", "erp.catalog.error.revision_same") {
			t.Fatalf("same revision: %v", p.Fields())
		}
		if p := planner.Fail(t, "POST", "/erp/items/"+it.ID+"/revisions", map[string]any{"revision": "A"}, 422); !p.Names("revision", "erp.catalog.error.revision_taken") {
			t.Fatalf("old revision: %v", p.Fields())
		}
		var got catalog.Item
		planner.Call(t, "GET", "/erp/items/"+it.ID, nil, 200, &got)
		if got.Revision != "B" {
			t.Fatalf("current revision %q", got.Revision)
		}
		var revs struct {
			Items []map[string]any `json:"items"`
		}
		planner.Call(t, "GET", "/erp/items/"+it.ID+"/revisions", nil, 200, &revs)
		if len(revs.Items) != 2 || revs.Items[0]["revision"] != "B" || revs.Items[0]["effective_date"] != "2026-03-01" {
			t.Fatalf("revisions %v", revs.Items)
		}
	})

	t.Run("units and categories", func(t *testing.T) {
		u := planner.UoM(t, ct.Unique("u"), 2)
		it := planner.Item(t, ct.ItemSpec{UoMID: u.ID, CategoryID: b.Category.ID})
		// Fewer decimals while an item uses the unit: refused.
		if p := planner.Fail(t, "PUT", "/erp/uoms/"+u.ID, map[string]any{"code": u.Code, "name": u.Name, "precision": 1}, 422); !p.Names("precision", "erp.catalog.error.precision_lower") {
			t.Fatalf("lower precision: %v", p.Fields())
		}
		planner.Call(t, "PUT", "/erp/uoms/"+u.ID, map[string]any{"code": u.Code, "name": u.Name, "precision": 4}, 200, nil)
		evs := ct.Events(t, s, catalog.EventItemUpserted, it.ID)
		if len(evs) != 2 || evs[1]["uom_precision"] != float64(4) {
			t.Fatalf("unit change did not resend the item: %v", evs)
		}
		cat := planner.Category(t, ct.Unique("REN-"))
		it2 := planner.Item(t, ct.ItemSpec{UoMID: b.Pieces.ID, CategoryID: cat.ID})
		planner.Call(t, "PUT", "/erp/categories/"+cat.ID, map[string]any{"code": cat.Code, "name": "新名称"}, 200, nil)
		if evs := ct.Events(t, s, catalog.EventItemUpserted, it2.ID); len(evs) != 2 || evs[1]["category_name"] != "新名称" {
			t.Fatalf("category rename did not resend the item: %v", evs)
		}
		// A category cannot be its own ancestor.
		child := planner.Category(t, ct.Unique("CH-"))
		planner.Call(t, "PUT", "/erp/categories/"+child.ID, map[string]any{"code": child.Code, "name": "c", "parent_id": cat.ID}, 200, nil)
		if p := planner.Fail(t, "PUT", "/erp/categories/"+cat.ID, map[string]any{"code": cat.Code, "name": "c", "parent_id": child.ID}, 422); !p.Names("parent_id", "") {
			t.Fatalf("cycle: %v", p.Fields())
		}
		if p := planner.Fail(t, "POST", "/erp/uoms", map[string]any{"code": u.Code, "name": "x", "precision": 7}, 422); !p.Names("precision", "") {
			t.Fatalf("precision 7: %v", p.Fields())
		}
	})

	t.Run("every change is audited", func(t *testing.T) {
		it := planner.Item(t, ct.ItemSpec{UoMID: b.Pieces.ID, CategoryID: b.Category.ID})
		if n := ct.Count(t, s, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'erp.catalog.item.created' AND actor_login = 'sun.li'`, it.ID); n != 1 {
			t.Fatalf("audit rows %d", n)
		}
	})
}

// TestCatalog runs the catalog's tests against one whole Loom per engine.
func TestCatalog(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		t.Run("api", func(t *testing.T) { catalogAPI(t, s) })
		t.Run("import", func(t *testing.T) { itemImport(t, s) })
		t.Run("import template", func(t *testing.T) { importTemplate(t, s) })
		t.Run("import screens", func(t *testing.T) { importScreens(t, s) })
		t.Run("screens", func(t *testing.T) { catalogScreens(t, s) })
	})
}
