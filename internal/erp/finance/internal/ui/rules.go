package ui

import (
	"context"
	"net/http"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// rulesView is the posting rules, the form that adds one and the tester.
type rulesView struct {
	Rules    []ledger.Rule
	Accounts map[string]ledger.Account // by id
	Leaves   []ledger.Account          // active accounts that take postings
	Form     ledger.RuleInput
	Errors   errs
	// Test is the tester's question and TestResult its answer.
	Test       ledger.RuleInput
	TestResult *ledger.Account
	TestError  string
	// EditRule is the rule whose account change failed, with its error.
	EditRule, EditError string
}

func (h *handler) ruleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := rulesView{Test: ledger.RuleInput{SourceKind: q.Get("test_source"), Role: finance.Role(q.Get("test_role")),
		ItemCategory: q.Get("test_category"), Warehouse: q.Get("test_warehouse")}}
	if v.Test.Role != "" {
		a, err := h.l.ResolveRule(r.Context(), v.Test.SourceKind, v.Test.Role, v.Test.ItemCategory, v.Test.Warehouse)
		if err != nil {
			e, _, ok := formErrors(r.Context(), err)
			if !ok {
				h.fail(w, r, err)
				return
			}
			for _, m := range e {
				v.TestError = m
			}
		}
		v.TestResult = a
	}
	h.showRules(w, r, http.StatusOK, v)
}

func (h *handler) showRules(w http.ResponseWriter, r *http.Request, status int, v rulesView) {
	ctx := r.Context()
	var err error
	if v.Rules, err = h.l.Rules(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	all, err := h.l.Accounts(ctx, ledger.AccountFilter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Accounts = map[string]ledger.Account{}
	for _, a := range all {
		v.Accounts[a.ID] = a
		if a.Active && !a.HasChildren {
			v.Leaves = append(v.Leaves, a)
		}
	}
	h.show(w, r, status, webui.Page{Title: "fin.rules.title", Active: "fin-rules"}, v.Errors[""], rulesPage(v))
}

func (h *handler) ruleCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	in := ledger.RuleInput{SourceKind: f.text("source_kind"), Role: finance.Role(f.text("role")), ItemCategory: f.text("item_category"),
		Warehouse: f.text("warehouse"), AccountID: f.text("account_id")}
	if _, err := h.l.CreateRule(r.Context(), in); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showRules(w, r, status, rulesView{Form: in, Errors: errs(e).only("source_kind", "role", "item_category", "warehouse", "account_id")})
		return
	}
	redirect(w, r, "/erp/finance/rules", "rule_saved")
}

func (h *handler) ruleUpdate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.l.SetRuleAccount(r.Context(), id, r.PostForm.Get("account_id")); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		v := rulesView{EditRule: id}
		for _, m := range e {
			v.EditError = m
		}
		h.showRules(w, r, status, v)
		return
	}
	redirect(w, r, "/erp/finance/rules", "rule_saved")
}

func (h *handler) ruleDelete(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if err := h.l.DeleteRule(r.Context(), r.PathValue("id")); err != nil {
		e, status, ok := formErrors(r.Context(), err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showRules(w, r, status, rulesView{Errors: errs(e).only()})
		return
	}
	redirect(w, r, "/erp/finance/rules", "rule_deleted")
}

func roleOptions(ctx context.Context) []option {
	out := make([]option, 0, len(coa.Roles))
	for _, r := range coa.Roles {
		out = append(out, option{string(r), tr(ctx, "fin.role."+string(r))})
	}
	return out
}

func sourceOptions(ctx context.Context) []option {
	out := []option{{"", tr(ctx, "fin.rules.any_source")}}
	for _, k := range ledger.SourceKinds {
		out = append(out, option{k, sourceLabel(ctx, k)})
	}
	return out
}

// sourceLabel names a source kind, such as 发货 for inv.shipment.
func sourceLabel(ctx context.Context, kind string) string {
	if kind == "" {
		return tr(ctx, "fin.rules.any_source")
	}
	return tr(ctx, "fin.source."+kindKey(kind))
}

// kindKey turns inv.shipment into inv_shipment for message ids.
func kindKey(kind string) string {
	b := []byte(kind)
	for i, c := range b {
		if c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}

func leafOptions(ctx context.Context, as []ledger.Account) []option {
	out := []option{{"", tr(ctx, "fin.rules.pick_account")}}
	for _, a := range as {
		out = append(out, option{a.ID, a.Code + " " + named(ctx, a.NameZH, a.NameEN)})
	}
	return out
}

func anyText(ctx context.Context, s string) string {
	if s == "" {
		return tr(ctx, "fin.rules.any")
	}
	return s
}

func editErr(open bool, msg string) string {
	if open {
		return msg
	}
	return ""
}
