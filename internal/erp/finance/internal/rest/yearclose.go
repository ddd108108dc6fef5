package rest

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// FinYearCloseLine is one line of a year-end closing entry.
type FinYearCloseLine struct {
	Code   string       `json:"code"`
	NameZH string       `json:"name_zh"`
	NameEN string       `json:"name_en"`
	Debit  money.Amount `json:"debit"`
	Credit money.Amount `json:"credit"`
}

// FinYearClose is the year-end close (结转损益) of a fiscal year.
type FinYearClose struct {
	FiscalYear  int                `json:"fiscal_year"`
	Date        string             `json:"date" format:"date" doc:"The last day of the year; the entries' date."`
	Profit      money.Amount       `json:"profit" doc:"Net profit of the year (a loss is negative)."`
	Transfer    money.Amount       `json:"transfer" doc:"Moved from the current-year profit account to retained earnings."`
	ProfitCode  string             `json:"profit_account"`
	Retained    string             `json:"retained_account"`
	Lines       []FinYearCloseLine `json:"lines" nullable:"false"`
	Transfers   []FinYearCloseLine `json:"transfer_lines" nullable:"false"`
	OpenPeriods []string           `json:"open_periods" nullable:"false"`
	Closed      bool               `json:"closed"`
	EntryIDs    []string           `json:"entry_ids,omitempty"`
}

// FinYearCloseInput closes a year.
type FinYearCloseInput struct {
	Force bool `json:"force,omitempty" doc:"Close although periods of the year are still open (after the preview)."`
}

type ych struct{ l *ledger.Service }

// RegisterYearClose adds the year-end close operations to the API.
func RegisterYearClose(a *api.API, l *ledger.Service) {
	x := ych{l}
	op := func(id, method, summary string, status int) huma.Operation {
		o := huma.Operation{OperationID: "erp-finance-" + id, Method: method, Path: "/erp/finance/year-close/{year}", Summary: summary, Tags: []string{"Finance"}}
		if status != 0 {
			o.DefaultStatus = status
		}
		return o
	}
	api.Register(a, op("year-close-preview", http.MethodGet, "Preview the year-end closing entries of a fiscal year", 0), finance.PermReportRead, x.preview)
	api.Register(a, op("close-year", http.MethodPost, "Close a fiscal year into retained earnings", http.StatusCreated), finance.PermYearClose, x.close)
}

func yearCloseJSON(y *ledger.YearClose) FinYearClose {
	out := FinYearClose{FiscalYear: y.FiscalYear, Date: y.Date, Profit: y.Profit, Transfer: y.Transfer, ProfitCode: y.ProfitCode,
		Retained: y.Retained, OpenPeriods: y.OpenPeriods, Closed: y.Closed, EntryIDs: y.EntryIDs,
		Lines: []FinYearCloseLine{}, Transfers: []FinYearCloseLine{}}
	for _, l := range y.Lines {
		out.Lines = append(out.Lines, FinYearCloseLine(l))
	}
	for _, l := range y.Transfers {
		out.Transfers = append(out.Transfers, FinYearCloseLine(l))
	}
	if out.OpenPeriods == nil {
		out.OpenPeriods = []string{}
	}
	return out
}

type yearPath struct {
	Year int `path:"year" minimum:"1900" maximum:"9999"`
}

func (x ych) preview(ctx context.Context, in *yearPath) (*struct{ Body FinYearClose }, error) {
	y, err := x.l.YearClosePreview(ctx, in.Year)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinYearClose }{yearCloseJSON(y)}, nil
}

func (x ych) close(ctx context.Context, in *struct {
	Year int `path:"year" minimum:"1900" maximum:"9999"`
	Body FinYearCloseInput
}) (*struct{ Body FinYearClose }, error) {
	y, err := x.l.CloseYear(ctx, in.Year, in.Body.Force)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinYearClose }{yearCloseJSON(y)}, nil
}
