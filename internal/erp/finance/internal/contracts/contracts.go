// Package contracts reconciles the CRM's contracts with the books: finance
// keeps a copy of each contract's payment plan (from
// crm.contract.payment_plan.changed) and compares every installment with
// what was invoiced and received against the contract, listing each
// mismatch — an amount short or over, an invoice missing after the due
// date, a late payment, a payment on the contract left unallocated.
package contracts

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/ledger"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// EventPlanChanged is the CRM's event with a contract's payment plan.
const EventPlanChanged = "crm.contract.payment_plan.changed"

// ContractInstallment is one expected receipt of a contract's payment plan.
type ContractInstallment struct {
	No        int          `json:"no"`
	DueDate   string       `json:"due_date"`
	Amount    money.Amount `json:"amount"`
	Condition string       `json:"condition"`
}

// Plan is the data of crm.contract.payment_plan.changed v1.
type Plan struct {
	ContractID   string                `json:"contract_id"`
	Number       string                `json:"number"`
	CustomerID   string                `json:"customer_id"`
	Currency     string                `json:"currency"`
	Total        money.Amount          `json:"total"`
	Status       string                `json:"status"`
	Installments []ContractInstallment `json:"installments"`
}

// Service keeps the contracts' copy and reconciles them.
type Service struct {
	db     *db.DB
	ledger *ledger.Service
	now    func() time.Time
}

// New returns the contract reconciliation over a ledger.
func New(l *ledger.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: l.DB(), ledger: l, now: now}
}

// ApplyPlan stores a contract's payment plan as the CRM sent it,
// replacing the installments finance had; a cancelled contract withdraws
// its plan. Applying the same plan twice changes nothing.
func (s *Service) ApplyPlan(ctx context.Context, p Plan) error {
	if p.ContractID == "" {
		return fmt.Errorf("contracts: plan without contract_id")
	}
	if p.Status == "" {
		p.Status = "active"
	}
	if p.Status == "cancelled" {
		p.Installments = nil
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_contract (id, number, customer_id, currency, total, status, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET number = excluded.number,
			customer_id = excluded.customer_id, currency = excluded.currency, total = excluded.total, status = excluded.status,
			updated_at = excluded.updated_at`, p.ContractID, p.Number, p.CustomerID, strings.ToUpper(p.Currency), p.Total, p.Status, now); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_contract_installment WHERE contract_id = $1`, p.ContractID); err != nil {
			return err
		}
		for _, in := range p.Installments {
			if _, err := s.db.Exec(ctx, `INSERT INTO fin_contract_installment (contract_id, no, due_date, amount, condition)
				VALUES ($1, $2, $3, $4, $5)`, p.ContractID, in.No, in.DueDate, in.Amount, in.Condition); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "fin.contract.plan_applied", EntityKind: "fin.contract", EntityID: p.ContractID,
			After: p, At: s.now()})
	})
}

func require(ctx context.Context) error {
	p := authz.FromContext(ctx)
	if p == nil {
		return apperr.Unauthorized()
	}
	if !p.Can(finance.PermContractRead) {
		return apperr.PermissionDenied(string(finance.PermContractRead))
	}
	return nil
}

// ContractReconciliation is a contract's reconciliation.
type ContractReconciliation struct {
	ID           string                `json:"id"`
	Number       string                `json:"number"`
	CustomerID   string                `json:"customer_id"`
	CustomerName string                `json:"customer_name"`
	Currency     string                `json:"currency"`
	Status       string                `json:"status"`
	Total        money.Amount          `json:"total"`
	Expected     money.Amount          `json:"expected"` // installments due by the report's date
	Invoiced     money.Amount          `json:"invoiced"` // invoices less credit notes
	Received     money.Amount          `json:"received"` // allocated to the contract's invoices, plus payments on it left unallocated
	Unallocated  money.Amount          `json:"unallocated"`
	Installments []InstallmentRow      `json:"installments"`
	Mismatches   []ContractMismatch    `json:"mismatches"`
	Documents    []ContractDocument    `json:"documents,omitempty"`
	Plan         []ContractInstallment `json:"-"`
}

// InstallmentRow is an installment compared with the books; invoiced and received
// amounts fill the installments in due-date order.
type InstallmentRow struct {
	ContractInstallment
	Invoiced     money.Amount `json:"invoiced"`
	Received     money.Amount `json:"received"`
	ReceivedDate string       `json:"received_date,omitempty"` // when the installment was paid in full
	Due          bool         `json:"due"`                     // its due date has passed
}

// ContractMismatch kinds.
const (
	MismatchShort          = "amount_short"
	MismatchOver           = "amount_over"
	MismatchInvoiceMissing = "invoice_missing"
	MismatchLate           = "late_payment"
	MismatchUnallocated    = "unallocated_payment"
)

// ContractMismatch is a difference between the plan and the books.
type ContractMismatch struct {
	Kind        string       `json:"kind"`
	Installment int          `json:"installment,omitempty"`
	Expected    money.Amount `json:"expected"`
	Actual      money.Amount `json:"actual"`
	Difference  money.Amount `json:"difference"` // actual less expected
	Date        string       `json:"date,omitempty"`
	Document    string       `json:"document,omitempty"`
}

// ContractDocument is an invoice, credit note or payment of a contract.
type ContractDocument struct {
	Kind   string       `json:"kind"` // invoice, credit_note or payment
	ID     string       `json:"id"`
	Number string       `json:"number"`
	Date   string       `json:"date"`
	Amount money.Amount `json:"amount"`
	Open   money.Amount `json:"open"`
}

// Contracts reconciles every contract at a date (today when empty); it
// needs PermContractRead.
func (s *Service) Contracts(ctx context.Context, date string) ([]ContractReconciliation, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if date == "" {
		date = s.ledger.Today(ctx)
	}
	if d, err := time.Parse(db.DateLayout, date); err != nil || d.Format(db.DateLayout) != date {
		return nil, apperr.InvalidFields(apperr.FieldError{Field: "date", Key: "fin.error.date_invalid", Message: "Enter a date as YYYY-MM-DD"})
	}
	var out []ContractReconciliation
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		ids, err := s.ids(ctx)
		if err != nil {
			return err
		}
		out = []ContractReconciliation{}
		for _, id := range ids {
			c, err := s.reconcile(ctx, id, date, false)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return nil
	})
	return out, err
}

func (s *Service) ids(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM fin_contract ORDER BY number, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Contract reconciles one contract at a date, with its documents; it
// needs PermContractRead.
func (s *Service) Contract(ctx context.Context, id, date string) (*ContractReconciliation, error) {
	if err := require(ctx); err != nil {
		return nil, err
	}
	if date == "" {
		date = s.ledger.Today(ctx)
	}
	if d, err := time.Parse(db.DateLayout, date); err != nil || d.Format(db.DateLayout) != date {
		return nil, apperr.InvalidFields(apperr.FieldError{Field: "date", Key: "fin.error.date_invalid", Message: "Enter a date as YYYY-MM-DD"})
	}
	var c *ContractReconciliation
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		var err error
		c, err = s.reconcile(ctx, id, date, true)
		return err
	})
	return c, err
}

// receipt is money received against a contract, oldest first.
type receipt struct {
	date   string
	amount money.Amount
}

func (s *Service) reconcile(ctx context.Context, id, date string, withDocs bool) (*ContractReconciliation, error) {
	c := ContractReconciliation{Installments: []InstallmentRow{}, Mismatches: []ContractMismatch{}}
	err := s.db.QueryRow(ctx, `SELECT k.id, k.number, k.customer_id, COALESCE(cu.name, ''), k.currency, k.status, k.total
		FROM fin_contract k LEFT JOIN fin_customer cu ON cu.id = k.customer_id WHERE k.id = $1`, id).
		Scan(&c.ID, &c.Number, &c.CustomerID, &c.CustomerName, &c.Currency, &c.Status, &c.Total)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("contract", id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT no, due_date, amount, condition FROM fin_contract_installment WHERE contract_id = $1
		ORDER BY due_date, no`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var in ContractInstallment
		if err := rows.Scan(&in.No, &in.DueDate, &in.Amount, &in.Condition); err != nil {
			rows.Close()
			return nil, err
		}
		c.Plan = append(c.Plan, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Invoiced: posted invoices less credit notes on the contract, up to the date.
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(amount), 0) FROM fin_ar_item WHERE contract_id = $1
		AND kind IN ('invoice', 'credit_note') AND date <= $2`, id, date).Scan(&c.Invoiced); err != nil {
		return nil, err
	}
	// Received: payments allocated to the contract's invoices, at the
	// payment's date; then what is left unallocated of payments naming it.
	var receipts []receipt
	rows, err = s.db.Query(ctx, `SELECT src.date, sum(al.amount) FROM fin_allocation al
		JOIN fin_ar_item tgt ON tgt.id = al.target_id JOIN fin_ar_item src ON src.id = al.source_id
		WHERE tgt.contract_id = $1 AND src.kind = 'payment' AND src.date <= $2 AND al.date <= $2
		GROUP BY src.date ORDER BY src.date`, id, date)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r receipt
		if err := rows.Scan(&r.date, &r.amount); err != nil {
			rows.Close()
			return nil, err
		}
		receipts = append(receipts, r)
		c.Received, _ = c.Received.Add(r.amount)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.Query(ctx, `SELECT id, number, date, open FROM fin_ar_item WHERE contract_id = $1 AND kind = 'payment'
		AND open < 0 AND date <= $2 ORDER BY date`, id, date)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			pid, number, pdate string
			open               money.Amount
		)
		if err := rows.Scan(&pid, &number, &pdate, &open); err != nil {
			rows.Close()
			return nil, err
		}
		left, _ := open.Neg()
		c.Unallocated, _ = c.Unallocated.Add(left)
		c.Mismatches = append(c.Mismatches, ContractMismatch{Kind: MismatchUnallocated, Actual: left, Difference: left, Date: pdate, Document: number})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.Received, _ = c.Received.Add(c.Unallocated)
	// Fill the installments in due-date order.
	invoiced, ri := c.Invoiced, 0
	var carried money.Amount // what is left of receipts[ri]
	if len(receipts) > 0 {
		carried = receipts[0].amount
	}
	receivedLeft := c.Received
	for _, in := range c.Plan {
		row := InstallmentRow{ContractInstallment: in, Due: in.DueDate < date}
		row.Invoiced = minAmount(invoiced, in.Amount)
		invoiced, _ = invoiced.Sub(row.Invoiced)
		row.Received = minAmount(receivedLeft, in.Amount)
		receivedLeft, _ = receivedLeft.Sub(row.Received)
		// The date the installment was paid in full: walk the receipts.
		need := row.Received
		for need.Sign() > 0 && ri < len(receipts) {
			take := minAmount(carried, need)
			need, _ = need.Sub(take)
			carried, _ = carried.Sub(take)
			if need.IsZero() && row.Received.Cmp(in.Amount) == 0 {
				row.ReceivedDate = receipts[ri].date
			}
			if carried.IsZero() {
				ri++
				if ri < len(receipts) {
					carried = receipts[ri].amount
				}
			}
		}
		if need.Sign() > 0 && row.Received.Cmp(in.Amount) == 0 {
			// Paid in part by an unallocated payment: its date is unknown here.
			row.ReceivedDate = ""
		}
		if row.Due {
			c.Expected, _ = c.Expected.Add(in.Amount)
			if row.Invoiced.Cmp(in.Amount) < 0 {
				d, _ := row.Invoiced.Sub(in.Amount)
				c.Mismatches = append(c.Mismatches, ContractMismatch{Kind: MismatchInvoiceMissing, Installment: in.No, Expected: in.Amount,
					Actual: row.Invoiced, Difference: d, Date: in.DueDate})
			}
			if row.Received.Cmp(in.Amount) < 0 {
				d, _ := row.Received.Sub(in.Amount)
				c.Mismatches = append(c.Mismatches, ContractMismatch{Kind: MismatchShort, Installment: in.No, Expected: in.Amount,
					Actual: row.Received, Difference: d, Date: in.DueDate})
			}
		}
		if row.ReceivedDate != "" && row.ReceivedDate > in.DueDate {
			c.Mismatches = append(c.Mismatches, ContractMismatch{Kind: MismatchLate, Installment: in.No, Expected: in.Amount,
				Actual: row.Received, Date: row.ReceivedDate})
		}
		c.Installments = append(c.Installments, row)
	}
	if receivedLeft.Sign() > 0 || c.Received.Cmp(c.Total) > 0 || c.Invoiced.Cmp(c.Total) > 0 {
		actual := c.Received
		if c.Invoiced.Cmp(actual) > 0 {
			actual = c.Invoiced
		}
		d, _ := actual.Sub(c.Total)
		if d.Sign() > 0 {
			c.Mismatches = append(c.Mismatches, ContractMismatch{Kind: MismatchOver, Expected: c.Total, Actual: actual, Difference: d})
		}
	}
	if withDocs {
		docs, err := s.documents(ctx, id)
		if err != nil {
			return nil, err
		}
		c.Documents = docs
	}
	return &c, nil
}

func minAmount(a, b money.Amount) money.Amount {
	if a.Cmp(b) < 0 {
		if a.Sign() < 0 {
			return money.Amount{}
		}
		return a
	}
	return b
}

// documents lists the invoices, credit notes and payments of a contract:
// those naming it and the payments allocated to its invoices.
func (s *Service) documents(ctx context.Context, id string) ([]ContractDocument, error) {
	rows, err := s.db.Query(ctx, `SELECT kind, id, number, date, amount, open FROM fin_ar_item WHERE contract_id = $1
		UNION SELECT src.kind, src.id, src.number, src.date, src.amount, src.open FROM fin_allocation al
		JOIN fin_ar_item tgt ON tgt.id = al.target_id JOIN fin_ar_item src ON src.id = al.source_id
		WHERE tgt.contract_id = $1 AND src.kind = 'payment' ORDER BY 4, 3`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ContractDocument{}
	for rows.Next() {
		var d ContractDocument
		if err := rows.Scan(&d.Kind, &d.ID, &d.Number, &d.Date, &d.Amount, &d.Open); err != nil {
			return nil, err
		}
		if d.Kind == "payment" {
			d.Amount, _ = d.Amount.Neg()
			d.Open, _ = d.Open.Neg()
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Excel writes the reconciliation of contracts as a workbook: one row per
// installment, then the mismatches. Header texts come from tr.
func Excel(cs []ContractReconciliation, tr func(key string) string) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	row := 1
	write := func(vals ...any) error {
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			var err error
			switch v := v.(type) {
			case money.Amount:
				// The exact decimal text of a number cell: no float on the way.
				err = x.SetCellDefault(sheet, cell, v.String())
			default:
				err = x.SetCellValue(sheet, cell, v)
			}
			if err != nil {
				return err
			}
		}
		row++
		return nil
	}
	if err := write(tr("fin.contract.number"), tr("fin.contract.customer"), tr("fin.contract.installment"), tr("fin.contract.due_date"),
		tr("fin.contract.expected"), tr("fin.contract.invoiced"), tr("fin.contract.received"), tr("fin.contract.received_date")); err != nil {
		return nil, err
	}
	for _, c := range cs {
		for _, in := range c.Installments {
			if err := write(c.Number, c.CustomerName, in.No, in.DueDate, in.Amount, in.Invoiced, in.Received, in.ReceivedDate); err != nil {
				return nil, err
			}
		}
	}
	row++
	if err := write(tr("fin.contract.number"), tr("fin.contract.mismatch_kind"), tr("fin.contract.installment"), tr("fin.contract.expected"),
		tr("fin.contract.actual"), tr("fin.contract.difference"), tr("fin.contract.date"), tr("fin.contract.document")); err != nil {
		return nil, err
	}
	for _, c := range cs {
		for _, m := range c.Mismatches {
			if err := write(c.Number, tr("fin.contract.mismatch."+m.Kind), m.Installment, m.Expected, m.Actual, m.Difference, m.Date, m.Document); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
