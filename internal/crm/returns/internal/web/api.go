package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/returns"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMReturnLine is an item of a return authorisation.
type CRMReturnLine struct {
	LineNo   int            `json:"line_no"`
	ItemID   string         `json:"item_id" format:"uuid"`
	ItemCode string         `json:"item_code"`
	ItemName string         `json:"item_name"`
	Quantity money.Quantity `json:"quantity"`
	Reason   string         `json:"reason"`
	Received money.Quantity `json:"received" doc:"What ERP reported received of the item."`
}

// CRMReturn is a return authorisation (RMA).
type CRMReturn struct {
	ID             string          `json:"id" format:"uuid"`
	Number         string          `json:"number"`
	AccountID      string          `json:"account_id" format:"uuid"`
	AccountName    string          `json:"account_name"`
	ShipmentID     string          `json:"shipment_id" format:"uuid"`
	ShipmentNumber string          `json:"shipment_number"`
	SOID           string          `json:"so_id"`
	SONumber       string          `json:"so_number"`
	QuoteID        string          `json:"quote_id,omitempty"`
	Status         string          `json:"status" enum:"draft,authorized,received,rejected,cancelled"`
	Notes          string          `json:"notes"`
	CreatedBy      string          `json:"created_by"`
	CreatedByName  string          `json:"created_by_name"`
	AuthorizedBy   string          `json:"authorized_by,omitempty"`
	AuthorizedName string          `json:"authorized_by_name,omitempty"`
	AuthorizedAt   *time.Time      `json:"authorized_at,omitempty"`
	ReceivedAt     *time.Time      `json:"received_at,omitempty"`
	ReturnNumber   string          `json:"return_number,omitempty" doc:"ERP's number of the return."`
	ERPReason      string          `json:"erp_reason,omitempty" doc:"Why ERP rejected the return."`
	FromERP        bool            `json:"from_erp,omitempty" doc:"Entered in ERP without a CRM authorisation; read-only."`
	Lines          []CRMReturnLine `json:"lines" nullable:"false"`
	Version        int             `json:"version"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// CRMReturnLineInput is a line as sent.
type CRMReturnLineInput struct {
	ItemID   string         `json:"item_id"`
	Quantity money.Quantity `json:"quantity" doc:"At most what was shipped less what other returns of the shipment cover."`
	Reason   string         `json:"reason" maxLength:"200"`
}

// CRMReturnInput makes a return authorisation.
type CRMReturnInput struct {
	ShipmentID string               `json:"shipment_id"`
	Notes      string               `json:"notes,omitempty" maxLength:"2000"`
	Lines      []CRMReturnLineInput `json:"lines" maxItems:"100"`
}

// CRMShipmentItem is an item of a shipment with what may still be returned.
type CRMShipmentItem struct {
	ItemID     string         `json:"item_id"`
	ItemCode   string         `json:"item_code"`
	ItemName   string         `json:"item_name"`
	Shipped    money.Quantity `json:"shipped"`
	Authorized money.Quantity `json:"authorized"`
	Returnable money.Quantity `json:"returnable"`
}

// CRMShipment is a shipment ERP sent to a customer.
type CRMShipment struct {
	ID         string            `json:"id"`
	Number     string            `json:"number"`
	SOID       string            `json:"so_id"`
	SONumber   string            `json:"so_number"`
	QuoteID    string            `json:"quote_id,omitempty"`
	AccountID  string            `json:"account_id"`
	Carrier    string            `json:"carrier"`
	TrackingNo string            `json:"tracking_no"`
	ShippedAt  time.Time         `json:"shipped_at"`
	Items      []CRMShipmentItem `json:"items" nullable:"false"`
}

type (
	returnOut     struct{ Body CRMReturn }
	returnCreated struct {
		Location string `header:"Location"`
		Body     CRMReturn
	}
	createIn struct{ Body CRMReturnInput }
	listIn   struct {
		api.ListParams
		Status     string `query:"status" enum:"draft,authorized,received,rejected,cancelled"`
		AccountID  string `query:"account_id"`
		ShipmentID string `query:"shipment_id"`
		SOID       string `query:"so_id"`
		QuoteID    string `query:"quote_id"`
	}
	shipmentsIn struct {
		AccountID string `query:"account_id" required:"true"`
	}
	shipmentsOut struct {
		Body struct {
			Items []CRMShipment `json:"items" nullable:"false"`
		}
	}
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-returns", Method: http.MethodGet, Path: "/crm/returns",
		Summary: "List return authorisations", Description: "Returns of the customers the caller sees, newest first."}, returns.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-return", Method: http.MethodGet, Path: "/crm/returns/{id}",
		Summary: "Get a return authorisation with what ERP received"}, returns.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-return", Method: http.MethodPost, Path: "/crm/returns",
		Summary: "Make a draft return authorisation of a shipment", DefaultStatus: http.StatusCreated}, returns.PermWrite, h.apiCreate)
	crmui.Register(k, huma.Operation{OperationID: "crm-authorize-return", Method: http.MethodPost, Path: "/crm/returns/{id}/authorize",
		Summary: "Authorise a draft return", Errors: []int{http.StatusPreconditionFailed},
		Description: "Sends crm.return.authorized to ERP."}, returns.PermApprove, h.apiAuthorize)
	crmui.Register(k, huma.Operation{OperationID: "crm-cancel-return", Method: http.MethodPost, Path: "/crm/returns/{id}/cancel",
		Summary: "Cancel a draft return", Errors: []int{http.StatusPreconditionFailed}}, returns.PermWrite, h.apiCancel)
	crmui.Register(k, huma.Operation{OperationID: "crm-list-shipments", Method: http.MethodGet, Path: "/crm/shipments",
		Summary: "List a customer's shipments with what may still be returned"}, returns.PermRead, h.apiShipments)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toAPI(r *returns.RMA) CRMReturn {
	out := CRMReturn{ID: r.ID, Number: r.Number, AccountID: r.AccountID, AccountName: r.AccountName, ShipmentID: r.ShipmentID,
		ShipmentNumber: r.ShipmentNumber, SOID: r.SOID, SONumber: r.SONumber, QuoteID: r.QuoteID, Status: string(r.Status), Notes: r.Notes,
		CreatedBy: r.CreatedBy, CreatedByName: r.CreatedByName, AuthorizedBy: r.AuthorizedBy, AuthorizedName: r.AuthorizedName,
		AuthorizedAt: timePtr(r.AuthorizedAt), ReceivedAt: timePtr(r.ReceivedAt), ReturnNumber: r.ReturnNumber, ERPReason: r.ERPReason,
		FromERP: r.FromERP, Lines: []CRMReturnLine{}, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, CRMReturnLine{LineNo: l.LineNo, ItemID: l.ItemID, ItemCode: l.ItemCode, ItemName: l.ItemName,
			Quantity: l.Quantity, Reason: l.Reason, Received: l.Received})
	}
	return out
}

func (h *Handler) apiList(ctx context.Context, in *listIn) (*api.ListOutput[CRMReturn], error) {
	if _, err := (api.SortSpec{Fields: []string{"created_at"}}).Parse(in.Sort); err != nil {
		return nil, err
	}
	page, err := h.svc.List(ctx, returns.Filter{Status: returns.Status(in.Status), AccountID: in.AccountID, ShipmentID: in.ShipmentID,
		SOID: in.SOID, QuoteID: in.QuoteID, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMReturn]{Body: api.Page[CRMReturn]{Items: make([]CRMReturn, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, toAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*returnOut, error) {
	r, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &returnOut{toAPI(r)}, nil
}

func (h *Handler) apiCreate(ctx context.Context, in *createIn) (*returnCreated, error) {
	ri := returns.Input{ShipmentID: in.Body.ShipmentID, Notes: in.Body.Notes}
	for _, l := range in.Body.Lines {
		ri.Lines = append(ri.Lines, returns.LineInput{ItemID: l.ItemID, Quantity: l.Quantity, Reason: l.Reason})
	}
	r, err := h.svc.Create(ctx, ri)
	if err != nil {
		return nil, err
	}
	return &returnCreated{Location: api.Prefix + "/crm/returns/" + r.ID, Body: toAPI(r)}, nil
}

func (h *Handler) apiAuthorize(ctx context.Context, in *api.IDParam) (*returnOut, error) {
	r, err := h.svc.Authorize(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &returnOut{toAPI(r)}, nil
}

func (h *Handler) apiCancel(ctx context.Context, in *api.IDParam) (*returnOut, error) {
	r, err := h.svc.Cancel(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &returnOut{toAPI(r)}, nil
}

func (h *Handler) apiShipments(ctx context.Context, in *shipmentsIn) (*shipmentsOut, error) {
	shs, err := h.svc.Shipments(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	out := &shipmentsOut{}
	out.Body.Items = []CRMShipment{}
	for _, sh := range shs {
		o := CRMShipment{ID: sh.ID, Number: sh.Number, SOID: sh.SOID, SONumber: sh.SONumber, QuoteID: sh.QuoteID, AccountID: sh.AccountID,
			Carrier: sh.Carrier, TrackingNo: sh.TrackingNo, ShippedAt: sh.ShippedAt, Items: []CRMShipmentItem{}}
		for _, it := range sh.Items {
			o.Items = append(o.Items, CRMShipmentItem{ItemID: it.ItemID, ItemCode: it.ItemCode, ItemName: it.ItemName, Shipped: it.Shipped,
				Authorized: it.Authorized, Returnable: it.Returnable})
		}
		out.Body.Items = append(out.Body.Items, o)
	}
	return out, nil
}
