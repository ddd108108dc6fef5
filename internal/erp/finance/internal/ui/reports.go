package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/reports"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// reportView is a report's page: its inputs as given and the report, or
// the errors of the inputs.
type reportView struct {
	From, To, Date string
	Level          int
	Zero           bool
	Account        string
	Accounts       []ledger.Account
	TB             *reports.TrialBalance
	Ledger         *reports.AccountLedger
	Income         *reports.IncomeStatement
	Balance        *reports.BalanceSheet
	Aging          *reports.Aging
	Errors         errs
	XLSX           string // the report as a workbook
}

// defaults fills the dates a report starts with: this month to today.
func (h *handler) defaults(r *http.Request) reportView {
	q := r.URL.Query()
	today := h.l.Today(r.Context())
	v := reportView{From: q.Get("from"), To: q.Get("to"), Date: q.Get("date"), Account: q.Get("account"), Zero: q.Get("zero") == "1"}
	v.Level, _ = strconv.Atoi(q.Get("level"))
	if v.From == "" {
		v.From = today[:8] + "01"
	}
	if v.To == "" {
		v.To = today
	}
	if v.Date == "" {
		v.Date = today
	}
	return v
}

// report renders a report page, or its workbook when asked for format=xlsx.
func (h *handler) report(w http.ResponseWriter, r *http.Request, title, active string, v reportView, err error, xlsx func(lang string) ([]byte, error), body func(reportView) templ.Component) {
	v.XLSX = listHref(r, "format", "xlsx")
	if err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		v.Errors = errs(e)
		h.show(w, r, status, webui.Page{Title: title, Active: "fin-reports"}, "", body(v))
		return
	}
	if r.URL.Query().Get("format") == "xlsx" {
		b, err := xlsx(lang(r.Context()))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+active+`.xlsx"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
		return
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: title, Active: "fin-reports"}, "", body(v))
}

func (h *handler) reportIndex(w http.ResponseWriter, r *http.Request) {
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.reports.title", Active: "fin-reports"}, "", reportsIndex(h.defaults(r)))
}

func (h *handler) reportTB(w http.ResponseWriter, r *http.Request) {
	v := h.defaults(r)
	tb, err := h.rp.TrialBalance(r.Context(), reports.TBOptions{From: v.From, To: v.To, Level: v.Level, Zero: v.Zero})
	v.TB = tb
	h.report(w, r, "fin.reports.trial_balance", "trial-balance", v, err, func(l string) ([]byte, error) { return tb.XLSX(l) }, trialBalancePage)
}

func (h *handler) reportLedger(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := h.defaults(r)
	var err error
	if v.Accounts, err = h.l.Accounts(ctx, ledger.AccountFilter{}); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Account == "" {
		h.show(w, r, http.StatusOK, webui.Page{Title: "fin.reports.ledger", Active: "fin-reports"}, "", ledgerPage(v))
		return
	}
	limit := 2000
	if r.URL.Query().Get("format") == "xlsx" {
		limit = -1
	}
	l, err := h.rp.Ledger(ctx, reports.LedgerOptions{Account: v.Account, From: v.From, To: v.To, Limit: limit})
	v.Ledger = l
	h.report(w, r, "fin.reports.ledger", "ledger", v, err, func(lg string) ([]byte, error) { return l.XLSX(lg) }, ledgerPage)
}

func (h *handler) reportIncome(w http.ResponseWriter, r *http.Request) {
	v := h.defaults(r)
	s, err := h.rp.IncomeStatement(r.Context(), v.From, v.To)
	v.Income = s
	h.report(w, r, "fin.reports.income", "income-statement", v, err, func(l string) ([]byte, error) { return s.XLSX(l) }, incomePage)
}

func (h *handler) reportBalance(w http.ResponseWriter, r *http.Request) {
	v := h.defaults(r)
	s, err := h.rp.BalanceSheet(r.Context(), v.Date)
	v.Balance = s
	h.report(w, r, "fin.reports.balance_sheet", "balance-sheet", v, err, func(l string) ([]byte, error) { return s.XLSX(l) }, balancePage)
}

func (h *handler) reportAging(w http.ResponseWriter, r *http.Request) {
	v := h.defaults(r)
	a, err := h.rp.Aging(r.Context(), v.Date)
	v.Aging = a
	h.report(w, r, "fin.reports.aging", "ar-aging", v, err, func(l string) ([]byte, error) { return a.XLSX(l) }, agingPage)
}

func levelLabel(ctx context.Context, l int) string {
	if l == 0 {
		return tr(ctx, "fin.reports.all_levels")
	}
	return tr(ctx, "fin.reports.level_n", map[string]any{"Level": l})
}

func ledgerSpan(parent bool) string {
	if parent {
		return "4"
	}
	return "3"
}
