package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/purchasing/internal/core"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/authz"
)

type settingsOutput struct{ Body domain.PurchaseSettings }

type settingsInput struct{ Body domain.PurchaseSettingsInput }

type priceListInput struct {
	SupplierID string `query:"supplier_id" doc:"Only this supplier's prices."`
	ItemID     string `query:"item_id" doc:"Only this item's prices."`
}

type priceOutput struct{ Body domain.PurchasePrice }

type priceCreateInput struct{ Body domain.PurchasePriceInput }

type orderListInput struct {
	Limit      int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Status     string `query:"status" enum:"draft,pending_approval,approved,partially_received,received,closed,cancelled"`
	SupplierID string `query:"supplier_id"`
	Q          string `query:"q" maxLength:"100" doc:"Order number or supplier name."`
}

type orderOutput struct{ Body domain.PurchaseOrder }

type orderCreateInput struct{ Body domain.PurchaseOrderInput }

type decisionInput struct {
	api.IDParam
	Body *domain.PurchaseDecisionInput `required:"false"`
}

func (in *decisionInput) comment() string {
	if in.Body == nil {
		return ""
	}
	return in.Body.Comment
}

type receiptOutput struct{ Body domain.PurchaseReceipt }

type receiptCreateInput struct{ Body domain.PurchaseReceiptInput }

type billListInput struct {
	Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
	Status  string `query:"status" enum:"held,posted,rejected"`
	OrderID string `query:"order_id"`
}

type billOutput struct{ Body domain.SupplierBill }

type billCreateInput struct{ Body domain.SupplierBillInput }

type deletedOutput struct{}

type reorderSetInput struct{ Body domain.PurchaseReorderInput }

type reorderOutput struct{ Body domain.PurchaseReorder }

type reqListInput struct {
	Status string `query:"status" enum:"open,approved,rejected,ordered"`
}

type reqCreateInput struct {
	Body domain.PurchaseRequisitionInput
}

type reqOutput struct{ Body domain.PurchaseRequisition }

type convertInput struct{ Body domain.PurchaseConvertInput }

type suggestionsTakeInput struct {
	Body domain.PurchaseSuggestionsInput
}

type deliveryInput struct {
	From string `query:"from" required:"true" doc:"First expected date, YYYY-MM-DD."`
	To   string `query:"to" required:"true" doc:"Last expected date, YYYY-MM-DD."`
}

func (h *handler) operations(a *api.API) {
	tags := []string{"ERP purchasing"}
	op := func(id, method, path, summary, desc string) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Description: desc, Tags: tags}
		if method == http.MethodPost && (id == "erp-create-purchase-order" || id == "erp-create-purchase-price" ||
			id == "erp-create-purchase-receipt" || id == "erp-create-supplier-bill" || id == "erp-create-requisition" ||
			id == "erp-convert-requisitions" || id == "erp-take-purchase-suggestions") {
			o.DefaultStatus = http.StatusCreated
		}
		return o
	}
	api.Register(a, op("erp-get-purchasing-settings", http.MethodGet, "/erp/purchasing/settings", "Get the purchasing settings", ""),
		domain.PermRead, func(ctx context.Context, _ *struct{}) (*settingsOutput, error) {
			st, err := h.svc.Settings(ctx)
			return &settingsOutput{Body: st}, err
		})
	api.Register(a, op("erp-update-purchasing-settings", http.MethodPut, "/erp/purchasing/settings", "Change the purchasing settings",
		"The approval threshold and the over-receipt and price tolerances."), domain.PermSettings,
		func(ctx context.Context, in *settingsInput) (*settingsOutput, error) {
			st, err := h.svc.SaveSettings(ctx, in.Body)
			return &settingsOutput{Body: st}, err
		})
	api.Register(a, op("erp-list-purchase-prices", http.MethodGet, "/erp/purchasing/prices", "List suppliers' prices", ""),
		domain.PermRead, func(ctx context.Context, in *priceListInput) (*api.ListOutput[domain.PurchasePrice], error) {
			ps, err := h.svc.Prices(ctx, core.PriceFilter{SupplierID: in.SupplierID, ItemID: in.ItemID})
			return &api.ListOutput[domain.PurchasePrice]{Body: api.Page[domain.PurchasePrice]{Items: ps}}, err
		})
	api.Register(a, op("erp-create-purchase-price", http.MethodPost, "/erp/purchasing/prices", "Add a price to a supplier's price list",
		"A price per purchase unit without VAT, from a minimum quantity on, between two dates."), domain.PermWrite,
		func(ctx context.Context, in *priceCreateInput) (*priceOutput, error) {
			p, err := h.svc.AddPrice(ctx, in.Body)
			return &priceOutput{Body: p}, err
		})
	api.Register(a, op("erp-delete-purchase-price", http.MethodDelete, "/erp/purchasing/prices/{id}", "Remove a price", ""),
		domain.PermWrite, func(ctx context.Context, in *api.IDParam) (*deletedOutput, error) {
			return &deletedOutput{}, h.svc.DeletePrice(ctx, in.ID)
		})
	api.Register(a, op("erp-list-purchase-orders", http.MethodGet, "/erp/purchasing/orders", "List purchase orders",
		"Newest first, without their lines."), domain.PermRead,
		func(ctx context.Context, in *orderListInput) (*api.ListOutput[domain.PurchaseOrder], error) {
			os, err := h.svc.Orders(ctx, core.OrderFilter{Status: domain.Status(in.Status), SupplierID: in.SupplierID, Query: in.Q, Limit: in.Limit})
			return &api.ListOutput[domain.PurchaseOrder]{Body: api.Page[domain.PurchaseOrder]{Items: os}}, err
		})
	api.Register(a, op("erp-get-purchase-order", http.MethodGet, "/erp/purchasing/orders/{id}", "Get a purchase order",
		"With its lines and approval history."), domain.PermRead,
		func(ctx context.Context, in *api.IDParam) (*orderOutput, error) {
			o, err := h.svc.Order(ctx, in.ID)
			return &orderOutput{Body: o}, err
		})
	api.Register(a, op("erp-create-purchase-order", http.MethodPost, "/erp/purchasing/orders", "Enter a purchase order",
		"A draft: prices default from the supplier's price list, VAT rates from the items, expected dates from the lead time."),
		domain.PermWrite, func(ctx context.Context, in *orderCreateInput) (*orderOutput, error) {
			o, err := h.svc.CreateOrder(ctx, in.Body)
			return &orderOutput{Body: o}, err
		})
	steps := []struct {
		id, path, summary, desc string
		perm                    authz.Permission
		run                     func(ctx context.Context, id, comment string) (domain.PurchaseOrder, error)
	}{
		{"erp-submit-purchase-order", "submit", "Submit a draft purchase order",
			"Above the approval threshold the order waits for approval; otherwise it is approved at once.", domain.PermWrite,
			func(ctx context.Context, id, _ string) (domain.PurchaseOrder, error) { return h.svc.Submit(ctx, id) }},
		{"erp-approve-purchase-order", "approve", "Approve a purchase order",
			"Its lines become expected receipts in the inventory.", domain.PermApprove, h.svc.Approve},
		{"erp-reject-purchase-order", "reject", "Reject a purchase order", "Back to draft; the comment is required.",
			domain.PermApprove, h.svc.Reject},
		{"erp-cancel-purchase-order", "cancel", "Cancel a purchase order", "Only before anything was received.",
			domain.PermWrite, h.svc.Cancel},
		{"erp-close-purchase-order", "close", "Close a purchase order", "Nothing more will be received against it.",
			domain.PermWrite, h.svc.Close},
	}
	for _, s := range steps {
		api.Register(a, op(s.id, http.MethodPost, "/erp/purchasing/orders/{id}/"+s.path, s.summary, s.desc), s.perm,
			func(ctx context.Context, in *decisionInput) (*orderOutput, error) {
				o, err := s.run(ctx, in.ID, in.comment())
				return &orderOutput{Body: o}, err
			})
	}
	api.Register(a, op("erp-list-purchase-receipts", http.MethodGet, "/erp/purchasing/orders/{id}/receipts",
		"List the receipts of a purchase order", ""), domain.PermRead,
		func(ctx context.Context, in *api.IDParam) (*api.ListOutput[domain.PurchaseReceipt], error) {
			rs, err := h.svc.Receipts(ctx, in.ID)
			return &api.ListOutput[domain.PurchaseReceipt]{Body: api.Page[domain.PurchaseReceipt]{Items: rs}}, err
		})
	api.Register(a, op("erp-create-purchase-receipt", http.MethodPost, "/erp/purchasing/receipts", "Receive goods against a purchase order",
		"Posts an inventory receipt at the order's price. Refused beyond the over-receipt tolerance, on a closed or cancelled order, "+
			"and outside quarantine for items that need inspection."), domain.PermReceive,
		func(ctx context.Context, in *receiptCreateInput) (*receiptOutput, error) {
			r, err := h.svc.Receive(ctx, in.Body)
			return &receiptOutput{Body: r}, err
		})
	api.Register(a, op("erp-get-supplier-delivery", http.MethodGet, "/erp/purchasing/delivery", "Suppliers' on-time delivery",
		"Per supplier, of the order lines expected in the period: how many were received in full by their expected date, and the average days late of the others."),
		domain.PermRead, func(ctx context.Context, in *deliveryInput) (*api.ListOutput[domain.SupplierDelivery], error) {
			ds, err := h.svc.Delivery(ctx, in.From, in.To)
			return &api.ListOutput[domain.SupplierDelivery]{Body: api.Page[domain.SupplierDelivery]{Items: ds}}, err
		})
	api.Register(a, op("erp-list-reorder-points", http.MethodGet, "/erp/purchasing/reorder-points", "List reorder points", ""),
		domain.PermRead, func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.PurchaseReorder], error) {
			rs, err := h.svc.Reorders(ctx)
			return &api.ListOutput[domain.PurchaseReorder]{Body: api.Page[domain.PurchaseReorder]{Items: rs}}, err
		})
	api.Register(a, op("erp-set-reorder-point", http.MethodPut, "/erp/purchasing/reorder-points", "Set an item's reorder point in a warehouse",
		"Minimum, maximum and safety stock in the base unit; all zero removes it."), domain.PermWrite,
		func(ctx context.Context, in *reorderSetInput) (*reorderOutput, error) {
			r, err := h.svc.SetReorder(ctx, in.Body)
			return &reorderOutput{Body: r}, err
		})
	api.Register(a, op("erp-list-purchase-suggestions", http.MethodGet, "/erp/purchasing/suggestions", "Purchase suggestions",
		"From the reorder points, available stock and what is on order."), domain.PermRead,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.PurchaseSuggestion], error) {
			ss, err := h.svc.Suggestions(ctx)
			return &api.ListOutput[domain.PurchaseSuggestion]{Body: api.Page[domain.PurchaseSuggestion]{Items: ss}}, err
		})
	api.Register(a, op("erp-take-purchase-suggestions", http.MethodPost, "/erp/purchasing/suggestions", "Turn suggestions into requisitions", ""),
		domain.PermRequest, func(ctx context.Context, in *suggestionsTakeInput) (*api.ListOutput[domain.PurchaseRequisition], error) {
			rs, err := h.svc.RequisitionsFromSuggestions(ctx, in.Body)
			return &api.ListOutput[domain.PurchaseRequisition]{Body: api.Page[domain.PurchaseRequisition]{Items: rs}}, err
		})
	api.Register(a, op("erp-list-requisitions", http.MethodGet, "/erp/purchasing/requisitions", "List requisitions", "Newest first."),
		domain.PermRead, func(ctx context.Context, in *reqListInput) (*api.ListOutput[domain.PurchaseRequisition], error) {
			rs, err := h.svc.Requisitions(ctx, domain.ReqStatus(in.Status))
			return &api.ListOutput[domain.PurchaseRequisition]{Body: api.Page[domain.PurchaseRequisition]{Items: rs}}, err
		})
	api.Register(a, op("erp-create-requisition", http.MethodPost, "/erp/purchasing/requisitions", "Enter a requisition", ""),
		domain.PermRequest, func(ctx context.Context, in *reqCreateInput) (*reqOutput, error) {
			r, err := h.svc.CreateRequisition(ctx, in.Body)
			return &reqOutput{Body: r}, err
		})
	for _, approve := range []bool{true, false} {
		id, path, summary := "erp-approve-requisition", "approve", "Approve a requisition"
		if !approve {
			id, path, summary = "erp-reject-requisition", "reject", "Reject a requisition"
		}
		api.Register(a, op(id, http.MethodPost, "/erp/purchasing/requisitions/{id}/"+path, summary, ""), domain.PermWrite,
			func(ctx context.Context, in *api.IDParam) (*reqOutput, error) {
				r, err := h.svc.DecideRequisition(ctx, in.ID, approve)
				return &reqOutput{Body: r}, err
			})
	}
	api.Register(a, op("erp-convert-requisitions", http.MethodPost, "/erp/purchasing/requisitions/convert", "Order approved requisitions",
		"Draft purchase orders, one per preferred supplier (the lowest valid price) and warehouse."), domain.PermWrite,
		func(ctx context.Context, in *convertInput) (*api.ListOutput[domain.PurchaseOrder], error) {
			os, err := h.svc.ConvertRequisitions(ctx, in.Body)
			return &api.ListOutput[domain.PurchaseOrder]{Body: api.Page[domain.PurchaseOrder]{Items: os}}, err
		})
	api.Register(a, op("erp-list-supplier-bills", http.MethodGet, "/erp/purchasing/bills", "List supplier bills", "Newest first."),
		domain.PermRead, func(ctx context.Context, in *billListInput) (*api.ListOutput[domain.SupplierBill], error) {
			bs, err := h.svc.Bills(ctx, core.BillFilter{Status: domain.BillStatus(in.Status), OrderID: in.OrderID, Limit: in.Limit})
			return &api.ListOutput[domain.SupplierBill]{Body: api.Page[domain.SupplierBill]{Items: bs}}, err
		})
	api.Register(a, op("erp-get-supplier-bill", http.MethodGet, "/erp/purchasing/bills/{id}", "Get a supplier bill",
		"With each line's match against the order and its receipts."), domain.PermRead,
		func(ctx context.Context, in *api.IDParam) (*billOutput, error) {
			b, err := h.svc.Bill(ctx, in.ID)
			return &billOutput{Body: b}, err
		})
	api.Register(a, op("erp-create-supplier-bill", http.MethodPost, "/erp/purchasing/bills", "Enter a supplier bill",
		"Matched three ways; a bill that matches posts (GRNI, input VAT, price difference, payable), one that does not is held."),
		domain.PermBill, func(ctx context.Context, in *billCreateInput) (*billOutput, error) {
			b, err := h.svc.EnterBill(ctx, in.Body)
			return &billOutput{Body: b}, err
		})
	api.Register(a, op("erp-approve-supplier-bill", http.MethodPost, "/erp/purchasing/bills/{id}/approve", "Approve a held bill",
		"Posts it as it is."), domain.PermApprove,
		func(ctx context.Context, in *decisionInput) (*billOutput, error) {
			b, err := h.svc.ApproveBill(ctx, in.ID, in.comment())
			return &billOutput{Body: b}, err
		})
	api.Register(a, op("erp-reject-supplier-bill", http.MethodPost, "/erp/purchasing/bills/{id}/reject", "Reject a held bill",
		"Nothing is posted; the comment is required."), domain.PermApprove,
		func(ctx context.Context, in *decisionInput) (*billOutput, error) {
			b, err := h.svc.RejectBill(ctx, in.ID, in.comment())
			return &billOutput{Body: b}, err
		})
}
