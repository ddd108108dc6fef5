package sales_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
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

// salesScreens enters an order through the form, confirms it, picks it
// with the scanner screen, ships it and prints the delivery note.
func salesScreens(t *testing.T, w *world) {
	s := w.s
	rep, clerk := s.Client(t, "li.lei"), s.Client(t, "chen.jie")

	status, page := get(t, rep, s.URL+"/erp/sales/orders/new?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "新建销售订单", "上海汽车变速器有限公司", `name="item"`) {
		t.Fatalf("new order page %d", status)
	}
	// Bad lines come back on their own rows.
	form := url.Values{"customer_id": {w.customer.ID}, "item": {"", w.good.Code, "NOPE"}, "quantity": {"", "1.5", "2"},
		"unit_price": {"", "", ""}, "discount": {"", "", ""}}
	status, _, page = post(t, rep, s.URL+"/erp/sales/orders?lang=zh-Hans", form)
	if status != 422 || !ct.Contains(page, `data-field-error="lines[1].quantity"`, `data-field-error="lines[2].item"`, "没有此编码的物料") {
		t.Fatalf("bad order form %d:\n%s", status, page)
	}
	form = url.Values{"customer_id": {w.customer.ID}, "item": {w.good.Code, ""}, "quantity": {"12", ""}, "unit_price": {"", ""}, "discount": {"5", ""}}
	status, loc, _ := post(t, rep, s.URL+"/erp/sales/orders", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/sales/orders/") {
		t.Fatalf("save order: %d %s", status, loc)
	}
	orderPath := strings.Split(loc, "?")[0]
	status, loc, _ = post(t, rep, s.URL+orderPath+"/confirm", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", status)
	}
	status, page = get(t, rep, s.URL+loc+"&lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "已确认", `data-status="reserved"`, `<td class="num" data-reserved>12</td>`) {
		t.Fatalf("confirmed order page %d:\n%s", status, page)
	}
	// The clerk picks with the scanner screen.
	status, loc, _ = post(t, clerk, s.URL+orderPath+"/pick", nil)
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "/pick") {
		t.Fatalf("start picking: %d %s", status, loc)
	}
	pickPath := loc
	status, page = get(t, clerk, s.URL+pickPath+"?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "依次扫描库位", "data-scan") {
		t.Fatalf("pick page %d", status)
	}
	shipment := strings.TrimSuffix(strings.TrimPrefix(pickPath, "/erp/sales/shipments/"), "/pick")
	status, _, page = post(t, clerk, s.URL+"/erp/sales/shipments/"+shipment+"/picks?lang=en", url.Values{
		"location": {w.loc.Code}, "item": {w.good.Code}, "lot": {"LOT-A"}, "quantity": {"13"}})
	if status != 422 || !strings.Contains(page, "Only 12 ") {
		t.Fatalf("over-pick %d:\n%s", status, page)
	}
	status, loc, _ = post(t, clerk, s.URL+"/erp/sales/shipments/"+shipment+"/picks", url.Values{
		"location": {w.loc.Code}, "item": {strings.ToLower(w.good.Code)}, "lot": {"lot-a"}, "quantity": {"12"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "location="+url.QueryEscape(w.loc.Code)) {
		t.Fatalf("pick: %d %s", status, loc)
	}
	status, loc, _ = post(t, clerk, s.URL+"/erp/sales/shipments/"+shipment+"/ship", url.Values{"carrier": {"顺丰速运"}, "tracking_no": {"SF9988"}})
	if status != http.StatusSeeOther {
		t.Fatalf("ship: %d", status)
	}
	status, page = get(t, clerk, s.URL+"/erp/sales/shipments/"+shipment+"/print?lang=zh-Hans")
	number := regexp.MustCompile(`SH-\d{4}-\d{6}`).FindString(page)
	if status != 200 || number == "" || !ct.Contains(page, "送货单", "顺丰速运", "SF9988", "LOT-A", `<svg class="barcode"`, "收货人") {
		t.Fatalf("delivery note %d:\n%s", status, page)
	}
	status, page = get(t, rep, s.URL+orderPath+"?lang=en")
	if status != 200 || !ct.Contains(page, `data-status="shipped"`, number) {
		t.Fatalf("shipped order page %d", status)
	}
	// Another rep sees neither the order nor its delivery note.
	other := s.Client(t, "zhao.min")
	if status, _ = get(t, other, s.URL+orderPath); status != 404 {
		t.Fatalf("another rep's order: %d", status)
	}
	if status, _ = get(t, other, s.URL+"/erp/sales/shipments/"+shipment+"/print"); status != 404 {
		t.Fatalf("another rep's delivery note: %d", status)
	}
	status, page = get(t, rep, s.URL+"/erp/sales/orders?status=shipped")
	if status != 200 || !strings.Contains(page, "data-order=") {
		t.Fatalf("order list %d", status)
	}
}
