package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

type warehouseOutput struct {
	Body domain.InventoryWarehouse
}

type warehouseCreateInput struct {
	Body domain.InventoryWarehouseInput
}

type warehouseUpdateInput struct {
	api.IDParam
	Body domain.InventoryWarehouseInput
}

type locationOutput struct {
	Body domain.InventoryLocation
}

type locationCreateInput struct {
	api.IDParam
	Body domain.InventoryLocationInput
}

type locationUpdateInput struct {
	api.IDParam
	Body domain.InventoryLocationInput
}

type stockInput struct {
	Q           string `query:"q" maxLength:"100" doc:"Matches item code and names."`
	ItemID      string `query:"item_id"`
	WarehouseID string `query:"warehouse_id"`
}

type balanceInput struct {
	ItemID      string `query:"item_id"`
	WarehouseID string `query:"warehouse_id"`
	LocationID  string `query:"location_id"`
	LotID       string `query:"lot_id"`
}

type moveListInput struct {
	Limit       int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Cursor      string `query:"cursor" maxLength:"40"`
	ItemID      string `query:"item_id"`
	LocationID  string `query:"location_id"`
	LotID       string `query:"lot_id"`
	WarehouseID string `query:"warehouse_id"`
	DocID       string `query:"doc_id"`
	Kind        string `query:"kind" enum:"receipt,issue,transfer,adjustment,scrap,shipment,return,production_in,production_out"`
	From        string `query:"from" format:"date"`
	To          string `query:"to" format:"date"`
}

type docCreateInput struct {
	Body domain.InventoryDocInput
}

type docOutput struct {
	Body domain.InventoryDoc
}

type atpInput struct {
	ItemID      string `query:"item_id" required:"true"`
	WarehouseID string `query:"warehouse_id"`
	Quantity    string `query:"quantity" maxLength:"30" doc:"With a quantity, the answer carries its promise date."`
}

type atpOutput struct {
	Body domain.InventoryATP
}

type valueInput struct {
	Date string `query:"date" format:"date" doc:"Today when empty."`
}

type valueOutput struct {
	Body domain.InventoryValue
}

type lotListInput struct {
	ItemID string `query:"item_id" required:"true"`
}

func (h *handler) operations(env *module.Env) {
	a := env.API
	tags := []string{"ERP inventory"}
	read := domain.PermRead
	api.Register(a, huma.Operation{OperationID: "erp-list-warehouses", Method: http.MethodGet, Path: "/erp/warehouses",
		Summary: "List warehouses", Tags: tags}, read,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.InventoryWarehouse], error) {
			ws, err := h.svc.Warehouses(ctx)
			return &api.ListOutput[domain.InventoryWarehouse]{Body: api.Page[domain.InventoryWarehouse]{Items: ws}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-warehouse", Method: http.MethodPost, Path: "/erp/warehouses",
		Summary: "Create a warehouse", DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermWarehouse,
		func(ctx context.Context, in *warehouseCreateInput) (*warehouseOutput, error) {
			w, err := h.svc.CreateWarehouse(ctx, in.Body)
			return &warehouseOutput{Body: w}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-warehouse", Method: http.MethodPut, Path: "/erp/warehouses/{id}",
		Summary: "Change a warehouse", Tags: tags}, domain.PermWarehouse,
		func(ctx context.Context, in *warehouseUpdateInput) (*warehouseOutput, error) {
			w, err := h.svc.UpdateWarehouse(ctx, in.ID, in.Body)
			return &warehouseOutput{Body: w}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-locations", Method: http.MethodGet, Path: "/erp/warehouses/{id}/locations",
		Summary: "List a warehouse's locations", Tags: tags}, read,
		func(ctx context.Context, in *api.IDParam) (*api.ListOutput[domain.InventoryLocation], error) {
			if _, err := h.svc.Warehouse(ctx, in.ID); err != nil {
				return nil, err
			}
			ls, err := h.svc.Locations(ctx, in.ID)
			return &api.ListOutput[domain.InventoryLocation]{Body: api.Page[domain.InventoryLocation]{Items: ls}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-location", Method: http.MethodPost, Path: "/erp/warehouses/{id}/locations",
		Summary: "Add a location to a warehouse", DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermWarehouse,
		func(ctx context.Context, in *locationCreateInput) (*locationOutput, error) {
			l, err := h.svc.CreateLocation(ctx, in.ID, in.Body)
			return &locationOutput{Body: l}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-location", Method: http.MethodPut, Path: "/erp/locations/{id}",
		Summary: "Change a location", Description: "The type cannot change while the location holds stock.", Tags: tags}, domain.PermWarehouse,
		func(ctx context.Context, in *locationUpdateInput) (*locationOutput, error) {
			l, err := h.svc.UpdateLocation(ctx, in.ID, in.Body)
			return &locationOutput{Body: l}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-stock", Method: http.MethodGet, Path: "/erp/stock",
		Summary: "Stock per item and warehouse", Description: "On hand in stock locations, reserved, available, and what lies in other locations.",
		Tags: tags}, read,
		func(ctx context.Context, in *stockInput) (*api.ListOutput[domain.InventoryStock], error) {
			st, err := h.svc.Stock(ctx, domain.StockFilter{Query: in.Q, ItemID: in.ItemID, WarehouseID: in.WarehouseID})
			return &api.ListOutput[domain.InventoryStock]{Body: api.Page[domain.InventoryStock]{Items: st}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-balances", Method: http.MethodGet, Path: "/erp/stock/balances",
		Summary: "Stock per item, location and lot", Tags: tags}, read,
		func(ctx context.Context, in *balanceInput) (*api.ListOutput[domain.InventoryBalance], error) {
			bs, err := h.svc.Balances(ctx, domain.StockFilter{ItemID: in.ItemID, WarehouseID: in.WarehouseID, LocationID: in.LocationID, LotID: in.LotID})
			return &api.ListOutput[domain.InventoryBalance]{Body: api.Page[domain.InventoryBalance]{Items: bs}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-moves", Method: http.MethodGet, Path: "/erp/stock/moves",
		Summary: "The stock ledger", Description: "Moves newest first; unit_cost and value only for users who may see costs.", Tags: tags}, read,
		func(ctx context.Context, in *moveListInput) (*api.ListOutput[domain.InventoryMove], error) {
			page, err := h.svc.Moves(ctx, domain.MoveFilter{DocID: in.DocID, ItemID: in.ItemID, LocationID: in.LocationID, LotID: in.LotID,
				WarehouseID: in.WarehouseID, Kind: domain.DocKind(in.Kind), From: in.From, To: in.To, Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &api.ListOutput[domain.InventoryMove]{Body: api.Page[domain.InventoryMove]{Items: page.Moves}}
			if page.Next != "" {
				out.Body.NextCursor = &page.Next
			}
			return out, nil
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-stock-doc", Method: http.MethodPost, Path: "/erp/stock/docs",
		Summary: "Post a stock document", Description: "A receipt, issue, transfer, adjustment or scrap. Lines name items and locations " +
			"by id or code. Adjustments and scrap need erp.stock.adjust; nothing is written unless every line is valid.",
		DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermMove, h.apiRecordDoc)
	api.Register(a, huma.Operation{OperationID: "erp-get-stock-doc", Method: http.MethodGet, Path: "/erp/stock/docs/{id}",
		Summary: "Get a stock document with its moves", Tags: tags}, read,
		func(ctx context.Context, in *api.IDParam) (*docOutput, error) {
			d, err := h.svc.Doc(ctx, in.ID)
			return &docOutput{Body: d}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-atp", Method: http.MethodGet, Path: "/erp/stock/atp",
		Summary: "Available to promise", Tags: tags}, read,
		func(ctx context.Context, in *atpInput) (*atpOutput, error) {
			var q money.Quantity
			if in.Quantity != "" {
				var err error
				if q, err = money.ParseQuantity(in.Quantity); err != nil || q.Sign() <= 0 {
					return nil, apperr.Invalid("quantity", domain.KeyQuantityPositive, "Enter a quantity of more than 0")
				}
			}
			atp, err := h.svc.ATP(ctx, in.ItemID, in.WarehouseID, q)
			return &atpOutput{Body: atp}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-stock-value", Method: http.MethodGet, Path: "/erp/stock/value",
		Summary: "Stock value at a date", Tags: tags}, domain.PermValue,
		func(ctx context.Context, in *valueInput) (*valueOutput, error) {
			v, err := h.svc.StockValue(ctx, in.Date)
			return &valueOutput{Body: v}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-lots", Method: http.MethodGet, Path: "/erp/stock/lots",
		Summary: "An item's lots and serial numbers", Tags: tags}, read,
		func(ctx context.Context, in *lotListInput) (*api.ListOutput[domain.InventoryLot], error) {
			ls, err := h.svc.Lots(ctx, in.ItemID)
			return &api.ListOutput[domain.InventoryLot]{Body: api.Page[domain.InventoryLot]{Items: ls}}, err
		})
}

func (h *handler) apiRecordDoc(ctx context.Context, in *docCreateInput) (*docOutput, error) {
	d, err := h.svc.RecordDoc(ctx, in.Body)
	return &docOutput{Body: d}, err
}
