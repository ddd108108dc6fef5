package analytics

import (
	"encoding/json"
	"time"

	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// EventForecastPublished announces a weighted pipeline forecast.
const EventForecastPublished = "crm.forecast.published"

// PublishedLine is a line of crm.forecast.published.
type PublishedLine struct {
	Month          string         `json:"month"`
	ItemID         string         `json:"item_id"`
	Quantity       money.Quantity `json:"quantity"`
	WeightedAmount money.Amount   `json:"weighted_amount"`
}

// PublishedData is the data of crm.forecast.published v1; the lines are the
// products of open deals (deals without products are left out), their
// quantities and amounts weighted by the deals' probabilities.
type PublishedData struct {
	ForecastID  string          `json:"forecast_id"`
	PublishedAt time.Time       `json:"published_at"`
	Currency    string          `json:"currency"`
	Lines       []PublishedLine `json:"lines"`
}

func init() {
	if _, ok := outbox.Lookup(EventForecastPublished, 1); ok {
		return
	}
	dec := `{"type":"string","pattern":"^-?[0-9]+(\\.[0-9]+)?$"}`
	outbox.MustRegister(outbox.EventType{
		Type: EventForecastPublished, Version: 1, Source: "crm",
		Description: "A sales manager published the weighted pipeline forecast: per month of expected close and product, the quantity " +
			"and amount of the company's open deals times their stages' probabilities. ERP's planning uses it as expected demand.",
		Schema: json.RawMessage(`{"type":"object","required":["forecast_id","published_at","currency","lines"],"properties":{` +
			`"forecast_id":{"type":"string","format":"uuid"},"published_at":{"type":"string","format":"date-time"},"currency":{"type":"string"},` +
			`"lines":{"type":"array","items":{"type":"object","required":["month","item_id","quantity","weighted_amount"],"properties":{` +
			`"month":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}$"},"item_id":{"type":"string","format":"uuid"},` +
			`"quantity":` + dec + `,"weighted_amount":` + dec + `}}}}}`),
		Example: PublishedData{ForecastID: "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c3f", PublishedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
			Currency: "CNY", Lines: []PublishedLine{
				{Month: "2026-04", ItemID: "0196b2c4-5f1e-7a3b-9c0d-0000000000a1", Quantity: money.MustQuantity("4800"), WeightedAmount: money.MustAmount("1286400.00")},
				{Month: "2026-05", ItemID: "0196b2c4-5f1e-7a3b-9c0d-0000000000a2", Quantity: money.MustQuantity("12000"), WeightedAmount: money.MustAmount("1038000.00")},
			}},
	})
}
