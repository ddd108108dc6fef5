package sales_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/sales"
)

// endingReturns cancels a return nothing arrived against and closes one
// short: the reason is required, each is refused in the other's case, CRM
// hears of both, and what was not received can be returned again.
func endingReturns(t *testing.T, w *world) {
	s := w.s
	var qc inventory.Location
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("QC-"), "type": "quarantine"}, 201, &qc)
	sh := w.shipOrder(t, "10", "10")
	newReturn := func(qty string) salesReturn {
		var r salesReturn
		w.clerk.Call(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh.Number, "reason": "客户拒收",
			"lines": []map[string]any{{"item": w.good.Code, "quantity": qty}}}, 201, &r)
		return r
	}
	r := newReturn("6")
	path := "/erp/sales/returns/" + r.ID
	if p := w.clerk.Fail(t, "POST", path+"/cancel", map[string]any{"reason": " "}, 422); !p.Names("reason", "erp.error.required") {
		t.Fatalf("cancel without a reason: %v", p.Fields())
	}
	w.rep.Fail(t, "POST", path+"/cancel", map[string]any{"reason": "客户撤回"}, 403)
	w.clerk.Fail(t, "POST", path+"/close", map[string]any{"reason": "只到一部分"}, http.StatusConflict)

	// Part of it arrives: it can no longer be cancelled, only closed short.
	w.clerk.Call(t, "POST", path+"/receive", map[string]any{"location": qc.Code, "item": w.good.Code, "lot": "LOT-A", "quantity": "2"}, 200, &r)
	w.clerk.Fail(t, "POST", path+"/cancel", map[string]any{"reason": "客户撤回"}, http.StatusConflict)
	var closed struct {
		salesReturn
		ClosedShort bool `json:"closed_short"`
	}
	w.clerk.Call(t, "POST", path+"/close", map[string]any{"reason": "其余报废，不再退回"}, 200, &closed)
	if closed.Status != "received" || !closed.ClosedShort || closed.Lines[0].Received != "2" || closed.Lines[0].Quantity != "6" {
		t.Fatalf("closed short: %+v", closed)
	}
	ev := ct.Events(t, s, sales.EventReturnReceived, r.ID)
	if len(ev) != 1 || ev[0]["status"] != "received" || ev[0]["reason"] != "其余报废，不再退回" {
		t.Fatalf("closed-short event %v", ev)
	}
	if lines, _ := ev[0]["lines"].([]any); len(lines) != 1 || lines[0].(map[string]any)["quantity"] != "2" {
		t.Fatalf("closed-short event lines %v", ev[0]["lines"])
	}
	w.clerk.Fail(t, "POST", path+"/close", map[string]any{"reason": "again"}, http.StatusConflict)

	// Only the 2 received count against the shipment: 8 can still come back.
	other := newReturn("8")
	w.clerk.Fail(t, "POST", "/erp/sales/returns", map[string]any{"shipment": sh.Number,
		"lines": []map[string]any{{"item": w.good.Code, "quantity": "1"}}}, 422)
	w.clerk.Call(t, "POST", "/erp/sales/returns/"+other.ID+"/cancel", map[string]any{"reason": "客户撤回"}, 200, &other)
	if other.Status != "cancelled" {
		t.Fatalf("cancelled return %+v", other)
	}
	ev = ct.Events(t, s, sales.EventReturnReceived, other.ID)
	if len(ev) != 1 || ev[0]["status"] != "rejected" || ev[0]["reason"] != "客户撤回" {
		t.Fatalf("cancel event %v", ev)
	}
	// A cancelled return no longer holds its quantity.
	newReturn("8")

	// The screens: several lines at once, and ending a return, in both languages.
	sh2 := w.shipOrder(t, "10", "10")
	c := s.Client(t, "chen.jie")
	status, page := get(t, c, s.URL+"/erp/sales/returns?lang=en")
	if status != 200 || strings.Count(page, `data-return-row=`) < 4 {
		t.Fatalf("new return form rows (%d)", status)
	}
	status, _, page = post(t, c, s.URL+"/erp/sales/returns?lang=en", url.Values{"shipment": {sh2.Number},
		"item": {w.good.Code, "", w.service.Code}, "quantity": {"1", "", "1"}})
	if status != 422 || !ct.Contains(page, `id="item-2"`, `item-2-error`) || strings.Contains(page, `item-0-error`) {
		t.Fatalf("bad third row %d:\n%s", status, page)
	}
	status, loc, _ := post(t, c, s.URL+"/erp/sales/returns", url.Values{"shipment": {sh2.Number},
		"item": {w.good.Code, "", w.good.Code, ""}, "quantity": {"1", "", "2", ""}, "reason": {"包装破损"}})
	if status != http.StatusSeeOther {
		t.Fatalf("two-line return %d", status)
	}
	retPath := strings.SplitN(loc, "?", 2)[0]
	var two salesReturn
	w.clerk.Call(t, "GET", strings.Replace(retPath, "/erp/", "/erp/", 1), nil, 200, &two)
	if len(two.Lines) != 2 || two.Lines[0].Quantity != "1" || two.Lines[1].Quantity != "2" {
		t.Fatalf("two-line return %+v", two)
	}
	for lang, want := range map[string]string{"zh-Hans": "取消退货", "en": "Cancel return"} {
		if status, page = get(t, c, s.URL+retPath+"?lang="+lang); status != 200 || !ct.Contains(page, want, "data-end-return") {
			t.Fatalf("return page %s %d", lang, status)
		}
	}
	status, _, page = post(t, c, s.URL+retPath+"/cancel?lang=zh-Hans", url.Values{"end_reason": {""}})
	if status != 422 || !ct.Contains(page, `data-field-error="end_reason"`) {
		t.Fatalf("cancel without reason %d:\n%s", status, page)
	}
	status, loc, _ = post(t, c, s.URL+retPath+"/cancel", url.Values{"end_reason": {"客户撤回"}})
	if status != http.StatusSeeOther {
		t.Fatalf("cancel from the screen %d", status)
	}
	if status, page = get(t, c, s.URL+loc+"&lang=en"); status != 200 || !ct.Contains(page, "was cancelled") || strings.Contains(page, "data-end-return") {
		t.Fatalf("cancelled return page %d", status)
	}
}
