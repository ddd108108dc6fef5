package inventory_test

import (
	"fmt"
	"testing"

	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/inventory"
)

// backdateMany back-dates a receipt before more later moves than one
// statement rewrites (the valuation rows are written back in chunks), and
// checks that every later move is valued again as a fresh valuation of the
// whole ledger values it.
func backdateMany(t *testing.T, w *world) {
	admin := ct.NewClient(t, w.s, "admin")
	it := w.plain
	w.postOn(t, admin, "receipt", daysAgo(21), line(it, w.stock, "10", "unit_cost", "5"))
	// Ten days of 25 receipts of 2 at rising costs, then 25 issues of 1:
	// 500 later moves.
	var last inventory.Doc
	for d := 20; d > 10; d-- {
		in := make([]map[string]any, 25)
		out := make([]map[string]any, 25)
		for i := range in {
			in[i] = line(it, w.stock, "2", "unit_cost", fmt.Sprint(5+(20-d)+i%3))
			out[i] = line(it, w.stock, "1")
		}
		w.postOn(t, admin, "receipt", daysAgo(d), in...)
		last = w.postOn(t, admin, "issue", daysAgo(d), out...)
	}
	moveValues := func(d inventory.Doc) []string {
		t.Helper()
		var got inventory.Doc
		w.acct.Call(t, "GET", "/erp/stock/docs/"+d.ID, nil, 200, &got)
		out := make([]string, len(got.Moves))
		for i, m := range got.Moves {
			out[i] = m.Value.String()
		}
		return out
	}
	before := moveValues(last)
	// A receipt on the first day, after the first receipt and before every
	// other move, at a much higher cost: every later issue costs more.
	w.postOn(t, admin, "receipt", daysAgo(21), line(it, w.stock, "10", "unit_cost", "50"))
	after := moveValues(last)
	if len(after) != len(before) {
		t.Fatalf("the last issue has %d moves, had %d", len(after), len(before))
	}
	for i := range after {
		if after[i] == before[i] {
			t.Errorf("move %d of the last issue kept its value %s after the back-dated receipt", i, after[i])
		}
	}
	var moves, valued int
	if err := w.s.App.DBs["erp"].QueryRow(t.Context(), `SELECT (SELECT count(*) FROM inv_move WHERE item_id = $1),
		(SELECT count(*) FROM inv_cost WHERE item_id = $1)`, it.ID).Scan(&moves, &valued); err != nil {
		t.Fatal(err)
	}
	if moves != 502 || valued != moves {
		t.Errorf("%d moves and %d valuation rows, want 502 of each", moves, valued)
	}
	w.checks(t)
}
