// Package core is the partner module's service: customers kept from CRM
// or entered in ERP, and suppliers.
package core

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/partner/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Service is the partner module's service.
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

const customerCols = `id, code, name, short_name, level, industry, tax_id, currency, owner_id, owner_name, parent_id, status,
	billing_address, shipping_address, contact_name, contact_phone, contact_email, source, version, created_at, updated_at`

func scanCustomer(sc interface{ Scan(...any) error }) (domain.PartnerCustomer, error) {
	var (
		c            domain.PartnerCustomer
		created, upd int64
	)
	err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.ShortName, &c.Level, &c.Industry, &c.TaxID, &c.Currency, &c.OwnerID, &c.OwnerName,
		&c.ParentID, &c.Status, &c.BillingAddress, &c.ShippingAddress, &c.ContactName, &c.ContactPhone, &c.ContactEmail, &c.Source,
		&c.Version, &created, &upd)
	c.CreatedAt, c.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return c, err
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	Query  string
	Status domain.Status
	Cursor string
	Limit  int
}

// CustomerPage is one page of customers.
type CustomerPage struct {
	Customers []domain.PartnerCustomer
	Next      string
}

// Customers lists customers by name.
func (s *Service) Customers(ctx context.Context, f CustomerFilter) (CustomerPage, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return CustomerPage{}, err
	}
	ks, err := erpkit.ParseKeyset("name", "name", []string{"name"}, map[string]erpkit.SortColumn{"name": {SQL: "name", Text: true}}, "id", f.Cursor)
	if err != nil {
		return CustomerPage{}, err
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
		where = append(where, "search LIKE "+arg("%"+erpkit.EscapeLike(q)+"%")+` ESCAPE '\'`)
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if w := ks.Where(arg); w != "" {
		where = append(where, w)
	}
	limit := erpkit.Limit(f.Limit)
	q := `SELECT ` + customerCols + ` FROM par_customer`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Query(ctx, q+ks.OrderBy()+" LIMIT "+arg(limit+1), args...)
	if err != nil {
		return CustomerPage{}, fmt.Errorf("partner: list customers: %w", err)
	}
	defer rows.Close()
	var out []domain.PartnerCustomer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return CustomerPage{}, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return CustomerPage{}, err
	}
	page := CustomerPage{Customers: out}
	if len(out) > limit {
		page.Customers = out[:limit]
		last := out[limit-1]
		if page.Next, err = ks.Cursor(map[string]any{"name": last.Name}, last.ID); err != nil {
			return page, err
		}
	}
	if page.Customers == nil {
		page.Customers = []domain.PartnerCustomer{}
	}
	return page, nil
}

// Customer returns one customer.
func (s *Service) Customer(ctx context.Context, id string) (domain.PartnerCustomer, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.PartnerCustomer{}, err
	}
	return s.LookupCustomer(ctx, id)
}

// LookupCustomer returns a customer by id without checking permissions.
func (s *Service) LookupCustomer(ctx context.Context, id string) (domain.PartnerCustomer, error) {
	if !db.ValidID(id) {
		return domain.PartnerCustomer{}, apperr.NotFound("customer", id)
	}
	c, err := scanCustomer(s.DB.QueryRow(ctx, `SELECT `+customerCols+` FROM par_customer WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("customer", id)
	}
	return c, err
}

// ActiveCustomers returns up to limit active customers by name, without
// checking permissions, for another module's form to choose from.
func (s *Service) ActiveCustomers(ctx context.Context, limit int) ([]domain.PartnerCustomer, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+customerCols+` FROM par_customer WHERE status = 'active' ORDER BY name, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("partner: list customers: %w", err)
	}
	defer rows.Close()
	out := []domain.PartnerCustomer{}
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func customerSearch(c domain.PartnerCustomer) string {
	return strings.ToLower(strings.Join([]string{c.Code, c.Name, c.ShortName, c.TaxID, c.ContactName}, " "))
}

// codeTaken reports whether another customer has the code.
func (s *Service) codeTaken(ctx context.Context, code, except string) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT count(*) FROM par_customer WHERE code_key = $1 AND id <> $2`, erpkit.CodeKey(code), except).Scan(&n)
	return n > 0, err
}

// CreateCustomer enters a customer in ERP.
func (s *Service) CreateCustomer(ctx context.Context, in domain.PartnerCustomerInput) (domain.PartnerCustomer, error) {
	p, err := erpkit.Require(ctx, domain.PermCustomer)
	if err != nil {
		return domain.PartnerCustomer{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.PartnerCustomer{}, err
	}
	c := domain.PartnerCustomer{ID: db.NewID(), Code: in.Code, Name: in.Name, ShortName: in.ShortName, TaxID: in.TaxID,
		Currency: in.Currency, OwnerID: p.UserID, OwnerName: p.Name, Status: in.Status, BillingAddress: in.BillingAddress,
		ShippingAddress: in.ShippingAddress, ContactName: in.ContactName, ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail,
		Source: domain.SourceERP, Version: 1}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if taken, err := s.codeTaken(ctx, c.Code, c.ID); err != nil {
			return err
		} else if taken {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		if err := s.insertCustomer(ctx, c); err != nil {
			return err
		}
		out, err := s.LookupCustomer(ctx, c.ID)
		c = out
		if err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.partner.customer.created", EntityKind: "erp.partner.customer", EntityID: c.ID, After: c})
	})
	return c, err
}

func (s *Service) insertCustomer(ctx context.Context, c domain.PartnerCustomer) error {
	now := db.Millis(s.now())
	_, err := s.DB.Exec(ctx, `INSERT INTO par_customer (`+customerCols+`, code_key, search) VALUES
		($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, $22)`,
		c.ID, c.Code, c.Name, c.ShortName, c.Level, c.Industry, c.TaxID, c.Currency, c.OwnerID, c.OwnerName, c.ParentID, c.Status,
		c.BillingAddress, c.ShippingAddress, c.ContactName, c.ContactPhone, c.ContactEmail, c.Source, c.Version, now,
		erpkit.CodeKey(c.Code), customerSearch(c))
	if err != nil {
		return fmt.Errorf("partner: write customer: %w", err)
	}
	return nil
}

// UpdateCustomer changes a customer entered in ERP; customers from CRM are
// changed in CRM.
func (s *Service) UpdateCustomer(ctx context.Context, id string, in domain.PartnerCustomerInput) (domain.PartnerCustomer, error) {
	if _, err := erpkit.Require(ctx, domain.PermCustomer); err != nil {
		return domain.PartnerCustomer{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.PartnerCustomer{}, err
	}
	var out domain.PartnerCustomer
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.LookupCustomer(ctx, id)
		if err != nil {
			return err
		}
		if before.Source == domain.SourceCRM {
			return apperr.Precondition(domain.KeyFromCRM, "This customer comes from CRM; change it there")
		}
		if in.Version != before.Version {
			return apperr.Precondition(erpkit.KeyVersion, "Someone else changed this customer in the meantime")
		}
		if taken, err := s.codeTaken(ctx, in.Code, id); err != nil {
			return err
		} else if taken {
			return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
		}
		c := before
		c.Code, c.Name, c.ShortName, c.TaxID, c.Currency, c.Status = in.Code, in.Name, in.ShortName, in.TaxID, in.Currency, in.Status
		c.BillingAddress, c.ShippingAddress, c.ContactName, c.ContactPhone, c.ContactEmail = in.BillingAddress, in.ShippingAddress, in.ContactName, in.ContactPhone, in.ContactEmail
		if err := s.updateCustomer(ctx, c); err != nil {
			return err
		}
		if out, err = s.LookupCustomer(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.partner.customer.updated", EntityKind: "erp.partner.customer", EntityID: id, Before: before, After: out})
	})
	return out, err
}

func (s *Service) updateCustomer(ctx context.Context, c domain.PartnerCustomer) error {
	_, err := s.DB.Exec(ctx, `UPDATE par_customer SET code = $2, code_key = $3, name = $4, short_name = $5, level = $6, industry = $7,
		tax_id = $8, currency = $9, owner_id = $10, owner_name = $11, parent_id = $12, status = $13, billing_address = $14,
		shipping_address = $15, contact_name = $16, contact_phone = $17, contact_email = $18, search = $19,
		version = version + 1, updated_at = $20 WHERE id = $1`,
		c.ID, c.Code, erpkit.CodeKey(c.Code), c.Name, c.ShortName, c.Level, c.Industry, c.TaxID, c.Currency, c.OwnerID, c.OwnerName,
		c.ParentID, c.Status, c.BillingAddress, c.ShippingAddress, c.ContactName, c.ContactPhone, c.ContactEmail, customerSearch(c),
		db.Millis(s.now()))
	if err != nil {
		return fmt.Errorf("partner: update customer: %w", err)
	}
	return nil
}

// ApplyAccount keeps a customer from a crm.account.upserted event: it is
// created the first time and replaced every time after. It runs inside the
// bus's transaction.
func (s *Service) ApplyAccount(ctx context.Context, ev bus.Envelope) error {
	var a domain.AccountUpserted
	if err := json.Unmarshal(ev.Data, &a); err != nil {
		return fmt.Errorf("partner: event %s: %w", ev.ID, err)
	}
	if !db.ValidID(a.ID) {
		return fmt.Errorf("partner: event %s: account id %q is not a UUID", ev.ID, a.ID)
	}
	if a.Status != domain.StatusInactive {
		a.Status = domain.StatusActive
	}
	if a.Currency == "" {
		a.Currency = "CNY"
	}
	c := domain.PartnerCustomer{ID: a.ID, Code: a.Code, Name: a.Name, ShortName: a.ShortName, Level: a.Level, Industry: a.Industry,
		TaxID: a.TaxID, Currency: strings.ToUpper(a.Currency), OwnerID: a.OwnerID, OwnerName: a.OwnerName, ParentID: a.ParentID,
		Status: a.Status, BillingAddress: a.BillingAddress, ShippingAddress: a.ShippingAddress, ContactName: a.ContactName,
		ContactPhone: a.ContactPhone, ContactEmail: a.ContactEmail, Source: domain.SourceCRM, Version: 1}
	before, err := s.LookupCustomer(ctx, a.ID)
	switch {
	case apperr.IsKind(err, apperr.KindNotFound):
		if err := s.insertCustomer(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.partner.customer.replicated", EntityKind: "erp.partner.customer", EntityID: c.ID, After: c})
	case err != nil:
		return err
	}
	if err := s.updateCustomer(ctx, c); err != nil {
		return err
	}
	after, err := s.LookupCustomer(ctx, c.ID)
	if err != nil {
		return err
	}
	return audit.Record(ctx, s.DB, audit.Entry{Action: "erp.partner.customer.replicated", EntityKind: "erp.partner.customer", EntityID: c.ID, Before: before, After: after})
}

// ---- suppliers ----

const supplierCols = `id, code, name, tax_id, currency, payment_terms, lead_time_days, address, contact_name, contact_phone,
	contact_email, status, version, created_at, updated_at`

func scanSupplier(sc interface{ Scan(...any) error }) (domain.PartnerSupplier, error) {
	var (
		p            domain.PartnerSupplier
		created, upd int64
	)
	err := sc.Scan(&p.ID, &p.Code, &p.Name, &p.TaxID, &p.Currency, &p.PaymentTerms, &p.LeadTimeDays, &p.Address, &p.ContactName,
		&p.ContactPhone, &p.ContactEmail, &p.Status, &p.Version, &created, &upd)
	p.CreatedAt, p.UpdatedAt = db.FromMillis(created), db.FromMillis(upd)
	return p, err
}

// Suppliers lists suppliers by name, filtered by a search text.
func (s *Service) Suppliers(ctx context.Context, query string) ([]domain.PartnerSupplier, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return nil, err
	}
	q, args := `SELECT `+supplierCols+` FROM par_supplier`, []any{}
	if query = strings.ToLower(strings.TrimSpace(query)); query != "" {
		q += ` WHERE search LIKE $1 ESCAPE '\'`
		args = append(args, "%"+erpkit.EscapeLike(query)+"%")
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY name, id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("partner: list suppliers: %w", err)
	}
	defer rows.Close()
	out := []domain.PartnerSupplier{}
	for rows.Next() {
		p, err := scanSupplier(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ActiveSuppliers returns up to limit active suppliers by name, without
// checking permissions, for another module's form to choose from.
func (s *Service) ActiveSuppliers(ctx context.Context, limit int) ([]domain.PartnerSupplier, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+supplierCols+` FROM par_supplier WHERE status = 'active' ORDER BY name, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("partner: list suppliers: %w", err)
	}
	defer rows.Close()
	out := []domain.PartnerSupplier{}
	for rows.Next() {
		p, err := scanSupplier(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Supplier returns one supplier.
func (s *Service) Supplier(ctx context.Context, id string) (domain.PartnerSupplier, error) {
	if _, err := erpkit.Require(ctx, domain.PermRead); err != nil {
		return domain.PartnerSupplier{}, err
	}
	return s.LookupSupplier(ctx, id)
}

// LookupSupplier returns a supplier by id without checking permissions.
func (s *Service) LookupSupplier(ctx context.Context, id string) (domain.PartnerSupplier, error) {
	if !db.ValidID(id) {
		return domain.PartnerSupplier{}, apperr.NotFound("supplier", id)
	}
	p, err := scanSupplier(s.DB.QueryRow(ctx, `SELECT `+supplierCols+` FROM par_supplier WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFound("supplier", id)
	}
	return p, err
}

func supplierSearch(in domain.PartnerSupplierInput) string {
	return strings.ToLower(strings.Join([]string{in.Code, in.Name, in.TaxID, in.ContactName}, " "))
}

// SaveSupplier creates a supplier (empty id) or changes one.
func (s *Service) SaveSupplier(ctx context.Context, id string, in domain.PartnerSupplierInput) (domain.PartnerSupplier, error) {
	if _, err := erpkit.Require(ctx, domain.PermSupplier); err != nil {
		return domain.PartnerSupplier{}, err
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return domain.PartnerSupplier{}, err
	}
	var out domain.PartnerSupplier
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		var before *domain.PartnerSupplier
		if id == "" {
			id = db.NewID()
			_, err := s.DB.Exec(ctx, `INSERT INTO par_supplier (`+supplierCols+`, code_key, search) VALUES
				($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13, $14, $15)`,
				id, in.Code, in.Name, in.TaxID, in.Currency, in.PaymentTerms, in.LeadTimeDays, in.Address, in.ContactName,
				in.ContactPhone, in.ContactEmail, in.Status, now, erpkit.CodeKey(in.Code), supplierSearch(in))
			if db.IsUniqueViolation(err) {
				return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
			}
			if err != nil {
				return fmt.Errorf("partner: create supplier: %w", err)
			}
		} else {
			b, err := s.LookupSupplier(ctx, id)
			if err != nil {
				return err
			}
			before = &b
			n, err := s.DB.ExecAffected(ctx, `UPDATE par_supplier SET code = $3, code_key = $4, name = $5, tax_id = $6, currency = $7,
				payment_terms = $8, lead_time_days = $9, address = $10, contact_name = $11, contact_phone = $12, contact_email = $13,
				status = $14, search = $15, version = version + 1, updated_at = $16 WHERE id = $1 AND version = $2`,
				id, in.Version, in.Code, erpkit.CodeKey(in.Code), in.Name, in.TaxID, in.Currency, in.PaymentTerms, in.LeadTimeDays,
				in.Address, in.ContactName, in.ContactPhone, in.ContactEmail, in.Status, supplierSearch(in), now)
			if db.IsUniqueViolation(err) {
				return apperr.Invalid("code", domain.KeyCodeTaken, "This code is already used")
			}
			if err != nil {
				return fmt.Errorf("partner: update supplier: %w", err)
			}
			if n == 0 {
				return apperr.Precondition(erpkit.KeyVersion, "Someone else changed this supplier in the meantime")
			}
		}
		var err error
		if out, err = s.LookupSupplier(ctx, id); err != nil {
			return err
		}
		action := "erp.partner.supplier.created"
		var b any
		if before != nil {
			action, b = "erp.partner.supplier.updated", *before
		}
		return audit.Record(ctx, s.DB, audit.Entry{Action: action, EntityKind: "erp.partner.supplier", EntityID: id, Before: b, After: out})
	})
	return out, err
}
