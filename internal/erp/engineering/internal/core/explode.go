package core

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/govalues/decimal"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
)

// maxLevels bounds an explosion; cycles are refused on save, so this only
// guards against data written around the service.
const maxLevels = 30

// EffectiveBOM returns the released BOM of an item effective on date, with
// its lines; apperr NotFound when none is.
func (s *Service) EffectiveBOM(ctx context.Context, itemID, date string) (domain.EngBOM, error) {
	var id string
	err := s.DB.QueryRow(ctx, `SELECT id FROM eng_bom WHERE item_id = $1 AND status = 'released'
		AND effective_from <= $2 AND (effective_to = '' OR effective_to >= $2) ORDER BY effective_from DESC LIMIT 1`,
		itemID, date).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.EngBOM{}, apperr.New(apperr.KindNotFound, domain.KeyNoEffectiveBOM, "The item has no released BOM effective on this date").
			WithParams(map[string]any{"Date": date})
	}
	if err != nil {
		return domain.EngBOM{}, err
	}
	return s.bom(ctx, id)
}

// Explode explodes the effective BOM of an item for a quantity on a date,
// level by level: gross quantities include each line's scrap, and phantom
// components are replaced by their own components.
func (s *Service) Explode(ctx context.Context, itemID string, qty money.Quantity, date string) (domain.EngExplosion, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.EngExplosion{}, err
	}
	return s.ExplodeUnchecked(ctx, itemID, qty, date)
}

// ExplodeUnchecked is Explode without a permission check, for other modules.
func (s *Service) ExplodeUnchecked(ctx context.Context, itemID string, qty money.Quantity, date string) (domain.EngExplosion, error) {
	var p erpkit.Problems
	if qty.Sign() <= 0 {
		p.Add("quantity", domain.KeyExplodeQuantity, "Enter a quantity above 0")
	}
	p.Date("date", date, true)
	if err := p.Err(); err != nil {
		return domain.EngExplosion{}, err
	}
	c, err := s.catalog()
	if err != nil {
		return domain.EngExplosion{}, err
	}
	item, err := c.LookupItem(ctx, itemID)
	if err != nil {
		return domain.EngExplosion{}, err
	}
	top, err := s.EffectiveBOM(ctx, itemID, date)
	if err != nil {
		return domain.EngExplosion{}, err
	}
	out := domain.EngExplosion{ItemID: item.ID, ItemCode: item.Code, ItemName: item.Name, Quantity: qty, Date: date,
		BOMID: top.ID, Version: top.Version, Lines: []domain.EngExplodedLine{}}
	x := exploder{s: s, date: date, boms: map[string]*domain.EngBOM{top.ItemID: &top}}
	var n int
	if err := x.walk(ctx, &top, qty, 1, "", "", &n, &out.Lines); err != nil {
		return domain.EngExplosion{}, err
	}
	return out, nil
}

type exploder struct {
	s    *Service
	date string
	boms map[string]*domain.EngBOM // effective BOM by item; nil when none
	// depth counts the BOMs being walked, phantoms included.
	depth int
}

func (x *exploder) effective(ctx context.Context, itemID string) (*domain.EngBOM, error) {
	if b, ok := x.boms[itemID]; ok {
		return b, nil
	}
	b, err := x.s.EffectiveBOM(ctx, itemID, x.date)
	if apperr.IsKind(err, apperr.KindNotFound) {
		x.boms[itemID] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	x.boms[itemID] = &b
	return &b, nil
}

// walk appends the lines of bom needed for qty of its item.
// n counts the lines of the level so far, for their positions.
func (x *exploder) walk(ctx context.Context, bom *domain.EngBOM, qty money.Quantity, level int, path, via string, n *int, out *[]domain.EngExplodedLine) error {
	x.depth++
	defer func() { x.depth-- }()
	if x.depth > maxLevels {
		return apperr.Invalid("item", domain.KeyCycle, "The structure is too deep; it may hold a cycle")
	}
	for _, l := range bom.Lines {
		per, err := quotient(l.Quantity, bom.BaseQuantity)
		if err != nil {
			return err
		}
		gross, err := Gross(qty, l.Quantity, bom.BaseQuantity, l.Scrap)
		if err != nil {
			return err
		}
		sub, err := x.effective(ctx, l.ComponentID)
		if err != nil {
			return err
		}
		if l.Phantom && sub != nil {
			// A phantom is never stocked: its components take its place.
			if err := x.walk(ctx, sub, gross, level, path, l.ComponentCode, n, out); err != nil {
				return err
			}
			continue
		}
		*n++
		pos := strconv.Itoa(*n)
		if path != "" {
			pos = path + "." + pos
		}
		*out = append(*out, domain.EngExplodedLine{Level: level, Path: pos, ParentID: bom.ItemID, ComponentID: l.ComponentID,
			ComponentCode: l.ComponentCode, ComponentName: l.ComponentName, UoM: l.UoM, QuantityPer: per, Scrap: l.Scrap,
			Gross: gross, Via: via, BOMID: bom.ID, BOMVersion: bom.Version, OperationSeq: l.OperationSeq, HasBOM: sub != nil})
		if sub != nil {
			var m int
			if err := x.walk(ctx, sub, gross, level+1, pos, "", &m, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// Gross is what qty of a parent needs of a line: qty × quantity ÷ base ×
// (1 + scrap), rounded half up to the quantity's six decimals.
func Gross(qty, quantity, base money.Quantity, scrap money.Rate) (money.Quantity, error) {
	one := decimal.One
	factor, err := one.Add(scrap.Decimal())
	if err != nil {
		return money.Quantity{}, err
	}
	d, err := qty.Decimal().Mul(quantity.Decimal())
	if err != nil {
		return money.Quantity{}, err
	}
	d, err = d.Mul(factor)
	if err != nil {
		return money.Quantity{}, err
	}
	d, err = d.Quo(base.Decimal())
	if err != nil {
		return money.Quantity{}, err
	}
	return money.QuantityFromDecimal(d, money.RoundHalfUp)
}

func quotient(q, base money.Quantity) (money.Quantity, error) {
	d, err := q.Decimal().Quo(base.Decimal())
	if err != nil {
		return money.Quantity{}, err
	}
	return money.QuantityFromDecimal(d, money.RoundHalfUp)
}

// WhereUsed lists every BOM (all versions and statuses) that has the item
// as a component (level 1), then every BOM that has one of those parents as
// a component (level 2), and so on up to the top items. Each parent item
// is followed up once, so a structure reached by two paths is not listed
// twice above it.
func (s *Service) WhereUsed(ctx context.Context, itemID string) ([]domain.EngWhereUsed, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	out := []domain.EngWhereUsed{}
	seen := map[string]bool{itemID: true}
	frontier := []string{itemID}
	for level := 1; len(frontier) > 0; level++ {
		var next []string
		for _, component := range frontier {
			rows, err := s.usedIn(ctx, component)
			if err != nil {
				return nil, err
			}
			for _, w := range rows {
				w.Level = level
				out = append(out, w)
				if !seen[w.ParentID] {
					seen[w.ParentID] = true
					next = append(next, w.ParentID)
				}
			}
		}
		frontier = next
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	c, err := s.catalog()
	if err != nil {
		return nil, err
	}
	items, err := c.LookupItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].ParentCode, out[i].ParentName = items[out[i].ParentID].Code, items[out[i].ParentID].Name
		out[i].ComponentCode = items[out[i].ComponentID].Code
	}
	return out, nil
}

// usedIn lists the BOM lines that have component, with their BOMs.
func (s *Service) usedIn(ctx context.Context, component string) ([]domain.EngWhereUsed, error) {
	rows, err := s.DB.Query(ctx, `SELECT b.id, b.item_id, b.version, b.status, b.effective_from, b.effective_to, b.base_quantity,
		l.quantity, l.scrap, l.phantom FROM eng_bom_line l JOIN eng_bom b ON b.id = l.bom_id
		WHERE l.component_id = $1 ORDER BY b.item_id, b.effective_from, l.line_no`, component)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.EngWhereUsed
	for rows.Next() {
		var (
			w       domain.EngWhereUsed
			phantom int
		)
		if err := rows.Scan(&w.BOMID, &w.ParentID, &w.Version, &w.Status, &w.EffectiveFrom, &w.EffectiveTo, &w.BaseQuantity,
			&w.Quantity, &w.Scrap, &phantom); err != nil {
			return nil, err
		}
		w.Phantom, w.ComponentID = phantom == 1, component
		out = append(out, w)
	}
	return out, rows.Err()
}

// ItemByRef finds an item by id or code for the screens and the API,
// naming field when there is none.
func (s *Service) ItemByRef(ctx context.Context, field, ref string) (catalog.Item, error) {
	it, ok, err := s.LookupItem(ctx, ref)
	if err != nil {
		return it, err
	}
	if !ok {
		if ref == "" {
			return it, apperr.Invalid(field, erpkit.KeyRequired, "This field is required")
		}
		return it, apperr.InvalidFields(apperr.FieldError{Field: field, Key: domain.KeyItemUnknown,
			Message: "No item has the code {{.Value}}", Params: map[string]any{"Value": ref}})
	}
	return it, nil
}
