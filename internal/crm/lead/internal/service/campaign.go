package service

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

const (
	keyCodeInvalid = "crm.campaign.error.code_invalid"
	keyCodeTaken   = "crm.campaign.error.code_taken"
)

var campaignCode = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

const campaignCols = `c.id, c.code, c.name, c.source, c.active, c.title, c.intro, c.thank_you, c.version, c.created_at,
	(SELECT COUNT(*) FROM crm_lead l WHERE l.campaign_id = c.id)`

func scanCampaign(sc interface{ Scan(...any) error }) (lead.Campaign, error) {
	var c lead.Campaign
	var active int
	var created int64
	err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.Source, &active, &c.Title, &c.Intro, &c.ThankYou, &c.Version, &created, &c.Leads)
	c.Active, c.Created = active == 1, db.FromMillis(created)
	return c, err
}

// Campaigns returns every campaign, newest first.
func (s *Service) Campaigns(ctx context.Context) ([]lead.Campaign, error) {
	if _, err := require(ctx, lead.PermRead); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+campaignCols+` FROM crm_campaign c ORDER BY c.created_at DESC, c.id`)
	if err != nil {
		return nil, fmt.Errorf("lead: campaigns: %w", err)
	}
	defer rows.Close()
	out := []lead.Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Campaign returns one campaign.
func (s *Service) Campaign(ctx context.Context, id string) (*lead.Campaign, error) {
	if _, err := require(ctx, lead.PermRead); err != nil {
		return nil, err
	}
	return s.campaign(ctx, `c.id = $1`, id)
}

func (s *Service) campaign(ctx context.Context, where, arg string) (*lead.Campaign, error) {
	c, err := scanCampaign(s.db.QueryRow(ctx, `SELECT `+campaignCols+` FROM crm_campaign c WHERE `+where, arg))
	if isNoRows(err) {
		return nil, apperr.NotFound("campaign", arg)
	}
	if err != nil {
		return nil, fmt.Errorf("lead: campaign: %w", err)
	}
	return &c, nil
}

// CampaignByCode returns an active campaign for its public form.
func (s *Service) CampaignByCode(ctx context.Context, code string) (*lead.Campaign, error) {
	c, err := s.campaign(ctx, `c.code = $1 AND c.active = 1`, strings.ToLower(code))
	if err != nil {
		return nil, err
	}
	c.Leads = 0 // nothing for the public to see
	return c, nil
}

// SaveCampaign creates a campaign (empty id) or replaces one.
func (s *Service) SaveCampaign(ctx context.Context, c lead.Campaign) (*lead.Campaign, error) {
	if _, err := require(ctx, lead.PermManage); err != nil {
		return nil, err
	}
	var p valid.Problems
	c.Code = strings.ToLower(strings.TrimSpace(c.Code))
	p.Text("code", &c.Code, true, 40)
	if c.Code != "" && !p.Has("code") && !campaignCode.MatchString(c.Code) {
		p.Add("code", keyCodeInvalid, "Use lower-case letters, digits and -, 2 to 40 characters")
	}
	p.Text("name", &c.Name, true, 100)
	if c.Source == "" {
		c.Source = "web_form"
	}
	p.Choice("source", &c.Source, true, lead.Sources...)
	p.Text("title", &c.Title, false, 100)
	p.Text("intro", &c.Intro, false, 1000)
	p.Text("thank_you", &c.ThankYou, false, 500)
	if c.ID != "" && !db.ValidID(c.ID) {
		return nil, apperr.NotFound("campaign", c.ID)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out *lead.Campaign
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var taken int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_campaign WHERE code = $1 AND id <> $2`, c.Code, c.ID).Scan(&taken); err != nil {
			return fmt.Errorf("lead: check campaign code: %w", err)
		}
		if taken > 0 {
			return apperr.Invalid("code", keyCodeTaken, "Another campaign has this code")
		}
		now := db.Millis(s.now())
		active := 0
		if c.Active {
			active = 1
		}
		action := "crm.campaign.updated"
		if c.ID == "" {
			c.ID, action = db.NewID(), "crm.campaign.created"
			if _, err := s.db.Exec(ctx, `INSERT INTO crm_campaign (id, code, name, source, active, title, intro, thank_you, version, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)`, c.ID, c.Code, c.Name, c.Source, active, c.Title, c.Intro, c.ThankYou, now); err != nil {
				return fmt.Errorf("lead: create campaign: %w", err)
			}
		} else {
			q := `UPDATE crm_campaign SET code = $2, name = $3, source = $4, active = $5, title = $6, intro = $7, thank_you = $8,
				version = version + 1, updated_at = $9 WHERE id = $1`
			args := []any{c.ID, c.Code, c.Name, c.Source, active, c.Title, c.Intro, c.ThankYou, now}
			if c.Version > 0 {
				q += ` AND version = $10`
				args = append(args, c.Version)
			}
			n, err := s.db.ExecAffected(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("lead: update campaign: %w", err)
			}
			if n == 0 {
				if _, err := s.campaign(ctx, `c.id = $1`, c.ID); err != nil {
					return err
				}
				return valid.Changed()
			}
		}
		var err error
		if out, err = s.campaign(ctx, `c.id = $1`, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: action, EntityKind: "crm.campaign", EntityID: c.ID, After: out})
	})
	return out, err
}

// Submit captures a lead from a campaign's public form.
func (s *Service) Submit(ctx context.Context, code string, f lead.FormInput) (*lead.Lead, error) {
	sys := authz.WithPrincipal(ctx, authz.System())
	c, err := s.CampaignByCode(sys, code)
	if err != nil {
		return nil, err
	}
	in := lead.Input{Company: f.Company, ContactName: f.ContactName, Mobile: f.Mobile, Email: f.Email, Region: f.Region,
		ProductInterest: f.ProductInterest, Notes: f.Notes, Source: c.Source, CampaignID: c.ID}
	probs := check(&in)
	if in.Mobile == "" && in.Email == "" && !probs.Has("mobile") && !probs.Has("email") {
		probs.Add("mobile", keyNoContact, "Give a mobile number or an e-mail address")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	// Read the assignment rules before the transaction, where they may be cached.
	if _, err := s.routeRules(sys); err != nil {
		return nil, err
	}
	keys := keysOf(&in)
	var out *lead.Lead
	err = s.db.InTx(sys, func(ctx context.Context) error {
		l, err := s.insert(ctx, in, "", keys)
		out = l
		return err
	})
	return out, err
}
