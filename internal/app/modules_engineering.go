package app

import "github.com/loom-erp/loom/internal/erp/engineering"

// Engineering looks the catalog up when it is used and its demo runs after
// the catalog's (module.Module.DemoAfter), so the order of this file among
// the others does not matter.
func init() { allModules = append(allModules, engineering.Module()) }
