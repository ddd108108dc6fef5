package catalog_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/erp/catalog"
	ct "github.com/loom-erp/loom/internal/erp/catalog/catalogtest"
)

// workbook builds an item workbook: a heading row, then rows of cells A…S.
func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"code", "name"}); err != nil {
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
	Valid    int    `json:"valid"`
	Bad      int    `json:"bad"`
	Imported bool   `json:"imported"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Skipped  int    `json:"skipped"`
	Rows     []struct {
		Row    int    `json:"row"`
		Code   string `json:"code"`
		Action string `json:"action"`
		Errors []struct {
			Column  string `json:"column"`
			Header  string `json:"header"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"rows"`
}

func upload(t *testing.T, s *apptest.Server, token, mode string, data []byte, lang string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/erp/items/import?mode="+mode, bytes.NewReader(data))
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

func itemImport(t *testing.T, s *apptest.Server) {
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)
	existing := planner.Item(t, ct.ItemSpec{UoMID: b.Pieces.ID, CategoryID: b.Category.ID})
	pc, kg, cat := b.Pieces.Code, b.Kilograms.Code, b.Category.Code
	newCode := ct.Unique("IMP-")
	rows := [][]any{
		{newCode, "电机端盖", "Motor end cover", "ADC12", "finished", cat, "lot", pc, "", "", "", "", 13, 12, "86.5", "78", "CNY", "Y", "active"},
		{ct.Unique("IMP-"), "Bad kind", "", "", "gadget", cat, "", pc, "", "", "", "", 13},
		{ct.Unique("IMP-"), "Bad unit", "", "", "material", cat, "", "nope", "", "", "", "", 13},
		{newCode, "Duplicate", "", "", "material", cat, "", pc, "", "", "", "", 13},
		{ct.Unique("IMP-"), "Too precise", "", "", "material", cat, "", kg, "", "", "", "", 13, "", "1.1234567"},
		{existing.Code, "Updated by import", "", "", "finished", cat, "", pc, "", "", "", "", 9, 3, "55"},
		{ct.Unique("IMP-"), "VAT as text", "", "", "material", cat, "", kg, "", "", "", "", "13%", "", 0.30000000000000004},
		{ct.Unique("IMP-"), "中文选项", "", "", "成品", cat, "按批次", pc, pc, "", "", "", 0.13, "", "", "", "", "否", "停用"},
	}
	data := workbook(t, rows)
	token := planner.Token
	items := ct.Count(t, s, `SELECT count(*) FROM cat_item`)

	status, body := upload(t, s, token, "preview", data, "")
	if status != 200 {
		t.Fatalf("preview: %d %s", status, body)
	}
	var rep report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Total != 8 || rep.Bad != 4 || rep.Valid != 4 || rep.Imported {
		t.Fatalf("preview summary %+v", rep)
	}
	wantCols := map[int]string{3: "E", 4: "H", 5: "A", 6: "O"}
	for _, r := range rep.Rows {
		col, bad := wantCols[r.Row]
		if bad != (len(r.Errors) > 0) {
			t.Errorf("row %d errors %+v", r.Row, r.Errors)
			continue
		}
		if bad && (r.Errors[0].Column != col || r.Errors[0].Message == "" || r.Errors[0].Header == "") {
			t.Errorf("row %d: %+v, want column %s", r.Row, r.Errors, col)
		}
	}
	if rep.Rows[5].Action != "update" || rep.Rows[0].Action != "create" {
		t.Errorf("actions %s %s", rep.Rows[0].Action, rep.Rows[5].Action)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM cat_item`); n != items {
		t.Fatalf("a preview wrote items: %d, want %d", n, items)
	}

	// Everything or nothing: refused while a row is bad, naming each bad cell.
	status, body = upload(t, s, token, "all", data, "zh-Hans")
	if status != 422 || !strings.Contains(body, `"rows[3].kind"`) || !strings.Contains(body, `"rows[6].list_price"`) ||
		!strings.Contains(body, "最多保留 6 位小数") {
		t.Fatalf("mode=all with bad rows: %d %s", status, body)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM cat_item`); n != items {
		t.Fatalf("a refused import wrote items: %d, want %d", n, items)
	}

	status, body = upload(t, s, token, "valid", data, "")
	if status != 200 {
		t.Fatalf("mode=valid: %d %s", status, body)
	}
	rep = report{}
	_ = json.Unmarshal([]byte(body), &rep)
	if !rep.Imported || rep.Created != 3 || rep.Updated != 1 || rep.Skipped != 4 {
		t.Fatalf("imported %+v", rep)
	}
	var got catalog.Item
	planner.Call(t, "GET", "/erp/items/"+existing.ID, nil, 200, &got)
	if got.Name != "Updated by import" || got.VATRate.String() != "0.09" || got.LeadTimeDays != 3 || got.ListPrice.String() != "55" {
		t.Fatalf("updated item %+v", got)
	}
	var list struct {
		Items []catalog.Item `json:"items"`
	}
	planner.Call(t, "GET", "/erp/items?q="+url.QueryEscape("中文选项"), nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].Kind != catalog.KindFinished || list.Items[0].Tracking != catalog.TrackingLot ||
		list.Items[0].Sellable || list.Items[0].Status != catalog.StatusInactive || list.Items[0].VATRate.String() != "0.13" {
		t.Fatalf("labels in Chinese: %+v", list.Items)
	}
	planner.Call(t, "GET", "/erp/items?q="+url.QueryEscape("vat as text"), nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ListPrice.String() != "0.3" || list.Items[0].VATRate.String() != "0.13" {
		t.Fatalf("numbers Excel stored as doubles: %+v", list.Items)
	}

	// Not a workbook; no rows; a clerk may not import.
	if status, body := upload(t, s, token, "preview", []byte("code,name\n"), ""); status != 422 || !strings.Contains(body, `"field":"file"`) {
		t.Fatalf("csv: %d %s", status, body)
	}
	if status, _ := upload(t, s, token, "preview", workbook(t, nil), ""); status != 422 {
		t.Fatalf("empty workbook: %d", status)
	}
	if status, _ := upload(t, s, ct.NewClient(t, s, "chen.jie").Token, "preview", data, ""); status != 403 {
		t.Fatalf("clerk import: %d", status)
	}
}

func importTemplate(t *testing.T, s *apptest.Server) {
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)
	status, body := planner.Do(t, "GET", "/erp/items/import-template", nil, "Accept-Language", "zh-CN")
	if status != 200 {
		t.Fatalf("template: %d", status)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 2 || sheets[0] != "物料" {
		t.Fatalf("sheets %v", sheets)
	}
	if v, _ := f.GetSheetVisible("lists"); v {
		t.Error("the lists sheet is visible")
	}
	if h, _ := f.GetCellValue("物料", "E1"); h != "物料类型 *" {
		t.Errorf("heading E1 %q", h)
	}
	dvs, err := f.GetDataValidations("物料")
	if err != nil || len(dvs) < 14 {
		t.Fatalf("data validations %d: %v", len(dvs), err)
	}
	lists, _ := f.GetRows("lists")
	joined := fmt.Sprint(lists)
	if !strings.Contains(joined, b.Category.Code) || !strings.Contains(joined, b.Pieces.Code) || !strings.Contains(joined, "成品") {
		t.Errorf("lists %v", lists)
	}
}

func importScreens(t *testing.T, s *apptest.Server) {
	planner := ct.NewClient(t, s, "sun.li")
	b := ct.NewBasics(t, planner)
	code := ct.Unique("WEB-")
	data := workbook(t, [][]any{
		{code, "网页导入", "", "", "finished", b.Category.Code, "", b.Pieces.Code, "", "", "", "", 13},
		{ct.Unique("WEB-"), "坏行", "", "", "finished", b.Category.Code, "", b.Pieces.Code, "", "", "", "", 150},
	})
	c := s.Client(t, "sun.li")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "items.xlsx")
	_, _ = fw.Write(data)
	_ = mw.Close()
	resp, err := c.Post(s.URL+"/erp/items/import?lang=zh-Hans", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "第 M 列（增值税率（%））") || !strings.Contains(string(page), "仅导入无错误的 1 行") {
		t.Fatalf("preview page %d:\n%s", resp.StatusCode, page)
	}
	id := regexp.MustCompile(`data-import="([^"]+)"`).FindStringSubmatch(string(page))
	if id == nil {
		t.Fatal("no import id on the page")
	}
	resp, err = c.PostForm(s.URL+"/erp/item-imports/"+id[1]+"?lang=zh-Hans", map[string][]string{"mode": {"valid"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "新建 1 个") {
		t.Fatalf("result page %d:\n%s", resp.StatusCode, page)
	}
	if n := ct.Count(t, s, `SELECT count(*) FROM cat_item WHERE code = $1`, code); n != 1 {
		t.Fatalf("imported %d", n)
	}
	// The same workbook cannot be imported twice.
	resp, _ = c.PostForm(s.URL+"/erp/item-imports/"+id[1], map[string][]string{"mode": {"valid"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("second import: %d", resp.StatusCode)
	}
}
