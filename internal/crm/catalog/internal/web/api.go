package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMItem is a product as ERP describes it, with its stock.
type CRMItem struct {
	ID           string          `json:"id" format:"uuid"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	NameEN       string          `json:"name_en"`
	Spec         string          `json:"spec"`
	Kind         string          `json:"kind"`
	CategoryName string          `json:"category_name"`
	UoM          string          `json:"uom"`
	VATRate      money.Rate      `json:"vat_rate"`
	ListPrice    money.UnitPrice `json:"list_price"`
	FloorPrice   money.UnitPrice `json:"floor_price"`
	Currency     string          `json:"currency"`
	LeadTimeDays int             `json:"lead_time_days"`
	Sellable     bool            `json:"sellable"`
	Status       string          `json:"status"`
	Stock        CRMStock        `json:"stock"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// CRMStock is an item's stock as ERP last reported it.
type CRMStock struct {
	Known     bool           `json:"known" doc:"False when ERP has not reported the item's stock yet."`
	OnHand    money.Quantity `json:"on_hand"`
	Reserved  money.Quantity `json:"reserved"`
	Available money.Quantity `json:"available"`
	Incoming  []CRMIncoming  `json:"incoming" nullable:"false"`
	AsOf      *time.Time     `json:"as_of,omitempty"`
}

// CRMIncoming is stock expected on a date.
type CRMIncoming struct {
	Date     string         `json:"date" format:"date"`
	Quantity money.Quantity `json:"quantity"`
}

// CRMPromise says when a quantity can be delivered.
type CRMPromise struct {
	Quantity   money.Quantity `json:"quantity"`
	Now        money.Quantity `json:"now" doc:"Deliverable from stock at once."`
	Short      money.Quantity `json:"short" doc:"The part that must wait."`
	Date       string         `json:"date" format:"date" doc:"When the whole quantity is available."`
	ByLeadTime bool           `json:"by_lead_time" doc:"The date comes from the lead time, not an incoming receipt."`
}

// CRMLedger is a customer's credit position, orders, invoices and payments as ERP reported them.
type CRMLedger struct {
	Credit   CRMCredit    `json:"credit"`
	Orders   []CRMOrder   `json:"orders" nullable:"false"`
	Invoices []CRMInvoice `json:"invoices" nullable:"false"`
	Payments []CRMPayment `json:"payments" nullable:"false"`
}

// CRMCredit is a customer's credit position.
type CRMCredit struct {
	Known           bool         `json:"known"`
	Currency        string       `json:"currency"`
	CreditLimit     money.Amount `json:"credit_limit"`
	ARBalance       money.Amount `json:"ar_balance"`
	Overdue         money.Amount `json:"overdue"`
	OpenOrders      money.Amount `json:"open_orders"`
	AvailableCredit money.Amount `json:"available_credit"`
	OnHold          bool         `json:"on_hold"`
}

// CRMOrder is a sales order ERP made of a quote.
type CRMOrder struct {
	SOID        string       `json:"so_id"`
	SONumber    string       `json:"so_number"`
	QuoteID     string       `json:"quote_id"`
	Status      string       `json:"status"`
	PromiseDate string       `json:"promise_date"`
	Carrier     string       `json:"carrier"`
	TrackingNo  string       `json:"tracking_no"`
	Amount      money.Amount `json:"amount"`
}

// CRMInvoice is an invoice ERP posted.
type CRMInvoice struct {
	ID       string       `json:"id"`
	Number   string       `json:"number"`
	SOID     string       `json:"so_id"`
	Date     string       `json:"date"`
	DueDate  string       `json:"due_date"`
	Currency string       `json:"currency"`
	Gross    money.Amount `json:"gross"`
	Paid     money.Amount `json:"paid"`
}

// CRMPayment is a payment ERP received.
type CRMPayment struct {
	ID       string       `json:"id"`
	Number   string       `json:"number"`
	Date     string       `json:"date"`
	Currency string       `json:"currency"`
	Amount   money.Amount `json:"amount"`
}

type (
	listItemsIn struct {
		api.ListParams
		Query    string `query:"q" maxLength:"100" doc:"Part of the code, name, spec or pinyin initials."`
		Sellable bool   `query:"sellable" doc:"Only items that may go on a quote."`
	}
	itemOut   struct{ Body CRMItem }
	promiseIn struct {
		api.IDParam
		Quantity string `query:"quantity" required:"true" doc:"The quantity to deliver, such as 250."`
	}
	promiseOut struct{ Body CRMPromise }
	ledgerOut  struct{ Body CRMLedger }
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-items", Method: http.MethodGet, Path: "/crm/items",
		Summary: "List products", Description: "The CRM's copy of ERP's items, by code, with stock. Sort: code.",
	}, catalog.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-item", Method: http.MethodGet, Path: "/crm/items/{id}",
		Summary: "Get a product with its stock",
	}, catalog.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-item-promise", Method: http.MethodGet, Path: "/crm/items/{id}/promise",
		Summary: "When can a quantity be delivered", Description: "From available stock, then incoming receipts, then the lead time.",
	}, catalog.PermRead, h.apiPromise)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-account-ledger", Method: http.MethodGet, Path: "/crm/accounts/{id}/ledger",
		Summary: "Get a customer's credit, orders, invoices and payments", Description: "As ERP last reported them.",
	}, catalog.PermCredit, h.apiLedger)
}

func itemToAPI(it catalog.Item, s catalog.Availability) CRMItem {
	out := CRMItem{ID: it.ID, Code: it.Code, Name: it.Name, NameEN: it.NameEN, Spec: it.Spec, Kind: it.Kind, CategoryName: it.CategoryName,
		UoM: it.UoM, VATRate: it.VATRate, ListPrice: it.ListPrice, FloorPrice: it.FloorPrice, Currency: it.Currency,
		LeadTimeDays: it.LeadTimeDays, Sellable: it.Sellable, Status: it.Status, UpdatedAt: it.UpdatedAt,
		Stock: CRMStock{Known: s.Known, OnHand: s.OnHand, Reserved: s.Reserved, Available: s.Available, Incoming: []CRMIncoming{}}}
	for _, in := range s.Incoming {
		out.Stock.Incoming = append(out.Stock.Incoming, CRMIncoming(in))
	}
	if s.Known {
		at := s.AsOf
		out.Stock.AsOf = &at
	}
	return out
}

func (h *Handler) apiList(ctx context.Context, in *listItemsIn) (*api.ListOutput[CRMItem], error) {
	if _, err := (api.SortSpec{Fields: []string{"code"}}).Parse(in.Sort); err != nil {
		return nil, err
	}
	page, err := h.svc.Items(ctx, catalog.ItemFilter{Query: in.Query, Sellable: in.Sellable, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	stock, err := h.svc.Availability(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMItem]{Body: api.Page[CRMItem]{Items: make([]CRMItem, 0, len(page.Items))}}
	for _, it := range page.Items {
		out.Body.Items = append(out.Body.Items, itemToAPI(it, stock[it.ID]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*itemOut, error) {
	it, err := h.svc.Item(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	stock, err := h.svc.Availability(ctx, []string{it.ID})
	if err != nil {
		return nil, err
	}
	return &itemOut{itemToAPI(*it, stock[it.ID])}, nil
}

func (h *Handler) apiPromise(ctx context.Context, in *promiseIn) (*promiseOut, error) {
	it, err := h.svc.Item(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	qty, err := money.ParseQuantity(in.Quantity)
	if err != nil || qty.Sign() <= 0 {
		return nil, invalidQuantity()
	}
	stock, err := h.svc.Availability(ctx, []string{it.ID})
	if err != nil {
		return nil, err
	}
	p := stock[it.ID].Promise(qty, today(h.now()))
	return &promiseOut{CRMPromise{Quantity: qty, Now: p.Now, Short: p.Short, Date: p.Date, ByLeadTime: p.ByLeadTime}}, nil
}

func (h *Handler) apiLedger(ctx context.Context, in *api.IDParam) (*ledgerOut, error) {
	l, err := h.svc.Ledger(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := CRMLedger{Orders: []CRMOrder{}, Invoices: []CRMInvoice{}, Payments: []CRMPayment{}, Credit: CRMCredit{Known: l.Credit.Known,
		Currency: l.Credit.Currency, CreditLimit: l.Credit.Limit, ARBalance: l.Credit.ARBalance, Overdue: l.Credit.Overdue,
		OpenOrders: l.Credit.OpenOrders, AvailableCredit: l.Credit.AvailableCredit, OnHold: l.Credit.OnHold}}
	for _, o := range l.Orders {
		out.Orders = append(out.Orders, CRMOrder{SOID: o.SOID, SONumber: o.SONumber, QuoteID: o.QuoteID, Status: o.Status,
			PromiseDate: o.PromiseDate, Carrier: o.Carrier, TrackingNo: o.TrackingNo, Amount: o.Amount})
	}
	for _, i := range l.Invoices {
		out.Invoices = append(out.Invoices, CRMInvoice{ID: i.ID, Number: i.Number, SOID: i.SOID, Date: i.Date, DueDate: i.DueDate,
			Currency: i.Currency, Gross: i.Gross, Paid: i.Paid})
	}
	for _, p := range l.Payments {
		out.Payments = append(out.Payments, CRMPayment{ID: p.ID, Number: p.Number, Date: p.Date, Currency: p.Currency, Amount: p.Amount})
	}
	return &ledgerOut{out}, nil
}
