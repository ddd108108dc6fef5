// Package wire joins the analytics module to a running Loom.
package wire

import (
	"context"
	"errors"

	"github.com/loom-erp/loom/internal/crm/analytics"
	"github.com/loom-erp/loom/internal/crm/analytics/internal/service"
	"github.com/loom-erp/loom/internal/crm/analytics/internal/web"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() { i18n.Register(analytics.Messages()) }

// Module returns the analytics module; it is wired after the pipeline module.
func Module() module.Module {
	return module.Module{
		Unit: "crm", Name: analytics.Module, Migrations: analytics.Migrations(),
		Nav: []webui.NavItem{
			{Key: "crm.analytics", Href: "/crm/analytics", LabelKey: "crm.nav.analytics", Perm: analytics.PermRead},
			{Key: "crm.forecast", Href: "/crm/forecast", LabelKey: "crm.nav.forecast", Perm: analytics.PermRead},
		},
		Wire: wire,
	}
}

func wire(ctx context.Context, env *module.Env) error {
	kit, err := crmui.NewKit(env)
	if err != nil {
		return err
	}
	deals, ok := env.Services.Lookup(pipeline.ServiceName).(pipeline.Service)
	if !ok {
		return errors.New("analytics: the pipeline module must be wired first")
	}
	svc := service.New(env.DB, kit.Dir, deals, env.Now)
	env.Services.Provide(analytics.ServiceName, analytics.Service(svc))
	web.New(kit, svc, deals).Wire()
	return nil
}
