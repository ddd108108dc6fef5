// Package catalog is the ERP unit's catalog: the items the company buys,
// makes, stocks and sells, their categories and units of measure.
//
// Every change of an item is sent to CRM, MES and BI as erp.item.upserted.
// Other ERP modules read items through the Catalog interface, which they
// find in module.Services under ServiceName; the catalog's screens live under
// /erp/items and its REST operations under /api/v1/erp/items.
package catalog

import (
	"context"
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/erp/catalog/internal/core"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Item is something the company buys, makes, stocks or sells.
type Item = domain.CatalogItem

// UoM is a unit of measure.
type UoM = domain.CatalogUoM

// Category groups items.
type Category = domain.CatalogCategory

// Kind says what an item is for.
type Kind = domain.Kind

// Tracking says how stock of an item is told apart: none, lot or serial.
type Tracking = domain.Tracking

// Status says whether a record may be used in new documents.
type Status = domain.Status

// The kinds, trackings and statuses.
const (
	KindMaterial     = domain.KindMaterial
	KindSemiFinished = domain.KindSemiFinished
	KindFinished     = domain.KindFinished
	KindService      = domain.KindService
	TrackingNone     = domain.TrackingNone
	TrackingLot      = domain.TrackingLot
	TrackingSerial   = domain.TrackingSerial
	StatusActive     = domain.StatusActive
	StatusInactive   = domain.StatusInactive
)

// Permissions of the catalog.
const (
	PermRead   = domain.PermRead   // see items, categories and units
	PermManage = domain.PermManage // create, change and import them
)

// EventItemUpserted is sent on every change of an item.
const EventItemUpserted = domain.EventItemUpserted

// ItemUpserted is the data of erp.item.upserted.
type ItemUpserted = domain.ItemUpserted

// Catalog is what other ERP modules read from the catalog. Its methods
// check no permission: callers check their own.
type Catalog interface {
	// LookupItem returns an item by id (apperr NotFound if none).
	LookupItem(ctx context.Context, id string) (Item, error)
	// LookupItemByCode returns an item by code, ignoring letter case.
	LookupItemByCode(ctx context.Context, code string) (Item, error)
	// LookupItems returns the items with the given ids that exist, by id.
	LookupItems(ctx context.Context, ids []string) (map[string]Item, error)
	// LookupLeadTimes returns the standard lead time in days of the items
	// with the given ids that exist, by id: a lighter LookupItems.
	LookupLeadTimes(ctx context.Context, ids []string) (map[string]int, error)
}

// ServiceName is the name the catalog provides its Catalog under in module.Services.
const ServiceName = "erp.catalog"

// From returns the Catalog wired in this process, or nil.
func From(s *module.Services) Catalog {
	if s == nil {
		return nil
	}
	c, _ := s.Lookup(ServiceName).(Catalog)
	return c
}

// Usage tells the catalog whether stock or documents refer to an item;
// while they do, its base unit, kind and tracking cannot change. The
// inventory module provides it under UsageServiceName.
type Usage interface {
	ItemInUse(ctx context.Context, itemID string) (bool, error)
}

// UsageServiceName is the name a Usage is provided under in module.Services.
const UsageServiceName = "erp.catalog.usage"

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

// Module returns the catalog module of the ERP unit.
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
			{Key: "erp-items", Href: "/erp/items", LabelKey: "erp.catalog.nav.items", Perm: PermRead},
		},
		Wire: func(ctx context.Context, env *module.Env) error {
			svc := &core.Service{DB: env.DB, Now: env.Now, Usage: func() core.Usage {
				u, _ := env.Services.Lookup(UsageServiceName).(Usage)
				if u == nil {
					return nil
				}
				return u
			}}
			env.Services.Provide(ServiceName, svc)
			web.Register(env, svc)
			return nil
		},
		Demo: demo,
	}
}
