package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
)

// Duplicates finds other leads, accounts and contacts that look like a lead.
func (s *Service) Duplicates(ctx context.Context, id string) ([]lead.Duplicate, error) {
	p, err := require(ctx, lead.PermRead)
	if err != nil {
		return nil, err
	}
	l, err := s.getVisible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	keys := map[string]string{"company": textnorm.CompanyKey(l.Company), "mobile": textnorm.Phone(l.Mobile), "email": textnorm.Email(l.Email)}
	var out []lead.Duplicate
	add := func(d lead.Duplicate, on string) {
		for i := range out {
			if out[i].Kind == d.Kind && out[i].ID == d.ID {
				if !slices.Contains(out[i].On, on) {
					out[i].On = append(out[i].On, on)
				}
				return
			}
		}
		d.On = []string{on}
		out = append(out, d)
	}
	for on, col := range map[string]string{"company": "company_key", "mobile": "mobile_key", "email": "email_key"} {
		if keys[on] == "" {
			continue
		}
		rows, err := s.db.Query(ctx, `SELECT id, number, company, contact_name, owner_id FROM crm_lead
			WHERE `+col+` = $1 AND id <> $2 AND status <> 'merged' ORDER BY created_at LIMIT 20`, keys[on], id)
		if err != nil {
			return nil, fmt.Errorf("lead: duplicates: %w", err)
		}
		for rows.Next() {
			var d lead.Duplicate
			var number, company, contact string
			if err := rows.Scan(&d.ID, &number, &company, &contact, &d.OwnerID); err != nil {
				rows.Close()
				return nil, err
			}
			d.Kind, d.Name = "lead", strings.TrimSpace(number+" "+company+" "+contact)
			add(d, on)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if out[i].Visible, err = s.visible(ctx, p, out[i].ID); err != nil {
			return nil, err
		}
	}
	if s.customers != nil && p.Can("crm.account.read") {
		ms, err := s.customers.Duplicates(ctx, l.Company, l.Mobile, l.Email)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			on := m.On
			if on == "name" {
				on = "company"
			}
			// A contact is shown (and opened) as its account.
			d := lead.Duplicate{Kind: "account", ID: m.AccountID, Name: m.AccountName, OwnerID: m.OwnerID}
			if m.ContactID != "" {
				d.Kind, d.Name = "contact", m.AccountName+" · "+m.ContactName
			}
			vis, err := s.customers.Visible(ctx, m.AccountID)
			if err != nil {
				return nil, err
			}
			d.Visible = vis
			add(d, on)
		}
	}
	return out, nil
}

// Merge folds lead dropID into keepID.
func (s *Service) Merge(ctx context.Context, keepID, dropID string, fromDrop []string) (*lead.Lead, error) {
	p, err := require(ctx, lead.PermWrite)
	if err != nil {
		return nil, err
	}
	if keepID == dropID {
		return nil, apperr.Invalid("drop_id", keySameLead, "A lead cannot be merged into itself")
	}
	for _, f := range fromDrop {
		if !slices.Contains(lead.MergeFields, f) {
			return nil, apperr.Invalid("fields", keyMergeField, "This field cannot be merged").WithParams(map[string]any{"Field": f})
		}
	}
	var out *lead.Lead
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		keep, err := s.getVisible(ctx, p, keepID)
		if err != nil {
			return err
		}
		drop, err := s.getVisible(ctx, p, dropID)
		if err != nil {
			return err
		}
		if !keep.Status.Open() || !drop.Status.Open() {
			return apperr.Precondition(keyClosed, "This lead is closed and cannot be changed")
		}
		in := inputOf(keep)
		from := inputOf(drop)
		for _, f := range fromDrop {
			switch f {
			case "company":
				in.Company = from.Company
			case "contact_name":
				in.ContactName = from.ContactName
			case "title":
				in.Title = from.Title
			case "mobile":
				in.Mobile = from.Mobile
			case "phone":
				in.Phone = from.Phone
			case "email":
				in.Email = from.Email
			case "region":
				in.Region = from.Region
			case "industry":
				in.Industry = from.Industry
			case "product_interest":
				in.ProductInterest = from.ProductInterest
			case "budget":
				in.Budget, in.Currency = from.Budget, from.Currency
			}
		}
		if drop.Notes != "" && !strings.Contains(in.Notes, drop.Notes) {
			in.Notes = strings.TrimSpace(in.Notes + "\n" + drop.Notes)
			if len([]rune(in.Notes)) > 2000 {
				in.Notes = string([]rune(in.Notes)[:2000])
			}
		}
		now := db.Millis(s.now())
		if _, err := s.db.Exec(ctx, `UPDATE crm_lead SET company = $2, contact_name = $3, title = $4, mobile = $5, phone = $6, email = $7,
			region = $8, industry = $9, product_interest = $10, budget = $11, currency = $12, notes = $13, search = $14, company_key = $15,
			mobile_key = $16, email_key = $17, version = version + 1, updated_at = $18 WHERE id = $1`,
			keepID, in.Company, in.ContactName, in.Title, in.Mobile, in.Phone, in.Email, in.Region, in.Industry, in.ProductInterest,
			in.Budget, in.Currency, in.Notes, searchText(keep.Number, &in), textnorm.CompanyKey(in.Company), textnorm.Phone(in.Mobile),
			textnorm.Email(in.Email), now); err != nil {
			return fmt.Errorf("lead: merge: %w", err)
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_lead SET status = 'merged', merged_into = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			dropID, keepID, now); err != nil {
			return fmt.Errorf("lead: merge: %w", err)
		}
		if out, err = s.load(ctx, keepID); err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.merged", EntityKind: lead.Kind, EntityID: keepID,
			Before: map[string]any{"kept": keep, "dropped": drop}, After: out}); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.merged_into", EntityKind: lead.Kind, EntityID: dropID,
			Before: map[string]any{"status": drop.Status}, After: map[string]any{"status": lead.StatusMerged, "merged_into": keepID}})
	})
	if err != nil {
		return nil, err
	}
	maskLead(p, out)
	return out, nil
}

func inputOf(l *lead.Lead) lead.Input {
	return lead.Input{Company: l.Company, ContactName: l.ContactName, Title: l.Title, Mobile: l.Mobile, Phone: l.Phone, Email: l.Email,
		Region: l.Region, Industry: l.Industry, Source: l.Source, CampaignID: l.CampaignID, ProductInterest: l.ProductInterest,
		Budget: l.Budget, Currency: l.Currency, Notes: l.Notes}
}
