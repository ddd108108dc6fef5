package app

import (
	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales"
)

func init() {
	allModules = append(allModules, catalog.Module(), partner.Module(), inventory.Module(), sales.Module())
}
