package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/crm/quote/internal/calc"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/money"
	"github.com/loom-erp/loom/internal/platform/notify"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// statusError refuses an action in the quote's current status.
func statusError(q *quote.Quote) error {
	return apperr.Precondition(keyStatus, "This cannot be done to the quote in its current status").
		AddField("status", keyStatus, "This cannot be done to the quote in its current status").
		WithParams(map[string]any{"Status": string(q.Status)})
}

// transition runs fn on a quote the caller may see and change, when its
// status is one of from, and records the change.
func (s *Service) transition(ctx context.Context, id, action string, from []quote.Status, fn func(ctx context.Context, q *quote.Quote) error) (*quote.Quote, error) {
	p, err := require(ctx, quote.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *quote.Quote
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, q.Status) {
			if q.Status != quote.StatusDraft && slices.Contains(from, quote.StatusDraft) && len(from) == 1 {
				return notDraft(q)
			}
			return statusError(q)
		}
		if err := fn(ctx, q); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.quote." + action, EntityKind: quote.Kind, EntityID: id,
			Before: map[string]any{"status": q.Status}, After: map[string]any{"status": out.Status}})
	})
	return out, err
}

func (s *Service) setStatus(ctx context.Context, id string, st quote.Status, extra string, args ...any) error {
	q := `UPDATE crm_quote SET status = $2, version = version + 1, updated_at = $3` + extra + ` WHERE id = $1`
	if _, err := s.db.Exec(ctx, q, append([]any{id, string(st), db.Millis(s.now())}, args...)...); err != nil {
		return fmt.Errorf("quote: set status %s: %w", st, err)
	}
	return nil
}

// Submit checks a draft and asks for the approvals it needs.
func (s *Service) Submit(ctx context.Context, id string, version int) (*quote.Quote, error) {
	return s.transition(ctx, id, "submitted", []quote.Status{quote.StatusDraft}, func(ctx context.Context, q *quote.Quote) error {
		if version > 0 && version != q.Version {
			return valid.Changed()
		}
		if len(q.Lines) == 0 {
			return apperr.Invalid("lines", keyNoLines, "Add at least one line")
		}
		st, err := s.settings(ctx)
		if err != nil {
			return err
		}
		var asks []approvalAsk
		maxRed, maxCode := money.Rate{}, ""
		var floors []string
		for _, l := range q.Lines {
			if l.Reduction.Cmp(maxRed) > 0 {
				maxRed, maxCode = l.Reduction, l.Code
			}
			if l.BelowFloor {
				floors = append(floors, l.Code)
			}
		}
		if maxRed.Cmp(st.DiscountThreshold) > 0 {
			asks = append(asks, approvalAsk{quote.ApprovalDiscount, map[string]string{"discount": maxRed.String(), "threshold": st.DiscountThreshold.String(), "code": maxCode}})
		}
		if len(floors) > 0 {
			asks = append(asks, approvalAsk{quote.ApprovalFloor, map[string]string{"codes": strings.Join(floors, ", ")}})
		}
		credit, err := s.items.Credit(ctx, q.AccountID)
		if err != nil {
			return err
		}
		if !credit.Allows(q.Gross) {
			detail := map[string]string{"available": credit.AvailableCredit.String(), "gross": q.Gross.String(), "currency": credit.Currency}
			if credit.OnHold {
				detail["on_hold"] = "true"
			}
			if st.CreditPolicy == quote.CreditBlock {
				return apperr.Invalid("account_id", keyCreditBlocked, "The customer's credit does not cover this quote").
					WithParams(map[string]any{"Available": credit.AvailableCredit.String(), "Gross": q.Gross.String()})
			}
			asks = append(asks, approvalAsk{quote.ApprovalCredit, detail})
		}
		if len(asks) == 0 {
			return s.setStatus(ctx, q.ID, quote.StatusApproved, "")
		}
		for _, a := range asks {
			if err := s.ask(ctx, q, a); err != nil {
				return err
			}
		}
		return s.setStatus(ctx, q.ID, quote.StatusPending, "")
	})
}

type approvalAsk struct {
	kind   quote.ApprovalKind
	detail map[string]string
}

// ask records a pending approval and tells those who may decide it.
func (s *Service) ask(ctx context.Context, q *quote.Quote, a approvalAsk) error {
	raw, err := json.Marshal(a.detail)
	if err != nil {
		return err
	}
	id := db.NewID()
	if _, err := s.db.Exec(ctx, `INSERT INTO crm_quote_approval (id, quote_id, kind, detail, status, requested_by, requested_at, decided_by, decided_at, comment)
		VALUES ($1, $2, $3, $4, 'pending', $5, $6, '', 0, '')`, id, q.ID, string(a.kind), string(raw), caller(ctx), db.Millis(s.now())); err != nil {
		return fmt.Errorf("quote: ask approval: %w", err)
	}
	role := identity.RoleSalesManager
	if a.kind == quote.ApprovalCredit {
		role = identity.RoleFinanceManager
	}
	us, err := s.dir.List(ctx, directory.Filter{Role: role})
	if err != nil {
		return err
	}
	owner, _ := s.dir.Get(ctx, q.OwnerID)
	for _, u := range us {
		if u.Pending || !db.ValidID(u.ID) {
			continue
		}
		// A sales manager decides for their own team.
		if role == identity.RoleSalesManager && owner != nil && owner.TeamID != "" && u.TeamID != owner.TeamID {
			continue
		}
		if err := notify.Ask(ctx, s.db, notify.Request{UserID: u.ID, Kind: "crm.approval", TitleKey: "crm.quote.notice.approval",
			Params: map[string]any{"Number": q.Number, "Account": q.AccountName}, Link: "/crm/approvals"}); err != nil {
			return err
		}
	}
	return nil
}

// Recall takes a quote waiting for approval back to draft.
func (s *Service) Recall(ctx context.Context, id string) (*quote.Quote, error) {
	return s.transition(ctx, id, "recalled", []quote.Status{quote.StatusPending, quote.StatusApproved}, func(ctx context.Context, q *quote.Quote) error {
		if err := s.withdraw(ctx, q.ID); err != nil {
			return err
		}
		return s.setStatus(ctx, q.ID, quote.StatusDraft, "")
	})
}

func (s *Service) withdraw(ctx context.Context, quoteID string) error {
	_, err := s.db.Exec(ctx, `UPDATE crm_quote_approval SET status = 'withdrawn', decided_at = $2 WHERE quote_id = $1 AND status = 'pending'`,
		quoteID, db.Millis(s.now()))
	return err
}

// Send records that an approved quote went to the customer.
func (s *Service) Send(ctx context.Context, id string) (*quote.Quote, error) {
	return s.transition(ctx, id, "sent", []quote.Status{quote.StatusApproved}, func(ctx context.Context, q *quote.Quote) error {
		return s.setStatus(ctx, q.ID, quote.StatusSent, ", sent_at = $4", db.Millis(s.now()))
	})
}

// Revise makes a new draft revision of a sent or approved quote.
func (s *Service) Revise(ctx context.Context, id string) (*quote.Quote, error) {
	var newID string
	_, err := s.transition(ctx, id, "revised", []quote.Status{quote.StatusSent, quote.StatusApproved}, func(ctx context.Context, q *quote.Quote) error {
		var latest int
		if err := s.db.QueryRow(ctx, `SELECT MAX(revision) FROM crm_quote WHERE number = $1`, q.Number).Scan(&latest); err != nil {
			return err
		}
		newID = db.NewID()
		d := &draft{in: quote.Input{AccountID: q.AccountID, ContactID: q.ContactID, OpportunityID: q.OpportunityID, Currency: q.Currency,
			TaxMode: q.TaxMode, ValidUntil: q.ValidUntil, RequestedDate: q.RequestedDate, ShipTo: q.ShipTo, PaymentTerms: q.PaymentTerms,
			Notes: q.Notes}, lines: q.Lines, net: q.Net, tax: q.Tax, gross: q.Gross}
		d.account, _ = s.customers.Get(ctx, q.AccountID)
		for _, l := range q.Lines {
			d.floorOK = append(d.floorOK, l.BelowFloor)
		}
		if err := s.insert(ctx, newID, q.Number, latest+1, q.OwnerID, q.ID, d, s.now()); err != nil {
			return err
		}
		return s.setStatus(ctx, q.ID, quote.StatusSuperseded, ", superseded_by = $4", newID)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, newID)
}

// Accept records the customer's acceptance and asks ERP for a sales order.
func (s *Service) Accept(ctx context.Context, id string) (*quote.Quote, error) {
	return s.transition(ctx, id, "accepted", []quote.Status{quote.StatusSent, quote.StatusApproved}, func(ctx context.Context, q *quote.Quote) error {
		requestID := db.NewID()
		ev := quote.OrderRequested{RequestID: requestID, QuoteID: q.ID, QuoteNumber: q.Number, Revision: q.Revision, CustomerID: q.AccountID,
			Currency: q.Currency, RequestedDate: q.RequestedDate, ShipTo: q.ShipTo, PaymentTerms: q.PaymentTerms, Notes: q.Notes,
			RepID: q.OwnerID, Net: q.Net, Tax: q.Tax, Gross: q.Gross, Lines: []quote.OrderLine{}}
		for _, l := range q.Lines {
			ol := quote.OrderLine{LineNo: l.No, ItemID: l.ItemID, Quantity: l.Quantity, UnitPrice: l.UnitPrice, VATRate: l.VATRate,
				Discount: l.Discount, Net: l.Net, Tax: l.Tax}
			if q.TaxMode == quote.TaxInclusive {
				// ERP prices orders without VAT: send the net price per unit.
				price, err := calc.ExclusivePrice(l.Net, l.Quantity)
				if err != nil {
					return err
				}
				ol.UnitPrice, ol.Discount = price, money.Rate{}
			}
			ev.Lines = append(ev.Lines, ol)
		}
		if _, err := outbox.Emit(ctx, s.db, quote.EventOrderRequested, 1, q.ID, ev); err != nil {
			return err
		}
		if err := s.items.ExpectOrder(ctx, catalog.OrderRequest{RequestID: requestID, QuoteID: q.ID, CustomerID: q.AccountID}); err != nil {
			return err
		}
		if err := s.winOpportunity(ctx, q); err != nil {
			return err
		}
		return s.setStatus(ctx, q.ID, quote.StatusAccepted, ", accepted_at = $4, request_id = $5", db.Millis(s.now()), requestID)
	})
}

// winOpportunity closes the quote's open opportunity as won, when the
// caller may; a deal they may not change stays as it is.
func (s *Service) winOpportunity(ctx context.Context, q *quote.Quote) error {
	if s.pipelines == nil || q.OpportunityID == "" {
		return nil
	}
	o, err := s.pipelines.Get(ctx, q.OpportunityID)
	if err != nil || o.Status != pipeline.StatusOpen {
		if apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindForbidden) {
			return nil
		}
		return err
	}
	_, err = s.pipelines.Win(ctx, o.ID, q.Number)
	if apperr.IsKind(err, apperr.KindForbidden) {
		return nil
	}
	return err
}

// Decline records that the customer turned a quote down.
func (s *Service) Decline(ctx context.Context, id, reason string) (*quote.Quote, error) {
	var p valid.Problems
	p.Text("reason", &reason, true, 500)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.transition(ctx, id, "declined", []quote.Status{quote.StatusSent, quote.StatusApproved}, func(ctx context.Context, q *quote.Quote) error {
		return s.setStatus(ctx, q.ID, quote.StatusDeclined, ", decline_reason = $4", reason)
	})
}

// Decide approves or rejects a pending approval; a rejection needs a
// comment and sends the quote back to draft.
func (s *Service) Decide(ctx context.Context, approvalID string, approve bool, comment string) (*quote.Approval, error) {
	p, err := require(ctx, quote.PermRead)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	if comment = strings.TrimSpace(comment); comment == "" && !approve {
		probs.Add("comment", keyCommentRequired, "Say why you reject it")
	}
	probs.Text("comment", &comment, false, 500)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	var out *quote.Approval
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		a, err := s.approval(ctx, approvalID)
		if err != nil {
			return err
		}
		if !p.Can(a.Kind.Perm()) {
			return apperr.PermissionDenied(string(a.Kind.Perm()))
		}
		q, err := s.getVisible(ctx, p, a.QuoteID)
		if err != nil {
			return err
		}
		if a.Status != quote.ApprovalPending || q.Status != quote.StatusPending {
			return apperr.Precondition(keyDecided, "This approval was decided already")
		}
		st := quote.ApprovalApproved
		if !approve {
			st = quote.ApprovalRejected
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_quote_approval SET status = $2, decided_by = $3, decided_at = $4, comment = $5
			WHERE id = $1 AND status = 'pending'`, approvalID, string(st), p.UserID, db.Millis(s.now()), comment)
		if err != nil {
			return fmt.Errorf("quote: decide: %w", err)
		}
		if n == 0 {
			return apperr.Precondition(keyDecided, "This approval was decided already")
		}
		var pending int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_quote_approval WHERE quote_id = $1 AND status = 'pending'`, q.ID).Scan(&pending); err != nil {
			return err
		}
		title := ""
		switch {
		case !approve:
			if err := s.withdraw(ctx, q.ID); err != nil {
				return err
			}
			if err := s.setStatus(ctx, q.ID, quote.StatusDraft, ""); err != nil {
				return err
			}
			title = "crm.quote.notice.rejected"
		case pending == 0:
			if err := s.setStatus(ctx, q.ID, quote.StatusApproved, ""); err != nil {
				return err
			}
			title = "crm.quote.notice.approved"
		}
		if title != "" && db.ValidID(q.OwnerID) && q.OwnerID != p.UserID {
			if err := notify.Ask(ctx, s.db, notify.Request{UserID: q.OwnerID, Kind: "crm.quote", TitleKey: title,
				Params: map[string]any{"Number": q.Number, "Comment": comment}, Link: "/crm/quotes/" + q.ID}); err != nil {
				return err
			}
		}
		if out, err = s.approval(ctx, approvalID); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.quote_approval." + string(st), EntityKind: "crm.quote_approval", EntityID: approvalID,
			Before: map[string]any{"status": a.Status}, After: out})
	})
	return out, err
}

// OrderAnswered tells a quote's owner that ERP accepted (with the sales
// order's number) or refused its order; it runs in the consumer's
// transaction. A quote the CRM does not know is ignored.
func (s *Service) OrderAnswered(ctx context.Context, quoteID string, accepted bool, soNumber, reason string) error {
	if !db.ValidID(quoteID) {
		return nil
	}
	q, err := s.load(ctx, quoteID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !db.ValidID(q.OwnerID) {
		return nil
	}
	title := "crm.quote.notice.order_accepted"
	if !accepted {
		title = "crm.quote.notice.order_rejected"
	}
	return notify.Ask(ctx, s.db, notify.Request{UserID: q.OwnerID, Kind: "crm.order", TitleKey: title,
		Params: map[string]any{"Number": q.Number, "SO": soNumber, "Reason": reason}, Link: "/crm/quotes/" + q.ID})
}
