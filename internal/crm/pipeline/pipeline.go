// Package pipeline is the contract of the CRM's opportunities: deals moving
// through the stages of a configurable pipeline, each stage with a win
// probability, until they are won or lost with a reason. Every stage change
// is kept as history; the board shows the open deals of a pipeline stage by
// stage, and a rep drags a deal to its next stage.
//
// A rep sees their own opportunities, a manager their team's, an
// administrator all of them. Every change is audited.
package pipeline

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Module is the module's name.
const Module = "pipeline"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.pipeline"

// Kind is the data-scope kind of opportunities.
const Kind = "crm.opportunity"

// Permissions of opportunities and pipelines.
const (
	PermRead   authz.Permission = "crm.opportunity.read"
	PermWrite  authz.Permission = "crm.opportunity.write"
	PermAssign authz.Permission = "crm.opportunity.assign"
	PermManage authz.Permission = "crm.pipeline.manage"
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
}

// StageKind says whether a stage is open, or ends a deal.
type StageKind string

// Stage kinds.
const (
	StageOpen StageKind = "open"
	StageWon  StageKind = "won"
	StageLost StageKind = "lost"
)

// Stage is a step of a pipeline.
type Stage struct {
	ID     string    `json:"id"`
	Seq    int       `json:"seq"`
	Name   string    `json:"name"`
	NameEN string    `json:"name_en"`
	Kind   StageKind `json:"kind"`
	// Probability is the chance of winning a deal in this stage, 0 to 1.
	Probability money.Rate `json:"probability"`
}

// Pipeline is a sales process: its open stages in order, then won and lost.
type Pipeline struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	NameEN  string  `json:"name_en"`
	Default bool    `json:"default"`
	Stages  []Stage `json:"stages"`
	Version int     `json:"version"`
}

// Stage returns a stage of the pipeline by id.
func (p *Pipeline) Stage(id string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// First returns the first open stage.
func (p *Pipeline) First() Stage {
	for _, s := range p.Stages {
		if s.Kind == StageOpen {
			return s
		}
	}
	return Stage{}
}

// Final returns the won or lost stage.
func (p *Pipeline) Final(kind StageKind) Stage {
	for _, s := range p.Stages {
		if s.Kind == kind {
			return s
		}
	}
	return Stage{}
}

// PipelineInput replaces a pipeline's names and stages. Stages keep their
// id when given one; the open stages are listed in order, and exactly one
// won and one lost stage are required.
type PipelineInput struct {
	Name    string
	NameEN  string
	Default bool
	Stages  []Stage
	Version int
}

// Status is whether a deal is still open.
type Status string

// Opportunity statuses.
const (
	StatusOpen Status = "open"
	StatusWon  Status = "won"
	StatusLost Status = "lost"
)

// Line is a product an opportunity is about.
type Line struct {
	ItemID    string          `json:"item_id"`
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	Quantity  money.Quantity  `json:"quantity"`
	UnitPrice money.UnitPrice `json:"unit_price"`
	Amount    money.Amount    `json:"amount"`
}

// Opportunity is a deal with a customer.
type Opportunity struct {
	ID          string       `json:"id"`
	Number      string       `json:"number"`
	Name        string       `json:"name"`
	AccountID   string       `json:"account_id"`
	AccountName string       `json:"account_name"`
	ContactID   string       `json:"contact_id"`
	PipelineID  string       `json:"pipeline_id"`
	StageID     string       `json:"stage_id"`
	StageName   string       `json:"stage_name"`
	StageNameEN string       `json:"stage_name_en"`
	Probability money.Rate   `json:"probability"`
	Amount      money.Amount `json:"amount"`
	Currency    string       `json:"currency"`
	CloseDate   string       `json:"close_date"`
	OwnerID     string       `json:"owner_id"`
	OwnerName   string       `json:"owner_name"`
	Status      Status       `json:"status"`
	// Reason says why the deal was won or lost.
	Reason         string    `json:"reason"`
	Source         string    `json:"source"`
	LeadID         string    `json:"lead_id"`
	Notes          string    `json:"notes"`
	Lines          []Line    `json:"lines"`
	Version        int       `json:"version"`
	StageChangedAt time.Time `json:"stage_changed_at"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Weighted returns the amount times the stage's probability.
func (o *Opportunity) Weighted() money.Amount {
	w, _ := o.Amount.MulRate(o.Probability, money.RoundHalfUp)
	return w
}

// LineInput is a product on an opportunity; an empty unit price takes the
// item's list price, an empty amount the quantity times the price.
type LineInput struct {
	ItemID    string
	Quantity  money.Quantity
	UnitPrice *money.UnitPrice
}

// OpportunityInput creates or replaces an opportunity's fields.
type OpportunityInput struct {
	Name      string
	AccountID string
	ContactID string
	// PipelineID empty takes the default pipeline; StageID empty its first stage.
	PipelineID string
	StageID    string
	// Amount empty (zero) with lines takes the sum of the lines.
	Amount    money.Amount
	Currency  string
	CloseDate string
	// OwnerID empty is the caller (on create); another user needs PermAssign.
	OwnerID string
	Source  string
	LeadID  string
	Notes   string
	Lines   []LineInput
	Version int
}

// Filter selects opportunities.
type Filter struct {
	Query      string
	AccountID  string
	PipelineID string
	StageID    string
	OwnerID    string
	Status     Status
	Sort       string
	Cursor     string
	Page       int
	Limit      int
	Total      bool
}

// Page is a page of opportunities.
type Page struct {
	Items []Opportunity
	Next  string
	Total int64
}

// Change is one step of an opportunity's history.
type Change struct {
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id"`
	UserName   string    `json:"user_name"`
	FromStage  string    `json:"from_stage"`
	ToStage    string    `json:"to_stage"`
	FromName   string    `json:"from_name"`
	FromNameEN string    `json:"from_name_en"`
	ToName     string    `json:"to_name"`
	ToNameEN   string    `json:"to_name_en"`
	Reason     string    `json:"reason"`
}

// Column is a stage of the board with its open deals.
type Column struct {
	Stage    Stage
	Items    []Opportunity
	Count    int
	Amount   money.Amount
	Weighted money.Amount
	// More counts deals of the stage not shown (the board shows at most
	// BoardLimit per stage).
	More int
}

// BoardLimit is the most deals a board shows per stage.
const BoardLimit = 200

// Board is a pipeline's open deals by stage.
type Board struct {
	Pipeline Pipeline
	Columns  []Column
}

// Service manages pipelines and opportunities.
type Service interface {
	Pipelines(ctx context.Context) ([]Pipeline, error)
	Pipeline(ctx context.Context, id string) (*Pipeline, error)
	// DefaultPipeline returns the pipeline new deals go into.
	DefaultPipeline(ctx context.Context) (*Pipeline, error)
	CreatePipeline(ctx context.Context, in PipelineInput) (*Pipeline, error)
	UpdatePipeline(ctx context.Context, id string, in PipelineInput) (*Pipeline, error)

	Create(ctx context.Context, in OpportunityInput) (*Opportunity, error)
	Update(ctx context.Context, id string, in OpportunityInput) (*Opportunity, error)
	Get(ctx context.Context, id string) (*Opportunity, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Move puts an open deal into another open stage of its pipeline.
	Move(ctx context.Context, id, stageID string, version int) (*Opportunity, error)
	// Win and Lose close a deal with a reason (required to lose).
	Win(ctx context.Context, id, reason string) (*Opportunity, error)
	Lose(ctx context.Context, id, reason string) (*Opportunity, error)
	// Reopen puts a closed deal back into the first open stage.
	Reopen(ctx context.Context, id string) (*Opportunity, error)
	Assign(ctx context.Context, id, ownerID string) (*Opportunity, error)
	History(ctx context.Context, id string) ([]Change, error)
	// Board returns a pipeline's open deals the caller may see, by stage.
	Board(ctx context.Context, pipelineID string, f Filter) (*Board, error)
}

// PanelsName is the name the opportunity page's panel registry is provided
// under in module.Services.
const PanelsName = "crm.pipeline.panels"

// Panel renders a section of an opportunity's page for another CRM module,
// such as its quotes; nil shows nothing.
type Panel func(ctx context.Context, o *Opportunity) (templ.Component, error)

// Panels collects the sections other CRM modules add to an opportunity's
// page, shown in ascending order.
type Panels interface {
	Add(order int, p Panel)
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
