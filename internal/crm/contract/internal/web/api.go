package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMInstallment is an installment of a contract's payment plan.
type CRMInstallment struct {
	No        int          `json:"no"`
	DueDate   string       `json:"due_date" format:"date"`
	Amount    money.Amount `json:"amount"`
	Condition string       `json:"condition"`
	Paid      money.Amount `json:"paid" doc:"How much of it ERP's payments cover; payments go to installments in order."`
	State     string       `json:"state" enum:"planned,partial,paid,overdue"`
}

// CRMContract is a sales contract with its payment plan.
type CRMContract struct {
	ID            string           `json:"id" format:"uuid"`
	Number        string           `json:"number"`
	Title         string           `json:"title"`
	AccountID     string           `json:"account_id" format:"uuid"`
	AccountName   string           `json:"account_name"`
	OpportunityID string           `json:"opportunity_id,omitempty"`
	QuoteID       string           `json:"quote_id,omitempty"`
	Currency      string           `json:"currency"`
	Total         money.Amount     `json:"total"`
	SignedDate    string           `json:"signed_date,omitempty"`
	StartDate     string           `json:"start_date,omitempty"`
	EndDate       string           `json:"end_date,omitempty"`
	Status        string           `json:"status" enum:"draft,active,completed,cancelled"`
	Reason        string           `json:"reason,omitempty"`
	OwnerID       string           `json:"owner_id"`
	OwnerName     string           `json:"owner_name"`
	Notes         string           `json:"notes"`
	Installments  []CRMInstallment `json:"installments" nullable:"false"`
	Invoiced      money.Amount     `json:"invoiced" doc:"What ERP invoiced naming the contract."`
	Paid          money.Amount     `json:"paid" doc:"What ERP received for the contract."`
	Mismatches    []string         `json:"mismatches" nullable:"false" doc:"overdue, over_invoiced or over_paid."`
	Version       int              `json:"version"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// CRMInstallmentInput is an installment as sent.
type CRMInstallmentInput struct {
	DueDate   string       `json:"due_date" doc:"YYYY-MM-DD; installments go in order of their due dates."`
	Amount    money.Amount `json:"amount"`
	Condition string       `json:"condition,omitempty" maxLength:"200"`
}

// CRMContractInput creates or replaces a contract.
type CRMContractInput struct {
	AccountID     string                `json:"account_id"`
	OpportunityID string                `json:"opportunity_id,omitempty"`
	QuoteID       string                `json:"quote_id,omitempty"`
	Title         string                `json:"title" maxLength:"100"`
	Currency      string                `json:"currency,omitempty" doc:"CNY when empty."`
	Total         money.Amount          `json:"total" doc:"With VAT; the installments must add up to it."`
	SignedDate    string                `json:"signed_date,omitempty"`
	StartDate     string                `json:"start_date,omitempty"`
	EndDate       string                `json:"end_date,omitempty"`
	Notes         string                `json:"notes,omitempty" maxLength:"2000"`
	Installments  []CRMInstallmentInput `json:"installments" maxItems:"60"`
	Version       int                   `json:"version,omitempty" doc:"On update: the version read (412 when the contract changed since); 0 skips the check."`
}

// CRMContractCancel cancels a contract.
type CRMContractCancel struct {
	Reason string `json:"reason" maxLength:"500"`
}

type (
	contractOut     struct{ Body CRMContract }
	contractCreated struct {
		Location string `header:"Location"`
		Body     CRMContract
	}
	createIn struct{ Body CRMContractInput }
	updateIn struct {
		api.IDParam
		Body CRMContractInput
	}
	cancelIn struct {
		api.IDParam
		Body CRMContractCancel
	}
	listIn struct {
		api.ListParams
		Query     string `query:"q" maxLength:"100"`
		Status    string `query:"status" enum:"draft,active,completed,cancelled"`
		AccountID string `query:"account_id"`
		Mismatch  bool   `query:"mismatch" doc:"Only contracts whose plan and ERP's invoices and payments differ."`
	}
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-contracts", Method: http.MethodGet, Path: "/crm/contracts",
		Summary: "List contracts", Description: "Contracts the caller may see, newest first."}, contract.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-contract", Method: http.MethodGet, Path: "/crm/contracts/{id}",
		Summary: "Get a contract with its payment plan and what ERP invoiced and received"}, contract.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-contract", Method: http.MethodPost, Path: "/crm/contracts",
		Summary: "Create a draft contract", DefaultStatus: http.StatusCreated}, contract.PermWrite, h.apiCreate)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-contract", Method: http.MethodPut, Path: "/crm/contracts/{id}",
		Summary: "Replace a draft or signed contract's fields and plan", Errors: []int{http.StatusPreconditionFailed},
		Description: "A signed contract's new plan is sent as crm.contract.payment_plan.changed."}, contract.PermWrite, h.apiUpdate)
	crmui.Register(k, huma.Operation{OperationID: "crm-activate-contract", Method: http.MethodPost, Path: "/crm/contracts/{id}/activate",
		Summary: "Mark a draft contract signed", Errors: []int{http.StatusPreconditionFailed},
		Description: "Sends crm.contract.payment_plan.changed."}, contract.PermWrite, h.apiActivate)
	crmui.Register(k, huma.Operation{OperationID: "crm-complete-contract", Method: http.MethodPost, Path: "/crm/contracts/{id}/complete",
		Summary: "Close a signed contract as completed", Errors: []int{http.StatusPreconditionFailed}}, contract.PermWrite, h.apiComplete)
	crmui.Register(k, huma.Operation{OperationID: "crm-cancel-contract", Method: http.MethodPost, Path: "/crm/contracts/{id}/cancel",
		Summary: "Cancel a contract", Errors: []int{http.StatusPreconditionFailed},
		Description: "A signed contract's plan is withdrawn: crm.contract.payment_plan.changed with status cancelled and no installments."},
		contract.PermWrite, h.apiCancel)
}

func toAPI(c *contract.Contract) CRMContract {
	out := CRMContract{ID: c.ID, Number: c.Number, Title: c.Title, AccountID: c.AccountID, AccountName: c.AccountName,
		OpportunityID: c.OpportunityID, QuoteID: c.QuoteID, Currency: c.Currency, Total: c.Total, SignedDate: c.SignedDate,
		StartDate: c.StartDate, EndDate: c.EndDate, Status: string(c.Status), Reason: c.Reason, OwnerID: c.OwnerID, OwnerName: c.OwnerName,
		Notes: c.Notes, Installments: []CRMInstallment{}, Invoiced: c.Invoiced, Paid: c.Paid, Mismatches: []string{}, Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, it := range c.Installments {
		out.Installments = append(out.Installments, CRMInstallment{No: it.No, DueDate: it.DueDate, Amount: it.Amount, Condition: it.Condition,
			Paid: it.Paid, State: string(it.State)})
	}
	for _, m := range c.Mismatches {
		out.Mismatches = append(out.Mismatches, string(m))
	}
	return out
}

func fromAPI(in CRMContractInput) contract.Input {
	out := contract.Input{AccountID: in.AccountID, OpportunityID: in.OpportunityID, QuoteID: in.QuoteID, Title: in.Title, Currency: in.Currency,
		Total: in.Total, SignedDate: in.SignedDate, StartDate: in.StartDate, EndDate: in.EndDate, Notes: in.Notes, Version: in.Version}
	for _, it := range in.Installments {
		out.Installments = append(out.Installments, contract.InstallmentInput{DueDate: it.DueDate, Amount: it.Amount, Condition: it.Condition})
	}
	return out
}

func (h *Handler) apiList(ctx context.Context, in *listIn) (*api.ListOutput[CRMContract], error) {
	if _, err := (api.SortSpec{Fields: []string{"created_at"}}).Parse(in.Sort); err != nil {
		return nil, err
	}
	page, err := h.svc.List(ctx, contract.Filter{Query: in.Query, Status: contract.Status(in.Status), AccountID: in.AccountID,
		Mismatch: in.Mismatch, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMContract]{Body: api.Page[CRMContract]{Items: make([]CRMContract, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, toAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*contractOut, error) {
	c, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &contractOut{toAPI(c)}, nil
}

func (h *Handler) apiCreate(ctx context.Context, in *createIn) (*contractCreated, error) {
	c, err := h.svc.Create(ctx, fromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &contractCreated{Location: api.Prefix + "/crm/contracts/" + c.ID, Body: toAPI(c)}, nil
}

func (h *Handler) apiUpdate(ctx context.Context, in *updateIn) (*contractOut, error) {
	c, err := h.svc.Update(ctx, in.ID, fromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &contractOut{toAPI(c)}, nil
}

func (h *Handler) apiActivate(ctx context.Context, in *api.IDParam) (*contractOut, error) {
	c, err := h.svc.Activate(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &contractOut{toAPI(c)}, nil
}

func (h *Handler) apiComplete(ctx context.Context, in *api.IDParam) (*contractOut, error) {
	c, err := h.svc.Complete(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &contractOut{toAPI(c)}, nil
}

func (h *Handler) apiCancel(ctx context.Context, in *cancelIn) (*contractOut, error) {
	c, err := h.svc.Cancel(ctx, in.ID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &contractOut{toAPI(c)}, nil
}
