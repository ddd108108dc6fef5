package finance

import "github.com/loom-erp/loom/internal/platform/authz"

// Permissions of payables, period-end work and cost reports.
const (
	PermPayableRead    authz.Permission = "fin.payable.read"    // see payables, supplier payments, AP aging and statements
	PermPayableWrite   authz.Permission = "fin.payable.write"   // pay suppliers and allocate payments
	PermPayableReverse authz.Permission = "fin.payable.reverse" // reverse supplier payments
	PermMarginRead     authz.Permission = "fin.margin.read"     // cost of goods sold and gross margin (never sales roles)
	PermYearClose      authz.Permission = "fin.year.close"      // close the fiscal year into retained earnings
)

func init() {
	authz.Register(
		authz.Definition{Name: PermPayableRead, Module: Module, Roles: finance},
		authz.Definition{Name: PermPayableWrite, Module: Module, Roles: finance},
		authz.Definition{Name: PermPayableReverse, Module: Module, Roles: manager},
		authz.Definition{Name: PermMarginRead, Module: Module, Roles: finance},
		authz.Definition{Name: PermYearClose, Module: Module, Roles: manager},
	)
}
