package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// MaxImportRows bounds the data rows of one workbook.
const MaxImportRows = 5000

// MaxImportBytes bounds the size of an uploaded workbook.
const MaxImportBytes = 8 << 20

// Column is one column of the item workbook.
type Column struct {
	Letter string // A, B, …
	Field  string // the input field it fills, as errors name it
	Label  string // message id of its heading
	Req    bool   // must not be empty
}

// Columns are the columns of the item workbook, in order.
var Columns = []Column{
	{"A", "code", "erp.catalog.item.code", true},
	{"B", "name", "erp.catalog.item.name", true},
	{"C", "name_en", "erp.catalog.item.name_en", false},
	{"D", "spec", "erp.catalog.item.spec", false},
	{"E", "kind", "erp.catalog.item.kind", true},
	{"F", "category_id", "erp.catalog.item.category", true},
	{"G", "tracking", "erp.catalog.item.tracking", false},
	{"H", "uom_id", "erp.catalog.item.uom", true},
	{"I", "purchase_uom_id", "erp.catalog.item.purchase_uom", false},
	{"J", "purchase_factor", "erp.catalog.item.purchase_factor", false},
	{"K", "sales_uom_id", "erp.catalog.item.sales_uom", false},
	{"L", "sales_factor", "erp.catalog.item.sales_factor", false},
	{"M", "vat_rate", "erp.catalog.item.vat_rate", true},
	{"N", "lead_time_days", "erp.catalog.item.lead_time_days", false},
	{"O", "list_price", "erp.catalog.item.list_price", false},
	{"P", "floor_price", "erp.catalog.item.floor_price", false},
	{"Q", "currency", "erp.catalog.item.currency", false},
	{"R", "sellable", "erp.catalog.item.sellable", false},
	{"S", "status", "erp.common.status", false},
}

// ColumnOf returns the column an input field is read from.
func ColumnOf(field string) (Column, bool) {
	for _, c := range Columns {
		if c.Field == field {
			return c, true
		}
	}
	return Column{}, false
}

// Import actions of a row.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
)

// ImportError is what is wrong with one cell of a row.
type ImportError struct {
	Column  string         `json:"column"`
	Field   string         `json:"field"`
	Key     string         `json:"key"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

// ImportRow is one data row of a workbook, read and checked.
type ImportRow struct {
	Row    int                     `json:"row"` // the row number in the sheet
	Code   string                  `json:"code"`
	Name   string                  `json:"name"`
	Action string                  `json:"action"` // create or update
	Input  domain.CatalogItemInput `json:"input"`
	Errors []ImportError           `json:"errors"`
}

// Import is an uploaded workbook between its preview and its import.
type Import struct {
	ID       string      `json:"id"`
	FileName string      `json:"file_name"`
	Total    int         `json:"total"`
	Bad      int         `json:"bad"`
	Status   string      `json:"status"`
	Rows     []ImportRow `json:"rows"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped" doc:"Rows left out because they had errors."`
}

// Message ids of workbook problems.
const (
	keyNotWorkbook  = "erp.catalog.import.not_workbook"
	keyNoRows       = "erp.catalog.import.no_rows"
	keyTooManyRows  = "erp.catalog.import.too_many_rows"
	keyDuplicate    = "erp.catalog.import.duplicate_code"
	keyUnknownValue = "erp.catalog.import.unknown_value"
	keyHasErrors    = "erp.catalog.import.has_errors"
	keyImportGone   = "erp.catalog.import.gone"
	keyCategoryCode = "erp.catalog.import.category_unknown"
	keyUoMCode      = "erp.catalog.import.uom_unknown"
)

// PreviewImport reads a workbook, checks every row and keeps the result for
// Commit; nothing is imported yet.
func (s *Service) PreviewImport(ctx context.Context, fileName string, data []byte) (Import, error) {
	p, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return Import{}, err
	}
	cells, err := readSheet(data)
	if err != nil {
		return Import{}, err
	}
	imp := Import{ID: db.NewID(), FileName: fileName, Status: "preview"}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		rows, err := s.checkRows(ctx, cells)
		if err != nil {
			return err
		}
		imp.Rows, imp.Total, imp.Bad = rows, len(rows), 0
		for _, r := range rows {
			if len(r.Errors) > 0 {
				imp.Bad++
			}
		}
		raw, err := json.Marshal(imp.Rows)
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		// Previews are kept for a day.
		if _, err := s.DB.Exec(ctx, `DELETE FROM cat_import WHERE created_at < $1`, now-24*3600*1000); err != nil {
			return err
		}
		_, err = s.DB.Exec(ctx, `INSERT INTO cat_import (id, user_id, file_name, rows_json, total, bad, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'preview', $7)`, imp.ID, p.UserID, fileName, string(raw), imp.Total, imp.Bad, now)
		return err
	})
	return imp, err
}

// LoadImport returns a workbook previewed by the caller.
func (s *Service) LoadImport(ctx context.Context, id string) (Import, error) {
	p, err := erpkit.Require(ctx, domain.PermManage)
	if err != nil {
		return Import{}, err
	}
	var (
		imp Import
		raw string
	)
	err = s.DB.QueryRow(ctx, `SELECT id, file_name, rows_json, total, bad, status FROM cat_import WHERE id = $1 AND user_id = $2`,
		id, p.UserID).Scan(&imp.ID, &imp.FileName, &raw, &imp.Total, &imp.Bad, &imp.Status)
	if err != nil {
		return Import{}, apperr.NotFound("import", id).WithCause(err)
	}
	if err := json.Unmarshal([]byte(raw), &imp.Rows); err != nil {
		return Import{}, err
	}
	return imp, nil
}

// CommitImport imports a previewed workbook: every row, or with onlyValid
// the rows without errors. Unless onlyValid, a workbook with any bad row
// imports nothing. Every row is checked again; if one fails now, nothing is
// imported.
func (s *Service) CommitImport(ctx context.Context, id string, onlyValid bool) (ImportResult, error) {
	var res ImportResult
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		res = ImportResult{}
		imp, err := s.LoadImport(ctx, id)
		if err != nil {
			return err
		}
		if imp.Status != "preview" {
			return apperr.Precondition(keyImportGone, "This workbook was imported already; upload it again")
		}
		if imp.Bad > 0 && !onlyValid {
			return rowErrors(imp.Rows)
		}
		var failed []ImportRow
		for _, r := range imp.Rows {
			if len(r.Errors) > 0 {
				res.Skipped++
				continue
			}
			if err := s.importRow(ctx, r.Input); err != nil {
				r.Errors = cellErrors(err)
				if len(r.Errors) == 0 {
					return err
				}
				failed = append(failed, r)
				continue
			}
			if r.Action == ActionCreate {
				res.Created++
			} else {
				res.Updated++
			}
		}
		if len(failed) > 0 {
			return rowErrors(failed)
		}
		_, err = s.DB.Exec(ctx, `UPDATE cat_import SET status = 'imported' WHERE id = $1`, id)
		return err
	})
	return res, err
}

// importRow creates or updates the item of a row by its code.
func (s *Service) importRow(ctx context.Context, in domain.CatalogItemInput) error {
	existing, err := s.LookupItemByCode(ctx, in.Code)
	if apperr.IsKind(err, apperr.KindNotFound) {
		_, err = s.createItem(ctx, in)
		return err
	}
	if err != nil {
		return err
	}
	_, err = s.updateItem(ctx, existing, in)
	return err
}

// rowErrors is the error of a workbook with bad rows: one field per cell,
// named rows[<row>].<field>.
func rowErrors(rows []ImportRow) error {
	var fields []apperr.FieldError
	for _, r := range rows {
		for _, e := range r.Errors {
			fields = append(fields, apperr.FieldError{
				Field: fmt.Sprintf("rows[%d].%s", r.Row, e.Field), Key: e.Key, Message: e.Message, Params: e.Params,
			})
		}
	}
	if len(fields) == 0 {
		fields = append(fields, apperr.FieldError{Field: "rows", Key: keyHasErrors, Message: "The workbook has rows with errors"})
	}
	return apperr.InvalidFields(fields...)
}

// cellErrors turns the field errors of an item's validation into cell errors.
func cellErrors(err error) []ImportError {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		return nil
	}
	out := make([]ImportError, 0, len(e.Fields))
	for _, f := range e.Fields {
		col, _ := ColumnOf(f.Field)
		out = append(out, ImportError{Column: col.Letter, Field: f.Field, Key: f.Key, Message: f.Message, Params: f.Params})
	}
	return out
}

// readSheet returns the cells of the first sheet's data rows (after the
// heading row), with the sheet's row number of each.
func readSheet(data []byte) ([]sheetRow, error) {
	bad := apperr.Invalid("file", keyNotWorkbook, "This file is not an Excel workbook (.xlsx)")
	if len(data) == 0 || len(data) > MaxImportBytes {
		return nil, bad
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, bad.WithCause(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, bad
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, bad.WithCause(err)
	}
	var out []sheetRow
	for i, cells := range rows {
		if i == 0 {
			continue // headings
		}
		empty := true
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
			empty = empty && cells[j] == ""
		}
		if empty {
			continue
		}
		if len(out) == MaxImportRows {
			return nil, apperr.InvalidFields(apperr.FieldError{Field: "file", Key: keyTooManyRows,
				Message: "A workbook may hold at most 5000 items", Params: map[string]any{"Max": MaxImportRows}})
		}
		out = append(out, sheetRow{row: i + 1, cells: cells})
	}
	if len(out) == 0 {
		return nil, apperr.Invalid("file", keyNoRows, "The workbook holds no items below its heading row")
	}
	return out, nil
}

type sheetRow struct {
	row   int
	cells []string
}

func (r sheetRow) cell(letter string) string {
	i := int(letter[0] - 'A')
	if i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

// checkRows reads and checks every row against the catalog as it is now.
func (s *Service) checkRows(ctx context.Context, cells []sheetRow) ([]ImportRow, error) {
	uoms, err := s.uoms(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := s.categories(ctx)
	if err != nil {
		return nil, err
	}
	uomByCode := map[string]string{}
	for _, u := range uoms {
		uomByCode[erpkit.CodeKey(u.Code)] = u.ID
	}
	catByCode := map[string]string{}
	for _, c := range cats {
		catByCode[erpkit.CodeKey(c.Code)] = c.ID
	}
	seen := map[string]int{}
	out := make([]ImportRow, 0, len(cells))
	for _, sr := range cells {
		r := ImportRow{Row: sr.row}
		in, errs := parseRow(sr, uomByCode, catByCode)
		r.Code, r.Name = in.Code, in.Name
		in.Normalize()
		r.Input = in
		have := map[string]bool{}
		for _, e := range errs {
			have[e.Field] = true
		}
		for _, fe := range in.Validate() {
			if have[fe.Field] {
				continue
			}
			col, _ := ColumnOf(fe.Field)
			errs = append(errs, ImportError{Column: col.Letter, Field: fe.Field, Key: fe.Key, Message: fe.Message, Params: fe.Params})
			have[fe.Field] = true
		}
		if key := erpkit.CodeKey(in.Code); key != "" && !have["code"] {
			if first, dup := seen[key]; dup {
				errs = append(errs, ImportError{Column: "A", Field: "code", Key: keyDuplicate,
					Message: "This code is also in an earlier row", Params: map[string]any{"Row": first}})
			} else {
				seen[key] = sr.row
			}
		}
		r.Action = ActionCreate
		if in.Code != "" {
			existing, err := s.LookupItemByCode(ctx, in.Code)
			switch {
			case err == nil:
				r.Action = ActionUpdate
				if len(errs) == 0 {
					errs = append(errs, s.checkUpdate(ctx, existing, in)...)
				}
			case !apperr.IsKind(err, apperr.KindNotFound):
				return nil, err
			}
		}
		r.Errors = errs
		if r.Errors == nil {
			r.Errors = []ImportError{}
		}
		out = append(out, r)
	}
	return out, nil
}

// checkUpdate reports the changes an import row may not make to an item in use.
func (s *Service) checkUpdate(ctx context.Context, existing domain.CatalogItem, in domain.CatalogItemInput) []ImportError {
	if in.UoMID == existing.UoMID && in.Tracking == existing.Tracking && in.Kind == existing.Kind {
		return nil
	}
	used, err := s.inUse(ctx, existing.ID)
	if err != nil || !used {
		return nil
	}
	var out []ImportError
	for _, f := range []struct {
		field   string
		changed bool
	}{{"uom_id", in.UoMID != existing.UoMID}, {"tracking", in.Tracking != existing.Tracking}, {"kind", in.Kind != existing.Kind}} {
		if f.changed {
			col, _ := ColumnOf(f.field)
			out = append(out, ImportError{Column: col.Letter, Field: f.field, Key: domain.KeyInUse,
				Message: "Stock or documents use this item, so this cannot change any more"})
		}
	}
	return out
}

// parseRow reads the cells of a row into an item input.
func parseRow(r sheetRow, uoms, cats map[string]string) (domain.CatalogItemInput, []ImportError) {
	var (
		in   domain.CatalogItemInput
		errs []ImportError
	)
	fail := func(letter, field, key, msg string, params map[string]any) {
		errs = append(errs, ImportError{Column: letter, Field: field, Key: key, Message: msg, Params: params})
	}
	in.Code = r.cell("A")
	in.Name = r.cell("B")
	in.NameEN = r.cell("C")
	in.Spec = r.cell("D")
	if v := r.cell("E"); v != "" {
		k, ok := matchLabel(v, kindLabels())
		if !ok {
			fail("E", "kind", keyUnknownValue, "This value is not one of the list", map[string]any{"Value": v})
		}
		in.Kind = domain.Kind(k)
	}
	if v := r.cell("F"); v != "" {
		id, ok := cats[erpkit.CodeKey(v)]
		if !ok {
			fail("F", "category_id", keyCategoryCode, "No category has this code", map[string]any{"Value": v})
		}
		in.CategoryID = id
	}
	if v := r.cell("G"); v != "" {
		t, ok := matchLabel(v, trackingLabels())
		if !ok {
			fail("G", "tracking", keyUnknownValue, "This value is not one of the list", map[string]any{"Value": v})
		}
		in.Tracking = domain.Tracking(t)
	}
	for _, u := range []struct {
		letter, field string
		into          *string
	}{{"H", "uom_id", &in.UoMID}, {"I", "purchase_uom_id", &in.PurchaseUoMID}, {"K", "sales_uom_id", &in.SalesUoMID}} {
		if v := r.cell(u.letter); v != "" {
			id, ok := uoms[erpkit.CodeKey(v)]
			if !ok {
				fail(u.letter, u.field, keyUoMCode, "No unit of measure has this code", map[string]any{"Value": v})
			}
			*u.into = id
		}
	}
	quantity := func(letter, field string) money.Quantity {
		v := r.cell(letter)
		if v == "" {
			return money.Quantity{}
		}
		q, err := money.ParseQuantity(cleanNumber(v, money.QuantityScale))
		if err != nil {
			fe := decimalCellError(letter, field, err)
			errs = append(errs, fe)
		}
		return q
	}
	price := func(letter, field string) money.UnitPrice {
		v := r.cell(letter)
		if v == "" {
			return money.UnitPrice{}
		}
		p, err := money.ParseUnitPrice(cleanNumber(v, money.UnitPriceScale))
		if err != nil {
			errs = append(errs, decimalCellError(letter, field, err))
		}
		return p
	}
	in.PurchaseFactor = quantity("J", "purchase_factor")
	in.SalesFactor = quantity("L", "sales_factor")
	if v := r.cell("M"); v != "" {
		rate, err := parseVAT(v)
		if err != nil {
			errs = append(errs, decimalCellError("M", "vat_rate", err))
		}
		in.VATRate = rate
	}
	if v := r.cell("N"); v != "" {
		n, err := strconv.Atoi(cleanNumber(v, 0))
		if err != nil {
			fail("N", "lead_time_days", "erp.error.whole_number", "Enter a whole number", nil)
		}
		in.LeadTimeDays = n
	}
	in.ListPrice = price("O", "list_price")
	in.FloorPrice = price("P", "floor_price")
	in.Currency = r.cell("Q")
	in.Sellable = true
	if v := r.cell("R"); v != "" {
		b, ok := matchLabel(v, yesNoLabels())
		if !ok {
			fail("R", "sellable", keyUnknownValue, "This value is not one of the list", map[string]any{"Value": v})
		}
		in.Sellable = b == "yes"
	}
	if v := r.cell("S"); v != "" {
		st, ok := matchLabel(v, statusLabels())
		if !ok {
			fail("S", "status", keyUnknownValue, "This value is not one of the list", map[string]any{"Value": v})
		}
		in.Status = domain.Status(st)
	}
	return in, errs
}

func decimalCellError(letter, field string, err error) ImportError {
	var pe *money.ParseError
	if errors.As(err, &pe) && pe.Kind == money.KindTooManyDecimals {
		return ImportError{Column: letter, Field: field, Key: "erp.error.too_many_decimals", Message: "Too many decimal places",
			Params: map[string]any{"Scale": pe.Scale}}
	}
	return ImportError{Column: letter, Field: field, Key: "erp.error.number", Message: "Enter a number such as 12.5"}
}

// parseVAT reads a VAT rate written as a percentage (13, 13%) or, when
// Excel stored a percentage cell, as a fraction (0.13).
func parseVAT(v string) (money.Rate, error) {
	if s, ok := strings.CutSuffix(v, "%"); ok {
		return percentRate(strings.TrimSpace(s))
	}
	s := cleanNumber(v, money.RateScale)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1 {
		return money.ParseRate(s)
	}
	return percentRate(s)
}

func percentRate(s string) (money.Rate, error) {
	r, err := money.ParseRate(s)
	if err != nil {
		return money.Rate{}, err
	}
	if r.Units()%100 != 0 {
		return money.Rate{}, &money.ParseError{Kind: money.KindTooManyDecimals, Type: "rate", Scale: 4, Input: s}
	}
	return money.RateFromUnits(r.Units() / 100), nil
}

// cleanNumber undoes the binary noise of a number Excel stored as a double
// (0.30000000000000004), keeping what a person typed.
func cleanNumber(s string, scale int) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return s
	}
	if dot := strings.IndexByte(s, '.'); dot < 0 || len(s)-dot-1 <= scale {
		if !strings.ContainsAny(s, "eE") {
			return s
		}
	}
	out := strconv.FormatFloat(f, 'g', 15, 64)
	if strings.ContainsAny(out, "eE") {
		out = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return out
}

// label lists accept codes and the labels of every language.
func labels(codes []string, key func(string) string) map[string]string {
	out := map[string]string{}
	for _, c := range codes {
		out[strings.ToLower(c)] = c
		for _, lang := range i18n.Langs() {
			out[strings.ToLower(i18n.TL(lang, key(c)))] = c
		}
	}
	return out
}

func kindLabels() map[string]string {
	codes := make([]string, len(domain.Kinds))
	for i, k := range domain.Kinds {
		codes[i] = string(k)
	}
	return labels(codes, func(c string) string { return "erp.catalog.kind." + c })
}

func trackingLabels() map[string]string {
	codes := make([]string, len(domain.Trackings))
	for i, t := range domain.Trackings {
		codes[i] = string(t)
	}
	return labels(codes, func(c string) string { return "erp.catalog.tracking." + c })
}

func statusLabels() map[string]string {
	return labels([]string{"active", "inactive"}, func(c string) string { return "erp.common." + c })
}

func yesNoLabels() map[string]string {
	m := labels([]string{"yes", "no"}, func(c string) string { return "erp.common." + c })
	for k, v := range map[string]string{"y": "yes", "n": "no", "true": "yes", "false": "no", "1": "yes", "0": "no"} {
		m[k] = v
	}
	return m
}

func matchLabel(v string, m map[string]string) (string, bool) {
	c, ok := m[strings.ToLower(strings.TrimSpace(v))]
	return c, ok
}

// Template returns an empty item workbook in lang: the heading row, a
// drop-down list on every column with a fixed set of values (kinds,
// categories, units, tracking, yes/no, status) and a prompt on each.
func (s *Service) Template(ctx context.Context, lang string) ([]byte, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	uoms, err := s.uoms(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := s.categories(ctx)
	if err != nil {
		return nil, err
	}
	tr := func(id string) string { return i18n.TL(lang, id) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := tr("erp.catalog.import.sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	const lists = "lists"
	if _, err := f.NewSheet(lists); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F2"}}})
	if err != nil {
		return nil, err
	}
	for _, c := range Columns {
		h := tr(c.Label)
		if c.Req {
			h += " *"
		}
		if err := f.SetCellStr(sheet, c.Letter+"1", h); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellStyle(sheet, "A1", "S1", head); err != nil {
		return nil, err
	}
	_ = f.SetColWidth(sheet, "A", "S", 14)
	_ = f.SetColWidth(sheet, "B", "D", 24)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})

	// The lists the drop-downs offer: categories in A, units in B, and the
	// labels of the fixed choices in C to F.
	put := func(col string, values []string) (string, error) {
		for i, v := range values {
			if err := f.SetCellStr(lists, fmt.Sprintf("%s%d", col, i+1), v); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("%s!$%s$1:$%s$%d", lists, col, col, max(len(values), 1)), nil
	}
	var catCodes, uomCodes []string
	for _, c := range cats {
		if c.Status == domain.StatusActive {
			catCodes = append(catCodes, c.Code)
		}
	}
	for _, u := range uoms {
		if u.Status == domain.StatusActive {
			uomCodes = append(uomCodes, u.Code)
		}
	}
	var kinds, trackings []string
	for _, k := range domain.Kinds {
		kinds = append(kinds, tr("erp.catalog.kind."+string(k)))
	}
	for _, t := range domain.Trackings {
		trackings = append(trackings, tr("erp.catalog.tracking."+string(t)))
	}
	sources := map[string][]string{
		"A": catCodes, "B": uomCodes, "C": kinds, "D": trackings,
		"E": {tr("erp.common.yes"), tr("erp.common.no")},
		"F": {tr("erp.common.active"), tr("erp.common.inactive")},
	}
	refs := map[string]string{}
	for _, col := range []string{"A", "B", "C", "D", "E", "F"} {
		if refs[col], err = put(col, sources[col]); err != nil {
			return nil, err
		}
	}
	last := MaxImportRows + 1
	dropDown := func(letter, listCol, prompt string) error {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", letter, letter, last)
		dv.SetSqrefDropList(refs[listCol])
		dv.SetError(excelize.DataValidationErrorStyleStop, tr("erp.catalog.import.pick_title"), tr("erp.catalog.import.pick_error"))
		dv.SetInput(tr("erp.catalog.import.pick_title"), tr(prompt))
		return f.AddDataValidation(sheet, dv)
	}
	for _, d := range []struct{ letter, list, prompt string }{
		{"E", "C", "erp.catalog.import.prompt.kind"}, {"F", "A", "erp.catalog.import.prompt.category"},
		{"G", "D", "erp.catalog.import.prompt.tracking"}, {"H", "B", "erp.catalog.import.prompt.uom"},
		{"I", "B", "erp.catalog.import.prompt.purchase_uom"}, {"K", "B", "erp.catalog.import.prompt.sales_uom"},
		{"R", "E", "erp.catalog.import.prompt.sellable"}, {"S", "F", "erp.catalog.import.prompt.status"},
	} {
		if err := dropDown(d.letter, d.list, d.prompt); err != nil {
			return nil, err
		}
	}
	for _, n := range []struct{ letter, prompt string }{
		{"J", "erp.catalog.import.prompt.factor"}, {"L", "erp.catalog.import.prompt.factor"},
		{"M", "erp.catalog.import.prompt.vat"}, {"N", "erp.catalog.import.prompt.lead_time"},
		{"O", "erp.catalog.import.prompt.price"}, {"P", "erp.catalog.import.prompt.price"},
	} {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", n.letter, n.letter, last)
		if err := dv.SetRange(0, 1e9, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
			return nil, err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, tr("erp.catalog.import.number_title"), tr("erp.catalog.import.number_error"))
		dv.SetInput(tr("erp.catalog.import.number_title"), tr(n.prompt))
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return nil, err
		}
	}
	if err := f.SetSheetVisible(lists, false); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
