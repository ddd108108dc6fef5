package inventory_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
)

// count is a stock count in the API's shape.
type count struct {
	ID            string `json:"id"`
	Number        string `json:"number"`
	Status        string `json:"status"`
	DocID         string `json:"doc_id"`
	ApprovedBy    string `json:"approved_by"`
	NeedsApproval bool   `json:"needs_approval"`
	VarianceValue string `json:"variance_value"`
	Lines         []struct {
		ItemCode     string `json:"item_code"`
		LocationCode string `json:"location_code"`
		LotNo        string `json:"lot_no"`
		Snapshot     string `json:"snapshot"`
		Expected     string `json:"expected"`
		Counted      string `json:"counted"`
		Variance     string `json:"variance"`
		Value        string `json:"variance_value"`
		OverLimit    bool   `json:"over_threshold"`
	} `json:"lines"`
}

// stockCounts counts a cycle of locations while goods move, recounts,
// posts within the threshold, and needs approval above it.
func stockCounts(t *testing.T, w *world) {
	admin, boss := ct.NewClient(t, w.s, "admin"), ct.NewClient(t, w.s, "xu.ming")
	w.post(t, admin, "receipt", line(w.plain, w.stock, "100", "unit_cost", "5"), line(w.plain, w.stock2, "7", "unit_cost", "5"))

	var c count
	w.clerk.Call(t, "POST", "/erp/stock/counts", map[string]any{"warehouse": w.wh.Code, "scope": "locations", "locations": []string{w.stock.Code}}, 201, &c)
	if c.Status != "counting" || len(c.Lines) != 1 || c.Lines[0].Snapshot != "100" || c.Lines[0].Counted != "" {
		t.Fatalf("started count: %+v", c)
	}
	// Goods move after the snapshot: the count takes them into account.
	w.post(t, w.clerk, "issue", line(w.plain, w.stock, "10"))
	path := "/erp/stock/counts/" + c.ID
	w.clerk.Call(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": w.plain.Code, "quantity": "88"}, 200, &c)
	if l := c.Lines[0]; l.Expected != "90" || l.Counted != "88" || l.Variance != "-2" || l.Value != "" {
		t.Fatalf("counted line: %+v", l)
	}
	// A line is counted once; a recount replaces it.
	if p := w.clerk.Fail(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": w.plain.Code, "quantity": "89"}, 422); !p.Names("quantity", "erp.inventory.error.count_counted") {
		t.Errorf("second count: %v", p.Fields())
	}
	w.clerk.Call(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": w.plain.Code, "quantity": "89", "recount": true}, 200, &c)
	if c.Lines[0].Variance != "-1" {
		t.Errorf("recount variance %s", c.Lines[0].Variance)
	}
	// Bad input names its field and writes nothing.
	for _, bad := range []struct {
		body       map[string]any
		field, key string
	}{
		{map[string]any{"location": w.stock2.Code, "item": w.plain.Code, "quantity": "1"}, "location", "erp.inventory.error.out_of_scope"},
		{map[string]any{"location": w.stock.Code, "item": w.plain.Code, "quantity": "-1", "recount": true}, "quantity", "erp.inventory.error.count_negative"},
		{map[string]any{"location": w.stock.Code, "item": w.lotted.Code, "quantity": "1"}, "lot", "erp.inventory.error.lot_required"},
		{map[string]any{"location": "NOWHERE", "item": w.plain.Code, "quantity": "1"}, "location", "erp.inventory.error.location_unknown"},
	} {
		if p := w.clerk.Fail(t, "POST", path+"/lines", bad.body, 422); !p.Names(bad.field, bad.key) {
			t.Errorf("%v: %v", bad.body, p.Fields())
		}
	}
	if p := w.clerk.Fail(t, "POST", "/erp/stock/counts", map[string]any{"warehouse": w.wh.Code, "scope": "locations"}, 422); !p.Names("locations", "erp.error.required") {
		t.Errorf("count without locations: %v", p.Fields())
	}
	// An accountant sees the value of the variance.
	var seen count
	w.acct.Call(t, "GET", path, nil, 200, &seen)
	if seen.Lines[0].Value != "-5.00" || seen.VarianceValue != "-5.00" {
		t.Errorf("variance value %q %q", seen.Lines[0].Value, seen.VarianceValue)
	}
	// Within the threshold, the clerk posts: an adjustment with its journal entry.
	w.clerk.Call(t, "POST", path+"/post", nil, 200, &c)
	if c.Status != "posted" || c.DocID == "" || c.ApprovedBy != "" {
		t.Fatalf("posted count: %+v", c)
	}
	if got := w.onHand(t, w.plain, w.stock, ""); got != "89" {
		t.Errorf("on hand after count %s, want 89", got)
	}
	if n := ct.Count(t, w.s, `SELECT count(*) FROM inv_doc WHERE id = $1 AND kind = 'adjustment' AND entry_id <> ''`, c.DocID); n != 1 {
		t.Errorf("the count's adjustment posted %d entries", n)
	}
	w.clerk.Fail(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": w.plain.Code, "quantity": "1", "recount": true}, 409)

	// Above the threshold (50 % of a lot is missing), posting waits for approval.
	w.post(t, admin, "receipt", line(w.lotted, w.stock, "10", "lot", "CNT-1", "unit_cost", "2"))
	w.clerk.Call(t, "POST", "/erp/stock/counts", map[string]any{"warehouse": w.wh.ID, "scope": "items", "item": w.lotted.Code}, 201, &c)
	path = "/erp/stock/counts/" + c.ID
	w.clerk.Call(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": w.lotted.Code, "lot": "cnt-1", "quantity": "5"}, 200, &c)
	moves := ct.Count(t, w.s, `SELECT count(*) FROM inv_move`)
	w.clerk.Call(t, "POST", path+"/post", nil, 200, &c)
	if c.Status != "awaiting_approval" || !c.NeedsApproval || !c.Lines[0].OverLimit {
		t.Fatalf("count over threshold: %+v", c)
	}
	if n := ct.Count(t, w.s, `SELECT count(*) FROM inv_move`); n != moves || w.onHand(t, w.lotted, w.stock, "CNT-1") != "10" {
		t.Fatalf("a count awaiting approval moved stock")
	}
	w.clerk.Fail(t, "POST", path+"/post", nil, 403)
	// The finance manager sends it back; after a recount it still needs approval, which he gives.
	boss.Call(t, "POST", path+"/reject", nil, 200, &c)
	if c.Status != "counting" {
		t.Fatalf("rejected count %s", c.Status)
	}
	w.clerk.Call(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": w.lotted.Code, "lot": "CNT-1", "quantity": "6", "recount": true}, 200, &c)
	w.clerk.Call(t, "POST", path+"/post", nil, 200, &c)
	boss.Call(t, "POST", path+"/post", nil, 200, &c)
	if c.Status != "posted" || c.ApprovedBy != "xu.ming" {
		t.Fatalf("approved count: %+v", c)
	}
	if got := w.onHand(t, w.lotted, w.stock, "CNT-1"); got != "6" {
		t.Errorf("on hand after approved count %s, want 6", got)
	}
	// Counters in parallel: each line is counted once, by exactly one of them.
	w.clerk.Call(t, "POST", "/erp/stock/counts", map[string]any{"warehouse": w.wh.Code, "scope": "locations", "locations": []string{w.stock2.Code}}, 201, &c)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counted int
	)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, body := w.clerk.Do(t, "POST", "/erp/stock/counts/"+c.ID+"/lines", map[string]any{"location": w.stock2.Code, "item": w.plain.Code,
				"quantity": fmt.Sprint(i)})
			mu.Lock()
			defer mu.Unlock()
			switch st {
			case http.StatusOK:
				counted++
			case http.StatusUnprocessableEntity:
			default:
				t.Errorf("parallel count: %d %s", st, body)
			}
		}()
	}
	wg.Wait()
	if n := ct.Count(t, w.s, `SELECT count(*) FROM inv_count_line WHERE count_id = $1 AND counts = 1`, c.ID); counted != 1 || n != 1 {
		t.Errorf("%d counters counted the line, %d lines counted once; want 1", counted, n)
	}
	// Only an approver sets the thresholds.
	w.clerk.Fail(t, "PUT", "/erp/stock/count-settings", map[string]any{"threshold_pct": "0.1", "threshold_value": "500"}, 403)
	if p := boss.Fail(t, "PUT", "/erp/stock/count-settings", map[string]any{"threshold_pct": "-0.1", "threshold_value": "500"}, 422); !p.Names("threshold_pct", "erp.inventory.error.threshold_negative") {
		t.Errorf("negative threshold: %v", p.Fields())
	}
	w.checks(t)
}

// quarantineRelease releases inspected goods to stock and rejects the rest to scrap.
func quarantineRelease(t *testing.T, w *world) {
	var scrap inventory.Location
	w.clerk.Call(t, "POST", "/erp/warehouses/"+w.wh.ID+"/locations", map[string]any{"code": ct.Unique("SCRAP-"), "type": "scrap"}, 201, &scrap)
	w.post(t, w.clerk, "receipt", line(w.lotted, w.qc, "10", "lot", "Q-1"))
	qa := ct.NewClient(t, w.s, "zheng.hui")
	var out struct {
		Items []inventory.Balance `json:"items"`
	}
	qa.Call(t, "GET", "/erp/stock/quarantine?warehouse_id="+w.wh.ID, nil, 200, &out)
	if len(out.Items) != 1 || out.Items[0].LotNo != "Q-1" || out.Items[0].OnHand.String() != "10" {
		t.Fatalf("quarantine list: %+v", out.Items)
	}
	release := func(qty, decision, to, reason string) map[string]any {
		return map[string]any{"location": w.qc.Code, "item": w.lotted.Code, "lot": "Q-1", "quantity": qty, "decision": decision, "to_location": to, "reason": reason}
	}
	var d inventory.Doc
	qa.Call(t, "POST", "/erp/stock/quarantine/release", release("6", "accept", w.stock.Code, "检验合格"), 201, &d)
	if d.Kind != inventory.DocTransfer || d.Note != "检验合格" {
		t.Errorf("release doc: %+v", d)
	}
	moves := ct.Count(t, w.s, `SELECT count(*) FROM inv_move`)
	for _, bad := range []struct {
		body       map[string]any
		field, key string
	}{
		{release("4", "reject", w.stock.Code, "划伤"), "to_location", "erp.inventory.error.release_target"},
		{release("4", "accept", scrap.Code, "ok"), "to_location", "erp.inventory.error.release_target"},
		{release("4", "reject", scrap.Code, ""), "reason", "erp.error.required"},
		{release("5", "reject", scrap.Code, "划伤"), "quantity", "erp.inventory.error.insufficient"},
		{release("4", "maybe", scrap.Code, "划伤"), "decision", ""},
		{map[string]any{"location": w.stock.Code, "item": w.lotted.Code, "lot": "Q-1", "quantity": "1", "decision": "accept", "to_location": w.stock2.Code, "reason": "x"},
			"location", "erp.inventory.error.not_quarantine"},
	} {
		if p := qa.Fail(t, "POST", "/erp/stock/quarantine/release", bad.body, 422); !p.Names(bad.field, bad.key) {
			t.Errorf("%v: %v", bad.body, p.Fields())
		}
	}
	if n := ct.Count(t, w.s, `SELECT count(*) FROM inv_move`); n != moves {
		t.Errorf("refused releases wrote moves")
	}
	qa.Call(t, "POST", "/erp/stock/quarantine/release", release("4", "reject", scrap.Code, "划伤"), 201, &d)
	if w.onHand(t, w.lotted, w.qc, "Q-1") != "0" || w.onHand(t, w.lotted, w.stock, "Q-1") != "6" || w.onHand(t, w.lotted, scrap, "Q-1") != "4" {
		t.Errorf("after release: qc %s stock %s scrap %s", w.onHand(t, w.lotted, w.qc, "Q-1"), w.onHand(t, w.lotted, w.stock, "Q-1"), w.onHand(t, w.lotted, scrap, "Q-1"))
	}
	// A serial number is traced like a lot: where it came from and where it lies.
	w.post(t, w.clerk, "receipt", line(w.serial, w.qc, "1", "lot", "SN-0001"))
	var tr struct {
		Serial  bool `json:"serial"`
		Origins []struct {
			Kind string `json:"kind"`
		} `json:"origins"`
		Locations []struct {
			LocationCode string `json:"location_code"`
		} `json:"locations"`
		Shipments []any `json:"shipments"`
	}
	qa.Call(t, "GET", "/erp/stock/trace/lot?item="+w.serial.ID+"&lot=sn-0001", nil, 200, &tr)
	if !tr.Serial || len(tr.Origins) != 1 || tr.Origins[0].Kind != "receipt" || len(tr.Locations) != 1 || tr.Locations[0].LocationCode != w.qc.Code || len(tr.Shipments) != 0 {
		t.Errorf("serial trace %+v", tr)
	}
	// A sales rep may look but not release.
	ct.NewClient(t, w.s, "li.lei").Fail(t, "POST", "/erp/stock/quarantine/release", release("1", "accept", w.stock.Code, "x"), 403)
	w.checks(t)
}

// countScreens counts and releases through the scanner screens, in both languages.
func countScreens(t *testing.T, w *world) {
	s := w.s
	c := s.Client(t, "chen.jie")
	w.post(t, w.clerk, "receipt", line(w.plain, w.stock2, "3"), line(w.plain, w.qc, "2"))
	status, page := get(t, c, s.URL+"/erp/stock/counts?lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "盘点", "开始盘点", "循环盘点") {
		t.Fatalf("counts page %d", status)
	}
	status, _, page = post(t, c, s.URL+"/erp/stock/counts?lang=zh-Hans", url.Values{"warehouse": {w.wh.ID}, "scope": {"locations"}, "locations": {"NOWHERE"}})
	if status != 422 || !ct.Contains(page, `data-field-error="locations"`, "没有此编码的库位") {
		t.Fatalf("bad count start %d:\n%s", status, page)
	}
	status, loc, _ := post(t, c, s.URL+"/erp/stock/counts", url.Values{"warehouse": {w.wh.ID}, "scope": {"locations"}, "locations": {w.stock2.Code}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/stock/counts/") {
		t.Fatalf("start count: %d %s", status, loc)
	}
	countPath := strings.SplitN(loc, "?", 2)[0]
	status, page = get(t, c, s.URL+loc+"&lang=zh-Hans")
	if status != 200 || !ct.Contains(page, "盘点中", "data-scan", `data-count-line="`+w.stock2.Code+"/"+w.plain.Code+`/"`) {
		t.Fatalf("count page %d:\n%s", status, page)
	}
	status, loc, _ = post(t, c, s.URL+countPath+"/lines", url.Values{"location": {w.stock2.Code}, "item": {w.plain.Code}, "quantity": {"3"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "location="+url.QueryEscape(w.stock2.Code)) {
		t.Fatalf("count line: %d %s", status, loc)
	}
	status, _, page = post(t, c, s.URL+countPath+"/lines?lang=en", url.Values{"location": {w.stock2.Code}, "item": {w.plain.Code}, "quantity": {"4"}})
	if status != 422 || !ct.Contains(page, `data-field-error="quantity"`, "already counted") {
		t.Fatalf("second count %d", status)
	}
	status, page = get(t, c, s.URL+countPath+"?lang=en")
	if status != 200 || !ct.Contains(page, "Counting", "Post variances", `data-counted-qty>3</td>`) {
		t.Fatalf("count page en %d:\n%s", status, page)
	}
	if status, loc, _ = post(t, c, s.URL+countPath+"/post", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("post count %d", status)
	}
	if status, page = get(t, c, s.URL+loc+"&lang=zh-Hans"); status != 200 || !ct.Contains(page, "已过账") {
		t.Fatalf("posted count %d", status)
	}
	// Quarantine: the list and the release form, in both languages.
	for lang, want := range map[string]string{"zh-Hans": "待检区", "en": "Quarantine"} {
		status, page = get(t, c, s.URL+"/erp/stock/quarantine?lang="+lang)
		if status != 200 || !ct.Contains(page, want, "data-scan", `data-quarantine="`+w.qc.Code+"/"+w.plain.Code+`/"`) {
			t.Fatalf("quarantine page %s %d", lang, status)
		}
	}
	status, _, page = post(t, c, s.URL+"/erp/stock/quarantine?lang=zh-Hans", url.Values{"location": {w.qc.Code}, "item": {w.plain.Code},
		"quantity": {"2"}, "decision": {"accept"}, "to_location": {w.stock.Code}})
	if status != 422 || !ct.Contains(page, `data-field-error="reason"`) {
		t.Fatalf("release without reason %d", status)
	}
	status, loc, _ = post(t, c, s.URL+"/erp/stock/quarantine", url.Values{"location": {w.qc.Code}, "item": {w.plain.Code},
		"quantity": {"2"}, "decision": {"accept"}, "to_location": {w.stock.Code}, "reason": {"OK"}})
	if status != http.StatusSeeOther {
		t.Fatalf("release %d", status)
	}
	if status, page = get(t, c, s.URL+loc+"&lang=en"); status != 200 || !ct.Contains(page, "released the goods") {
		t.Fatalf("after release %d", status)
	}
	t.Run("blind and by category", func(t *testing.T) { blindCounts(t, newWorld(t, s)) })
	t.Run("thresholds screen", func(t *testing.T) { countSettingsScreen(t, newWorld(t, s)) })
}
