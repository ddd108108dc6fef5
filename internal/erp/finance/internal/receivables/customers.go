package receivables

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Customer is a customer as finance keeps it: the CRM's master data and the
// finance terms, with its credit position.
type Customer struct {
	ID             string       `json:"id"`
	Code           string       `json:"code"`
	Name           string       `json:"name"`
	ShortName      string       `json:"short_name"`
	TaxID          string       `json:"tax_id"`
	Currency       string       `json:"currency"`
	OwnerID        string       `json:"owner_id"`
	OwnerName      string       `json:"owner_name"`
	Status         string       `json:"status"`
	BillingAddress string       `json:"billing_address"`
	ContactPhone   string       `json:"contact_phone"`
	BankAccount    string       `json:"bank_account"`
	PaymentDays    int          `json:"payment_days"`
	CreditLimit    money.Amount `json:"credit_limit"`
	HasLimit       bool         `json:"has_limit"`
	OnHold         bool         `json:"on_hold"` // put on hold by hand
	HoldReason     string       `json:"hold_reason"`
	Version        int64        `json:"version"`
	UpdatedAt      time.Time    `json:"updated_at"`
	// Credit is the customer's credit position, for reads.
	Credit finance.CustomerCredit `json:"credit"`
}

// Account is the part of crm.account.upserted finance keeps.
type Account struct {
	ID             string `json:"id"`
	Code           string `json:"code"`
	Name           string `json:"name"`
	ShortName      string `json:"short_name"`
	TaxID          string `json:"tax_id"`
	Currency       string `json:"currency"`
	OwnerID        string `json:"owner_id"`
	OwnerName      string `json:"owner_name"`
	Status         string `json:"status"`
	BillingAddress string `json:"billing_address"`
	ContactPhone   string `json:"contact_phone"`
}

// EventAccountUpserted is the CRM event finance keeps its customers from.
const EventAccountUpserted = "crm.account.upserted"

// ApplyAccount records a customer as the CRM sent it, keeping the terms
// finance set; a new customer starts with 30 days to pay and no credit
// limit, and its credit position is sent to the CRM.
func (s *Service) ApplyAccount(ctx context.Context, a Account) error {
	if !db.ValidID(a.ID) || strings.TrimSpace(a.Name) == "" {
		return invalid("id", keyCustomerUnknown)
	}
	if a.Currency == "" {
		a.Currency = "CNY"
	}
	if a.Status == "" {
		a.Status = "active"
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.customer(ctx, a.ID)
		if err != nil && !isNotFound(err) {
			return err
		}
		now := db.Millis(s.now())
		if before == nil {
			_, err = s.db.Exec(ctx, `INSERT INTO fin_customer (id, code, name, short_name, tax_id, currency, owner_id, owner_name,
				status, billing_address, contact_phone, bank_account, payment_days, credit_limit, has_limit, on_hold, hold_reason,
				credit_sent, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', 30, 0, 0, 0, '', '', 1, $12)`,
				a.ID, a.Code, a.Name, a.ShortName, a.TaxID, strings.ToUpper(a.Currency), a.OwnerID, a.OwnerName, a.Status,
				a.BillingAddress, a.ContactPhone, now)
		} else {
			_, err = s.db.Exec(ctx, `UPDATE fin_customer SET code = $1, name = $2, short_name = $3, tax_id = $4, currency = $5,
				owner_id = $6, owner_name = $7, status = $8, billing_address = $9, contact_phone = $10, version = version + 1,
				updated_at = $11 WHERE id = $12`,
				a.Code, a.Name, a.ShortName, a.TaxID, strings.ToUpper(a.Currency), a.OwnerID, a.OwnerName, a.Status,
				a.BillingAddress, a.ContactPhone, now, a.ID)
		}
		if err != nil {
			return err
		}
		after, err := s.customer(ctx, a.ID)
		if err != nil {
			return err
		}
		action := "fin.customer.updated"
		var b any
		if before == nil {
			action = "fin.customer.created"
		} else {
			b = before
		}
		if err := s.record(ctx, action, kindCustomer, a.ID, b, after); err != nil {
			return err
		}
		return s.refreshCredit(ctx, a.ID)
	})
}

const customerColumns = `id, code, name, short_name, tax_id, currency, owner_id, owner_name, status, billing_address,
	contact_phone, bank_account, payment_days, credit_limit, has_limit, on_hold, hold_reason, version, updated_at`

func scanCustomer(r interface{ Scan(...any) error }) (*Customer, error) {
	var (
		c           Customer
		limit, hold int
		updated     int64
	)
	if err := r.Scan(&c.ID, &c.Code, &c.Name, &c.ShortName, &c.TaxID, &c.Currency, &c.OwnerID, &c.OwnerName, &c.Status,
		&c.BillingAddress, &c.ContactPhone, &c.BankAccount, &c.PaymentDays, &c.CreditLimit, &limit, &hold, &c.HoldReason,
		&c.Version, &updated); err != nil {
		return nil, err
	}
	c.HasLimit, c.OnHold, c.UpdatedAt = limit == 1, hold == 1, db.FromMillis(updated)
	return &c, nil
}

func (s *Service) customer(ctx context.Context, id string) (*Customer, error) {
	c, err := scanCustomer(s.db.QueryRow(ctx, `SELECT `+customerColumns+` FROM fin_customer WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("customer", id)
	}
	return c, err
}

func isNotFound(err error) bool {
	var e interface{ Status() int }
	return errors.As(err, &e) && e.Status() == 404
}

// Customer returns a customer with its credit position; it needs
// PermCustomerRead, and a sales role sees only its own customers.
func (s *Service) Customer(ctx context.Context, id string) (*Customer, error) {
	p, err := require(ctx, finance.PermCustomerRead)
	if err != nil {
		return nil, err
	}
	if err := s.adopt(ctx, id); err != nil {
		return nil, err
	}
	c, err := s.customer(ctx, id)
	if err != nil {
		return nil, err
	}
	if !customerScope(p).sees(c.OwnerID) {
		return nil, notFound("customer", id)
	}
	if c.Credit, err = s.credit(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	Query  string // part of the code or name
	OnHold bool   // only customers on credit hold
	Limit  int    // 0 means 100, at most 1000
	Offset int
}

// Customers lists customers by name with their credit positions; it needs
// PermCustomerRead, and a sales role sees only its own customers.
func (s *Service) Customers(ctx context.Context, f CustomerFilter) ([]Customer, error) {
	p, err := require(ctx, finance.PermCustomerRead)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	cond, args := customerScope(p).where("owner_id", 1)
	q := `SELECT ` + customerColumns + ` FROM fin_customer WHERE ` + cond
	if qs := strings.TrimSpace(f.Query); qs != "" {
		like := "%" + strings.ToLower(escapeLike(qs)) + "%"
		args = append(args, like)
		n := itoa(len(args))
		q += ` AND (lower(code) LIKE $` + n + ` ESCAPE '\' OR lower(name) LIKE $` + n + ` ESCAPE '\' OR lower(short_name) LIKE $` + n + ` ESCAPE '\')`
	}
	q += ` ORDER BY name, id`
	if !f.OnHold {
		args = append(args, f.Limit, f.Offset)
		q += ` LIMIT $` + itoa(len(args)-1) + ` OFFSET $` + itoa(len(args))
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, c := range out {
		if c.Credit, err = s.credit(ctx, &c); err != nil {
			return nil, err
		}
		if !f.OnHold || c.Credit.OnHold {
			kept = append(kept, c)
		}
	}
	if f.OnHold && len(kept) > f.Limit {
		kept = kept[:f.Limit]
	}
	if kept == nil {
		kept = []Customer{}
	}
	return kept, nil
}

// TermsInput sets a customer's finance terms.
type TermsInput struct {
	PaymentDays int
	HasLimit    bool
	CreditLimit money.Amount
	OnHold      bool
	HoldReason  string
	BankAccount string // 开户行及账号, printed on fapiao
	Version     int64
}

// SetTerms changes a customer's payment terms, credit limit and manual hold;
// it needs PermCreditManage. The new credit position is sent to the CRM.
func (s *Service) SetTerms(ctx context.Context, id string, in TermsInput) (*Customer, error) {
	if _, err := require(ctx, finance.PermCreditManage); err != nil {
		return nil, err
	}
	in.HoldReason = strings.TrimSpace(in.HoldReason)
	in.BankAccount = strings.TrimSpace(in.BankAccount)
	var bad []fieldError
	if in.PaymentDays < 0 || in.PaymentDays > 365 {
		bad = append(bad, fe("payment_days", keyDaysInvalid))
	}
	if in.CreditLimit.Sign() < 0 {
		bad = append(bad, fe("credit_limit", keyLimitInvalid))
	}
	if in.OnHold && in.HoldReason == "" {
		bad = append(bad, fe("hold_reason", keyHoldReasonMissing))
	}
	if utf8.RuneCountInString(in.HoldReason) > 200 {
		bad = append(bad, fe("hold_reason", keyTooLong))
	}
	if utf8.RuneCountInString(in.BankAccount) > 200 {
		bad = append(bad, fe("bank_account", keyTooLong))
	}
	if err := fieldErrorsOf(bad); err != nil {
		return nil, err
	}
	if !in.HasLimit {
		in.CreditLimit = money.Amount{}
	}
	if !in.OnHold {
		in.HoldReason = ""
	}
	if err := s.adopt(ctx, id); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.lockCustomer(ctx, id)
		if err != nil {
			return err
		}
		if before.Version != in.Version {
			return conflict(keyStale)
		}
		if _, err := s.db.Exec(ctx, `UPDATE fin_customer SET payment_days = $1, credit_limit = $2, has_limit = $3, on_hold = $4,
			hold_reason = $5, bank_account = $6, version = version + 1, updated_at = $7 WHERE id = $8`,
			in.PaymentDays, in.CreditLimit, boolInt(in.HasLimit), boolInt(in.OnHold), in.HoldReason, in.BankAccount,
			db.Millis(s.now()), id); err != nil {
			return err
		}
		after, err := s.customer(ctx, id)
		if err != nil {
			return err
		}
		if err := s.record(ctx, "fin.customer.terms_set", kindCustomer, id, before, after); err != nil {
			return err
		}
		return s.refreshCredit(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Customer(ctx, id)
}

// lockCustomer reads a customer and, on PostgreSQL, locks its row until the
// transaction ends: every change to a customer's receivables takes this lock
// first, so its credit position is computed from everything committed.
func (s *Service) lockCustomer(ctx context.Context, id string) (*Customer, error) {
	q := `SELECT ` + customerColumns + ` FROM fin_customer WHERE id = $1`
	if s.db.Engine == db.Postgres {
		q += ` FOR UPDATE`
	}
	c, err := scanCustomer(s.db.QueryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("customer", id)
	}
	return c, err
}

// Credit reasons for a hold.
const (
	HoldManual    = "manual"
	HoldOverLimit = "over_limit"
	HoldOverdue   = "overdue"
)

// credit computes a customer's credit position in the base currency: what
// it owes (open invoices less credit notes and unallocated payments, each
// group of one currency and rate converted at that rate), the part overdue,
// and whether it is on hold.
func (s *Service) credit(ctx context.Context, c *Customer) (finance.CustomerCredit, error) {
	comp, err := s.ledger.Company(systemCtx(ctx))
	if err != nil {
		return finance.CustomerCredit{}, err
	}
	today := s.ledger.Today(ctx)
	var holdDays int
	if err := s.db.QueryRow(ctx, `SELECT hold_overdue_days FROM fin_company WHERE id = 1`).Scan(&holdDays); err != nil {
		return finance.CustomerCredit{}, err
	}
	holdBefore := addDays(today, -holdDays)
	rows, err := s.db.Query(ctx, `SELECT rate, sum(open),
		sum(CASE WHEN kind = 'invoice' AND due_date < $2 THEN open ELSE 0 END),
		sum(CASE WHEN kind = 'invoice' AND due_date < $3 THEN open ELSE 0 END)
		FROM fin_ar_item WHERE customer_id = $1 AND open <> 0 GROUP BY currency, rate`, c.ID, today, holdBefore)
	if err != nil {
		return finance.CustomerCredit{}, err
	}
	defer rows.Close()
	var balance, overdue, longOverdue money.Amount
	for rows.Next() {
		var (
			rate          money.Rate
			open, od, lod money.Amount
		)
		if err := rows.Scan(&rate, &open, &od, &lod); err != nil {
			return finance.CustomerCredit{}, err
		}
		for _, x := range []struct {
			sum *money.Amount
			v   money.Amount
		}{{&balance, open}, {&overdue, od}, {&longOverdue, lod}} {
			b, err := x.v.MulRate(rate, money.RoundHalfUp)
			if err == nil {
				*x.sum, err = x.sum.Add(b)
			}
			if err != nil {
				return finance.CustomerCredit{}, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return finance.CustomerCredit{}, err
	}
	out := finance.CustomerCredit{CustomerID: c.ID, Currency: comp.BaseCurrency, CreditLimit: c.CreditLimit, HasLimit: c.HasLimit,
		ARBalance: balance, Overdue: overdue}
	if out.OpenOrders, err = s.openOrders(ctx, c.ID, comp.BaseCurrency, today); err != nil {
		return finance.CustomerCredit{}, err
	}
	// What the customer is committed to: what it owes and what its
	// confirmed orders still to ship are worth.
	exposure, err := balance.Add(out.OpenOrders)
	if err != nil {
		return finance.CustomerCredit{}, err
	}
	if c.HasLimit {
		out.AvailableCredit, _ = c.CreditLimit.Sub(exposure)
	}
	switch {
	case c.OnHold:
		out.OnHold, out.HoldReason = true, HoldManual
	case c.HasLimit && exposure.Cmp(c.CreditLimit) > 0:
		out.OnHold, out.HoldReason = true, HoldOverLimit
	case longOverdue.Sign() > 0:
		out.OnHold, out.HoldReason = true, HoldOverdue
	}
	return out, nil
}

// refreshCredit recomputes a customer's credit position and, when it is not
// what the CRM was last told, records it and sends erp.customer_credit.changed.
func (s *Service) refreshCredit(ctx context.Context, id string) error {
	c, err := s.lockCustomer(ctx, id)
	if err != nil {
		return err
	}
	cr, err := s.credit(ctx, c)
	if err != nil {
		return err
	}
	b, err := json.Marshal(cr)
	if err != nil {
		return err
	}
	var sent string
	if err := s.db.QueryRow(ctx, `SELECT credit_sent FROM fin_customer WHERE id = $1`, id).Scan(&sent); err != nil {
		return err
	}
	if sent == string(b) {
		return nil
	}
	if _, err := s.db.Exec(ctx, `UPDATE fin_customer SET credit_sent = $1 WHERE id = $2`, string(b), id); err != nil {
		return err
	}
	_, err = outbox.Emit(ctx, s.db, finance.EventCreditChanged, 1, id, cr)
	return err
}

// RefreshCredit sends the credit position of every customer whose position
// moved without a document, such as an invoice that became overdue today.
func (s *Service) RefreshCredit(ctx context.Context) (int, error) {
	ctx = systemCtx(ctx)
	rows, err := s.db.Query(ctx, `SELECT id FROM fin_customer ORDER BY id`)
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(ctx context.Context) error { return s.refreshCredit(ctx, id) })
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// OnHold reports whether a customer is on credit hold (finance.CreditService).
func (s *Service) OnHold(ctx context.Context, customerID string) (bool, error) {
	cr, err := s.Credit(ctx, customerID)
	if err != nil {
		return false, err
	}
	return cr.OnHold, nil
}

// Credit returns a customer's credit position (finance.CreditService); an
// unknown customer has none and is not on hold. It checks no permission:
// the sales order asking decided its user may.
func (s *Service) Credit(ctx context.Context, customerID string) (finance.CustomerCredit, error) {
	c, err := s.customer(ctx, customerID)
	if isNotFound(err) {
		return finance.CustomerCredit{CustomerID: customerID}, nil
	}
	if err != nil {
		return finance.CustomerCredit{}, err
	}
	return s.credit(ctx, c)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// currencyKnown reports whether the books know a currency.
func (s *Service) currencyKnown(ctx context.Context, code string) (bool, error) {
	cs, err := s.ledger.Currencies(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(cs, func(c ledger.Currency) bool { return c.Code == code }), nil
}
