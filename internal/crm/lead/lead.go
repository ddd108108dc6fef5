// Package lead is the contract of the CRM's leads: people and companies who
// showed interest, captured by hand, through the REST API or from a public
// web form per campaign, checked for duplicates against other leads and
// existing customers, routed to a rep by assignment rules, worked through
// their statuses and converted in one step into an account, a contact and
// an opportunity.
//
// A rep sees the leads they own, a manager their team's and the leads
// nobody owns yet, an administrator all of them. Mobile numbers and e-mail
// addresses are masked for anyone but the owner, as a customer's are.
package lead

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Module is the module's name.
const Module = "lead"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.lead"

// Kind is the data-scope kind of leads.
const Kind = "crm.lead"

// Permissions of leads, assignment rules and campaigns.
const (
	PermRead   authz.Permission = "crm.lead.read"
	PermWrite  authz.Permission = "crm.lead.write"
	PermAssign authz.Permission = "crm.lead.assign"
	PermManage authz.Permission = "crm.lead.manage"
)

func init() {
	sales := []string{identity.RoleSalesRep, identity.RoleSalesManager}
	mgr := []string{identity.RoleSalesManager}
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermWrite, Module: "crm." + Module, Roles: sales},
		authz.Definition{Name: PermAssign, Module: "crm." + Module, Roles: mgr},
		authz.Definition{Name: PermManage, Module: "crm." + Module, Roles: mgr},
	)
	// A lead's mobile and e-mail are masked as a customer's are.
	access.RegisterContactRules(Kind, customer.PermUnmask)
}

// Status is where a lead stands.
type Status string

// Lead statuses: new, contacted and qualified are open; the others end it.
const (
	StatusNew          Status = "new"
	StatusContacted    Status = "contacted"
	StatusQualified    Status = "qualified"
	StatusDisqualified Status = "disqualified"
	StatusConverted    Status = "converted"
	StatusMerged       Status = "merged"
)

// Open reports whether a lead with status s can still be worked.
func (s Status) Open() bool {
	return s == StatusNew || s == StatusContacted || s == StatusQualified
}

// Sources a lead can come from; each has the message crm.lead_source.<code>.
var Sources = []string{"web_form", "api", "manual", "import", "expo", "referral", "advert", "phone", "email"}

// Lead is someone who showed interest.
type Lead struct {
	ID              string       `json:"id"`
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
	CampaignID      string       `json:"campaign_id"`
	CampaignName    string       `json:"campaign_name"`
	ProductInterest string       `json:"product_interest"`
	Budget          money.Amount `json:"budget"`
	Currency        string       `json:"currency"`
	Notes           string       `json:"notes"`
	Status          Status       `json:"status"`
	// Reason says why a lead was disqualified.
	Reason        string    `json:"reason"`
	OwnerID       string    `json:"owner_id"`
	OwnerName     string    `json:"owner_name"`
	AccountID     string    `json:"account_id"`
	ContactID     string    `json:"contact_id"`
	OpportunityID string    `json:"opportunity_id"`
	MergedInto    string    `json:"merged_into"`
	Masked        bool      `json:"masked"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Input creates or replaces a lead's fields. On create, an empty OwnerID
// means: the caller when they are a rep, else the assignment rules.
type Input struct {
	Company         string
	ContactName     string
	Title           string
	Mobile          string
	Phone           string
	Email           string
	Region          string
	Industry        string
	Source          string
	CampaignID      string
	ProductInterest string
	Budget          money.Amount
	Currency        string
	Notes           string
	OwnerID         string
	Version         int
}

// Filter selects leads.
type Filter struct {
	Query      string
	Status     Status
	Open       bool
	Source     string
	CampaignID string
	OwnerID    string
	// Unassigned keeps the leads nobody owns.
	Unassigned bool
	Sort       string
	Cursor     string
	Page       int
	Limit      int
	Total      bool
}

// Page is a page of leads.
type Page struct {
	Items []Lead
	Next  string
	Total int64
}

// Duplicate is a lead, account or contact that looks like a lead.
type Duplicate struct {
	// Kind is lead, account or contact; ID is the lead's or the account's
	// (a contact's account) id.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Name is the company (and contact) name; Visible says whether the
	// caller may open the record.
	Name    string `json:"name"`
	OwnerID string `json:"owner_id"`
	Visible bool   `json:"visible"`
	// On lists what matched: company, mobile, email.
	On []string `json:"on"`
}

// MergeFields are the fields a merge takes from either lead.
var MergeFields = []string{"company", "contact_name", "title", "mobile", "phone", "email", "region", "industry", "product_interest", "budget"}

// Conversion says what converting a lead creates.
type Conversion struct {
	// AccountID names an existing account to add the contact to; empty
	// creates an account from the lead's company.
	AccountID string
	// Opportunity, when set, creates a deal with this name.
	Opportunity string
	Amount      money.Amount
	CloseDate   string
	PipelineID  string
	Version     int
}

// Converted names what a conversion created or used.
type Converted struct {
	Lead          *Lead  `json:"lead"`
	AccountID     string `json:"account_id"`
	ContactID     string `json:"contact_id"`
	OpportunityID string `json:"opportunity_id,omitempty"`
}

// RuleKind says what an assignment rule matches on.
type RuleKind string

// Assignment rule kinds.
const (
	RuleAny      RuleKind = "any"
	RuleRegion   RuleKind = "region"
	RuleIndustry RuleKind = "industry"
	RuleProduct  RuleKind = "product"
	// RuleWorkload takes every lead and gives it to the member with the
	// fewest open leads (new, contacted or qualified); ties go in turn.
	RuleWorkload RuleKind = "workload"
)

// Rule routes new leads nobody owns to a rep: the first active rule (by Seq)
// whose match fits takes the lead, and gives it to its members in turn
// (round robin); a rule with one member always gives it to them.
type Rule struct {
	ID      string   `json:"id"`
	Seq     int      `json:"seq"`
	Name    string   `json:"name"`
	Kind    RuleKind `json:"kind"`
	Match   string   `json:"match"`
	Members []string `json:"members"`
	Active  bool     `json:"active"`
}

// Campaign groups leads and gives them a public web form at /f/{code}.
type Campaign struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Source   string `json:"source"`
	Active   bool   `json:"active"`
	Title    string `json:"title"`
	Intro    string `json:"intro"`
	ThankYou string `json:"thank_you"`
	// Leads counts the leads of the campaign.
	Leads   int       `json:"leads"`
	Version int       `json:"version"`
	Created time.Time `json:"created_at"`
}

// FormInput is what a visitor sends through a campaign's public form.
type FormInput struct {
	Company         string
	ContactName     string
	Mobile          string
	Email           string
	Region          string
	ProductInterest string
	Notes           string
}

// Service manages leads, assignment rules and campaigns.
type Service interface {
	Create(ctx context.Context, in Input) (*Lead, error)
	Update(ctx context.Context, id string, in Input) (*Lead, error)
	Get(ctx context.Context, id string) (*Lead, error)
	List(ctx context.Context, f Filter) (Page, error)
	// SetStatus moves an open lead to new, contacted, qualified or
	// disqualified (which needs a reason).
	SetStatus(ctx context.Context, id string, status Status, reason string, version int) (*Lead, error)
	Assign(ctx context.Context, id, ownerID string) (*Lead, error)
	Duplicates(ctx context.Context, id string) ([]Duplicate, error)
	// Merge folds lead dropID into keepID, taking the fields named in
	// fromDrop from the dropped lead; the dropped lead ends as merged.
	Merge(ctx context.Context, keepID, dropID string, fromDrop []string) (*Lead, error)
	Convert(ctx context.Context, id string, c Conversion) (*Converted, error)

	// Submit captures a lead from a campaign's public form, as nobody.
	Submit(ctx context.Context, campaignCode string, in FormInput) (*Lead, error)

	Rules(ctx context.Context) ([]Rule, error)
	SaveRule(ctx context.Context, r Rule) (*Rule, error)
	DeleteRule(ctx context.Context, id string) error

	Campaigns(ctx context.Context) ([]Campaign, error)
	Campaign(ctx context.Context, id string) (*Campaign, error)
	// CampaignByCode returns an active campaign for its public form; it
	// needs no permission.
	CampaignByCode(ctx context.Context, code string) (*Campaign, error)
	SaveCampaign(ctx context.Context, c Campaign) (*Campaign, error)
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
