// Package bank is the finance module's bank accounts and their statements:
// each bank account is one ledger cash account; statements imported from
// the bank (CSV or Excel) become statement lines, which are matched to the
// receipts, payments and entries that book them. Matching a line to an open
// invoice records the receipt through the receivables, so the bank and the
// books stay reconciled line by line.
package bank

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Service keeps the bank accounts and statements of one ERP database.
type Service struct {
	db       *db.DB
	ledger   *ledger.Service
	ar       *receivables.Service
	payables SupplierPayments // nil while no payables are wired
	now      func() time.Time
}

// New returns the bank service over a ledger and its receivables.
func New(l *ledger.Service, ar *receivables.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: l.DB(), ledger: l, ar: ar, now: now}
}

// BankAccount is a bank account of the company.
type BankAccount struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Bank        string    `json:"bank"`
	Number      string    `json:"number"` // masked for users without PermPaymentRead
	Masked      bool      `json:"masked"`
	Currency    string    `json:"currency"`
	AccountID   string    `json:"account_id"`
	AccountCode string    `json:"account_code"`
	AccountName string    `json:"account_name"`
	Active      bool      `json:"active"`
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AccountInput adds or changes a bank account.
type AccountInput struct {
	Name     string
	Bank     string
	Number   string
	Currency string
	Account  string // the ledger account's id or code
	Active   bool
	Version  int64 // read before an update
}

// Audit entity kinds.
const (
	kindAccount = "fin.bank_account"
	kindLine    = "fin.bank_line"
	kindImport  = "fin.bank_import"
)

// Message keys of the bank's errors.
const (
	keyRequired        = "fin.error.required"
	keyTooLong         = "fin.error.too_long"
	keyCurrencyUnknown = "fin.error.currency_unknown"
	keyStale           = "fin.error.stale"
	keyNumberInvalid   = "fin.bank.error.number_invalid"
	keyNumberTaken     = "fin.bank.error.number_taken"
	keyLedgerAccount   = "fin.bank.error.ledger_account"
	keyLedgerTaken     = "fin.bank.error.ledger_taken"
	keyBankUnknown     = "fin.bank.error.account_unknown"
	keyFile            = "fin.bank.error.file"
	keyColumnMissing   = "fin.bank.error.column_missing"
	keyDateInvalid     = "fin.bank.error.date"
	keyAmountInvalid   = "fin.bank.error.amount"
	keyAmountBoth      = "fin.bank.error.amount_both"
	keyBalanceBreak    = "fin.bank.error.balance_break"
	keyTooManyRows     = "fin.bank.error.too_many_rows"
	keyNoRows          = "fin.bank.error.no_rows"
	keyLineUnknown     = "fin.bank.error.line_unknown"
	keyLineMatched     = "fin.bank.error.line_matched"
	keyLineDirection   = "fin.bank.error.line_direction"
	keyPaymentUnknown  = "fin.bank.error.payment_unknown"
	keyPaymentAmount   = "fin.bank.error.payment_amount"
	keyPaymentBank     = "fin.bank.error.payment_bank"
	keyPaymentTaken    = "fin.bank.error.payment_taken"
	keyActionUnknown   = "fin.bank.error.action"
	keyCounterAccount  = "fin.bank.error.counter_account"
	keyBillUnknown     = "fin.bank.error.bill_unknown"
)

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

func systemCtx(ctx context.Context) context.Context { return authz.WithPrincipal(ctx, authz.System()) }

// Mask hides all but the last four characters of an account number.
func Mask(number string) string {
	r := []rune(strings.NewReplacer(" ", "", "-", "").Replace(number))
	if len(r) <= 4 {
		return "****"
	}
	return "****" + string(r[len(r)-4:])
}

// validNumber accepts 4 to 40 digits, letters, spaces and hyphens.
func validNumber(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 4 || n > 40 {
		return false
	}
	for _, r := range s {
		if !(unicode.IsDigit(r) || (r < unicode.MaxASCII && unicode.IsLetter(r)) || r == ' ' || r == '-') {
			return false
		}
	}
	return true
}

const accountColumns = `b.id, b.name, b.bank, b.number, b.currency, b.account_id, a.code, a.name_zh, b.active, b.version, b.created_at, b.updated_at`

const accountFrom = ` FROM fin_bank_account b JOIN fin_account a ON a.id = b.account_id`

func scanAccount(r interface{ Scan(...any) error }) (*BankAccount, error) {
	var (
		a                BankAccount
		created, updated int64
		active           int
	)
	if err := r.Scan(&a.ID, &a.Name, &a.Bank, &a.Number, &a.Currency, &a.AccountID, &a.AccountCode, &a.AccountName, &active,
		&a.Version, &created, &updated); err != nil {
		return nil, err
	}
	a.Active = active == 1
	a.CreatedAt, a.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return &a, nil
}

// masked hides the number from a principal without a finance permission.
func masked(ctx context.Context, a *BankAccount) *BankAccount {
	p := authz.FromContext(ctx)
	if p != nil && (p.System || p.Can(finance.PermPaymentRead)) {
		return a
	}
	a.Number, a.Masked = Mask(a.Number), true
	return a
}

// Accounts lists the bank accounts; it needs PermBankRead.
func (s *Service) Accounts(ctx context.Context, activeOnly bool) ([]BankAccount, error) {
	if _, err := require(ctx, finance.PermBankRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + accountColumns + accountFrom
	if activeOnly {
		q += ` WHERE b.active = 1`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY a.code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BankAccount{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *masked(ctx, a))
	}
	return out, rows.Err()
}

// Account returns a bank account; it needs PermBankRead.
func (s *Service) Account(ctx context.Context, id string) (*BankAccount, error) {
	if _, err := require(ctx, finance.PermBankRead); err != nil {
		return nil, err
	}
	a, err := s.account(ctx, id)
	if err != nil {
		return nil, err
	}
	return masked(ctx, a), nil
}

func (s *Service) account(ctx context.Context, id string) (*BankAccount, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+accountFrom+` WHERE b.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("bank account", id)
	}
	return a, err
}

// checkAccount validates a bank account and returns its ledger account's id.
func (s *Service) checkAccount(ctx context.Context, in *AccountInput, selfID string) (string, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Bank = strings.TrimSpace(in.Bank)
	in.Number = strings.TrimSpace(in.Number)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	in.Account = strings.TrimSpace(in.Account)
	var bad []apperr.FieldError
	text := func(field, v string, max int) {
		switch {
		case v == "":
			bad = append(bad, fe(field, keyRequired))
		case utf8.RuneCountInString(v) > max:
			bad = append(bad, fe(field, keyTooLong))
		}
	}
	text("name", in.Name, 100)
	text("bank", in.Bank, 100)
	if !validNumber(in.Number) {
		bad = append(bad, fe("number", keyNumberInvalid))
	} else {
		var other string
		err := s.db.QueryRow(ctx, `SELECT id FROM fin_bank_account WHERE number = $1 AND id <> $2`, in.Number, selfID).Scan(&other)
		if err == nil {
			bad = append(bad, fe("number", keyNumberTaken))
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
	}
	sys := systemCtx(ctx)
	cs, err := s.ledger.Currencies(sys)
	if err != nil {
		return "", err
	}
	known := false
	for _, c := range cs {
		known = known || c.Code == in.Currency
	}
	if !known {
		bad = append(bad, fe("currency", keyCurrencyUnknown))
	}
	var ledgerID string
	if in.Account == "" {
		bad = append(bad, fe("account", keyRequired))
	} else {
		comp, err := s.ledger.Company(sys)
		if err != nil {
			return "", err
		}
		acct, err := s.ledger.Account(sys, in.Account)
		switch {
		case err != nil && !isNotFound(err):
			return "", err
		case err != nil || !acct.Active || acct.HasChildren || !acct.Cash || (known && !acct.Accepts(in.Currency, comp.BaseCurrency)):
			bad = append(bad, fe("account", keyLedgerAccount))
		default:
			ledgerID = acct.ID
			var other string
			err := s.db.QueryRow(ctx, `SELECT id FROM fin_bank_account WHERE account_id = $1 AND id <> $2`, acct.ID, selfID).Scan(&other)
			if err == nil {
				bad = append(bad, fe("account", keyLedgerTaken))
			} else if !errors.Is(err, sql.ErrNoRows) {
				return "", err
			}
		}
	}
	return ledgerID, apperr.InvalidFields(bad...)
}

func isNotFound(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.KindNotFound
}

// CreateAccount adds a bank account; it needs PermBankManage.
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (*BankAccount, error) {
	if _, err := require(ctx, finance.PermBankManage); err != nil {
		return nil, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		ledgerID, err := s.checkAccount(ctx, &in, id)
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_bank_account (id, name, bank, number, currency, account_id, active, version,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, 1, $7, $7)`,
			id, in.Name, in.Bank, in.Number, in.Currency, ledgerID, now); err != nil {
			if db.IsUniqueViolation(err) {
				return invalid("number", keyNumberTaken)
			}
			return err
		}
		return s.record(ctx, "fin.bank_account.created", kindAccount, id, nil, map[string]any{"name": in.Name, "bank": in.Bank,
			"number": Mask(in.Number), "currency": in.Currency, "account_id": ledgerID})
	})
	if err != nil {
		return nil, err
	}
	return s.account(ctx, id)
}

// UpdateAccount changes a bank account; its currency and ledger account
// change only while it has no statement lines. It needs PermBankManage.
func (s *Service) UpdateAccount(ctx context.Context, id string, in AccountInput) (*BankAccount, error) {
	if _, err := require(ctx, finance.PermBankManage); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.account(ctx, id)
		if err != nil {
			return err
		}
		ledgerID, err := s.checkAccount(ctx, &in, id)
		if err != nil {
			return err
		}
		var lines int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM fin_bank_line WHERE bank_account_id = $1`, id).Scan(&lines); err != nil {
			return err
		}
		if lines > 0 && (ledgerID != before.AccountID || in.Currency != before.Currency) {
			return invalid("account", keyLedgerTaken)
		}
		active := 0
		if in.Active {
			active = 1
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_bank_account SET name = $1, bank = $2, number = $3, currency = $4, account_id = $5,
			active = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
			in.Name, in.Bank, in.Number, in.Currency, ledgerID, active, db.Millis(s.now()), id, in.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Conflict(keyStale, i18n.TL(i18n.EN, keyStale))
		}
		return s.record(ctx, "fin.bank_account.updated", kindAccount, id,
			map[string]any{"name": before.Name, "bank": before.Bank, "number": Mask(before.Number), "active": before.Active},
			map[string]any{"name": in.Name, "bank": in.Bank, "number": Mask(in.Number), "active": in.Active})
	})
	if err != nil {
		return nil, err
	}
	return s.account(ctx, id)
}

// ByLedgerAccount returns the bank account kept on a ledger account, or nil.
func (s *Service) ByLedgerAccount(ctx context.Context, accountID string) (*BankAccount, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+accountFrom+` WHERE b.account_id = $1`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return a, err
}
