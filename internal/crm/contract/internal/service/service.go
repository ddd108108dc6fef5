// Package service keeps contracts and their payment plans, and applies
// ERP's invoices and payments that name a contract.
package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Message keys of contract errors.
const (
	keyAccountUnknown = "crm.contract.error.account_unknown"
	keyOppUnknown     = "crm.contract.error.opportunity_unknown"
	keyQuoteUnknown   = "crm.contract.error.quote_unknown"
	keyTotal          = "crm.contract.error.total"
	keyPlanTotal      = "crm.contract.error.plan_total"
	keyNoPlan         = "crm.contract.error.no_plan"
	keyInstAmount     = "crm.contract.error.installment_amount"
	keyDateOrder      = "crm.contract.error.date_order"
	keyEndDate        = "crm.contract.error.end_date"
	keyStatus         = "crm.contract.error.status"
	keyReason         = "crm.contract.error.reason"
	keyNotWon         = "crm.contract.error.not_won"
	keyNotAccepted    = "crm.contract.error.not_accepted"
	maxInstallments   = 60
)

// Service keeps contracts.
type Service struct {
	db        *db.DB
	dir       directory.Service
	customers customer.Service
	deals     pipeline.Service // nil without the pipeline module
	quotes    quote.Service    // nil without the quote module
	now       func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, customers customer.Service, deals pipeline.Service, quotes quote.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, customers: customers, deals: deals, quotes: quotes, now: now}
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

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// today is the calendar day in Loom's time zone.
func (s *Service) today() string { return s.now().Local().Format(db.DateLayout) }

// check normalises an input and reports every bad field; it looks up the
// customer, deal and quote it names.
func (s *Service) check(ctx context.Context, in *contract.Input) error {
	var probs valid.Problems
	probs.Text("title", &in.Title, true, 100)
	probs.ID("account_id", &in.AccountID, true)
	probs.ID("opportunity_id", &in.OpportunityID, false)
	probs.ID("quote_id", &in.QuoteID, false)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	probs.Choice("currency", &in.Currency, true, customer.Currencies...)
	if in.Total.Sign() <= 0 {
		probs.Add("total", keyTotal, "The total must be more than zero")
	}
	probs.Date("signed_date", &in.SignedDate, false)
	probs.Date("start_date", &in.StartDate, false)
	probs.Date("end_date", &in.EndDate, false)
	if in.StartDate != "" && in.EndDate != "" && !probs.Has("start_date") && !probs.Has("end_date") && in.EndDate < in.StartDate {
		probs.Add("end_date", keyEndDate, "The end date is before the start date")
	}
	probs.Text("notes", &in.Notes, false, 2000)
	switch {
	case len(in.Installments) == 0:
		probs.Add("installments", keyNoPlan, "Add between 1 and 60 installments")
	case len(in.Installments) > maxInstallments:
		probs.Add("installments", keyNoPlan, "Add between 1 and 60 installments")
	}
	var sum money.Amount
	prev := ""
	for i := range in.Installments {
		it := &in.Installments[i]
		f := fmt.Sprintf("installments[%d].", i)
		probs.Date(f+"due_date", &it.DueDate, true)
		if !probs.Has(f+"due_date") && prev != "" && it.DueDate < prev {
			probs.Add(f+"due_date", keyDateOrder, "Installments go in order of their due dates")
		}
		if !probs.Has(f + "due_date") {
			prev = it.DueDate
		}
		if it.Amount.Sign() <= 0 {
			probs.Add(f+"amount", keyInstAmount, "An installment is more than zero")
		}
		probs.Text(f+"condition", &it.Condition, false, 200)
		sum, _ = sum.Add(it.Amount)
	}
	if len(in.Installments) > 0 && in.Total.Sign() > 0 && sum.Cmp(in.Total) != 0 {
		probs.Add("installments", keyPlanTotal, "The installments add up to {{.Sum}}, not the total {{.Total}}",
			map[string]any{"Sum": sum.String(), "Total": in.Total.String()})
	}
	if !probs.Has("account_id") {
		if ok, err := s.customers.Visible(ctx, in.AccountID); err != nil {
			return err
		} else if !ok {
			probs.Add("account_id", keyAccountUnknown, "No customer you can see has this id")
		}
	}
	if in.OpportunityID != "" && !probs.Has("opportunity_id") && s.deals != nil {
		o, err := s.deals.Get(ctx, in.OpportunityID)
		if apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindForbidden) || (err == nil && o.AccountID != in.AccountID) {
			probs.Add("opportunity_id", keyOppUnknown, "This is not a deal of the customer you can see")
		} else if err != nil {
			return err
		}
	}
	if in.QuoteID != "" && !probs.Has("quote_id") && s.quotes != nil {
		q, err := s.quotes.Get(ctx, in.QuoteID)
		if apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindForbidden) || (err == nil && q.AccountID != in.AccountID) {
			probs.Add("quote_id", keyQuoteUnknown, "This is not a quote of the customer you can see")
		} else if err != nil {
			return err
		}
	}
	return probs.Err()
}

func searchText(number string, in *contract.Input, account string) string {
	return textnorm.Fold(strings.Join([]string{number, in.Title, account, textnorm.Initials(account)}, " "))
}

// Create adds a draft contract owned by the caller.
func (s *Service) Create(ctx context.Context, in contract.Input) (*contract.Contract, error) {
	p, err := require(ctx, contract.PermWrite)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, &in); err != nil {
		return nil, err
	}
	acc, err := s.customers.Get(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	// The caller owns the contract; one Loom makes (demo data) goes to the
	// customer's owner.
	owner := p.UserID
	if p.System {
		owner = acc.OwnerID
	}
	var out *contract.Contract
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		number, err := s.db.NextDocNumber(ctx, "CT", now)
		if err != nil {
			return err
		}
		id := db.NewID()
		ms := db.Millis(now)
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_contract (id, number, title, account_id, opportunity_id, quote_id, currency, total,
			signed_date, start_date, end_date, status, reason, owner_id, notes, search, invoiced, paid, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', '', $12, $13, $14, 0, 0, 1, $15, $15)`,
			id, number, in.Title, in.AccountID, in.OpportunityID, in.QuoteID, in.Currency, in.Total, in.SignedDate, in.StartDate,
			in.EndDate, owner, in.Notes, searchText(number, &in, acc.Name), ms); err != nil {
			return fmt.Errorf("contract: create: %w", err)
		}
		if err := s.writePlan(ctx, id, in.Installments); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.contract.created", EntityKind: contract.Kind, EntityID: id, After: out})
	})
	return out, err
}

func (s *Service) writePlan(ctx context.Context, id string, plan []contract.InstallmentInput) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM crm_contract_installment WHERE contract_id = $1`, id); err != nil {
		return fmt.Errorf("contract: clear plan: %w", err)
	}
	var cum money.Amount
	for i, it := range plan {
		cum, _ = cum.Add(it.Amount)
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_contract_installment (contract_id, no, due_date, amount, condition, cum_amount)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, i+1, it.DueDate, it.Amount, it.Condition, cum); err != nil {
			return fmt.Errorf("contract: add installment: %w", err)
		}
	}
	return nil
}

// Update replaces a draft or active contract's fields and plan; the plan of
// an active contract goes to ERP again.
func (s *Service) Update(ctx context.Context, id string, in contract.Input) (*contract.Contract, error) {
	p, err := require(ctx, contract.PermWrite)
	if err != nil {
		return nil, err
	}
	before, err := s.getVisible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !before.Editable() {
		return nil, apperr.Precondition(keyStatus, "A completed or cancelled contract cannot change")
	}
	if err := s.check(ctx, &in); err != nil {
		return nil, err
	}
	acc, err := s.customers.Get(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	var out *contract.Contract
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q := `UPDATE crm_contract SET title = $2, account_id = $3, opportunity_id = $4, quote_id = $5, currency = $6, total = $7,
			signed_date = $8, start_date = $9, end_date = $10, notes = $11, search = $12, version = version + 1, updated_at = $13
			WHERE id = $1 AND status IN ('draft', 'active')`
		args := []any{id, in.Title, in.AccountID, in.OpportunityID, in.QuoteID, in.Currency, in.Total, in.SignedDate, in.StartDate,
			in.EndDate, in.Notes, searchText(before.Number, &in, acc.Name), db.Millis(s.now())}
		if in.Version > 0 {
			q += ` AND version = $14`
			args = append(args, in.Version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("contract: update: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		if err := s.writePlan(ctx, id, in.Installments); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.contract.updated", EntityKind: contract.Kind, EntityID: id, Before: before, After: out}); err != nil {
			return err
		}
		if out.Status == contract.StatusActive {
			return s.emit(ctx, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// move changes a contract's status from one of from to to.
func (s *Service) move(ctx context.Context, id string, to contract.Status, reason string, from ...contract.Status) (*contract.Contract, error) {
	p, err := require(ctx, contract.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *contract.Contract
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || before.Status == f
		}
		if !ok {
			return apperr.Precondition(keyStatus, "The contract's status does not allow this").WithParams(map[string]any{"Status": string(before.Status)})
		}
		signed := before.SignedDate
		if to == contract.StatusActive && signed == "" {
			signed = s.today()
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_contract SET status = $2, reason = $3, signed_date = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
			id, string(to), reason, signed, db.Millis(s.now())); err != nil {
			return fmt.Errorf("contract: %s: %w", to, err)
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.contract." + string(to), EntityKind: contract.Kind, EntityID: id,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": to, "reason": reason}}); err != nil {
			return err
		}
		if to == contract.StatusActive || before.Status == contract.StatusActive {
			return s.emit(ctx, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Activate marks a draft contract signed and sends its plan to ERP.
func (s *Service) Activate(ctx context.Context, id string) (*contract.Contract, error) {
	return s.move(ctx, id, contract.StatusActive, "", contract.StatusDraft)
}

// Complete closes an active contract.
func (s *Service) Complete(ctx context.Context, id string) (*contract.Contract, error) {
	return s.move(ctx, id, contract.StatusCompleted, "", contract.StatusActive)
}

// Cancel cancels a draft or active contract.
func (s *Service) Cancel(ctx context.Context, id, reason string) (*contract.Contract, error) {
	if _, err := require(ctx, contract.PermWrite); err != nil {
		return nil, err
	}
	var probs valid.Problems
	probs.Text("reason", &reason, true, 500)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return s.move(ctx, id, contract.StatusCancelled, reason, contract.StatusDraft, contract.StatusActive)
}

// emit sends the contract's plan to ERP; a cancelled contract's plan is empty.
func (s *Service) emit(ctx context.Context, c *contract.Contract) error {
	d := contract.PlanChangedData{ContractID: c.ID, Number: c.Number, CustomerID: c.AccountID, Currency: c.Currency, Total: c.Total,
		Status: c.Status, Installments: []contract.PlanInstallment{}}
	if c.Status != contract.StatusCancelled {
		for _, it := range c.Installments {
			d.Installments = append(d.Installments, contract.PlanInstallment{No: it.No, DueDate: it.DueDate, Amount: it.Amount, Condition: it.Condition})
		}
	}
	_, err := outbox.Emit(ctx, s.db, contract.EventPlanChanged, 1, c.ID, d)
	return err
}

// Draft proposes a contract for a won opportunity or an accepted quote.
func (s *Service) Draft(ctx context.Context, opportunityID, quoteID string) (contract.Input, error) {
	var in contract.Input
	if _, err := require(ctx, contract.PermWrite); err != nil {
		return in, err
	}
	today := s.today()
	switch {
	case quoteID != "" && s.quotes != nil:
		q, err := s.quotes.Get(ctx, quoteID)
		if err != nil {
			return in, err
		}
		if q.Status != quote.StatusAccepted {
			return in, apperr.Precondition(keyNotAccepted, "Only an accepted quote makes a contract")
		}
		in = contract.Input{AccountID: q.AccountID, OpportunityID: q.OpportunityID, QuoteID: q.ID, Currency: q.Currency, Total: q.Gross,
			Title: q.AccountName + " " + q.Number, SignedDate: today, StartDate: today}
	case opportunityID != "" && s.deals != nil:
		o, err := s.deals.Get(ctx, opportunityID)
		if err != nil {
			return in, err
		}
		if o.Status != pipeline.StatusWon {
			return in, apperr.Precondition(keyNotWon, "Only a won deal makes a contract")
		}
		in = contract.Input{AccountID: o.AccountID, OpportunityID: o.ID, Currency: o.Currency, Total: o.Amount, Title: o.Name,
			SignedDate: today, StartDate: today}
	default:
		return in, apperr.Invalid("opportunity_id", keyOppUnknown, "Name a won deal or an accepted quote")
	}
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	due := s.now().Local().AddDate(0, 1, 0).Format(db.DateLayout)
	in.Installments = []contract.InstallmentInput{{DueDate: due, Amount: in.Total}}
	return in, nil
}
