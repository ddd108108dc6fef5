package ui

import (
	"net/http"

	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// returnsView is the list of received customer returns to credit.
type returnsView struct {
	Returns []receivables.ReturnToCredit
	Today   string
	Failed  string // the return whose credit note was refused
	Date    string // the date typed for it
	Errors  errs
}

func (h *handler) returnList(w http.ResponseWriter, r *http.Request) {
	h.showReturns(w, r, http.StatusOK, returnsView{})
}

func (h *handler) showReturns(w http.ResponseWriter, r *http.Request, status int, v returnsView) {
	ctx := r.Context()
	var err error
	if v.Returns, err = h.ar.ReturnsToCredit(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Today = h.l.Today(ctx)
	h.show(w, r, status, webui.Page{Title: "fin.ret.title", Active: "fin-invoices"}, v.Errors[""], returnsPage(v))
}

func (h *handler) returnCredit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	id := r.PathValue("id")
	in := receivables.ReturnCreditInput{ReturnID: id, Date: f.text("date"), Memo: f.text("memo")}
	cn, err := h.ar.CreateReturnCreditNote(ctx, in)
	if err != nil {
		fe, status, ok := formErrors(ctx, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.showReturns(w, r, status, returnsView{Failed: id, Date: in.Date, Errors: errs(fe).only("date")})
		return
	}
	redirect(w, r, "/erp/finance/invoices/"+cn.ID, "invoice_saved")
}
