// Package activity is the contract of the CRM's activities and tasks: the
// calls, visits (with their place), meetings and notes a rep logs against a
// customer, lead or deal, and the follow-up tasks with a due time that
// remind their owner on the notification bell and stand out once overdue.
// "My day" gathers a user's overdue, today's and coming tasks and what they
// did today.
//
// A user sees the activities they own (team or company with a wider
// scope), and every activity of the customers they may see.
package activity

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Module is the module's name.
const Module = "activity"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.activity"

// Kind is the data-scope kind of activities.
const Kind = "crm.activity"

// Permissions of activities and tasks.
const (
	PermRead  authz.Permission = "crm.activity.read"
	PermWrite authz.Permission = "crm.activity.write"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermWrite, Module: "crm." + Module, Roles: sales},
	)
}

// Type says what an activity is.
type Type string

// Activity types; a task is something still to do.
const (
	TypeCall    Type = "call"
	TypeVisit   Type = "visit"
	TypeMeeting Type = "meeting"
	TypeNote    Type = "note"
	TypeTask    Type = "task"
)

// Types lists the activity types in the order forms offer them.
var Types = []Type{TypeCall, TypeVisit, TypeMeeting, TypeNote, TypeTask}

// Contacting reports whether an activity of type t is contact with the
// customer (it counts as the last contact).
func (t Type) Contacting() bool { return t == TypeCall || t == TypeVisit || t == TypeMeeting }

// Activity is something done, or (a task) to do.
type Activity struct {
	ID            string `json:"id"`
	Type          Type   `json:"type"`
	Subject       string `json:"subject"`
	Notes         string `json:"notes"`
	Place         string `json:"place"`
	AccountID     string `json:"account_id"`
	AccountName   string `json:"account_name"`
	ContactID     string `json:"contact_id"`
	LeadID        string `json:"lead_id"`
	OpportunityID string `json:"opportunity_id"`
	OwnerID       string `json:"owner_id"`
	OwnerName     string `json:"owner_name"`
	// At is when it happened (a task: when it is due).
	At        time.Time `json:"at"`
	Done      bool      `json:"done"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
}

// Overdue reports whether a task is still open after its due time.
func (a *Activity) Overdue(now time.Time) bool {
	return a.Type == TypeTask && !a.Done && a.At.Before(now)
}

// Input logs an activity or adds a task; it needs one of an account, a
// lead or an opportunity. At is when it happened (zero: now) or, for a
// task, when it is due (required). OwnerID empty is the caller.
type Input struct {
	Type          Type
	Subject       string
	Notes         string
	Place         string
	AccountID     string
	ContactID     string
	LeadID        string
	OpportunityID string
	OwnerID       string
	At            time.Time
}

// Filter selects activities, newest first.
type Filter struct {
	AccountID     string
	LeadID        string
	OpportunityID string
	OwnerID       string
	Type          Type
	// OpenTasks keeps the tasks not done yet, soonest due first.
	OpenTasks bool
	From, To  time.Time
	Cursor    string
	Limit     int
}

// Page is a page of activities.
type Page struct {
	Items []Activity
	Next  string
}

// Day is a user's day: overdue and today's tasks, the week's coming tasks,
// and what they did today.
type Day struct {
	Overdue  []Activity
	Today    []Activity
	Upcoming []Activity
	Done     []Activity
}

// Service manages activities and tasks.
type Service interface {
	Log(ctx context.Context, in Input) (*Activity, error)
	Get(ctx context.Context, id string) (*Activity, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Complete marks a task done.
	Complete(ctx context.Context, id string) (*Activity, error)
	MyDay(ctx context.Context) (Day, error)
	// LastContact returns when each account was last called, visited or met.
	LastContact(ctx context.Context, accountIDs []string) (map[string]time.Time, error)
	// Remind puts every task due by now that has not reminded its owner on
	// the owner's bell, once; it returns how many it reminded.
	Remind(ctx context.Context, now time.Time) (int, error)
}

//go:embed migrations
var migrations embed.FS

// Migrations holds the module's sqlite and postgres migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

//go:embed locales/*.toml
var locales embed.FS

// Messages holds the module's message files, for i18n.Register.
func Messages() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	return sub
}
