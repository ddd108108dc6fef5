package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// resolved is an opportunity input after its references were checked.
type resolved struct {
	in      pipeline.OpportunityInput
	pipe    *pipeline.Pipeline
	stage   pipeline.Stage
	lines   []pipeline.Line
	owner   string
	account *customer.Account
}

// resolve validates an opportunity's input and looks up what it names.
func (s *Service) resolve(ctx context.Context, p *authz.Principal, in pipeline.OpportunityInput, create bool) (*resolved, error) {
	var probs valid.Problems
	probs.Text("name", &in.Name, true, 100)
	probs.ID("account_id", &in.AccountID, true)
	probs.ID("contact_id", &in.ContactID, false)
	probs.ID("pipeline_id", &in.PipelineID, false)
	probs.ID("stage_id", &in.StageID, false)
	probs.NotNegative("amount", in.Amount.Sign())
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency != "" {
		probs.Choice("currency", &in.Currency, false, customer.Currencies...)
	}
	probs.Date("close_date", &in.CloseDate, false)
	probs.Text("source", &in.Source, false, 40)
	probs.ID("lead_id", &in.LeadID, false)
	probs.Text("notes", &in.Notes, false, 2000)
	if create {
		probs.ID("owner_id", &in.OwnerID, false)
	}
	for i, l := range in.Lines {
		probs.ID(fmt.Sprintf("lines[%d].item_id", i), &l.ItemID, true)
		if l.Quantity.Sign() <= 0 {
			probs.Add(fmt.Sprintf("lines[%d].quantity", i), keyQuantity, "The quantity must be more than zero")
		}
		if l.UnitPrice != nil {
			probs.NotNegative(fmt.Sprintf("lines[%d].unit_price", i), l.UnitPrice.Sign())
		}
		in.Lines[i] = l
	}
	// Look up what the input names, unless its id is already wrong, so that
	// every bad field is reported at once.
	r := &resolved{in: in, owner: in.OwnerID}
	var acc *customer.Account
	if !probs.Has("account_id") {
		var err error
		acc, err = s.customers.Get(ctx, in.AccountID)
		if apperr.IsKind(err, apperr.KindNotFound) {
			probs.Add("account_id", keyAccountUnknow, "No customer you can see has this id")
		} else if err != nil {
			return nil, err
		}
	}
	r.account = acc
	if in.ContactID != "" && acc != nil && !probs.Has("contact_id") {
		c, err := s.customers.GetContact(ctx, in.ContactID)
		if apperr.IsKind(err, apperr.KindNotFound) || (err == nil && c.AccountID != acc.ID) {
			probs.Add("contact_id", keyContactOther, "This contact is not one of the customer's")
		} else if err != nil {
			return nil, err
		}
	}
	if r.in.Currency == "" && acc != nil {
		r.in.Currency = acc.Currency
	}
	if r.in.Currency == "" {
		r.in.Currency = "CNY"
	}
	if create && !probs.Has("pipeline_id") && !probs.Has("stage_id") {
		var err error
		if in.PipelineID == "" {
			r.pipe, err = s.defaultPipeline(ctx)
		} else {
			r.pipe, err = s.pipeline(ctx, in.PipelineID)
		}
		if apperr.IsKind(err, apperr.KindNotFound) {
			probs.Add("pipeline_id", keyPipeUnknown, "There is no such pipeline")
		} else if err != nil {
			return nil, err
		}
		if r.pipe != nil {
			if in.StageID == "" {
				r.stage = r.pipe.First()
			} else if st, ok := r.pipe.Stage(in.StageID); ok && st.Kind == pipeline.StageOpen {
				r.stage = st
			} else {
				probs.Add("stage_id", keyStageUnknown, "Choose an open stage of the pipeline")
			}
		}
	}
	if create && !probs.Has("owner_id") {
		if r.owner == "" {
			r.owner = p.UserID
			if p.System && acc != nil {
				r.owner = acc.OwnerID
			}
		}
		if r.owner != p.UserID && !p.System && !p.Can(pipeline.PermAssign) {
			return nil, apperr.New(apperr.KindForbidden, keyOwnerForbid, "You may not give deals to other users").
				AddField("owner_id", keyOwnerForbid, "You may not give deals to other users")
		}
		if r.owner != p.UserID {
			if u, err := s.dir.Get(ctx, r.owner); err != nil || !u.Active {
				if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
					return nil, err
				}
				probs.Add("owner_id", keyOwnerUnknown, "This user is not known to the CRM yet")
			}
		}
	}
	if len(in.Lines) > 0 {
		if s.items == nil {
			probs.Add("lines", keyItemUnknown, "There is no such product")
		} else {
			var ids []string
			for _, l := range in.Lines {
				if db.ValidID(l.ItemID) {
					ids = append(ids, l.ItemID)
				}
			}
			items, err := s.items.ItemsByID(ctx, ids)
			if err != nil {
				return nil, err
			}
			var sum money.Amount
			for i, l := range in.Lines {
				it, ok := items[l.ItemID]
				if probs.Has(fmt.Sprintf("lines[%d].item_id", i)) || probs.Has(fmt.Sprintf("lines[%d].quantity", i)) {
					continue
				}
				if !ok {
					probs.Add(fmt.Sprintf("lines[%d].item_id", i), keyItemUnknown, "There is no such product")
					continue
				}
				price := it.ListPrice
				if l.UnitPrice != nil {
					price = *l.UnitPrice
				}
				amt, err := l.Quantity.MulUnitPrice(price, money.RoundHalfUp)
				if err != nil {
					probs.Add(fmt.Sprintf("lines[%d].quantity", i), keyQuantity, "The quantity must be more than zero")
					continue
				}
				sum, _ = sum.Add(amt)
				r.lines = append(r.lines, pipeline.Line{ItemID: it.ID, Code: it.Code, Name: it.Name, Quantity: l.Quantity, UnitPrice: price, Amount: amt})
			}
			if r.in.Amount.IsZero() {
				r.in.Amount = sum
			}
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

func searchText(number string, in *pipeline.OpportunityInput, account string) string {
	return textnorm.Fold(strings.Join([]string{number, in.Name, account, textnorm.Initials(in.Name), textnorm.Initials(account)}, " "))
}

// Create adds an opportunity.
func (s *Service) Create(ctx context.Context, in pipeline.OpportunityInput) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *pipeline.Opportunity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		r, err := s.resolve(ctx, p, in, true)
		if err != nil {
			return err
		}
		now := s.now()
		number, err := s.db.NextDocNumber(ctx, "OP", now)
		if err != nil {
			return err
		}
		id := db.NewID()
		ms := db.Millis(now)
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_opportunity (id, number, name, account_id, contact_id, pipeline_id, stage_id, probability,
			amount, currency, close_date, owner_id, status, reason, source, lead_id, notes, search, version, stage_changed_at, closed_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', '', $13, $14, $15, $16, 1, $17, 0, $17, $17)`,
			id, number, r.in.Name, r.in.AccountID, r.in.ContactID, r.pipe.ID, r.stage.ID, r.stage.Probability, r.in.Amount, r.in.Currency,
			r.in.CloseDate, r.owner, r.in.Source, r.in.LeadID, r.in.Notes, searchText(number, &r.in, r.account.Name), ms); err != nil {
			return fmt.Errorf("pipeline: create opportunity: %w", err)
		}
		if err := s.writeLines(ctx, id, r.lines); err != nil {
			return err
		}
		if err := s.history(ctx, id, "", r.stage.ID, ""); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.opportunity.created", EntityKind: pipeline.Kind, EntityID: id, After: out})
	})
	return out, err
}

func (s *Service) writeLines(ctx context.Context, id string, lines []pipeline.Line) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM crm_opportunity_line WHERE opportunity_id = $1`, id); err != nil {
		return fmt.Errorf("pipeline: clear lines: %w", err)
	}
	for i, l := range lines {
		if _, err := s.db.Exec(ctx, `INSERT INTO crm_opportunity_line (opportunity_id, seq, item_id, code, name, quantity, unit_price, amount)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, i+1, l.ItemID, l.Code, l.Name, l.Quantity, l.UnitPrice, l.Amount); err != nil {
			return fmt.Errorf("pipeline: add line: %w", err)
		}
	}
	return nil
}

func (s *Service) history(ctx context.Context, id, from, to, reason string) error {
	user := ""
	if p := authz.FromContext(ctx); p != nil {
		user = p.UserID
	}
	_, err := s.db.Exec(ctx, `INSERT INTO crm_opportunity_history (id, opportunity_id, at, user_id, from_stage, to_stage, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), id, db.Millis(s.now()), user, from, to, reason)
	if err != nil {
		return fmt.Errorf("pipeline: record stage change: %w", err)
	}
	return nil
}

// Update replaces an opportunity's fields; its stage, status and owner stay.
func (s *Service) Update(ctx context.Context, id string, in pipeline.OpportunityInput) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *pipeline.Opportunity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if before.Status != pipeline.StatusOpen {
			return apperr.Precondition(keyClosed, "This deal is closed; reopen it to change it")
		}
		r, err := s.resolve(ctx, p, in, false)
		if err != nil {
			return err
		}
		q := `UPDATE crm_opportunity SET name = $2, account_id = $3, contact_id = $4, amount = $5, currency = $6, close_date = $7,
			source = $8, notes = $9, search = $10, version = version + 1, updated_at = $11 WHERE id = $1`
		args := []any{id, r.in.Name, r.in.AccountID, r.in.ContactID, r.in.Amount, r.in.Currency, r.in.CloseDate, r.in.Source, r.in.Notes,
			searchText(before.Number, &r.in, r.account.Name), db.Millis(s.now())}
		if in.Version > 0 {
			q += ` AND version = $12`
			args = append(args, in.Version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("pipeline: update opportunity: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		if err := s.writeLines(ctx, id, r.lines); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.opportunity.updated", EntityKind: pipeline.Kind, EntityID: id, Before: before, After: out})
	})
	return out, err
}

// Move puts an open deal into another open stage of its pipeline.
func (s *Service) Move(ctx context.Context, id, stageID string, version int) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *pipeline.Opportunity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if before.Status != pipeline.StatusOpen {
			return apperr.Precondition(keyClosed, "This deal is closed; reopen it to change it")
		}
		pipe, err := s.pipeline(ctx, before.PipelineID)
		if err != nil {
			return err
		}
		st, ok := pipe.Stage(stageID)
		if !ok || st.Kind != pipeline.StageOpen {
			return apperr.Invalid("stage_id", keyStageUnknown, "Choose an open stage of the pipeline")
		}
		if version > 0 && version != before.Version {
			return valid.Changed()
		}
		if st.ID == before.StageID {
			out = before
			return nil
		}
		now := db.Millis(s.now())
		n, err := s.db.ExecAffected(ctx, `UPDATE crm_opportunity SET stage_id = $2, probability = $3, stage_changed_at = $4, version = version + 1,
			updated_at = $4 WHERE id = $1 AND version = $5`, id, st.ID, st.Probability, now, before.Version)
		if err != nil {
			return fmt.Errorf("pipeline: move: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		if err := s.history(ctx, id, before.StageID, st.ID, ""); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.opportunity.moved", EntityKind: pipeline.Kind, EntityID: id,
			Before: map[string]any{"stage_id": before.StageID}, After: map[string]any{"stage_id": st.ID}})
	})
	return out, err
}

// Win closes a deal as won.
func (s *Service) Win(ctx context.Context, id, reason string) (*pipeline.Opportunity, error) {
	return s.close(ctx, id, pipeline.StatusWon, reason)
}

// Lose closes a deal as lost; the reason is required.
func (s *Service) Lose(ctx context.Context, id, reason string) (*pipeline.Opportunity, error) {
	return s.close(ctx, id, pipeline.StatusLost, reason)
}

func (s *Service) close(ctx context.Context, id string, status pipeline.Status, reason string) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermWrite)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	if reason = strings.TrimSpace(reason); reason == "" && status == pipeline.StatusLost {
		probs.Add("reason", keyReason, "Say why the deal was lost")
	}
	probs.Text("reason", &reason, false, 500)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	var out *pipeline.Opportunity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if before.Status != pipeline.StatusOpen {
			return apperr.Precondition(keyClosed, "This deal is closed; reopen it to change it")
		}
		pipe, err := s.pipeline(ctx, before.PipelineID)
		if err != nil {
			return err
		}
		kind := pipeline.StageWon
		if status == pipeline.StatusLost {
			kind = pipeline.StageLost
		}
		st := pipe.Final(kind)
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `UPDATE crm_opportunity SET status = $2, stage_id = $3, probability = $4, reason = $5, closed_at = $6,
			stage_changed_at = $6, version = version + 1, updated_at = $6 WHERE id = $1`, id, string(status), st.ID, st.Probability, reason, now); err != nil {
			return fmt.Errorf("pipeline: close: %w", err)
		}
		if err := s.history(ctx, id, before.StageID, st.ID, reason); err != nil {
			return err
		}
		if status == pipeline.StatusWon && s.customers != nil {
			// A won deal keeps the customer from going back to the pool.
			if err := s.customers.Touch(ctx, before.AccountID, customer.TouchDeal, db.FromMillis(now)); err != nil {
				return err
			}
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.opportunity." + string(status), EntityKind: pipeline.Kind, EntityID: id,
			Before: map[string]any{"status": before.Status, "stage_id": before.StageID}, After: map[string]any{"status": status, "reason": reason}})
	})
	return out, err
}

// Reopen puts a closed deal back into the first open stage.
func (s *Service) Reopen(ctx context.Context, id string) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *pipeline.Opportunity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if before.Status == pipeline.StatusOpen {
			return apperr.Precondition(keyNotClosed, "This deal is open")
		}
		pipe, err := s.pipeline(ctx, before.PipelineID)
		if err != nil {
			return err
		}
		st := pipe.First()
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `UPDATE crm_opportunity SET status = 'open', stage_id = $2, probability = $3, reason = '', closed_at = 0,
			stage_changed_at = $4, version = version + 1, updated_at = $4 WHERE id = $1`, id, st.ID, st.Probability, now); err != nil {
			return fmt.Errorf("pipeline: reopen: %w", err)
		}
		if err := s.history(ctx, id, before.StageID, st.ID, ""); err != nil {
			return err
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.opportunity.reopened", EntityKind: pipeline.Kind, EntityID: id,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": "open"}})
	})
	return out, err
}

// Assign gives a deal to another owner.
func (s *Service) Assign(ctx context.Context, id, ownerID string) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermAssign)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	probs.ID("owner_id", &ownerID, true)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if u, err := s.dir.Get(ctx, ownerID); err != nil || !u.Active {
		if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
			return nil, err
		}
		return nil, apperr.Invalid("owner_id", keyOwnerUnknown, "This user is not known to the CRM yet")
	}
	var out *pipeline.Opportunity
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_opportunity SET owner_id = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			id, ownerID, db.Millis(s.now())); err != nil {
			return fmt.Errorf("pipeline: assign: %w", err)
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.opportunity.assigned", EntityKind: pipeline.Kind, EntityID: id,
			Before: map[string]string{"owner_id": before.OwnerID}, After: map[string]string{"owner_id": ownerID}})
	})
	return out, err
}

// Adopt moves the deals of a pending directory user to the real user.
func (s *Service) Adopt(ctx context.Context, pendingID, userID string) error {
	if _, err := s.db.Exec(ctx, `UPDATE crm_opportunity SET owner_id = $2 WHERE owner_id = $1`, pendingID, userID); err != nil {
		return fmt.Errorf("pipeline: adopt: %w", err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE crm_opportunity_history SET user_id = $2 WHERE user_id = $1`, pendingID, userID); err != nil {
		return fmt.Errorf("pipeline: adopt: %w", err)
	}
	return nil
}
