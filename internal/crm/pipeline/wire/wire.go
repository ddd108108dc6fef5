// Package wire joins the pipeline module to a running Loom.
package wire

import (
	"context"
	"errors"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/pipeline/internal/service"
	"github.com/loom-erp/loom/internal/crm/pipeline/internal/web"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(pipeline.Messages()) }

// Module returns the pipeline module; it is wired after the customer and
// catalog modules.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: pipeline.Module, Migrations: pipeline.Migrations(),
		Nav: []webui.NavItem{
			{Key: "crm.board", Href: "/crm/pipeline", LabelKey: "crm.nav.board", Perm: pipeline.PermRead},
			{Key: "crm.opportunities", Href: "/crm/opportunities", LabelKey: "crm.nav.opportunities", Perm: pipeline.PermRead},
		},
		Wire: wire,
	}
}

func wire(ctx context.Context, env *module.Env) error {
	kit, err := crmui.NewKit(env)
	if err != nil {
		return err
	}
	customers, ok := env.Services.Lookup(customer.ServiceName).(customer.Service)
	if !ok {
		return errors.New("pipeline: the customer module must be wired first")
	}
	items, _ := env.Services.Lookup(catalog.ServiceName).(catalog.Service)
	svc := service.New(env.DB, kit.Dir, customers, items, env.Now)
	kit.Dir.OnAdopt(svc.Adopt)
	env.Services.Provide(pipeline.ServiceName, pipeline.Service(svc))
	h := web.New(kit, svc, customers, items)
	env.Services.Provide(pipeline.PanelsName, pipeline.Panels(h))
	panels, _ := env.Services.Lookup(customer.PanelsName).(customer.Panels)
	h.Wire(panels)
	return nil
}
