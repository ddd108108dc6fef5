// Package payables is the finance module's payables: what each supplier
// bill leaves owed (opened by a hook on the ledger, in the bill's posting
// transaction), payments to suppliers with their allocations, prepayments
// and reversals, the AP aging and supplier statements, and the checker that
// holds the sub-ledger to the payables control accounts.
//
// What is open of each bill is kept in fin_ap_item and moved only by
// conditional updates that may not pass zero, so payments racing for the
// same bill never take more than is open.
package payables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Suppliers finds suppliers' names (the partner module).
type Suppliers interface {
	LookupSupplier(ctx context.Context, id string) (partner.Supplier, error)
}

// Service is the payables of one ERP database.
type Service struct {
	db        *db.DB
	ledger    *ledger.Service
	suppliers func() Suppliers
	now       func() time.Time
}

// New returns the payables over a ledger and hooks them into its postings:
// from then on every posting that credits the payables control account for
// a supplier opens a payable. suppliers may be nil (no partner module).
func New(l *ledger.Service, suppliers func() Suppliers, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if suppliers == nil {
		suppliers = func() Suppliers { return nil }
	}
	s := &Service{db: l.DB(), ledger: l, suppliers: suppliers, now: now}
	l.OnPosted(s.onPosted)
	return s
}

// Kinds of open items.
const (
	KindBill      = "bill"
	KindDebitNote = "debit_note"
)

// Audit entity kinds.
const (
	kindItem    = "fin.ap_item"
	kindPayment = "fin.ap_payment"
)

// Message keys.
const (
	keyRequired        = "fin.error.required"
	keyTooLong         = "fin.error.too_long"
	keyDateInvalid     = "fin.error.date_invalid"
	keyCurrencyUnknown = "fin.error.currency_unknown"
	keyRateMissing     = "fin.error.rate_missing"
	keySupplierUnknown = "fin.ap.error.supplier_unknown"
	keyAmountInvalid   = "fin.ap.error.amount_invalid"
	keyMethodInvalid   = "fin.ap.error.method_invalid"
	keyBankAccount     = "fin.ap.error.bank_account"
	keyBillUnknown     = "fin.ap.error.bill_unknown"
	keyBillSupplier    = "fin.ap.error.bill_supplier"
	keyBillCurrency    = "fin.ap.error.bill_currency"
	keyBillTwice       = "fin.ap.error.bill_twice"
	keyBillBefore      = "fin.ap.error.bill_before"
	keyBeyondOpen      = "fin.ap.error.beyond_open"
	keyOverPayment     = "fin.ap.error.over_payment"
	keyNoPrepayAccount = "fin.ap.error.no_prepayment_account"
	keyDueBefore       = "fin.ap.error.due_before"
	keyBillPaid        = "fin.ap.error.bill_paid"
	keyReversed        = "fin.ap.error.already_reversed"
	keyReverseDate     = "fin.ap.error.reverse_date"
	keyUndone          = "fin.ap.error.application_undone"
	keyUndoBill        = "fin.ap.error.application_bill_reversed"
	keyOverflow        = "fin.ap.error.overflow"
)

// Methods are the ways a supplier is paid.
var Methods = []string{"transfer", "cash", "acceptance", "check", "misc"}

func (s *Service) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.db, audit.Entry{Action: action, EntityKind: kind, EntityID: id, Before: before, After: after, At: s.now()})
}

func require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, apperr.Unauthorized()
	}
	if !p.Can(perm) {
		return nil, apperr.PermissionDenied(string(perm))
	}
	return p, nil
}

func actor(ctx context.Context) string {
	p := authz.FromContext(ctx)
	if p == nil || p.System {
		return authz.SystemLogin
	}
	if p.Login != "" {
		return p.Login
	}
	return p.UserID
}

func systemCtx(ctx context.Context) context.Context { return authz.WithPrincipal(ctx, authz.System()) }

func fe(field, key string, params ...map[string]any) apperr.FieldError {
	var p map[string]any
	if len(params) > 0 {
		p = params[0]
	}
	return apperr.FieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key, p), Params: p}
}

func invalid(field, key string, params ...map[string]any) error {
	return apperr.InvalidFields(fe(field, key, params...))
}

func conflict(key string, params ...map[string]any) error {
	var p map[string]any
	if len(params) > 0 {
		p = params[0]
	}
	e := apperr.Conflict(key, i18n.TL(i18n.EN, key, p))
	e.Params = p
	return e
}

func validDate(s string) bool {
	_, err := time.Parse(db.DateLayout, s)
	return err == nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// own marks a context in which the payables post their own entries
// (payments and their reversals), which the posting hook leaves alone.
type ownKey struct{}

func own(ctx context.Context) context.Context { return context.WithValue(ctx, ownKey{}, true) }

// onPosted opens a payable for each supplier and currency whose payables
// control lines an entry credits on balance (a debit note when it debits
// them), and cancels the payable of an entry that a reversal reverses.
func (s *Service) onPosted(ctx context.Context, es []*ledger.Entry) error {
	if ctx.Value(ownKey{}) != nil {
		return nil
	}
	var ap map[string]bool
	for _, e := range es {
		if !slices.ContainsFunc(e.Lines, func(l ledger.Line) bool { return l.PartnerKind == "supplier" }) {
			continue
		}
		if ap == nil {
			var err error
			if ap, err = s.controlAccounts(ctx); err != nil {
				return err
			}
		}
		if e.SourceKind == finance.SourceReversal {
			done, err := s.cancelItems(ctx, e)
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		if err := s.openItems(ctx, e, ap); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) controlAccounts(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM fin_account WHERE control = 'ap'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

func (s *Service) openItems(ctx context.Context, e *ledger.Entry, ap map[string]bool) error {
	type key struct{ supplier, currency string }
	nets := map[key]int64{}
	rates := map[key]money.Rate{}
	var keys []key
	for _, l := range e.Lines {
		if !ap[l.AccountID] || l.PartnerKind != "supplier" || l.PartnerID == "" {
			continue
		}
		k := key{l.PartnerID, l.Currency}
		if _, ok := nets[k]; !ok {
			keys = append(keys, k)
		}
		nets[k] += l.Credit.Units() - l.Debit.Units()
		rates[k] = l.Rate
	}
	due := strings.TrimSpace(e.DueDate)
	if due == "" {
		due = e.Date
	}
	for _, k := range keys {
		n := nets[k]
		if n == 0 {
			continue
		}
		switch {
		case !validDate(due):
			return invalid("due_date", keyDateInvalid)
		case due < e.Date:
			return invalid("due_date", keyDueBefore, map[string]any{"Date": e.Date})
		}
		kind := KindBill
		if n < 0 {
			kind = KindDebitNote
		}
		rate := rates[k]
		if rate.Units() <= 0 {
			rate = money.MustRate("1")
		}
		number := e.SourceNumber
		if number == "" {
			number = e.Number
		}
		id := db.NewID()
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_ap_item (id, kind, supplier_id, source_kind, source_id, number, entry_id,
			currency, rate, date, due_date, amount, open, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)`,
			id, kind, k.supplier, e.SourceKind, e.SourceID, number, e.ID, k.currency, rate, e.Date, due, n, db.Millis(s.now())); err != nil {
			return err
		}
		if err := s.record(ctx, "fin.ap_item.opened", kindItem, id, nil, map[string]any{"kind": kind, "supplier_id": k.supplier,
			"source_kind": e.SourceKind, "source_id": e.SourceID, "number": number, "currency": k.currency,
			"amount": money.AmountFromUnits(n), "due_date": due}); err != nil {
			return err
		}
	}
	return nil
}

// cancelItems closes the payables of the entry a reversal reverses; a
// payable that was paid (in part) is not cancelled: its payments are
// reversed first.
func (s *Service) cancelItems(ctx context.Context, e *ledger.Entry) (bool, error) {
	if e.ReversalOf == "" {
		return false, nil
	}
	rows, err := s.db.Query(ctx, `SELECT id, number FROM fin_ap_item WHERE entry_id = $1 ORDER BY id`, e.ReversalOf)
	if err != nil {
		return false, err
	}
	type item struct{ id, number string }
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.number); err != nil {
			rows.Close()
			return false, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(items) == 0 {
		return false, nil
	}
	for _, it := range items {
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = 0, reversed_entry = $1
			WHERE id = $2 AND open = amount AND reversed_entry = ''`, e.ID, it.id)
		if err != nil {
			return false, err
		}
		if n == 0 {
			return false, conflict(keyBillPaid, map[string]any{"Number": it.number})
		}
		if err := s.record(ctx, "fin.ap_item.cancelled", kindItem, it.id, nil, map[string]any{"reversal_entry": e.ID}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// supplierName returns a supplier's name from the partner module, or its id.
func (s *Service) supplierName(ctx context.Context, id string) string {
	if d := s.suppliers(); d != nil {
		if sp, err := d.LookupSupplier(ctx, id); err == nil {
			return sp.Name
		}
	}
	return id
}

// names returns the names of suppliers, each looked up once.
type names struct {
	s     *Service
	cache map[string]string
}

func (s *Service) names() *names { return &names{s: s, cache: map[string]string{}} }

func (n *names) of(ctx context.Context, id string) string {
	if v, ok := n.cache[id]; ok {
		return v
	}
	v := n.s.supplierName(ctx, id)
	n.cache[id] = v
	return v
}

func itoa(i int) string { return fmt.Sprint(i) }

type fieldErr = apperr.FieldError

func invalidAll(fs []fieldErr) error { return apperr.InvalidFields(fs...) }

// Today is the company's today.
func (s *Service) Today(ctx context.Context) string { return s.ledger.Today(systemCtx(ctx)) }

// SupplierName returns a supplier's name from the partner module, or its
// id; it needs PermPayableRead.
func (s *Service) SupplierName(ctx context.Context, id string) string {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return id
	}
	return s.supplierName(ctx, id)
}
