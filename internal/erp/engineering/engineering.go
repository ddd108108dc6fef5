// Package engineering is the ERP unit's engineering data: work centers,
// multi-level bills of materials and routings, each a version of an item
// with effective dates, released once and never changed afterwards.
//
// Planning and MES read them through the Engineering interface, which they
// find in module.Services under ServiceName; releasing a version sends
// erp.bom.released or erp.routing.released. The screens live under
// /erp/engineering and the REST operations under /api/v1/erp/engineering.
package engineering

import (
	"context"
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/core"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// BOM is one version of an item's bill of materials.
type BOM = domain.EngBOM

// BOMLine is one component of a BOM.
type BOMLine = domain.EngBOMLine

// Routing is one version of the operations that make an item.
type Routing = domain.EngRouting

// Operation is one step of a routing.
type Operation = domain.EngOperation

// WorkCenter is where operations are done.
type WorkCenter = domain.EngWorkCenter

// Explosion is a BOM exploded for a quantity on a date.
type Explosion = domain.EngExplosion

// ExplodedLine is one row of an Explosion.
type ExplodedLine = domain.EngExplodedLine

// Status says where a BOM or routing stands.
type Status = domain.Status

// The statuses.
const (
	StatusDraft    = domain.StatusDraft
	StatusReleased = domain.StatusReleased
	StatusObsolete = domain.StatusObsolete
)

// Permissions of engineering.
const (
	PermRead  = domain.PermRead  // see work centers, BOMs, routings, explosions
	PermWrite = domain.PermWrite // create, change, release and import them
)

// Events engineering sends.
const (
	EventBOMReleased     = domain.EventBOMReleased
	EventRoutingReleased = domain.EventRoutingReleased
)

// BOMReleased is the data of erp.bom.released.
type BOMReleased = domain.BOMReleased

// RoutingReleased is the data of erp.routing.released.
type RoutingReleased = domain.RoutingReleased

// Engineering is what planning and MES read. Dates are YYYY-MM-DD. Its
// methods check no permission: callers check their own.
type Engineering interface {
	// EffectiveBOM returns the released BOM of an item effective on date
	// (apperr NotFound when none is).
	EffectiveBOM(ctx context.Context, itemID, date string) (BOM, error)
	// Explode explodes the item's effective BOM for qty on date, every
	// level, scrap included and phantoms exploded through.
	Explode(ctx context.Context, itemID string, qty money.Quantity, date string) (Explosion, error)
	// Routing returns the released routing of an item effective on date
	// (apperr NotFound when none is).
	Routing(ctx context.Context, itemID, date string) (Routing, error)
}

// ServiceName is the name engineering provides its Engineering under in module.Services.
const ServiceName = "erp.engineering"

// From returns the Engineering wired in this process, or nil.
func From(s *module.Services) Engineering {
	if s == nil {
		return nil
	}
	e, _ := s.Lookup(ServiceName).(Engineering)
	return e
}

// contract serves Engineering from the service without permission checks.
type contract struct{ svc *core.Service }

func (c contract) EffectiveBOM(ctx context.Context, itemID, date string) (BOM, error) {
	return c.svc.EffectiveBOM(ctx, itemID, date)
}

func (c contract) Explode(ctx context.Context, itemID string, qty money.Quantity, date string) (Explosion, error) {
	return c.svc.ExplodeUnchecked(ctx, itemID, qty, date)
}

func (c contract) Routing(ctx context.Context, itemID, date string) (Routing, error) {
	return c.svc.EffectiveRouting(ctx, itemID, date)
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

// Module returns the engineering module of the ERP unit.
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
			{Key: "erp-engineering", Href: "/erp/engineering/boms", LabelKey: "erp.engineering.nav", Perm: PermRead},
		},
		Wire: func(ctx context.Context, env *module.Env) error {
			// The catalog is looked up when used, so the order modules are
			// wired in does not matter.
			svc := &core.Service{DB: env.DB, Now: env.Now, Catalog: func() catalog.Catalog { return catalog.From(env.Services) }}
			env.Services.Provide(ServiceName, contract{svc: svc})
			web.Register(env, svc)
			return nil
		},
		Demo:      demo,
		DemoAfter: []string{"erp/catalog"},
	}
}
