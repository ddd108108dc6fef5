package core

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// MaxImportRows bounds the data rows of one workbook.
const MaxImportRows = 5000

// MaxImportBytes bounds the size of an uploaded workbook.
const MaxImportBytes = 8 << 20

// Column is one column of the BOM workbook.
type Column struct {
	Letter string // A, B, …
	Field  string // what errors name
	Label  string // message id of its heading
	Req    bool   // must not be empty
}

// Columns are the columns of the BOM workbook, in order. Every row is one
// line; the rows of one parent and version make one BOM.
var Columns = []Column{
	{"A", "parent", "erp.engineering.import.col.parent", true},
	{"B", "version", "erp.engineering.bom.version", true},
	{"C", "effective_from", "erp.engineering.bom.effective_from", true},
	{"D", "base_quantity", "erp.engineering.bom.base_quantity", false},
	{"E", "component", "erp.engineering.line.component", true},
	{"F", "quantity", "erp.engineering.line.quantity", true},
	{"G", "scrap", "erp.engineering.line.scrap", false},
	{"H", "phantom", "erp.engineering.line.phantom", false},
	{"I", "operation_seq", "erp.engineering.line.operation_seq", false},
}

// ColumnOf returns the column a field is read from.
func ColumnOf(field string) (Column, bool) {
	for _, c := range Columns {
		if c.Field == field {
			return c, true
		}
	}
	return Column{}, false
}

// Import actions of a BOM.
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
	Row          int           `json:"row"`
	Parent       string        `json:"parent"`
	Version      string        `json:"version"`
	From         string        `json:"effective_from"`
	Base         string        `json:"base_quantity"`
	Component    string        `json:"component"`
	Quantity     string        `json:"quantity"`
	Scrap        string        `json:"scrap"`
	Phantom      bool          `json:"phantom"`
	OperationSeq int           `json:"operation_seq"`
	Action       string        `json:"action"`
	Skipped      bool          `json:"skipped" doc:"Another row of the same BOM has errors."`
	Errors       []ImportError `json:"errors"`
}

// Import is an uploaded workbook between its preview and its import.
type Import struct {
	ID       string      `json:"id"`
	FileName string      `json:"file_name"`
	Total    int         `json:"total"`
	Bad      int         `json:"bad"`
	BOMs     int         `json:"boms"`
	GoodBOMs int         `json:"good_boms"`
	Status   string      `json:"status"`
	Rows     []ImportRow `json:"rows"`
}

// ImportResult counts the BOMs an import wrote.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped" doc:"BOMs left out because a row of theirs had errors."`
}

// Message ids of workbook problems.
const (
	keyNotWorkbook  = "erp.engineering.import.not_workbook"
	keyNoRows       = "erp.engineering.import.no_rows"
	keyTooManyRows  = "erp.engineering.import.too_many_rows"
	keyHasErrors    = "erp.engineering.import.has_errors"
	keyImportGone   = "erp.engineering.import.gone"
	keyUnknownValue = "erp.engineering.import.unknown_value"
	keyReleased     = "erp.engineering.import.released"
	keyDiffers      = "erp.engineering.import.differs"
)

// groupKey names the BOM a row belongs to.
func groupKey(r ImportRow) string {
	return erpkit.CodeKey(r.Parent) + "\x00" + erpkit.CodeKey(r.Version)
}

// PreviewImport reads a workbook, checks every row and keeps the result for
// CommitImport; nothing is imported yet.
func (s *Service) PreviewImport(ctx context.Context, fileName string, data []byte) (Import, error) {
	p, err := erpkit.Require(ctx, domain.PermWrite)
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
		imp.Rows = rows
		summarize(&imp)
		raw, err := json.Marshal(imp.Rows)
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		// Previews are kept for a day.
		if _, err := s.DB.Exec(ctx, `DELETE FROM eng_import WHERE created_at < $1`, now-24*3600*1000); err != nil {
			return err
		}
		_, err = s.DB.Exec(ctx, `INSERT INTO eng_import (id, user_id, file_name, rows_json, total, bad, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'preview', $7)`, imp.ID, p.UserID, fileName, string(raw), imp.Total, imp.Bad, now)
		return err
	})
	return imp, err
}

// summarize counts rows and BOMs, and marks the rows of BOMs with a bad row.
func summarize(imp *Import) {
	bad := map[string]bool{}
	groups := map[string]bool{}
	imp.Total, imp.Bad = len(imp.Rows), 0
	for _, r := range imp.Rows {
		groups[groupKey(r)] = true
		if len(r.Errors) > 0 {
			imp.Bad++
			bad[groupKey(r)] = true
		}
	}
	for i := range imp.Rows {
		imp.Rows[i].Skipped = len(imp.Rows[i].Errors) == 0 && bad[groupKey(imp.Rows[i])]
	}
	imp.BOMs, imp.GoodBOMs = len(groups), len(groups)-len(bad)
}

// LoadImport returns a workbook previewed by the caller.
func (s *Service) LoadImport(ctx context.Context, id string) (Import, error) {
	p, err := erpkit.Require(ctx, domain.PermWrite)
	if err != nil {
		return Import{}, err
	}
	var (
		imp Import
		raw string
	)
	err = s.DB.QueryRow(ctx, `SELECT id, file_name, rows_json, status FROM eng_import WHERE id = $1 AND user_id = $2`,
		id, p.UserID).Scan(&imp.ID, &imp.FileName, &raw, &imp.Status)
	if err != nil {
		return Import{}, apperr.NotFound("import", id).WithCause(err)
	}
	if err := json.Unmarshal([]byte(raw), &imp.Rows); err != nil {
		return Import{}, err
	}
	summarize(&imp)
	return imp, nil
}

// CommitImport imports a previewed workbook: every BOM, or with onlyValid
// the BOMs none of whose rows has an error. Unless onlyValid, a workbook
// with any bad row imports nothing. Every BOM is checked again as it is
// written; if one fails now, nothing is imported.
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
		var (
			order  []string
			groups = map[string][]ImportRow{}
			bad    = map[string]bool{}
		)
		for _, r := range imp.Rows {
			k := groupKey(r)
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], r)
			if len(r.Errors) > 0 {
				bad[k] = true
			}
		}
		for _, k := range order {
			if bad[k] {
				res.Skipped++
				continue
			}
			rows := groups[k]
			created, err := s.importBOM(ctx, rows)
			if err != nil {
				if e, ok := apperr.As(err); ok && e.Kind == apperr.KindInvalid {
					return groupErrors(rows, e)
				}
				return err
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		_, err = s.DB.Exec(ctx, `UPDATE eng_import SET status = 'imported' WHERE id = $1`, id)
		return err
	})
	return res, err
}

// importBOM writes the BOM of the rows of one parent and version: a new
// draft, or the lines of the draft of that version replaced.
func (s *Service) importBOM(ctx context.Context, rows []ImportRow) (bool, error) {
	first := rows[0]
	in := domain.EngBOMInput{Item: first.Parent, Version: first.Version, EffectiveFrom: first.From}
	if first.Base != "" {
		base := money.MustQuantity(first.Base)
		in.BaseQuantity = &base
	}
	for _, r := range rows {
		l := domain.EngBOMLineInput{Component: r.Component, Quantity: money.MustQuantity(r.Quantity), Phantom: r.Phantom, OperationSeq: r.OperationSeq}
		if r.Scrap != "" {
			l.Scrap = money.MustRate(r.Scrap)
		}
		in.Lines = append(in.Lines, l)
	}
	in.Normalize()
	item, ok, err := s.LookupItem(ctx, in.Item)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, apperr.Invalid("item", domain.KeyItemUnknown, "No item has this code")
	}
	existing, err := s.bomByVersion(ctx, item.ID, in.Version)
	if err != nil {
		return false, err
	}
	if existing == "" {
		_, err = s.insertBOM(ctx, item, in)
		return true, err
	}
	before, err := s.draftBOM(ctx, existing)
	if err != nil {
		return false, err
	}
	_, err = s.replaceBOM(ctx, before, item, in)
	return false, err
}

// bomByVersion returns the id of an item's BOM of a version, or "".
func (s *Service) bomByVersion(ctx context.Context, itemID, version string) (string, error) {
	var id string
	err := s.DB.QueryRow(ctx, `SELECT id FROM eng_bom WHERE item_id = $1 AND version_key = $2`, itemID, erpkit.CodeKey(version)).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	return id, nil
}

// groupErrors turns the field errors of one BOM into the cells of its rows.
func groupErrors(rows []ImportRow, e *apperr.Error) error {
	var fields []apperr.FieldError
	for _, f := range e.Fields {
		row, field := rows[0].Row, f.Field
		if strings.HasPrefix(f.Field, "lines[") {
			var i int
			var rest string
			if n, _ := fmt.Sscanf(f.Field, "lines[%d].%s", &i, &rest); n == 2 && i < len(rows) {
				row, field = rows[i].Row, rest
			}
		}
		if field == "item" {
			field = "parent"
		}
		fields = append(fields, apperr.FieldError{Field: fmt.Sprintf("rows[%d].%s", row, field), Key: f.Key, Message: f.Message, Params: f.Params})
	}
	return apperr.InvalidFields(fields...)
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

// readSheet returns the data rows of the first sheet (after the heading row).
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
			continue
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
				Message: "A workbook may hold at most {{.Max}} rows", Params: map[string]any{"Max": MaxImportRows}})
		}
		out = append(out, sheetRow{row: i + 1, cells: cells})
	}
	if len(out) == 0 {
		return nil, apperr.Invalid("file", keyNoRows, "The workbook holds no rows below its heading row")
	}
	return out, nil
}

// checkRows reads and checks every row, then the BOMs they make together:
// one base quantity and date per BOM, each component once, no released
// version overwritten, and no cycle with the BOMs in Loom or in the file.
func (s *Service) checkRows(ctx context.Context, cells []sheetRow) ([]ImportRow, error) {
	out := make([]ImportRow, 0, len(cells))
	items := map[string]catalog.Item{} // by code key, of the rows read
	find := func(code string) (catalog.Item, bool, error) {
		k := erpkit.CodeKey(code)
		if it, ok := items[k]; ok {
			return it, true, nil
		}
		it, ok, err := s.LookupItem(ctx, code)
		if ok {
			items[k] = it
		}
		return it, ok, err
	}
	yesNo := yesNoLabels()
	for _, sr := range cells {
		r := ImportRow{Row: sr.row, Parent: sr.cell("A"), Version: sr.cell("B"), Component: sr.cell("E"), Action: ActionCreate}
		fail := func(field, key, msg string, params map[string]any) {
			col, _ := ColumnOf(field)
			r.Errors = append(r.Errors, ImportError{Column: col.Letter, Field: field, Key: key, Message: msg, Params: params})
		}
		required := func(field, v string) bool {
			if v == "" {
				fail(field, erpkit.KeyRequired, "This field is required", nil)
				return false
			}
			return true
		}
		var parent, comp catalog.Item
		okParent, okComp := false, false
		if required("parent", r.Parent) {
			it, ok, err := find(r.Parent)
			if err != nil {
				return nil, err
			}
			switch {
			case !ok:
				fail("parent", domain.KeyItemUnknown, "No item has the code {{.Value}}", map[string]any{"Value": r.Parent})
			case it.Kind != catalog.KindFinished && it.Kind != catalog.KindSemiFinished:
				fail("parent", domain.KeyParentKind, "Only finished and semi-finished items have a BOM", nil)
			default:
				parent, okParent = it, true
			}
		}
		var p erpkit.Problems
		p.Code("version", r.Version, domain.MaxVersion)
		for _, fe := range p {
			fail("version", fe.Key, fe.Message, fe.Params)
		}
		r.From = dateCell(sr.cell("C"))
		// The date may be given on the first row of a BOM only (checkGroups).
		if r.From != "" && !erpkit.ValidDate(r.From) {
			fail("effective_from", erpkit.KeyDate, "Enter a date as YYYY-MM-DD", nil)
		}
		if v := sr.cell("D"); v != "" {
			q, err := money.ParseQuantity(cleanNumber(v, money.QuantityScale))
			switch {
			case err != nil:
				r.Errors = append(r.Errors, decimalCellError("D", "base_quantity", err))
			case q.Sign() <= 0:
				fail("base_quantity", domain.KeyBaseQuantity, "Enter a base quantity above 0, such as 1 or 100", nil)
			case okParent && !FitsUnit(q, parent.UoMPrecision):
				fail("base_quantity", domain.KeyUnitDecimals, "The unit {{.UoM}} allows {{.Decimals}} decimal places",
					map[string]any{"UoM": parent.UoM, "Decimals": parent.UoMPrecision})
			default:
				r.Base = q.String()
			}
		}
		if required("component", r.Component) {
			it, ok, err := find(r.Component)
			if err != nil {
				return nil, err
			}
			switch {
			case !ok:
				fail("component", domain.KeyItemUnknown, "No item has the code {{.Value}}", map[string]any{"Value": r.Component})
			case it.Kind == catalog.KindService:
				fail("component", domain.KeyComponentKind, "A service cannot be a component", nil)
			case okParent && it.ID == parent.ID:
				fail("component", domain.KeySelf, "An item cannot be a component of itself", nil)
			default:
				comp, okComp = it, true
			}
		}
		if v := sr.cell("F"); required("quantity", v) {
			q, err := money.ParseQuantity(cleanNumber(v, money.QuantityScale))
			switch {
			case err != nil:
				r.Errors = append(r.Errors, decimalCellError("F", "quantity", err))
			case q.Sign() <= 0:
				fail("quantity", domain.KeyQuantity, "Enter a quantity above 0", nil)
			case okComp && !FitsUnit(q, comp.UoMPrecision):
				fail("quantity", domain.KeyUnitDecimals, "The unit {{.UoM}} allows {{.Decimals}} decimal places",
					map[string]any{"UoM": comp.UoM, "Decimals": comp.UoMPrecision})
			default:
				r.Quantity = q.String()
			}
		}
		if v := sr.cell("G"); v != "" {
			rate, err := ParsePercent(v)
			switch {
			case err != nil:
				r.Errors = append(r.Errors, decimalCellError("G", "scrap", err))
			case rate.Sign() < 0 || rate.Cmp(money.MustRate("1")) >= 0:
				fail("scrap", domain.KeyScrap, "Enter a scrap factor from 0% to below 100%", nil)
			default:
				r.Scrap = rate.String()
			}
		}
		if v := sr.cell("H"); v != "" {
			b, ok := yesNo[strings.ToLower(v)]
			if !ok {
				fail("phantom", keyUnknownValue, "This value is not one of the list", map[string]any{"Value": v})
			}
			r.Phantom = b
		}
		if v := sr.cell("I"); v != "" {
			n, err := strconv.Atoi(cleanNumber(v, 0))
			if err != nil || n < 0 || n > 9999 {
				fail("operation_seq", domain.KeySeqInvalid, "Enter an operation number from 1 to 9999", nil)
			}
			r.OperationSeq = n
		}
		if okParent {
			r.Parent = parent.Code
		}
		if okComp {
			r.Component = comp.Code
		}
		out = append(out, r)
	}
	if err := s.checkGroups(ctx, out, items); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Errors == nil {
			out[i].Errors = []ImportError{}
		}
	}
	return out, nil
}

// checkGroups checks the BOMs the rows make together.
func (s *Service) checkGroups(ctx context.Context, rows []ImportRow, items map[string]catalog.Item) error {
	type group struct {
		first      *ImportRow
		components map[string]int
	}
	groups := map[string]*group{}
	var replaced []string
	for i := range rows {
		r := &rows[i]
		k := groupKey(*r)
		g, ok := groups[k]
		if !ok {
			g = &group{first: r, components: map[string]int{}}
			groups[k] = g
			if r.From == "" {
				r.Errors = append(r.Errors, ImportError{Column: "C", Field: "effective_from", Key: erpkit.KeyRequired,
					Message: "This field is required"})
			}
			if it, ok := items[erpkit.CodeKey(r.Parent)]; ok && r.Version != "" {
				id, err := s.bomByVersion(ctx, it.ID, r.Version)
				if err != nil {
					return err
				}
				if id != "" {
					b, err := s.bomRaw(ctx, id)
					if err != nil {
						return err
					}
					if b.Status != domain.StatusDraft {
						r.Errors = append(r.Errors, ImportError{Column: "B", Field: "version", Key: keyReleased,
							Message: "This version is released already; import a new version"})
					} else {
						replaced = append(replaced, id)
					}
					r.Action = ActionUpdate
				}
			}
		} else {
			r.Action = g.first.Action
			for _, c := range []struct {
				letter, field, v, want string
			}{{"C", "effective_from", r.From, g.first.From}, {"D", "base_quantity", r.Base, g.first.Base}} {
				if c.v != "" && c.v != c.want {
					r.Errors = append(r.Errors, ImportError{Column: c.letter, Field: c.field, Key: keyDiffers,
						Message: "This differs from row {{.Row}} of the same BOM", Params: map[string]any{"Row": g.first.Row}})
				}
			}
		}
		if ck := erpkit.CodeKey(r.Component); ck != "" {
			if first, dup := g.components[ck]; dup {
				r.Errors = append(r.Errors, ImportError{Column: "E", Field: "component", Key: domain.KeyDuplicate,
					Message: "This component is already on row {{.Row}}", Params: map[string]any{"Row": first}})
			} else {
				g.components[ck] = r.Row
			}
		}
	}
	// Cycles: the structure in Loom (without the drafts the file replaces)
	// and the file's own.
	g, err := s.graph(ctx, replaced...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		p, okP := items[erpkit.CodeKey(r.Parent)]
		c, okC := items[erpkit.CodeKey(r.Component)]
		if okP && okC {
			g[p.ID] = append(g[p.ID], c.ID)
		}
	}
	for i := range rows {
		r := &rows[i]
		p, okP := items[erpkit.CodeKey(r.Parent)]
		c, okC := items[erpkit.CodeKey(r.Component)]
		if okP && okC && p.ID != c.ID && g.Reaches(c.ID, p.ID) {
			r.Errors = append(r.Errors, ImportError{Column: "E", Field: "component", Key: domain.KeyCycle,
				Message: "{{.Component}} contains {{.Item}} already: that would make a cycle",
				Params:  map[string]any{"Component": c.Code, "Item": p.Code}})
		}
	}
	return nil
}

// dateCell reads a date typed as text or stored by Excel as a serial number.
func dateCell(v string) string {
	if v == "" || erpkit.ValidDate(v) {
		return v
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 && n < 2958466 {
		t, err := excelize.ExcelDateToTime(n, false)
		if err == nil {
			return t.Format(erpkit.DateLayout)
		}
	}
	return v
}

func decimalCellError(letter, field string, err error) ImportError {
	var pe *money.ParseError
	if errors.As(err, &pe) && pe.Kind == money.KindTooManyDecimals {
		return ImportError{Column: letter, Field: field, Key: "erp.error.too_many_decimals", Message: "Too many decimal places",
			Params: map[string]any{"Scale": pe.Scale}}
	}
	return ImportError{Column: letter, Field: field, Key: "erp.error.number", Message: "Enter a number such as 12.5"}
}

// ParsePercent reads a percentage written as 2, 2% or, when Excel stored a
// percentage cell, as a fraction below 1 (0.02); it returns the fraction.
func ParsePercent(v string) (money.Rate, error) {
	if s, ok := strings.CutSuffix(strings.TrimSpace(v), "%"); ok {
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

// cleanNumber undoes the binary noise of a number Excel stored as a double.
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

func yesNoLabels() map[string]bool {
	m := map[string]bool{"y": true, "n": false, "true": true, "false": false, "1": true, "0": false, "yes": true, "no": false}
	for _, lang := range i18n.Langs() {
		m[strings.ToLower(i18n.TL(lang, "erp.common.yes"))] = true
		m[strings.ToLower(i18n.TL(lang, "erp.common.no"))] = false
	}
	return m
}

// Template returns an empty BOM workbook in lang: the heading row, an
// example 3-level structure in the notes, a yes/no drop-down for phantom
// and a prompt on each column.
func (s *Service) Template(ctx context.Context, lang string) ([]byte, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	tr := func(id string) string { return i18n.TL(lang, id) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := tr("erp.engineering.import.sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F2"}}})
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	last := MaxImportRows + 1
	for _, c := range Columns {
		h := tr(c.Label)
		if c.Req {
			h += " *"
		}
		if err := f.SetCellStr(sheet, c.Letter+"1", h); err != nil {
			return nil, err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", c.Letter, c.Letter, last)
		dv.SetInput(h, tr("erp.engineering.import.prompt."+c.Field))
		if c.Field == "phantom" {
			dv.SetDropList([]string{tr("erp.common.yes"), tr("erp.common.no")})
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellStyle(sheet, "A1", "I1", head); err != nil {
		return nil, err
	}
	// Codes, versions and dates are text, so Excel keeps them as typed.
	if err := f.SetColStyle(sheet, "A:C", text); err != nil {
		return nil, err
	}
	if err := f.SetColStyle(sheet, "E", text); err != nil {
		return nil, err
	}
	_ = f.SetColWidth(sheet, "A", "I", 16)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
