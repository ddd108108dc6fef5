// Package core is the inventory's service: warehouses and locations, the
// append-only stock ledger and the balances it keeps in the same
// transaction, moving-average valuation, reservations, available-to-promise
// and the availability events CRM quotes from.
//
// Locks are always taken in one order, so concurrent transactions on
// PostgreSQL never deadlock: an item's valuation row (inv_item_cost) first,
// then stock rows (inv_stock) by item and warehouse, then balances
// (inv_balance) by item, location and lot, and the availability snapshot
// (inv_avail) last, each set sorted by its key.
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
	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Service is the inventory's service.
type Service struct {
	DB      *db.DB
	Now     func() time.Time
	Catalog catalog.Catalog
	// Poster returns the finance module's Poster, or nil when finance is
	// not running; it is looked up at posting time.
	Poster func() finance.Poster
	// Currency is the currency stock is valued in.
	Currency string
	// Partners returns the partner module's Partners (names of suppliers
	// and customers on traceability screens), or nil.
	Partners func() partner.Partners
	// Shipments returns the sales module's ShipmentDetails, or nil.
	Shipments func() domain.ShipmentDetails
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return erpkit.Today(s.now()) }

func (s *Service) currency() string {
	if s.Currency != "" {
		return s.Currency
	}
	return "CNY"
}

// forUpdate is the locking clause of a SELECT that locks the rows it reads
// on PostgreSQL; SQLite's single writer needs none.
func (s *Service) forUpdate() string {
	if s.DB.Engine == db.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.DB, audit.Entry{Action: action, EntityKind: kind, EntityID: id, Before: before, After: after})
}

// ---- warehouses ----

const warehouseCols = `id, code, name, address, is_default, status, created_at, updated_at`

func scanWarehouse(sc interface{ Scan(...any) error }) (domain.InventoryWarehouse, error) {
	var (
		w            domain.InventoryWarehouse
		def          int
		created, upd int64
	)
	err := sc.Scan(&w.ID, &w.Code, &w.Name, &w.Address, &def, &w.Status, &created, &upd)
	w.IsDefault = def == 1
	w.CreatedAt, w.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return w, err
}

// Warehouses lists the warehouses by code.
func (s *Service) Warehouses(ctx context.Context) ([]domain.InventoryWarehouse, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.warehouses(ctx)
}

func (s *Service) warehouses(ctx context.Context) ([]domain.InventoryWarehouse, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+warehouseCols+` FROM inv_warehouse ORDER BY code_key`)
	if err != nil {
		return nil, fmt.Errorf("inventory: list warehouses: %w", err)
	}
	defer rows.Close()
	out := []domain.InventoryWarehouse{}
	for rows.Next() {
		w, err := scanWarehouse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// LookupWarehouses lists the active warehouses by code without checking
// permissions, for other modules' forms.
func (s *Service) LookupWarehouses(ctx context.Context) ([]domain.InventoryWarehouse, error) {
	all, err := s.warehouses(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, w := range all {
		if w.Status == domain.StatusActive {
			out = append(out, w)
		}
	}
	return out, nil
}

// Warehouse returns one warehouse.
func (s *Service) Warehouse(ctx context.Context, id string) (domain.InventoryWarehouse, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.InventoryWarehouse{}, err
	}
	return s.LookupWarehouse(ctx, id)
}

// LookupWarehouse returns a warehouse by id without checking permissions.
func (s *Service) LookupWarehouse(ctx context.Context, id string) (domain.InventoryWarehouse, error) {
	w, err := scanWarehouse(s.DB.QueryRow(ctx, `SELECT `+warehouseCols+` FROM inv_warehouse WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, apperr.NotFound("warehouse", id)
	}
	return w, err
}

// DefaultWarehouse returns the warehouse sales ship from unless told
// otherwise: the one marked default, else the first active one by code.
func (s *Service) DefaultWarehouse(ctx context.Context) (domain.InventoryWarehouse, error) {
	w, err := scanWarehouse(s.DB.QueryRow(ctx, `SELECT `+warehouseCols+` FROM inv_warehouse
		WHERE status = 'active' ORDER BY is_default DESC, code_key LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return w, apperr.Invalid("warehouse_id", domain.KeyWarehouseUnknown, "Set up a warehouse first")
	}
	return w, err
}

// CreateWarehouse adds a warehouse.
func (s *Service) CreateWarehouse(ctx context.Context, in domain.InventoryWarehouseInput) (domain.InventoryWarehouse, error) {
	if _, err := erpkit.Require(ctx, domain.PermWarehouse); err != nil {
		return domain.InventoryWarehouse{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.InventoryWarehouse{}, err
	}
	var out domain.InventoryWarehouse
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		id, now := db.NewID(), db.Millis(s.now())
		if in.IsDefault {
			if _, err := s.DB.Exec(ctx, `UPDATE inv_warehouse SET is_default = 0 WHERE is_default = 1`); err != nil {
				return err
			}
		}
		_, err := s.DB.Exec(ctx, `INSERT INTO inv_warehouse (id, code, code_key, name, address, is_default, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.Address, boolInt(in.IsDefault), in.Status, now)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("inventory: create warehouse: %w", err)
		}
		if out, err = s.LookupWarehouse(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.warehouse.created", "erp.inventory.warehouse", id, nil, out)
	})
	return out, err
}

// UpdateWarehouse changes a warehouse.
func (s *Service) UpdateWarehouse(ctx context.Context, id string, in domain.InventoryWarehouseInput) (domain.InventoryWarehouse, error) {
	if _, err := erpkit.Require(ctx, domain.PermWarehouse); err != nil {
		return domain.InventoryWarehouse{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.InventoryWarehouse{}, err
	}
	var out domain.InventoryWarehouse
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.LookupWarehouse(ctx, id)
		if err != nil {
			return err
		}
		if in.IsDefault {
			if _, err := s.DB.Exec(ctx, `UPDATE inv_warehouse SET is_default = 0 WHERE is_default = 1 AND id <> $1`, id); err != nil {
				return err
			}
		}
		_, err = s.DB.Exec(ctx, `UPDATE inv_warehouse SET code = $2, code_key = $3, name = $4, address = $5, is_default = $6, status = $7, updated_at = $8 WHERE id = $1`,
			id, in.Code, erpkit.CodeKey(in.Code), in.Name, in.Address, boolInt(in.IsDefault), in.Status, db.Millis(s.now()))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("inventory: update warehouse: %w", err)
		}
		if out, err = s.LookupWarehouse(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.warehouse.updated", "erp.inventory.warehouse", id, before, out)
	})
	return out, err
}

// ---- locations ----

const locationSelect = `SELECT l.id, l.warehouse_id, w.code, l.code, l.name, l.type, l.status, l.created_at, l.updated_at
	FROM inv_location l JOIN inv_warehouse w ON w.id = l.warehouse_id`

func scanLocation(sc interface{ Scan(...any) error }) (domain.InventoryLocation, error) {
	var (
		l            domain.InventoryLocation
		created, upd int64
	)
	err := sc.Scan(&l.ID, &l.WarehouseID, &l.WarehouseCode, &l.Code, &l.Name, &l.Type, &l.Status, &created, &upd)
	l.CreatedAt, l.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return l, err
}

// Locations lists the locations of a warehouse (all when warehouseID is empty) by code.
func (s *Service) Locations(ctx context.Context, warehouseID string) ([]domain.InventoryLocation, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	q, args := locationSelect, []any{}
	if warehouseID != "" {
		q += ` WHERE l.warehouse_id = $1`
		args = append(args, warehouseID)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY w.code_key, l.code_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("inventory: list locations: %w", err)
	}
	defer rows.Close()
	out := []domain.InventoryLocation{}
	for rows.Next() {
		l, err := scanLocation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LookupLocation returns a location by id or by code (ignoring letter
// case), as a scanner reads it, without checking permissions.
func (s *Service) LookupLocation(ctx context.Context, ref string) (domain.InventoryLocation, error) {
	ref = strings.TrimSpace(ref)
	var row *sql.Row
	if db.ValidID(ref) {
		row = s.DB.QueryRow(ctx, locationSelect+` WHERE l.id = $1`, ref)
	} else {
		row = s.DB.QueryRow(ctx, locationSelect+` WHERE l.code_key = $1`, erpkit.CodeKey(ref))
	}
	l, err := scanLocation(row)
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.NotFound("location", ref)
	}
	return l, err
}

// CreateLocation adds a location to a warehouse.
func (s *Service) CreateLocation(ctx context.Context, warehouseID string, in domain.InventoryLocationInput) (domain.InventoryLocation, error) {
	if _, err := erpkit.Require(ctx, domain.PermWarehouse); err != nil {
		return domain.InventoryLocation{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.InventoryLocation{}, err
	}
	var out domain.InventoryLocation
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.LookupWarehouse(ctx, warehouseID); err != nil {
			return err
		}
		id, now := db.NewID(), db.Millis(s.now())
		_, err := s.DB.Exec(ctx, `INSERT INTO inv_location (id, warehouse_id, code, code_key, name, type, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, id, warehouseID, in.Code, erpkit.CodeKey(in.Code), in.Name, in.Type, in.Status, now)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("inventory: create location: %w", err)
		}
		if out, err = s.LookupLocation(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.location.created", "erp.inventory.location", id, nil, out)
	})
	return out, err
}

// UpdateLocation changes a location. Its type cannot change while it holds
// stock, since stock in stock locations is what can be promised.
func (s *Service) UpdateLocation(ctx context.Context, id string, in domain.InventoryLocationInput) (domain.InventoryLocation, error) {
	if _, err := erpkit.Require(ctx, domain.PermWarehouse); err != nil {
		return domain.InventoryLocation{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.InventoryLocation{}, err
	}
	var out domain.InventoryLocation
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.LookupLocation(ctx, id)
		if err != nil {
			return err
		}
		if before.Type != in.Type {
			var n int
			if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM inv_balance WHERE location_id = $1 AND on_hand > 0`, before.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return apperr.Invalid("type", domain.KeyLocationHasStock, "The location holds stock; move it out before changing the type")
			}
		}
		_, err = s.DB.Exec(ctx, `UPDATE inv_location SET code = $2, code_key = $3, name = $4, type = $5, status = $6, updated_at = $7 WHERE id = $1`,
			before.ID, in.Code, erpkit.CodeKey(in.Code), in.Name, in.Type, in.Status, db.Millis(s.now()))
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err != nil {
			return fmt.Errorf("inventory: update location: %w", err)
		}
		if out, err = s.LookupLocation(ctx, before.ID); err != nil {
			return err
		}
		return s.record(ctx, "erp.inventory.location.updated", "erp.inventory.location", before.ID, before, out)
	})
	return out, err
}

// ItemInUse reports whether stock, moves, reservations or schedules refer
// to an item; the catalog then keeps its unit and tracking fixed.
func (s *Service) ItemInUse(ctx context.Context, itemID string) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM inv_move WHERE item_id = $1 LIMIT 1) m) +
		(SELECT count(*) FROM (SELECT 1 FROM inv_reservation WHERE item_id = $1 LIMIT 1) r) +
		(SELECT count(*) FROM (SELECT 1 FROM inv_schedule WHERE item_id = $1 LIMIT 1) x)`, itemID).Scan(&n)
	return n > 0, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
