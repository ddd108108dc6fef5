package rest

import (
	"context"

	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/platform/api"
)

// FinReturnCreditInput writes the credit note of a received customer return.
type FinReturnCreditInput struct {
	Date string `json:"date" doc:"The credit note's date (YYYY-MM-DD)."`
	Memo string `json:"memo,omitempty" maxLength:"200" doc:"The return's number when empty."`
	Post bool   `json:"post,omitempty" doc:"Post the credit note at once."`
}

func (x arh) listReturns(ctx context.Context, _ *struct{}) (*api.ListOutput[receivables.ReturnToCredit], error) {
	list, err := x.ar.ReturnsToCredit(ctx)
	if err != nil {
		return nil, err
	}
	return &api.ListOutput[receivables.ReturnToCredit]{Body: api.Page[receivables.ReturnToCredit]{Items: list}}, nil
}

func (x arh) creditReturn(ctx context.Context, in *struct {
	api.IDParam
	Body FinReturnCreditInput
}) (*invoiceOut, error) {
	cn, err := x.ar.CreateReturnCreditNote(ctx, receivables.ReturnCreditInput{ReturnID: in.ID, Date: in.Body.Date, Memo: in.Body.Memo})
	if err != nil {
		return nil, err
	}
	if in.Body.Post {
		if cn, err = x.ar.PostInvoice(ctx, cn.ID); err != nil {
			return nil, err
		}
	}
	return &invoiceOut{invoiceJSON(cn)}, nil
}
