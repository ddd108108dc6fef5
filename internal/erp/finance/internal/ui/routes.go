package ui

import (
	"net/http"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Nav lists the finance screens in the ERP section of the navigation.
var Nav = []webui.NavItem{
	{Key: "fin-entries", Href: "/erp/finance/entries", LabelKey: "fin.nav.entries", Perm: finance.PermEntryRead},
	{Key: "fin-accounts", Href: "/erp/finance/accounts", LabelKey: "fin.nav.accounts", Perm: finance.PermAccountRead},
	{Key: "fin-invoices", Href: "/erp/finance/invoices", LabelKey: "fin.nav.invoices", Perm: finance.PermInvoiceRead},
	{Key: "fin-payments", Href: "/erp/finance/payments", LabelKey: "fin.nav.payments", Perm: finance.PermPaymentRead},
	{Key: "fin-customers", Href: "/erp/finance/customers", LabelKey: "fin.nav.customers", Perm: finance.PermCustomerRead},
	{Key: "fin-reports", Href: "/erp/finance/reports", LabelKey: "fin.nav.reports", Perm: finance.PermReportRead},
	{Key: "fin-periods", Href: "/erp/finance/periods", LabelKey: "fin.nav.periods", Perm: finance.PermEntryRead},
	{Key: "fin-rates", Href: "/erp/finance/rates", LabelKey: "fin.nav.rates", Perm: finance.PermRateManage},
	{Key: "fin-rules", Href: "/erp/finance/rules", LabelKey: "fin.nav.rules", Perm: finance.PermAccountRead},
	{Key: "fin-settings", Href: "/erp/finance/settings", LabelKey: "fin.nav.settings", Perm: finance.PermSettingsManage},
}

// routes registers every screen behind the permission it needs; the ledger
// checks the permission of each action again.
func (h *handler) routes(rt *webui.Router) {
	rt.HandleFunc("GET /erp/finance", finance.PermEntryRead, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/erp/finance/entries", http.StatusSeeOther)
	})

	rt.HandleFunc("GET /erp/finance/settings", finance.PermSettingsManage, h.settingsPage)
	rt.HandleFunc("POST /erp/finance/settings", finance.PermSettingsManage, h.settingsSave)
	rt.HandleFunc("POST /erp/finance/settings/template", finance.PermSettingsManage, h.templateApply)
	rt.HandleFunc("POST /erp/finance/journals", finance.PermSettingsManage, h.journalCreate)
	rt.HandleFunc("POST /erp/finance/journals/{id}", finance.PermSettingsManage, h.journalUpdate)

	rt.HandleFunc("GET /erp/finance/accounts", finance.PermAccountRead, h.accountList)
	rt.HandleFunc("GET /erp/finance/accounts/new", finance.PermAccountManage, h.accountNew)
	rt.HandleFunc("POST /erp/finance/accounts", finance.PermAccountManage, h.accountCreate)
	rt.HandleFunc("GET /erp/finance/accounts/{id}", finance.PermAccountRead, h.accountShow)
	rt.HandleFunc("POST /erp/finance/accounts/{id}", finance.PermAccountManage, h.accountUpdate)
	rt.HandleFunc("POST /erp/finance/accounts/{id}/delete", finance.PermAccountManage, h.accountDelete)

	rt.HandleFunc("GET /erp/finance/rates", finance.PermRateManage, h.rateList)
	rt.HandleFunc("POST /erp/finance/rates", finance.PermRateManage, h.rateSet)
	rt.HandleFunc("POST /erp/finance/rates/delete", finance.PermRateManage, h.rateDelete)

	rt.HandleFunc("GET /erp/finance/periods", finance.PermEntryRead, h.periodList)
	rt.HandleFunc("POST /erp/finance/periods/{id}/close", finance.PermPeriodManage, h.periodAction(func(h *handler, r *http.Request, id string) (*ledger.Period, error) {
		return h.l.ClosePeriod(r.Context(), id)
	}, "period_closed"))
	rt.HandleFunc("POST /erp/finance/periods/{id}/reopen", finance.PermPeriodManage, h.periodAction(func(h *handler, r *http.Request, id string) (*ledger.Period, error) {
		return h.l.ReopenPeriod(r.Context(), id)
	}, "period_reopened"))
	rt.HandleFunc("POST /erp/finance/periods/{id}/lock", finance.PermPeriodManage, h.periodAction(func(h *handler, r *http.Request, id string) (*ledger.Period, error) {
		return h.l.LockPeriod(r.Context(), id)
	}, "period_locked"))

	rt.HandleFunc("GET /erp/finance/rules", finance.PermAccountRead, h.ruleList)
	rt.HandleFunc("POST /erp/finance/rules", finance.PermAccountManage, h.ruleCreate)
	rt.HandleFunc("POST /erp/finance/rules/{id}", finance.PermAccountManage, h.ruleUpdate)
	rt.HandleFunc("POST /erp/finance/rules/{id}/delete", finance.PermAccountManage, h.ruleDelete)

	rt.HandleFunc("GET /erp/finance/customers", finance.PermCustomerRead, h.customerList)
	rt.HandleFunc("GET /erp/finance/customers/{id}", finance.PermCustomerRead, h.customerShow)
	rt.HandleFunc("POST /erp/finance/customers/{id}/terms", finance.PermCreditManage, h.customerTerms)

	rt.HandleFunc("GET /erp/finance/invoices", finance.PermInvoiceRead, h.invoiceList)
	rt.HandleFunc("GET /erp/finance/invoices/new", finance.PermInvoiceWrite, h.invoiceNew)
	rt.HandleFunc("GET /erp/finance/shipments", finance.PermInvoiceRead, h.shipmentList)
	rt.HandleFunc("GET /erp/finance/returns", finance.PermInvoiceRead, h.returnList)
	rt.HandleFunc("POST /erp/finance/returns/{id}/credit-note", finance.PermInvoiceWrite, h.returnCredit)
	rt.HandleFunc("GET /erp/finance/invoices/export.xlsx", finance.PermInvoiceRead, h.invoiceExport)
	rt.HandleFunc("POST /erp/finance/invoices", finance.PermInvoiceWrite, h.invoiceSave)
	rt.HandleFunc("GET /erp/finance/invoices/{id}", finance.PermInvoiceRead, h.invoiceShow)
	rt.HandleFunc("GET /erp/finance/invoices/{id}/edit", finance.PermInvoiceWrite, h.invoiceEdit)
	rt.HandleFunc("GET /erp/finance/invoices/{id}/credit", finance.PermInvoiceWrite, h.creditNoteNew)
	rt.HandleFunc("POST /erp/finance/invoices/{id}", finance.PermInvoiceWrite, h.invoiceSave)
	rt.HandleFunc("POST /erp/finance/invoices/{id}/post", finance.PermInvoicePost, h.invoicePost)
	rt.HandleFunc("POST /erp/finance/invoices/{id}/delete", finance.PermInvoiceWrite, h.invoiceDelete)
	rt.HandleFunc("POST /erp/finance/invoices/{id}/fapiao", finance.PermInvoiceWrite, h.fapiaoRecord)
	rt.HandleFunc("POST /erp/finance/fapiao/{id}/red", finance.PermInvoiceWrite, h.fapiaoRed)
	rt.HandleFunc("GET /erp/finance/fapiao/import", finance.PermInvoiceWrite, h.fapiaoImportPage)
	rt.HandleFunc("POST /erp/finance/fapiao/import", finance.PermInvoiceWrite, h.fapiaoImport)

	rt.HandleFunc("GET /erp/finance/payments", finance.PermPaymentRead, h.paymentList)
	rt.HandleFunc("GET /erp/finance/payments/new", finance.PermPaymentWrite, h.paymentNew)
	rt.HandleFunc("POST /erp/finance/payments", finance.PermPaymentWrite, h.paymentCreate)
	rt.HandleFunc("GET /erp/finance/payments/{id}", finance.PermPaymentRead, h.paymentShow)
	rt.HandleFunc("POST /erp/finance/payments/{id}/allocate", finance.PermPaymentWrite, h.paymentAllocate)

	rt.HandleFunc("GET /erp/finance/reports", finance.PermReportRead, h.reportIndex)
	rt.HandleFunc("GET /erp/finance/reports/trial-balance", finance.PermReportRead, h.reportTB)
	rt.HandleFunc("GET /erp/finance/reports/ledger", finance.PermReportRead, h.reportLedger)
	rt.HandleFunc("GET /erp/finance/reports/income-statement", finance.PermReportRead, h.reportIncome)
	rt.HandleFunc("GET /erp/finance/reports/balance-sheet", finance.PermReportRead, h.reportBalance)
	rt.HandleFunc("GET /erp/finance/reports/ar-aging", finance.PermReportRead, h.reportAging)

	rt.HandleFunc("GET /erp/finance/entries", finance.PermEntryRead, h.entryList)
	rt.HandleFunc("GET /erp/finance/entries/new", finance.PermEntryWrite, h.entryNew)
	rt.HandleFunc("POST /erp/finance/entries", finance.PermEntryWrite, h.entrySave)
	rt.HandleFunc("GET /erp/finance/entries/{id}", finance.PermEntryRead, h.entryShow)
	rt.HandleFunc("GET /erp/finance/entries/{id}/edit", finance.PermEntryWrite, h.entryEdit)
	rt.HandleFunc("POST /erp/finance/entries/{id}", finance.PermEntryWrite, h.entrySave)
	rt.HandleFunc("POST /erp/finance/entries/{id}/post", finance.PermEntryPost, h.entryPost)
	rt.HandleFunc("POST /erp/finance/entries/{id}/delete", finance.PermEntryWrite, h.entryDelete)
	rt.HandleFunc("POST /erp/finance/entries/{id}/reverse", finance.PermEntryReverse, h.entryReverse)
	rt.HandleFunc("GET /erp/finance/entries/{id}/print", finance.PermEntryRead, h.entryPrint)
}
