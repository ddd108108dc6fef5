package rest

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/bank"
	"github.com/loom-erp/loom/internal/erp/finance/internal/contracts"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// FinBankAccountInput adds or changes a bank account.
type FinBankAccountInput struct {
	Name     string `json:"name" maxLength:"100"`
	Bank     string `json:"bank" maxLength:"100" doc:"The bank and branch, such as 工商银行苏州工业园区支行."`
	Number   string `json:"number" maxLength:"40"`
	Currency string `json:"currency"`
	Account  string `json:"account" doc:"Code or id of the ledger cash account the bank account is kept on, such as 100201."`
	Active   bool   `json:"active,omitempty" doc:"Ignored when adding: a new account is active."`
	Version  int64  `json:"version,omitempty"`
}

// FinStatementInput is a statement file to preview or import.
type FinStatementInput struct {
	File    []byte            `json:"file" contentEncoding:"base64" doc:"The CSV (UTF-8 or GB18030) or Excel file, base64-encoded."`
	Mapping map[string]string `json:"mapping,omitempty" doc:"Field (date, summary, counterparty, counter_account, in, out, amount, balance, serial) to the column header in the file; fields not named are found by the usual headers (交易日期, 摘要, 对方户名, 对方账号, 收入/借方发生额, 支出/贷方发生额, 余额, 流水号)."`
}

// FinMatchInput books a statement line.
type FinMatchInput struct {
	Action      string               `json:"action" enum:"receipt,payment,supplier_payment,journal"`
	CustomerID  string               `json:"customer_id,omitempty" doc:"receipt: the customer who paid."`
	ContractID  string               `json:"contract_id,omitempty" maxLength:"64" doc:"receipt: the contract it pays."`
	Allocations []FinAllocationInput `json:"allocations,omitempty" doc:"receipt: the invoices it pays."`
	PaymentID   string               `json:"payment_id,omitempty" doc:"payment: the receipt or supplier payment already recorded."`
	SupplierID  string               `json:"supplier_id,omitempty" doc:"supplier_payment: the supplier paid."`
	BillID      string               `json:"bill_id,omitempty" doc:"supplier_payment: the open bill it pays; what it leaves is a prepayment."`
	Account     string               `json:"account,omitempty" doc:"journal: code or id of the counter-account."`
	Memo        string               `json:"memo,omitempty" maxLength:"200"`
}

// FinCashFlowRuleInput adds or changes a cash-flow classification rule.
type FinCashFlowRuleInput struct {
	AccountPrefix string `json:"account_prefix" doc:"The counter-account's code starts with it; the longest prefix wins."`
	SourceKind    string `json:"source_kind,omitempty" doc:"Only entries of this source kind, such as fin.payment_in."`
	Direction     string `json:"direction,omitempty" enum:"in,out," doc:"Only money in or out; empty for either."`
	Item          string `json:"item" doc:"The statement line, such as op_in_sales or inv_out_assets."`
}

type bkh struct {
	bk *bank.Service
	ct *contracts.Service
	rp *reports.Service
}

// RegisterBank registers the bank, contract reconciliation and cash-flow operations.
func RegisterBank(a *api.API, bk *bank.Service, ct *contracts.Service, rp *reports.Service) {
	x := bkh{bk, ct, rp}
	op := func(id, method, path, summary string, status int) huma.Operation {
		o := huma.Operation{OperationID: "erp-finance-" + id, Method: method, Path: "/erp/finance" + path, Summary: summary, Tags: []string{"Finance"}}
		if status != 0 {
			o.DefaultStatus = status
		}
		return o
	}
	api.Register(a, op("list-bank-accounts", http.MethodGet, "/bank-accounts", "List the bank accounts", 0), finance.PermBankRead, x.listAccounts)
	api.Register(a, op("create-bank-account", http.MethodPost, "/bank-accounts", "Add a bank account", http.StatusCreated), finance.PermBankManage, x.createAccount)
	api.Register(a, op("get-bank-account", http.MethodGet, "/bank-accounts/{id}", "Get a bank account", 0), finance.PermBankRead, x.getAccount)
	api.Register(a, op("update-bank-account", http.MethodPut, "/bank-accounts/{id}", "Change a bank account", 0), finance.PermBankManage, x.updateAccount)
	api.Register(a, op("list-bank-lines", http.MethodGet, "/bank-accounts/{id}/lines", "List a bank account's statement lines, newest first", 0), finance.PermBankReconcile, x.listLines)
	api.Register(a, op("preview-bank-statement", http.MethodPost, "/bank-accounts/{id}/statements/preview", "Read a statement file without importing it", 0), finance.PermBankReconcile, x.preview)
	api.Register(a, op("import-bank-statement", http.MethodPost, "/bank-accounts/{id}/statements", "Import a statement file, skipping duplicates", http.StatusCreated), finance.PermBankReconcile, x.importStatement)
	api.Register(a, op("bank-statement-template", http.MethodGet, "/bank-statement-template", "Download the statement template", 0), finance.PermBankReconcile, x.template)
	api.Register(a, op("bank-reconciliation", http.MethodGet, "/bank-accounts/{id}/reconciliation", "Statement balance against ledger balance, with what is unmatched", 0), finance.PermBankReconcile, x.reconcile)
	api.Register(a, op("bank-line-suggestions", http.MethodGet, "/bank-lines/{id}/suggestions", "Suggest matches for a statement line", 0), finance.PermBankReconcile, x.suggest)
	api.Register(a, op("match-bank-line", http.MethodPost, "/bank-lines/{id}/match", "Book a statement line", 0), finance.PermBankReconcile, x.match)
	api.Register(a, op("unmatch-bank-line", http.MethodPost, "/bank-lines/{id}/unmatch", "Return a statement line to unmatched", 0), finance.PermBankReconcile, x.unmatch)
	api.Register(a, op("list-contracts", http.MethodGet, "/contracts", "Reconcile contracts with invoices and payments", 0), finance.PermContractRead, x.listContracts)
	api.Register(a, op("export-contracts", http.MethodGet, "/contracts/export", "Export the contract reconciliation as a workbook", 0), finance.PermContractRead, x.exportContracts)
	api.Register(a, op("get-contract", http.MethodGet, "/contracts/{id}", "Reconcile one contract, with its documents", 0), finance.PermContractRead, x.getContract)
	api.Register(a, op("cash-flow", http.MethodGet, "/reports/cash-flow", "Direct cash-flow statement of a date range", 0), finance.PermReportRead, x.cashFlow)
	api.Register(a, op("cash-flow-lines", http.MethodGet, "/reports/cash-flow/lines", "The entries behind a cash-flow line", 0), finance.PermReportRead, x.cashFlowLines)
	api.Register(a, op("list-cash-flow-rules", http.MethodGet, "/cash-flow-rules", "List the cash-flow classification rules", 0), finance.PermReportRead, x.listRules)
	api.Register(a, op("save-cash-flow-rule", http.MethodPut, "/cash-flow-rules", "Add or change a cash-flow classification rule", 0), finance.PermAccountManage, x.saveRule)
	api.Register(a, op("delete-cash-flow-rule", http.MethodDelete, "/cash-flow-rules/{id}", "Remove a cash-flow classification rule", http.StatusNoContent), finance.PermAccountManage, x.deleteRule)
}

type bankAccountOut struct{ Body bank.BankAccount }

func (x bkh) listAccounts(ctx context.Context, in *struct {
	Active bool `query:"active" doc:"Only active accounts."`
}) (*struct{ Body []bank.BankAccount }, error) {
	as, err := x.bk.Accounts(ctx, in.Active)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []bank.BankAccount }{as}, nil
}

func bankAccountIn(b FinBankAccountInput) bank.AccountInput {
	return bank.AccountInput{Name: b.Name, Bank: b.Bank, Number: b.Number, Currency: b.Currency, Account: b.Account, Active: b.Active, Version: b.Version}
}

func (x bkh) createAccount(ctx context.Context, in *struct{ Body FinBankAccountInput }) (*bankAccountOut, error) {
	a, err := x.bk.CreateAccount(ctx, bankAccountIn(in.Body))
	if err != nil {
		return nil, err
	}
	return &bankAccountOut{*a}, nil
}

func (x bkh) getAccount(ctx context.Context, in *api.IDParam) (*bankAccountOut, error) {
	a, err := x.bk.Account(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &bankAccountOut{*a}, nil
}

func (x bkh) updateAccount(ctx context.Context, in *struct {
	api.IDParam
	Body FinBankAccountInput
}) (*bankAccountOut, error) {
	a, err := x.bk.UpdateAccount(ctx, in.ID, bankAccountIn(in.Body))
	if err != nil {
		return nil, err
	}
	return &bankAccountOut{*a}, nil
}

func (x bkh) listLines(ctx context.Context, in *struct {
	api.IDParam
	Status string `query:"status" enum:"matched,unmatched,"`
	Limit  int    `query:"limit" minimum:"1" maximum:"5000" default:"500"`
}) (*struct{ Body []bank.StatementLine }, error) {
	ls, err := x.bk.Lines(ctx, bank.LineFilter{BankAccountID: in.ID, Status: in.Status, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return &struct{ Body []bank.StatementLine }{ls}, nil
}

func (x bkh) preview(ctx context.Context, in *struct {
	api.IDParam
	Body FinStatementInput
}) (*struct{ Body bank.StatementPreview }, error) {
	p, err := x.bk.PreviewImport(ctx, bank.ImportInput{BankAccountID: in.ID, Data: in.Body.File, Mapping: in.Body.Mapping})
	if err != nil {
		return nil, err
	}
	return &struct{ Body bank.StatementPreview }{*p}, nil
}

func (x bkh) importStatement(ctx context.Context, in *struct {
	api.IDParam
	Body FinStatementInput
}) (*struct{ Body bank.StatementImport }, error) {
	r, err := x.bk.Import(ctx, bank.ImportInput{BankAccountID: in.ID, Data: in.Body.File, Mapping: in.Body.Mapping})
	if err != nil {
		return nil, err
	}
	return &struct{ Body bank.StatementImport }{*r}, nil
}

func (x bkh) template(ctx context.Context, in *struct {
	Format string `query:"format" enum:"csv,xlsx" default:"csv"`
}) (*xlsxOut, error) {
	b, err := bank.Template(in.Format)
	if err != nil {
		return nil, err
	}
	if in.Format == "xlsx" {
		return &xlsxOut{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			ContentDisposition: `attachment; filename="bank-statement-template.xlsx"`, Body: b}, nil
	}
	return &xlsxOut{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="bank-statement-template.csv"`, Body: b}, nil
}

func (x bkh) reconcile(ctx context.Context, in *struct {
	api.IDParam
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body bank.BankReconciliation }, error) {
	r, err := x.bk.Reconcile(ctx, in.ID, in.Date)
	if err != nil {
		return nil, err
	}
	return &struct{ Body bank.BankReconciliation }{*r}, nil
}

func (x bkh) suggest(ctx context.Context, in *api.IDParam) (*struct{ Body []bank.MatchSuggestion }, error) {
	s, err := x.bk.Suggest(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []bank.MatchSuggestion }{s}, nil
}

func (x bkh) match(ctx context.Context, in *struct {
	api.IDParam
	Body FinMatchInput
}) (*struct{ Body bank.StatementLine }, error) {
	var d decimals
	b := in.Body
	allocs := allocationsIn(&d, b.Allocations)
	if err := d.err(); err != nil {
		return nil, err
	}
	l, err := x.bk.Match(ctx, in.ID, bank.MatchInput{Action: b.Action, CustomerID: b.CustomerID, ContractID: b.ContractID,
		Allocations: allocs, PaymentID: b.PaymentID, SupplierID: b.SupplierID, BillID: b.BillID, Account: b.Account, Memo: b.Memo})
	if err != nil {
		return nil, err
	}
	return &struct{ Body bank.StatementLine }{*l}, nil
}

func (x bkh) unmatch(ctx context.Context, in *api.IDParam) (*struct{ Body bank.StatementLine }, error) {
	l, err := x.bk.Unmatch(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body bank.StatementLine }{*l}, nil
}

func (x bkh) listContracts(ctx context.Context, in *struct {
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}) (*struct {
	Body []contracts.ContractReconciliation
}, error) {
	cs, err := x.ct.Contracts(ctx, in.Date)
	if err != nil {
		return nil, err
	}
	return &struct {
		Body []contracts.ContractReconciliation
	}{cs}, nil
}

func (x bkh) getContract(ctx context.Context, in *struct {
	ID   string `path:"id" maxLength:"64"`
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}) (*struct {
	Body contracts.ContractReconciliation
}, error) {
	c, err := x.ct.Contract(ctx, in.ID, in.Date)
	if err != nil {
		return nil, err
	}
	return &struct {
		Body contracts.ContractReconciliation
	}{*c}, nil
}

func (x bkh) exportContracts(ctx context.Context, in *struct {
	Date string `query:"date" doc:"YYYY-MM-DD; today when empty."`
	Lang string `query:"lang" enum:"en,zh-Hans," doc:"Language of the headings."`
}) (*xlsxOut, error) {
	cs, err := x.ct.Contracts(ctx, in.Date)
	if err != nil {
		return nil, err
	}
	lang := in.Lang
	if lang == "" {
		lang = i18n.Lang(ctx)
	}
	b, err := contracts.Excel(cs, func(k string) string { return i18n.TL(lang, k) })
	if err != nil {
		return nil, err
	}
	return &xlsxOut{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		ContentDisposition: `attachment; filename="contract-reconciliation.xlsx"`, Body: b}, nil
}

func (x bkh) cashFlow(ctx context.Context, in *struct {
	From string `query:"from" doc:"YYYY-MM-DD; the first of this month when empty."`
	To   string `query:"to" doc:"YYYY-MM-DD; today when empty."`
}) (*struct{ Body reports.CashFlow }, error) {
	x.rp.Defaults(ctx, &in.From, &in.To, nil)
	cf, err := x.rp.CashFlowStatement(ctx, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return &struct{ Body reports.CashFlow }{*cf}, nil
}

func (x bkh) cashFlowLines(ctx context.Context, in *struct {
	From string `query:"from" doc:"YYYY-MM-DD; the first of this month when empty."`
	To   string `query:"to" doc:"YYYY-MM-DD; today when empty."`
	Item string `query:"item" doc:"The statement line; empty for all."`
}) (*struct{ Body []reports.CashFlowLine }, error) {
	x.rp.Defaults(ctx, &in.From, &in.To, nil)
	ls, err := x.rp.CashFlowDetail(ctx, in.From, in.To, in.Item)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []reports.CashFlowLine }{ls}, nil
}

func (x bkh) listRules(ctx context.Context, _ *struct{}) (*struct{ Body []reports.CashFlowRule }, error) {
	rs, err := x.rp.CashFlowRules(ctx)
	if err != nil {
		return nil, err
	}
	return &struct{ Body []reports.CashFlowRule }{rs}, nil
}

func (x bkh) saveRule(ctx context.Context, in *struct{ Body FinCashFlowRuleInput }) (*struct{ Body reports.CashFlowRule }, error) {
	b := in.Body
	r, err := x.rp.SaveCashFlowRule(ctx, reports.CashFlowRule{AccountPrefix: b.AccountPrefix, SourceKind: b.SourceKind, Direction: b.Direction, Item: b.Item})
	if err != nil {
		return nil, err
	}
	return &struct{ Body reports.CashFlowRule }{*r}, nil
}

func (x bkh) deleteRule(ctx context.Context, in *struct {
	ID string `path:"id" maxLength:"64"`
}) (*struct{}, error) {
	return nil, x.rp.DeleteCashFlowRule(ctx, in.ID)
}
