// Package core is engineering's service: it checks permissions and rules,
// reads and writes the eng_ tables, records every change in the audit log
// and sends erp.bom.released and erp.routing.released in the transaction
// that releases.
package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Service is engineering's service.
type Service struct {
	DB  *db.DB
	Now func() time.Time
	// Catalog returns the catalog wired in this process, or nil.
	Catalog func() catalog.Catalog
}

// Audit entity kinds.
const (
	kindWorkCenter = "erp.engineering.work_center"
	kindBOM        = "erp.engineering.bom"
	kindRouting    = "erp.engineering.routing"
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Today is the company's calendar date now.
func (s *Service) Today() string { return erpkit.Today(s.now()) }

func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.DB, audit.Entry{Action: action, EntityKind: kind, EntityID: id, Before: before, After: after})
}

func (s *Service) catalog() (catalog.Catalog, error) {
	if s.Catalog != nil {
		if c := s.Catalog(); c != nil {
			return c, nil
		}
	}
	return nil, errors.New("engineering: the catalog is not wired")
}

// LookupItem finds an item by id or code; ok is false when none has it.
func (s *Service) LookupItem(ctx context.Context, ref string) (catalog.Item, bool, error) {
	c, err := s.catalog()
	if err != nil {
		return catalog.Item{}, false, err
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return catalog.Item{}, false, nil
	}
	if len(ref) == 36 && strings.Count(ref, "-") == 4 {
		it, err := c.LookupItem(ctx, ref)
		if err == nil {
			return it, true, nil
		}
		if !apperr.IsKind(err, apperr.KindNotFound) {
			return it, false, err
		}
	}
	it, err := c.LookupItemByCode(ctx, ref)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return it, false, nil
	}
	return it, err == nil, err
}

// FitsUnit reports whether q has no more decimals than a unit with precision allows.
func FitsUnit(q money.Quantity, precision int) bool {
	step := int64(1)
	for range money.QuantityScale - precision {
		step *= 10
	}
	return q.Units()%step == 0
}

// ---- work centers ----

const wcCols = `id, code, name, kind, capacity, cost_rate, efficiency, status, created_at, updated_at`

func scanWorkCenter(sc interface{ Scan(...any) error }) (domain.EngWorkCenter, error) {
	var (
		w            domain.EngWorkCenter
		created, upd int64
	)
	err := sc.Scan(&w.ID, &w.Code, &w.Name, &w.Kind, &w.CapacityHours, &w.CostRate, &w.Efficiency, &w.Status, &created, &upd)
	w.CreatedAt, w.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return w, err
}

// WorkCenters lists every work center by code.
func (s *Service) WorkCenters(ctx context.Context) ([]domain.EngWorkCenter, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.workCenters(ctx)
}

func (s *Service) workCenters(ctx context.Context) ([]domain.EngWorkCenter, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+wcCols+` FROM eng_work_center ORDER BY code_key`)
	if err != nil {
		return nil, fmt.Errorf("engineering: list work centers: %w", err)
	}
	defer rows.Close()
	out := []domain.EngWorkCenter{}
	for rows.Next() {
		w, err := scanWorkCenter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// WorkCenter returns one work center.
func (s *Service) WorkCenter(ctx context.Context, id string) (domain.EngWorkCenter, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.EngWorkCenter{}, err
	}
	return s.workCenter(ctx, id)
}

func (s *Service) workCenter(ctx context.Context, id string) (domain.EngWorkCenter, error) {
	w, err := scanWorkCenter(s.DB.QueryRow(ctx, `SELECT `+wcCols+` FROM eng_work_center WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, apperr.NotFound("work center", id)
	}
	return w, err
}

// workCenterByRef finds a work center by id or code.
func (s *Service) workCenterByRef(ctx context.Context, ref string) (domain.EngWorkCenter, bool, error) {
	w, err := scanWorkCenter(s.DB.QueryRow(ctx, `SELECT `+wcCols+` FROM eng_work_center WHERE id = $1 OR code_key = $2`,
		ref, erpkit.CodeKey(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	return w, err == nil, err
}

// CreateWorkCenter adds a work center.
func (s *Service) CreateWorkCenter(ctx context.Context, in domain.EngWorkCenterInput) (domain.EngWorkCenter, error) {
	return s.saveWorkCenter(ctx, "", in)
}

// UpdateWorkCenter changes a work center.
func (s *Service) UpdateWorkCenter(ctx context.Context, id string, in domain.EngWorkCenterInput) (domain.EngWorkCenter, error) {
	return s.saveWorkCenter(ctx, id, in)
}

func (s *Service) saveWorkCenter(ctx context.Context, id string, in domain.EngWorkCenterInput) (domain.EngWorkCenter, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngWorkCenter{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.EngWorkCenter{}, err
	}
	var out domain.EngWorkCenter
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		var (
			before any
			err    error
		)
		if id == "" {
			id = db.NewID()
			_, err = s.DB.Exec(ctx, `INSERT INTO eng_work_center (`+wcCols+`, code_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
				id, in.Code, in.Name, in.Kind, in.CapacityHours, in.CostRate, in.Efficiency, in.Status, now, erpkit.CodeKey(in.Code))
		} else {
			old, lerr := s.workCenter(ctx, id)
			if lerr != nil {
				return lerr
			}
			before = old
			_, err = s.DB.Exec(ctx, `UPDATE eng_work_center SET code = $2, code_key = $3, name = $4, kind = $5, capacity = $6,
				cost_rate = $7, efficiency = $8, status = $9, updated_at = $10 WHERE id = $1`,
				id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.Kind, in.CapacityHours, in.CostRate, in.Efficiency, in.Status, now)
		}
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("engineering: save work center: %w", err)
		}
		if out, err = s.workCenter(ctx, id); err != nil {
			return err
		}
		action := "erp.engineering.work_center.updated"
		if before == nil {
			action = "erp.engineering.work_center.created"
		}
		return s.record(ctx, action, kindWorkCenter, id, before, out)
	})
	return out, err
}

// ---- shared by BOMs and routings ----

// header is what BOMs and routings have in common.
type header struct {
	ID, ItemID, Version, Status, From, To string
}

// checkOverlap refuses to release a version whose dates overlap another
// released version of the item. An earlier released version without an end
// is ended the day before the new one starts.
func (s *Service) checkOverlap(ctx context.Context, table string, h header) error {
	if s.DB.Engine == db.Postgres {
		// Releases of one item's versions happen one after the other, so two
		// overlapping drafts cannot both pass (SQLite's single writer already
		// keeps writers apart).
		if _, err := s.DB.Exec(ctx, `SELECT id FROM `+table+` WHERE item_id = $1 ORDER BY id FOR UPDATE`, h.ItemID); err != nil {
			return err
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT id, version, effective_from, effective_to FROM `+table+`
		WHERE item_id = $1 AND status = 'released' AND id <> $2 ORDER BY effective_from`, h.ItemID, h.ID)
	if err != nil {
		return err
	}
	type other struct{ id, version, from, to string }
	var others []other
	for rows.Next() {
		var o other
		if err := rows.Scan(&o.id, &o.version, &o.from, &o.to); err != nil {
			rows.Close()
			return err
		}
		others = append(others, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range others {
		to := o.to
		if to == "" && o.from < h.From {
			to = erpkit.AddDays(h.From, -1)
		}
		if domain.Overlaps(h.From, h.To, o.from, to) {
			return apperr.InvalidFields(apperr.FieldError{Field: "effective_from", Key: domain.KeyOverlap,
				Message: "Version {{.Version}} is released for dates from {{.From}} that overlap these",
				Params:  map[string]any{"Version": o.version, "From": o.from}})
		}
		if to != o.to {
			if _, err := s.DB.Exec(ctx, `UPDATE `+table+` SET effective_to = $2, updated_at = $3 WHERE id = $1`,
				o.id, to, db.Millis(s.now())); err != nil {
				return err
			}
			if err := s.record(ctx, "erp.engineering."+strings.TrimPrefix(table, "eng_")+".ended", "erp.engineering."+strings.TrimPrefix(table, "eng_"), o.id,
				map[string]string{"effective_to": ""}, map[string]string{"effective_to": to, "superseded_by": h.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// versionTaken reports whether the item has another version of that name.
func (s *Service) versionTaken(ctx context.Context, table, itemID, version, except string) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE item_id = $1 AND version_key = $2 AND id <> $3`,
		itemID, erpkit.CodeKey(version), except).Scan(&n)
	return n > 0, err
}
