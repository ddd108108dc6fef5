package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// price resolves a customer's tax-exclusive price of an item: the
// customer's own price for the largest quantity break not above qty, else
// the price list of the customer's level (or of every level) in the
// currency, else the item's list price when the currencies agree.
func (s *Service) price(ctx context.Context, acc *customer.Account, it *catalog.Item, currency string, qty money.Quantity) (money.UnitPrice, quote.PriceSource, error) {
	var p money.UnitPrice
	err := s.db.QueryRow(ctx, `SELECT unit_price FROM crm_customer_price WHERE account_id = $1 AND item_id = $2 AND currency = $3 AND min_qty <= $4
		ORDER BY min_qty DESC LIMIT 1`, acc.ID, it.ID, currency, qty).Scan(&p)
	if err == nil {
		return p, quote.SourceCustomer, nil
	}
	if !isNoRows(err) {
		return p, "", fmt.Errorf("quote: customer price: %w", err)
	}
	err = s.db.QueryRow(ctx, `SELECT i.unit_price FROM crm_price_list_item i JOIN crm_price_list l ON l.id = i.price_list_id
		WHERE l.active = 1 AND l.currency = $1 AND (l.level = $2 OR l.level = '') AND i.item_id = $3 AND i.min_qty <= $4
		ORDER BY CASE WHEN l.level = '' THEN 1 ELSE 0 END, i.min_qty DESC LIMIT 1`, currency, string(acc.Level), it.ID, qty).Scan(&p)
	if err == nil {
		return p, quote.SourceList, nil
	}
	if !isNoRows(err) {
		return p, "", fmt.Errorf("quote: list price: %w", err)
	}
	if it.Currency != "" && it.Currency != currency {
		return p, "", errNoPrice
	}
	return it.ListPrice, quote.SourceItem, nil
}

var errNoPrice = errors.New("quote: no price in the quote's currency")

// PriceOf resolves a customer's price of an item for a quantity.
func (s *Service) PriceOf(ctx context.Context, accountID, itemID, currency string, qty money.Quantity) (*quote.Price, error) {
	if _, err := require(ctx, quote.PermRead); err != nil {
		return nil, err
	}
	var p valid.Problems
	p.ID("account_id", &accountID, true)
	p.ID("item_id", &itemID, true)
	if qty.Sign() <= 0 {
		p.Add("quantity", keyQuantity, "The quantity must be more than zero")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	acc, err := s.customers.Get(ctx, accountID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil, apperr.Invalid("account_id", keyAccountUnknown, "No customer you can see has this id")
	}
	if err != nil {
		return nil, err
	}
	items, err := s.items.ItemsByID(ctx, []string{itemID})
	if err != nil {
		return nil, err
	}
	it, ok := items[itemID]
	if !ok {
		return nil, apperr.Invalid("item_id", keyItemUnknown, "There is no such product")
	}
	if currency == "" {
		currency = acc.Currency
	}
	price, src, err := s.price(ctx, acc, &it, currency, qty)
	if errors.Is(err, errNoPrice) {
		return nil, apperr.Invalid("currency", keyNoPrice, "There is no price of this product in this currency")
	}
	if err != nil {
		return nil, err
	}
	return &quote.Price{ItemID: itemID, Quantity: qty, UnitPrice: price, Source: src, Floor: it.FloorPrice, VATRate: it.VATRate}, nil
}

// PriceLists returns every price list with its prices.
func (s *Service) PriceLists(ctx context.Context) ([]quote.PriceList, error) {
	if _, err := require(ctx, quote.PermRead); err != nil {
		return nil, err
	}
	return s.priceLists(ctx, "")
}

func (s *Service) priceLists(ctx context.Context, id string) ([]quote.PriceList, error) {
	q := `SELECT id, name, level, currency, active, version FROM crm_price_list`
	var args []any
	if id != "" {
		q += ` WHERE id = $1`
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("quote: price lists: %w", err)
	}
	var out []quote.PriceList
	idx := map[string]int{}
	for rows.Next() {
		var pl quote.PriceList
		var active int
		if err := rows.Scan(&pl.ID, &pl.Name, &pl.Level, &pl.Currency, &active, &pl.Version); err != nil {
			rows.Close()
			return nil, err
		}
		pl.Active, pl.Prices = active == 1, []quote.PriceRule{}
		idx[pl.ID] = len(out)
		out = append(out, pl)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q = `SELECT i.price_list_id, i.item_id, COALESCE(c.code, ''), COALESCE(c.name, ''), i.min_qty, i.unit_price
		FROM crm_price_list_item i LEFT JOIN crm_item c ON c.id = i.item_id`
	if id != "" {
		q += ` WHERE i.price_list_id = $1`
	}
	rows, err = s.db.Query(ctx, q+` ORDER BY c.code, i.min_qty`, args...)
	if err != nil {
		return nil, fmt.Errorf("quote: price list prices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var plID string
		var r quote.PriceRule
		if err := rows.Scan(&plID, &r.ItemID, &r.Code, &r.Name, &r.MinQty, &r.UnitPrice); err != nil {
			return nil, err
		}
		if i, ok := idx[plID]; ok {
			out[i].Prices = append(out[i].Prices, r)
		}
	}
	return out, rows.Err()
}

// checkRules validates price rules (items known, quantities and prices not
// negative, no break twice) under a field prefix.
func (s *Service) checkRules(ctx context.Context, p *valid.Problems, prefix string, rules []quote.PriceRule) error {
	var ids []string
	for _, r := range rules {
		if db.ValidID(r.ItemID) {
			ids = append(ids, r.ItemID)
		}
	}
	items, err := s.items.ItemsByID(ctx, ids)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, r := range rules {
		f := func(n string) string { return fmt.Sprintf("%s[%d].%s", prefix, i, n) }
		if _, ok := items[r.ItemID]; !ok {
			p.Add(f("item_id"), keyItemUnknown, "There is no such product")
		}
		p.NotNegative(f("min_qty"), r.MinQty.Sign())
		p.NotNegative(f("unit_price"), r.UnitPrice.Sign())
		key := r.ItemID + "/" + r.MinQty.String()
		if seen[key] {
			p.Add(f("min_qty"), keyPriceRepeated, "This product already has a price from this quantity")
		}
		seen[key] = true
	}
	return nil
}

// SavePriceList creates (empty id) or replaces a price list.
func (s *Service) SavePriceList(ctx context.Context, pl quote.PriceList) (*quote.PriceList, error) {
	if _, err := require(ctx, quote.PermManage); err != nil {
		return nil, err
	}
	var p valid.Problems
	p.Text("name", &pl.Name, true, 60)
	p.Choice("level", &pl.Level, false, "A", "B", "C")
	pl.Currency = strings.ToUpper(strings.TrimSpace(pl.Currency))
	if pl.Currency == "" {
		pl.Currency = "CNY"
	}
	p.Choice("currency", &pl.Currency, true, customer.Currencies...)
	if err := s.checkRules(ctx, &p, "prices", pl.Prices); err != nil {
		return nil, err
	}
	if pl.ID != "" && !db.ValidID(pl.ID) {
		return nil, apperr.NotFound("price list", pl.ID)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out *quote.PriceList
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		action := "crm.price_list.updated"
		if pl.ID == "" {
			pl.ID, action = db.NewID(), "crm.price_list.created"
			if _, err := s.db.Exec(ctx, `INSERT INTO crm_price_list (id, name, level, currency, active, version, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6)`,
				pl.ID, pl.Name, pl.Level, pl.Currency, boolInt(pl.Active), now); err != nil {
				return fmt.Errorf("quote: create price list: %w", err)
			}
		} else {
			q := `UPDATE crm_price_list SET name = $2, level = $3, currency = $4, active = $5, version = version + 1, updated_at = $6 WHERE id = $1`
			args := []any{pl.ID, pl.Name, pl.Level, pl.Currency, boolInt(pl.Active), now}
			if pl.Version > 0 {
				q += ` AND version = $7`
				args = append(args, pl.Version)
			}
			n, err := s.db.ExecAffected(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("quote: update price list: %w", err)
			}
			if n == 0 {
				if ls, _ := s.priceLists(ctx, pl.ID); len(ls) == 0 {
					return apperr.NotFound("price list", pl.ID)
				}
				return valid.Changed()
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM crm_price_list_item WHERE price_list_id = $1`, pl.ID); err != nil {
				return err
			}
		}
		for _, r := range pl.Prices {
			if _, err := s.db.Exec(ctx, `INSERT INTO crm_price_list_item (price_list_id, item_id, min_qty, unit_price) VALUES ($1, $2, $3, $4)`,
				pl.ID, r.ItemID, r.MinQty, r.UnitPrice); err != nil {
				return fmt.Errorf("quote: add price: %w", err)
			}
		}
		ls, err := s.priceLists(ctx, pl.ID)
		if err != nil {
			return err
		}
		out = &ls[0]
		return audit.Record(ctx, s.db, audit.Entry{Action: action, EntityKind: "crm.price_list", EntityID: pl.ID, After: out})
	})
	return out, err
}

// CustomerPrices returns the prices agreed with a customer.
func (s *Service) CustomerPrices(ctx context.Context, accountID string) ([]quote.CustomerPrice, error) {
	if _, err := require(ctx, quote.PermRead); err != nil {
		return nil, err
	}
	ok, err := s.customers.Visible(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("account", accountID)
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.account_id, p.item_id, COALESCE(c.code, ''), COALESCE(c.name, ''), p.currency, p.min_qty, p.unit_price
		FROM crm_customer_price p LEFT JOIN crm_item c ON c.id = p.item_id WHERE p.account_id = $1 ORDER BY c.code, p.currency, p.min_qty`, accountID)
	if err != nil {
		return nil, fmt.Errorf("quote: customer prices: %w", err)
	}
	defer rows.Close()
	out := []quote.CustomerPrice{}
	for rows.Next() {
		var cp quote.CustomerPrice
		if err := rows.Scan(&cp.ID, &cp.AccountID, &cp.ItemID, &cp.Code, &cp.Name, &cp.Currency, &cp.MinQty, &cp.UnitPrice); err != nil {
			return nil, err
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}

// SetCustomerPrice adds or replaces a customer's price of an item from a quantity on.
func (s *Service) SetCustomerPrice(ctx context.Context, cp quote.CustomerPrice) (*quote.CustomerPrice, error) {
	if _, err := require(ctx, quote.PermManage); err != nil {
		return nil, err
	}
	var p valid.Problems
	p.ID("account_id", &cp.AccountID, true)
	cp.Currency = strings.ToUpper(strings.TrimSpace(cp.Currency))
	if cp.Currency == "" {
		cp.Currency = "CNY"
	}
	p.Choice("currency", &cp.Currency, true, customer.Currencies...)
	rules := []quote.PriceRule{{ItemID: cp.ItemID, MinQty: cp.MinQty, UnitPrice: cp.UnitPrice}}
	if err := s.checkRules(ctx, &p, "prices", rules); err != nil {
		return nil, err
	}
	// Name the fields as this operation's input does.
	for i := range p {
		p[i].Field = strings.TrimPrefix(p[i].Field, "prices[0].")
	}
	if !p.Has("account_id") {
		if ok, err := s.customers.Visible(ctx, cp.AccountID); err != nil {
			return nil, err
		} else if !ok {
			p.Add("account_id", keyAccountUnknown, "No customer you can see has this id")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		id := db.NewID()
		if err := s.db.QueryRow(ctx, `INSERT INTO crm_customer_price (id, account_id, item_id, currency, min_qty, unit_price, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (account_id, item_id, currency, min_qty) DO UPDATE SET unit_price = excluded.unit_price, updated_at = excluded.updated_at
			RETURNING id`, id, cp.AccountID, cp.ItemID, cp.Currency, cp.MinQty, cp.UnitPrice, db.Millis(s.now())).Scan(&cp.ID); err != nil {
			return fmt.Errorf("quote: set customer price: %w", err)
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.customer_price.set", EntityKind: "crm.customer_price", EntityID: cp.ID, After: cp})
	})
	if err != nil {
		return nil, err
	}
	all, err := s.CustomerPrices(ctx, cp.AccountID)
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(all, func(x quote.CustomerPrice) bool { return x.ID == cp.ID }); i >= 0 {
		return &all[i], nil
	}
	return &cp, nil
}

// DeleteCustomerPrice removes a customer's price.
func (s *Service) DeleteCustomerPrice(ctx context.Context, id string) error {
	if _, err := require(ctx, quote.PermManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var acc string
		err := s.db.QueryRow(ctx, `SELECT account_id FROM crm_customer_price WHERE id = $1`, id).Scan(&acc)
		if isNoRows(err) {
			return apperr.NotFound("customer price", id)
		}
		if err != nil {
			return err
		}
		if ok, err := s.customers.Visible(ctx, acc); err != nil || !ok {
			if err != nil {
				return err
			}
			return apperr.NotFound("customer price", id)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM crm_customer_price WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.customer_price.deleted", EntityKind: "crm.customer_price", EntityID: id})
	})
}
