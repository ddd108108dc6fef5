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
	UndoneOn   string `json:"undone_on,omitempty" doc:"The date the application was undone."`
	UndoEntry  string `json:"undo_entry_id,omitempty" doc:"The entry that moved an undone prepayment back (prepayments only)."`
}

func applicationsJSON(list []payables.Application) []FinApplication {
	out := []FinApplication{}
	for _, a := range list {
		out = append(out, FinApplication{ID: a.ID, SourceKind: a.SourceKind, SourceID: a.SourceID, ItemID: a.ItemID, ItemNumber: a.ItemNumber,
			Amount: a.Amount.String(), Date: a.Date, EntryID: a.EntryID, UndoneOn: a.UndoneOn, UndoEntry: a.UndoEntry})
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

// FinUndoApplicationInput undoes an application.
type FinUndoApplicationInput struct {
	Date string `json:"date,omitempty" doc:"YYYY-MM-DD, not before the application; today when empty."`
	Memo string `json:"memo,omitempty" maxLength:"200"`
}

func (x aph) undoApplication(ctx context.Context, in *struct {
	api.IDParam
	Body *FinUndoApplicationInput `required:"false"`
}) (*struct{ Body FinApplication }, error) {
	var b FinUndoApplicationInput
	if in.Body != nil {
		b = *in.Body
	}
	a, err := x.ap.UndoApplication(ctx, in.ID, b.Date, b.Memo)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FinApplication }{applicationsJSON([]payables.Application{*a})[0]}, nil
}
