package receivables

import (
	"context"
	"sort"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
)

// Directory is the ERP's customer master data, when a partner module keeps
// it: finance copies the customers it finds there into its own table the
// first time they are used, and keeps the copies up to date.
type Directory interface {
	// DirectoryCustomer returns a customer by id (apperr NotFound if none).
	DirectoryCustomer(ctx context.Context, id string) (Account, error)
	// DirectoryCustomers returns up to limit active customers.
	DirectoryCustomers(ctx context.Context, limit int) ([]Account, error)
}

// directoryLimit bounds how many customers one sync or pick list reads.
const directoryLimit = 5000

// SetDirectory sets where customers unknown to finance are looked up; dir
// returns nil while no directory is wired.
func (s *Service) SetDirectory(dir func() Directory) { s.dir = dir }

func (s *Service) directory() Directory {
	if s.dir == nil {
		return nil
	}
	return s.dir()
}

// adopt copies a customer from the directory when finance does not know it
// yet; it does nothing for a known customer or without a directory, and an
// id the directory does not know is left for the caller to refuse.
func (s *Service) adopt(ctx context.Context, id string) error {
	dir := s.directory()
	if dir == nil || id == "" {
		return nil
	}
	if _, err := s.customer(ctx, id); !isNotFound(err) {
		return err
	}
	a, err := dir.DirectoryCustomer(ctx, id)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.ApplyAccount(systemCtx(ctx), a)
}

// SyncDirectory copies the directory's active customers that finance does
// not know or knows differently, and returns how many it copied. Customers
// the CRM sends are kept by its events too; both carry the same data.
func (s *Service) SyncDirectory(ctx context.Context) (int, error) {
	dir := s.directory()
	if dir == nil {
		return 0, nil
	}
	ctx = systemCtx(ctx)
	list, err := dir.DirectoryCustomers(ctx, directoryLimit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range list {
		c, err := s.customer(ctx, a.ID)
		if err != nil && !isNotFound(err) {
			return n, err
		}
		if c != nil && sameAccount(c, a) {
			continue
		}
		if err := s.ApplyAccount(ctx, a); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func sameAccount(c *Customer, a Account) bool {
	cur := a.Currency
	if cur == "" {
		cur = "CNY"
	}
	st := a.Status
	if st == "" {
		st = "active"
	}
	return c.Code == a.Code && c.Name == a.Name && c.ShortName == a.ShortName && c.TaxID == a.TaxID &&
		c.Currency == strings.ToUpper(cur) && c.OwnerID == a.OwnerID && c.OwnerName == a.OwnerName && c.Status == st &&
		c.BillingAddress == a.BillingAddress && c.ContactPhone == a.ContactPhone
}

// PickCustomers lists the customers a document can be entered for: those
// finance knows and the directory's active ones it has not copied yet,
// within the user's scope, by name.
func (s *Service) PickCustomers(ctx context.Context) ([]Customer, error) {
	p, err := require(ctx, finance.PermCustomerRead)
	if err != nil {
		return nil, err
	}
	known, err := s.Customers(ctx, CustomerFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	dir := s.directory()
	if dir == nil {
		return known, nil
	}
	list, err := dir.DirectoryCustomers(ctx, directoryLimit)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(known))
	for _, c := range known {
		seen[c.ID] = true
	}
	sc := customerScope(p)
	out := known
	for _, a := range list {
		if seen[a.ID] || !sc.sees(a.OwnerID) {
			continue
		}
		cur := strings.ToUpper(a.Currency)
		if cur == "" {
			cur = "CNY"
		}
		out = append(out, Customer{ID: a.ID, Code: a.Code, Name: a.Name, ShortName: a.ShortName, TaxID: a.TaxID,
			Currency: cur, OwnerID: a.OwnerID, OwnerName: a.OwnerName, Status: "active", PaymentDays: 30})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
