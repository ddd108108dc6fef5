package app

// adminRoutes serves the administration screens: users and roles, the audit
// log and the dead-letter list.
func (a *App) adminRoutes() {}
