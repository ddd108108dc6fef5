package ui

import (
	"context"
	"net/http"

	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// accountsView is the chart of accounts with its filters.
type accountsView struct {
	Query, Type string
	Accounts    []ledger.Account
}

// accountView is one account's page: its form, new or existing.
type accountView struct {
	ID         string // "" for a new account
	In         ledger.AccountInput
	Account    *ledger.Account
	Currencies []ledger.Currency
	Errors     errs
}

// can reports whether the user of the request holds perm.
func can(ctx context.Context, perm authz.Permission) bool {
	return authz.FromContext(ctx).Can(perm)
}

func (h *handler) accountList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := accountsView{Query: q.Get("q"), Type: q.Get("type")}
	var err error
	if v.Accounts, err = h.l.Accounts(r.Context(), ledger.AccountFilter{Query: v.Query, Type: v.Type}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "fin.accounts.title", Active: "fin-accounts"}, "", accountsPage(v))
}

func (h *handler) accountNew(w http.ResponseWriter, r *http.Request) {
	h.showAccount(w, r, http.StatusOK, accountView{In: ledger.AccountInput{Code: r.URL.Query().Get("parent"), Active: true}})
}

func (h *handler) accountShow(w http.ResponseWriter, r *http.Request) {
	a, err := h.l.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.showAccount(w, r, http.StatusOK, accountView{ID: a.ID, Account: a, In: accountInput(a)})
}

func accountInput(a *ledger.Account) ledger.AccountInput {
	return ledger.AccountInput{Code: a.Code, NameZH: a.NameZH, NameEN: a.NameEN, Type: a.Type, NormalBalance: a.NormalBalance,
		Currency: a.Currency, Control: a.Control, Cash: a.Cash, ReportGroup: a.ReportGroup, Active: a.Active, Version: a.Version}
}

func (h *handler) showAccount(w http.ResponseWriter, r *http.Request, status int, v accountView) {
	var err error
	if v.Currencies, err = h.l.Currencies(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.ID != "" && v.Account == nil {
		if v.Account, err = h.l.Account(r.Context(), v.ID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	title := "fin.account.new"
	if v.ID != "" {
		title = "fin.account.title"
	}
	h.show(w, r, status, webui.Page{Title: title, Active: "fin-accounts"}, v.Errors[""], accountPage(v))
}

func readAccount(f *form) ledger.AccountInput {
	return ledger.AccountInput{Code: f.text("code"), NameZH: f.text("name_zh"), NameEN: f.text("name_en"), Type: f.text("type"),
		NormalBalance: f.text("normal_balance"), Currency: f.text("currency"), Control: f.text("control"), Cash: f.bool("cash"),
		ReportGroup: f.text("report_group"), Active: f.bool("active"), Version: f.int64("version")}
}

var accountFields = []string{"code", "name_zh", "name_en", "type", "normal_balance", "currency", "control", "report_group", "active"}

func (h *handler) accountCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	in := readAccount(newForm(r.PostForm))
	a, err := h.l.CreateAccount(r.Context(), in)
	if err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showAccount(w, r, status, accountView{In: in, Errors: errs(e).only(accountFields...)})
		return
	}
	redirect(w, r, "/erp/finance/accounts/"+a.ID, "account_saved")
}

func (h *handler) accountUpdate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	in := readAccount(newForm(r.PostForm))
	if _, err := h.l.UpdateAccount(r.Context(), id, in); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showAccount(w, r, status, accountView{ID: id, In: in, Errors: errs(e).only(accountFields...)})
		return
	}
	redirect(w, r, "/erp/finance/accounts/"+id, "account_saved")
}

func (h *handler) accountDelete(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if err := h.l.DeleteAccount(r.Context(), id, newForm(r.PostForm).int64("version")); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showAccount(w, r, status, accountView{ID: id, Errors: errs(e).only()})
		return
	}
	redirect(w, r, "/erp/finance/accounts", "account_deleted")
}

func typeOptions(ctx context.Context, blank string) []option {
	var out []option
	if blank != "" {
		out = append(out, option{"", tr(ctx, blank)})
	}
	for _, t := range coa.Types {
		out = append(out, option{t, tr(ctx, "fin.type."+t)})
	}
	return out
}

func normalOptions(ctx context.Context) []option {
	return []option{{"", tr(ctx, "fin.account.normal_auto")}, {coa.Debit, tr(ctx, "fin.side.debit")}, {coa.Credit, tr(ctx, "fin.side.credit")}}
}

func accountCurrencyOptions(ctx context.Context, cs []ledger.Currency) []option {
	out := []option{{"", tr(ctx, "fin.account.currency_base")}, {"*", tr(ctx, "fin.account.currency_any")}}
	for _, c := range cs {
		out = append(out, option{c.Code, c.Code + " " + c.Name(lang(ctx))})
	}
	return out
}

func controlOptions(ctx context.Context) []option {
	return []option{{"", tr(ctx, "fin.control.none")}, {"ar", tr(ctx, "fin.control.ar")}, {"ap", tr(ctx, "fin.control.ap")}}
}

func groupOptions(ctx context.Context) []option {
	out := []option{{"", tr(ctx, "fin.account.group_auto")}}
	for _, g := range coa.Groups() {
		out = append(out, option{g, tr(ctx, "fin.group."+g)})
	}
	return out
}

func accountCurrencyLabel(ctx context.Context, c string) string {
	switch c {
	case "":
		return tr(ctx, "fin.account.currency_base")
	case "*":
		return tr(ctx, "fin.account.currency_any")
	}
	return c
}
