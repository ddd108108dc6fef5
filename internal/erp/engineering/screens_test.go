package engineering_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/engineering"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// screens works the engineering screens through their forms, in both
// languages: a BOM with errors shown next to its fields, then saved,
// released and exploded; routings, work centers and the import page.
func screens(t *testing.T, s *apptest.Server) {
	w := newWorld(t, s)
	c := s.Client(t, "sun.li")

	for _, p := range []struct{ path, lang string }{
		{"/erp/engineering/boms/new", "zh-Hans"}, {"/erp/engineering/boms/new", "en"},
	} {
		status, page := get(t, c, s.URL+p.path+"?lang="+p.lang)
		want := map[string][]string{"zh-Hans": {"新建物料清单", "损耗率 %", "虚拟件"}, "en": {"New BOM", "Scrap %", "Phantom"}}[p.lang]
		if status != 200 || !ct.Contains(page, want...) {
			t.Fatalf("%s in %s: %d", p.path, p.lang, status)
		}
	}
	form := url.Values{"item": {w.fg}, "version": {"A"}, "effective_from": {"2026-01-01"}, "base_quantity": {"1"},
		"lines.0.component": {w.sf}, "lines.0.quantity": {"1"}, "lines.0.scrap": {"2"}, "lines.0.operation_seq": {""},
		"lines.1.component": {""}, "lines.1.quantity": {""}, "lines.1.scrap": {""}, "lines.1.operation_seq": {""},
		"lines.2.component": {w.insert}, "lines.2.quantity": {"1.5"}, "lines.2.scrap": {"abc"}, "lines.2.operation_seq": {""},
	}
	status, _, page := post(t, c, s.URL+"/erp/engineering/boms?lang=zh-Hans", form)
	if status != 422 || !ct.Contains(page, `data-field-error="lines.2.scrap"`, `value="`+w.insert+`"`) {
		t.Fatalf("bad form %d:\n%s", status, page)
	}
	form.Set("lines.2.scrap", "1")
	status, _, page = post(t, c, s.URL+"/erp/engineering/boms?lang=zh-Hans", form)
	if status != 422 || !ct.Contains(page, `data-field-error="lines.2.quantity"`, "最多保留 0 位小数") {
		t.Fatalf("unit decimals on the form %d:\n%s", status, page)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom WHERE item_id = (SELECT id FROM cat_item WHERE code = $1)`, w.fg); n != 0 {
		t.Fatal("a bad form wrote a BOM")
	}
	form.Set("lines.2.quantity", "2")
	form.Set("lines.1.component", w.kit)
	form.Set("lines.1.quantity", "1")
	form.Set("lines.1.phantom", "on")
	status, loc, _ := post(t, c, s.URL+"/erp/engineering/boms", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/engineering/boms/") {
		t.Fatalf("create: %d %s", status, loc)
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/erp/engineering/boms/")
	status, page = get(t, c, s.URL+loc+"&lang=en")
	if status != 200 || !ct.Contains(page, "The BOM was saved.", w.sf, `data-status="draft"`, `data-action="release"`) {
		t.Fatalf("BOM page %d:\n%s", status, page)
	}
	status, loc, _ = post(t, c, s.URL+"/erp/engineering/boms/"+id+"/release", url.Values{})
	if status != http.StatusSeeOther {
		t.Fatalf("release %d", status)
	}
	status, page = get(t, c, s.URL+loc+"&lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "该版本已发布。", `data-status="released"`, "复制为新版本") || strings.Contains(page, `data-action="release"`) {
		t.Fatalf("released page %d", status)
	}
	// Releasing again is refused with the reason on the page.
	status, _, page = post(t, c, s.URL+"/erp/engineering/boms/"+id+"/release?lang=en", url.Values{})
	if status != http.StatusConflict || !strings.Contains(page, "Only a draft") {
		t.Fatalf("release twice %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/engineering/explode?lang=zh-Hans&quantity=10&date=2026-02-01&item="+url.QueryEscape(w.fg))
	if status != 200 || !ct.Contains(page, "毛需求", `data-component="`+w.sf+`"`, `data-gross="10.2"`, `data-gross="20.2"`) {
		t.Fatalf("explosion page %d:\n%s", status, page)
	}
	status, page = get(t, c, s.URL+"/erp/engineering/explode?lang=en&item=NOPE")
	if status != 422 || !strings.Contains(page, "No item has the code NOPE") {
		t.Fatalf("explosion of an unknown item %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/engineering/where-used?lang=en&item="+url.QueryEscape(w.sf))
	if status != 200 || !ct.Contains(page, "Where used", `data-parent="`+w.fg+`"`, `data-level="1"`, "Level") {
		t.Fatalf("where-used page %d", status)
	}
	// A draft is deleted from its page.
	var draft engineering.BOM
	w.planner.Call(t, "POST", "/erp/engineering/boms", map[string]any{"item": w.fg, "version": "TMP", "effective_from": "2028-01-01",
		"lines": []map[string]any{{"component": w.sf, "quantity": "1"}}}, http.StatusCreated, &draft)
	if status, page = get(t, c, s.URL+"/erp/engineering/boms/"+draft.ID+"?lang=zh-Hans"); status != 200 || !ct.Contains(page, "删除草稿", `data-action="delete"`) {
		t.Fatalf("draft page %d", status)
	}
	if status, loc, _ := post(t, c, s.URL+"/erp/engineering/boms/"+draft.ID+"/delete", url.Values{}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/engineering/boms") {
		t.Fatalf("delete draft %d %s", status, loc)
	}
	if status, _ = get(t, c, s.URL+"/erp/engineering/boms/"+draft.ID); status != http.StatusNotFound {
		t.Fatalf("deleted draft still shown: %d", status)
	}

	// Work centers and a routing through their forms.
	wc := ct.Unique("WC-")
	status, _, _ = post(t, c, s.URL+"/erp/engineering/work-centers", url.Values{"code": {wc}, "name": {"CNC 加工中心"}, "kind": {"machine"},
		"capacity_hours": {"20"}, "cost_rate": {"180"}, "efficiency": {"90"}, "status": {"active"}})
	if status != http.StatusSeeOther {
		t.Fatalf("work center %d", status)
	}
	status, _, page = post(t, c, s.URL+"/erp/engineering/work-centers?lang=en", url.Values{"code": {ct.Unique("WC-")}, "name": {"x"}, "kind": {"machine"},
		"capacity_hours": {"30"}, "efficiency": {"90"}, "status": {"active"}})
	if status != 422 || !strings.Contains(page, "more than 0 and at most 24") {
		t.Fatalf("bad work center %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/engineering/work-centers?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "工作中心", `data-work-center="`+wc+`"`, "90%") {
		t.Fatalf("work centers %d", status)
	}
	rform := url.Values{"item": {w.fg}, "version": {"A"}, "effective_from": {"2026-01-01"},
		"operations.0.seq": {"10"}, "operations.0.work_center": {wc}, "operations.0.description": {"精加工"}, "operations.0.setup_minutes": {"30"},
		"operations.0.run_minutes": {"12.5"}, "operations.0.queue_minutes": {""}, "operations.0.move_minutes": {""},
		"operations.1.seq": {"20"}, "operations.1.work_center": {"NOPE"}, "operations.1.description": {"x"}, "operations.1.setup_minutes": {""},
		"operations.1.run_minutes": {"1"}, "operations.1.queue_minutes": {""}, "operations.1.move_minutes": {""}}
	status, _, page = post(t, c, s.URL+"/erp/engineering/routings?lang=en", rform)
	if status != 422 || !ct.Contains(page, `data-field-error="operations.1.work_center"`, "No work center has the code NOPE") {
		t.Fatalf("bad routing %d:\n%s", status, page)
	}
	rform.Set("operations.1.work_center", wc)
	status, loc, _ = post(t, c, s.URL+"/erp/engineering/routings", rform)
	if status != http.StatusSeeOther {
		t.Fatalf("routing %d", status)
	}
	status, page = get(t, c, s.URL+loc+"&lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "工艺路线已保存。", `data-op="10"`, `data-op="20"`, "12.5") {
		t.Fatalf("routing page %d", status)
	}

	// Every list in both languages; a warehouse clerk reads without edit buttons.
	for _, path := range []string{"/erp/engineering/boms", "/erp/engineering/routings", "/erp/engineering/work-centers",
		"/erp/engineering/explode", "/erp/engineering/where-used", "/erp/engineering/boms/import"} {
		for _, lang := range []string{"zh-Hans", "en"} {
			if status, _ := get(t, c, s.URL+path+"?lang="+lang); status != 200 {
				t.Errorf("%s in %s: %d", path, lang, status)
			}
		}
	}
	clerk := s.Client(t, "chen.jie")
	status, page = get(t, clerk, s.URL+"/erp/engineering/boms/"+id)
	if status != 200 || strings.Contains(page, `data-action="copy"`) || strings.Contains(page, "/edit") {
		t.Fatalf("clerk BOM page %d", status)
	}
	if status, _ = get(t, clerk, s.URL+"/erp/engineering/boms/new"); status != http.StatusForbidden {
		t.Fatalf("clerk new BOM page %d", status)
	}
}
