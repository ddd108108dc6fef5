package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

type lotSearchInput struct {
	Lot string `query:"lot" required:"true" maxLength:"60" doc:"A lot or serial number, as scanned."`
}

type lotTraceInput struct {
	Item string `query:"item" required:"true" doc:"The item's id or code."`
	Lot  string `query:"lot" required:"true" maxLength:"60"`
}

type lotTraceOutput struct{ Body domain.LotTrace }

type shipmentTraceInput struct {
	CustomerID string `query:"customer_id" doc:"Every shipment of a customer."`
	Shipment   string `query:"shipment" maxLength:"40" doc:"One shipment, by number or id."`
}

// traceRoutes adds the traceability screen and its REST operations.
func (h *handler) traceRoutes(env *module.Env) {
	env.Router.HandleFunc("GET /erp/stock/trace", domain.PermRead, h.tracePage)
	a := env.API
	tags := []string{"ERP inventory"}
	api.Register(a, huma.Operation{OperationID: "erp-find-lots", Method: http.MethodGet, Path: "/erp/stock/trace/lots",
		Summary: "Items with a lot or serial number", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *lotSearchInput) (*api.ListOutput[domain.LotMatch], error) {
			ms, err := h.svc.FindLots(ctx, in.Lot)
			return &api.ListOutput[domain.LotMatch]{Body: api.Page[domain.LotMatch]{Items: ms}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-trace-lot", Method: http.MethodGet, Path: "/erp/stock/trace/lot",
		Summary: "Trace a lot or serial number", Description: "Where it came from (receipt, supplier, production, return), where it lies, " +
			"and every shipment it went out on, with order, customer and tracking number.", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *lotTraceInput) (*lotTraceOutput, error) {
			tr, err := h.svc.TraceLot(ctx, in.Item, in.Lot)
			return &lotTraceOutput{Body: tr}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-trace-shipments", Method: http.MethodGet, Path: "/erp/stock/trace/shipments",
		Summary: "Lots that went out to a customer or on a shipment", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *shipmentTraceInput) (*api.ListOutput[domain.ShipmentLots], error) {
			ss, err := h.svc.TraceShipments(ctx, in.CustomerID, in.Shipment)
			return &api.ListOutput[domain.ShipmentLots]{Body: api.Page[domain.ShipmentLots]{Items: ss}}, err
		})
}

type traceView struct {
	Lot, Item, Shipment, CustomerID string
	Matches                         []domain.LotMatch
	Trace                           *domain.LotTrace
	Shipments                       []domain.ShipmentLots
	Searched                        bool
	CanValue                        bool
	Errors                          map[string]string
}

func (h *handler) tracePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := traceView{Lot: q.Get("lot"), Item: q.Get("item"), Shipment: q.Get("shipment"), CustomerID: q.Get("customer_id"),
		CanValue: can(r, domain.PermValue), Errors: map[string]string{}}
	ctx := r.Context()
	var err error
	switch {
	case v.Lot != "" && v.Item == "":
		v.Searched = true
		if v.Matches, err = h.svc.FindLots(ctx, v.Lot); err == nil && len(v.Matches) == 1 {
			v.Item = v.Matches[0].ItemID
		}
	case v.Shipment != "" || v.CustomerID != "":
		v.Searched = true
		v.Shipments, err = h.svc.TraceShipments(ctx, v.CustomerID, v.Shipment)
	}
	if err == nil && v.Lot != "" && v.Item != "" {
		var tr domain.LotTrace
		if tr, err = h.svc.TraceLot(ctx, v.Item, v.Lot); err == nil {
			v.Trace = &tr
		}
	}
	status := http.StatusOK
	if err != nil {
		errs, ok := erpui.FormErrors(ctx, err)
		if !ok {
			h.pages.Fail(w, r, err)
			return
		}
		v.Errors, status = errs, http.StatusUnprocessableEntity
	}
	h.pages.Show(w, r, status, webui.Page{Title: "erp.inventory.trace.title", Active: "erp-stock-trace"}, tracePage(v))
}
