package inventory_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

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

// warehouseScreens receives, moves and looks up stock through the
// scanner screens, in Chinese and English.
func warehouseScreens(t *testing.T, w *world) {
	s := w.s
	c := s.Client(t, "chen.jie")

	status, page := get(t, c, s.URL+"/erp/stock/receive?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "入库", "data-scan", "依次扫描库位") || strings.Contains(page, `name="unit_cost"`) {
		t.Fatalf("receive form %d", status)
	}
	// Bad scans come back with their errors and what was typed.
	status, _, page = post(t, c, s.URL+"/erp/stock/receive?lang=zh-Hans", url.Values{"location": {"NOWHERE"}, "item": {w.lotted.Code}, "quantity": {"1.5"}})
	if status != 422 || !ct.Contains(page, `data-field-error="location"`, "没有此编码的库位", `data-field-error="lot"`, `value="NOWHERE"`) {
		t.Fatalf("bad receipt %d:\n%s", status, page)
	}
	status, loc, _ := post(t, c, s.URL+"/erp/stock/receive", url.Values{"location": {w.stock.Code}, "item": {strings.ToLower(w.lotted.Code)},
		"lot": {"LOT-A"}, "expiry_date": {"2030-06-30"}, "quantity": {"12"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "location="+url.QueryEscape(w.stock.Code)) {
		t.Fatalf("receipt: %d %s", status, loc)
	}
	status, page = get(t, c, s.URL+loc+"&lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "GR-", "已过账", `value="`+w.stock.Code+`"`) {
		t.Fatalf("after receipt %d:\n%s", status, page)
	}
	// The receipt's goods labels: item and lot as barcodes, quantity and place.
	var docID string
	if err := s.App.DBs["erp"].QueryRow(context.Background(), `SELECT doc_id FROM inv_move WHERE item_id = $1`, w.lotted.ID).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	status, page = get(t, c, s.URL+"/erp/stock/docs/"+docID+"?lang=zh-Hans")
	if status != 200 || !strings.Contains(page, "/erp/stock/docs/"+docID+"/labels") {
		t.Fatalf("receipt page %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/stock/docs/"+docID+"/labels?lang=zh-Hans")
	if status != 200 || strings.Count(page, `<svg class="barcode"`) != 2 || !ct.Contains(page, "货物标签", "LOT-A", w.stock.Code, ">12 ") {
		t.Fatalf("goods labels %d:\n%s", status, page)
	}
	status, loc, _ = post(t, c, s.URL+"/erp/stock/transfer", url.Values{"location": {w.stock.Code}, "to_location": {w.qc.Code},
		"item": {w.lotted.Code}, "lot": {"lot-a"}, "quantity": {"2"}})
	if status != http.StatusSeeOther {
		t.Fatalf("transfer: %d", status)
	}
	status, page = get(t, c, s.URL+"/erp/stock?lang=en&q="+url.QueryEscape(w.lotted.Code))
	if status != 200 || !ct.Contains(page, `data-stock="`+w.lotted.Code+"@"+w.wh.Code+`"`, `<td class="num" data-on-hand>10</td>`, `<td class="num">2</td>`) {
		t.Fatalf("stock page %d:\n%s", status, page)
	}
	status, page = get(t, c, s.URL+"/erp/stock/items/"+w.lotted.ID+"?qty=15&lang=en")
	if status != 200 || !ct.Contains(page, "LOT-A", "2030-06-30", "can be promised from") {
		t.Fatalf("item stock page %d:\n%s", status, page)
	}
	status, page = get(t, c, s.URL+"/erp/stock/moves?item="+w.lotted.Code)
	if status != 200 || strings.Count(page, "data-move=") != 3 {
		t.Fatalf("moves page %d: %d moves", status, strings.Count(page, "data-move="))
	}
	status, page = get(t, c, s.URL+"/erp/warehouses/"+w.wh.ID+"/labels")
	if status != 200 || !ct.Contains(page, `<svg class="barcode"`, `data-label="`+w.stock.Code+`"`) {
		t.Fatalf("labels %d", status)
	}
	status, loc, _ = post(t, c, s.URL+"/erp/warehouses/"+w.wh.ID+"/locations", url.Values{"code": {ct.Unique("NEW-")}, "type": {"wip"}, "status": {"active"}})
	if status != http.StatusSeeOther {
		t.Fatalf("new location: %d", status)
	}
	// An accountant sees values; a clerk does not reach them.
	acct := s.Client(t, "huang.jing")
	if status, page = get(t, acct, s.URL+"/erp/stock/value?lang=zh-Hans"); status != 200 || !strings.Contains(page, "库存金额") {
		t.Fatalf("value page %d", status)
	}
	if status, _ = get(t, c, s.URL+"/erp/stock/value"); status != http.StatusForbidden {
		t.Fatalf("clerk value page %d", status)
	}
	// A sales rep sees stock but no warehouse operations.
	rep := s.Client(t, "li.lei")
	if status, _ = get(t, rep, s.URL+"/erp/stock"); status != 200 {
		t.Fatalf("rep stock %d", status)
	}
	if status, _ = get(t, rep, s.URL+"/erp/stock/receive"); status != http.StatusForbidden {
		t.Fatalf("rep receive %d", status)
	}
}
