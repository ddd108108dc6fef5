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

// FinFXRevalLine is one foreign-currency balance revalued at the closing rate.
type FinFXRevalLine struct {
	AccountID    string       `json:"account_id"`
	AccountCode  string       `json:"account_code"`
	PartnerKind  string       `json:"partner_kind,omitempty"`
	PartnerID    string       `json:"partner_id,omitempty"`
	Currency     string       `json:"currency"`
	Balance      money.Amount `json:"balance" doc:"In the currency, debit positive."`
	BookedBase   money.Amount `json:"booked_base"`
	Rate         money.Rate   `json:"rate" doc:"The closing rate of the period's last day."`
	RevaluedBase money.Amount `json:"revalued_base"`
	Difference   money.Amount `json:"difference"`
}

// FinFXReval is the exchange revaluation of a period's end.
type FinFXReval struct {
	Period       string           `json:"period"`
	Date         string           `json:"date" format:"date"`
	ReversalDate string           `json:"reversal_date" format:"date"`
	Account      string           `json:"exchange_account"`
	Lines        []FinFXRevalLine `json:"lines" nullable:"false"`
	Gain         money.Amount     `json:"gain" doc:"Net exchange gain; a loss is negative."`
	Posted       bool             `json:"posted"`
	EntryID      string           `json:"entry_id,omitempty"`
	ReversalID   string           `json:"reversal_id,omitempty"`
}

type fxh struct{ l *ledger.Service }

// RegisterFXReval adds the exchange revaluation operations to the API.
func RegisterFXReval(a *api.API, l *ledger.Service) {
	x := fxh{l}
	op := func(id, method, summary string, status int) huma.Operation {
		o := huma.Operation{OperationID: "erp-finance-" + id, Method: method, Path: "/erp/finance/fx-revaluation/{period}", Summary: summary, Tags: []string{"Finance"}}
		if status != 0 {
			o.DefaultStatus = status
		}
		return o
	}
	api.Register(a, op("fx-revaluation-preview", http.MethodGet, "Preview the exchange revaluation of a period's end", 0), finance.PermReportRead, x.preview)
	api.Register(a, op("fx-revalue", http.MethodPost, "Post the exchange revaluation of a period's end and its reversal", http.StatusCreated), finance.PermEntryPost, x.post)
}

func fxJSON(r *ledger.FXReval) FinFXReval {
	out := FinFXReval{Period: r.Period, Date: r.Date, ReversalDate: r.ReversalDate, Account: r.Account, Gain: r.Gain, Posted: r.Posted,
		EntryID: r.EntryID, ReversalID: r.ReversalID, Lines: []FinFXRevalLine{}}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, FinFXRevalLine(l))
	}
	return out
}

type periodPath struct {
	Period string `path:"period" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"YYYY-MM."`
}

func (x fxh) preview(ctx context.Context, in *periodPath) (*struct{ Body FinFXReval }, error) {
	r, err := x.l.FXRevalPreview(ctx, in.Period)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinFXReval }{fxJSON(r)}, nil
}

func (x fxh) post(ctx context.Context, in *periodPath) (*struct{ Body FinFXReval }, error) {
	r, err := x.l.RevalueFX(ctx, in.Period)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinFXReval }{fxJSON(r)}, nil
}
