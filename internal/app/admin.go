package app

import "github.com/loom-erp/loom/internal/platform/admin"

// adminRoutes serves the administration screens and their REST operations:
// users and roles, API tokens, the audit log and the dead-letter list.
func (a *App) adminRoutes() {
	admin.Wire(admin.Deps{Identity: a.Identity, Bus: a.Bus, UnitDBs: a.DBs, Router: a.Router,
		API: a.API, Page: a.page, Log: a.Log})
}
