package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/crm/quote/internal/service"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMQuoteLine is a line of a quote, priced.
type CRMQuoteLine struct {
	LineNo     int             `json:"line_no"`
	ItemID     string          `json:"item_id" format:"uuid"`
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	UoM        string          `json:"uom"`
	Quantity   money.Quantity  `json:"quantity"`
	RefPrice   money.UnitPrice `json:"ref_price" doc:"The customer's price without a discount, in the quote's tax mode."`
	Source     string          `json:"source" enum:"customer,list,item"`
	UnitPrice  money.UnitPrice `json:"unit_price"`
	Discount   money.Rate      `json:"discount"`
	NetPrice   money.UnitPrice `json:"net_price"`
	VATRate    money.Rate      `json:"vat_rate"`
	Net        money.Amount    `json:"net"`
	Tax        money.Amount    `json:"tax"`
	Gross      money.Amount    `json:"gross"`
	Reduction  money.Rate      `json:"reduction" doc:"How far the net price is below the reference price."`
	BelowFloor bool            `json:"below_floor"`
	// Availability comes from ERP's last report of the item's stock.
	AvailableNow money.Quantity `json:"available_now"`
	PromiseDate  string         `json:"promise_date" doc:"When the whole quantity can be delivered."`
}

// CRMQuote is a quote.
type CRMQuote struct {
	ID            string         `json:"id" format:"uuid"`
	Number        string         `json:"number"`
	Revision      int            `json:"revision"`
	AccountID     string         `json:"account_id"`
	AccountName   string         `json:"account_name"`
	ContactID     string         `json:"contact_id,omitempty"`
	OpportunityID string         `json:"opportunity_id,omitempty"`
	OwnerID       string         `json:"owner_id"`
	OwnerName     string         `json:"owner_name"`
	Currency      string         `json:"currency"`
	TaxMode       string         `json:"tax_mode" enum:"exclusive,inclusive"`
	Status        string         `json:"status" enum:"draft,pending_approval,approved,sent,accepted,declined,superseded"`
	ValidUntil    string         `json:"valid_until"`
	RequestedDate string         `json:"requested_date,omitempty"`
	ShipTo        string         `json:"ship_to"`
	PaymentTerms  string         `json:"payment_terms"`
	Notes         string         `json:"notes"`
	Lines         []CRMQuoteLine `json:"lines" nullable:"false"`
	Net           money.Amount   `json:"net"`
	Tax           money.Amount   `json:"tax"`
	Gross         money.Amount   `json:"gross"`
	SupersedesID  string         `json:"supersedes_id,omitempty"`
	SupersededBy  string         `json:"superseded_by,omitempty"`
	DeclineReason string         `json:"decline_reason,omitempty"`
	// Order is what ERP made of the quote once it was accepted.
	Order     *CRMQuoteOrder `json:"order,omitempty"`
	Version   int            `json:"version"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// CRMQuoteOrder is the sales order ERP made of an accepted quote.
type CRMQuoteOrder struct {
	SONumber    string `json:"so_number,omitempty"`
	Status      string `json:"status" doc:"waiting until ERP answers, rejected, or ERP's status of the sales order."`
	PromiseDate string `json:"promise_date,omitempty"`
	Carrier     string `json:"carrier,omitempty"`
	TrackingNo  string `json:"tracking_no,omitempty"`
	Reason      string `json:"reason,omitempty" doc:"Why ERP refused the order."`
}

// CRMQuoteLineInput is a line of a quote.
type CRMQuoteLineInput struct {
	ItemID        string           `json:"item_id"`
	Quantity      money.Quantity   `json:"quantity"`
	UnitPrice     *money.UnitPrice `json:"unit_price,omitempty" doc:"Empty takes the customer's price."`
	Discount      money.Rate       `json:"discount,omitempty" doc:"0 to 1."`
	FloorApproval bool             `json:"floor_approval,omitempty" doc:"Ask approval for a net price below the floor; without it such a price is refused."`
}

// CRMQuoteInput creates or replaces a draft quote.
type CRMQuoteInput struct {
	AccountID     string              `json:"account_id"`
	ContactID     string              `json:"contact_id,omitempty"`
	OpportunityID string              `json:"opportunity_id,omitempty"`
	Currency      string              `json:"currency,omitempty" doc:"The customer's currency when empty."`
	TaxMode       string              `json:"tax_mode,omitempty" doc:"exclusive (default) or inclusive."`
	ValidUntil    string              `json:"valid_until,omitempty"`
	RequestedDate string              `json:"requested_date,omitempty"`
	ShipTo        string              `json:"ship_to,omitempty" maxLength:"300"`
	PaymentTerms  string              `json:"payment_terms,omitempty" maxLength:"100"`
	Notes         string              `json:"notes,omitempty" maxLength:"2000"`
	Lines         []CRMQuoteLineInput `json:"lines,omitempty" maxItems:"200"`
	Version       int                 `json:"version,omitempty"`
}

// CRMQuoteApproval is a decision a quote waits for, or got.
type CRMQuoteApproval struct {
	ID          string            `json:"id" format:"uuid"`
	QuoteID     string            `json:"quote_id"`
	QuoteNumber string            `json:"quote_number"`
	AccountName string            `json:"account_name"`
	Gross       money.Amount      `json:"gross"`
	Currency    string            `json:"currency"`
	Kind        string            `json:"kind" enum:"discount,floor,credit"`
	Detail      map[string]string `json:"detail"`
	Status      string            `json:"status" enum:"pending,approved,rejected,withdrawn"`
	RequestedBy string            `json:"requested_by"`
	RequestedAt time.Time         `json:"requested_at"`
	DecidedBy   string            `json:"decided_by,omitempty"`
	DecidedAt   *time.Time        `json:"decided_at,omitempty"`
	Comment     string            `json:"comment,omitempty"`
}

// CRMQuoteDecision approves or rejects.
type CRMQuoteDecision struct {
	Approve bool   `json:"approve"`
	Comment string `json:"comment,omitempty" maxLength:"500" doc:"Required to reject."`
}

// CRMQuoteDecline records why a customer turned a quote down.
type CRMQuoteDecline struct {
	Reason string `json:"reason" maxLength:"500"`
}

// CRMQuoteVersion carries the version read, for a submit.
type CRMQuoteVersion struct {
	Version int `json:"version,omitempty"`
}

// CRMPrice is a customer's resolved price of an item.
type CRMPrice struct {
	ItemID    string          `json:"item_id"`
	Quantity  money.Quantity  `json:"quantity"`
	UnitPrice money.UnitPrice `json:"unit_price" doc:"Without VAT."`
	Source    string          `json:"source" enum:"customer,list,item"`
	Floor     money.UnitPrice `json:"floor"`
	VATRate   money.Rate      `json:"vat_rate"`
}

type (
	quoteOut     struct{ Body CRMQuote }
	quoteCreated struct {
		Location string `header:"Location"`
		Body     CRMQuote
	}
	listQuotesIn struct {
		api.ListParams
		Query         string `query:"q" maxLength:"100"`
		AccountID     string `query:"account_id"`
		OpportunityID string `query:"opportunity_id"`
		Status        string `query:"status" enum:"draft,pending_approval,approved,sent,accepted,declined,superseded"`
		OwnerID       string `query:"owner_id"`
		AllRevisions  bool   `query:"all_revisions" doc:"Superseded revisions too."`
	}
	createQuoteIn struct{ Body CRMQuoteInput }
	updateQuoteIn struct {
		api.IDParam
		Body CRMQuoteInput
	}
	submitQuoteIn struct {
		api.IDParam
		Body *CRMQuoteVersion `required:"false"`
	}
	declineQuoteIn struct {
		api.IDParam
		Body CRMQuoteDecline
	}
	approvalsOut struct{ Body []CRMQuoteApproval }
	approvalOut  struct{ Body CRMQuoteApproval }
	inboxIn      struct{}
	decideIn     struct {
		api.IDParam
		Body CRMQuoteDecision
	}
	priceIn struct {
		AccountID string `query:"account_id" required:"true"`
		ItemID    string `query:"item_id" required:"true"`
		Quantity  string `query:"quantity" required:"true"`
		Currency  string `query:"currency"`
	}
	priceOut struct{ Body CRMPrice }
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-quotes", Method: http.MethodGet, Path: "/crm/quotes",
		Summary: "List quotes", Description: "The latest revision of each quote the caller may see. Sort: " + strings.Join(service.QuoteSort().Fields, ", ") + " (default -created_at)."},
		quote.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-quote", Method: http.MethodPost, Path: "/crm/quotes",
		Summary: "Create a draft quote", DefaultStatus: http.StatusCreated}, quote.PermWrite, h.apiCreate)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-quote", Method: http.MethodGet, Path: "/crm/quotes/{id}",
		Summary: "Get a quote with its availability and ERP order"}, quote.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-quote", Method: http.MethodPut, Path: "/crm/quotes/{id}",
		Summary: "Replace a draft quote", Description: "Only a draft changes; a sent quote is revised.", Errors: []int{http.StatusPreconditionFailed}},
		quote.PermWrite, h.apiUpdate)
	for _, a := range []struct{ op, path, summary string }{
		{"crm-submit-quote", "submit", "Submit a draft: approved at once, or waiting for the approvals its discounts, floors and credit need"},
		{"crm-recall-quote", "recall", "Take a quote waiting for approval, or approved, back to draft"},
		{"crm-send-quote", "send", "Record that an approved quote was sent"},
		{"crm-revise-quote", "revise", "Make a new draft revision of a sent or approved quote"},
		{"crm-accept-quote", "accept", "Record the customer's acceptance; emits crm.order.requested"},
	} {
		crmui.Register(k, huma.Operation{OperationID: a.op, Method: http.MethodPost, Path: "/crm/quotes/{id}/" + a.path, Summary: a.summary,
			Errors: []int{http.StatusPreconditionFailed}}, quote.PermWrite, h.apiAct(a.path))
	}
	crmui.Register(k, huma.Operation{OperationID: "crm-decline-quote", Method: http.MethodPost, Path: "/crm/quotes/{id}/decline",
		Summary: "Record that the customer declined a quote", Errors: []int{http.StatusPreconditionFailed}}, quote.PermWrite, h.apiDecline)
	crmui.Register(k, huma.Operation{OperationID: "crm-quote-approvals", Method: http.MethodGet, Path: "/crm/quotes/{id}/approvals",
		Summary: "List a quote's approvals"}, quote.PermRead, h.apiApprovals)
	crmui.Register(k, huma.Operation{OperationID: "crm-approval-inbox", Method: http.MethodGet, Path: "/crm/approvals",
		Summary: "List the approvals waiting for the caller"}, quote.PermRead, h.apiInbox)
	crmui.Register(k, huma.Operation{OperationID: "crm-decide-approval", Method: http.MethodPost, Path: "/crm/approvals/{id}",
		Summary: "Approve or reject", Errors: []int{http.StatusPreconditionFailed}}, quote.PermRead, h.apiDecide)
	crmui.Register(k, huma.Operation{OperationID: "crm-resolve-price", Method: http.MethodGet, Path: "/crm/prices/resolve",
		Summary: "Resolve a customer's price of an item for a quantity"}, quote.PermRead, h.apiPrice)
}

func (h *Handler) quoteToAPI(ctx context.Context, q *quote.Quote, detail bool) (CRMQuote, error) {
	out := CRMQuote{ID: q.ID, Number: q.Number, Revision: q.Revision, AccountID: q.AccountID, AccountName: q.AccountName, ContactID: q.ContactID,
		OpportunityID: q.OpportunityID, OwnerID: q.OwnerID, OwnerName: q.OwnerName, Currency: q.Currency, TaxMode: string(q.TaxMode),
		Status: string(q.Status), ValidUntil: q.ValidUntil, RequestedDate: q.RequestedDate, ShipTo: q.ShipTo, PaymentTerms: q.PaymentTerms,
		Notes: q.Notes, Net: q.Net, Tax: q.Tax, Gross: q.Gross, SupersedesID: q.SupersedesID, SupersededBy: q.SupersededBy,
		DeclineReason: q.DeclineReason, Version: q.Version, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt, Lines: []CRMQuoteLine{}}
	stock := map[string]catalog.Availability{}
	if detail {
		ids := make([]string, len(q.Lines))
		for i, l := range q.Lines {
			ids[i] = l.ItemID
		}
		var err error
		if stock, err = h.items.Availability(ctx, ids); err != nil {
			return out, err
		}
		order, steps, err := h.items.OrderOfQuote(ctx, q.ID)
		if err != nil {
			return out, err
		}
		switch rej := lastRejection(steps); {
		case order != nil:
			out.Order = &CRMQuoteOrder{SONumber: order.SONumber, Status: order.Status, PromiseDate: order.PromiseDate, Carrier: order.Carrier, TrackingNo: order.TrackingNo}
		case rej != nil:
			out.Order = &CRMQuoteOrder{Status: "rejected", Reason: rejectText(ctx, *rej)}
		case q.Status == quote.StatusAccepted:
			out.Order = &CRMQuoteOrder{Status: "waiting"}
		}
	}
	today := h.today()
	for _, l := range q.Lines {
		cl := CRMQuoteLine{LineNo: l.No, ItemID: l.ItemID, Code: l.Code, Name: l.Name, UoM: l.UoM, Quantity: l.Quantity, RefPrice: l.RefPrice,
			Source: string(l.Source), UnitPrice: l.UnitPrice, Discount: l.Discount, NetPrice: l.NetPrice, VATRate: l.VATRate, Net: l.Net,
			Tax: l.Tax, Gross: l.Gross, Reduction: l.Reduction, BelowFloor: l.BelowFloor}
		if s, ok := stock[l.ItemID]; ok {
			pr := s.Promise(l.Quantity, today)
			cl.AvailableNow, cl.PromiseDate = pr.Now, pr.Date
		}
		out.Lines = append(out.Lines, cl)
	}
	return out, nil
}

func quoteFromAPI(in CRMQuoteInput) quote.Input {
	out := quote.Input{AccountID: in.AccountID, ContactID: in.ContactID, OpportunityID: in.OpportunityID, Currency: in.Currency,
		TaxMode: quote.TaxMode(in.TaxMode), ValidUntil: in.ValidUntil, RequestedDate: in.RequestedDate, ShipTo: in.ShipTo,
		PaymentTerms: in.PaymentTerms, Notes: in.Notes, Version: in.Version}
	for _, l := range in.Lines {
		out.Lines = append(out.Lines, quote.LineInput{ItemID: l.ItemID, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount,
			FloorApproval: l.FloorApproval})
	}
	return out
}

func (h *Handler) apiList(ctx context.Context, in *listQuotesIn) (*api.ListOutput[CRMQuote], error) {
	page, err := h.svc.List(ctx, quote.Filter{Query: in.Query, AccountID: in.AccountID, OpportunityID: in.OpportunityID,
		Status: quote.Status(in.Status), OwnerID: in.OwnerID, AllRevisions: in.AllRevisions, Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMQuote]{Body: api.Page[CRMQuote]{Items: make([]CRMQuote, 0, len(page.Items))}}
	for i := range page.Items {
		q, err := h.quoteToAPI(ctx, &page.Items[i], false)
		if err != nil {
			return nil, err
		}
		out.Body.Items = append(out.Body.Items, q)
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) respond(ctx context.Context, q *quote.Quote, err error) (*quoteOut, error) {
	if err != nil {
		return nil, err
	}
	body, err := h.quoteToAPI(ctx, q, true)
	if err != nil {
		return nil, err
	}
	return &quoteOut{body}, nil
}

func (h *Handler) apiCreate(ctx context.Context, in *createQuoteIn) (*quoteCreated, error) {
	q, err := h.svc.Create(ctx, quoteFromAPI(in.Body))
	out, err := h.respond(ctx, q, err)
	if err != nil {
		return nil, err
	}
	return &quoteCreated{Location: api.Prefix + "/crm/quotes/" + q.ID, Body: out.Body}, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*quoteOut, error) {
	q, err := h.svc.Get(ctx, in.ID)
	return h.respond(ctx, q, err)
}

func (h *Handler) apiUpdate(ctx context.Context, in *updateQuoteIn) (*quoteOut, error) {
	q, err := h.svc.Update(ctx, in.ID, quoteFromAPI(in.Body))
	return h.respond(ctx, q, err)
}

func (h *Handler) apiAct(action string) func(context.Context, *submitQuoteIn) (*quoteOut, error) {
	return func(ctx context.Context, in *submitQuoteIn) (*quoteOut, error) {
		var q *quote.Quote
		var err error
		switch action {
		case "submit":
			version := 0
			if in.Body != nil {
				version = in.Body.Version
			}
			q, err = h.svc.Submit(ctx, in.ID, version)
		case "recall":
			q, err = h.svc.Recall(ctx, in.ID)
		case "send":
			q, err = h.svc.Send(ctx, in.ID)
		case "revise":
			q, err = h.svc.Revise(ctx, in.ID)
		case "accept":
			q, err = h.svc.Accept(ctx, in.ID)
		}
		return h.respond(ctx, q, err)
	}
}

func (h *Handler) apiDecline(ctx context.Context, in *declineQuoteIn) (*quoteOut, error) {
	q, err := h.svc.Decline(ctx, in.ID, in.Body.Reason)
	return h.respond(ctx, q, err)
}

func approvalToAPI(a quote.Approval) CRMQuoteApproval {
	out := CRMQuoteApproval{ID: a.ID, QuoteID: a.QuoteID, QuoteNumber: a.QuoteNumber, AccountName: a.AccountName, Gross: a.Gross,
		Currency: a.Currency, Kind: string(a.Kind), Detail: a.Detail, Status: string(a.Status), RequestedBy: a.RequestedBy,
		RequestedAt: a.RequestedAt, DecidedBy: a.DecidedBy, Comment: a.Comment}
	if !a.DecidedAt.IsZero() {
		at := a.DecidedAt
		out.DecidedAt = &at
	}
	return out
}

func (h *Handler) apiApprovals(ctx context.Context, in *api.IDParam) (*approvalsOut, error) {
	as, err := h.svc.Approvals(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &approvalsOut{Body: make([]CRMQuoteApproval, 0, len(as))}
	for _, a := range as {
		out.Body = append(out.Body, approvalToAPI(a))
	}
	return out, nil
}

func (h *Handler) apiInbox(ctx context.Context, _ *inboxIn) (*approvalsOut, error) {
	return h.apiApprovals(ctx, &api.IDParam{})
}

func (h *Handler) apiDecide(ctx context.Context, in *decideIn) (*approvalOut, error) {
	a, err := h.svc.Decide(ctx, in.ID, in.Body.Approve, in.Body.Comment)
	if err != nil {
		return nil, err
	}
	return &approvalOut{approvalToAPI(*a)}, nil
}

func (h *Handler) apiPrice(ctx context.Context, in *priceIn) (*priceOut, error) {
	qty, err := money.ParseQuantity(in.Quantity)
	if err != nil {
		return nil, apperr.Invalid("quantity", "crm.quote.error.quantity", "The quantity must be more than zero")
	}
	p, err := h.svc.PriceOf(ctx, in.AccountID, in.ItemID, in.Currency, qty)
	if err != nil {
		return nil, err
	}
	return &priceOut{CRMPrice{ItemID: p.ItemID, Quantity: p.Quantity, UnitPrice: p.UnitPrice, Source: string(p.Source), Floor: p.Floor, VATRate: p.VATRate}}, nil
}
