package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// ---- price lists ----

type priceListsView struct {
	Lists     []quote.PriceList
	CanManage bool
}

func (h *Handler) priceLists(w http.ResponseWriter, r *http.Request) {
	ls, err := h.svc.PriceLists(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := priceListsView{Lists: ls, CanManage: authz.FromContext(r.Context()).Can(quote.PermManage)}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.price.title", Active: "crm.prices"}, priceListsPage(v))
}

type priceRow struct{ Code, MinQty, Price string }

type priceListForm struct {
	PL      quote.PriceList
	Rows    []priceRow
	Errors  crmui.Errors
	General string
}

func (h *Handler) priceListPage(w http.ResponseWriter, r *http.Request, status int, f priceListForm) {
	for range 6 {
		f.Rows = append(f.Rows, priceRow{})
	}
	title := "crm.price.new"
	if f.PL.ID != "" {
		title = "crm.price.edit_title"
	}
	h.kit.Show(w, r, status, webui.Page{Title: title, Active: "crm.prices"}, priceListFormPage(f))
}

func (h *Handler) newPriceList(w http.ResponseWriter, r *http.Request) {
	h.priceListPage(w, r, http.StatusOK, priceListForm{PL: quote.PriceList{Currency: "CNY", Active: true}})
}

func (h *Handler) editPriceList(w http.ResponseWriter, r *http.Request) {
	ls, err := h.svc.PriceLists(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, pl := range ls {
		if pl.ID == r.PathValue("id") {
			f := priceListForm{PL: pl}
			for _, p := range pl.Prices {
				f.Rows = append(f.Rows, priceRow{Code: p.Code, MinQty: p.MinQty.String(), Price: p.UnitPrice.String()})
			}
			h.priceListPage(w, r, http.StatusOK, f)
			return
		}
	}
	h.kit.Fail(w, r, apperr.NotFound("price list", r.PathValue("id")))
}

func (h *Handler) savePriceList(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	pf := r.PostForm
	f := priceListForm{PL: quote.PriceList{ID: r.PathValue("id"), Name: pf.Get("name"), Level: pf.Get("level"), Currency: pf.Get("currency"),
		Active: pf.Get("active") != ""}}
	f.PL.Version, _ = strconv.Atoi(pf.Get("version"))
	var p valid.Problems
	for i, code := range pf["price_code"] {
		rw := priceRow{Code: strings.TrimSpace(code), MinQty: at(pf["price_min"], i), Price: at(pf["price_unit"], i)}
		if rw.Code == "" {
			continue
		}
		n := len(f.PL.Prices)
		field := func(s string) string { return "prices[" + strconv.Itoa(n) + "]." + s }
		f.Rows = append(f.Rows, rw)
		pr := quote.PriceRule{MinQty: p.Quantity(field("min_qty"), orZero(rw.MinQty), false)}
		if v, err := money.ParseUnitPrice(strings.ReplaceAll(rw.Price, ",", "")); err == nil {
			pr.UnitPrice = v
		} else {
			p.Add(field("unit_price"), valid.KeyAmount, "Enter an amount such as 1234.50")
		}
		if it, err := h.items.ItemByCode(ctx, rw.Code); err == nil {
			pr.ItemID = it.ID
		} else {
			p.Add(field("item_id"), "crm.quote.error.item_unknown", "There is no such product")
		}
		f.PL.Prices = append(f.PL.Prices, pr)
	}
	err := p.Err()
	var saved *quote.PriceList
	if err == nil {
		saved, err = h.svc.SavePriceList(ctx, f.PL)
	}
	if err != nil {
		fields, general, ok := crmui.FormErrors(ctx, err)
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		f.Errors, f.General = fields, general
		h.priceListPage(w, r, apperr.Status(err), f)
		return
	}
	crmui.Redirect(w, r, "/crm/prices/"+saved.ID, "price_list_saved")
}

func orZero(s string) string {
	if strings.TrimSpace(s) == "" {
		return "0"
	}
	return s
}

// ---- customer prices, on the account page ----

type customerPricesView struct {
	Account   *customer.Account
	Prices    []quote.CustomerPrice
	CanManage bool
	In        priceRow
}

func (h *Handler) customerPricesPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	p := authz.FromContext(ctx)
	if !p.Can(quote.PermRead) {
		return nil, nil
	}
	ps, err := h.svc.CustomerPrices(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 && !p.Can(quote.PermManage) {
		return nil, nil
	}
	return customerPricesPanel(customerPricesView{Account: acc, Prices: ps, CanManage: p.Can(quote.PermManage)}), nil
}

func (h *Handler) setCustomerPrice(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	pf := r.PostForm
	id := r.PathValue("id")
	cp := quote.CustomerPrice{AccountID: id, Currency: pf.Get("currency")}
	var p valid.Problems
	cp.MinQty = p.Quantity("min_qty", orZero(pf.Get("min_qty")), false)
	if v, err := money.ParseUnitPrice(strings.ReplaceAll(pf.Get("unit_price"), ",", "")); err == nil {
		cp.UnitPrice = v
	} else {
		p.Add("unit_price", valid.KeyAmount, "Enter an amount such as 1234.50")
	}
	if it, err := h.items.ItemByCode(ctx, pf.Get("code")); err == nil {
		cp.ItemID = it.ID
	} else {
		p.Add("item_id", "crm.quote.error.item_unknown", "There is no such product")
	}
	err := p.Err()
	if err == nil {
		_, err = h.svc.SetCustomerPrice(ctx, cp)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+id+"#customer-prices", "customer_price_saved")
}

func (h *Handler) deleteCustomerPrice(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	if err := h.svc.DeleteCustomerPrice(r.Context(), r.PathValue("id")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+r.PostForm.Get("account_id"), "customer_price_deleted")
}

// ---- settings ----

type settingsForm struct {
	S         quote.Settings
	Threshold string
	Errors    crmui.Errors
	General   string
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.quote_settings.title", Active: "crm.prices"},
		settingsPage(settingsForm{S: st, Threshold: st.DiscountThreshold.String()}))
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	pf := r.PostForm
	f := settingsForm{Threshold: pf.Get("discount_threshold"), S: quote.Settings{CreditPolicy: quote.CreditPolicy(pf.Get("credit_policy")),
		Company: pf.Get("company"), CompanyEN: pf.Get("company_en"), Terms: pf.Get("terms"), TermsEN: pf.Get("terms_en")}}
	var p valid.Problems
	f.S.DiscountThreshold = p.Rate("discount_threshold", f.Threshold, true)
	days, convErr := strconv.Atoi(strings.TrimSpace(pf.Get("validity_days")))
	if convErr != nil {
		p.Add("validity_days", "crm.quote.error.validity", "Between 1 and 365 days")
	}
	f.S.ValidityDays = days
	err := p.Err()
	if err == nil {
		_, err = h.svc.SaveSettings(r.Context(), f.S)
	}
	if err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err)
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		f.Errors, f.General = fields, general
		h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: "crm.quote_settings.title", Active: "crm.prices"}, settingsPage(f))
		return
	}
	crmui.Redirect(w, r, "/crm/quote-settings", "quote_settings_saved")
}

// ---- print ----

type printView struct {
	Q        *quote.Quote
	Account  *customer.Account
	Settings quote.Settings
	Lang     string
}

func (h *Handler) print(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := i18n.Lang(ctx)
	if l, ok := i18n.Match(r.URL.Query().Get("doc_lang")); ok {
		lang = l
	}
	q, err := h.svc.Get(ctx, r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	acc, err := h.customers.Get(ctx, q.AccountID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	st, err := h.svc.Settings(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	webui.Render(w, r, http.StatusOK, printPage(printView{Q: q, Account: acc, Settings: st, Lang: lang}))
}
