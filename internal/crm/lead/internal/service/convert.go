package service

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Convert turns an open lead into an account (or adds to an existing one),
// a contact and, when asked, an opportunity, in one transaction.
func (s *Service) Convert(ctx context.Context, id string, c lead.Conversion) (*lead.Converted, error) {
	p, err := require(ctx, lead.PermWrite)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	probs.ID("account_id", &c.AccountID, false)
	probs.Text("opportunity", &c.Opportunity, false, 100)
	probs.NotNegative("amount", c.Amount.Sign())
	probs.Date("close_date", &c.CloseDate, false)
	probs.ID("pipeline_id", &c.PipelineID, false)
	if c.Opportunity != "" && s.pipelines == nil {
		probs.Add("opportunity", keyNoPipeline, "Opportunities are not available")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	var out *lead.Converted
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		l, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !l.Status.Open() {
			return apperr.Precondition(keyClosed, "This lead is closed and cannot be changed")
		}
		if c.Version > 0 && c.Version != l.Version {
			return valid.Changed()
		}
		owner := l.OwnerID
		if owner == "" {
			owner = p.UserID
		}
		res := &lead.Converted{}
		if c.AccountID != "" {
			acc, err := s.customers.Get(ctx, c.AccountID)
			if apperr.IsKind(err, apperr.KindNotFound) {
				return apperr.Invalid("account_id", "crm.account.error.parent_unknown", "No customer you can see has this id")
			}
			if err != nil {
				return err
			}
			res.AccountID = acc.ID
		} else {
			acc, err := s.customers.Create(ctx, customer.AccountInput{Name: firstOf(l.Company, l.ContactName), Region: l.Region,
				Industry: l.Industry, Phone: l.Phone, Currency: l.Currency, OwnerID: owner, Notes: l.Notes})
			if err != nil {
				return err
			}
			res.AccountID = acc.ID
		}
		contact, err := s.customers.CreateContact(ctx, res.AccountID, customer.ContactInput{Name: firstOf(l.ContactName, l.Company),
			Title: l.Title, Mobile: l.Mobile, Phone: l.Phone, Email: l.Email})
		if err != nil {
			return err
		}
		res.ContactID = contact.ID
		if c.Opportunity != "" {
			amount := c.Amount
			if amount.IsZero() {
				amount = l.Budget
			}
			opp, err := s.pipelines.Create(ctx, pipeline.OpportunityInput{Name: c.Opportunity, AccountID: res.AccountID, ContactID: contact.ID,
				PipelineID: c.PipelineID, Amount: amount, Currency: l.Currency, CloseDate: c.CloseDate, OwnerID: owner,
				Source: l.Source, LeadID: l.ID, Notes: l.ProductInterest})
			if err != nil {
				return err
			}
			res.OpportunityID = opp.ID
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_lead SET status = 'converted', owner_id = $2, account_id = $3, contact_id = $4,
			opportunity_id = $5, version = version + 1, updated_at = $6 WHERE id = $1`,
			id, owner, res.AccountID, res.ContactID, res.OpportunityID, db.Millis(s.now())); err != nil {
			return fmt.Errorf("lead: convert: %w", err)
		}
		if res.Lead, err = s.load(ctx, id); err != nil {
			return err
		}
		out = res
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.converted", EntityKind: lead.Kind, EntityID: id,
			Before: map[string]any{"status": l.Status}, After: res})
	})
	if err != nil {
		return nil, err
	}
	maskLead(p, out.Lead)
	return out, nil
}
