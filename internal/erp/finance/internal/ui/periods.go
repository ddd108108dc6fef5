package ui

import (
	"net/http"
	"strconv"

	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// periodsView is one fiscal year's periods.
type periodsView struct {
	Year    int
	Periods []ledger.PeriodSummary
	Company *ledger.Company
}

func (h *handler) periodList(w http.ResponseWriter, r *http.Request) {
	h.showPeriods(w, r, http.StatusOK, "")
}

func (h *handler) showPeriods(w http.ResponseWriter, r *http.Request, status int, problem string) {
	ctx := r.Context()
	c, err := h.l.Company(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := periodsView{Company: c, Year: c.FiscalYearOf(h.l.Today(ctx))}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 1900 && y <= 9999 {
		v.Year = y
	}
	if v.Periods, err = h.l.Periods(ctx, v.Year); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, status, webui.Page{Title: "fin.periods.title", Active: "fin-periods"}, problem, periodsPage(v))
}

// periodAction closes, reopens or locks the period in the path.
func (h *handler) periodAction(do func(h *handler, r *http.Request, id string) (*ledger.Period, error), flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.parseForm(w, r) {
			return
		}
		p, err := do(h, r, r.PathValue("id"))
		if err != nil {
			e, status, ok := formErrors(r.Context(), err)
			if !ok {
				h.fail(w, r, err)
				return
			}
			msg := e[""]
			for _, m := range e {
				if msg == "" {
					msg = m
				}
			}
			h.showPeriods(w, r, status, msg)
			return
		}
		redirect(w, r, "/erp/finance/periods?year="+strconv.Itoa(p.FiscalYear), flash)
	}
}
