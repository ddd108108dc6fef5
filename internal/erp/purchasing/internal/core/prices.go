package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

const priceCols = `id, supplier_id, item_id, currency, min_quantity, unit_price, lead_time_days, valid_from, valid_to, inspection, created_at`

func scanPrice(sc interface{ Scan(...any) error }) (domain.PurchasePrice, error) {
	var (
		p          domain.PurchasePrice
		insp, when int64
	)
	err := sc.Scan(&p.ID, &p.SupplierID, &p.ItemID, &p.Currency, &p.MinQuantity, &p.UnitPrice, &p.LeadTimeDays, &p.ValidFrom,
		&p.ValidTo, &insp, &when)
	p.Inspection, p.CreatedAt = scanBool(insp), db.FromMillis(when)
	return p, err
}

// PriceFilter selects prices.
type PriceFilter struct {
	SupplierID, ItemID string
}

// Prices lists price-list entries by supplier, item and quantity break.
func (s *Service) Prices(ctx context.Context, f PriceFilter) ([]domain.PurchasePrice, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	return s.prices(ctx, f)
}

func (s *Service) prices(ctx context.Context, f PriceFilter) ([]domain.PurchasePrice, error) {
	cat, _, partners, err := s.deps()
	if err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.SupplierID != "" {
		args = append(args, f.SupplierID)
		where = append(where, fmt.Sprintf("supplier_id = $%d", len(args)))
	}
	if f.ItemID != "" {
		args = append(args, f.ItemID)
		where = append(where, fmt.Sprintf("item_id = $%d", len(args)))
	}
	q := `SELECT ` + priceCols + ` FROM pur_price`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY supplier_id, item_id, min_quantity, valid_from LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("purchasing: list prices: %w", err)
	}
	out := []domain.PurchasePrice{}
	var itemIDs []string
	for rows.Next() {
		p, err := scanPrice(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
		itemIDs = append(itemIDs, p.ItemID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := cat.LookupItems(ctx, itemIDs)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for i := range out {
		p := &out[i]
		if it, ok := items[p.ItemID]; ok {
			p.ItemCode, p.ItemName, p.UoM = it.Code, it.Name, it.PurchaseUoM
		}
		if n, ok := names[p.SupplierID]; ok {
			p.SupplierName = n
			continue
		}
		if sup, err := partners.LookupSupplier(ctx, p.SupplierID); err == nil {
			names[p.SupplierID], p.SupplierName = sup.Name, sup.Name
		}
	}
	return out, nil
}

// supplier checks that a supplier exists and is active, naming field.
func supplierOf(ctx context.Context, partners partner.Partners, id, field string, p *erpkit.Problems) (partner.Supplier, error) {
	sup, err := partners.LookupSupplier(ctx, id)
	switch {
	case apperr.IsKind(err, apperr.KindNotFound):
		p.Add(field, domain.KeySupplierUnknown, "Choose a supplier")
	case err != nil:
		return sup, err
	case sup.Status != partner.StatusActive:
		p.Add(field, domain.KeySupplierInactive, "This supplier is not active")
	}
	return sup, nil
}

// AddPrice adds an entry to a supplier's price list.
func (s *Service) AddPrice(ctx context.Context, in domain.PurchasePriceInput) (domain.PurchasePrice, error) {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return domain.PurchasePrice{}, err
	}
	cat, _, partners, err := s.deps()
	if err != nil {
		return domain.PurchasePrice{}, err
	}
	in.Normalize()
	p := in.Validate()
	var sup partner.Supplier
	if in.SupplierID != "" {
		if sup, err = supplierOf(ctx, partners, in.SupplierID, "supplier_id", &p); err != nil {
			return domain.PurchasePrice{}, err
		}
	}
	var it catalog.Item
	if in.Item != "" {
		items, err := s.items(ctx, cat, []string{in.Item})
		if err != nil {
			return domain.PurchasePrice{}, err
		}
		var ok bool
		if it, ok = items[in.Item]; !ok {
			p.Add("item", domain.KeyItemUnknown, "No item has this code")
		}
	}
	if err := p.Err(); err != nil {
		return domain.PurchasePrice{}, err
	}
	out := domain.PurchasePrice{ID: db.NewID(), SupplierID: sup.ID, SupplierName: sup.Name, ItemID: it.ID, ItemCode: it.Code, ItemName: it.Name,
		UoM: it.PurchaseUoM, Currency: in.Currency, MinQuantity: in.MinQuantity, UnitPrice: in.UnitPrice, LeadTimeDays: in.LeadTimeDays,
		ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, Inspection: in.Inspection, CreatedAt: s.now().UTC().Truncate(1e6)}
	if out.Currency == "" {
		out.Currency = sup.Currency
	}
	if out.Currency == "" {
		out.Currency = "CNY"
	}
	if out.ValidFrom == "" {
		out.ValidFrom = s.today()
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.Exec(ctx, `INSERT INTO pur_price (`+priceCols+`, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			out.ID, out.SupplierID, out.ItemID, out.Currency, out.MinQuantity, out.UnitPrice, out.LeadTimeDays, out.ValidFrom, out.ValidTo,
			boolInt(out.Inspection), db.Millis(out.CreatedAt), erpkit.Actor(ctx)); err != nil {
			return fmt.Errorf("purchasing: add price: %w", err)
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.price.created", EntityKind: "erp.purchasing.price",
			EntityID: out.ID, After: out})
	})
	return out, err
}

// DeletePrice removes an entry from a price list; orders keep their prices.
func (s *Service) DeletePrice(ctx context.Context, id string) error {
	if _, err := erpkit.Require(ctx, domain.PermWrite); err != nil {
		return err
	}
	if !db.ValidID(id) {
		return apperr.NotFound("price", id)
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := scanPrice(s.DB.QueryRow(ctx, `SELECT `+priceCols+` FROM pur_price WHERE id = $1`, id))
		if err != nil {
			return apperr.NotFound("price", id)
		}
		if _, err := s.DB.Exec(ctx, `DELETE FROM pur_price WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.purchasing.price.deleted", EntityKind: "erp.purchasing.price",
			EntityID: id, Before: before})
	})
}

// bestPrice returns the price a supplier asks for qty of an item on date:
// the valid entry with the highest minimum quantity not above qty.
func (s *Service) bestPrice(ctx context.Context, supplierID, itemID string, qty money.Quantity, date string) (domain.PurchasePrice, bool, error) {
	p, err := scanPrice(s.DB.QueryRow(ctx, `SELECT `+priceCols+` FROM pur_price WHERE supplier_id = $1 AND item_id = $2
		AND min_quantity <= $3 AND valid_from <= $4 AND (valid_to = '' OR valid_to >= $4)
		ORDER BY min_quantity DESC, valid_from DESC LIMIT 1`, supplierID, itemID, qty, date))
	if err != nil {
		if noRows(err) {
			return p, false, nil
		}
		return p, false, err
	}
	return p, true, nil
}

// preferredSupplier returns the supplier with the lowest valid price for an
// item (ties: the shortest lead time), or "" when no price list has it.
func (s *Service) preferredSupplier(ctx context.Context, itemID, date string) (string, error) {
	var id string
	err := s.DB.QueryRow(ctx, `SELECT supplier_id FROM pur_price WHERE item_id = $1 AND valid_from <= $2
		AND (valid_to = '' OR valid_to >= $2) ORDER BY unit_price, lead_time_days, supplier_id LIMIT 1`, itemID, date).Scan(&id)
	if noRows(err) {
		return "", nil
	}
	return id, err
}
