// Package web serves the activity timeline of customers and deals, the
// "my day" page and the activity REST operations.
package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/activity"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Handler serves the screens and operations.
type Handler struct {
	kit       *crmui.Kit
	svc       activity.Service
	customers customer.Service
	now       func() time.Time
}

// New returns the handler.
func New(kit *crmui.Kit, svc activity.Service, customers customer.Service) *Handler {
	return &Handler{kit: kit, svc: svc, customers: customers, now: kit.Env.Now}
}

// Wire registers the routes, the operations and the panels.
func (h *Handler) Wire(accounts customer.Panels, opps pipeline.Panels) {
	h.kit.Handle("GET /crm/my-day", activity.PermRead, h.myDay)
	h.kit.Handle("POST /crm/activities", activity.PermWrite, h.log)
	h.kit.Handle("POST /crm/activities/{id}/done", activity.PermWrite, h.done)
	if accounts != nil {
		accounts.Add(10, h.accountPanel)
	}
	if opps != nil {
		opps.Add(20, h.opportunityPanel)
	}
	h.operations()
}

// timelineView is an activity panel: the timeline and the forms that add to it.
type timelineView struct {
	AccountID     string
	OpportunityID string
	Back          string
	Items         []activity.Activity
	Contacts      []customer.Contact
	Users         []directory.User // whom a task may be given to; empty: only oneself
	CanWrite      bool
	Now           time.Time
	Errors        crmui.Errors
	General       string
	In            activity.Input
}

func (h *Handler) timeline(ctx context.Context, v timelineView, f activity.Filter) (timelineView, error) {
	p := authz.FromContext(ctx)
	f.Limit = 50
	page, err := h.svc.List(ctx, f)
	if err != nil {
		return v, err
	}
	v.Items, v.Now, v.CanWrite = page.Items, h.now(), p.Can(activity.PermWrite)
	if v.AccountID != "" {
		if cs, err := h.customers.ListContacts(ctx, customer.ContactFilter{AccountID: v.AccountID, Limit: 100}); err == nil {
			v.Contacts = cs.Items
		}
	}
	if access.Scope(p, activity.Kind) != authz.ScopeOwn {
		v.Users, _ = h.kit.Dir.List(ctx, directory.Filter{})
	}
	return v, nil
}

func (h *Handler) accountPanel(ctx context.Context, acc *customer.Account) (templ.Component, error) {
	if !authz.FromContext(ctx).Can(activity.PermRead) {
		return nil, nil
	}
	v, err := h.timeline(ctx, timelineView{AccountID: acc.ID, Back: "/crm/accounts/" + acc.ID}, activity.Filter{AccountID: acc.ID})
	if err != nil {
		return nil, err
	}
	return timelinePanel(v), nil
}

func (h *Handler) opportunityPanel(ctx context.Context, o *pipeline.Opportunity) (templ.Component, error) {
	if !authz.FromContext(ctx).Can(activity.PermRead) {
		return nil, nil
	}
	v, err := h.timeline(ctx, timelineView{AccountID: o.AccountID, OpportunityID: o.ID, Back: "/crm/opportunities/" + o.ID},
		activity.Filter{OpportunityID: o.ID})
	if err != nil {
		return nil, err
	}
	return timelinePanel(v), nil
}

// log records an activity or a task from a panel's form, and goes back to
// the page the panel is on.
func (h *Handler) log(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	pf := r.PostForm
	in := activity.Input{Type: activity.Type(pf.Get("type")), Subject: pf.Get("subject"), Notes: pf.Get("notes"), Place: pf.Get("place"),
		AccountID: pf.Get("account_id"), ContactID: pf.Get("contact_id"), OpportunityID: pf.Get("opportunity_id"), OwnerID: pf.Get("owner_id")}
	if at := strings.TrimSpace(pf.Get("at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, time.Local)
		if err != nil {
			h.kit.Fail(w, r, apperr.Invalid("at", "crm.error.invalid_date", "Enter a date as YYYY-MM-DD"))
			return
		}
		in.At = t
	}
	back := webui.SafeNext(pf.Get("back"))
	if _, err := h.svc.Log(r.Context(), in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	flash := "activity_logged"
	if in.Type == activity.TypeTask {
		flash = "task_added"
	}
	crmui.Redirect(w, r, back, flash)
}

func (h *Handler) done(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	if _, err := h.svc.Complete(r.Context(), r.PathValue("id")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, webui.SafeNext(r.PostForm.Get("back")), "task_done")
}

type dayView struct {
	Day activity.Day
	Now time.Time
	// Returning are the user's customers going back to the pool within two weeks.
	Returning []customer.Account
}

// returnWithin is how far ahead my day looks for customers going back to the pool.
const returnWithin = 14 * 24 * time.Hour

func (h *Handler) myDay(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.MyDay(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := dayView{Day: d, Now: h.now()}
	if authz.FromContext(r.Context()).Can(customer.PermRead) {
		if v.Returning, err = h.customers.Returning(r.Context(), v.Now.Add(returnWithin)); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.activity.my_day.title", Active: "crm.my_day"}, myDayPage(v))
}
