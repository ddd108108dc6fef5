package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

const bomCols = `id, item_id, version, status, effective_from, effective_to, base_quantity, note, created_by, released_by, created_at, updated_at`

func scanBOM(sc interface{ Scan(...any) error }) (domain.EngBOM, error) {
	var (
		b            domain.EngBOM
		created, upd int64
	)
	err := sc.Scan(&b.ID, &b.ItemID, &b.Version, &b.Status, &b.EffectiveFrom, &b.EffectiveTo, &b.BaseQuantity, &b.Note,
		&b.CreatedBy, &b.ReleasedBy, &created, &upd)
	b.CreatedAt, b.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	b.Lines = []domain.EngBOMLine{}
	return b, err
}

// BOMFilter selects BOMs for a list.
type BOMFilter struct {
	ItemID string
	Status domain.Status
}

// BOMs lists BOMs, without their lines, by item code and version.
func (s *Service) BOMs(ctx context.Context, f BOMFilter) ([]domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + bomCols + ` FROM eng_bom WHERE ($1 = '' OR item_id = $1) AND ($2 = '' OR status = $2) ORDER BY item_id, effective_from, version_key`
	rows, err := s.DB.Query(ctx, q, f.ItemID, string(f.Status))
	if err != nil {
		return nil, fmt.Errorf("engineering: list BOMs: %w", err)
	}
	defer rows.Close()
	out := []domain.EngBOM{}
	for rows.Next() {
		b, err := scanBOM(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.nameBOMs(ctx, out); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b domain.EngBOM) int {
		if a.ItemCode != b.ItemCode {
			return cmpString(a.ItemCode, b.ItemCode)
		}
		return cmpString(a.EffectiveFrom, b.EffectiveFrom)
	})
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// nameBOMs fills the item codes, names and units of BOMs and their lines.
func (s *Service) nameBOMs(ctx context.Context, boms []domain.EngBOM) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	var ids []string
	for _, b := range boms {
		ids = append(ids, b.ItemID)
		for _, l := range b.Lines {
			ids = append(ids, l.ComponentID)
		}
	}
	items, err := c.LookupItems(ctx, ids)
	if err != nil {
		return err
	}
	for i := range boms {
		it := items[boms[i].ItemID]
		boms[i].ItemCode, boms[i].ItemName, boms[i].UoM = it.Code, it.Name, it.UoM
		for j := range boms[i].Lines {
			l := &boms[i].Lines[j]
			ci := items[l.ComponentID]
			l.ComponentCode, l.ComponentName, l.UoM = ci.Code, ci.Name, ci.UoM
		}
	}
	return nil
}

// BOM returns one BOM with its lines.
func (s *Service) BOM(ctx context.Context, id string) (domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.EngBOM{}, err
	}
	return s.bom(ctx, id)
}

func (s *Service) bom(ctx context.Context, id string) (domain.EngBOM, error) {
	b, err := s.bomRaw(ctx, id)
	if err != nil {
		return b, err
	}
	boms := []domain.EngBOM{b}
	if err := s.nameBOMs(ctx, boms); err != nil {
		return b, err
	}
	return boms[0], nil
}

// bomRaw returns a BOM and its lines without item names.
func (s *Service) bomRaw(ctx context.Context, id string) (domain.EngBOM, error) {
	b, err := scanBOM(s.DB.QueryRow(ctx, `SELECT `+bomCols+` FROM eng_bom WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, apperr.NotFound("BOM", id)
	}
	if err != nil {
		return b, err
	}
	rows, err := s.DB.Query(ctx, `SELECT line_no, component_id, quantity, scrap, phantom, operation_seq
		FROM eng_bom_line WHERE bom_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			l       domain.EngBOMLine
			phantom int
		)
		if err := rows.Scan(&l.LineNo, &l.ComponentID, &l.Quantity, &l.Scrap, &phantom, &l.OperationSeq); err != nil {
			return b, err
		}
		l.Phantom = phantom == 1
		b.Lines = append(b.Lines, l)
	}
	return b, rows.Err()
}

// resolvedBOM is a checked BOM input with its items found.
type resolvedBOM struct {
	item  catalog.Item
	in    domain.EngBOMInput
	lines []domain.EngBOMLine
}

// resolveBOM checks a normalized BOM input against the catalog: the parent
// is made (finished or semi-finished), components exist, are not services,
// are not the parent, appear once, and quantities fit their units.
func (s *Service) resolveBOM(ctx context.Context, item catalog.Item, in domain.EngBOMInput) (resolvedBOM, error) {
	p := in.Validate()
	r := resolvedBOM{item: item, in: in}
	if item.Kind != catalog.KindFinished && item.Kind != catalog.KindSemiFinished {
		p.Add("item", domain.KeyParentKind, "Only finished and semi-finished items have a BOM")
	}
	if !p.Has("base_quantity") && !FitsUnit(in.Base(), item.UoMPrecision) {
		p.Add("base_quantity", domain.KeyUnitDecimals, "The unit {{.UoM}} allows {{.Decimals}} decimal places",
			map[string]any{"UoM": item.UoM, "Decimals": item.UoMPrecision})
	}
	seen := map[string]bool{}
	for i, l := range in.Lines {
		f := domain.LineField(i)
		if l.Component == "" {
			continue
		}
		comp, ok, err := s.LookupItem(ctx, l.Component)
		if err != nil {
			return r, err
		}
		switch {
		case !ok:
			p.Add(f+".component", domain.KeyItemUnknown, "No item has the code {{.Value}}", map[string]any{"Value": l.Component})
			continue
		case comp.ID == item.ID:
			p.Add(f+".component", domain.KeySelf, "An item cannot be a component of itself")
		case comp.Kind == catalog.KindService:
			p.Add(f+".component", domain.KeyComponentKind, "A service cannot be a component")
		case seen[comp.ID]:
			p.Add(f+".component", domain.KeyDuplicate, "This component is already on another line")
		}
		seen[comp.ID] = true
		if !p.Has(f+".quantity") && !FitsUnit(l.Quantity, comp.UoMPrecision) {
			p.Add(f+".quantity", domain.KeyUnitDecimals, "The unit {{.UoM}} allows {{.Decimals}} decimal places",
				map[string]any{"UoM": comp.UoM, "Decimals": comp.UoMPrecision})
		}
		r.lines = append(r.lines, domain.EngBOMLine{LineNo: i + 1, ComponentID: comp.ID, ComponentCode: comp.Code, ComponentName: comp.Name,
			UoM: comp.UoM, Quantity: l.Quantity, Scrap: l.Scrap, Phantom: l.Phantom, OperationSeq: l.OperationSeq})
	}
	if len(p) > 0 {
		return r, p.Err()
	}
	return r, nil
}

// Graph is the component structure of every BOM that is not obsolete:
// the components of each parent item.
type Graph map[string][]string

// graph loads the structure of every BOM that is not obsolete, leaving out
// the BOMs in skip.
func (s *Service) graph(ctx context.Context, skip ...string) (Graph, error) {
	rows, err := s.DB.Query(ctx, `SELECT b.id, b.item_id, l.component_id FROM eng_bom b JOIN eng_bom_line l ON l.bom_id = b.id
		WHERE b.status <> 'obsolete'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	g := Graph{}
	for rows.Next() {
		var bom, parent, comp string
		if err := rows.Scan(&bom, &parent, &comp); err != nil {
			return nil, err
		}
		if !slices.Contains(skip, bom) {
			g[parent] = append(g[parent], comp)
		}
	}
	return g, rows.Err()
}

// Reaches reports whether target is item or lies anywhere below it.
func (g Graph) Reaches(item, target string) bool {
	seen := map[string]bool{}
	stack := []string{item}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == target {
			return true
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, g[n]...)
	}
	return false
}

// lockStructure makes changes to the BOM structure happen one after the
// other on PostgreSQL, so two of them cannot make a cycle together; SQLite's
// single writer already does.
func (s *Service) lockStructure(ctx context.Context) error {
	if s.DB.Engine != db.Postgres {
		return nil
	}
	_, err := s.DB.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('eng_bom_structure'))`)
	return err
}

// checkCycles refuses lines whose component contains the parent at any level.
func (s *Service) checkCycles(ctx context.Context, bomID string, r resolvedBOM) error {
	if err := s.lockStructure(ctx); err != nil {
		return err
	}
	g, err := s.graph(ctx, bomID)
	if err != nil {
		return err
	}
	var p erpkit.Problems
	for i, l := range r.lines {
		if l.ComponentID != r.item.ID && g.Reaches(l.ComponentID, r.item.ID) {
			p.Add(domain.LineField(i)+".component", domain.KeyCycle, "{{.Component}} contains {{.Item}} already: that would make a cycle",
				map[string]any{"Component": l.ComponentCode, "Item": r.item.Code})
		}
	}
	return p.Err()
}

// CreateBOM adds a draft BOM.
func (s *Service) CreateBOM(ctx context.Context, in domain.EngBOMInput) (domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngBOM{}, err
	}
	in.Normalize()
	var out domain.EngBOM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		item, ok, err := s.LookupItem(ctx, in.Item)
		if err != nil {
			return err
		}
		if !ok {
			p := in.Validate()
			if in.Item == "" {
				p.Add("item", erpkit.KeyRequired, "This field is required")
			} else {
				p.Add("item", domain.KeyItemUnknown, "No item has the code {{.Value}}", map[string]any{"Value": in.Item})
			}
			return p.Err()
		}
		out, err = s.insertBOM(ctx, item, in)
		return err
	})
	return out, err
}

// insertBOM checks and writes a new draft BOM of item.
func (s *Service) insertBOM(ctx context.Context, item catalog.Item, in domain.EngBOMInput) (domain.EngBOM, error) {
	r, err := s.resolveBOM(ctx, item, in)
	if err != nil {
		return domain.EngBOM{}, err
	}
	id := db.NewID()
	if err := s.checkCycles(ctx, id, r); err != nil {
		return domain.EngBOM{}, err
	}
	if taken, err := s.versionTaken(ctx, "eng_bom", item.ID, in.Version, id); err != nil {
		return domain.EngBOM{}, err
	} else if taken {
		return domain.EngBOM{}, apperr.Invalid("version", domain.KeyVersionTaken, "The item has a version with this name already")
	}
	now := db.Millis(s.now())
	_, err = s.DB.Exec(ctx, `INSERT INTO eng_bom (id, item_id, version, version_key, status, effective_from, effective_to,
		base_quantity, note, created_by, released_by, released_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, '', 0, $10, $10)`,
		id, item.ID, in.Version, erpkit.CodeKey(in.Version), in.EffectiveFrom, in.EffectiveTo, in.Base(), in.Note,
		erpkit.Actor(ctx), now)
	if db.IsUniqueViolation(err) {
		return domain.EngBOM{}, apperr.Invalid("version", domain.KeyVersionTaken, "The item has a version with this name already")
	}
	if err != nil {
		return domain.EngBOM{}, fmt.Errorf("engineering: create BOM: %w", err)
	}
	if err := s.insertLines(ctx, id, r.lines); err != nil {
		return domain.EngBOM{}, err
	}
	out, err := s.bom(ctx, id)
	if err != nil {
		return out, err
	}
	return out, s.record(ctx, "erp.engineering.bom.created", kindBOM, id, nil, out)
}

func (s *Service) insertLines(ctx context.Context, bomID string, lines []domain.EngBOMLine) error {
	for _, l := range lines {
		phantom := 0
		if l.Phantom {
			phantom = 1
		}
		if _, err := s.DB.Exec(ctx, `INSERT INTO eng_bom_line (id, bom_id, line_no, component_id, quantity, scrap, phantom, operation_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, db.NewID(), bomID, l.LineNo, l.ComponentID, l.Quantity, l.Scrap, phantom, l.OperationSeq); err != nil {
			return fmt.Errorf("engineering: BOM line: %w", err)
		}
	}
	return nil
}

// draftBOM returns a BOM that must still be a draft.
func (s *Service) draftBOM(ctx context.Context, id string) (domain.EngBOM, error) {
	b, err := s.bom(ctx, id)
	if err != nil {
		return b, err
	}
	if b.Status != domain.StatusDraft {
		return b, apperr.Conflict(domain.KeyNotDraft, "Only a draft changes; copy it to a new version to change it")
	}
	return b, nil
}

// UpdateBOM changes a draft BOM: its version, dates, base quantity, note
// and lines. Its item does not change.
func (s *Service) UpdateBOM(ctx context.Context, id string, in domain.EngBOMInput) (domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngBOM{}, err
	}
	in.Normalize()
	var out domain.EngBOM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.draftBOM(ctx, id)
		if err != nil {
			return err
		}
		c, err := s.catalog()
		if err != nil {
			return err
		}
		item, err := c.LookupItem(ctx, before.ItemID)
		if err != nil {
			return err
		}
		out, err = s.replaceBOM(ctx, before, item, in)
		return err
	})
	return out, err
}

// replaceBOM writes new content into a draft BOM.
func (s *Service) replaceBOM(ctx context.Context, before domain.EngBOM, item catalog.Item, in domain.EngBOMInput) (domain.EngBOM, error) {
	id := before.ID
	r, err := s.resolveBOM(ctx, item, in)
	if err != nil {
		return domain.EngBOM{}, err
	}
	if err := s.checkCycles(ctx, id, r); err != nil {
		return domain.EngBOM{}, err
	}
	if taken, err := s.versionTaken(ctx, "eng_bom", item.ID, in.Version, id); err != nil {
		return domain.EngBOM{}, err
	} else if taken {
		return domain.EngBOM{}, apperr.Invalid("version", domain.KeyVersionTaken, "The item has a version with this name already")
	}
	n, err := s.DB.ExecAffected(ctx, `UPDATE eng_bom SET version = $2, version_key = $3, effective_from = $4, effective_to = $5,
		base_quantity = $6, note = $7, updated_at = $8 WHERE id = $1 AND status = 'draft'`,
		id, in.Version, erpkit.CodeKey(in.Version), in.EffectiveFrom, in.EffectiveTo, in.Base(), in.Note, db.Millis(s.now()))
	if err != nil {
		return domain.EngBOM{}, fmt.Errorf("engineering: update BOM: %w", err)
	}
	if n != 1 {
		return domain.EngBOM{}, apperr.Conflict(domain.KeyNotDraft, "Only a draft changes; copy it to a new version to change it")
	}
	if _, err := s.DB.Exec(ctx, `DELETE FROM eng_bom_line WHERE bom_id = $1`, id); err != nil {
		return domain.EngBOM{}, err
	}
	if err := s.insertLines(ctx, id, r.lines); err != nil {
		return domain.EngBOM{}, err
	}
	out, err := s.bom(ctx, id)
	if err != nil {
		return out, err
	}
	return out, s.record(ctx, "erp.engineering.bom.updated", kindBOM, id, before, out)
}

// ReleaseBOM releases a draft BOM: from now on it is used for the dates it
// is effective on, its lines never change, and erp.bom.released is sent.
func (s *Service) ReleaseBOM(ctx context.Context, id string) (domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngBOM{}, err
	}
	var out domain.EngBOM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.draftBOM(ctx, id)
		if err != nil {
			return err
		}
		if err := s.checkOverlap(ctx, "eng_bom", header{ID: id, ItemID: before.ItemID, From: before.EffectiveFrom, To: before.EffectiveTo}); err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE eng_bom SET status = 'released', released_by = $2, released_at = $3, updated_at = $3
			WHERE id = $1 AND status = 'draft'`, id, erpkit.Actor(ctx), db.Millis(s.now()))
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyNotDraft, "Only a draft is released")
		}
		if out, err = s.bom(ctx, id); err != nil {
			return err
		}
		if err := s.record(ctx, "erp.engineering.bom.released", kindBOM, id, before, out); err != nil {
			return err
		}
		_, err = outbox.Emit(ctx, s.DB, domain.EventBOMReleased, 1, id, out.Released())
		return err
	})
	return out, err
}

// DeleteBOM deletes a draft BOM with its lines; a released or obsolete
// one stays (planning and production may refer to it).
func (s *Service) DeleteBOM(ctx context.Context, id string) error {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.draftBOM(ctx, id)
		if apperr.IsKind(err, apperr.KindConflict) {
			return apperr.Conflict(domain.KeyNotDraft, "Only a draft is deleted; make a released version obsolete instead")
		}
		if err != nil {
			return err
		}
		if _, err := s.DB.Exec(ctx, `DELETE FROM eng_bom_line WHERE bom_id = $1`, id); err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `DELETE FROM eng_bom WHERE id = $1 AND status = 'draft'`, id)
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyNotDraft, "Only a draft is deleted; make a released version obsolete instead")
		}
		return s.record(ctx, "erp.engineering.bom.deleted", kindBOM, id, before, nil)
	})
}

// ObsoleteBOM takes a released BOM out of use.
func (s *Service) ObsoleteBOM(ctx context.Context, id string) (domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngBOM{}, err
	}
	var out domain.EngBOM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.bom(ctx, id)
		if err != nil {
			return err
		}
		n, err := s.DB.ExecAffected(ctx, `UPDATE eng_bom SET status = 'obsolete', updated_at = $2 WHERE id = $1 AND status = 'released'`,
			id, db.Millis(s.now()))
		if err != nil {
			return err
		}
		if n != 1 {
			return apperr.Conflict(domain.KeyNotReleased, "Only a released version becomes obsolete")
		}
		if out, err = s.bom(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.engineering.bom.obsoleted", kindBOM, id, before, out)
	})
	return out, err
}

// CopyBOM starts a new draft version from a BOM, with the same lines,
// effective from effectiveFrom (today when empty).
func (s *Service) CopyBOM(ctx context.Context, id, version, effectiveFrom string) (domain.EngBOM, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.EngBOM{}, err
	}
	var out domain.EngBOM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		src, err := s.bom(ctx, id)
		if err != nil {
			return err
		}
		if effectiveFrom == "" {
			effectiveFrom = s.Today()
		}
		in := domain.EngBOMInput{Item: src.ItemID, Version: version, EffectiveFrom: effectiveFrom, BaseQuantity: &src.BaseQuantity, Note: src.Note}
		for _, l := range src.Lines {
			in.Lines = append(in.Lines, domain.EngBOMLineInput{Component: l.ComponentID, Quantity: l.Quantity, Scrap: l.Scrap,
				Phantom: l.Phantom, OperationSeq: l.OperationSeq})
		}
		in.Normalize()
		c, err := s.catalog()
		if err != nil {
			return err
		}
		item, err := c.LookupItem(ctx, src.ItemID)
		if err != nil {
			return err
		}
		out, err = s.insertBOM(ctx, item, in)
		return err
	})
	return out, err
}
