// Package partner is the ERP unit's copy of its business partners:
// customers, kept from CRM through crm.account.upserted (or entered in ERP
// for customers CRM does not know), and suppliers.
//
// Other ERP modules read customers through the Partners interface, found in
// module.Services under ServiceName. Whether a customer is on credit hold
// is finance's to say: when the finance module provides a CreditHolds under
// CreditServiceName, Partners asks it; without one no customer is on hold.
package partner

import (
	"context"
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/erp/partner/internal/core"
	"github.com/loom-erp/loom/internal/erp/partner/internal/domain"
	"github.com/loom-erp/loom/internal/erp/partner/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Customer is a customer as ERP keeps it.
type Customer = domain.PartnerCustomer

// Supplier is a supplier.
type Supplier = domain.PartnerSupplier

// Status says whether a partner may be used in new documents.
type Status = domain.Status

// The statuses and sources.
const (
	StatusActive   = domain.StatusActive
	StatusInactive = domain.StatusInactive
	SourceCRM      = domain.SourceCRM
	SourceERP      = domain.SourceERP
)

// Permissions of the partner module.
const (
	PermRead     = domain.PermRead     // see customers and suppliers
	PermCustomer = domain.PermCustomer // enter and change customers in ERP
	PermSupplier = domain.PermSupplier // enter and change suppliers
)

// Partners is what other ERP modules read of the partners; its methods
// check no permission.
type Partners interface {
	// LookupCustomer returns a customer by id (apperr NotFound if none).
	LookupCustomer(ctx context.Context, id string) (Customer, error)
	// LookupSupplier returns a supplier by id.
	LookupSupplier(ctx context.Context, id string) (Supplier, error)
	// ActiveCustomers returns up to limit active customers by name, for choosing one.
	ActiveCustomers(ctx context.Context, limit int) ([]Customer, error)
	// ActiveSuppliers returns up to limit active suppliers by name, for choosing one.
	ActiveSuppliers(ctx context.Context, limit int) ([]Supplier, error)
}

// ServiceName is the name the partner module provides its Partners under.
const ServiceName = "erp.partner"

// From returns the Partners wired in this process, or nil.
func From(s *module.Services) Partners {
	if s == nil {
		return nil
	}
	p, _ := s.Lookup(ServiceName).(Partners)
	return p
}

// CreditHolds tells whether a customer is on credit hold: orders of a
// customer on hold are refused. The finance module provides it, when it
// keeps credit limits, under CreditServiceName.
type CreditHolds interface {
	OnCreditHold(ctx context.Context, customerID string) (bool, error)
}

// CreditServiceName is the name a CreditHolds is provided under in module.Services.
const CreditServiceName = "erp.finance.credit_hold"

// CreditHoldsFrom returns the CreditHolds wired in this process, or nil.
func CreditHoldsFrom(s *module.Services) CreditHolds {
	if s == nil {
		return nil
	}
	c, _ := s.Lookup(CreditServiceName).(CreditHolds)
	return c
}

//go:embed migrations
var migrations embed.FS

//go:embed locales/*.toml
var locales embed.FS

func init() {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	i18n.Register(sub)
}

// Module returns the partner module of the ERP unit.
func Module() module.Module {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return module.Module{
		Unit:       "erp",
		Name:       domain.Module,
		Migrations: sub,
		Nav: []webui.NavItem{
			{Key: "erp-customers", Href: "/erp/customers", LabelKey: "erp.partner.nav.customers", Perm: PermRead},
			{Key: "erp-suppliers", Href: "/erp/suppliers", LabelKey: "erp.partner.nav.suppliers", Perm: PermRead},
		},
		Wire: func(ctx context.Context, env *module.Env) error {
			svc := &core.Service{DB: env.DB, Now: env.Now}
			env.Services.Provide(ServiceName, svc)
			web.Register(env, svc)
			return env.Bus.Subscribe("erp-partner-accounts", env.DB, []string{domain.EventAccountUpserted}, svc.ApplyAccount)
		},
		Demo: demo,
	}
}
