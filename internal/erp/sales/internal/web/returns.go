package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

type returnOutput struct{ Body domain.SalesReturn }

type returnCreateInput struct{ Body domain.ReturnInput }

type returnReceiveInput struct {
	api.IDParam
	Body domain.ReturnReceiveInput
}

// returnRoutes adds the screens and REST operations of customer returns.
func (h *handler) returnRoutes(env *module.Env) {
	rt := env.Router
	rt.HandleFunc("GET /erp/sales/returns", domain.PermRead, h.returnList)
	rt.HandleFunc("POST /erp/sales/returns", domain.PermReturn, h.returnCreate)
	rt.HandleFunc("GET /erp/sales/returns/{id}", domain.PermRead, h.returnShow)
	rt.HandleFunc("POST /erp/sales/returns/{id}/receive", domain.PermReturn, h.returnReceive)

	a := env.API
	tags := []string{"ERP sales"}
	api.Register(a, huma.Operation{OperationID: "erp-list-returns", Method: http.MethodGet, Path: "/erp/sales/returns",
		Summary: "List customer returns", Tags: tags}, domain.PermRead,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.SalesReturn], error) {
			rs, err := h.svc.Returns(ctx)
			return &api.ListOutput[domain.SalesReturn]{Body: api.Page[domain.SalesReturn]{Items: rs}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-return", Method: http.MethodPost, Path: "/erp/sales/returns",
		Summary: "Enter a customer return against a shipment", Description: "Each line at most what the shipment shipped of the item " +
			"less what earlier returns took back. The goods are then expected into quarantine.",
		DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermReturn,
		func(ctx context.Context, in *returnCreateInput) (*returnOutput, error) {
			r, err := h.svc.CreateReturn(ctx, in.Body)
			return &returnOutput{Body: r}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-return", Method: http.MethodGet, Path: "/erp/sales/returns/{id}",
		Summary: "Get a customer return", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *api.IDParam) (*returnOutput, error) {
			r, err := h.svc.Return(ctx, in.ID)
			return &returnOutput{Body: r}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-receive-return", Method: http.MethodPost, Path: "/erp/sales/returns/{id}/receive",
		Summary: "Receive goods of a return into quarantine", Description: "Posts an inventory return valued at the cost the goods " +
			"shipped at (inventory against cost of goods sold). When every line has arrived, erp.return.received goes to CRM.",
		Tags: tags}, domain.PermReturn,
		func(ctx context.Context, in *returnReceiveInput) (*returnOutput, error) {
			r, err := h.svc.ReceiveReturn(ctx, in.ID, in.Body)
			return &returnOutput{Body: r}, err
		})
}

type returnsView struct {
	Returns   []domain.SalesReturn
	CanCreate bool
	Form      returnForm
}

type returnForm struct {
	Shipment, Item, Quantity, Reason string
	Errors                           map[string]string
}

func (h *handler) returnList(w http.ResponseWriter, r *http.Request) {
	h.showReturns(w, r, http.StatusOK, returnForm{Shipment: r.URL.Query().Get("shipment")}, nil)
}

func (h *handler) showReturns(w http.ResponseWriter, r *http.Request, status int, f returnForm, formErr error) {
	rs, err := h.svc.Returns(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := returnsView{Returns: rs, CanCreate: can(r, domain.PermReturn), Form: f}
	p := webui.Page{Title: "erp.sales.returns.title", Active: "erp-sales-returns"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, returnsPage(v))
		return
	}
	h.pages.Show(w, r, status, p, returnsPage(v))
}

func (h *handler) returnCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := returnForm{Shipment: fr.Text("shipment"), Item: fr.Text("item"), Quantity: fr.Text("quantity"), Reason: fr.Text("reason")}
	in := domain.ReturnInput{Shipment: f.Shipment, Reason: f.Reason,
		Lines: []domain.ReturnLineInput{{Item: f.Item, Quantity: fr.Quantity("quantity")}}}
	err := fr.Err()
	if err == nil {
		var ret domain.SalesReturn
		if ret, err = h.svc.CreateReturn(r.Context(), in); err == nil {
			erpui.RedirectDoc(w, r, "/erp/sales/returns/"+ret.ID, "erp.sales.flash.return_created", ret.Number)
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = map[string]string{}
	for k, msg := range errs {
		switch k {
		case domain.LinePath(0) + ".item":
			k = "item"
		case domain.LinePath(0) + ".quantity":
			k = "quantity"
		case domain.LinePath(0) + ".reason":
			k = "reason"
		}
		f.Errors[k] = msg
	}
	h.showReturns(w, r, http.StatusUnprocessableEntity, f, err)
}

type returnView struct {
	Return     domain.SalesReturn
	CanReceive bool
	Form       receiveForm
}

type receiveForm struct {
	Location, Item, Lot, Quantity string
	Errors                        map[string]string
}

func (h *handler) returnShow(w http.ResponseWriter, r *http.Request) {
	h.showReturn(w, r, http.StatusOK, receiveForm{Location: r.URL.Query().Get("location")}, nil)
}

func (h *handler) showReturn(w http.ResponseWriter, r *http.Request, status int, f receiveForm, formErr error) {
	ret, err := h.svc.Return(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := returnView{Return: ret, CanReceive: can(r, domain.PermReturn), Form: f}
	p := webui.Page{Title: ret.Number, Active: "erp-sales-returns"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, returnPage(v))
		return
	}
	h.pages.Show(w, r, status, p, returnPage(v))
}

func (h *handler) returnReceive(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := receiveForm{Location: fr.Text("location"), Item: fr.Text("item"), Lot: fr.Text("lot"), Quantity: fr.Text("quantity")}
	in := domain.ReturnReceiveInput{Location: f.Location, Item: f.Item, Lot: f.Lot, Quantity: fr.Quantity("quantity")}
	err := fr.Err()
	if err == nil {
		id := r.PathValue("id")
		if _, err = h.svc.ReceiveReturn(r.Context(), id, in); err == nil {
			erpui.Redirect(w, r, "/erp/sales/returns/"+id+"?"+url.Values{"location": {f.Location}}.Encode(), "erp.sales.flash.return_received")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showReturn(w, r, http.StatusUnprocessableEntity, f, err)
}
