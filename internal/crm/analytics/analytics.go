// Package analytics is the contract of the CRM's sales analytics and the
// weighted pipeline forecast.
//
// The report reads the deals the caller may see: the funnel of the deals
// created in a period (how many reached each stage, and the conversion from
// one stage to the next), the win rate and the average sales cycle of the
// deals closed in it, the open pipeline by owner, and a leaderboard of won
// deals this month and this quarter. Each figure links to its deals.
//
// The forecast weighs every open deal's products (or amount) by its stage's
// probability, by month of the expected close date; a sales manager
// publishes it for the whole company as crm.forecast.published, which ERP's
// planning consumes.
package analytics

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Module is the module's name.
const Module = "analytics"

// ServiceName is the name the service is provided under in module.Services.
const ServiceName = "crm.analytics"

// Permissions of analytics.
const (
	PermRead    authz.Permission = "crm.analytics.read"
	PermPublish authz.Permission = "crm.forecast.publish"
)

func init() {
	authz.Register(
		authz.Definition{Name: PermRead, Module: "crm." + Module, Roles: []string{identity.RoleSalesRep, identity.RoleSalesManager}},
		authz.Definition{Name: PermPublish, Module: "crm." + Module, Roles: []string{identity.RoleSalesManager}},
	)
}

// Filter picks the deals of a report.
type Filter struct {
	// From and To bound the period (YYYY-MM-DD, both included); empty
	// From is the first of the year, empty To today.
	From, To string
	// PipelineID picks the funnel's pipeline; empty is the default one.
	PipelineID string
	// Currency counts amounts in it only; empty is CNY.
	Currency string
}

// FunnelStage is how many deals reached an open stage.
type FunnelStage struct {
	StageID string `json:"stage_id"`
	Name    string `json:"name"`
	NameEN  string `json:"name_en"`
	Reached int    `json:"reached"`
	// Conversion is the share of them that reached the next stage (or won,
	// for the last open stage).
	Conversion money.Rate `json:"conversion"`
}

// OwnerPipeline is a user's open deals.
type OwnerPipeline struct {
	OwnerID  string       `json:"owner_id"`
	Name     string       `json:"name"`
	Deals    int          `json:"deals"`
	Amount   money.Amount `json:"amount"`
	Weighted money.Amount `json:"weighted"`
}

// Leader is a user's won deals in a period.
type Leader struct {
	OwnerID string       `json:"owner_id"`
	Name    string       `json:"name"`
	Won     int          `json:"won"`
	Amount  money.Amount `json:"amount"`
}

// Report is the sales analytics of the deals the caller may see.
type Report struct {
	From, To   string
	Currency   string
	PipelineID string
	Funnel     []FunnelStage
	// Created counts the deals created in the period; Won those of them won.
	Created, Won int
	// Closed counts the deals won or lost in the period; WinRate is the
	// share won, AvgCycleDays the average days from creation to a win.
	Closed, ClosedWon int
	WinRate           money.Rate
	AvgCycleDays      int
	ByOwner           []OwnerPipeline
	// Month and Quarter rank the users by the amount won this month and
	// this quarter.
	Month, Quarter []Leader
	MonthStart     string
	QuarterStart   string
}

// ForecastLine is the weighted demand of a product in a month; an empty
// ItemID gathers the deals without products.
type ForecastLine struct {
	Month          string         `json:"month"`
	ItemID         string         `json:"item_id"`
	Code           string         `json:"code"`
	Name           string         `json:"name"`
	Quantity       money.Quantity `json:"quantity"`
	WeightedAmount money.Amount   `json:"weighted_amount"`
}

// Forecast is a weighted pipeline forecast.
type Forecast struct {
	ID          string         `json:"id,omitempty"`
	Currency    string         `json:"currency"`
	Lines       []ForecastLine `json:"lines"`
	PublishedAt time.Time      `json:"published_at,omitzero"`
	PublishedBy string         `json:"published_by,omitempty"`
}

// Service computes the analytics.
type Service interface {
	Report(ctx context.Context, f Filter) (*Report, error)
	// Forecast weighs the open deals the caller may see, from this month on.
	Forecast(ctx context.Context, currency string) (*Forecast, error)
	// Publish weighs every open deal of the company and sends the forecast
	// as crm.forecast.published; it needs PermPublish.
	Publish(ctx context.Context, currency string) (*Forecast, error)
	// Published returns the latest published forecast, nil if none.
	Published(ctx context.Context) (*Forecast, error)
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
