package catalog_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
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

// catalogScreens creates and edits an item through the web forms, in
// both languages, and sees its errors next to the fields.
func catalogScreens(t *testing.T, s *apptest.Server) {
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)
	c := s.Client(t, "sun.li")

	status, page := get(t, c, s.URL+"/erp/items/new?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "新建物料", "物料编码", "增值税率（%）", b.Pieces.Code) {
		t.Fatalf("new item page %d", status)
	}
	form := url.Values{"code": {"BAD CODE"}, "name": {""}, "kind": {"finished"}, "category_id": {b.Category.ID},
		"uom_id": {b.Pieces.ID}, "vat_rate": {"13.12345"}, "list_price": {"abc"}, "status": {"active"}, "tracking": {"none"}}
	status, _, page = post(t, c, s.URL+"/erp/items?lang=zh-Hans", form)
	if status != 422 || !ct.Contains(page, `data-field-error="code"`, `data-field-error="vat_rate"`, `data-field-error="list_price"`,
		"只能使用字母、数字", "最多保留 4 位小数", `value="BAD CODE"`) {
		t.Fatalf("bad form %d:\n%s", status, page)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM cat_item WHERE code = 'BAD CODE'`); n != 0 {
		t.Fatal("a bad form wrote an item")
	}
	code := ct.Unique("SCR-")
	form.Set("code", code)
	form.Set("name", "电机端盖")
	form.Set("vat_rate", "13")
	form.Set("list_price", "86.5")
	form.Set("sellable", "on")
	status, loc, _ := post(t, c, s.URL+"/erp/items", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/items/") {
		t.Fatalf("create: %d %s", status, loc)
	}
	status, page = get(t, c, s.URL+loc+"&lang=en")
	if status != 200 || !ct.Contains(page, code, "电机端盖", "The item was created.", "86.50", "13%") {
		t.Fatalf("item page %d:\n%s", status, page)
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/erp/items/")
	status, page = get(t, c, s.URL+"/erp/items/"+id+"/edit")
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)
	if status != 200 || version == nil {
		t.Fatalf("edit page %d", status)
	}
	form.Set("version", version[1])
	form.Set("name", "电机端盖 B")
	if status, loc, _ = post(t, c, s.URL+"/erp/items/"+id, form); status != http.StatusSeeOther {
		t.Fatalf("update: %d", status)
	}
	// The same form again carries a stale version.
	status, _, page = post(t, c, s.URL+"/erp/items/"+id+"?lang=en", form)
	if status != http.StatusPreconditionFailed || !strings.Contains(page, "Someone else changed this record") {
		t.Fatalf("stale update %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/items?q="+url.QueryEscape("端盖 b"))
	if status != 200 || !strings.Contains(page, `data-item="`+code+`"`) {
		t.Fatalf("search %d", status)
	}
	// htmx asks for the results only.
	req, _ := http.NewRequest("GET", s.URL+"/erp/items?q=nothing-matches-this", nil)
	req.Header.Set("HX-Request", "true")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	frag, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(frag), "<html") || !strings.Contains(string(frag), `id="item-results"`) {
		t.Fatalf("htmx fragment:\n%s", frag)
	}

	// Categories and units through their screens.
	status, loc, _ = post(t, c, s.URL+"/erp/uoms", url.Values{"code": {ct.Unique("box")}, "name": {"箱"}, "precision": {"0"}, "status": {"active"}})
	if status != http.StatusSeeOther {
		t.Fatalf("unit: %d", status)
	}
	status, _, page = post(t, c, s.URL+"/erp/uoms?lang=en", url.Values{"code": {"x"}, "name": {"x"}, "precision": {"9"}, "status": {"active"}})
	if status != 422 || !strings.Contains(page, "Enter 0 to 6 decimal places") {
		t.Fatalf("bad unit: %d", status)
	}
	status, _, _ = post(t, c, s.URL+"/erp/categories", url.Values{"code": {ct.Unique("C-")}, "name": {"嵌件"}, "status": {"active"}})
	if status != http.StatusSeeOther {
		t.Fatalf("category: %d", status)
	}
	// A sales rep reads the catalog but gets no edit buttons.
	rep := s.Client(t, "li.lei")
	status, page = get(t, rep, s.URL+"/erp/items/"+id)
	if status != 200 || strings.Contains(page, "/edit") {
		t.Fatalf("rep item page %d", status)
	}
	if status, _ = get(t, rep, s.URL+"/erp/items/new"); status != http.StatusForbidden {
		t.Fatalf("rep new item page %d", status)
	}
	// Labels: the item's code as a barcode, as many copies as asked (at most 100).
	status, page = get(t, c, s.URL+"/erp/items/"+id+"/labels?copies=3&lang=zh-Hans")
	if status != 200 || strings.Count(page, `class="label-card"`) != 3 || !ct.Contains(page, "<svg", "标签", "data-print") {
		t.Fatalf("labels %d:\n%s", status, page)
	}
	if _, page = get(t, c, s.URL+"/erp/items/"+id+"/labels?copies=5000"); strings.Count(page, `class="label-card"`) != 100 {
		t.Fatal("more than 100 labels")
	}
}
