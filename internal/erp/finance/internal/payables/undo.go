package payables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// UndoApplication reverses an application of a prepayment or debit note to
// a bill on date (today when empty, never before the application): the
// bill is open again by the amount, and the prepayment or debit note has
// it to apply again. For a prepayment it posts the counter entry, moving
// the amount from the supplier's payables back to 预付账款 at the
// prepayment's rate; a payment whose applications are all undone can be
// reversed. An application is undone once. It needs PermPayableReverse.
func (s *Service) UndoApplication(ctx context.Context, id, date, memo string) (*Application, error) {
	if _, err := require(ctx, finance.PermPayableReverse); err != nil {
		return nil, err
	}
	date, memo = strings.TrimSpace(date), strings.TrimSpace(memo)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if !db.ValidID(id) {
			return apperr.NotFound("application", id)
		}
		var a Application
		err := s.db.QueryRow(ctx, `SELECT a.id, a.source_kind, a.source_id, a.item_id, i.number, a.amount, a.date, a.entry_id
			FROM fin_ap_application a JOIN fin_ap_item i ON i.id = a.item_id WHERE a.id = $1`, id).
			Scan(&a.ID, &a.SourceKind, &a.SourceID, &a.ItemID, &a.ItemNumber, &a.Amount, &a.Date, &a.EntryID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("application", id)
		}
		if err != nil {
			return err
		}
		if date == "" {
			date = max(s.ledger.Today(systemCtx(ctx)), a.Date)
		}
		var bad []fieldErr
		switch {
		case !validDate(date):
			bad = append(bad, fe("date", keyDateInvalid))
		case date < a.Date:
			bad = append(bad, fe("date", keyReverseDate, map[string]any{"Date": a.Date}))
		}
		if utf8.RuneCountInString(memo) > 200 {
			bad = append(bad, fe("memo", keyTooLong))
		}
		if err := invalidAll(bad); err != nil {
			return err
		}
		entryID := ""
		switch a.SourceKind {
		case SourcePrepayment:
			if entryID, err = s.undoPrepayment(ctx, &a, date, memo); err != nil {
				return err
			}
		case SourceDebitNote:
			// The debit note owes the amount again (its open is negative).
			n, err := s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = open - $1 WHERE id = $2 AND open - $1 >= amount`, a.Amount, a.SourceID)
			if err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("payables: debit note %s cannot take back %s", a.SourceID, a.Amount)
			}
		}
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_ap_application_reversal (application_id, entry_id, date, memo, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (application_id) DO NOTHING`, id, entryID, date, memo, db.Millis(s.now()), actor(ctx))
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyUndone, map[string]any{"Bill": a.ItemNumber})
		}
		n, err = s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = open + $1 WHERE id = $2 AND reversed_entry = '' AND open + $1 <= amount`,
			a.Amount, a.ItemID)
		if err != nil {
			return err
		}
		if n != 1 {
			return conflict(keyUndoBill, map[string]any{"Bill": a.ItemNumber})
		}
		return s.record(ctx, "fin.ap_application.undone", kindItem, a.ItemID, map[string]any{"application_id": id, "amount": a.Amount},
			map[string]any{"date": date, "entry_id": entryID})
	})
	if err != nil {
		return nil, err
	}
	got, err := s.applications(ctx, `a.id = $1`, id)
	if err != nil || len(got) == 0 {
		return nil, err
	}
	return &got[0], nil
}

// undoPrepayment posts the counter entry of a prepayment's application.
func (s *Service) undoPrepayment(ctx context.Context, a *Application, date, memo string) (string, error) {
	if s.db.Engine == db.Postgres {
		// Lock the payment as Apply and ReversePayment do, before the bills.
		var x string
		if err := s.db.QueryRow(ctx, `SELECT id FROM fin_ap_payment WHERE id = $1 FOR UPDATE`, a.SourceID).Scan(&x); err != nil {
			return "", err
		}
	}
	var (
		number, supplier, currency string
		rate                       money.Rate
	)
	if err := s.db.QueryRow(ctx, `SELECT number, supplier_id, currency, rate FROM fin_ap_payment WHERE id = $1`, a.SourceID).
		Scan(&number, &supplier, &currency, &rate); err != nil {
		return "", err
	}
	comp, err := s.ledger.Company(systemCtx(ctx))
	if err != nil {
		return "", err
	}
	prepay, err := s.prepaymentAccount(ctx, currency, comp.BaseCurrency)
	if err != nil {
		return "", err
	}
	if prepay == "" {
		return "", invalid("id", keyNoPrepayAccount)
	}
	if memo == "" {
		memo = number + " → " + a.ItemNumber + " " + s.supplierName(ctx, supplier)
	}
	return s.ledger.Post(own(ctx), finance.Posting{SourceKind: finance.SourceAllocation, SourceID: db.NewID(), SourceNumber: number,
		Date: date, Currency: currency, Rate: rate, PartnerKind: "supplier", PartnerID: supplier, Memo: memo,
		Lines: []finance.PostingLine{{Role: finance.RoleAP, Account: prepay, Debit: a.Amount}, {Role: finance.RoleAP, Credit: a.Amount}}})
}
