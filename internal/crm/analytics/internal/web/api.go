package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/analytics"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMSalesReport is the sales analytics of the deals the caller may see.
type CRMSalesReport struct {
	From         string                    `json:"from" format:"date"`
	To           string                    `json:"to" format:"date"`
	Currency     string                    `json:"currency"`
	PipelineID   string                    `json:"pipeline_id"`
	Funnel       []analytics.FunnelStage   `json:"funnel" nullable:"false"`
	Created      int                       `json:"created" doc:"Deals created in the period."`
	Won          int                       `json:"won" doc:"Of them, won."`
	Closed       int                       `json:"closed" doc:"Deals won or lost in the period."`
	ClosedWon    int                       `json:"closed_won"`
	WinRate      money.Rate                `json:"win_rate"`
	AvgCycleDays int                       `json:"avg_cycle_days" doc:"Average days from creation to a win, of the deals won in the period."`
	ByOwner      []analytics.OwnerPipeline `json:"by_owner" nullable:"false" doc:"Open deals in the currency, by owner."`
	Month        []analytics.Leader        `json:"month" nullable:"false" doc:"Won this month, by amount."`
	Quarter      []analytics.Leader        `json:"quarter" nullable:"false" doc:"Won this quarter, by amount."`
}

// CRMForecast is a weighted pipeline forecast.
type CRMForecast struct {
	ID          string                   `json:"id,omitempty"`
	Currency    string                   `json:"currency"`
	Lines       []analytics.ForecastLine `json:"lines" nullable:"false"`
	PublishedAt *time.Time               `json:"published_at,omitempty"`
}

type (
	reportIn struct {
		From       string `query:"from" doc:"YYYY-MM-DD; the first of the year when empty."`
		To         string `query:"to" doc:"YYYY-MM-DD; today when empty."`
		PipelineID string `query:"pipeline_id"`
		Currency   string `query:"currency" doc:"CNY when empty."`
	}
	reportOut  struct{ Body CRMSalesReport }
	forecastIn struct {
		Currency string `query:"currency"`
	}
	forecastOut struct{ Body CRMForecast }
	publishIn   struct {
		Body struct {
			Currency string `json:"currency,omitempty" doc:"CNY when empty."`
		}
	}
)

func (h *Handler) operations() {
	crmui.Register(h.kit, huma.Operation{OperationID: "crm-sales-report", Method: http.MethodGet, Path: "/crm/analytics",
		Summary:     "Sales analytics: funnel, win rate, sales cycle, pipeline by owner, leaderboards",
		Description: "Over the deals the caller may see."}, analytics.PermRead, h.apiReport)
	crmui.Register(h.kit, huma.Operation{OperationID: "crm-get-forecast", Method: http.MethodGet, Path: "/crm/forecast",
		Summary: "The weighted pipeline forecast of the deals the caller may see"}, analytics.PermRead, h.apiForecast)
	crmui.Register(h.kit, huma.Operation{OperationID: "crm-publish-forecast", Method: http.MethodPost, Path: "/crm/forecast/publish",
		Summary: "Publish the company's weighted forecast to ERP", Description: "Sends crm.forecast.published (the lines with products)."},
		analytics.PermPublish, h.apiPublish)
}

func (h *Handler) apiReport(ctx context.Context, in *reportIn) (*reportOut, error) {
	r, err := h.svc.Report(ctx, analytics.Filter{From: in.From, To: in.To, PipelineID: in.PipelineID, Currency: in.Currency})
	if err != nil {
		return nil, err
	}
	out := CRMSalesReport{From: r.From, To: r.To, Currency: r.Currency, PipelineID: r.PipelineID, Funnel: r.Funnel, Created: r.Created,
		Won: r.Won, Closed: r.Closed, ClosedWon: r.ClosedWon, WinRate: r.WinRate, AvgCycleDays: r.AvgCycleDays, ByOwner: r.ByOwner,
		Month: r.Month, Quarter: r.Quarter}
	if out.Funnel == nil {
		out.Funnel = []analytics.FunnelStage{}
	}
	if out.ByOwner == nil {
		out.ByOwner = []analytics.OwnerPipeline{}
	}
	if out.Month == nil {
		out.Month = []analytics.Leader{}
	}
	if out.Quarter == nil {
		out.Quarter = []analytics.Leader{}
	}
	return &reportOut{out}, nil
}

func forecastToAPI(f *analytics.Forecast) CRMForecast {
	out := CRMForecast{ID: f.ID, Currency: f.Currency, Lines: f.Lines}
	if !f.PublishedAt.IsZero() {
		at := f.PublishedAt
		out.PublishedAt = &at
	}
	if out.Lines == nil {
		out.Lines = []analytics.ForecastLine{}
	}
	return out
}

func (h *Handler) apiForecast(ctx context.Context, in *forecastIn) (*forecastOut, error) {
	f, err := h.svc.Forecast(ctx, in.Currency)
	if err != nil {
		return nil, err
	}
	return &forecastOut{forecastToAPI(f)}, nil
}

func (h *Handler) apiPublish(ctx context.Context, in *publishIn) (*forecastOut, error) {
	f, err := h.svc.Publish(ctx, in.Body.Currency)
	if err != nil {
		return nil, err
	}
	return &forecastOut{forecastToAPI(f)}, nil
}
