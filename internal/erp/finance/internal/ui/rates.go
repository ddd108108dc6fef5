package ui

import (
	"net/http"

	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// ratesView is the exchange-rate list and the form that enters a rate.
type ratesView struct {
	Currency   string
	Base       string
	Rates      []ledger.Rate
	Currencies []ledger.Currency
	// Form is the rate form as typed.
	FormCurrency, FormDate, FormRate string
	Errors                           errs
}

func (h *handler) rateList(w http.ResponseWriter, r *http.Request) {
	h.showRates(w, r, http.StatusOK, ratesView{Currency: r.URL.Query().Get("currency")})
}

func (h *handler) showRates(w http.ResponseWriter, r *http.Request, status int, v ratesView) {
	ctx := r.Context()
	c, err := h.l.Company(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Base = c.BaseCurrency
	if v.FormDate == "" {
		v.FormDate = h.l.Today(ctx)
	}
	if v.Rates, err = h.l.Rates(ctx, ledger.RateFilter{Currency: v.Currency}); err != nil {
		h.fail(w, r, err)
		return
	}
	all, err := h.l.Currencies(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, cur := range all {
		if cur.Code != v.Base {
			v.Currencies = append(v.Currencies, cur)
		}
	}
	h.show(w, r, status, webui.Page{Title: "fin.rates.title", Active: "fin-rates"}, v.Errors[""], ratesPage(v))
}

func (h *handler) rateSet(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	v := ratesView{FormCurrency: f.text("currency"), FormDate: f.text("date"), FormRate: f.text("rate")}
	rate := f.rate("rate", "rate")
	err := f.err()
	if err == nil {
		_, err = h.l.SetRate(r.Context(), v.FormCurrency, v.FormDate, rate)
	}
	if err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		v.Errors = errs(e).only("currency", "date", "rate")
		h.showRates(w, r, status, v)
		return
	}
	redirect(w, r, "/erp/finance/rates", "rate_saved")
}

func (h *handler) rateDelete(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if err := h.l.DeleteRate(r.Context(), r.PostForm.Get("currency"), r.PostForm.Get("date")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/erp/finance/rates", "rate_deleted")
}
