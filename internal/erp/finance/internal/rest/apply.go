package rest

import (
	"context"
	"strconv"

	"github.com/loom-erp/loom/internal/erp/finance/internal/payables"
	"github.com/loom-erp/loom/internal/platform/api"
)

// FinApplyInput applies a supplier prepayment or debit note to open bills.
type FinApplyInput struct {
	SourceID    string                       `json:"source_id" doc:"A supplier payment with a prepayment left, or a debit note (payable id)."`
	Date        string                       `json:"date,omitempty" doc:"YYYY-MM-DD; today when empty."`
	Memo        string                       `json:"memo,omitempty" maxLength:"200"`
	Allocations []FinSupplierAllocationInput `json:"allocations" maxItems:"500"`
}

// FinApplication is part of a prepayment or debit note applied to a bill.
type FinApplication struct {
	ID         string `json:"id"`
	SourceKind string `json:"source_kind" enum:"prepayment,debit_note"`
	SourceID   string `json:"source_id"`
	ItemID     string `json:"item_id"`
	ItemNumber string `json:"item_number"`
	Amount     string `json:"amount" format:"decimal"`
	Date       string `json:"date"`
	EntryID    string `json:"entry_id,omitempty" doc:"The transfer's journal entry (prepayments only)."`
}

func applicationsJSON(list []payables.Application) []FinApplication {
	out := []FinApplication{}
	for _, a := range list {
		out = append(out, FinApplication{ID: a.ID, SourceKind: a.SourceKind, SourceID: a.SourceID, ItemID: a.ItemID, ItemNumber: a.ItemNumber,
			Amount: a.Amount.String(), Date: a.Date, EntryID: a.EntryID})
	}
	return out
}

func (x aph) apply(ctx context.Context, in *struct{ Body FinApplyInput }) (*api.ListOutput[FinApplication], error) {
	var d decimals
	b := in.Body
	ain := payables.ApplyInput{SourceID: b.SourceID, Date: b.Date, Memo: b.Memo}
	for i, a := range b.Allocations {
		ain.Allocations = append(ain.Allocations, payables.AllocationInput{ItemID: a.ItemID, Amount: d.amount("allocations["+strconv.Itoa(i)+"].amount", a.Amount)})
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	list, err := x.ap.Apply(ctx, ain)
	if err != nil {
		return nil, err
	}
	return &api.ListOutput[FinApplication]{Body: api.Page[FinApplication]{Items: applicationsJSON(list)}}, nil
}

func (x aph) applications(ctx context.Context, in *api.IDParam) (*api.ListOutput[FinApplication], error) {
	list, err := x.ap.Applications(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &api.ListOutput[FinApplication]{Body: api.Page[FinApplication]{Items: applicationsJSON(list)}}, nil
}
