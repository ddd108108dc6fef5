package engineering_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/app/apptest"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
	"github.com/loom-erp/loom/internal/erp/engineering"
)

// workbook builds a BOM workbook: a heading row, then rows of cells A…I.
func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"parent", "version", "from", "base", "component", "quantity", "scrap", "phantom", "op"}); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cells := r
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &cells); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type report struct {
	ID       string `json:"id"`
	Total    int    `json:"total"`
	Bad      int    `json:"bad"`
	BOMs     int    `json:"boms"`
	GoodBOMs int    `json:"good_boms"`
	Imported bool   `json:"imported"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Skipped  int    `json:"skipped"`
	Rows     []struct {
		Row     int  `json:"row"`
		Skipped bool `json:"skipped"`
		Errors  []struct {
			Column  string `json:"column"`
			Header  string `json:"header"`
			Field   string `json:"field"`
			Key     string `json:"key"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"rows"`
}

func upload(t *testing.T, s *apptest.Server, token, mode string, data []byte, lang string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/erp/engineering/boms/import?mode="+mode, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	return v
}

func bomImport(t *testing.T, s *apptest.Server) {
	w := newWorld(t, s)
	token := w.planner.Token
	fg := w.fg
	sf := w.sf
	sub := w.kit

	t.Run("a 3-level file", func(t *testing.T) {
		data := workbook(t, [][]any{
			{fg, "A", "2026-01-01", "", sf, 1, "2%", "", 10},
			{fg, "A", "", "", w.bolt, 4},
			{sf, "A", "2026-01-01", 1, sub, 1, 0.03, "否"},
			{sf, "A", "", "", w.insert, 2},
			{sub, "A", "2026-01-01", "", w.ingot, 2.125, 1},
		})
		status, body := upload(t, s, token, "preview", data, "")
		r := decode[report](t, body)
		if status != 200 || r.Total != 5 || r.Bad != 0 || r.BOMs != 3 || r.Imported {
			t.Fatalf("preview %d %+v", status, r)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom WHERE item_id IN (SELECT id FROM cat_item WHERE code IN ($1, $2, $3))`, fg, sf, sub); n != 0 {
			t.Fatalf("a preview wrote %d BOMs", n)
		}
		status, body = upload(t, s, token, "all", data, "")
		r = decode[report](t, body)
		if status != 200 || !r.Imported || r.Created != 3 {
			t.Fatalf("import %d %s", status, body)
		}
		// Release bottom up and explode the three levels.
		for _, code := range []string{sub, sf, fg} {
			var list struct {
				Items []engineering.BOM `json:"items"`
			}
			w.planner.Call(t, "GET", "/erp/engineering/boms?item="+code, nil, 200, &list)
			if len(list.Items) != 1 {
				t.Fatalf("BOMs of %s: %d", code, len(list.Items))
			}
			w.release(t, list.Items[0].ID)
		}
		var x engineering.Explosion
		w.planner.Call(t, "GET", "/erp/engineering/explosion?item="+fg+"&date=2026-02-01", nil, 200, &x)
		got := map[string]string{}
		for _, l := range x.Lines {
			got[l.Path+" "+l.ComponentCode] = l.Gross.String()
		}
		want := map[string]string{"1 " + sf: "1.02", "1.1 " + sub: "1.0506", "1.1.1 " + w.ingot: "2.25485", "1.2 " + w.insert: "2.04", "2 " + w.bolt: "4"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("explosion %v, want %v", got, want)
		}
	})

	t.Run("three bad rows are all reported and nothing is written", func(t *testing.T) {
		other := w.other
		data := workbook(t, [][]any{
			{other, "A", "2026-01-01", "", w.bolt, 2},
			{other, "A", "", "", "NO-SUCH-ITEM", 1},         // unknown item
			{other, "A", "", "", w.insert, "abc"},           // bad quantity
			{sf, "B", "2026-01-01", "", fg, 1},              // cycle: the housing contains the raw casting
			{w.other, "B", "2026-01-01", "", w.insert, "3"}, // a good BOM
		})
		boms := ct.Count(t, s, `SELECT count(*) FROM eng_bom`)
		status, body := upload(t, s, token, "all", data, "zh-Hans")
		var p ct.Problem
		if err := json.Unmarshal([]byte(body), &p); err != nil || status != 422 {
			t.Fatalf("import all: %d %s", status, body)
		}
		for _, f := range []struct{ field, key string }{
			{"rows[3].component", "erp.engineering.error.item_unknown"},
			{"rows[4].quantity", "erp.error.number"},
			{"rows[5].component", "erp.engineering.error.cycle"},
		} {
			if !p.Names(f.field, f.key) {
				t.Errorf("problem does not name %s (%s): %+v", f.field, f.key, p.Errors)
			}
		}
		if len(p.Errors) != 3 {
			t.Errorf("want exactly three problems, got %+v", p.Errors)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom`); n != boms {
			t.Fatalf("a bad workbook wrote %d BOMs", n-boms)
		}
		status, body = upload(t, s, token, "preview", data, "zh-Hans")
		r := decode[report](t, body)
		if status != 200 || r.Bad != 3 || r.BOMs != 3 || r.GoodBOMs != 1 || !r.Rows[0].Skipped {
			t.Fatalf("preview %d %+v", status, r)
		}
		if e := r.Rows[3].Errors[0]; e.Column != "E" || !strings.Contains(e.Message, "循环") || e.Header != "子件" {
			t.Fatalf("cycle cell %+v", e)
		}
		// Only the whole BOMs without a bad row.
		status, body = upload(t, s, token, "valid", data, "")
		r = decode[report](t, body)
		if status != 200 || r.Created != 1 || r.Skipped != 2 {
			t.Fatalf("import valid %d %s", status, body)
		}
		if n := ct.Count(t, s, `SELECT count(*) FROM eng_bom`); n != boms+1 {
			t.Fatalf("BOMs %d, want %d", n, boms+1)
		}
		// The same version again replaces the draft's lines.
		again := workbook(t, [][]any{{w.other, "B", "2026-01-01", "", w.insert, "5"}, {w.other, "B", "", "", w.bolt, "1"}})
		status, body = upload(t, s, token, "all", again, "")
		if r = decode[report](t, body); status != 200 || r.Updated != 1 || r.Created != 0 {
			t.Fatalf("replace a draft %d %s", status, body)
		}
		var list struct {
			Items []engineering.BOM `json:"items"`
		}
		w.planner.Call(t, "GET", "/erp/engineering/boms?item="+w.other, nil, 200, &list)
		var got engineering.BOM
		w.planner.Call(t, "GET", "/erp/engineering/boms/"+list.Items[0].ID, nil, 200, &got)
		if len(list.Items) != 1 || len(got.Lines) != 2 || got.Lines[0].Quantity.String() != "5" {
			t.Fatalf("replaced draft %+v", got)
		}
	})

	t.Run("a cycle inside the file", func(t *testing.T) {
		a := w.planner.Item(t, ct.ItemSpec{Code: ct.Unique("CYA-"), Kind: "semi_finished", UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID}).Code
		b := w.planner.Item(t, ct.ItemSpec{Code: ct.Unique("CYB-"), Kind: "semi_finished", UoMID: w.b.Pieces.ID, CategoryID: w.b.Category.ID}).Code
		data := workbook(t, [][]any{{a, "A", "2026-01-01", "", b, 1}, {b, "A", "2026-01-01", "", a, 1}})
		_, body := upload(t, s, token, "preview", data, "")
		r := decode[report](t, body)
		if r.Bad != 2 || r.Rows[0].Errors[0].Key != "erp.engineering.error.cycle" || r.Rows[1].Errors[0].Key != "erp.engineering.error.cycle" {
			t.Fatalf("cycle in the file %s", body)
		}
	})

	t.Run("template in the user's language", func(t *testing.T) {
		status, body := w.planner.Do(t, "GET", "/erp/engineering/boms/import-template", nil, "Accept-Language", "zh-CN")
		if status != 200 {
			t.Fatalf("template %d", status)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if sheets := f.GetSheetList(); sheets[0] != "物料清单" {
			t.Fatalf("sheets %v", sheets)
		}
		if h, _ := f.GetCellValue("物料清单", "E1"); h != "子件 *" {
			t.Errorf("heading E1 %q", h)
		}
		_, body = w.planner.Do(t, "GET", "/erp/engineering/boms/import-template", nil, "Accept-Language", "en")
		f2, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f2.Close()
		if h, _ := f2.GetCellValue("BOMs", "A1"); h != "Parent item *" {
			t.Errorf("English heading A1 %q", h)
		}
	})
}
