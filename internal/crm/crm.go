// Package crm lists the modules of the CRM unit, the system of record for
// leads, customers, contacts, activities, opportunities, quotes and
// contracts, in the order they are
// wired: each may look up the services of those before it.
package crm

import (
	activity "github.com/loom-erp/loom/internal/crm/activity/wire"
	analytics "github.com/loom-erp/loom/internal/crm/analytics/wire"
	catalog "github.com/loom-erp/loom/internal/crm/catalog/wire"
	contract "github.com/loom-erp/loom/internal/crm/contract/wire"
	customer "github.com/loom-erp/loom/internal/crm/customer/wire"
	"github.com/loom-erp/loom/internal/crm/demo"
	directory "github.com/loom-erp/loom/internal/crm/directory/wire"
	lead "github.com/loom-erp/loom/internal/crm/lead/wire"
	pipeline "github.com/loom-erp/loom/internal/crm/pipeline/wire"
	quote "github.com/loom-erp/loom/internal/crm/quote/wire"
	returns "github.com/loom-erp/loom/internal/crm/returns/wire"
	transfer "github.com/loom-erp/loom/internal/crm/transfer/wire"
	"github.com/loom-erp/loom/internal/platform/module"
)

// Modules returns the CRM's modules in wiring order.
func Modules() []module.Module {
	return []module.Module{
		directory.Module(),
		customer.Module(),
		catalog.Module(),
		pipeline.Module(),
		lead.Module(),
		quote.Module(),
		activity.Module(),
		contract.Module(),
		returns.Module(),
		analytics.Module(),
		transfer.Module(),
		demo.Module(),
	}
}
