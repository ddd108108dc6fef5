package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/lead/internal/service"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMLead is a lead; mobile and email are masked for anyone but its owner.
type CRMLead struct {
	ID              string       `json:"id" format:"uuid"`
	Number          string       `json:"number"`
	Company         string       `json:"company"`
	ContactName     string       `json:"contact_name"`
	Title           string       `json:"title"`
	Mobile          string       `json:"mobile"`
	Phone           string       `json:"phone"`
	Email           string       `json:"email"`
	Region          string       `json:"region"`
	Industry        string       `json:"industry"`
	Source          string       `json:"source"`
	CampaignID      string       `json:"campaign_id,omitempty"`
	CampaignName    string       `json:"campaign_name,omitempty"`
	ProductInterest string       `json:"product_interest"`
	Budget          money.Amount `json:"budget"`
	Currency        string       `json:"currency"`
	Notes           string       `json:"notes"`
	Status          string       `json:"status" enum:"new,contacted,qualified,disqualified,converted,merged"`
	Reason          string       `json:"reason,omitempty"`
	OwnerID         string       `json:"owner_id,omitempty" doc:"Empty while nobody owns the lead."`
	OwnerName       string       `json:"owner_name,omitempty"`
	AccountID       string       `json:"account_id,omitempty" doc:"The account it was converted into."`
	ContactID       string       `json:"contact_id,omitempty"`
	OpportunityID   string       `json:"opportunity_id,omitempty"`
	MergedInto      string       `json:"merged_into,omitempty"`
	Masked          bool         `json:"masked"`
	Version         int          `json:"version"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
}

// CRMLeadInput creates or replaces a lead.
type CRMLeadInput struct {
	Company         string       `json:"company,omitempty" maxLength:"100" doc:"A company or a contact name is required."`
	ContactName     string       `json:"contact_name,omitempty" maxLength:"60"`
	Title           string       `json:"title,omitempty" maxLength:"60"`
	Mobile          string       `json:"mobile,omitempty" doc:"A mobile, a phone or an e-mail is required."`
	Phone           string       `json:"phone,omitempty"`
	Email           string       `json:"email,omitempty"`
	Region          string       `json:"region,omitempty" maxLength:"40" doc:"Province; assignment rules may route on it."`
	Industry        string       `json:"industry,omitempty"`
	Source          string       `json:"source,omitempty" doc:"web_form, api, manual, import, expo, referral, advert, phone or email; api when empty."`
	CampaignID      string       `json:"campaign_id,omitempty"`
	ProductInterest string       `json:"product_interest,omitempty" maxLength:"200"`
	Budget          money.Amount `json:"budget,omitempty"`
	Currency        string       `json:"currency,omitempty"`
	Notes           string       `json:"notes,omitempty" maxLength:"2000"`
	OwnerID         string       `json:"owner_id,omitempty" doc:"On create: the owner; empty means the caller when they are a rep, else the assignment rules."`
	Version         int          `json:"version,omitempty"`
}

// CRMLeadStatus changes a lead's status.
type CRMLeadStatus struct {
	Status  string `json:"status" enum:"new,contacted,qualified,disqualified"`
	Reason  string `json:"reason,omitempty" maxLength:"500" doc:"Required to disqualify."`
	Version int    `json:"version,omitempty"`
}

// CRMLeadOwner gives a lead to another owner.
type CRMLeadOwner struct {
	OwnerID string `json:"owner_id"`
}

// CRMLeadDuplicate is a record that looks like a lead.
type CRMLeadDuplicate struct {
	Kind    string   `json:"kind" enum:"lead,account,contact"`
	ID      string   `json:"id" doc:"The lead's, or the account's, id."`
	Name    string   `json:"name"`
	Visible bool     `json:"visible" doc:"Whether the caller may open it."`
	On      []string `json:"on" doc:"What matched: company, mobile, email."`
}

// CRMLeadMerge folds another lead into this one.
type CRMLeadMerge struct {
	DropID   string   `json:"drop_id" doc:"The lead that ends as merged."`
	FromDrop []string `json:"from_drop,omitempty" doc:"Fields taken from the dropped lead: company, contact_name, title, mobile, phone, email, region, industry, product_interest, budget."`
}

// CRMLeadConversion converts a lead.
type CRMLeadConversion struct {
	AccountID   string       `json:"account_id,omitempty" doc:"An existing account to add the contact to; empty creates one."`
	Opportunity string       `json:"opportunity,omitempty" maxLength:"100" doc:"Creates an opportunity with this name."`
	Amount      money.Amount `json:"amount,omitempty" doc:"The opportunity's amount; the lead's budget when empty."`
	CloseDate   string       `json:"close_date,omitempty" doc:"YYYY-MM-DD"`
	PipelineID  string       `json:"pipeline_id,omitempty"`
	Version     int          `json:"version,omitempty"`
}

// CRMLeadConverted says what a conversion created.
type CRMLeadConverted struct {
	Lead          CRMLead `json:"lead"`
	AccountID     string  `json:"account_id"`
	ContactID     string  `json:"contact_id"`
	OpportunityID string  `json:"opportunity_id,omitempty"`
}

type (
	leadOut     struct{ Body CRMLead }
	leadCreated struct {
		Location string `header:"Location"`
		Body     CRMLead
	}
	listLeadsIn struct {
		api.ListParams
		Query      string `query:"q" maxLength:"100"`
		Status     string `query:"status" enum:"new,contacted,qualified,disqualified,converted,merged"`
		Open       bool   `query:"open" doc:"Only leads still being worked."`
		Source     string `query:"source"`
		CampaignID string `query:"campaign_id"`
		OwnerID    string `query:"owner_id"`
		Unassigned bool   `query:"unassigned" doc:"Only leads nobody owns."`
	}
	createLeadIn struct{ Body CRMLeadInput }
	updateLeadIn struct {
		api.IDParam
		Body CRMLeadInput
	}
	statusLeadIn struct {
		api.IDParam
		Body CRMLeadStatus
	}
	assignLeadIn struct {
		api.IDParam
		Body CRMLeadOwner
	}
	mergeLeadIn struct {
		api.IDParam
		Body CRMLeadMerge
	}
	convertLeadIn struct {
		api.IDParam
		Body CRMLeadConversion
	}
	dupOut       struct{ Body []CRMLeadDuplicate }
	convertedOut struct{ Body CRMLeadConverted }
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-leads", Method: http.MethodGet, Path: "/crm/leads",
		Summary: "List leads", Description: "Leads the caller may see. Sort: " + strings.Join(service.LeadSort().Fields, ", ") + " (default -created_at).",
	}, lead.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-lead", Method: http.MethodPost, Path: "/crm/leads",
		Summary: "Capture a lead", DefaultStatus: http.StatusCreated,
	}, lead.PermWrite, h.apiCreate)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-lead", Method: http.MethodGet, Path: "/crm/leads/{id}",
		Summary: "Get a lead",
	}, lead.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-lead", Method: http.MethodPut, Path: "/crm/leads/{id}",
		Summary: "Replace a lead's fields", Errors: []int{http.StatusPreconditionFailed},
	}, lead.PermWrite, h.apiUpdate)
	crmui.Register(k, huma.Operation{OperationID: "crm-set-lead-status", Method: http.MethodPost, Path: "/crm/leads/{id}/status",
		Summary: "Change a lead's status", Errors: []int{http.StatusPreconditionFailed},
	}, lead.PermWrite, h.apiStatus)
	crmui.Register(k, huma.Operation{OperationID: "crm-assign-lead", Method: http.MethodPut, Path: "/crm/leads/{id}/owner",
		Summary: "Give a lead to another owner",
	}, lead.PermAssign, h.apiAssign)
	crmui.Register(k, huma.Operation{OperationID: "crm-lead-duplicates", Method: http.MethodGet, Path: "/crm/leads/{id}/duplicates",
		Summary: "Find leads, accounts and contacts that look like a lead",
	}, lead.PermRead, h.apiDuplicates)
	crmui.Register(k, huma.Operation{OperationID: "crm-merge-lead", Method: http.MethodPost, Path: "/crm/leads/{id}/merge",
		Summary: "Merge another lead into this one", Errors: []int{http.StatusPreconditionFailed},
	}, lead.PermWrite, h.apiMerge)
	crmui.Register(k, huma.Operation{OperationID: "crm-convert-lead", Method: http.MethodPost, Path: "/crm/leads/{id}/convert",
		Summary: "Convert a lead into an account, a contact and an opportunity", Errors: []int{http.StatusPreconditionFailed},
	}, lead.PermWrite, h.apiConvert)
}

func toAPI(l *lead.Lead) CRMLead {
	return CRMLead{ID: l.ID, Number: l.Number, Company: l.Company, ContactName: l.ContactName, Title: l.Title, Mobile: l.Mobile,
		Phone: l.Phone, Email: l.Email, Region: l.Region, Industry: l.Industry, Source: l.Source, CampaignID: l.CampaignID,
		CampaignName: l.CampaignName, ProductInterest: l.ProductInterest, Budget: l.Budget, Currency: l.Currency, Notes: l.Notes,
		Status: string(l.Status), Reason: l.Reason, OwnerID: l.OwnerID, OwnerName: l.OwnerName, AccountID: l.AccountID,
		ContactID: l.ContactID, OpportunityID: l.OpportunityID, MergedInto: l.MergedInto, Masked: l.Masked, Version: l.Version,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

func fromAPI(in CRMLeadInput) lead.Input {
	return lead.Input{Company: in.Company, ContactName: in.ContactName, Title: in.Title, Mobile: in.Mobile, Phone: in.Phone,
		Email: in.Email, Region: in.Region, Industry: in.Industry, Source: in.Source, CampaignID: in.CampaignID,
		ProductInterest: in.ProductInterest, Budget: in.Budget, Currency: in.Currency, Notes: in.Notes, OwnerID: in.OwnerID, Version: in.Version}
}

func (h *Handler) apiList(ctx context.Context, in *listLeadsIn) (*api.ListOutput[CRMLead], error) {
	page, err := h.svc.List(ctx, lead.Filter{Query: in.Query, Status: lead.Status(in.Status), Open: in.Open, Source: in.Source,
		CampaignID: in.CampaignID, OwnerID: in.OwnerID, Unassigned: in.Unassigned, Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMLead]{Body: api.Page[CRMLead]{Items: make([]CRMLead, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, toAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiCreate(ctx context.Context, in *createLeadIn) (*leadCreated, error) {
	li := fromAPI(in.Body)
	if li.Source == "" {
		li.Source = "api"
	}
	l, err := h.svc.Create(ctx, li)
	if err != nil {
		return nil, err
	}
	return &leadCreated{Location: api.Prefix + "/crm/leads/" + l.ID, Body: toAPI(l)}, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*leadOut, error) {
	l, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &leadOut{toAPI(l)}, nil
}

func (h *Handler) apiUpdate(ctx context.Context, in *updateLeadIn) (*leadOut, error) {
	l, err := h.svc.Update(ctx, in.ID, fromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &leadOut{toAPI(l)}, nil
}

func (h *Handler) apiStatus(ctx context.Context, in *statusLeadIn) (*leadOut, error) {
	l, err := h.svc.SetStatus(ctx, in.ID, lead.Status(in.Body.Status), in.Body.Reason, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &leadOut{toAPI(l)}, nil
}

func (h *Handler) apiAssign(ctx context.Context, in *assignLeadIn) (*leadOut, error) {
	l, err := h.svc.Assign(ctx, in.ID, in.Body.OwnerID)
	if err != nil {
		return nil, err
	}
	return &leadOut{toAPI(l)}, nil
}

func (h *Handler) apiDuplicates(ctx context.Context, in *api.IDParam) (*dupOut, error) {
	ds, err := h.svc.Duplicates(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &dupOut{Body: make([]CRMLeadDuplicate, 0, len(ds))}
	for _, d := range ds {
		out.Body = append(out.Body, CRMLeadDuplicate{Kind: d.Kind, ID: d.ID, Name: d.Name, Visible: d.Visible, On: d.On})
	}
	return out, nil
}

func (h *Handler) apiMerge(ctx context.Context, in *mergeLeadIn) (*leadOut, error) {
	l, err := h.svc.Merge(ctx, in.ID, in.Body.DropID, in.Body.FromDrop)
	if err != nil {
		return nil, err
	}
	return &leadOut{toAPI(l)}, nil
}

func (h *Handler) apiConvert(ctx context.Context, in *convertLeadIn) (*convertedOut, error) {
	b := in.Body
	res, err := h.svc.Convert(ctx, in.ID, lead.Conversion{AccountID: b.AccountID, Opportunity: b.Opportunity, Amount: b.Amount,
		CloseDate: b.CloseDate, PipelineID: b.PipelineID, Version: b.Version})
	if err != nil {
		return nil, err
	}
	return &convertedOut{CRMLeadConverted{Lead: toAPI(res.Lead), AccountID: res.AccountID, ContactID: res.ContactID, OpportunityID: res.OpportunityID}}, nil
}
