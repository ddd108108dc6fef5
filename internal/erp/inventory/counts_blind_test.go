package inventory_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// blindCount is a stock count as a counter or an approver reads it.
type blindCount struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Blind  bool   `json:"blind"`
	Hidden bool   `json:"quantities_hidden"`
	Lines  []struct {
		ItemCode string  `json:"item_code"`
		Snapshot *string `json:"snapshot"`
		Expected *string `json:"expected"`
		Counted  *string `json:"counted"`
		Variance *string `json:"variance"`
	} `json:"lines"`
}

// blindCounts counts one category blind: the counter never sees the books
// until the count is posted, the approver always does; the count sheet
// follows the same rule, and an unknown category is refused.
func blindCounts(t *testing.T, w *world) {
	s, admin, boss := w.s, ct.NewClient(t, w.s, "admin"), ct.NewClient(t, w.s, "xu.ming")
	other := w.planner.Category(t, ct.Unique("CAT-"))
	bolt := w.planner.Item(t, ct.ItemSpec{UoMID: w.b.Pieces.ID, CategoryID: other.ID})
	w.post(t, admin, "receipt", line(bolt, w.stock, "40", "unit_cost", "1"), line(w.plain, w.stock, "9", "unit_cost", "1"))

	before := ct.Count(t, s, `SELECT count(*) FROM inv_count`)
	for _, cat := range []string{db.NewID(), "NOPE"} {
		p := w.clerk.Fail(t, "POST", "/erp/stock/counts", map[string]any{"warehouse": w.wh.Code, "scope": "items", "category": cat}, 422)
		if !p.Names("category", "erp.inventory.error.category_unknown") {
			t.Errorf("unknown category %q: %v", cat, p.Fields())
		}
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM inv_count`); n != before {
		t.Fatalf("a refused count was written")
	}

	var c blindCount
	w.clerk.Call(t, "POST", "/erp/stock/counts", map[string]any{"warehouse": w.wh.Code, "scope": "items", "category": other.ID, "blind": true}, 201, &c)
	if !c.Blind || !c.Hidden || len(c.Lines) != 1 || c.Lines[0].ItemCode != bolt.Code || c.Lines[0].Snapshot != nil {
		t.Fatalf("blind count as its counter sees it: %+v", c)
	}
	path := "/erp/stock/counts/" + c.ID
	w.clerk.Call(t, "POST", path+"/lines", map[string]any{"location": w.stock.Code, "item": bolt.Code, "quantity": "38"}, 200, &c)
	if l := c.Lines[0]; l.Counted == nil || *l.Counted != "38" || l.Expected != nil || l.Variance != nil {
		t.Fatalf("counted blind line: %+v", l)
	}
	var seen blindCount
	boss.Call(t, "GET", path, nil, 200, &seen)
	if l := seen.Lines[0]; seen.Hidden || l.Snapshot == nil || *l.Snapshot != "40" || l.Variance == nil || *l.Variance != "-2" {
		t.Fatalf("blind count as the approver sees it: %+v", seen)
	}

	// The screens: no book quantities for the counter, on the count page
	// and on the count sheet; the approver's sheet has them.
	clerk, approver := s.Client(t, "chen.jie"), s.Client(t, "xu.ming")
	for lang, want := range map[string]string{"zh-Hans": "盲盘", "en": "Blind count"} {
		status, page := get(t, clerk, s.URL+path+"?lang="+lang)
		if status != 200 || !ct.Contains(page, want, "data-blind", "data-counted-qty") || strings.Contains(page, "data-variance") ||
			strings.Contains(page, "data-snapshot") {
			t.Fatalf("blind count page %s %d:\n%s", lang, status, page)
		}
		status, page = get(t, clerk, s.URL+path+"/sheet?lang="+lang)
		if status != 200 || !ct.Contains(page, `data-sheet-line="`+w.stock.Code+"/"+bolt.Code+`/"`, "doc-print") || strings.Contains(page, "data-snapshot") {
			t.Fatalf("counter's count sheet %s %d:\n%s", lang, status, page)
		}
	}
	if status, page := get(t, approver, s.URL+path+"/sheet?lang=en"); status != 200 || !ct.Contains(page, "Stock count sheet", "data-snapshot>40<") {
		t.Fatalf("approver's count sheet %d:\n%s", status, page)
	}

	// Once posted, the counter sees what the books said.
	w.clerk.Call(t, "POST", path+"/post", nil, 200, &c)
	if c.Status != "posted" || c.Hidden || c.Lines[0].Variance == nil || *c.Lines[0].Variance != "-2" {
		t.Fatalf("posted blind count: %+v", c)
	}
	if got := w.onHand(t, bolt, w.stock, ""); got != "38" {
		t.Errorf("on hand after the blind count %s", got)
	}
}

// countSettingsScreen changes the approval thresholds on the counts page:
// only an approver sees the form; bad input names its field.
func countSettingsScreen(t *testing.T, w *world) {
	s := w.s
	clerk, boss := s.Client(t, "chen.jie"), s.Client(t, "xu.ming")
	if status, page := get(t, clerk, s.URL+"/erp/stock/counts?lang=en"); status != 200 || strings.Contains(page, "data-count-settings") {
		t.Fatalf("a clerk sees the thresholds form (%d)", status)
	}
	for lang, want := range map[string]string{"zh-Hans": "审批阈值", "en": "Approval thresholds"} {
		if status, page := get(t, boss, s.URL+"/erp/stock/counts?lang="+lang); status != 200 || !ct.Contains(page, want, "data-count-settings", `value="5"`) {
			t.Fatalf("thresholds form %s %d", lang, status)
		}
	}
	for field, form := range map[string]url.Values{
		"threshold_pct":   {"threshold_pct": {"-3"}, "threshold_value": {"800"}},
		"threshold_value": {"threshold_pct": {"10"}, "threshold_value": {"abc"}},
	} {
		status, _, page := post(t, boss, s.URL+"/erp/stock/count-settings?lang=en", form)
		if status != 422 || !ct.Contains(page, `data-field-error="`+field+`"`) || strings.Contains(page, "too large") {
			t.Fatalf("bad %s %d:\n%s", field, status, page)
		}
	}
	if status, _, _ := post(t, clerk, s.URL+"/erp/stock/count-settings", url.Values{"threshold_pct": {"10"}, "threshold_value": {"800"}}); status != http.StatusForbidden {
		t.Fatalf("a clerk changed the thresholds: %d", status)
	}
	var st struct {
		Pct   string `json:"threshold_pct"`
		Value string `json:"threshold_value"`
	}
	api := ct.NewClient(t, s, "xu.ming")
	api.Call(t, "GET", "/erp/stock/count-settings", nil, 200, &st)
	if st.Pct != "0.05" || st.Value != "1000.00" {
		t.Fatalf("thresholds changed by refused forms: %+v", st)
	}
	if status, loc, _ := post(t, boss, s.URL+"/erp/stock/count-settings", url.Values{"threshold_pct": {"10"}, "threshold_value": {"800"}}); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/erp/stock/counts") {
		t.Fatalf("save thresholds %d %s", status, loc)
	}
	api.Call(t, "GET", "/erp/stock/count-settings", nil, 200, &st)
	if st.Pct != "0.1" || st.Value != "800.00" {
		t.Fatalf("saved thresholds %+v", st)
	}
	// Back to the defaults, for what runs next on this server.
	api.Call(t, "PUT", "/erp/stock/count-settings", map[string]any{"threshold_pct": "0.05", "threshold_value": "1000"}, 200, nil)
}
