package bank

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/erp/finance/internal/receivables"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// StatementLine is a statement line.
type StatementLine struct {
	ID             string        `json:"id"`
	BankAccountID  string        `json:"bank_account_id"`
	Seq            int64         `json:"seq"`
	Date           string        `json:"date"`
	Summary        string        `json:"summary"`
	Counterparty   string        `json:"counterparty"`
	CounterAccount string        `json:"counter_account"`
	Amount         money.Amount  `json:"amount"`
	Balance        *money.Amount `json:"balance,omitempty"`
	Serial         string        `json:"serial"`
	Status         string        `json:"status"`
	PaymentID      string        `json:"payment_id,omitempty"`
	EntryID        string        `json:"entry_id,omitempty"`
	MatchedBy      string        `json:"matched_by,omitempty"`
}

const lineColumns = `id, bank_account_id, seq, date, summary, counterparty, counter_account, amount, balance, serial, status,
	payment_id, entry_id, matched_by`

func scanLine(r interface{ Scan(...any) error }) (*StatementLine, error) {
	var (
		l       StatementLine
		balance sql.Null[money.Amount]
	)
	if err := r.Scan(&l.ID, &l.BankAccountID, &l.Seq, &l.Date, &l.Summary, &l.Counterparty, &l.CounterAccount, &l.Amount, &balance,
		&l.Serial, &l.Status, &l.PaymentID, &l.EntryID, &l.MatchedBy); err != nil {
		return nil, err
	}
	if balance.Valid {
		b := balance.V
		l.Balance = &b
	}
	return &l, nil
}

// LineFilter selects statement lines of an account.
type LineFilter struct {
	BankAccountID string
	Status        string // "", matched or unmatched
	Limit         int
}

// Lines lists an account's statement lines, newest first; it needs PermBankReconcile.
func (s *Service) Lines(ctx context.Context, f LineFilter) ([]StatementLine, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	q := `SELECT ` + lineColumns + ` FROM fin_bank_line WHERE bank_account_id = $1`
	args := []any{f.BankAccountID}
	if f.Status != "" {
		q += ` AND status = $2`
		args = append(args, f.Status)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY seq DESC LIMIT `+itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StatementLine{}
	for rows.Next() {
		l, err := scanLine(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Line returns a statement line; it needs PermBankReconcile.
func (s *Service) Line(ctx context.Context, id string) (*StatementLine, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	return s.line(ctx, id)
}

func (s *Service) line(ctx context.Context, id string) (*StatementLine, error) {
	l, err := scanLine(s.db.QueryRow(ctx, `SELECT `+lineColumns+` FROM fin_bank_line WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("bank statement line", id)
	}
	return l, err
}

// normalize reduces a company name to what identifies it: no spaces,
// punctuation, brackets or the usual legal suffixes.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("（", "(", "）", ")").Replace(s)
	for _, suffix := range []string{"股份有限公司", "有限责任公司", "有限公司", "co.,ltd.", "co., ltd.", "co.,ltd", "ltd.", "ltd", "inc."} {
		s = strings.TrimSuffix(s, suffix)
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MatchSuggestion is a way to match a statement line, with how well it fits.
type MatchSuggestion struct {
	Kind         string       `json:"kind"` // invoice, payment, bill or supplier_payment
	Score        int          `json:"score"`
	Reasons      []string     `json:"reasons"` // amount, name, reference
	CustomerID   string       `json:"customer_id"`
	CustomerName string       `json:"customer_name"`
	InvoiceID    string       `json:"invoice_id,omitempty"`
	SupplierID   string       `json:"supplier_id,omitempty"`
	BillID       string       `json:"bill_id,omitempty"`
	PaymentID    string       `json:"payment_id,omitempty"`
	Number       string       `json:"number"`
	Date         string       `json:"date"`
	Open         money.Amount `json:"open"` // the invoice's open amount, or the payment's amount
	ContractID   string       `json:"contract_id,omitempty"`
}

// Suggest proposes matches for an incoming line: open invoices of the
// account's currency whose open amount equals the line's, whose customer's
// name is the counterparty's, or whose number the line's summary names;
// and receipts already recorded on the account for the same amount that no
// line matches yet. Best first, at most ten. It needs PermBankReconcile.
func (s *Service) Suggest(ctx context.Context, lineID string) ([]MatchSuggestion, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	l, err := s.line(ctx, lineID)
	if err != nil {
		return nil, err
	}
	out := []MatchSuggestion{}
	if l.Status != "unmatched" {
		return out, nil
	}
	acct, err := s.account(ctx, l.BankAccountID)
	if err != nil {
		return nil, err
	}
	if l.Amount.Sign() < 0 {
		return s.suggestOut(ctx, l, acct)
	}
	cp := normalize(l.Counterparty)
	ref := strings.ToUpper(l.Summary + " " + l.Serial)
	nameScore := func(name, short string) int {
		n := normalize(name)
		switch {
		case cp == "" || n == "":
			return 0
		case n == cp || (short != "" && normalize(short) == cp):
			return 40
		case strings.Contains(n, cp) || strings.Contains(cp, n):
			return 25
		}
		return 0
	}
	rows, err := s.db.Query(ctx, `SELECT i.id, i.number, i.date, i.open, i.contract_id, c.id, c.name, c.short_name
		FROM fin_ar_item i JOIN fin_customer c ON c.id = i.customer_id
		WHERE i.kind = 'invoice' AND i.open > 0 AND i.currency = $1 AND i.date <= $2`, acct.Currency, l.Date)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			sg    = MatchSuggestion{Kind: "invoice"}
			short string
		)
		if err := rows.Scan(&sg.InvoiceID, &sg.Number, &sg.Date, &sg.Open, &sg.ContractID, &sg.CustomerID, &sg.CustomerName, &short); err != nil {
			rows.Close()
			return nil, err
		}
		if sg.Open.Cmp(l.Amount) == 0 {
			sg.Score += 50
			sg.Reasons = append(sg.Reasons, "amount")
		}
		if n := nameScore(sg.CustomerName, short); n > 0 {
			sg.Score += n
			sg.Reasons = append(sg.Reasons, "name")
		}
		if sg.Number != "" && strings.Contains(ref, strings.ToUpper(sg.Number)) {
			sg.Score += 60
			sg.Reasons = append(sg.Reasons, "reference")
		}
		if sg.Score > 0 {
			out = append(out, sg)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.Query(ctx, `SELECT p.id, p.number, p.date, p.amount, c.id, c.name, c.short_name FROM fin_payment p
		JOIN fin_customer c ON c.id = p.customer_id
		WHERE p.direction = 'in' AND p.bank_account = $1 AND p.amount = $2
		AND NOT EXISTS (SELECT 1 FROM fin_bank_line b WHERE b.payment_id = p.id)`, acct.AccountID, l.Amount)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			sg    = MatchSuggestion{Kind: "payment", Score: 50, Reasons: []string{"amount"}}
			short string
		)
		if err := rows.Scan(&sg.PaymentID, &sg.Number, &sg.Date, &sg.Open, &sg.CustomerID, &sg.CustomerName, &short); err != nil {
			rows.Close()
			return nil, err
		}
		if n := nameScore(sg.CustomerName, short); n > 0 {
			sg.Score += n
			sg.Reasons = append(sg.Reasons, "name")
		}
		if sg.Date == l.Date {
			sg.Score += 20
			sg.Reasons = append(sg.Reasons, "date")
		}
		out = append(out, sg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b MatchSuggestion) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return strings.Compare(a.Date, b.Date)
	})
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// suggestOut proposes matches for an outgoing line: open supplier bills of
// the account's currency for the line's amount or named in its summary,
// and supplier payments already recorded on the account for the amount.
func (s *Service) suggestOut(ctx context.Context, l *StatementLine, acct *BankAccount) ([]MatchSuggestion, error) {
	out := []MatchSuggestion{}
	abs, _ := l.Amount.Abs()
	ref := strings.ToUpper(l.Summary + " " + l.Serial)
	rows, err := s.db.Query(ctx, `SELECT id, supplier_id, number, date, open FROM fin_ap_item
		WHERE kind = 'bill' AND open > 0 AND currency = $1 AND date <= $2 ORDER BY due_date, id`, acct.Currency, l.Date)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		sg := MatchSuggestion{Kind: "bill"}
		if err := rows.Scan(&sg.BillID, &sg.SupplierID, &sg.Number, &sg.Date, &sg.Open); err != nil {
			rows.Close()
			return nil, err
		}
		if sg.Open.Cmp(abs) == 0 {
			sg.Score += 50
			sg.Reasons = append(sg.Reasons, "amount")
		}
		if sg.Number != "" && strings.Contains(ref, strings.ToUpper(sg.Number)) {
			sg.Score += 60
			sg.Reasons = append(sg.Reasons, "reference")
		}
		if sg.Score > 0 {
			out = append(out, sg)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.Query(ctx, `SELECT p.id, p.supplier_id, p.number, p.date, p.amount FROM fin_ap_payment p
		WHERE p.bank_account = $1 AND p.amount = $2 AND NOT EXISTS (SELECT 1 FROM fin_bank_line b WHERE b.payment_id = p.id)`,
		acct.AccountID, abs)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		sg := MatchSuggestion{Kind: "supplier_payment", Score: 50, Reasons: []string{"amount"}}
		if err := rows.Scan(&sg.PaymentID, &sg.SupplierID, &sg.Number, &sg.Date, &sg.Open); err != nil {
			rows.Close()
			return nil, err
		}
		if sg.Date == l.Date {
			sg.Score += 20
			sg.Reasons = append(sg.Reasons, "date")
		}
		out = append(out, sg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b MatchSuggestion) int { return b.Score - a.Score })
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// Match actions.
const (
	ActionReceipt         = "receipt"          // record the customer's receipt, applied to invoices
	ActionPayment         = "payment"          // the line is a receipt or supplier payment already recorded
	ActionSupplierPayment = "supplier_payment" // record the payment to a supplier, applied to a bill
	ActionJournal         = "journal"          // post an entry against a counter-account
)

// SupplierPayment is a payment to a supplier recorded from a statement line.
type SupplierPayment struct {
	SupplierID  string
	Date        string
	Currency    string
	Amount      money.Amount
	BankAccount string // the ledger account's id
	Reference   string
	Memo        string
	BillID      string       // the open bill it pays, or ""
	Allocate    money.Amount // how much of it goes to the bill
}

// SupplierPayments records payments to suppliers (the payables).
type SupplierPayments interface {
	PayFromStatement(ctx context.Context, in SupplierPayment) (paymentID, entryID string, err error)
}

// SetSupplierPayments lets outgoing lines be recorded as supplier payments.
func (s *Service) SetSupplierPayments(p SupplierPayments) { s.payables = p }

// MatchInput says how a statement line is booked.
type MatchInput struct {
	Action      string
	CustomerID  string                        // receipt
	ContractID  string                        // receipt, optional
	Allocations []receivables.AllocationInput // receipt: invoices it pays
	PaymentID   string                        // payment
	SupplierID  string                        // supplier_payment
	BillID      string                        // supplier_payment, optional: the bill it pays
	Account     string                        // journal: the counter-account's id or code
	Memo        string
}

// Match books a statement line: a receipt records the customer's payment
// on the line's bank account for the line's date and amount (the
// receivables post it and apply it to the invoices named); a payment links
// the line to a receipt already recorded; a journal posts the line against
// a counter-account (bank charges, interest, payments out). The line is
// then matched. It needs PermBankReconcile (and, for a receipt,
// PermPaymentWrite; for a journal, PermEntryPost).
func (s *Service) Match(ctx context.Context, lineID string, in MatchInput) (*StatementLine, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		// Claim the line first, so two people matching it queue and the
		// second finds it matched.
		if _, err := s.db.Exec(ctx, `UPDATE fin_bank_line SET matched_by = matched_by WHERE id = $1`, lineID); err != nil {
			return err
		}
		l, err := s.line(ctx, lineID)
		if isNotFound(err) {
			return invalid("line_id", keyLineUnknown)
		}
		if err != nil {
			return err
		}
		if l.Status != "unmatched" {
			return apperr.Conflict(keyLineMatched, "The statement line is matched already")
		}
		acct, err := s.account(ctx, l.BankAccountID)
		if err != nil {
			return err
		}
		var paymentID, entryID string
		switch in.Action {
		case ActionReceipt:
			if l.Amount.Sign() <= 0 {
				return invalid("action", keyLineDirection)
			}
			memo := in.Memo
			if memo == "" {
				memo = l.Summary
			}
			p, err := s.ar.ReceivePayment(ctx, receivables.PaymentInput{CustomerID: in.CustomerID, Date: l.Date, Currency: acct.Currency,
				Amount: l.Amount, BankAccount: acct.AccountID, Method: "transfer", Reference: truncate(l.Serial, 64), Memo: truncate(memo, 200),
				ContractID: in.ContractID, Allocations: in.Allocations})
			if err != nil {
				return err
			}
			paymentID, entryID = p.ID, p.EntryID
		case ActionSupplierPayment:
			if l.Amount.Sign() >= 0 {
				return invalid("action", keyLineDirection)
			}
			if s.payables == nil {
				return invalid("action", keyActionUnknown)
			}
			abs, _ := l.Amount.Abs()
			memo := in.Memo
			if memo == "" {
				memo = l.Summary
			}
			sp := SupplierPayment{SupplierID: in.SupplierID, Date: l.Date, Currency: acct.Currency, Amount: abs, BankAccount: acct.AccountID,
				Reference: truncate(l.Serial, 64), Memo: truncate(memo, 200), BillID: in.BillID}
			if in.BillID != "" {
				var open money.Amount
				err := s.db.QueryRow(ctx, `SELECT open FROM fin_ap_item WHERE id = $1 AND supplier_id = $2`, in.BillID, in.SupplierID).Scan(&open)
				if errors.Is(err, sql.ErrNoRows) {
					return invalid("bill_id", keyBillUnknown)
				}
				if err != nil {
					return err
				}
				sp.Allocate = minAmount(open, abs)
			}
			if paymentID, entryID, err = s.payables.PayFromStatement(ctx, sp); err != nil {
				return err
			}
		case ActionPayment:
			var (
				bankAcct, dir string
				amount        money.Amount
			)
			err := s.db.QueryRow(ctx, `SELECT bank_account, direction, amount, entry_id FROM fin_payment WHERE id = $1
				UNION ALL SELECT bank_account, 'out', amount, entry_id FROM fin_ap_payment WHERE id = $1`, in.PaymentID).
				Scan(&bankAcct, &dir, &amount, &entryID)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return invalid("payment_id", keyPaymentUnknown)
			case err != nil:
				return err
			}
			signed := amount
			if dir == "out" {
				signed, _ = amount.Neg()
			}
			switch {
			case bankAcct != acct.AccountID:
				return invalid("payment_id", keyPaymentBank)
			case signed.Cmp(l.Amount) != 0:
				return invalid("payment_id", keyPaymentAmount, map[string]any{"Amount": amount.String()})
			}
			var other string
			err = s.db.QueryRow(ctx, `SELECT id FROM fin_bank_line WHERE payment_id = $1`, in.PaymentID).Scan(&other)
			if err == nil {
				return invalid("payment_id", keyPaymentTaken)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			paymentID = in.PaymentID
		case ActionJournal:
			if _, err := require(ctx, finance.PermEntryPost); err != nil {
				return err
			}
			if strings.TrimSpace(in.Account) == "" {
				return invalid("account", keyRequired)
			}
			counter, err := s.ledger.Account(systemCtx(ctx), in.Account)
			if isNotFound(err) || (err == nil && (counter.ID == acct.AccountID || counter.Control != "")) {
				return invalid("account", keyCounterAccount)
			}
			if err != nil {
				return err
			}
			memo := in.Memo
			if memo == "" {
				memo = truncate(strings.TrimSpace(l.Summary+" "+l.Counterparty), 200)
			}
			abs, _ := l.Amount.Abs()
			bankLine := ledger.LineInput{Account: acct.AccountID, Currency: acct.Currency, Memo: memo}
			counterLine := ledger.LineInput{Account: counter.ID, Currency: acct.Currency, Memo: memo}
			if l.Amount.Sign() > 0 {
				bankLine.Debit, counterLine.Credit = abs, abs
			} else {
				bankLine.Credit, counterLine.Debit = abs, abs
			}
			draft, err := s.ledger.CreateDraft(ctx, ledger.EntryInput{Date: l.Date, Memo: memo, Attachments: 1,
				Lines: []ledger.LineInput{bankLine, counterLine}})
			if err != nil {
				return renameLines(err)
			}
			e, err := s.ledger.PostDraft(ctx, draft.ID)
			if err != nil {
				return renameLines(err)
			}
			entryID = e.ID
		default:
			return invalid("action", keyActionUnknown)
		}
		if _, err := s.db.Exec(ctx, `UPDATE fin_bank_line SET status = 'matched', payment_id = $1, entry_id = $2, matched_by = $3 WHERE id = $4`,
			paymentID, entryID, actor(ctx), lineID); err != nil {
			return err
		}
		return s.record(ctx, "fin.bank_line.matched", kindLine, lineID, map[string]any{"status": l.Status},
			map[string]any{"status": "matched", "action": in.Action, "payment_id": paymentID, "entry_id": entryID})
	})
	if err != nil {
		return nil, err
	}
	return s.line(ctx, lineID)
}

// renameLines points the errors of the entry a journal match posts at the
// match's own fields: the counter-account line is lines[1].
func renameLines(err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		return err
	}
	for i, f := range e.Fields {
		if strings.HasPrefix(f.Field, "lines[1].account") {
			e.Fields[i].Field = "account"
		}
	}
	return e
}

// Unmatch returns a matched line to unmatched; the receipt or entry it
// created stays (reverse it through its document). It needs PermBankReconcile.
func (s *Service) Unmatch(ctx context.Context, lineID string) (*StatementLine, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		l, err := s.line(ctx, lineID)
		if err != nil {
			return err
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_bank_line SET status = 'unmatched', payment_id = '', entry_id = '', matched_by = ''
			WHERE id = $1 AND status = 'matched'`, lineID)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Conflict(keyLineMatched, "The statement line is not matched")
		}
		return s.record(ctx, "fin.bank_line.unmatched", kindLine, lineID, map[string]any{"payment_id": l.PaymentID, "entry_id": l.EntryID},
			map[string]any{"status": "unmatched"})
	})
	if err != nil {
		return nil, err
	}
	return s.line(ctx, lineID)
}

func minAmount(a, b money.Amount) money.Amount {
	if a.Cmp(b) < 0 {
		return a
	}
	return b
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// UnmatchedBooking is a ledger line on a bank account that no statement line matches.
type UnmatchedBooking struct {
	EntryID string       `json:"entry_id"`
	Number  string       `json:"number"`
	Date    string       `json:"date"`
	Memo    string       `json:"memo"`
	Amount  money.Amount `json:"amount"` // debit positive, credit negative, in the account's currency
}

// BankReconciliation compares an account's statement with its ledger account.
type BankReconciliation struct {
	Account          BankAccount        `json:"account"`
	Date             string             `json:"date"`
	StatementBalance money.Amount       `json:"statement_balance"`
	LedgerBalance    money.Amount       `json:"ledger_balance"`
	Difference       money.Amount       `json:"difference"`
	UnmatchedBank    []StatementLine    `json:"unmatched_statement"`
	UnmatchedBooks   []UnmatchedBooking `json:"unmatched_books"`
	UnmatchedBankSum money.Amount       `json:"unmatched_statement_total"`
	UnmatchedBookSum money.Amount       `json:"unmatched_books_total"`
	Explained        bool               `json:"explained"` // the difference is the unmatched lines on both sides
}

// Reconcile compares, at a date, the balance the bank states (the last
// line's balance, or the sum of lines when the bank gives none) with the
// ledger account's balance in the account's currency, and lists what is
// unmatched on either side. It needs PermBankReconcile.
func (s *Service) Reconcile(ctx context.Context, bankAccountID, date string) (*BankReconciliation, error) {
	if _, err := require(ctx, finance.PermBankReconcile); err != nil {
		return nil, err
	}
	var rec *BankReconciliation
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		acct, err := s.account(ctx, bankAccountID)
		if err != nil {
			return err
		}
		if date == "" {
			date = s.ledger.Today(ctx)
		}
		if _, err := time.Parse(db.DateLayout, date); err != nil || len(date) != len(db.DateLayout) {
			return invalid("date", "fin.error.date_invalid")
		}
		rec = &BankReconciliation{Account: *acct, Date: date, UnmatchedBank: []StatementLine{}, UnmatchedBooks: []UnmatchedBooking{}}
		var (
			last sql.Null[money.Amount]
			sum  money.Amount
		)
		err = s.db.QueryRow(ctx, `SELECT balance FROM fin_bank_line WHERE bank_account_id = $1 AND date <= $2 ORDER BY seq DESC LIMIT 1`,
			acct.ID, date).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(amount), 0) FROM fin_bank_line WHERE bank_account_id = $1 AND date <= $2`,
			acct.ID, date).Scan(&sum); err != nil {
			return err
		}
		rec.StatementBalance = sum
		if last.Valid {
			rec.StatementBalance = last.V
		}
		if err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(l.debit), 0) - COALESCE(sum(l.credit), 0) FROM fin_line l
			JOIN fin_entry e ON e.id = l.entry_id WHERE e.status = 'posted' AND l.account_id = $1 AND l.currency = $2 AND l.date <= $3`,
			acct.AccountID, acct.Currency, date).Scan(&rec.LedgerBalance); err != nil {
			return err
		}
		rec.Difference, _ = rec.StatementBalance.Sub(rec.LedgerBalance)
		rows, err := s.db.Query(ctx, `SELECT `+lineColumns+` FROM fin_bank_line WHERE bank_account_id = $1 AND status = 'unmatched'
			AND date <= $2 ORDER BY seq`, acct.ID, date)
		if err != nil {
			return err
		}
		for rows.Next() {
			l, err := scanLine(rows)
			if err != nil {
				rows.Close()
				return err
			}
			rec.UnmatchedBank = append(rec.UnmatchedBank, *l)
			rec.UnmatchedBankSum, _ = rec.UnmatchedBankSum.Add(l.Amount)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Ledger lines before the first statement line are the opening
		// balance the statement starts from, not unmatched bookings.
		var first string
		err = s.db.QueryRow(ctx, `SELECT COALESCE(min(date), '') FROM fin_bank_line WHERE bank_account_id = $1`, acct.ID).Scan(&first)
		if err != nil {
			return err
		}
		rows, err = s.db.Query(ctx, `SELECT e.id, COALESCE(e.number, ''), e.date, e.memo, sum(l.debit) - sum(l.credit) FROM fin_line l
			JOIN fin_entry e ON e.id = l.entry_id
			WHERE e.status = 'posted' AND l.account_id = $1 AND l.currency = $2 AND l.date <= $3 AND l.date >= $4
			AND NOT EXISTS (SELECT 1 FROM fin_bank_line b WHERE b.entry_id = e.id)
			GROUP BY e.id, e.number, e.date, e.memo ORDER BY e.date, e.number`, acct.AccountID, acct.Currency, date, first)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b UnmatchedBooking
			if err := rows.Scan(&b.EntryID, &b.Number, &b.Date, &b.Memo, &b.Amount); err != nil {
				return err
			}
			if b.Amount.IsZero() {
				continue
			}
			rec.UnmatchedBooks = append(rec.UnmatchedBooks, b)
			rec.UnmatchedBookSum, _ = rec.UnmatchedBookSum.Add(b.Amount)
		}
		explained, _ := rec.UnmatchedBankSum.Sub(rec.UnmatchedBookSum)
		rec.Explained = explained.Cmp(rec.Difference) == 0
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	rec.Account = *masked(ctx, &rec.Account)
	return rec, nil
}
