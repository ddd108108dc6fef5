package payables

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Kinds of what is applied to bills.
const (
	SourcePrepayment = "prepayment" // what a payment kept on 预付账款
	SourceDebitNote  = "debit_note" // what a debit note leaves owed by the supplier
)

// Message keys of applications.
const (
	keySourceUnknown = "fin.ap.error.apply_source_unknown"
	keyBeyondLeft    = "fin.ap.error.apply_beyond_left"
	keyNoAllocations = "fin.ap.error.apply_no_allocations"
	keyApplied       = "fin.ap.error.payment_applied"
)

// ApplyInput applies a prepayment or debit note to open bills of its supplier.
type ApplyInput struct {
	SourceID    string // a supplier payment with a prepayment left, or a debit note (payable id)
	Date        string // "" is today (or the latest date of the source and bills)
	Memo        string
	Allocations []AllocationInput
}

// Application is part of a prepayment or debit note applied to a bill.
type Application struct {
	ID         string       `json:"id"`
	SourceKind string       `json:"source_kind"`
	SourceID   string       `json:"source_id"`
	ItemID     string       `json:"item_id"`
	ItemNumber string       `json:"item_number"`
	Amount     money.Amount `json:"amount"`
	Date       string       `json:"date"`
	EntryID    string       `json:"entry_id,omitempty"`
	UndoneOn   string       `json:"undone_on,omitempty"`     // the date it was undone
	UndoEntry  string       `json:"undo_entry_id,omitempty"` // a prepayment's entry that undid it
}

// applicable is what a source has left to apply.
type applicable struct {
	kind, id, number, supplier, currency, date string
	rate                                       money.Rate
	left                                       money.Amount
}

// source finds a prepayment or debit note by id and what it has left; nil
// when there is none.
func (s *Service) source(ctx context.Context, id string, lock bool) (*applicable, error) {
	if !db.ValidID(id) {
		return nil, nil
	}
	if it, err := s.item(ctx, id); err != nil {
		return nil, err
	} else if it != nil {
		if it.Kind != KindDebitNote || it.ReversedEntry != "" {
			return nil, nil
		}
		left, _ := money.Amount{}.Sub(it.Open)
		return &applicable{kind: SourceDebitNote, id: it.ID, number: it.Number, supplier: it.SupplierID, currency: it.Currency,
			date: it.Date, rate: it.Rate, left: left}, nil
	}
	q := `SELECT p.number, p.supplier_id, p.currency, p.rate, p.date, p.prepaid,
		COALESCE((SELECT sum(a.amount) FROM fin_ap_application a WHERE a.source_id = p.id AND NOT EXISTS (SELECT 1 FROM fin_ap_application_reversal u WHERE u.application_id = a.id)), 0),
		EXISTS (SELECT 1 FROM fin_ap_payment_reversal r WHERE r.payment_id = p.id)
		FROM fin_ap_payment p WHERE p.id = $1`
	if lock && s.db.Engine == db.Postgres {
		// Lock the payment first: the sum below then sees every application
		// committed before the lock was granted (SQLite writers queue anyway).
		var x string
		err := s.db.QueryRow(ctx, `SELECT id FROM fin_ap_payment WHERE id = $1 FOR UPDATE`, id).Scan(&x)
		if isNoRows(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	var (
		a        = applicable{kind: SourcePrepayment, id: id}
		prepaid  money.Amount
		applied  money.Amount
		reversed bool
	)
	err := s.db.QueryRow(ctx, q, id).Scan(&a.number, &a.supplier, &a.currency, &a.rate, &a.date, &prepaid, &applied, &reversed)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if reversed {
		return nil, nil
	}
	a.left, _ = prepaid.Sub(applied)
	return &a, nil
}

// LeftToApply returns what a prepayment or debit note still has to apply
// (zero for anything else); it needs PermPayableRead.
func (s *Service) LeftToApply(ctx context.Context, sourceID string) (money.Amount, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return money.Amount{}, err
	}
	a, err := s.source(ctx, sourceID, false)
	if err != nil || a == nil {
		return money.Amount{}, err
	}
	return a.left, nil
}

// Apply applies a supplier prepayment or debit note to open bills of the
// same supplier and currency; it needs PermPayableWrite. A prepayment
// posts the transfer (payables debit, 预付账款 credit) in one entry; a debit
// note only settles the bills against it in the payables, the ledger's
// balance with the supplier staying what it is. Partial amounts are fine;
// more than a bill has open is refused on the allocation's amount, more
// than the source has left on allocations.
func (s *Service) Apply(ctx context.Context, in ApplyInput) ([]Application, error) {
	if _, err := require(ctx, finance.PermPayableWrite); err != nil {
		return nil, err
	}
	in.SourceID = strings.TrimSpace(in.SourceID)
	in.Date = strings.TrimSpace(in.Date)
	in.Memo = strings.TrimSpace(in.Memo)
	var ids []string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if in.SourceID == "" {
			return invalid("source_id", keyRequired)
		}
		src, err := s.source(ctx, in.SourceID, true)
		if err != nil {
			return err
		}
		if src == nil || src.left.Sign() <= 0 {
			return invalid("source_id", keySourceUnknown)
		}
		if in.Date == "" {
			in.Date = s.ledger.Today(systemCtx(ctx))
		}
		var bad []apperr.FieldError
		if !validDate(in.Date) {
			bad = append(bad, fe("date", keyDateInvalid))
		} else if in.Date < src.date {
			bad = append(bad, fe("date", keyBillBefore, map[string]any{"Bill": src.number, "Date": src.date}))
		}
		if utf8.RuneCountInString(in.Memo) > 200 {
			bad = append(bad, fe("memo", keyTooLong))
		}
		if len(in.Allocations) == 0 {
			bad = append(bad, fe("allocations", keyNoAllocations))
		}
		sum, allocBad, err := s.checkAllocations(ctx, PaymentInput{SupplierID: src.supplier, Currency: src.currency, Date: in.Date, Allocations: in.Allocations})
		if err != nil {
			return err
		}
		bad = append(bad, allocBad...)
		if err := apperr.InvalidFields(bad...); err != nil {
			return err
		}
		if sum.Cmp(src.left) > 0 {
			return invalid("allocations", keyBeyondLeft, map[string]any{"Number": src.number, "Left": src.left.String(), "Allocated": sum.String()})
		}
		entryID := ""
		if src.kind == SourcePrepayment {
			comp, err := s.ledger.Company(systemCtx(ctx))
			if err != nil {
				return err
			}
			prepay, err := s.prepaymentAccount(ctx, src.currency, comp.BaseCurrency)
			if err != nil {
				return err
			}
			if prepay == "" {
				return invalid("source_id", keyNoPrepayAccount)
			}
			memo := in.Memo
			if memo == "" {
				memo = src.number + " " + s.supplierName(ctx, src.supplier)
			}
			// At the prepayment's rate: what 预付账款 holds of it leaves at that rate.
			if entryID, err = s.ledger.Post(own(ctx), finance.Posting{SourceKind: finance.SourceAllocation, SourceID: db.NewID(), SourceNumber: src.number,
				Date: in.Date, Currency: src.currency, Rate: src.rate, PartnerKind: "supplier", PartnerID: src.supplier, Memo: memo,
				Lines: []finance.PostingLine{{Role: finance.RoleAP, Debit: sum}, {Role: finance.RoleAP, Account: prepay, Credit: sum}}}); err != nil {
				return err
			}
		} else {
			n, err := s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = open + $1 WHERE id = $2 AND open + $1 <= 0`, sum, src.id)
			if err != nil {
				return err
			}
			if n == 0 {
				return invalid("allocations", keyBeyondLeft, map[string]any{"Number": src.number, "Left": src.left.String(), "Allocated": sum.String()})
			}
		}
		now := db.Millis(s.now())
		for i, a := range in.Allocations {
			n, err := s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = open - $1 WHERE id = $2 AND kind = 'bill' AND open >= $1`, a.Amount, a.ItemID)
			if err != nil {
				return err
			}
			if n == 0 {
				return invalid(fmt.Sprintf("allocations[%d].amount", i), keyBeyondOpen, map[string]any{"Bill": a.ItemID, "Open": "0"})
			}
			id := db.NewID()
			if _, err := s.db.Exec(ctx, `INSERT INTO fin_ap_application (id, source_kind, source_id, item_id, amount, date, entry_id, created_at, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, src.kind, src.id, a.ItemID, a.Amount, in.Date, entryID, now, actor(ctx)); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return s.record(ctx, "fin.ap_item.applied", kindItem, src.id, map[string]any{"left": src.left}, map[string]any{"kind": src.kind,
			"number": src.number, "date": in.Date, "applied": sum, "entry_id": entryID, "allocations": in.Allocations})
	})
	if err != nil {
		return nil, err
	}
	return s.applications(ctx, `a.id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
}

// Applications lists what was applied from a prepayment or debit note, or
// to a bill; it needs PermPayableRead.
func (s *Service) Applications(ctx context.Context, id string) ([]Application, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	return s.applications(ctx, `a.source_id = $1 OR a.item_id = $1`, id)
}

func (s *Service) applications(ctx context.Context, where string, args ...any) ([]Application, error) {
	out := []Application{}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, a.source_kind, a.source_id, a.item_id, i.number, a.amount, a.date, a.entry_id,
		COALESCE(u.date, ''), COALESCE(u.entry_id, '') FROM fin_ap_application a JOIN fin_ap_item i ON i.id = a.item_id
		LEFT JOIN fin_ap_application_reversal u ON u.application_id = a.id WHERE `+where+` ORDER BY a.date, a.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a Application
		if err := rows.Scan(&a.ID, &a.SourceKind, &a.SourceID, &a.ItemID, &a.ItemNumber, &a.Amount, &a.Date, &a.EntryID, &a.UndoneOn, &a.UndoEntry); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i+1)
	}
	return b.String()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// supplierLister is the partner module's list of active suppliers.
type supplierLister interface {
	ActiveSuppliers(ctx context.Context, limit int) ([]partner.Supplier, error)
}

// PickSuppliers returns up to 500 active suppliers by name for a pick
// list (none without the partner module); it needs PermPayableRead.
func (s *Service) PickSuppliers(ctx context.Context) ([]partner.Supplier, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	d, ok := s.suppliers().(supplierLister)
	if !ok || d == nil {
		return nil, nil
	}
	return d.ActiveSuppliers(systemCtx(ctx), 500)
}

// ApplySource is a prepayment or debit note with what it has left to apply.
type ApplySource struct {
	Kind       string       `json:"kind"` // prepayment or debit_note
	ID         string       `json:"id"`
	Number     string       `json:"number"`
	SupplierID string       `json:"supplier_id"`
	Currency   string       `json:"currency"`
	Date       string       `json:"date"`
	Left       money.Amount `json:"left"`
}

// Source returns a prepayment or debit note with what it has left to apply
// (apperr NotFound for anything else); it needs PermPayableRead.
func (s *Service) Source(ctx context.Context, id string) (*ApplySource, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	a, err := s.source(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, apperr.NotFound("prepayment or debit note", id)
	}
	return &ApplySource{Kind: a.kind, ID: a.id, Number: a.number, SupplierID: a.supplier, Currency: a.currency, Date: a.date, Left: a.left}, nil
}
