package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
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
	rt.HandleFunc("POST /erp/sales/returns/{id}/cancel", domain.PermReturn, h.returnEnd(false))
	rt.HandleFunc("POST /erp/sales/returns/{id}/close", domain.PermReturn, h.returnEnd(true))

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
	api.Register(a, huma.Operation{OperationID: "erp-cancel-return", Method: http.MethodPost, Path: "/erp/sales/returns/{id}/cancel",
		Summary: "Cancel an expected return nothing arrived against", Description: "The reason is required. CRM hears of it as " +
			"erp.return.received with status rejected and the reason.", Tags: tags}, domain.PermReturn,
		func(ctx context.Context, in *returnEndInput) (*returnOutput, error) {
			r, err := h.svc.CancelReturn(ctx, in.ID, in.Body.Reason)
			return &returnOutput{Body: r}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-close-return-short", Method: http.MethodPost, Path: "/erp/sales/returns/{id}/close",
		Summary: "Close a return short", Description: "For a return some goods arrived against but not all: it becomes received with " +
			"what arrived, which is what finance credits, and erp.return.received goes to CRM. The reason is required.",
		Tags: tags}, domain.PermReturn,
		func(ctx context.Context, in *returnEndInput) (*returnOutput, error) {
			r, err := h.svc.CloseReturnShort(ctx, in.ID, in.Body.Reason)
			return &returnOutput{Body: r}, err
		})
}

type returnEndInput struct {
	api.IDParam
	Body struct {
		Reason string `json:"reason" maxLength:"500" doc:"Why the return ends here."`
	}
}

// returnEnd cancels a return (short false) or closes it short.
func (h *handler) returnEnd(short bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := erpui.ParseForm(w, r, 0); err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		id, reason := r.PathValue("id"), erpui.NewForm(r.PostForm).Text("end_reason")
		var (
			ret domain.SalesReturn
			err error
		)
		if short {
			ret, err = h.svc.CloseReturnShort(r.Context(), id, reason)
		} else {
			ret, err = h.svc.CancelReturn(r.Context(), id, reason)
		}
		if err == nil {
			key := "erp.sales.flash.return_cancelled"
			if short {
				key = "erp.sales.flash.return_closed_short"
			}
			erpui.RedirectDoc(w, r, "/erp/sales/returns/"+id, key, ret.Number)
			return
		}
		errs, ok := erpui.FormErrors(r.Context(), err)
		if !ok && !apperr.IsKind(err, apperr.KindConflict) {
			h.pages.Fail(w, r, err)
			return
		}
		f := receiveForm{Errors: map[string]string{}}
		if msg, ok := errs["reason"]; ok {
			f.Errors["end_reason"] = msg
		}
		h.showReturn(w, r, apperr.Status(err), f, err)
	}
}

type returnsView struct {
	Returns   []domain.SalesReturn
	CanCreate bool
	Form      returnForm
}

// returnForm is the new-return form: the shipment, a reason, and rows of
// item and quantity (empty rows are left out).
type returnForm struct {
	Shipment, Reason string
	Rows             []returnRow
	Errors           map[string]string
}

type returnRow struct{ Item, Quantity string }

// returnRows is how many item rows the new-return form offers at least.
const returnRows = 4

func (h *handler) returnList(w http.ResponseWriter, r *http.Request) {
	h.showReturns(w, r, http.StatusOK, returnForm{Shipment: r.URL.Query().Get("shipment")}, nil)
}

// rows returns the form's item rows, padded with empty ones.
func (f returnForm) rows() []returnRow {
	out := append([]returnRow{}, f.Rows...)
	for len(out) < returnRows {
		out = append(out, returnRow{})
	}
	return out
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
	f := returnForm{Shipment: fr.Text("shipment"), Reason: fr.Text("reason")}
	in := domain.ReturnInput{Shipment: f.Shipment, Reason: f.Reason}
	items, qtys := r.PostForm["item"], r.PostForm["quantity"]
	var rowOf []int // the form row of each input line
	for i := range max(len(items), len(qtys)) {
		row := returnRow{}
		if i < len(items) {
			row.Item = strings.TrimSpace(items[i])
		}
		if i < len(qtys) {
			row.Quantity = strings.TrimSpace(qtys[i])
		}
		f.Rows = append(f.Rows, row)
		if row.Item == "" && row.Quantity == "" {
			continue
		}
		q, qerr := money.ParseQuantity(row.Quantity)
		if qerr != nil {
			fr.Merge([]apperr.FieldError{erpui.DecimalError(fmt.Sprintf("rows[%d].quantity", i), qerr)})
		}
		rowOf = append(rowOf, i)
		in.Lines = append(in.Lines, domain.ReturnLineInput{Item: row.Item, Quantity: q})
	}
	if len(in.Lines) == 0 {
		fr.Fail("rows[0].item", erpkit.KeyRequired, "This field is required")
	}
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
		// lines[i].x names the i-th filled row: show it on its form row.
		for i, row := range rowOf {
			if rest, ok := strings.CutPrefix(k, domain.LinePath(i)+"."); ok {
				k = fmt.Sprintf("rows[%d].%s", row, rest)
				break
			}
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
