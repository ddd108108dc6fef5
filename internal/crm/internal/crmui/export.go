package crmui

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/platform/money"
)

// XLSXType is the media type of Excel files.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// ExportMax is the most rows an export holds.
const ExportMax = 50000

// Attachment makes the response a download named name.
func Attachment(w http.ResponseWriter, name, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
}

// Rows yields the rows of an export, one slice of cells per row; it stops
// when yield returns false and reports an error that spoils the export.
type Rows func(yield func(cells ...any) bool) error

// Export answers with an Excel file of one sheet: the headings (message
// keys) and the rows, at most ExportMax. Money and quantities are written
// as numbers, times as dates. Nothing is sent when rows fails.
func (k *Kit) Export(w http.ResponseWriter, r *http.Request, name string, headings []string, rows Rows) {
	ctx := r.Context()
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		k.Fail(w, r, err)
		return
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm, shown in the reader's locale
	head := make([]any, len(headings))
	for i, h := range headings {
		head[i] = excelize.Cell{StyleID: bold, Value: T(ctx, h)}
	}
	if err := sw.SetColWidth(1, max(len(headings), 1), 16); err != nil {
		k.Fail(w, r, err)
		return
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		k.Fail(w, r, err)
		return
	}
	n := 1
	var werr error
	err = rows(func(cells ...any) bool {
		if n > ExportMax {
			return false
		}
		n++
		out := make([]any, len(cells))
		for i, c := range cells {
			out[i] = cellValue(c, dateStyle)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if werr = sw.SetRow(cell, out); werr != nil {
			return false
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		k.Fail(w, r, err)
		return
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		k.Fail(w, r, fmt.Errorf("crm: write export: %w", err))
		return
	}
	Attachment(w, name+".xlsx", XLSXType)
	_, _ = w.Write(buf.Bytes())
}

// cellValue writes exact numbers as numbers and times as dates.
func cellValue(c any, dateStyle int) any {
	switch v := c.(type) {
	case money.Amount:
		return numberOf(v.String())
	case money.Quantity:
		return numberOf(v.String())
	case money.UnitPrice:
		return numberOf(v.String())
	case money.Rate:
		return numberOf(v.String())
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return excelize.Cell{StyleID: dateStyle, Value: v.Local()}
	}
	return c
}

// numberOf turns an exact decimal into an Excel number. Excel keeps every
// number as a double, so this is where exactness ends: a decimal of up to
// 15 digits comes back as written.
func numberOf(s string) any {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return f
}

// ExportHref is the address of a list's export: path with the request's
// filters, without its page.
func ExportHref(path string, r *http.Request) string {
	q := r.URL.Query()
	q.Del("page")
	q.Del(FlashParam)
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// EachPage pages through a list by its cursor, calling each for every
// item until it returns false.
func EachPage[T any](list func(cursor string) (items []T, next string, err error), each func(*T) bool) error {
	cursor := ""
	for {
		items, next, err := list(cursor)
		if err != nil {
			return err
		}
		for i := range items {
			if !each(&items[i]) {
				return nil
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}
