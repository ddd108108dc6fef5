package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/bank"
	"github.com/loom-erp/loom/internal/erp/finance/internal/contracts"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// BankNav lists the screens of bank accounts, contract reconciliation and
// the cash-flow statement.
var BankNav = []webui.NavItem{
	{Key: "fin-bank", Href: "/erp/finance/bank", LabelKey: "fin.nav.bank", Perm: finance.PermBankRead},
	{Key: "fin-contracts", Href: "/erp/finance/contracts", LabelKey: "fin.nav.contracts", Perm: finance.PermContractRead},
	{Key: "fin-cashflow", Href: "/erp/finance/cash-flow", LabelKey: "fin.nav.cashflow", Perm: finance.PermReportRead},
}

func init() {
	Nav = append(Nav, BankNav...)
	for _, name := range []string{"bank_saved", "bank_imported", "bank_matched", "bank_unmatched", "cashflow_rule_saved", "cashflow_rule_deleted"} {
		flashes[name] = "success"
	}
}

// bankHandler serves the bank, contract and cash-flow screens.
type bankHandler struct {
	*handler
	bk *bank.Service
	ct *contracts.Service
}

// RegisterBank adds the bank, contract reconciliation and cash-flow screens.
func RegisterBank(rt *webui.Router, d Deps, bk *bank.Service, ct *contracts.Service) {
	h := &bankHandler{handler: &handler{l: d.Ledger, ar: d.Receivables, rp: d.Reports, page: d.Page, log: d.Log}, bk: bk, ct: ct}
	rt.HandleFunc("GET /erp/finance/bank", finance.PermBankRead, h.bankList)
	rt.HandleFunc("POST /erp/finance/bank", finance.PermBankManage, h.bankCreate)
	rt.HandleFunc("GET /erp/finance/bank/template.csv", finance.PermBankReconcile, h.bankTemplate("csv"))
	rt.HandleFunc("GET /erp/finance/bank/template.xlsx", finance.PermBankReconcile, h.bankTemplate("xlsx"))
	rt.HandleFunc("GET /erp/finance/bank/{id}", finance.PermBankReconcile, h.bankShow)
	rt.HandleFunc("POST /erp/finance/bank/{id}/import", finance.PermBankReconcile, h.bankImport)
	rt.HandleFunc("GET /erp/finance/bank/lines/{id}", finance.PermBankReconcile, h.lineShow)
	rt.HandleFunc("POST /erp/finance/bank/lines/{id}/match", finance.PermBankReconcile, h.lineMatch)
	rt.HandleFunc("POST /erp/finance/bank/lines/{id}/unmatch", finance.PermBankReconcile, h.lineUnmatch)
	rt.HandleFunc("GET /erp/finance/contracts", finance.PermContractRead, h.contractList)
	rt.HandleFunc("GET /erp/finance/contracts.xlsx", finance.PermContractRead, h.contractExport)
	rt.HandleFunc("GET /erp/finance/contracts/{id}", finance.PermContractRead, h.contractShow)
	rt.HandleFunc("GET /erp/finance/cash-flow", finance.PermReportRead, h.cashFlow)
	rt.HandleFunc("GET /erp/finance/cash-flow.xlsx", finance.PermReportRead, h.cashFlowExport)
	rt.HandleFunc("GET /erp/finance/cash-flow/lines", finance.PermReportRead, h.cashFlowLines)
	rt.HandleFunc("POST /erp/finance/cash-flow/rules", finance.PermAccountManage, h.cashFlowRuleSave)
	rt.HandleFunc("POST /erp/finance/cash-flow/rules/{id}/delete", finance.PermAccountManage, h.cashFlowRuleDelete)
}

// bankListView is the bank accounts and the form that adds one.
type bankListView struct {
	Accounts  []bank.BankAccount
	CanManage bool
	Form      bank.AccountInput
	Errors    errs
}

func (h *bankHandler) bankList(w http.ResponseWriter, r *http.Request) {
	h.showBankList(w, r, http.StatusOK, bankListView{Form: bank.AccountInput{Currency: "CNY"}})
}

func (h *bankHandler) showBankList(w http.ResponseWriter, r *http.Request, status int, v bankListView) {
	ctx := r.Context()
	var err error
	if v.Accounts, err = h.bk.Accounts(ctx, false); err != nil {
		h.fail(w, r, err)
		return
	}
	v.CanManage = can(ctx, finance.PermBankManage)
	h.show(w, r, status, webui.Page{Title: "fin.bank.title", Active: "fin-bank"}, v.Errors[""], bankListPage(v))
}

func (h *bankHandler) bankCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	in := bank.AccountInput{Name: f.text("name"), Bank: f.text("bank"), Number: f.text("number"), Currency: f.text("currency"), Account: f.text("account")}
	if _, err := h.bk.CreateAccount(r.Context(), in); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showBankList(w, r, status, bankListView{Form: in, Errors: errs(e).only("name", "bank", "number", "currency", "account")})
		return
	}
	redirect(w, r, "/erp/finance/bank", "bank_saved")
}

func (h *bankHandler) bankTemplate(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := bank.Template(format)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if format == "xlsx" {
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		} else {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		}
		w.Header().Set("Content-Disposition", `attachment; filename="bank-statement-template.`+format+`"`)
		_, _ = w.Write(b)
	}
}

// bankView is a bank account's statement page.
type bankView struct {
	Account   bank.BankAccount
	Rec       *bank.BankReconciliation
	Lines     []bank.StatementLine
	Date      string
	Preview   *bank.StatementPreview
	Data      string // the previewed file, base64, to import without choosing it again
	Mapping   map[string]string
	Problem   string
	RowErrors []bank.StatementRowError
}

func (h *bankHandler) bankShow(w http.ResponseWriter, r *http.Request) {
	h.showBank(w, r, http.StatusOK, bankView{Date: r.URL.Query().Get("date")})
}

func (h *bankHandler) showBank(w http.ResponseWriter, r *http.Request, status int, v bankView) {
	ctx := r.Context()
	id := r.PathValue("id")
	a, err := h.bk.Account(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Account = *a
	if v.Rec, err = h.bk.Reconcile(ctx, id, v.Date); err != nil {
		e, st, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		v.Date, status, v.Problem = "", st, e["date"]
		if v.Rec, err = h.bk.Reconcile(ctx, id, ""); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	v.Date = v.Rec.Date
	if v.Lines, err = h.bk.Lines(ctx, bank.LineFilter{BankAccountID: id, Limit: 300}); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Mapping == nil {
		v.Mapping = map[string]string{}
	}
	h.show(w, r, status, webui.Page{Title: "fin.bank.title", Active: "fin-bank"}, v.Problem, bankPage(v))
}

// maxStatementBytes bounds an uploaded statement.
const maxStatementBytes = 8 << 20

func (h *bankHandler) bankImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxStatementBytes)
	if err := r.ParseMultipartForm(maxStatementBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.too_large", "The file is too large").
			WithParams(map[string]any{"Limit": maxStatementBytes}).WithCause(err))
		return
	}
	ctx := r.Context()
	v := bankView{Mapping: map[string]string{}}
	for _, f := range bank.Fields {
		if m := r.FormValue("map_" + f); m != "" {
			v.Mapping[f] = m
		}
	}
	var data []byte
	if file, _, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(file)
		file.Close()
		if err != nil {
			h.fail(w, r, err)
			return
		}
	} else if enc := r.FormValue("data"); enc != "" {
		if data, err = base64.StdEncoding.DecodeString(enc); err != nil {
			data = nil
		}
	}
	in := bank.ImportInput{BankAccountID: r.PathValue("id"), Data: data, Mapping: v.Mapping}
	if r.FormValue("action") == "import" {
		_, err := h.bk.Import(ctx, in)
		if err == nil {
			redirect(w, r, "/erp/finance/bank/"+in.BankAccountID, "bank_imported")
			return
		}
		if _, _, ok := formErrors(ctx, err); !ok {
			h.fail(w, r, err)
			return
		}
	}
	p, err := h.bk.PreviewImport(ctx, in)
	if err != nil {
		e, status, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		for _, msg := range e {
			v.Problem = msg
			break
		}
		h.showBank(w, r, status, v)
		return
	}
	v.Preview, v.Data = p, base64.StdEncoding.EncodeToString(data)
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		v.Problem = tr(ctx, "fin.bank.preview_errors")
	}
	h.showBank(w, r, status, v)
}

// lineView is a statement line with the ways to match it.
type lineView struct {
	Line            bank.StatementLine
	Account         bank.BankAccount
	Suggestions     []bank.MatchSuggestion
	Customers       []receivables.Customer
	Form            matchForm
	Errors          errs
	CanJournal      bool
	CanPaySuppliers bool
}

// matchForm is the match form as typed.
type matchForm struct {
	Action, CustomerID, ContractID, InvoiceID, Amount, PaymentID, SupplierID, BillID, Account, Memo string
}

func (h *bankHandler) lineShow(w http.ResponseWriter, r *http.Request) {
	h.showLine(w, r, http.StatusOK, lineView{})
}

func (h *bankHandler) showLine(w http.ResponseWriter, r *http.Request, status int, v lineView) {
	ctx := r.Context()
	l, err := h.bk.Line(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Line = *l
	a, err := h.bk.Account(ctx, l.BankAccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Account = *a
	if v.Suggestions, err = h.bk.Suggest(ctx, l.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if l.Amount.Sign() > 0 && can(ctx, finance.PermCustomerRead) {
		if v.Customers, err = h.ar.Customers(ctx, receivables.CustomerFilter{Limit: 1000}); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	v.CanJournal = can(ctx, finance.PermEntryPost)
	v.CanPaySuppliers = can(ctx, finance.PermPayableWrite)
	h.show(w, r, status, webui.Page{Title: "fin.bank.match.title", Active: "fin-bank"}, v.Errors[""], linePage(v))
}

func (h *bankHandler) lineMatch(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	mf := matchForm{Action: f.text("action"), CustomerID: f.text("customer_id"), ContractID: f.text("contract_id"), InvoiceID: f.text("invoice_id"),
		Amount: f.text("amount"), PaymentID: f.text("payment_id"), SupplierID: f.text("supplier_id"), BillID: f.text("bill_id"),
		Account: f.text("account"), Memo: f.text("memo")}
	in := bank.MatchInput{Action: mf.Action, CustomerID: mf.CustomerID, ContractID: mf.ContractID, PaymentID: mf.PaymentID,
		SupplierID: mf.SupplierID, BillID: mf.BillID, Account: mf.Account, Memo: mf.Memo}
	if mf.InvoiceID != "" {
		in.Allocations = []receivables.AllocationInput{{InvoiceID: mf.InvoiceID, Amount: f.amount("amount", "allocations[0].amount")}}
	}
	err := f.err()
	if err == nil {
		_, err = h.bk.Match(ctx, r.PathValue("id"), in)
	}
	if err != nil {
		e, status, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showLine(w, r, status, lineView{Form: mf, Errors: errs(e).only("customer_id", "contract_id", "supplier_id", "account", "memo")})
		return
	}
	l, err := h.bk.Line(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/erp/finance/bank/"+l.BankAccountID, "bank_matched")
}

func (h *bankHandler) lineUnmatch(w http.ResponseWriter, r *http.Request) {
	l, err := h.bk.Unmatch(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/erp/finance/bank/"+l.BankAccountID, "bank_unmatched")
}

// contractsView is the contract reconciliation.
type contractsView struct {
	Date      string
	Contracts []contracts.ContractReconciliation
	Contract  *contracts.ContractReconciliation
}

func (h *bankHandler) contractList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := contractsView{Date: r.URL.Query().Get("date")}
	if v.Date != "" && !validDay(v.Date) {
		v.Date = ""
	}
	var err error
	if v.Contracts, err = h.ct.Contracts(ctx, v.Date); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Date == "" {
		v.Date = h.l.Today(ctx)
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.contract.title", Active: "fin-contracts"}, "", contractsPage(v))
}

func (h *bankHandler) contractShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := contractsView{Date: r.URL.Query().Get("date")}
	if v.Date != "" && !validDay(v.Date) {
		v.Date = ""
	}
	c, err := h.ct.Contract(ctx, r.PathValue("id"), v.Date)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Contract = c
	if v.Date == "" {
		v.Date = h.l.Today(ctx)
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.contract.title", Active: "fin-contracts"}, "", contractPage(v))
}

func (h *bankHandler) contractExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	date := r.URL.Query().Get("date")
	if date != "" && !validDay(date) {
		date = ""
	}
	cs, err := h.ct.Contracts(ctx, date)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := contracts.Excel(cs, func(k string) string { return tr(ctx, k) })
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="contract-reconciliation.xlsx"`)
	_, _ = w.Write(b)
}

// cashFlowView is the cash-flow statement with its classification rules.
type cashFlowView struct {
	From, To  string
	CF        *reports.CashFlow
	Rules     []reports.CashFlowRule
	Lines     []reports.CashFlowLine
	Item      string
	CanManage bool
	Form      reports.CashFlowRule
	Errors    errs
}

// cashFlowRange reads the range of a cash-flow request, this month by default.
func (h *bankHandler) cashFlowRange(r *http.Request) (string, string) {
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if !validDay(from) {
		from = ""
	}
	if !validDay(to) {
		to = ""
	}
	h.rp.Defaults(r.Context(), &from, &to, nil)
	return from, to
}

func (h *bankHandler) cashFlow(w http.ResponseWriter, r *http.Request) {
	from, to := h.cashFlowRange(r)
	h.showCashFlow(w, r, http.StatusOK, cashFlowView{From: from, To: to})
}

func (h *bankHandler) showCashFlow(w http.ResponseWriter, r *http.Request, status int, v cashFlowView) {
	ctx := r.Context()
	var err error
	problem := v.Errors[""]
	if v.CF, err = h.rp.CashFlowStatement(ctx, v.From, v.To); err != nil {
		e, st, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		status, problem = st, e["to"]
		v.From, v.To = "", ""
		h.rp.Defaults(ctx, &v.From, &v.To, nil)
		if v.CF, err = h.rp.CashFlowStatement(ctx, v.From, v.To); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if v.Rules, err = h.rp.CashFlowRules(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	v.CanManage = can(ctx, finance.PermAccountManage)
	h.show(w, r, status, webui.Page{Title: "fin.cashflow.title", Active: "fin-cashflow"}, problem, cashFlowPage(v))
}

func (h *bankHandler) cashFlowLines(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	from, to := h.cashFlowRange(r)
	v := cashFlowView{From: from, To: to, Item: r.URL.Query().Get("item")}
	if v.Item != "" && !slices.Contains(reports.CashFlowItems, v.Item) {
		v.Item = ""
	}
	var err error
	if v.Lines, err = h.rp.CashFlowDetail(ctx, from, to, v.Item); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.cashflow.lines_title", Active: "fin-cashflow"}, "", cashFlowLinesPage(v))
}

func (h *bankHandler) cashFlowExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	from, to := h.cashFlowRange(r)
	cf, err := h.rp.CashFlowStatement(ctx, from, to)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := cf.XLSX(lang(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="cash-flow-`+from+`-`+to+`.xlsx"`)
	_, _ = w.Write(b)
}

func (h *bankHandler) cashFlowRuleSave(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	in := reports.CashFlowRule{AccountPrefix: f.text("account_prefix"), SourceKind: f.text("source_kind"), Direction: f.text("direction"), Item: f.text("item")}
	if _, err := h.rp.SaveCashFlowRule(r.Context(), in); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		from, to := h.cashFlowRange(r)
		h.showCashFlow(w, r, status, cashFlowView{From: from, To: to, Form: in, Errors: errs(e).only("account_prefix", "source_kind", "direction", "item")})
		return
	}
	redirect(w, r, "/erp/finance/cash-flow", "cashflow_rule_saved")
}

func (h *bankHandler) cashFlowRuleDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.rp.DeleteCashFlowRule(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/erp/finance/cash-flow", "cashflow_rule_deleted")
}

// validDay reports whether s is a date as YYYY-MM-DD.
func validDay(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i, c := range s {
		if (i == 4 || i == 7) != (c == '-') || (c != '-' && (c < '0' || c > '9')) {
			return false
		}
	}
	return true
}

// reasonsText says why a suggestion fits, in the request's language.
func reasonsText(ctx context.Context, rs []string) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = tr(ctx, "fin.bank.match.reason_"+r)
	}
	return strings.Join(out, "、")
}

// allocationFor is what a confirmed suggestion applies to its invoice:
// the line's amount, or the invoice's open amount when that is less.
func allocationFor(line, open money.Amount) string {
	if open.Cmp(line) < 0 {
		return open.String()
	}
	return line.String()
}

// documentHref links to a contract document.
func documentHref(d contracts.ContractDocument) templ.SafeURL {
	if d.Kind == "payment" {
		return href("/erp/finance/payments/", d.ID)
	}
	return href("/erp/finance/invoices/", d.ID)
}

// directionLabel names a rule's direction.
func directionLabel(ctx context.Context, d string) string {
	if d == "" {
		return tr(ctx, "fin.cashflow.direction_any")
	}
	return tr(ctx, "fin.cashflow.direction_"+d)
}

// cashFlowItemOptions are the lines of the cash-flow statement to pick from.
func cashFlowItemOptions(ctx context.Context) []option {
	out := make([]option, 0, len(reports.CashFlowItems))
	for _, it := range reports.CashFlowItems {
		out = append(out, option{it, tr(ctx, "fin.cashflow.item."+it)})
	}
	return out
}
