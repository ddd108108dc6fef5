// Package service imports leads, customers and contacts from Excel files
// through the customer and lead services.
package service

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Message keys of import errors.
const (
	keyFile        = "crm.import.error.file"
	keyTooLarge    = "crm.import.error.too_large"
	keyTooMany     = "crm.import.error.too_many"
	keyEmpty       = "crm.import.error.empty"
	keyKind        = "crm.import.error.kind"
	keyMode        = "crm.import.error.mode"
	keyUnmapped    = "crm.import.error.unmapped"
	keyMappedTwice = "crm.import.error.mapped_twice"
	keyField       = "crm.import.error.field"
	keyMapping     = "crm.import.error.mapping"
	keyRequired    = "crm.import.error.required"
	keyDone        = "crm.import.error.done"
	keyBadRows     = "crm.import.error.bad_rows"
)

// sampleRows is how many rows a report shows as read.
const sampleRows = 5

// Service imports files.
type Service struct {
	db        *db.DB
	dir       directory.Service
	customers customer.Service
	leads     lead.Service // nil without the lead module
	now       func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, customers customer.Service, leads lead.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, customers: customers, leads: leads, now: now}
}

func require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return nil, apperr.PermissionDenied(string(perm))
	}
	return p, nil
}

func fold(s string) string { return textnorm.Fold(s) }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// sheet is a file as read: its headings and its rows with data.
type sheet struct {
	headings []string
	rows     []row
}

type row struct {
	num   int // the sheet's row number, from 1
	cells []string
}

// read reads the first sheet of an .xlsx file: the first row with data
// holds the headings, and every later row with data is a row to import.
func read(data []byte) (*sheet, error) {
	if len(data) == 0 {
		return nil, apperr.Invalid("file", keyEmpty, "The file is empty")
	}
	if len(data) > transfer.MaxBytes {
		return nil, apperr.Invalid("file", keyTooLarge, "The file is too large").WithParams(map[string]any{"MB": transfer.MaxBytes >> 20})
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.Invalid("file", keyFile, "This is not an Excel (.xlsx) file")
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) == 0 {
		return nil, apperr.Invalid("file", keyEmpty, "The file is empty")
	}
	rows, err := f.Rows(names[0])
	if err != nil {
		return nil, apperr.Invalid("file", keyFile, "This is not an Excel (.xlsx) file")
	}
	defer rows.Close()
	sh := &sheet{}
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, apperr.Invalid("file", keyFile, "This is not an Excel (.xlsx) file")
		}
		empty := true
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
			empty = empty && cells[i] == ""
		}
		if empty {
			continue
		}
		if sh.headings == nil {
			sh.headings = cells
			continue
		}
		if len(sh.rows) == transfer.MaxRows {
			return nil, apperr.Invalid("file", keyTooMany, "The file has too many rows").WithParams(map[string]any{"Max": transfer.MaxRows})
		}
		for len(cells) < len(sh.headings) {
			cells = append(cells, "")
		}
		sh.rows = append(sh.rows, row{num: n, cells: cells})
	}
	if sh.headings == nil || len(sh.rows) == 0 {
		return nil, apperr.Invalid("file", keyEmpty, "The file has no rows to import")
	}
	// Headings may be shorter than the longest row: name the extra columns.
	for _, r := range sh.rows {
		for len(sh.headings) < len(r.cells) {
			sh.headings = append(sh.headings, excelColumn(len(sh.headings)))
		}
	}
	return sh, nil
}

// excelColumn names a column as Excel does: A, B, ... Z, AA.
func excelColumn(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return fmt.Sprint(i + 1)
	}
	return name
}

func checkKind(kind transfer.Kind) error {
	if !slices.Contains(transfer.Kinds, kind) {
		return apperr.Invalid("kind", keyKind, "Import leads, accounts or contacts")
	}
	return nil
}

// checkMapping reports mapped fields that do not exist or are mapped
// twice, and required fields not mapped.
func checkMapping(ctx context.Context, kind transfer.Kind, sh *sheet, mapping []string) []transfer.Problem {
	var out []transfer.Problem
	known := map[string]transfer.Column{}
	for _, c := range columns[kind] {
		known[c.Field] = c
	}
	seen := map[string]bool{}
	for i, f := range mapping {
		if f == "" {
			continue
		}
		if _, ok := known[f]; !ok {
			out = append(out, transfer.Problem{Column: sh.headings[i], Field: f, Key: keyField, Message: "There is no such field"})
			continue
		}
		if seen[f] {
			out = append(out, transfer.Problem{Column: sh.headings[i], Field: f, Key: keyMappedTwice, Message: "Two columns fill this field"})
		}
		seen[f] = true
	}
	for _, c := range columns[kind] {
		if c.Required && !seen[c.Field] {
			out = append(out, transfer.Problem{Field: c.Field, Key: keyUnmapped, Message: "No column fills this required field",
				Params: map[string]any{"Label": i18n.T(ctx, c.Label)}})
		}
	}
	return out
}

// errDry rolls back a row that was only checked.
var errDry = errors.New("transfer: checked, not written")

// check checks every row, each in its own transaction rolled back, and
// returns the report and the numbers of the good rows.
func (s *Service) check(ctx context.Context, kind transfer.Kind, sh *sheet, mapping []string) (*transfer.Report, map[int]bool, error) {
	rep := &transfer.Report{Kind: kind, Headings: sh.headings, Mapping: mapping, Rows: len(sh.rows), Problems: []transfer.Problem{}}
	for _, r := range sh.rows[:min(sampleRows, len(sh.rows))] {
		rep.Sample = append(rep.Sample, r.cells)
	}
	if len(mapping) != len(sh.headings) {
		return nil, nil, apperr.Invalid("mapping", keyMapping, "Give a field, or none, for each column of the file")
	}
	if probs := checkMapping(ctx, kind, sh, mapping); len(probs) > 0 {
		rep.Problems = probs
		return rep, nil, nil
	}
	im := s.importer(kind, sh, mapping)
	good := map[int]bool{}
	for _, r := range sh.rows {
		probs, err := im.row(ctx, r, true)
		if err != nil {
			return nil, nil, err
		}
		if len(probs) == 0 {
			good[r.num] = true
			continue
		}
		rep.Problems = append(rep.Problems, probs...)
	}
	rep.Good = len(good)
	return rep, good, nil
}

// write imports the rows (all, or the good ones) in one transaction; when
// one fails after all, nothing is written and its problems are returned.
func (s *Service) write(ctx context.Context, kind transfer.Kind, sh *sheet, mapping []string, good map[int]bool) (int, []transfer.Problem, error) {
	im := s.importer(kind, sh, mapping)
	var probs []transfer.Problem
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		n, probs = 0, nil
		for _, r := range sh.rows {
			if good != nil && !good[r.num] {
				continue
			}
			p, err := im.row(ctx, r, false)
			if err != nil {
				return err
			}
			if len(p) > 0 {
				probs = p
				return errDry
			}
			n++
		}
		return nil
	})
	if errors.Is(err, errDry) {
		return 0, probs, nil
	}
	return n, nil, err
}

// run checks and, unless mode is ModeCheck, imports.
func (s *Service) run(ctx context.Context, kind transfer.Kind, sh *sheet, mapping []string, mode transfer.Mode) (*transfer.Report, error) {
	rep, good, err := s.check(ctx, kind, sh, mapping)
	if err != nil || mode == transfer.ModeCheck {
		return rep, err
	}
	if good == nil || (mode == transfer.ModeAll && rep.Good < rep.Rows) {
		return rep, apperr.Precondition(keyBadRows, "Some rows are bad; correct them, or import only the good rows").
			WithParams(map[string]any{"Count": rep.BadRows()})
	}
	if rep.Good == 0 {
		return rep, apperr.Precondition(keyBadRows, "Some rows are bad; correct them, or import only the good rows").
			WithParams(map[string]any{"Count": rep.BadRows()})
	}
	if mode == transfer.ModeAll {
		good = nil
	}
	n, probs, err := s.write(ctx, kind, sh, mapping, good)
	if err != nil {
		return rep, err
	}
	if len(probs) > 0 {
		rep.Problems = append(rep.Problems, probs...)
		rep.Good--
		return rep, apperr.Precondition(keyBadRows, "Some rows are bad; correct them, or import only the good rows").
			WithParams(map[string]any{"Count": rep.BadRows()})
	}
	rep.Imported = n
	return rep, nil
}

func checkMode(mode transfer.Mode) error {
	if !slices.Contains([]transfer.Mode{transfer.ModeCheck, transfer.ModeAll, transfer.ModeGood}, mode) {
		return apperr.Invalid("mode", keyMode, "Check, import all rows, or import the good rows")
	}
	return nil
}

// Import checks or imports a file at once, without keeping it.
func (s *Service) Import(ctx context.Context, kind transfer.Kind, data []byte, mapping []string, mode transfer.Mode) (*transfer.Report, error) {
	if _, err := require(ctx, transfer.PermImport); err != nil {
		return nil, err
	}
	if err := firstErr(checkKind(kind), checkMode(mode)); err != nil {
		return nil, err
	}
	sh, err := read(data)
	if err != nil {
		return nil, err
	}
	if len(mapping) == 0 {
		mapping = autoMap(kind, sh.headings)
	}
	rep, err := s.run(ctx, kind, sh, mapping, mode)
	if err == nil && rep.Imported > 0 {
		err = s.db.InTx(ctx, func(ctx context.Context) error {
			return audit.Record(ctx, s.db, audit.Entry{Action: "crm.import.done", EntityKind: "crm.import", EntityID: string(kind),
				After: map[string]any{"kind": kind, "rows": rep.Rows, "imported": rep.Imported, "mode": mode}})
		})
	}
	if rep != nil {
		rep.Status = transfer.StatusOpen
		if rep.Imported > 0 {
			rep.Status = transfer.StatusDone
		}
		rep.CreatedAt = s.now()
	}
	return rep, err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ---- uploads ----

type upload struct {
	id, kind, owner, name, status string
	data                          []byte
	mapping                       []string
	rows, imported                int
	created                       int64
}

func (u *upload) report() *transfer.Report {
	return &transfer.Report{ID: u.id, Kind: transfer.Kind(u.kind), FileName: u.name, Status: transfer.Status(u.status),
		Mapping: u.mapping, Rows: u.rows, Imported: u.imported, CreatedAt: db.FromMillis(u.created), Problems: []transfer.Problem{}}
}

func (s *Service) load(ctx context.Context, p *authz.Principal, id string) (*upload, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("import", id)
	}
	u := &upload{}
	var mapping string
	err := s.db.QueryRow(ctx, `SELECT id, kind, owner_id, file_name, status, data, mapping, rows_count, imported, created_at
		FROM crm_import WHERE id = $1`, id).Scan(&u.id, &u.kind, &u.owner, &u.name, &u.status, &u.data, &mapping, &u.rows, &u.imported, &u.created)
	if err != nil || u.owner != p.UserID {
		if err == nil || isNoRows(err) {
			return nil, apperr.NotFound("import", id)
		}
		return nil, fmt.Errorf("transfer: read import: %w", err)
	}
	if err := json.Unmarshal([]byte(mapping), &u.mapping); err != nil {
		return nil, fmt.Errorf("transfer: read mapping: %w", err)
	}
	return u, nil
}

// Upload keeps a file for the caller, maps its columns and checks it.
func (s *Service) Upload(ctx context.Context, kind transfer.Kind, fileName string, data []byte) (*transfer.Report, error) {
	p, err := require(ctx, transfer.PermImport)
	if err != nil {
		return nil, err
	}
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	sh, err := read(data)
	if err != nil {
		return nil, err
	}
	mapping := autoMap(kind, sh.headings)
	m, _ := json.Marshal(mapping)
	id := db.NewID()
	now := db.Millis(s.now())
	fileName = strings.TrimSpace(fileName)
	if r := []rune(fileName); len(r) > 200 {
		fileName = string(r[:200])
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_import (id, kind, owner_id, file_name, data, mapping, status, rows_count, imported, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, 0, $8, $8)`, id, string(kind), p.UserID, fileName, data, string(m), len(sh.rows), now); err != nil {
			return fmt.Errorf("transfer: keep upload: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Get checks a file the caller uploaded again.
func (s *Service) Get(ctx context.Context, id string) (*transfer.Report, error) {
	p, err := require(ctx, transfer.PermImport)
	if err != nil {
		return nil, err
	}
	u, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.checkUpload(ctx, u)
}

func (s *Service) checkUpload(ctx context.Context, u *upload) (*transfer.Report, error) {
	out := u.report()
	if u.status == string(transfer.StatusDone) {
		return out, nil
	}
	sh, err := read(u.data)
	if err != nil {
		return nil, err
	}
	rep, _, err := s.check(ctx, transfer.Kind(u.kind), sh, u.mapping)
	if err != nil {
		return nil, err
	}
	rep.ID, rep.FileName, rep.Status, rep.CreatedAt = out.ID, out.FileName, out.Status, out.CreatedAt
	return rep, nil
}

// Map changes which field each column fills and checks the file again.
func (s *Service) Map(ctx context.Context, id string, mapping []string) (*transfer.Report, error) {
	p, err := require(ctx, transfer.PermImport)
	if err != nil {
		return nil, err
	}
	u, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if u.status == string(transfer.StatusDone) {
		return nil, apperr.Precondition(keyDone, "This file is imported already")
	}
	sh, err := read(u.data)
	if err != nil {
		return nil, err
	}
	if len(mapping) != len(sh.headings) {
		return nil, apperr.Invalid("mapping", keyMapping, "Give a field, or none, for each column of the file")
	}
	m, _ := json.Marshal(mapping)
	if _, err := s.db.Exec(ctx, `UPDATE crm_import SET mapping = $2, updated_at = $3 WHERE id = $1`, id, string(m), db.Millis(s.now())); err != nil {
		return nil, fmt.Errorf("transfer: save mapping: %w", err)
	}
	u.mapping = mapping
	return s.checkUpload(ctx, u)
}

// Run imports a file the caller uploaded.
func (s *Service) Run(ctx context.Context, id string, mode transfer.Mode) (*transfer.Report, error) {
	p, err := require(ctx, transfer.PermImport)
	if err != nil {
		return nil, err
	}
	if mode != transfer.ModeAll && mode != transfer.ModeGood {
		return nil, apperr.Invalid("mode", keyMode, "Import all rows, or import the good rows")
	}
	u, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if u.status == string(transfer.StatusDone) {
		return nil, apperr.Precondition(keyDone, "This file is imported already")
	}
	sh, err := read(u.data)
	if err != nil {
		return nil, err
	}
	rep, err := s.run(ctx, transfer.Kind(u.kind), sh, u.mapping, mode)
	if rep != nil {
		rep.ID, rep.FileName, rep.Status, rep.CreatedAt = u.id, u.name, transfer.StatusOpen, db.FromMillis(u.created)
	}
	if err != nil {
		return rep, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_import SET status = 'done', data = $2, imported = $3, updated_at = $4
			WHERE id = $1 AND status = 'open'`, id, []byte{}, rep.Imported, db.Millis(s.now()))
		if err != nil {
			return fmt.Errorf("transfer: mark done: %w", err)
		}
		if n == 0 {
			return apperr.Precondition(keyDone, "This file is imported already")
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.import.done", EntityKind: "crm.import", EntityID: id,
			After: map[string]any{"kind": u.kind, "file": u.name, "rows": rep.Rows, "imported": rep.Imported, "mode": mode}})
	})
	rep.Status = transfer.StatusDone
	return rep, err
}

// Recent lists the caller's latest uploads.
func (s *Service) Recent(ctx context.Context) ([]transfer.Report, error) {
	p, err := require(ctx, transfer.PermImport)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, kind, file_name, status, rows_count, imported, created_at FROM crm_import
		WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20`, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("transfer: recent imports: %w", err)
	}
	defer rows.Close()
	out := []transfer.Report{}
	for rows.Next() {
		u := upload{}
		if err := rows.Scan(&u.id, &u.kind, &u.name, &u.status, &u.rows, &u.imported, &u.created); err != nil {
			return nil, err
		}
		out = append(out, *u.report())
	}
	return out, rows.Err()
}
