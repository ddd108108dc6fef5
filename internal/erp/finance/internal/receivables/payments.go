package receivables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Payment is money received from a customer.
type Payment struct {
	ID          string       `json:"id"`
	Direction   string       `json:"direction"`
	Number      string       `json:"number"`
	CustomerID  string       `json:"customer_id"`
	Customer    string       `json:"customer_name"`
	Date        string       `json:"date"`
	Currency    string       `json:"currency"`
	Rate        money.Rate   `json:"rate"`
	Amount      money.Amount `json:"amount"`
	Unallocated money.Amount `json:"unallocated"`
	BankAccount string       `json:"bank_account_id"`
	Method      string       `json:"method"`
	Reference   string       `json:"reference"`
	Memo        string       `json:"memo"`
	ContractID  string       `json:"contract_id,omitempty"`
	EntryID     string       `json:"entry_id"`
	CreatedAt   time.Time    `json:"created_at"`
	CreatedBy   string       `json:"created_by"`
	Allocations []Allocation `json:"allocations,omitempty"`
}

// Allocation is part of a payment or credit note applied to an invoice.
type Allocation struct {
	ID           string       `json:"id"`
	SourceID     string       `json:"source_id"`
	SourceNumber string       `json:"source_number"`
	SourceKind   string       `json:"source_kind"`
	TargetID     string       `json:"target_id"`
	TargetNumber string       `json:"target_number"`
	ContractID   string       `json:"contract_id,omitempty"`
	Amount       money.Amount `json:"amount"`
	Date         string       `json:"date"`
	EntryID      string       `json:"entry_id,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	CreatedBy    string       `json:"created_by"`
}

// AllocationInput applies an amount to an invoice.
type AllocationInput struct {
	InvoiceID string
	Amount    money.Amount
}

// PaymentInput records a payment received.
type PaymentInput struct {
	CustomerID  string
	Date        string
	Currency    string     // "" takes the customer's
	Rate        money.Rate // zero takes the rate for the date
	Amount      money.Amount
	BankAccount string // the account's code or id; "" takes the bank rule
	Method      string // transfer, cash, acceptance …
	Reference   string // the bank's reference
	Memo        string
	ContractID  string // the CRM contract the payment is for, optional
	Allocations []AllocationInput
}

// Payment methods.
var Methods = []string{"transfer", "cash", "acceptance", "check", "misc"}

var (
	errTargetOpen = errors.New("the allocation exceeds the invoice's open amount")
	errSourceOpen = errors.New("the allocation exceeds what is left of the payment or credit note")
)

// allocate applies amount of a source (payment or credit note) to an invoice
// by two conditional updates: neither may pass zero.
func (s *Service) allocate(ctx context.Context, sourceID, targetID string, amount money.Amount, date, entryID string) (string, error) {
	n, err := s.db.ExecAffected(ctx, `UPDATE fin_ar_item SET open = open - $1 WHERE id = $2 AND kind = 'invoice' AND open >= $1`, amount, targetID)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", errTargetOpen
	}
	n, err = s.db.ExecAffected(ctx, `UPDATE fin_ar_item SET open = open + $1 WHERE id = $2 AND kind <> 'invoice' AND open + $1 <= 0`, amount, sourceID)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", errSourceOpen
	}
	id := db.NewID()
	_, err = s.db.Exec(ctx, `INSERT INTO fin_allocation (id, source_id, target_id, amount, date, entry_id, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, sourceID, targetID, amount, date, entryID, db.Millis(s.now()), actor(ctx))
	return id, err
}

// arItem is an open item as allocations see it.
type arItem struct {
	id, kind, customer, number, currency, contract, date string
	open                                                 money.Amount
}

func (s *Service) arItem(ctx context.Context, id string) (*arItem, error) {
	var it arItem
	err := s.db.QueryRow(ctx, `SELECT id, kind, customer_id, number, currency, contract_id, date, open FROM fin_ar_item WHERE id = $1`, id).
		Scan(&it.id, &it.kind, &it.customer, &it.number, &it.currency, &it.contract, &it.date, &it.open)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &it, err
}

// checkAllocations checks allocations against a customer and currency and
// returns their sum; the conditional updates check the open amounts again.
func (s *Service) checkAllocations(ctx context.Context, customer, currency, date string, in []AllocationInput) (money.Amount, []fieldError, error) {
	var (
		sum  money.Amount
		bad  []fieldError
		seen = map[string]bool{}
	)
	for i, a := range in {
		f := func(name string) string { return fmt.Sprintf("allocations[%d].%s", i, name) }
		it, err := s.arItem(ctx, a.InvoiceID)
		if err != nil {
			return sum, nil, err
		}
		switch {
		case it == nil || it.kind != KindInvoice:
			bad = append(bad, fe(f("invoice_id"), keyInvoiceUnknown))
			continue
		case it.customer != customer:
			bad = append(bad, fe(f("invoice_id"), keyAllocCustomer, map[string]any{"Invoice": it.number}))
		case it.currency != currency:
			bad = append(bad, fe(f("invoice_id"), keyAllocCurrency, map[string]any{"Invoice": it.number, "Currency": it.currency}))
		case seen[a.InvoiceID]:
			bad = append(bad, fe(f("invoice_id"), keyAllocTwice, map[string]any{"Invoice": it.number}))
		case date < it.date:
			bad = append(bad, fe(f("invoice_id"), keyAllocBefore, map[string]any{"Invoice": it.number, "Date": it.date}))
		}
		seen[a.InvoiceID] = true
		switch {
		case a.Amount.Sign() <= 0:
			bad = append(bad, fe(f("amount"), keyAmountInvalid))
		case a.Amount.Cmp(it.open) > 0:
			bad = append(bad, fe(f("amount"), keyAllocTooMuch, map[string]any{"Invoice": it.number, "Open": it.open.String()}))
		}
		if sum, err = sum.Add(a.Amount); err != nil {
			return sum, append(bad, fe("allocations", keyOverflow)), nil
		}
	}
	return sum, bad, nil
}

// ReceivePayment records a payment from a customer and allocates it to
// invoices: the bank is debited, receivables credited for what is
// allocated, and what is left is kept as the customer's advance (预收账款).
// An allocation beyond an invoice's open amount is refused naming it. It
// needs PermPaymentWrite and sends erp.payment.received.
func (s *Service) ReceivePayment(ctx context.Context, in PaymentInput) (*Payment, error) {
	if _, err := require(ctx, finance.PermPaymentWrite); err != nil {
		return nil, err
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	in.Method = strings.TrimSpace(in.Method)
	in.Reference = strings.TrimSpace(in.Reference)
	in.Memo = strings.TrimSpace(in.Memo)
	if err := s.adopt(ctx, in.CustomerID); err != nil {
		return nil, err
	}
	var id string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var bad []fieldError
		c, err := s.lockCustomer(ctx, in.CustomerID)
		switch {
		case in.CustomerID == "":
			return invalid("customer_id", keyRequired)
		case isNotFound(err):
			return invalid("customer_id", keyCustomerUnknown)
		case err != nil:
			return err
		}
		if in.Currency == "" {
			in.Currency = c.Currency
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
		if !contains(Methods, in.Method) {
			bad = append(bad, fe("method", keyRequired))
		}
		if utf8.RuneCountInString(in.Reference) > 64 {
			bad = append(bad, fe("reference", keyTooLong))
		}
		if utf8.RuneCountInString(in.Memo) > 200 {
			bad = append(bad, fe("memo", keyTooLong))
		}
		if in.ContractID = strings.TrimSpace(in.ContractID); len(in.ContractID) > 64 {
			bad = append(bad, fe("contract_id", keyTooLong))
		}
		known, err := s.currencyKnown(ctx, in.Currency)
		if err != nil {
			return err
		}
		if !known {
			bad = append(bad, fe("currency", keyCurrencyUnknown))
		} else if in.Rate.IsZero() && validDate(in.Date) {
			r, ok, err := s.ledger.RateFor(ctx, in.Currency, in.Date)
			if err != nil {
				return err
			}
			if !ok {
				bad = append(bad, fe("currency", "fin.error.rate_missing", map[string]any{"Currency": in.Currency, "Date": in.Date}))
			}
			in.Rate = r
		}
		bank, err := s.bankAccount(ctx, in.BankAccount, in.Currency)
		if err != nil {
			return err
		}
		if bank == "" {
			bad = append(bad, fe("bank_account", keyBankAccount))
		}
		sum, allocBad, err := s.checkAllocations(ctx, in.CustomerID, in.Currency, in.Date, in.Allocations)
		if err != nil {
			return err
		}
		bad = append(bad, allocBad...)
		if err := fieldErrorsOf(bad); err != nil {
			return err
		}
		if sum.Cmp(in.Amount) > 0 {
			return invalid("allocations", keyAllocOverPayment, map[string]any{"Amount": in.Amount.String(), "Allocated": sum.String()})
		}
		id = db.NewID()
		d, _ := time.Parse(db.DateLayout, in.Date)
		number, err := s.db.NextDocNumber(ctx, "RCV", d)
		if err != nil {
			return err
		}
		unallocated, _ := in.Amount.Sub(sum)
		lines := []finance.PostingLine{{Role: finance.RoleBank, Account: bank, Debit: in.Amount}}
		if sum.Sign() > 0 {
			lines = append(lines, finance.PostingLine{Role: finance.RoleAR, Credit: sum})
		}
		if unallocated.Sign() > 0 {
			lines = append(lines, finance.PostingLine{Role: finance.RoleAdvance, Credit: unallocated})
		}
		memo := in.Memo
		if memo == "" {
			memo = c.Name
		}
		entryID, err := s.ledger.Post(ctx, finance.Posting{SourceKind: srcPaymentIn, SourceID: id, SourceNumber: number, Date: in.Date,
			Currency: in.Currency, Rate: in.Rate, PartnerKind: "customer", PartnerID: c.ID, Memo: memo, Lines: lines})
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_payment (id, direction, number, customer_id, date, currency, rate, amount,
			bank_account, method, reference, memo, entry_id, created_at, created_by)
			VALUES ($1, 'in', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			id, number, c.ID, in.Date, in.Currency, in.Rate, in.Amount, bank, in.Method, in.Reference, in.Memo, entryID, now, actor(ctx)); err != nil {
			return err
		}
		neg, _ := in.Amount.Neg()
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_ar_item (id, kind, customer_id, number, currency, rate, date, due_date,
			amount, open, contract_id) VALUES ($1, 'payment', $2, $3, $4, $5, $6, $6, $7, $7, $8)`,
			id, c.ID, number, in.Currency, in.Rate, in.Date, neg, in.ContractID); err != nil {
			return err
		}
		if err := s.applyAll(ctx, id, in.Allocations, in.Date, entryID); err != nil {
			return err
		}
		if err := s.record(ctx, "fin.payment.received", kindPayment, id, nil, map[string]any{"number": number, "customer_id": c.ID,
			"date": in.Date, "currency": in.Currency, "amount": in.Amount, "contract_id": in.ContractID, "allocations": in.Allocations}); err != nil {
			return err
		}
		if err := s.emitPayment(ctx, id); err != nil {
			return err
		}
		return s.refreshCredit(ctx, c.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.Payment(ctx, id)
}

// applyAll records allocations of a source, naming the one that no longer fits.
func (s *Service) applyAll(ctx context.Context, sourceID string, in []AllocationInput, date, entryID string) error {
	for i, a := range in {
		if _, err := s.allocate(ctx, sourceID, a.InvoiceID, a.Amount, date, entryID); err != nil {
			return s.allocationError(ctx, i, a, err)
		}
	}
	return nil
}

// allocationError names the allocation whose conditional update found less
// open than it asked for: another allocation took it in the meantime.
func (s *Service) allocationError(ctx context.Context, i int, a AllocationInput, err error) error {
	switch {
	case errors.Is(err, errTargetOpen):
		it, ierr := s.arItem(ctx, a.InvoiceID)
		if ierr != nil || it == nil {
			return err
		}
		return invalid(fmt.Sprintf("allocations[%d].amount", i), keyAllocTooMuch, map[string]any{"Invoice": it.number, "Open": it.open.String()})
	case errors.Is(err, errSourceOpen):
		return invalid(fmt.Sprintf("allocations[%d].amount", i), keyAllocOverPayment, map[string]any{"Amount": "", "Allocated": a.Amount.String()})
	}
	return err
}

// bankAccount returns the id of the account a payment in currency arrives
// on: the one named (active, taking postings, a cash account taking the
// currency), or the bank rule's; "" when there is none.
func (s *Service) bankAccount(ctx context.Context, named, currency string) (string, error) {
	sys := systemCtx(ctx)
	if named == "" {
		acct, err := s.ledger.ResolveRule(sys, srcPaymentIn, finance.RoleBank, "", "")
		if err != nil {
			return "", nil
		}
		named = acct.ID
	}
	acct, err := s.ledger.Account(sys, named)
	if isNotFound(err) {
		// A bank account record of the bank module names its ledger account.
		var ledgerID string
		if qerr := s.db.QueryRow(ctx, `SELECT account_id FROM fin_bank_account WHERE id = $1 AND active = 1`, named).Scan(&ledgerID); qerr != nil {
			return "", nil
		}
		acct, err = s.ledger.Account(sys, ledgerID)
	}
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	comp, err := s.ledger.Company(sys)
	if err != nil {
		return "", err
	}
	if !acct.Active || acct.HasChildren || !acct.Cash || !acct.Accepts(currency, comp.BaseCurrency) {
		return "", nil
	}
	return acct.ID, nil
}

// Allocate applies what is left of a payment (the customer's advance) or
// of a credit note to invoices of the same customer and currency. Applying
// an advance posts 预收账款 against 应收账款. It needs PermPaymentWrite.
func (s *Service) Allocate(ctx context.Context, sourceID string, in []AllocationInput, date string) ([]Allocation, error) {
	if _, err := require(ctx, finance.PermPaymentWrite); err != nil {
		return nil, err
	}
	var ids []string
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		src, err := s.arItem(ctx, sourceID)
		if err != nil {
			return err
		}
		if src == nil || src.kind == KindInvoice {
			return invalid("source_id", keyAllocSource)
		}
		c, err := s.lockCustomer(ctx, src.customer)
		if err != nil {
			return err
		}
		if src, err = s.arItem(ctx, sourceID); err != nil {
			return err
		}
		if date == "" {
			date = s.ledger.Today(ctx)
		}
		if !validDate(date) {
			return invalid("date", keyDateInvalid)
		}
		if len(in) == 0 {
			return invalid("allocations", keyLinesRequired)
		}
		if date < src.date {
			return invalid("date", keyAllocBefore, map[string]any{"Invoice": src.number, "Date": src.date})
		}
		sum, bad, err := s.checkAllocations(ctx, src.customer, src.currency, date, in)
		if err != nil {
			return err
		}
		if err := fieldErrorsOf(bad); err != nil {
			return err
		}
		left, _ := src.open.Neg()
		if left.Sign() == 0 {
			return invalid("source_id", keyAllocNothing)
		}
		if sum.Cmp(left) > 0 {
			return invalid("allocations", keyAllocOverPayment, map[string]any{"Amount": left.String(), "Allocated": sum.String()})
		}
		entryID := ""
		if src.kind == "payment" {
			var rate money.Rate
			if err := s.db.QueryRow(ctx, `SELECT rate FROM fin_ar_item WHERE id = $1`, sourceID).Scan(&rate); err != nil {
				return err
			}
			batch := db.NewID()
			if entryID, err = s.ledger.Post(ctx, finance.Posting{SourceKind: srcAllocation, SourceID: batch, SourceNumber: src.number,
				Date: date, Currency: src.currency, Rate: rate, PartnerKind: "customer", PartnerID: c.ID, Memo: c.Name,
				Lines: []finance.PostingLine{{Role: finance.RoleAdvance, Debit: sum}, {Role: finance.RoleAR, Credit: sum}}}); err != nil {
				return err
			}
		}
		before := len(ids)
		for i, a := range in {
			id, err := s.allocate(ctx, sourceID, a.InvoiceID, a.Amount, date, entryID)
			if err != nil {
				return s.allocationError(ctx, i, a, err)
			}
			ids = append(ids, id)
		}
		if err := s.record(ctx, "fin.allocation.created", kindAlloc, sourceID, nil, map[string]any{"source": src.number,
			"date": date, "allocations": in, "ids": ids[before:]}); err != nil {
			return err
		}
		if src.kind == "payment" {
			if err := s.emitPayment(ctx, sourceID); err != nil {
				return err
			}
		}
		return s.refreshCredit(ctx, c.ID)
	})
	if err != nil {
		return nil, err
	}
	all, err := s.allocationsOf(ctx, sourceID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, a := range all {
		if contains(ids, a.ID) {
			out = append(out, a)
		}
	}
	return out, nil
}

// emitPayment sends erp.payment.received with every allocation of a payment so far.
func (s *Service) emitPayment(ctx context.Context, id string) error {
	p, err := s.payment(ctx, id)
	if err != nil {
		return err
	}
	ev := finance.PaymentReceived{PaymentID: p.ID, Number: p.Number, CustomerID: p.CustomerID, Date: p.Date, Currency: p.Currency,
		Amount: p.Amount, Unallocated: p.Unallocated, Allocations: []finance.PaymentAllocation{}}
	for _, a := range p.Allocations {
		contract := a.ContractID
		if contract == "" {
			contract = p.ContractID
		}
		ev.Allocations = append(ev.Allocations, finance.PaymentAllocation{InvoiceID: a.TargetID, Number: a.TargetNumber,
			ContractID: contract, Amount: a.Amount})
	}
	_, err = outbox.Emit(ctx, s.db, finance.EventPaymentReceived, 1, id, ev)
	return err
}

const paymentColumns = `p.id, p.direction, p.number, p.customer_id, c.name, p.date, p.currency, p.rate, p.amount,
	COALESCE(a.open, 0), p.bank_account, p.method, p.reference, p.memo, p.entry_id, p.created_at, p.created_by`

const paymentFrom = ` FROM fin_payment p JOIN fin_customer c ON c.id = p.customer_id LEFT JOIN fin_ar_item a ON a.id = p.id`

func scanPayment(r interface{ Scan(...any) error }) (*Payment, error) {
	var (
		p       Payment
		created int64
	)
	if err := r.Scan(&p.ID, &p.Direction, &p.Number, &p.CustomerID, &p.Customer, &p.Date, &p.Currency, &p.Rate, &p.Amount,
		&p.Unallocated, &p.BankAccount, &p.Method, &p.Reference, &p.Memo, &p.EntryID, &created, &p.CreatedBy); err != nil {
		return nil, err
	}
	p.Unallocated, _ = p.Unallocated.Neg()
	p.CreatedAt = db.FromMillis(created)
	return &p, nil
}

func (s *Service) payment(ctx context.Context, id string) (*Payment, error) {
	if !db.ValidID(id) {
		return nil, notFound("payment", id)
	}
	p, err := scanPayment(s.db.QueryRow(ctx, `SELECT `+paymentColumns+paymentFrom+` WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("payment", id)
	}
	if err != nil {
		return nil, err
	}
	if p.Allocations, err = s.allocationsOf(ctx, id); err != nil {
		return nil, err
	}
	if err := s.db.QueryRow(ctx, `SELECT contract_id FROM fin_ar_item WHERE id = $1`, id).Scan(&p.ContractID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return p, nil
}

// Payment returns a payment with its allocations; it needs PermPaymentRead.
func (s *Service) Payment(ctx context.Context, id string) (*Payment, error) {
	if _, err := require(ctx, finance.PermPaymentRead); err != nil {
		return nil, err
	}
	return s.payment(ctx, id)
}

// PaymentFilter selects payments.
type PaymentFilter struct {
	Query       string
	CustomerID  string
	From, To    string
	Unallocated bool // only payments with something left to allocate
	Limit       int
	Cursor      string
}

// PaymentPage is a page of payments, newest first.
type PaymentPage struct {
	Payments []Payment `json:"payments"`
	Next     string    `json:"next,omitempty"`
}

// Payments lists payments, newest first; it needs PermPaymentRead.
func (s *Service) Payments(ctx context.Context, f PaymentFilter) (*PaymentPage, error) {
	if _, err := require(ctx, finance.PermPaymentRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	q := `SELECT ` + paymentColumns + paymentFrom + ` WHERE 1 = 1`
	var args []any
	add := func(c string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			c = strings.Replace(c, "?", "$"+itoa(len(args)), 1)
		}
		q += " AND " + c
	}
	if f.CustomerID != "" {
		add("p.customer_id = ?", f.CustomerID)
	}
	if f.From != "" {
		add("p.date >= ?", f.From)
	}
	if f.To != "" {
		add("p.date <= ?", f.To)
	}
	if f.Unallocated {
		add("a.open <> 0")
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		like := "%" + strings.ToLower(escapeLike(qs)) + "%"
		add(`(lower(p.number) LIKE ? ESCAPE '\' OR lower(c.name) LIKE ? ESCAPE '\' OR lower(p.reference) LIKE ? ESCAPE '\')`, like, like, like)
	}
	var cur invoiceCursor
	ok, err := api.DecodeCursor(f.Cursor, invoiceOrder, &cur)
	if err != nil {
		return nil, err
	}
	if ok {
		add("(p.date < ? OR (p.date = ? AND p.id < ?))", cur.Date, cur.Date, cur.ID)
	}
	args = append(args, f.Limit+1)
	q += ` ORDER BY p.date DESC, p.id DESC LIMIT $` + itoa(len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &PaymentPage{Payments: []Payment{}}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out.Payments = append(out.Payments, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Payments) > f.Limit {
		out.Payments = out.Payments[:f.Limit]
		last := out.Payments[f.Limit-1]
		if out.Next, err = api.EncodeCursor(invoiceOrder, invoiceCursor{last.Date, last.ID}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// allocationsOf lists the allocations a payment or credit note made, or
// those an invoice received.
func (s *Service) allocationsOf(ctx context.Context, id string) ([]Allocation, error) {
	rows, err := s.db.Query(ctx, `SELECT al.id, al.source_id, src.number, src.kind, al.target_id, tgt.number, tgt.contract_id,
		al.amount, al.date, al.entry_id, al.created_at, al.created_by
		FROM fin_allocation al JOIN fin_ar_item src ON src.id = al.source_id JOIN fin_ar_item tgt ON tgt.id = al.target_id
		WHERE al.source_id = $1 OR al.target_id = $1 ORDER BY al.created_at, al.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Allocation
	for rows.Next() {
		var (
			a       Allocation
			created int64
		)
		if err := rows.Scan(&a.ID, &a.SourceID, &a.SourceNumber, &a.SourceKind, &a.TargetID, &a.TargetNumber, &a.ContractID,
			&a.Amount, &a.Date, &a.EntryID, &created, &a.CreatedBy); err != nil {
			return nil, err
		}
		a.CreatedAt = db.FromMillis(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
