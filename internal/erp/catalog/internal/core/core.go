// Package core is the catalog's service: it checks permissions and rules,
// reads and writes the cat_ tables, records every change in the audit log
// and sends erp.item.upserted for every change of an item, all in one
// transaction.
package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Usage tells whether stock or documents refer to an item, which freezes
// its base unit of measure and its tracking.
type Usage interface {
	ItemInUse(ctx context.Context, itemID string) (bool, error)
}

// Service is the catalog's service.
type Service struct {
	DB  *db.DB
	Now func() time.Time
	// Usage returns the module that knows whether an item is in use, or nil.
	Usage func() Usage
}

// Audit entity kinds.
const (
	kindItem     = "erp.catalog.item"
	kindCategory = "erp.catalog.category"
	kindUoM      = "erp.catalog.uom"
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.DB, audit.Entry{Action: action, EntityKind: kind, EntityID: id, Before: before, After: after})
}

// ---- units of measure ----

const uomCols = `id, code, name, name_en, decimals, status, created_at, updated_at`

func scanUoM(sc interface{ Scan(...any) error }) (domain.CatalogUoM, error) {
	var (
		u            domain.CatalogUoM
		created, upd int64
	)
	err := sc.Scan(&u.ID, &u.Code, &u.Name, &u.NameEN, &u.Precision, &u.Status, &created, &upd)
	u.CreatedAt, u.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return u, err
}

// UoMs lists every unit of measure by code.
func (s *Service) UoMs(ctx context.Context) ([]domain.CatalogUoM, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.uoms(ctx)
}

func (s *Service) uoms(ctx context.Context) ([]domain.CatalogUoM, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+uomCols+` FROM cat_uom ORDER BY code_key`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list units: %w", err)
	}
	defer rows.Close()
	out := []domain.CatalogUoM{}
	for rows.Next() {
		u, err := scanUoM(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UoM returns one unit of measure.
func (s *Service) UoM(ctx context.Context, id string) (domain.CatalogUoM, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.CatalogUoM{}, err
	}
	return s.uom(ctx, id)
}

func (s *Service) uom(ctx context.Context, id string) (domain.CatalogUoM, error) {
	u, err := scanUoM(s.DB.QueryRow(ctx, `SELECT `+uomCols+` FROM cat_uom WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.NotFound("unit of measure", id)
	}
	return u, err
}

// CreateUoM adds a unit of measure.
func (s *Service) CreateUoM(ctx context.Context, in domain.CatalogUoMInput) (domain.CatalogUoM, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogUoM{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.CatalogUoM{}, err
	}
	var out domain.CatalogUoM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		id := db.NewID()
		_, err := s.DB.Exec(ctx, `INSERT INTO cat_uom (`+uomCols+`, code_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
			id, in.Code, in.Name, in.NameEN, in.Precision, in.Status, now, erpkit.CodeKey(in.Code))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("catalog: create unit: %w", err)
		}
		if out, err = s.uom(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.catalog.uom.created", kindUoM, id, nil, out)
	})
	return out, err
}

// UpdateUoM changes a unit of measure. Its decimals can only grow while
// items use it, and every item using it is sent again when it changes.
func (s *Service) UpdateUoM(ctx context.Context, id string, in domain.CatalogUoMInput) (domain.CatalogUoM, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogUoM{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.CatalogUoM{}, err
	}
	var out domain.CatalogUoM
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.uom(ctx, id)
		if err != nil {
			return err
		}
		if in.Precision < before.Precision {
			var n int
			if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM cat_item WHERE uom_id = $1 OR purchase_uom_id = $1 OR sales_uom_id = $1`, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return apperr.Invalid("precision", domain.KeyPrecisionLower, "Items use this unit, so its decimal places cannot be reduced")
			}
		}
		_, err = s.DB.Exec(ctx, `UPDATE cat_uom SET code = $2, code_key = $3, name = $4, name_en = $5, decimals = $6, status = $7, updated_at = $8 WHERE id = $1`,
			id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.NameEN, in.Precision, in.Status, db.Millis(s.now()))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("catalog: update unit: %w", err)
		}
		if out, err = s.uom(ctx, id); err != nil {
			return err
		}
		if err := s.record(ctx, "erp.catalog.uom.updated", kindUoM, id, before, out); err != nil {
			return err
		}
		if before.Code != out.Code || before.Precision != out.Precision {
			return s.emitWhere(ctx, `i.uom_id = $1`, id)
		}
		return nil
	})
	return out, err
}

// ---- categories ----

const categoryCols = `c.id, c.code, c.name, c.name_en, COALESCE(c.parent_id, ''), c.status, c.created_at, c.updated_at,
	(SELECT count(*) FROM cat_item i WHERE i.category_id = c.id)`

func scanCategory(sc interface{ Scan(...any) error }) (domain.CatalogCategory, error) {
	var (
		c            domain.CatalogCategory
		created, upd int64
	)
	err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.NameEN, &c.ParentID, &c.Status, &created, &upd, &c.Items)
	c.CreatedAt, c.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return c, err
}

// Categories lists every category by code.
func (s *Service) Categories(ctx context.Context) ([]domain.CatalogCategory, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.categories(ctx)
}

func (s *Service) categories(ctx context.Context) ([]domain.CatalogCategory, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+categoryCols+` FROM cat_category c ORDER BY c.code_key`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list categories: %w", err)
	}
	defer rows.Close()
	out := []domain.CatalogCategory{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, id string) (domain.CatalogCategory, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.CatalogCategory{}, err
	}
	return s.category(ctx, id)
}

func (s *Service) category(ctx context.Context, id string) (domain.CatalogCategory, error) {
	c, err := scanCategory(s.DB.QueryRow(ctx, `SELECT `+categoryCols+` FROM cat_category c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("category", id)
	}
	return c, err
}

// CreateCategory adds a category.
func (s *Service) CreateCategory(ctx context.Context, in domain.CatalogCategoryInput) (domain.CatalogCategory, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogCategory{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.CatalogCategory{}, err
	}
	var out domain.CatalogCategory
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		id := db.NewID()
		if err := s.checkParent(ctx, id, in.ParentID); err != nil {
			return err
		}
		now := db.Millis(s.now())
		_, err := s.DB.Exec(ctx, `INSERT INTO cat_category (id, code, code_key, name, name_en, parent_id, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.NameEN, nullable(in.ParentID), in.Status, now)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("catalog: create category: %w", err)
		}
		if out, err = s.category(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.catalog.category.created", kindCategory, id, nil, out)
	})
	return out, err
}

// UpdateCategory changes a category; its items are sent again when its name changes.
func (s *Service) UpdateCategory(ctx context.Context, id string, in domain.CatalogCategoryInput) (domain.CatalogCategory, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogCategory{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.CatalogCategory{}, err
	}
	var out domain.CatalogCategory
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.category(ctx, id)
		if err != nil {
			return err
		}
		if err := s.checkParent(ctx, id, in.ParentID); err != nil {
			return err
		}
		_, err = s.DB.Exec(ctx, `UPDATE cat_category SET code = $2, code_key = $3, name = $4, name_en = $5, parent_id = $6, status = $7, updated_at = $8 WHERE id = $1`,
			id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.NameEN, nullable(in.ParentID), in.Status, db.Millis(s.now()))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("catalog: update category: %w", err)
		}
		if out, err = s.category(ctx, id); err != nil {
			return err
		}
		if err := s.record(ctx, "erp.catalog.category.updated", kindCategory, id, before, out); err != nil {
			return err
		}
		if before.Name != out.Name {
			return s.emitWhere(ctx, `i.category_id = $1`, id)
		}
		return nil
	})
	return out, err
}

// checkParent refuses a parent that does not exist or that would make a cycle.
func (s *Service) checkParent(ctx context.Context, id, parent string) error {
	bad := apperr.Invalid("parent_id", domain.KeyParentInvalid, "Choose another category as the parent")
	for hops := 0; parent != ""; hops++ {
		if parent == id || hops > 64 {
			return bad
		}
		var next sql.NullString
		err := s.DB.QueryRow(ctx, `SELECT parent_id FROM cat_category WHERE id = $1`, parent).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			return bad
		}
		if err != nil {
			return err
		}
		parent = next.String
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---- items ----

const itemSelect = `SELECT i.id, i.code, i.name, i.name_en, i.spec, i.kind, i.category_id, c.name, i.tracking,
	i.uom_id, u.code, u.decimals, i.purchase_uom_id, pu.code, i.purchase_factor, i.sales_uom_id, su.code, i.sales_factor,
	i.vat_rate, i.lead_time_days, i.list_price, i.floor_price, i.currency, i.sellable, i.status, i.revision, i.version,
	i.created_at, i.updated_at
	FROM cat_item i
	JOIN cat_category c ON c.id = i.category_id
	JOIN cat_uom u ON u.id = i.uom_id
	JOIN cat_uom pu ON pu.id = i.purchase_uom_id
	JOIN cat_uom su ON su.id = i.sales_uom_id`

func scanItem(sc interface{ Scan(...any) error }) (domain.CatalogItem, error) {
	var (
		it           domain.CatalogItem
		sellable     int
		created, upd int64
	)
	err := sc.Scan(&it.ID, &it.Code, &it.Name, &it.NameEN, &it.Spec, &it.Kind, &it.CategoryID, &it.CategoryName, &it.Tracking,
		&it.UoMID, &it.UoM, &it.UoMPrecision, &it.PurchaseUoMID, &it.PurchaseUoM, &it.PurchaseFactor, &it.SalesUoMID, &it.SalesUoM, &it.SalesFactor,
		&it.VATRate, &it.LeadTimeDays, &it.ListPrice, &it.FloorPrice, &it.Currency, &sellable, &it.Status, &it.Revision, &it.Version,
		&created, &upd)
	it.Sellable = sellable == 1
	it.CreatedAt, it.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return it, err
}

// Item returns one item.
func (s *Service) Item(ctx context.Context, id string) (domain.CatalogItem, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.CatalogItem{}, err
	}
	return s.LookupItem(ctx, id)
}

// LookupItem returns one item without checking permissions, for other
// modules that checked their own.
func (s *Service) LookupItem(ctx context.Context, id string) (domain.CatalogItem, error) {
	if !db.ValidID(id) {
		return domain.CatalogItem{}, apperr.NotFound("item", id)
	}
	it, err := scanItem(s.DB.QueryRow(ctx, itemSelect+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.NotFound("item", id)
	}
	return it, err
}

// LookupItemByCode returns the item with a code (ignoring letter case)
// without checking permissions; a scanner reads codes from labels.
func (s *Service) LookupItemByCode(ctx context.Context, code string) (domain.CatalogItem, error) {
	it, err := scanItem(s.DB.QueryRow(ctx, itemSelect+` WHERE i.code_key = $1`, erpkit.CodeKey(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.NotFound("item", code)
	}
	return it, err
}

// LookupItems returns the items with the given ids that exist, by id,
// without checking permissions.
func (s *Service) LookupItems(ctx context.Context, ids []string) (map[string]domain.CatalogItem, error) {
	out := make(map[string]domain.CatalogItem, len(ids))
	seen := map[string]bool{}
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ph := make([]string, len(batch))
		for i := range batch {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
		rows, err := s.DB.Query(ctx, itemSelect+` WHERE i.id IN (`+strings.Join(ph, ",")+`)`, batch...)
		if err != nil {
			return fmt.Errorf("catalog: look up items: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				return err
			}
			out[it.ID] = it
		}
		batch = batch[:0]
		return rows.Err()
	}
	for _, id := range ids {
		if seen[id] || !db.ValidID(id) {
			continue
		}
		seen[id] = true
		batch = append(batch, id)
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	return out, flush()
}

// LookupLeadTimes returns the lead time in days of the items with the
// given ids that exist, by id, without checking permissions.
func (s *Service) LookupLeadTimes(ctx context.Context, ids []string) (map[string]int, error) {
	out := make(map[string]int, len(ids))
	err := erpkit.Chunks(ids, func(part []string) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.DB.Query(ctx, `SELECT id, lead_time_days FROM cat_item WHERE id IN (`+erpkit.Placeholders(1, len(part))+`)`, args...)
		if err != nil {
			return fmt.Errorf("catalog: look up lead times: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id string
				n  int
			)
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rows.Err()
	})
	return out, err
}

// ItemPage is one page of an item list.
type ItemPage struct {
	Items []domain.CatalogItem
	// Next is the cursor of the next page; empty on the last page.
	Next string
}

// Items lists items matching f.
func (s *Service) Items(ctx context.Context, f domain.ItemFilter) (ItemPage, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return ItemPage{}, err
	}
	ks, err := erpkit.ParseKeyset(f.Sort, "code", domain.ItemSorts, map[string]erpkit.SortColumn{
		"code": {SQL: "i.code_key", Text: true}, "name": {SQL: "i.name", Text: true}, "updated_at": {SQL: "i.updated_at"},
	}, "i.id", f.Cursor)
	if err != nil {
		return ItemPage{}, err
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		where = append(where, `i.search LIKE `+arg("%"+escapeLike(q)+"%")+` ESCAPE '\'`)
	}
	if f.Kind != "" {
		where = append(where, `i.kind = `+arg(string(f.Kind)))
	}
	if f.CategoryID != "" {
		where = append(where, `i.category_id = `+arg(f.CategoryID))
	}
	if f.Status != "" {
		where = append(where, `i.status = `+arg(string(f.Status)))
	}
	if f.Sellable != nil {
		where = append(where, `i.sellable = `+arg(boolInt(*f.Sellable)))
	}
	if w := ks.Where(arg); w != "" {
		where = append(where, w)
	}
	limit := erpkit.Limit(f.Limit)
	q := itemSelect
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ks.OrderBy() + ` LIMIT ` + arg(limit+1)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return ItemPage{}, fmt.Errorf("catalog: list items: %w", err)
	}
	defer rows.Close()
	var items []domain.CatalogItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return ItemPage{}, err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return ItemPage{}, err
	}
	page := ItemPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		last := items[limit-1]
		page.Next, err = ks.Cursor(map[string]any{"code": erpkit.CodeKey(last.Code), "name": last.Name, "updated_at": db.Millis(last.UpdatedAt)}, last.ID)
		if err != nil {
			return ItemPage{}, err
		}
	}
	if page.Items == nil {
		page.Items = []domain.CatalogItem{}
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refs are the units and category an item input names, checked.
type refs struct {
	uom, purchase, sales domain.CatalogUoM
	category             domain.CatalogCategory
}

// checkRefs reports units and a category that do not exist or are inactive.
func (s *Service) checkRefs(ctx context.Context, in domain.CatalogItemInput, p *erpkit.Problems) refs {
	var r refs
	for _, f := range []struct {
		field, id string
		into      *domain.CatalogUoM
	}{{"uom_id", in.UoMID, &r.uom}, {"purchase_uom_id", in.PurchaseUoMID, &r.purchase}, {"sales_uom_id", in.SalesUoMID, &r.sales}} {
		if f.id == "" || p.Has(f.field) {
			continue
		}
		u, err := s.uom(ctx, f.id)
		if err != nil || u.Status != domain.StatusActive {
			p.Add(f.field, domain.KeyUoMUnknown, "Choose an active unit of measure")
			continue
		}
		*f.into = u
	}
	if in.CategoryID != "" && !p.Has("category_id") {
		c, err := s.category(ctx, in.CategoryID)
		if err != nil || c.Status != domain.StatusActive {
			p.Add("category_id", domain.KeyCategoryUnknown, "Choose an active category")
		} else {
			r.category = c
		}
	}
	return r
}

// CreateItem adds an item and sends erp.item.upserted.
func (s *Service) CreateItem(ctx context.Context, in domain.CatalogItemInput) (domain.CatalogItem, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogItem{}, err
	}
	var out domain.CatalogItem
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.createItem(ctx, in)
		return err
	})
	return out, err
}

func (s *Service) createItem(ctx context.Context, in domain.CatalogItemInput) (domain.CatalogItem, error) {
	in.Normalize()
	p := in.Validate()
	s.checkRefs(ctx, in, &p)
	if err := p.Err(); err != nil {
		return domain.CatalogItem{}, err
	}
	id := db.NewID()
	now := db.Millis(s.now())
	_, err := s.DB.Exec(ctx, `INSERT INTO cat_item (id, code, code_key, name, name_en, spec, search, kind, category_id, tracking,
		uom_id, purchase_uom_id, purchase_factor, sales_uom_id, sales_factor, vat_rate, lead_time_days, list_price, floor_price,
		currency, sellable, status, revision, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, '', 1, $23, $23)`,
		id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.NameEN, in.Spec, searchText(in), in.Kind, in.CategoryID, in.Tracking,
		in.UoMID, in.PurchaseUoMID, in.PurchaseFactor, in.SalesUoMID, in.SalesFactor, in.VATRate, in.LeadTimeDays, in.ListPrice, in.FloorPrice,
		in.Currency, boolInt(in.Sellable), in.Status, now)
	if db.IsUniqueViolation(err) {
		return domain.CatalogItem{}, apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
	}
	if err != nil {
		return domain.CatalogItem{}, fmt.Errorf("catalog: create item: %w", err)
	}
	out, err := s.LookupItem(ctx, id)
	if err != nil {
		return out, err
	}
	if err := s.record(ctx, "erp.catalog.item.created", kindItem, id, nil, out); err != nil {
		return out, err
	}
	return out, s.emit(ctx, out)
}

// UpdateItem changes an item last read at version, and sends
// erp.item.upserted. Its code never changes; its base unit and tracking
// change only while no stock or document refers to it.
func (s *Service) UpdateItem(ctx context.Context, id string, version int64, in domain.CatalogItemInput) (domain.CatalogItem, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogItem{}, err
	}
	var out domain.CatalogItem
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.LookupItem(ctx, id)
		if err != nil {
			return err
		}
		if version != before.Version {
			return apperr.Precondition(erpkit.KeyVersion, "Someone else changed this item in the meantime")
		}
		out, err = s.updateItem(ctx, before, in)
		return err
	})
	return out, err
}

func (s *Service) updateItem(ctx context.Context, before domain.CatalogItem, in domain.CatalogItemInput) (domain.CatalogItem, error) {
	in.Code = before.Code
	in.Normalize()
	p := in.Validate()
	s.checkRefs(ctx, in, &p)
	if err := p.Err(); err != nil {
		return domain.CatalogItem{}, err
	}
	if in.UoMID != before.UoMID || in.Tracking != before.Tracking || (in.Kind == domain.KindService) != (before.Kind == domain.KindService) {
		if used, err := s.inUse(ctx, before.ID); err != nil {
			return domain.CatalogItem{}, err
		} else if used {
			var p erpkit.Problems
			for _, f := range []struct {
				field   string
				changed bool
			}{{"uom_id", in.UoMID != before.UoMID}, {"tracking", in.Tracking != before.Tracking}, {"kind", in.Kind != before.Kind}} {
				if f.changed {
					p.Add(f.field, domain.KeyInUse, "Stock or documents use this item, so this cannot change any more")
				}
			}
			return domain.CatalogItem{}, p.Err()
		}
	}
	n, err := s.DB.ExecAffected(ctx, `UPDATE cat_item SET name = $3, name_en = $4, spec = $5, search = $6, kind = $7, category_id = $8,
		tracking = $9, uom_id = $10, purchase_uom_id = $11, purchase_factor = $12, sales_uom_id = $13, sales_factor = $14,
		vat_rate = $15, lead_time_days = $16, list_price = $17, floor_price = $18, currency = $19, sellable = $20, status = $21,
		version = version + 1, updated_at = $22
		WHERE id = $1 AND version = $2`,
		before.ID, before.Version, in.Name, in.NameEN, in.Spec, searchText(in), in.Kind, in.CategoryID,
		in.Tracking, in.UoMID, in.PurchaseUoMID, in.PurchaseFactor, in.SalesUoMID, in.SalesFactor,
		in.VATRate, in.LeadTimeDays, in.ListPrice, in.FloorPrice, in.Currency, boolInt(in.Sellable), in.Status,
		db.Millis(s.now()))
	if err != nil {
		return domain.CatalogItem{}, fmt.Errorf("catalog: update item: %w", err)
	}
	if n == 0 {
		return domain.CatalogItem{}, apperr.Precondition(erpkit.KeyVersion, "Someone else changed this item in the meantime")
	}
	out, err := s.LookupItem(ctx, before.ID)
	if err != nil {
		return out, err
	}
	if err := s.record(ctx, "erp.catalog.item.updated", kindItem, out.ID, before, out); err != nil {
		return out, err
	}
	return out, s.emit(ctx, out)
}

func (s *Service) inUse(ctx context.Context, itemID string) (bool, error) {
	if s.Usage == nil {
		return false, nil
	}
	u := s.Usage()
	if u == nil {
		return false, nil
	}
	return u.ItemInUse(ctx, itemID)
}

func searchText(in domain.CatalogItemInput) string {
	return strings.ToLower(strings.Join([]string{in.Code, in.Name, in.NameEN, in.Spec}, " "))
}

// Revisions lists an item's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, itemID string) ([]domain.CatalogRevision, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, item_id, revision, note, effective_date, created_by, created_at
		FROM cat_item_revision WHERE item_id = $1 ORDER BY created_at DESC, id DESC`, itemID)
	if err != nil {
		return nil, fmt.Errorf("catalog: list revisions: %w", err)
	}
	defer rows.Close()
	out := []domain.CatalogRevision{}
	for rows.Next() {
		var (
			r  domain.CatalogRevision
			at int64
		)
		if err := rows.Scan(&r.ID, &r.ItemID, &r.Revision, &r.Note, &r.EffectiveDate, &r.CreatedBy, &at); err != nil {
			return nil, err
		}
		r.CreatedAt = db.FromMillis(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRevision starts a new engineering revision of an item, which becomes
// its current revision.
func (s *Service) AddRevision(ctx context.Context, itemID string, in domain.CatalogRevisionInput) (domain.CatalogRevision, error) {
	if _, err := erpkit.Require(ctx, domain.PermManage); err != nil {
		return domain.CatalogRevision{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.CatalogRevision{}, err
	}
	if in.EffectiveDate == "" {
		in.EffectiveDate = erpkit.Today(s.now())
	}
	r := domain.CatalogRevision{ID: db.NewID(), ItemID: itemID, Revision: in.Revision, Note: in.Note,
		EffectiveDate: in.EffectiveDate, CreatedBy: erpkit.Actor(ctx), CreatedAt: db.FromMillis(db.Millis(s.now()))}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.LookupItem(ctx, itemID)
		if err != nil {
			return err
		}
		if before.Revision == in.Revision {
			return apperr.Invalid("revision", domain.KeyRevisionSame, "This is already the current revision")
		}
		_, err = s.DB.Exec(ctx, `INSERT INTO cat_item_revision (id, item_id, revision, note, effective_date, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.ItemID, r.Revision, r.Note, r.EffectiveDate, r.CreatedBy, db.Millis(r.CreatedAt))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("revision", domain.KeyRevisionTaken, "This item already had this revision")
		}
		if err != nil {
			return fmt.Errorf("catalog: add revision: %w", err)
		}
		if _, err := s.DB.Exec(ctx, `UPDATE cat_item SET revision = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			itemID, r.Revision, db.Millis(s.now())); err != nil {
			return err
		}
		return s.record(ctx, "erp.catalog.item.revised", kindItem, itemID, map[string]any{"revision": before.Revision}, r)
	})
	return r, err
}

// emit sends erp.item.upserted for an item.
func (s *Service) emit(ctx context.Context, it domain.CatalogItem) error {
	_, err := outbox.Emit(ctx, s.DB, domain.EventItemUpserted, 1, it.ID, it.Upserted())
	return err
}

// emitWhere sends erp.item.upserted for every item matching a condition on i.
func (s *Service) emitWhere(ctx context.Context, cond string, args ...any) error {
	rows, err := s.DB.Query(ctx, itemSelect+` WHERE `+cond+` ORDER BY i.id`, args...)
	if err != nil {
		return err
	}
	var items []domain.CatalogItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, it := range items {
		if err := s.emit(ctx, it); err != nil {
			return err
		}
	}
	return nil
}
