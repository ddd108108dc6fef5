package rest

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/margin"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// FinMarginRow is one group's revenue, cost of goods sold and gross margin.
type FinMarginRow struct {
	Key      string       `json:"key" doc:"Customer id, sales order id, invoice id or item id."`
	Label    string       `json:"label"`
	Customer string       `json:"customer,omitempty"`
	Invoices int          `json:"invoices"`
	Quantity string       `json:"quantity,omitempty" doc:"By item: the quantity invoiced less credited."`
	Revenue  money.Amount `json:"revenue"`
	COGS     money.Amount `json:"cogs"`
	Margin   money.Amount `json:"margin"`
	Percent  string       `json:"margin_percent" doc:"Two decimals; empty without revenue."`
}

// FinMarginReport is the gross margin of a date range.
type FinMarginReport struct {
	From     string         `json:"from" format:"date"`
	To       string         `json:"to" format:"date"`
	By       string         `json:"by" enum:"customer,order,invoice"`
	Currency string         `json:"currency"`
	Rows     []FinMarginRow `json:"rows" nullable:"false"`
	Total    FinMarginRow   `json:"total"`
}

type mgh struct{ m *margin.Service }

// RegisterMargin adds the gross-margin report to the API.
func RegisterMargin(a *api.API, m *margin.Service) {
	x := mgh{m}
	api.Register(a, huma.Operation{OperationID: "erp-finance-gross-margin", Method: http.MethodGet, Path: "/erp/finance/reports/gross-margin",
		Summary: "Gross margin by customer, sales order, invoice or item over a date range", Tags: []string{"Finance"}}, finance.PermMarginRead, x.report)
}

func (x mgh) report(ctx context.Context, in *struct {
	From       string `query:"from" doc:"YYYY-MM-DD."`
	To         string `query:"to" doc:"YYYY-MM-DD."`
	By         string `query:"by" enum:"customer,order,invoice,item," doc:"customer when empty."`
	CustomerID string `query:"customer_id" maxLength:"64"`
	SOID       string `query:"so_id" maxLength:"64"`
}) (*struct{ Body FinMarginReport }, error) {
	r, err := x.m.Margins(ctx, margin.Options{From: in.From, To: in.To, By: in.By, CustomerID: in.CustomerID, SOID: in.SOID})
	if err != nil {
		return nil, err
	}
	out := FinMarginReport{From: r.From, To: r.To, By: r.By, Currency: r.Currency, Rows: []FinMarginRow{}, Total: FinMarginRow(r.Total)}
	for _, row := range r.Rows {
		out.Rows = append(out.Rows, FinMarginRow(row))
	}
	return &struct{ Body FinMarginReport }{out}, nil
}
