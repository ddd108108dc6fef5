// Package web serves the sales analytics and forecast pages and their REST
// operations.
package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/govalues/decimal"

	"github.com/loom-erp/loom/internal/crm/analytics"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Handler serves the pages and operations.
type Handler struct {
	kit   *crmui.Kit
	svc   analytics.Service
	deals pipeline.Service
}

// New returns the handler.
func New(kit *crmui.Kit, svc analytics.Service, deals pipeline.Service) *Handler {
	return &Handler{kit: kit, svc: svc, deals: deals}
}

// Wire registers the routes and operations.
func (h *Handler) Wire() {
	h.kit.Handle("GET /crm/analytics", analytics.PermRead, h.report)
	h.kit.Handle("GET /crm/forecast", analytics.PermRead, h.forecast)
	h.kit.Handle("POST /crm/forecast/publish", analytics.PermPublish, h.publish)
	h.operations()
}

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

type reportView struct {
	R         *analytics.Report
	Filter    analytics.Filter
	Pipelines []pipeline.Pipeline
	Errors    crmui.Errors
	General   string
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := analytics.Filter{From: q.Get("from"), To: q.Get("to"), PipelineID: q.Get("pipeline"), Currency: q.Get("currency")}
	v := reportView{Filter: f}
	v.Pipelines, _ = h.deals.Pipelines(ctx)
	rep, err := h.svc.Report(ctx, f)
	status := http.StatusOK
	if err != nil {
		fields, general, ok := crmui.FormErrors(ctx, err, "from", "to", "currency", "pipeline_id")
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		v.Errors, v.General, status = fields, general, apperr.Status(err)
	} else {
		v.R = rep
		v.Filter = analytics.Filter{From: rep.From, To: rep.To, PipelineID: rep.PipelineID, Currency: rep.Currency}
	}
	h.kit.Show(w, r, status, webui.Page{Title: "crm.analytics.title", Active: "crm.analytics"}, reportPage(v))
}

type forecastView struct {
	F          *analytics.Forecast
	Published  *analytics.Forecast
	CanPublish bool
}

func (h *Handler) forecast(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := h.svc.Forecast(ctx, r.URL.Query().Get("currency"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := forecastView{F: f, CanPublish: authz.FromContext(ctx).Can(analytics.PermPublish)}
	if v.Published, err = h.svc.Published(ctx); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.forecast.title", Active: "crm.forecast"}, forecastPage(v))
}

func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	if _, err := h.svc.Publish(r.Context(), r.PostForm.Get("currency")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/forecast", "forecast_published")
}

// ---- links to the deals behind a figure ----

func dealsHref(v url.Values) string { return "/crm/opportunities?" + v.Encode() }

func stageHref(id string) string { return dealsHref(url.Values{"stage": {id}}) }

func ownerHref(id, status string) string {
	return dealsHref(url.Values{"owner": {id}, "status": {status}})
}

// ---- charts ----

// chart is an ECharts option as JSON, and the address each data item leads to.
type chart struct {
	Option string
	Links  string
}

func encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

func stageName(ctx context.Context, zh, en string) string {
	if i18n.Lang(ctx) == i18n.ZH || en == "" {
		return zh
	}
	return en
}

func funnelChart(ctx context.Context, r *analytics.Report) chart {
	var data []map[string]any
	var links []string
	for _, s := range r.Funnel {
		data = append(data, map[string]any{"name": stageName(ctx, s.Name, s.NameEN), "value": s.Reached})
		links = append(links, stageHref(s.StageID))
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "item"},
		"series": []any{map[string]any{"type": "funnel", "sort": "none", "left": "10%", "width": "80%", "gap": 2,
			"label": map[string]any{"show": true, "position": "inside"}, "data": data}},
	}
	return chart{Option: encode(opt), Links: encode(links)}
}

func ownerChart(ctx context.Context, r *analytics.Report) chart {
	var names []string
	var amounts, weighted []string
	var links []string
	for _, o := range r.ByOwner {
		names = append(names, o.Name)
		amounts = append(amounts, o.Amount.String())
		weighted = append(weighted, o.Weighted.String())
		links = append(links, ownerHref(o.OwnerID, "open"))
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0, "data": []string{t(ctx, "crm.analytics.chart_amount"), t(ctx, "crm.analytics.chart_weighted")}},
		"grid":    map[string]any{"containLabel": true, "left": 8, "right": 16, "top": 36, "bottom": 8},
		"xAxis":   map[string]any{"type": "category", "data": names},
		"yAxis":   map[string]any{"type": "value"},
		"series": []any{
			map[string]any{"type": "bar", "name": t(ctx, "crm.analytics.chart_amount"), "data": amounts},
			map[string]any{"type": "bar", "name": t(ctx, "crm.analytics.chart_weighted"), "data": weighted},
		},
	}
	return chart{Option: encode(opt), Links: encode(links)}
}

func forecastChart(ctx context.Context, f *analytics.Forecast) chart {
	var months []string
	sums := map[string]money.Amount{}
	for _, l := range f.Lines {
		if _, ok := sums[l.Month]; !ok {
			months = append(months, l.Month)
		}
		sums[l.Month], _ = sums[l.Month].Add(l.WeightedAmount)
	}
	values := make([]string, len(months))
	for i, m := range months {
		values[i] = sums[m].String()
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"grid":    map[string]any{"containLabel": true, "left": 8, "right": 16, "bottom": 8},
		"xAxis":   map[string]any{"type": "category", "data": months},
		"yAxis":   map[string]any{"type": "value"},
		"series":  []any{map[string]any{"type": "bar", "name": t(ctx, "crm.forecast.weighted_amount"), "data": values}},
	}
	return chart{Option: encode(opt), Links: "[]"}
}

// pct shows a share as a percentage with one decimal, such as 80.8%.
func pct(r money.Rate) string {
	d, err := r.Decimal().Mul(decimal.Hundred)
	if err != nil {
		return crmui.Percent(r)
	}
	return d.Round(1).Trim(0).String() + "%"
}

func pipelineOptions(ctx context.Context, ps []pipeline.Pipeline) []crmui.Option {
	out := make([]crmui.Option, len(ps))
	for i, p := range ps {
		out[i] = crmui.Option{Value: p.ID, Label: stageName(ctx, p.Name, p.NameEN)}
	}
	return out
}

func currencyOptions() []crmui.Option {
	var out []crmui.Option
	for _, c := range customer.Currencies {
		out = append(out, crmui.Option{Value: c, Label: c})
	}
	return out
}
