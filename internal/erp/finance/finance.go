package finance

import (
	"context"
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/module"
)

// Module is the finance module's name: its migrations' version table and its audit prefix.
const Module = "finance"

// Permissions of the finance module.
const (
	PermSettingsManage authz.Permission = "fin.settings.manage" // company, journals, chart template
	PermAccountRead    authz.Permission = "fin.account.read"    // see the chart of accounts and posting rules
	PermAccountManage  authz.Permission = "fin.account.manage"  // change accounts and posting rules
	PermRateManage     authz.Permission = "fin.rate.manage"     // enter exchange rates
	PermEntryRead      authz.Permission = "fin.entry.read"      // see journal entries
	PermEntryWrite     authz.Permission = "fin.entry.write"     // write draft entries
	PermEntryPost      authz.Permission = "fin.entry.post"      // post drafts
	PermEntryReverse   authz.Permission = "fin.entry.reverse"   // reverse posted entries
	PermPeriodManage   authz.Permission = "fin.period.manage"   // close, reopen and lock periods
	PermReportRead     authz.Permission = "fin.report.read"     // financial reports
	PermInvoiceRead    authz.Permission = "fin.invoice.read"    // see invoices (sales roles: of their own customers)
	PermInvoiceWrite   authz.Permission = "fin.invoice.write"   // write draft invoices, record fapiao
	PermInvoicePost    authz.Permission = "fin.invoice.post"    // post invoices and credit notes
	PermPaymentRead    authz.Permission = "fin.payment.read"    // see payments and allocations
	PermPaymentWrite   authz.Permission = "fin.payment.write"   // record payments, allocate them
	PermCustomerRead   authz.Permission = "fin.customer.read"   // see customers' balances and credit (sales roles: their own)
	PermCreditManage   authz.Permission = "fin.credit.manage"   // set credit limits, terms and holds
	PermBankRead       authz.Permission = "fin.bank.read"       // see bank accounts (numbers masked without PermPaymentRead)
	PermBankManage     authz.Permission = "fin.bank.manage"     // add and change bank accounts
	PermBankReconcile  authz.Permission = "fin.bank.reconcile"  // import statements and match their lines
	PermContractRead   authz.Permission = "fin.contract.read"   // contract reconciliation against the CRM's payment plans
)

// CreditServiceName is the name the finance module provides its
// CreditService under in module.Services.
const CreditServiceName = "erp.finance.credit"

// CreditService answers whether a customer may take more credit; sales
// orders ask it before they confirm.
type CreditService interface {
	// OnHold reports whether the customer is on credit hold: put on hold
	// by hand, over its credit limit, or with an invoice overdue longer
	// than the company allows. An unknown customer is not on hold.
	OnHold(ctx context.Context, customerID string) (bool, error)
	// Credit returns the customer's credit position.
	Credit(ctx context.Context, customerID string) (CustomerCredit, error)
}

// CreditFrom returns the CreditService wired in this process, or nil.
func CreditFrom(s *module.Services) CreditService {
	if s == nil {
		return nil
	}
	c, _ := s.Lookup(CreditServiceName).(CreditService)
	return c
}

var (
	finance = []string{identity.RoleAccountant, identity.RoleFinanceManager}
	manager = []string{identity.RoleFinanceManager}
	sales   = []string{identity.RoleAccountant, identity.RoleFinanceManager, identity.RoleSalesRep, identity.RoleSalesManager}
)

func init() {
	authz.Register(
		authz.Definition{Name: PermSettingsManage, Module: Module, Roles: manager},
		authz.Definition{Name: PermAccountRead, Module: Module, Roles: finance},
		authz.Definition{Name: PermAccountManage, Module: Module, Roles: manager},
		authz.Definition{Name: PermRateManage, Module: Module, Roles: finance},
		authz.Definition{Name: PermEntryRead, Module: Module, Roles: finance},
		authz.Definition{Name: PermEntryWrite, Module: Module, Roles: finance},
		authz.Definition{Name: PermEntryPost, Module: Module, Roles: finance},
		authz.Definition{Name: PermEntryReverse, Module: Module, Roles: manager},
		authz.Definition{Name: PermPeriodManage, Module: Module, Roles: manager},
		authz.Definition{Name: PermReportRead, Module: Module, Roles: finance},
		authz.Definition{Name: PermInvoiceRead, Module: Module, Roles: sales},
		authz.Definition{Name: PermInvoiceWrite, Module: Module, Roles: finance},
		authz.Definition{Name: PermInvoicePost, Module: Module, Roles: finance},
		authz.Definition{Name: PermPaymentRead, Module: Module, Roles: finance},
		authz.Definition{Name: PermPaymentWrite, Module: Module, Roles: finance},
		authz.Definition{Name: PermCustomerRead, Module: Module, Roles: sales},
		authz.Definition{Name: PermCreditManage, Module: Module, Roles: manager},
		authz.Definition{Name: PermBankRead, Module: Module, Roles: sales},
		authz.Definition{Name: PermBankManage, Module: Module, Roles: manager},
		authz.Definition{Name: PermBankReconcile, Module: Module, Roles: finance},
		authz.Definition{Name: PermContractRead, Module: Module, Roles: finance},
	)
	i18n.Register(mustSub(locales, "locales"))
}

//go:embed migrations
var migrations embed.FS

//go:embed locales/*.toml
var locales embed.FS

// Migrations holds the module's sqlite and postgres migrations.
func Migrations() fs.FS { return mustSub(migrations, "migrations") }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
