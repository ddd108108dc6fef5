package app

import "github.com/loom-erp/loom/internal/platform/module"

// Services returns the services the modules of a unit provided in this
// process (nil when the unit is not running here), for end-to-end tests
// and tools that drive modules directly.
func (a *App) Services(unit string) *module.Services { return a.services[unit] }
