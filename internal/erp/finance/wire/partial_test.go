package wire_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
)

type apiShipment struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	InvoiceNumber  string `json:"invoice_number"`
	PartlyInvoiced bool   `json:"partly_invoiced"`
	Lines          []struct {
		LineNo   int    `json:"line_no"`
		Quantity string `json:"quantity"`
		Invoiced string `json:"invoiced"`
		Left     string `json:"left"`
	} `json:"lines"`
}

// partialInvoicing bills a demo shipment over two invoices through the
// API: bad picks are refused on their field and write nothing; the first
// invoice bills one unit of a line, the shipment shows what is left, on
// the API and the screens, and the second bills the rest.
func partialInvoicing(t *testing.T, s *apptest.Server, id string) {
	tok := s.Token(t, "xu.ming")
	st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/shipments/"+id, "")
	var sh apiShipment
	if st != http.StatusOK || json.Unmarshal([]byte(body), &sh) != nil {
		t.Fatalf("shipment: %d %s", st, body)
	}
	line := -1
	for i, l := range sh.Lines {
		if l.Left != "0" && l.Left != "1" && l.Left == l.Quantity {
			line = i
		}
	}
	if line < 0 {
		t.Fatalf("the demo shipment has no line of more than one unit: %s", body)
	}
	no := itoa(sh.Lines[line].LineNo)
	countDrafts := func() int {
		_, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/invoices?status=draft&limit=500", "")
		return strings.Count(body, `"shipment_id":"`+sh.ID+`"`)
	}
	before := countDrafts()
	for _, bad := range []struct{ body, field string }{
		{`{"lines":[{"line_no":` + no + `,"quantity":"` + sh.Lines[line].Quantity + `1"}]}`, "lines[0].quantity"},
		{`{"lines":[{"line_no":99,"quantity":"1"}]}`, "lines[0].line_no"},
		{`{"lines":[{"line_no":` + no + `,"quantity":"abc"}]}`, "lines[0].quantity"},
	} {
		st, body := s.Do(t, tok, "POST", "/api/v1/erp/finance/shipments/"+sh.ID+"/invoice", bad.body)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, bad.field) {
			t.Fatalf("bad pick %s: %d %s", bad.body, st, body)
		}
	}
	if countDrafts() != before {
		t.Fatal("a refused pick wrote a draft")
	}
	st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/shipments/"+sh.ID+"/invoice", `{"lines":[{"line_no":`+no+`,"quantity":"1"}]}`)
	var inv struct {
		ID    string `json:"id"`
		Lines []struct {
			Quantity     string `json:"quantity"`
			ShipmentLine int    `json:"shipment_line"`
		} `json:"lines"`
	}
	if st != http.StatusCreated || json.Unmarshal([]byte(body), &inv) != nil || len(inv.Lines) != 1 || inv.Lines[0].Quantity != "1" ||
		inv.Lines[0].ShipmentLine != sh.Lines[line].LineNo {
		t.Fatalf("partial invoice: %d %s", st, body)
	}
	if st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/invoices/"+inv.ID+"/post", ""); st != http.StatusOK {
		t.Fatalf("post the partial invoice: %d %s", st, body)
	}
	st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/shipments/"+sh.ID, "")
	var got apiShipment
	if st != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || !got.PartlyInvoiced || got.InvoiceNumber != "" ||
		got.Lines[line].Invoiced != "1" {
		t.Fatalf("partly invoiced shipment: %d %s", st, body)
	}
	c := s.Client(t, "huang.jing")
	for _, lang := range []string{"en", "zh-Hans"} {
		st, page := get(t, c, s.URL+"/erp/finance/shipments?lang="+lang)
		if st != http.StatusOK {
			t.Fatalf("shipments page: %d", st)
		}
		mustContain(t, "shipments page", page, `data-shipment="`+sh.Number+`"`, "data-partly", map[string]string{"en": "Partly invoiced", "zh-Hans": "部分开票"}[lang])
		st, page = get(t, c, s.URL+"/erp/finance/invoices/new?lang="+lang+"&shipment="+sh.ID)
		if st != http.StatusOK {
			t.Fatalf("invoice form for the rest: %d", st)
		}
		mustContain(t, "invoice form for the rest", page, `data-shipment-left="`+no+`"`, `name="lines[0].shipment_line"`)
	}
}

// marginByItem reads the gross margin by item of the demo's invoices: the
// shipment's items carry the cost the inventory took them out at, on the
// API, the screen (both languages) and in Excel.
func marginByItem(t *testing.T, s *apptest.Server) {
	tok := s.Token(t, "xu.ming")
	st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/gross-margin?by=item&from=2000-01-01&to=2099-12-31", "")
	var r struct {
		By   string `json:"by"`
		Rows []struct {
			Key      string `json:"key"`
			Quantity string `json:"quantity"`
			COGS     string `json:"cogs"`
		} `json:"rows"`
	}
	if st != http.StatusOK || json.Unmarshal([]byte(body), &r) != nil || r.By != "item" || len(r.Rows) == 0 {
		t.Fatalf("margin by item: %d %s", st, body)
	}
	costed := false
	for _, x := range r.Rows {
		costed = costed || (x.Key != "" && x.Quantity != "" && x.COGS != "0.00" && !strings.HasPrefix(x.COGS, "-"))
	}
	if !costed {
		t.Fatalf("no item carries a cost: %s", body)
	}
	if st, body = s.Do(t, tok, "GET", "/api/v1/erp/finance/reports/gross-margin?by=week&from=2000-01-01&to=2099-12-31", ""); st != http.StatusUnprocessableEntity || !strings.Contains(body, "by") {
		t.Fatalf("bad grouping: %d %s", st, body)
	}
	c := s.Client(t, "huang.jing")
	for lang, want := range map[string]string{"en": "By item", "zh-Hans": "按物料"} {
		st, page := get(t, c, s.URL+"/erp/finance/margins?by=item&from=2000-01-01&to=2099-12-31&lang="+lang)
		if st != http.StatusOK {
			t.Fatalf("margin page: %d", st)
		}
		mustContain(t, "margin by item page", page, want, "data-margin-qty")
		if st, _ := get(t, c, s.URL+"/erp/finance/margins.xlsx?by=item&from=2000-01-01&to=2099-12-31&lang="+lang); st != http.StatusOK {
			t.Fatalf("margin by item export: %d", st)
		}
	}
}
