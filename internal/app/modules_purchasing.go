package app

import "github.com/loom-erp/loom/internal/erp/purchasing"

// Purchasing comes after the catalog, partner and inventory modules
// (modules_erp.go sorts before this file, and Go runs init functions in
// file-name order), and finds their services — and finance's Poster — when
// it uses them.
func init() { allModules = append(allModules, purchasing.Module()) }
