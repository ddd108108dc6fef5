package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/module"
)

type orderListInput struct {
	api.ListParams
	Q          string `query:"q" maxLength:"100" doc:"Matches the order number, customer name and quote number."`
	Status     string `query:"status" enum:"draft,confirmed,partially_reserved,reserved,partially_shipped,shipped,cancelled,closed"`
	Open       bool   `query:"open" doc:"Only orders still to ship."`
	CustomerID string `query:"customer_id"`
}

type orderOutput struct{ Body domain.SalesOrder }

type orderCreateInput struct{ Body domain.SalesOrderInput }

type orderUpdateInput struct {
	api.IDParam
	Body domain.SalesOrderInput
}

type reserveInput struct {
	api.IDParam
	Body domain.SalesReserveInput
}

type reserveOutput struct{ Body domain.SalesReserveResult }

type shipInput struct {
	api.IDParam
	Body domain.SalesShipInput
}

type shipmentOutput struct{ Body domain.SalesShipment }

type pickAddInput struct {
	api.IDParam
	Body domain.SalesPickInput
}

type pickRemoveInput struct {
	api.IDParam
	Pick string `path:"pick" format:"uuid"`
}

type shipDraftInput struct {
	api.IDParam
	Body domain.SalesShipmentConfirm
}

func (h *handler) operations(env *module.Env) {
	a := env.API
	tags := []string{"ERP sales"}
	read, manage, ship := domain.PermRead, domain.PermManage, domain.PermShip
	order := func(f func(context.Context, string) (domain.SalesOrder, error)) func(context.Context, *api.IDParam) (*orderOutput, error) {
		return func(ctx context.Context, in *api.IDParam) (*orderOutput, error) {
			o, err := f(ctx, in.ID)
			return &orderOutput{Body: o}, err
		}
	}
	api.Register(a, huma.Operation{OperationID: "erp-list-sales-orders", Method: http.MethodGet, Path: "/erp/sales/orders",
		Summary: "List sales orders", Description: "Newest first, within the caller's data scope; lines are not included.", Tags: tags}, read,
		func(ctx context.Context, in *orderListInput) (*api.ListOutput[domain.SalesOrder], error) {
			page, err := h.svc.Orders(ctx, domain.OrderFilter{Query: in.Q, Status: domain.Status(in.Status), Open: in.Open,
				CustomerID: in.CustomerID, Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &api.ListOutput[domain.SalesOrder]{Body: api.Page[domain.SalesOrder]{Items: page.Orders}}
			if page.Next != "" {
				out.Body.NextCursor = &page.Next
			}
			return out, nil
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-sales-order", Method: http.MethodPost, Path: "/erp/sales/orders",
		Summary: "Enter a draft sales order", DefaultStatus: http.StatusCreated, Tags: tags}, manage,
		func(ctx context.Context, in *orderCreateInput) (*orderOutput, error) {
			o, err := h.svc.CreateOrder(ctx, in.Body)
			return &orderOutput{Body: o}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-sales-order", Method: http.MethodGet, Path: "/erp/sales/orders/{id}",
		Summary: "Get a sales order with its lines", Tags: tags}, read, order(h.svc.Order))
	api.Register(a, huma.Operation{OperationID: "erp-update-sales-order", Method: http.MethodPut, Path: "/erp/sales/orders/{id}",
		Summary: "Change a draft sales order", Tags: tags}, manage,
		func(ctx context.Context, in *orderUpdateInput) (*orderOutput, error) {
			o, err := h.svc.UpdateOrder(ctx, in.ID, in.Body)
			return &orderOutput{Body: o}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-confirm-sales-order", Method: http.MethodPost, Path: "/erp/sales/orders/{id}/confirm",
		Summary: "Confirm a draft order", Description: "Reserves stock line by line; a short line becomes a backorder with a promise date.",
		Tags: tags}, manage, order(h.svc.ConfirmOrder))
	api.Register(a, huma.Operation{OperationID: "erp-reserve-sales-order", Method: http.MethodPost, Path: "/erp/sales/orders/{id}/reserve",
		Summary: "Reserve stock for an open order", Description: "For one line or every short line, at most a quantity. " +
			"409 with code conflict when no stock is free; stock is never reserved beyond what is on hand.", Tags: tags}, manage,
		func(ctx context.Context, in *reserveInput) (*reserveOutput, error) {
			res, err := h.svc.Reserve(ctx, in.ID, in.Body)
			return &reserveOutput{Body: res}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-cancel-sales-order", Method: http.MethodPost, Path: "/erp/sales/orders/{id}/cancel",
		Summary: "Cancel an order nothing was shipped of", Tags: tags}, manage, order(h.svc.CancelOrder))
	api.Register(a, huma.Operation{OperationID: "erp-close-sales-order", Method: http.MethodPost, Path: "/erp/sales/orders/{id}/close",
		Summary: "Close a partly shipped order", Description: "What was not shipped will not be; its reservations are released.",
		Tags: tags}, manage, order(h.svc.CloseOrder))
	api.Register(a, huma.Operation{OperationID: "erp-ship-sales-order", Method: http.MethodPost, Path: "/erp/sales/orders/{id}/shipments",
		Summary: "Ship goods of an order", Description: "Each pick takes reserved stock of a line from a location and lot; " +
			"shipping more than is reserved is refused.", DefaultStatus: http.StatusCreated, Tags: tags}, ship,
		func(ctx context.Context, in *shipInput) (*shipmentOutput, error) {
			sh, err := h.svc.Ship(ctx, in.ID, in.Body)
			return &shipmentOutput{Body: sh}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-sales-order-shipments", Method: http.MethodGet, Path: "/erp/sales/orders/{id}/shipments",
		Summary: "List an order's shipments", Tags: tags}, read,
		func(ctx context.Context, in *api.IDParam) (*api.ListOutput[domain.SalesShipment], error) {
			shs, err := h.svc.Shipments(ctx, in.ID)
			return &api.ListOutput[domain.SalesShipment]{Body: api.Page[domain.SalesShipment]{Items: shs}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-start-sales-picking", Method: http.MethodPost, Path: "/erp/sales/orders/{id}/draft-shipment",
		Summary: "Start (or continue) picking an order", Description: "Returns the order's draft shipment, starting one if there is none.",
		Tags: tags}, ship,
		func(ctx context.Context, in *api.IDParam) (*shipmentOutput, error) {
			sh, err := h.svc.DraftShipment(ctx, in.ID)
			return &shipmentOutput{Body: sh}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-sales-shipment", Method: http.MethodGet, Path: "/erp/sales/shipments/{id}",
		Summary: "Get a shipment", Tags: tags}, read,
		func(ctx context.Context, in *api.IDParam) (*shipmentOutput, error) {
			sh, err := h.svc.Shipment(ctx, in.ID)
			return &shipmentOutput{Body: sh}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-add-sales-pick", Method: http.MethodPost, Path: "/erp/sales/shipments/{id}/picks",
		Summary: "Add a pick to a draft shipment", Tags: tags}, ship,
		func(ctx context.Context, in *pickAddInput) (*shipmentOutput, error) {
			sh, err := h.svc.AddPick(ctx, in.ID, in.Body)
			return &shipmentOutput{Body: sh}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-remove-sales-pick", Method: http.MethodDelete, Path: "/erp/sales/shipments/{id}/picks/{pick}",
		Summary: "Take a pick off a draft shipment", Tags: tags}, ship,
		func(ctx context.Context, in *pickRemoveInput) (*shipmentOutput, error) {
			sh, err := h.svc.RemovePick(ctx, in.ID, in.Pick)
			return &shipmentOutput{Body: sh}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-ship-sales-shipment", Method: http.MethodPost, Path: "/erp/sales/shipments/{id}/ship",
		Summary: "Ship a draft shipment", Tags: tags}, ship,
		func(ctx context.Context, in *shipDraftInput) (*shipmentOutput, error) {
			sh, err := h.svc.ShipDraft(ctx, in.ID, in.Body)
			return &shipmentOutput{Body: sh}, err
		})
}
