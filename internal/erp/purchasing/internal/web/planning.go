package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
)

// ---- requisitions ----

type reqsView struct {
	Status               string
	Requisitions         []domain.PurchaseRequisition
	CanWrite, CanRequest bool
}

func (h *handler) reqsView(r *http.Request, status string) (reqsView, error) {
	v := reqsView{Status: status, CanWrite: can(r, domain.PermWrite), CanRequest: can(r, domain.PermRequest)}
	var err error
	v.Requisitions, err = h.svc.Requisitions(r.Context(), domain.ReqStatus(status))
	return v, err
}

func (h *handler) reqList(w http.ResponseWriter, r *http.Request) {
	v, err := h.reqsView(r, r.URL.Query().Get("status"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.requisitions.title", "erp-purchasing"), reqsPage(v))
}

type reqForm struct {
	Item, WarehouseID, Quantity, NeededDate, Reason string
	Warehouses                                      []inventory.Warehouse
	Errors                                          map[string]string
}

func (h *handler) reqChoices(r *http.Request, f *reqForm) error {
	st := inventory.From(h.env.Services)
	if st == nil {
		return fmt.Errorf("purchasing: the inventory is not wired")
	}
	var err error
	f.Warehouses, err = st.LookupWarehouses(r.Context())
	return err
}

func (h *handler) reqNew(w http.ResponseWriter, r *http.Request) {
	f := reqForm{Item: r.URL.Query().Get("item")}
	if err := h.reqChoices(r, &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.requisitions.new", "erp-purchasing"), reqFormPage(f))
}

func (h *handler) reqCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := reqForm{Item: fr.Text("item"), WarehouseID: fr.Text("warehouse_id"), Quantity: fr.Text("quantity"), NeededDate: fr.Text("needed_date"),
		Reason: fr.Text("reason")}
	in := domain.PurchaseRequisitionInput{Item: f.Item, WarehouseID: f.WarehouseID, Quantity: fr.Quantity("quantity"), NeededDate: fr.Date("needed_date"),
		Reason: f.Reason}
	err := fr.Err()
	if err == nil {
		var rq domain.PurchaseRequisition
		if rq, err = h.svc.CreateRequisition(r.Context(), in); err == nil {
			erpui.RedirectDoc(w, r, "/erp/purchasing/requisitions", "erp.purchasing.flash.requisition_created", rq.Number)
			return
		}
	}
	if cerr := h.reqChoices(r, &f); cerr != nil {
		h.pages.Fail(w, r, cerr)
		return
	}
	h.showForm(w, r, err, page("erp.purchasing.requisitions.new", "erp-purchasing"), func(errs map[string]string) templComponent {
		f.Errors = errs
		return reqFormPage(f)
	})
}

func (h *handler) reqDecide(w http.ResponseWriter, r *http.Request) {
	rq, err := h.svc.DecideRequisition(r.Context(), r.PathValue("id"), lastSegment(r.URL.Path) == "approve")
	if err != nil {
		h.reqFail(w, r, err)
		return
	}
	erpui.RedirectDoc(w, r, "/erp/purchasing/requisitions", "erp.purchasing.flash.requisition_"+string(rq.Status), rq.Number)
}

func (h *handler) reqFail(w http.ResponseWriter, r *http.Request, err error) {
	v, verr := h.reqsView(r, "")
	if verr != nil || apperr.Status(err) >= 500 {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.ShowError(w, r, err, page("erp.purchasing.requisitions.title", "erp-purchasing"), reqsPage(v))
}

func (h *handler) reqConvert(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	ids := r.PostForm["requisition"]
	if len(ids) == 0 {
		h.reqFail(w, r, apperr.Invalid("requisitions", domain.KeyReqUnknown, "Choose approved requisitions"))
		return
	}
	orders, err := h.svc.ConvertRequisitions(r.Context(), domain.PurchaseConvertInput{Requisitions: ids})
	if err != nil {
		h.reqFail(w, r, err)
		return
	}
	if len(orders) == 1 {
		erpui.RedirectDoc(w, r, "/erp/purchasing/orders/"+orders[0].ID, "erp.purchasing.flash.order_created", orders[0].Number)
		return
	}
	erpui.Redirect(w, r, "/erp/purchasing/orders?status=draft", "erp.purchasing.flash.orders_created")
}

// ---- reorder points and suggestions ----

type reorderView struct {
	Reorders             []domain.PurchaseReorder
	Suggestions          []domain.PurchaseSuggestion
	Warehouses           map[string]string
	WarehouseList        []inventory.Warehouse
	Form                 reorderForm
	Errors               map[string]string
	CanWrite, CanRequest bool
}

type reorderForm struct{ Item, WarehouseID, Min, Max, Safety string }

func (h *handler) reorderView(r *http.Request, v *reorderView) error {
	ctx := r.Context()
	var err error
	if v.Reorders, err = h.svc.Reorders(ctx); err != nil {
		return err
	}
	if v.Suggestions, err = h.svc.Suggestions(ctx); err != nil {
		return err
	}
	v.CanWrite, v.CanRequest = can(r, domain.PermWrite), can(r, domain.PermRequest)
	v.Warehouses = map[string]string{}
	if st := inventory.From(h.env.Services); st != nil {
		if v.WarehouseList, err = st.LookupWarehouses(ctx); err != nil {
			return err
		}
		for _, wh := range v.WarehouseList {
			v.Warehouses[wh.ID] = wh.Code
		}
	}
	return nil
}

func (h *handler) reorderPage(w http.ResponseWriter, r *http.Request) {
	var v reorderView
	if err := h.reorderView(r, &v); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.reorder.title", "erp-purchasing"), reorderPage(v))
}

func (h *handler) reorderSave(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := reorderForm{Item: fr.Text("item"), WarehouseID: fr.Text("warehouse_id"), Min: fr.Text("min"), Max: fr.Text("max"), Safety: fr.Text("safety")}
	in := domain.PurchaseReorderInput{Item: f.Item, WarehouseID: f.WarehouseID, Min: fr.Quantity("min"), Max: fr.Quantity("max"), Safety: fr.Quantity("safety")}
	err := fr.Err()
	if err == nil {
		if _, err = h.svc.SetReorder(r.Context(), in); err == nil {
			erpui.Redirect(w, r, "/erp/purchasing/reorder", "erp.purchasing.flash.reorder_saved")
			return
		}
	}
	v := reorderView{Form: f}
	if verr := h.reorderView(r, &v); verr != nil {
		h.pages.Fail(w, r, verr)
		return
	}
	h.showForm(w, r, err, page("erp.purchasing.reorder.title", "erp-purchasing"), func(errs map[string]string) templComponent {
		v.Errors = errs
		return reorderPage(v)
	})
}

func (h *handler) suggestionsTake(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	var in domain.PurchaseSuggestionsInput
	for _, pick := range r.PostForm["pick"] {
		item, wh, ok := strings.Cut(pick, "/")
		if ok {
			in.Items = append(in.Items, domain.PurchaseSuggestionPick{ItemID: item, WarehouseID: wh})
		}
	}
	var err error
	if len(in.Items) == 0 {
		err = apperr.Invalid("items", domain.KeyNoSuggestion, "Choose suggestions")
	} else {
		_, err = h.svc.RequisitionsFromSuggestions(r.Context(), in)
	}
	if err == nil {
		erpui.Redirect(w, r, "/erp/purchasing/requisitions", "erp.purchasing.flash.requisitions_created")
		return
	}
	var v reorderView
	if verr := h.reorderView(r, &v); verr != nil || apperr.Status(err) >= 500 {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.ShowError(w, r, err, page("erp.purchasing.reorder.title", "erp-purchasing"), reorderPage(v))
}
