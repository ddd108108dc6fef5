package apui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// applyView is the form applying a prepayment or debit note to open bills.
type applyView struct {
	Source   *payables.ApplySource
	Supplier string
	Date     string
	Memo     string
	Open     []payables.OpenItem // the supplier's open bills in the source's currency
	Alloc    map[string]string
	Errors   map[string]string
}

func (h *handler) applyLoad(w http.ResponseWriter, r *http.Request, id string, v *applyView) bool {
	ctx := r.Context()
	src, err := h.ap.Source(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	v.Source, v.Supplier = src, h.ap.SupplierName(ctx, src.SupplierID)
	items, err := h.ap.OpenAt(ctx, "9999-12-31", src.SupplierID)
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	for _, it := range items {
		if it.Kind == payables.KindBill && it.Currency == src.Currency && it.Open.Sign() > 0 {
			v.Open = append(v.Open, it)
		}
	}
	return true
}

func (h *handler) applyForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := applyView{Date: h.ap.Today(ctx), Alloc: map[string]string{}, Errors: map[string]string{}}
	if !h.applyLoad(w, r, strings.TrimSpace(r.URL.Query().Get("source_id")), &v) {
		return
	}
	if v.Source.Date > v.Date {
		v.Date = v.Source.Date
	}
	h.show(w, r, http.StatusOK, "fin.ap.apply_title", "", "", applyPage(v))
}

func (h *handler) applySave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.KindInvalid, "api.error.bad_request", "The request is not valid").WithCause(err))
		return
	}
	f := r.PostForm
	v := applyView{Date: strings.TrimSpace(f.Get("date")), Memo: strings.TrimSpace(f.Get("memo")), Alloc: map[string]string{}, Errors: map[string]string{}}
	if !h.applyLoad(w, r, strings.TrimSpace(f.Get("source_id")), &v) {
		return
	}
	in := payables.ApplyInput{SourceID: v.Source.ID, Date: v.Date, Memo: v.Memo}
	for _, it := range v.Open {
		s := strings.TrimSpace(f.Get("alloc." + it.ID))
		v.Alloc[it.ID] = s
		if s == "" {
			continue
		}
		a, err := money.ParseAmount(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			v.Errors["alloc."+it.ID] = tr(ctx, "fin.ap.error.amount_invalid")
			continue
		}
		in.Allocations = append(in.Allocations, payables.AllocationInput{ItemID: it.ID, Amount: a})
	}
	if len(v.Errors) == 0 {
		_, err := h.ap.Apply(ctx, in)
		if err == nil {
			http.Redirect(w, r, "/erp/finance/payables/suppliers/"+v.Source.SupplierID, http.StatusSeeOther)
			return
		}
		e, ok := apperr.As(err)
		if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
			h.fail(w, r, err)
			return
		}
		for _, fe := range e.Fields {
			name := fe.Field
			if strings.HasPrefix(name, "allocations[") {
				if n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "allocations["), "]", 2)[0]); err == nil && n < len(in.Allocations) {
					name = "alloc." + in.Allocations[n].ItemID
				}
			}
			if name == "source_id" {
				name = ""
			}
			if _, dup := v.Errors[name]; !dup {
				v.Errors[name] = i18n.T(ctx, fe.Key, fe.Params)
			}
		}
		if len(e.Fields) == 0 {
			v.Errors[""] = i18n.T(ctx, e.Key, e.Params)
		}
	}
	h.show(w, r, http.StatusUnprocessableEntity, "fin.ap.apply_title", "", "", applyPage(v))
}
