package payables

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Item is what a posted bill (or debit note) leaves open with a supplier.
type Item struct {
	ID            string       `json:"id"`
	Kind          string       `json:"kind"`
	SupplierID    string       `json:"supplier_id"`
	Supplier      string       `json:"supplier_name"`
	SourceKind    string       `json:"source_kind"`
	SourceID      string       `json:"source_id"`
	Number        string       `json:"number"`
	EntryID       string       `json:"entry_id"`
	Currency      string       `json:"currency"`
	Rate          money.Rate   `json:"rate"`
	Date          string       `json:"date"`
	DueDate       string       `json:"due_date"`
	Amount        money.Amount `json:"amount"`
	Open          money.Amount `json:"open"`
	ReversedEntry string       `json:"reversed_entry,omitempty"`
}

// Payment is money paid to a supplier.
type Payment struct {
	ID            string       `json:"id"`
	Number        string       `json:"number"`
	SupplierID    string       `json:"supplier_id"`
	Supplier      string       `json:"supplier_name"`
	Date          string       `json:"date"`
	Currency      string       `json:"currency"`
	Rate          money.Rate   `json:"rate"`
	Amount        money.Amount `json:"amount"`
	Allocated     money.Amount `json:"allocated"`
	Prepaid       money.Amount `json:"prepaid"`
	BankAccount   string       `json:"bank_account_id"`
	Method        string       `json:"method"`
	Reference     string       `json:"reference"`
	Memo          string       `json:"memo"`
	EntryID       string       `json:"entry_id"`
	ReversalEntry string       `json:"reversal_entry_id,omitempty"`
	ReversedOn    string       `json:"reversed_on,omitempty"`
	CreatedAt     time.Time    `json:"created_at"`
	CreatedBy     string       `json:"created_by"`
	Allocations   []Allocation `json:"allocations"`
}

// Allocation is part of a payment applied to a bill.
type Allocation struct {
	ID         string       `json:"id"`
	PaymentID  string       `json:"payment_id"`
	ItemID     string       `json:"item_id"`
	ItemNumber string       `json:"item_number"`
	Amount     money.Amount `json:"amount"`
	Date       string       `json:"date"`
}

// AllocationInput applies part of a payment to an open bill.
type AllocationInput struct {
	ItemID string
	Amount money.Amount
}

// PaymentInput pays a supplier.
type PaymentInput struct {
	SupplierID  string
	Date        string
	Currency    string     // "" takes the supplier's (or the base currency)
	Rate        money.Rate // zero takes the rate of the date
	Amount      money.Amount
	BankAccount string // the account's code or id; "" takes the bank rule
	Method      string
	Reference   string
	Memo        string
	Allocations []AllocationInput
}

const itemColumns = `id, kind, supplier_id, source_kind, source_id, number, entry_id, currency, rate, date, due_date, amount, open, reversed_entry`

func scanItem(sc interface{ Scan(...any) error }) (Item, error) {
	var it Item
	err := sc.Scan(&it.ID, &it.Kind, &it.SupplierID, &it.SourceKind, &it.SourceID, &it.Number, &it.EntryID, &it.Currency,
		&it.Rate, &it.Date, &it.DueDate, &it.Amount, &it.Open, &it.ReversedEntry)
	return it, err
}

func (s *Service) item(ctx context.Context, id string) (*Item, error) {
	if !db.ValidID(id) {
		return nil, nil
	}
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM fin_ap_item WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &it, nil
}

// ItemFilter narrows the list of payables.
type ItemFilter struct {
	SupplierID string
	OpenOnly   bool
	SourceKind string
	SourceID   string
	Limit      int
}

// Items lists payables, newest first; it needs PermPayableRead.
func (s *Service) Items(ctx context.Context, f ItemFilter) ([]Item, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + itemColumns + ` FROM fin_ap_item WHERE 1 = 1`
	var args []any
	if f.SupplierID != "" {
		args = append(args, f.SupplierID)
		q += ` AND supplier_id = $` + itoa(len(args))
	}
	if f.SourceKind != "" {
		args = append(args, f.SourceKind)
		q += ` AND source_kind = $` + itoa(len(args))
	}
	if f.SourceID != "" {
		args = append(args, f.SourceID)
		q += ` AND source_id = $` + itoa(len(args))
	}
	if f.OpenOnly {
		q += ` AND open <> 0`
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	q += fmt.Sprintf(` ORDER BY date DESC, id DESC LIMIT %d`, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	n := s.names()
	for i := range out {
		out[i].Supplier = n.of(ctx, out[i].SupplierID)
	}
	return out, nil
}

// Item returns one payable; it needs PermPayableRead.
func (s *Service) Item(ctx context.Context, id string) (*Item, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	it, err := s.item(ctx, id)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, apperr.NotFound("payable", id)
	}
	it.Supplier = s.supplierName(ctx, it.SupplierID)
	return it, nil
}

// supplierKnown reports whether a supplier exists in the partner module
// or, without one, has payables.
func (s *Service) supplierKnown(ctx context.Context, id string) (currency string, ok bool, err error) {
	if d := s.suppliers(); d != nil {
		sp, err := d.LookupSupplier(ctx, id)
		if err == nil {
			return sp.Currency, true, nil
		}
		if apperr.KindOf(err) != apperr.KindNotFound {
			return "", false, err
		}
	}
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM fin_ap_item WHERE supplier_id = $1`, id).Scan(&n); err != nil {
		return "", false, err
	}
	return "", n > 0, nil
}

// Pay records a payment to a supplier, allocated to its open bills:
// payables are debited for what is allocated, the supplier's prepayment
// (预付账款) for the rest, and the bank is credited. An allocation beyond a
// bill's open amount is refused naming it, also when two payments race for
// the same bill. It needs PermPayableWrite.
func (s *Service) Pay(ctx context.Context, in PaymentInput) (*Payment, error) {
	if _, err := require(ctx, finance.PermPayableWrite); err != nil {
		return nil, err
	}
	in.SupplierID = strings.TrimSpace(in.SupplierID)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	in.Method = strings.TrimSpace(in.Method)
	in.Reference = strings.TrimSpace(in.Reference)
	in.Memo = strings.TrimSpace(in.Memo)
	in.Date = strings.TrimSpace(in.Date)
	var id string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		sys := systemCtx(ctx)
		comp, err := s.ledger.Company(sys)
		if err != nil {
			return err
		}
		var bad []apperr.FieldError
		if in.SupplierID == "" {
			return invalid("supplier_id", keyRequired)
		}
		supCurrency, known, err := s.supplierKnown(ctx, in.SupplierID)
		if err != nil {
			return err
		}
		if !known {
			return invalid("supplier_id", keySupplierUnknown)
		}
		if in.Currency == "" {
			in.Currency = supCurrency
		}
		if in.Currency == "" {
			in.Currency = comp.BaseCurrency
		}
		if !validDate(in.Date) {
			bad = append(bad, fe("date", keyDateInvalid))
		}
		if in.Amount.Sign() <= 0 {
			bad = append(bad, fe("amount", keyAmountInvalid))
		}
		if in.Method == "" {
			in.Method = "transfer"
		}
		if !slices.Contains(Methods, in.Method) {
			bad = append(bad, fe("method", keyMethodInvalid))
		}
		if utf8.RuneCountInString(in.Reference) > 64 {
			bad = append(bad, fe("reference", keyTooLong))
		}
		if utf8.RuneCountInString(in.Memo) > 200 {
			bad = append(bad, fe("memo", keyTooLong))
		}
		cs, err := s.ledger.Currencies(sys)
		if err != nil {
			return err
		}
		currencyOK := slices.ContainsFunc(cs, func(c ledger.Currency) bool { return c.Code == in.Currency })
		if !currencyOK {
			bad = append(bad, fe("currency", keyCurrencyUnknown))
		} else if in.Rate.IsZero() && validDate(in.Date) {
			r, ok, err := s.ledger.RateFor(sys, in.Currency, in.Date)
			if err != nil {
				return err
			}
			if !ok {
				bad = append(bad, fe("currency", keyRateMissing, map[string]any{"Currency": in.Currency, "Date": in.Date}))
			}
			in.Rate = r
		}
		bank, err := s.bankAccount(ctx, in.BankAccount, in.Currency, comp.BaseCurrency)
		if err != nil {
			return err
		}
		if bank == "" {
			bad = append(bad, fe("bank_account", keyBankAccount))
		}
		sum, allocBad, err := s.checkAllocations(ctx, in)
		if err != nil {
			return err
		}
		bad = append(bad, allocBad...)
		if err := apperr.InvalidFields(bad...); err != nil {
			return err
		}
		if sum.Cmp(in.Amount) > 0 {
			return invalid("allocations", keyOverPayment, map[string]any{"Amount": in.Amount.String(), "Allocated": sum.String()})
		}
		prepaid, _ := in.Amount.Sub(sum)
		prepayAccount := ""
		if prepaid.Sign() > 0 {
			if prepayAccount, err = s.prepaymentAccount(ctx, in.Currency, comp.BaseCurrency); err != nil {
				return err
			}
			if prepayAccount == "" {
				return invalid("amount", keyNoPrepayAccount)
			}
		}
		id = db.NewID()
		d, _ := time.Parse(db.DateLayout, in.Date)
		number, err := s.db.NextDocNumber(ctx, "PMT", d)
		if err != nil {
			return err
		}
		var lines []finance.PostingLine
		if sum.Sign() > 0 {
			lines = append(lines, finance.PostingLine{Role: finance.RoleAP, Debit: sum})
		}
		if prepaid.Sign() > 0 {
			lines = append(lines, finance.PostingLine{Role: finance.RoleAP, Account: prepayAccount, Debit: prepaid})
		}
		lines = append(lines, finance.PostingLine{Role: finance.RoleBank, Account: bank, Credit: in.Amount})
		memo := in.Memo
		if memo == "" {
			memo = s.supplierName(ctx, in.SupplierID)
		}
		entryID, err := s.ledger.Post(own(ctx), finance.Posting{SourceKind: finance.SourcePaymentOut, SourceID: id, SourceNumber: number,
			Date: in.Date, Currency: in.Currency, Rate: in.Rate, PartnerKind: "supplier", PartnerID: in.SupplierID, Memo: memo, Lines: lines})
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_ap_payment (id, number, supplier_id, date, currency, rate, amount, allocated,
			prepaid, bank_account, method, reference, memo, entry_id, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			id, number, in.SupplierID, in.Date, in.Currency, in.Rate, in.Amount, sum, prepaid, bank, in.Method, in.Reference,
			in.Memo, entryID, now, actor(ctx)); err != nil {
			return err
		}
		for i, a := range in.Allocations {
			n, err := s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = open - $1 WHERE id = $2 AND kind = 'bill' AND open >= $1`, a.Amount, a.ItemID)
			if err != nil {
				return err
			}
			if n == 0 {
				it, err := s.item(ctx, a.ItemID)
				if err != nil {
					return err
				}
				open := money.Amount{}
				if it != nil {
					open = it.Open
				}
				return invalid(fmt.Sprintf("allocations[%d].amount", i), keyBeyondOpen, map[string]any{"Bill": a.ItemID, "Open": open.String()})
			}
			if _, err := s.db.Exec(ctx, `INSERT INTO fin_ap_allocation (id, payment_id, item_id, amount, date, created_at, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), id, a.ItemID, a.Amount, in.Date, now, actor(ctx)); err != nil {
				return err
			}
		}
		return s.record(ctx, "fin.ap_payment.paid", kindPayment, id, nil, map[string]any{"number": number, "supplier_id": in.SupplierID,
			"date": in.Date, "currency": in.Currency, "amount": in.Amount, "allocated": sum, "prepaid": prepaid, "allocations": in.Allocations})
	})
	if err != nil {
		return nil, err
	}
	return s.payment(ctx, id)
}

// checkAllocations checks allocations against the payment's supplier,
// currency and date and returns their sum; the conditional updates check
// the open amounts again.
func (s *Service) checkAllocations(ctx context.Context, in PaymentInput) (money.Amount, []apperr.FieldError, error) {
	var (
		sum  money.Amount
		bad  []apperr.FieldError
		seen = map[string]bool{}
	)
	for i, a := range in.Allocations {
		f := func(name string) string { return fmt.Sprintf("allocations[%d].%s", i, name) }
		it, err := s.item(ctx, a.ItemID)
		if err != nil {
			return sum, nil, err
		}
		switch {
		case it == nil || it.Kind != KindBill:
			bad = append(bad, fe(f("item_id"), keyBillUnknown))
			continue
		case it.SupplierID != in.SupplierID:
			bad = append(bad, fe(f("item_id"), keyBillSupplier, map[string]any{"Bill": it.Number}))
		case it.Currency != in.Currency:
			bad = append(bad, fe(f("item_id"), keyBillCurrency, map[string]any{"Bill": it.Number, "Currency": it.Currency}))
		case seen[a.ItemID]:
			bad = append(bad, fe(f("item_id"), keyBillTwice, map[string]any{"Bill": it.Number}))
		case validDate(in.Date) && in.Date < it.Date:
			bad = append(bad, fe(f("item_id"), keyBillBefore, map[string]any{"Bill": it.Number, "Date": it.Date}))
		}
		seen[a.ItemID] = true
		switch {
		case a.Amount.Sign() <= 0:
			bad = append(bad, fe(f("amount"), keyAmountInvalid))
		case a.Amount.Cmp(it.Open) > 0:
			bad = append(bad, fe(f("amount"), keyBeyondOpen, map[string]any{"Bill": it.Number, "Open": it.Open.String()}))
		}
		if sum, err = sum.Add(a.Amount); err != nil {
			return sum, append(bad, fe("allocations", keyOverflow)), nil
		}
	}
	return sum, bad, nil
}

// bankAccount returns the id of the cash account a payment in currency
// leaves from: the one named, or the bank rule's; "" when it does not fit.
func (s *Service) bankAccount(ctx context.Context, named, currency, base string) (string, error) {
	sys := systemCtx(ctx)
	if named == "" {
		acct, err := s.ledger.ResolveRule(sys, finance.SourcePaymentOut, finance.RoleBank, "", "")
		if err != nil {
			return "", nil
		}
		named = acct.ID
	}
	acct, err := s.ledger.Account(sys, named)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !acct.Active || acct.HasChildren || !acct.Cash || !acct.Accepts(currency, base) {
		return "", nil
	}
	return acct.ID, nil
}

// prepaymentAccount returns the code of the account prepayments to
// suppliers go to: the first active leaf account of the prepayments group
// taking the currency (1123 预付账款 in the small-enterprise chart).
func (s *Service) prepaymentAccount(ctx context.Context, currency, base string) (string, error) {
	rows, err := s.db.Query(ctx, `SELECT a.code, a.currency FROM fin_account a
		WHERE a.report_group = $1 AND a.active = 1 AND a.control = ''
		AND NOT EXISTS (SELECT 1 FROM fin_account c WHERE c.parent_id = a.id) ORDER BY a.code`, coa.GroupPrepayments)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var code, cur string
		if err := rows.Scan(&code, &cur); err != nil {
			return "", err
		}
		if cur == "*" || cur == currency || (cur == "" && currency == base) {
			return code, nil
		}
	}
	return "", rows.Err()
}

// Payment returns a supplier payment with its allocations; it needs PermPayableRead.
func (s *Service) Payment(ctx context.Context, id string) (*Payment, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	return s.payment(ctx, id)
}

const paymentColumns = `p.id, p.number, p.supplier_id, p.date, p.currency, p.rate, p.amount, p.allocated, p.prepaid, p.bank_account,
	p.method, p.reference, p.memo, p.entry_id, COALESCE(r.entry_id, ''), COALESCE(r.date, ''), p.created_at, p.created_by`

func scanPayment(sc interface{ Scan(...any) error }) (Payment, error) {
	var (
		p  Payment
		at int64
	)
	err := sc.Scan(&p.ID, &p.Number, &p.SupplierID, &p.Date, &p.Currency, &p.Rate, &p.Amount, &p.Allocated, &p.Prepaid,
		&p.BankAccount, &p.Method, &p.Reference, &p.Memo, &p.EntryID, &p.ReversalEntry, &p.ReversedOn, &at, &p.CreatedBy)
	p.CreatedAt = db.FromMillis(at)
	return p, err
}

func (s *Service) payment(ctx context.Context, id string) (*Payment, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("payment", id)
	}
	p, err := scanPayment(s.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM fin_ap_payment p
		LEFT JOIN fin_ap_payment_reversal r ON r.payment_id = p.id WHERE p.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("payment", id)
	}
	if err != nil {
		return nil, err
	}
	p.Supplier = s.supplierName(ctx, p.SupplierID)
	rows, err := s.db.Query(ctx, `SELECT a.id, a.payment_id, a.item_id, i.number, a.amount, a.date FROM fin_ap_allocation a
		JOIN fin_ap_item i ON i.id = a.item_id WHERE a.payment_id = $1 ORDER BY a.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p.Allocations = []Allocation{}
	for rows.Next() {
		var a Allocation
		if err := rows.Scan(&a.ID, &a.PaymentID, &a.ItemID, &a.ItemNumber, &a.Amount, &a.Date); err != nil {
			return nil, err
		}
		p.Allocations = append(p.Allocations, a)
	}
	return &p, rows.Err()
}

// Payments lists supplier payments, newest first; it needs PermPayableRead.
func (s *Service) Payments(ctx context.Context, supplierID string, limit int) ([]Payment, error) {
	if _, err := require(ctx, finance.PermPayableRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := `SELECT ` + paymentColumns + ` FROM fin_ap_payment p LEFT JOIN fin_ap_payment_reversal r ON r.payment_id = p.id`
	var args []any
	if supplierID != "" {
		q += ` WHERE p.supplier_id = $1`
		args = append(args, supplierID)
	}
	q += fmt.Sprintf(` ORDER BY p.date DESC, p.id DESC LIMIT %d`, limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	n := s.names()
	for i := range out {
		out[i].Supplier = n.of(ctx, out[i].SupplierID)
	}
	return out, nil
}

// ReversePayment reverses a supplier payment on date (today when empty):
// its entry is reversed and what it paid on each bill is open again. A
// payment is reversed once. It needs PermPayableReverse.
func (s *Service) ReversePayment(ctx context.Context, id, date, memo string) (*Payment, error) {
	if _, err := require(ctx, finance.PermPayableReverse); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		p, err := s.payment(ctx, id)
		if err != nil {
			return err
		}
		if p.ReversalEntry != "" {
			return conflict(keyReversed, map[string]any{"Number": p.Number})
		}
		var applied bool
		if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_ap_application a WHERE a.source_id = $1
			AND NOT EXISTS (SELECT 1 FROM fin_ap_application_reversal u WHERE u.application_id = a.id))`, id).Scan(&applied); err != nil {
			return err
		}
		if applied { // apply.go: its prepayment went to bills since, and that is not undone
			return conflict(keyApplied, map[string]any{"Number": p.Number})
		}
		date = strings.TrimSpace(date)
		if date == "" {
			date = s.ledger.Today(ctx)
			if date < p.Date {
				date = p.Date
			}
		}
		switch {
		case !validDate(date):
			return invalid("date", keyDateInvalid)
		case date < p.Date:
			return invalid("date", keyReverseDate, map[string]any{"Date": p.Date})
		}
		rid, err := s.ledger.ReverseSource(own(ctx), finance.SourcePaymentOut, id, date, memo)
		if err != nil {
			return err
		}
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_ap_payment_reversal (payment_id, entry_id, date, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_id) DO NOTHING`, id, rid, date, db.Millis(s.now()), actor(ctx))
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyReversed, map[string]any{"Number": p.Number})
		}
		for _, a := range p.Allocations {
			n, err := s.db.ExecAffected(ctx, `UPDATE fin_ap_item SET open = open + $1 WHERE id = $2 AND open + $1 <= amount`, a.Amount, a.ItemID)
			if err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("payables: bill %s cannot take back %s", a.ItemNumber, a.Amount)
			}
		}
		return s.record(ctx, "fin.ap_payment.reversed", kindPayment, id, map[string]any{"number": p.Number}, map[string]any{"reversal_entry_id": rid, "date": date})
	})
	if err != nil {
		return nil, err
	}
	return s.payment(ctx, id)
}
