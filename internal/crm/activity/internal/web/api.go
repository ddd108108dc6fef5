package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/api"
)

// CRMActivity is a call, visit, meeting, note or task.
type CRMActivity struct {
	ID            string     `json:"id" format:"uuid"`
	Type          string     `json:"type" enum:"call,visit,meeting,note,task"`
	Subject       string     `json:"subject"`
	Notes         string     `json:"notes"`
	Place         string     `json:"place"`
	AccountID     string     `json:"account_id,omitempty"`
	AccountName   string     `json:"account_name,omitempty"`
	ContactID     string     `json:"contact_id,omitempty"`
	LeadID        string     `json:"lead_id,omitempty"`
	OpportunityID string     `json:"opportunity_id,omitempty"`
	OwnerID       string     `json:"owner_id"`
	OwnerName     string     `json:"owner_name"`
	At            time.Time  `json:"at" doc:"When it happened; for a task, when it is due."`
	Done          bool       `json:"done"`
	Overdue       bool       `json:"overdue"`
	DoneAt        *time.Time `json:"done_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// CRMActivityInput logs an activity or adds a task.
type CRMActivityInput struct {
	Type          string    `json:"type" enum:"call,visit,meeting,note,task"`
	Subject       string    `json:"subject" maxLength:"100"`
	Notes         string    `json:"notes,omitempty" maxLength:"2000"`
	Place         string    `json:"place,omitempty" maxLength:"100"`
	AccountID     string    `json:"account_id,omitempty" doc:"One of account, lead or opportunity is required."`
	ContactID     string    `json:"contact_id,omitempty"`
	LeadID        string    `json:"lead_id,omitempty"`
	OpportunityID string    `json:"opportunity_id,omitempty"`
	OwnerID       string    `json:"owner_id,omitempty" doc:"The caller when empty; someone else needs a team or company scope."`
	At            time.Time `json:"at,omitzero" doc:"When it happened (now when empty) or, for a task, when it is due."`
}

// CRMDay is a user's day.
type CRMDay struct {
	Overdue  []CRMActivity `json:"overdue" nullable:"false"`
	Today    []CRMActivity `json:"today" nullable:"false"`
	Upcoming []CRMActivity `json:"upcoming" nullable:"false"`
	Done     []CRMActivity `json:"done" nullable:"false"`
}

type (
	activityOut     struct{ Body CRMActivity }
	activityCreated struct {
		Location string `header:"Location"`
		Body     CRMActivity
	}
	logIn          struct{ Body CRMActivityInput }
	listActivities struct {
		Limit         int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
		Cursor        string `query:"cursor" maxLength:"2048"`
		AccountID     string `query:"account_id"`
		LeadID        string `query:"lead_id"`
		OpportunityID string `query:"opportunity_id"`
		OwnerID       string `query:"owner_id"`
		Type          string `query:"type" enum:"call,visit,meeting,note,task"`
		OpenTasks     bool   `query:"open_tasks" doc:"Only tasks not done, soonest due first."`
	}
	dayOut struct{ Body CRMDay }
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-activities", Method: http.MethodGet, Path: "/crm/activities",
		Summary: "List activities and tasks", Description: "Newest first; open tasks soonest due first."}, activity.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-log-activity", Method: http.MethodPost, Path: "/crm/activities",
		Summary: "Log an activity or add a task", DefaultStatus: http.StatusCreated}, activity.PermWrite, h.apiLog)
	crmui.Register(k, huma.Operation{OperationID: "crm-complete-task", Method: http.MethodPost, Path: "/crm/activities/{id}/done",
		Summary: "Mark a task done", Errors: []int{http.StatusPreconditionFailed}}, activity.PermWrite, h.apiDone)
	crmui.Register(k, huma.Operation{OperationID: "crm-my-day", Method: http.MethodGet, Path: "/crm/my-day",
		Summary: "The caller's overdue, today's and coming tasks and what they did today"}, activity.PermRead, h.apiDay)
}

func (h *Handler) toAPI(a activity.Activity) CRMActivity {
	out := CRMActivity{ID: a.ID, Type: string(a.Type), Subject: a.Subject, Notes: a.Notes, Place: a.Place, AccountID: a.AccountID,
		AccountName: a.AccountName, ContactID: a.ContactID, LeadID: a.LeadID, OpportunityID: a.OpportunityID, OwnerID: a.OwnerID,
		OwnerName: a.OwnerName, At: a.At, Done: a.Done, Overdue: a.Overdue(h.now()), CreatedAt: a.CreatedAt}
	if !a.DoneAt.IsZero() {
		at := a.DoneAt
		out.DoneAt = &at
	}
	return out
}

func (h *Handler) apiList(ctx context.Context, in *listActivities) (*api.ListOutput[CRMActivity], error) {
	page, err := h.svc.List(ctx, activity.Filter{AccountID: in.AccountID, LeadID: in.LeadID, OpportunityID: in.OpportunityID,
		OwnerID: in.OwnerID, Type: activity.Type(in.Type), OpenTasks: in.OpenTasks, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMActivity]{Body: api.Page[CRMActivity]{Items: make([]CRMActivity, 0, len(page.Items))}}
	for _, a := range page.Items {
		out.Body.Items = append(out.Body.Items, h.toAPI(a))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiLog(ctx context.Context, in *logIn) (*activityCreated, error) {
	b := in.Body
	a, err := h.svc.Log(ctx, activity.Input{Type: activity.Type(b.Type), Subject: b.Subject, Notes: b.Notes, Place: b.Place,
		AccountID: b.AccountID, ContactID: b.ContactID, LeadID: b.LeadID, OpportunityID: b.OpportunityID, OwnerID: b.OwnerID, At: b.At})
	if err != nil {
		return nil, err
	}
	return &activityCreated{Location: api.Prefix + "/crm/activities/" + a.ID, Body: h.toAPI(*a)}, nil
}

func (h *Handler) apiDone(ctx context.Context, in *api.IDParam) (*activityOut, error) {
	a, err := h.svc.Complete(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &activityOut{h.toAPI(*a)}, nil
}

func (h *Handler) apiDay(ctx context.Context, _ *struct{}) (*dayOut, error) {
	d, err := h.svc.MyDay(ctx)
	if err != nil {
		return nil, err
	}
	conv := func(as []activity.Activity) []CRMActivity {
		out := make([]CRMActivity, 0, len(as))
		for _, a := range as {
			out = append(out, h.toAPI(a))
		}
		return out
	}
	return &dayOut{CRMDay{Overdue: conv(d.Overdue), Today: conv(d.Today), Upcoming: conv(d.Upcoming), Done: conv(d.Done)}}, nil
}
