package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/module"
)

type countOutput struct {
	Body domain.Count
}

type countCreateInput struct {
	Body domain.CountInput
}

type countLineInput struct {
	api.IDParam
	Body domain.CountLineInput
}

type countSettingsIO struct {
	Body domain.CountSettings
}

type releaseInput struct {
	Body domain.ReleaseInput
}

type quarantineInput struct {
	WarehouseID string `query:"warehouse_id"`
}

// countOperations registers the REST operations of stock counts and
// quarantine releases.
func (h *handler) countOperations(env *module.Env) {
	a := env.API
	tags := []string{"ERP inventory"}
	read, adjust := domain.PermRead, domain.PermAdjust
	api.Register(a, huma.Operation{OperationID: "erp-list-stock-counts", Method: http.MethodGet, Path: "/erp/stock/counts",
		Summary: "List stock counts", Tags: tags}, read,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.Count], error) {
			cs, err := h.svc.Counts(ctx)
			return &api.ListOutput[domain.Count]{Body: api.Page[domain.Count]{Items: cs}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-start-stock-count", Method: http.MethodPost, Path: "/erp/stock/counts",
		Summary: "Start a stock count", Description: "Freezes the balances in scope (the whole warehouse, some locations, or an item or " +
			"category) as the count's snapshot. Moves are not blocked: a line's expected quantity is the snapshot plus the moves " +
			"posted until it is counted.", DefaultStatus: http.StatusCreated, Tags: tags}, adjust,
		func(ctx context.Context, in *countCreateInput) (*countOutput, error) {
			c, err := h.svc.StartCount(ctx, in.Body)
			return &countOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-stock-count", Method: http.MethodGet, Path: "/erp/stock/counts/{id}",
		Summary: "Get a stock count with its variances", Description: "Values only for users who may see costs.", Tags: tags}, read,
		func(ctx context.Context, in *api.IDParam) (*countOutput, error) {
			c, err := h.svc.Count(ctx, in.ID)
			return &countOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-count-stock-line", Method: http.MethodPost, Path: "/erp/stock/counts/{id}/lines",
		Summary: "Record a counted quantity", Description: "Each item, location and lot is counted once; recount replaces the quantity before posting.",
		Tags: tags}, adjust,
		func(ctx context.Context, in *countLineInput) (*countOutput, error) {
			c, err := h.svc.CountLine(ctx, in.ID, in.Body)
			return &countOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-post-stock-count", Method: http.MethodPost, Path: "/erp/stock/counts/{id}/post",
		Summary: "Post a stock count", Description: "Posts the variances as an adjustment. When a line's variance is above a threshold " +
			"the count waits for a user with erp.stock.count.approve, whose posting approves it.", Tags: tags}, read,
		func(ctx context.Context, in *api.IDParam) (*countOutput, error) {
			c, err := h.svc.PostCount(ctx, in.ID)
			return &countOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-reject-stock-count", Method: http.MethodPost, Path: "/erp/stock/counts/{id}/reject",
		Summary: "Send a count back for recounting", Tags: tags}, domain.PermCountApprove,
		func(ctx context.Context, in *api.IDParam) (*countOutput, error) {
			c, err := h.svc.RejectCount(ctx, in.ID)
			return &countOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-cancel-stock-count", Method: http.MethodPost, Path: "/erp/stock/counts/{id}/cancel",
		Summary: "Cancel a stock count", Tags: tags}, adjust,
		func(ctx context.Context, in *api.IDParam) (*countOutput, error) {
			c, err := h.svc.CancelCount(ctx, in.ID)
			return &countOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-count-settings", Method: http.MethodGet, Path: "/erp/stock/count-settings",
		Summary: "Thresholds above which a count needs approval", Tags: tags}, read,
		func(ctx context.Context, _ *struct{}) (*countSettingsIO, error) {
			st, err := h.svc.CountSettings(ctx)
			return &countSettingsIO{Body: st}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-set-count-settings", Method: http.MethodPut, Path: "/erp/stock/count-settings",
		Summary: "Change the count approval thresholds", Tags: tags}, domain.PermCountApprove,
		func(ctx context.Context, in *countSettingsIO) (*countSettingsIO, error) {
			st, err := h.svc.SetCountSettings(ctx, in.Body)
			return &countSettingsIO{Body: st}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-quarantine", Method: http.MethodGet, Path: "/erp/stock/quarantine",
		Summary: "What waits in quarantine", Tags: tags}, read,
		func(ctx context.Context, in *quarantineInput) (*api.ListOutput[domain.InventoryBalance], error) {
			bs, err := h.svc.Quarantine(ctx, in.WarehouseID)
			return &api.ListOutput[domain.InventoryBalance]{Body: api.Page[domain.InventoryBalance]{Items: bs}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-release-quarantine", Method: http.MethodPost, Path: "/erp/stock/quarantine/release",
		Summary: "Release inspected goods from quarantine", Description: "Accepted goods go to a stock location, rejected ones to a " +
			"scrap or transit location; the reason is kept on the transfer.", DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermRelease,
		func(ctx context.Context, in *releaseInput) (*docOutput, error) {
			d, err := h.svc.ReleaseQuarantine(ctx, in.Body)
			return &docOutput{Body: d}, err
		})
}
