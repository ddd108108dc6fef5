// Package service implements the lead contract on the CRM database.
package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/notify"
)

// Message keys of this module's errors.
const (
	keyNoName          = "crm.lead.error.no_name"
	keyNoContact       = "crm.lead.error.no_contact"
	keyCampaignUnknown = "crm.lead.error.campaign_unknown"
	keyOwnerUnknown    = "crm.account.error.owner_unknown"
	keyOwnerForbidden  = "crm.lead.error.owner_forbidden"
	keyClosed          = "crm.lead.error.closed"
	keyReasonRequired  = "crm.lead.error.reason_required"
	keyStatus          = "crm.lead.error.status"
	keySameLead        = "crm.lead.error.same_lead"
	keyMergeField      = "crm.lead.error.merge_field"
	keyNoPipeline      = "crm.lead.error.no_pipeline"
)

// Service is lead.Service on the CRM database.
type Service struct {
	db        *db.DB
	dir       directory.Service
	customers customer.Service
	// pipelines creates the opportunity of a conversion; nil when the
	// pipeline module is not wired.
	pipelines pipeline.Service
	now       func() time.Time
	ruleCache ruleCache
}

// New returns the service.
func New(d *db.DB, dir directory.Service, customers customer.Service, pipelines pipeline.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, customers: customers, pipelines: pipelines, now: now}
}

var _ lead.Service = (*Service)(nil)

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

// check normalises a lead's input and reports every bad field.
func check(in *lead.Input) valid.Problems {
	var p valid.Problems
	p.Text("company", &in.Company, false, 100)
	p.Text("contact_name", &in.ContactName, false, 60)
	if in.Company == "" && in.ContactName == "" && !p.Has("company") && !p.Has("contact_name") {
		p.Add("company", keyNoName, "Give a company or a contact name")
	}
	p.Text("title", &in.Title, false, 60)
	p.Phone("mobile", &in.Mobile, false)
	p.Phone("phone", &in.Phone, false)
	p.Email("email", &in.Email, false)
	if in.Mobile == "" && in.Phone == "" && in.Email == "" && !p.Has("mobile") && !p.Has("phone") && !p.Has("email") {
		p.Add("mobile", keyNoContact, "Give a mobile number, a phone number or an e-mail address")
	}
	p.Text("region", &in.Region, false, 40)
	p.Choice("industry", &in.Industry, false, customer.Industries...)
	if in.Source == "" {
		in.Source = "manual"
	}
	p.Choice("source", &in.Source, true, lead.Sources...)
	p.ID("campaign_id", &in.CampaignID, false)
	p.Text("product_interest", &in.ProductInterest, false, 200)
	p.NotNegative("budget", in.Budget.Sign())
	if in.Currency == "" {
		in.Currency = "CNY"
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	p.Choice("currency", &in.Currency, true, customer.Currencies...)
	p.Text("notes", &in.Notes, false, 2000)
	p.ID("owner_id", &in.OwnerID, false)
	return p
}

func searchText(number string, in *lead.Input) string {
	return withNumber(number, keysOf(in).search)
}

// leadKeys are the normalised forms a lead is stored with: its search text
// without the number, and the keys duplicates are looked up by. Create
// works them out before its transaction, so that the writer does not.
type leadKeys struct{ search, company, mobile, email string }

func keysOf(in *lead.Input) leadKeys {
	return leadKeys{
		search: textnorm.Fold(strings.Join([]string{in.Company, in.ContactName, textnorm.Initials(in.Company),
			textnorm.Initials(in.ContactName), textnorm.Phone(in.Mobile), textnorm.Email(in.Email)}, " ")),
		company: textnorm.CompanyKey(in.Company), mobile: textnorm.Phone(in.Mobile), email: textnorm.Email(in.Email),
	}
}

// withNumber puts a lead's number before its folded search text, as
// textnorm.Fold of the two joined would.
func withNumber(number, search string) string {
	if search == "" {
		return textnorm.Fold(number)
	}
	return textnorm.Fold(number) + " " + search
}

// Create captures a lead.
func (s *Service) Create(ctx context.Context, in lead.Input) (*lead.Lead, error) {
	p, err := require(ctx, lead.PermWrite)
	if err != nil {
		return nil, err
	}
	probs := check(&in)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	owner := in.OwnerID
	if owner != "" && owner != p.UserID {
		if !p.Can(lead.PermAssign) {
			return nil, apperr.New(apperr.KindForbidden, keyOwnerForbidden, "You may not give leads to other users").
				AddField("owner_id", keyOwnerForbidden, "You may not give leads to other users")
		}
		if err := s.activeUser(ctx, owner); err != nil {
			return nil, err
		}
	}
	if owner == "" && !p.System && !p.Can(lead.PermAssign) {
		owner = p.UserID
	}
	if owner == "" {
		// Read the assignment rules before the transaction, where they may be cached.
		if _, err := s.routeRules(ctx); err != nil {
			return nil, err
		}
	}
	keys := keysOf(&in)
	var out *lead.Lead
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		l, err := s.insert(ctx, in, owner, keys)
		out = l
		return err
	})
	if err != nil {
		return nil, err
	}
	maskLead(p, out)
	return out, nil
}

// activeUser refuses an owner the directory does not know as active.
func (s *Service) activeUser(ctx context.Context, id string) error {
	u, err := s.dir.Get(ctx, id)
	if apperr.IsKind(err, apperr.KindNotFound) || (err == nil && !u.Active) {
		return apperr.Invalid("owner_id", keyOwnerUnknown, "This user is not known to the CRM yet")
	}
	return err
}

// insert writes a new lead inside the caller's transaction; an empty owner
// is taken from the assignment rules; keys are keysOf(&in). The lead it
// returns is built from what was written rather than read back: the
// campaign's name comes with the campaign check and the owner's name with the
// one read of the owner, which also decides whether the owner is told.
func (s *Service) insert(ctx context.Context, in lead.Input, owner string, keys leadKeys) (*lead.Lead, error) {
	campaignName := ""
	if in.CampaignID != "" {
		err := s.db.QueryRow(ctx, `SELECT name FROM crm_campaign WHERE id = $1`, in.CampaignID).Scan(&campaignName)
		if isNoRows(err) {
			return nil, apperr.Invalid("campaign_id", keyCampaignUnknown, "There is no such campaign")
		}
		if err != nil {
			return nil, fmt.Errorf("lead: check campaign: %w", err)
		}
	}
	var who *directory.User
	byRule := false
	if owner == "" {
		u, err := s.route(ctx, &in)
		if err != nil {
			return nil, err
		}
		if u != nil {
			owner, who, byRule = u.ID, u, true
		}
	} else {
		u, err := s.dir.Get(ctx, owner)
		switch {
		case err == nil:
			who = u
		case !apperr.IsKind(err, apperr.KindNotFound):
			return nil, err
		}
	}
	now := s.now()
	number, err := s.db.NextDocNumber(ctx, "LD", now)
	if err != nil {
		return nil, err
	}
	id := db.NewID()
	_, err = s.db.Exec(ctx, `INSERT INTO crm_lead (id, number, company, contact_name, title, mobile, phone, email, region, industry,
		source, campaign_id, product_interest, budget, currency, notes, status, reason, owner_id, account_id, contact_id,
		opportunity_id, merged_into, search, company_key, mobile_key, email_key, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'new', '', $17, '', '', '', '', $18, $19, $20, $21, 1, $22, $22)`,
		id, number, in.Company, in.ContactName, in.Title, in.Mobile, in.Phone, in.Email, in.Region, in.Industry, in.Source,
		nullable(in.CampaignID), in.ProductInterest, in.Budget, in.Currency, in.Notes, owner, withNumber(number, keys.search),
		keys.company, keys.mobile, keys.email, db.Millis(now))
	if err != nil {
		return nil, fmt.Errorf("lead: create: %w", err)
	}
	at := db.FromMillis(db.Millis(now))
	l := &lead.Lead{ID: id, Number: number, Company: in.Company, ContactName: in.ContactName, Title: in.Title, Mobile: in.Mobile,
		Phone: in.Phone, Email: in.Email, Region: in.Region, Industry: in.Industry, Source: in.Source, CampaignID: in.CampaignID,
		CampaignName: campaignName, ProductInterest: in.ProductInterest, Budget: in.Budget, Currency: in.Currency, Notes: in.Notes,
		Status: lead.StatusNew, OwnerID: owner, Version: 1, CreatedAt: at, UpdatedAt: at}
	if who != nil {
		l.OwnerName = who.Name
	}
	if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.created", EntityKind: lead.Kind, EntityID: id, After: l}); err != nil {
		return nil, err
	}
	if byRule || (owner != "" && owner != actorID(ctx)) {
		if err := s.tellUser(ctx, l, who); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func actorID(ctx context.Context) string {
	if p := authz.FromContext(ctx); p != nil {
		return p.UserID
	}
	return ""
}

// tell puts a new lead on its owner's bell.
func (s *Service) tell(ctx context.Context, l *lead.Lead) error {
	if !db.ValidID(l.OwnerID) {
		return nil
	}
	u, err := s.dir.Get(ctx, l.OwnerID)
	if err != nil {
		return nil
	}
	return s.tellUser(ctx, l, u)
}

// tellUser is tell with the owner already read (nil: not in the directory).
func (s *Service) tellUser(ctx context.Context, l *lead.Lead, u *directory.User) error {
	if !db.ValidID(l.OwnerID) || u == nil || u.Pending {
		return nil
	}
	return notify.Ask(ctx, s.db, notify.Request{UserID: l.OwnerID, Kind: "crm.lead", TitleKey: "crm.lead.notice.assigned",
		Params: map[string]any{"Number": l.Number, "Name": firstOf(l.Company, l.ContactName)}, Link: "/crm/leads/" + l.ID})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Update replaces a lead's fields.
func (s *Service) Update(ctx context.Context, id string, in lead.Input) (*lead.Lead, error) {
	p, err := require(ctx, lead.PermWrite)
	if err != nil {
		return nil, err
	}
	var out *lead.Lead
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !before.Status.Open() {
			return apperr.Precondition(keyClosed, "This lead is closed and cannot be changed")
		}
		if !access.SeesContact(p, lead.Kind, before.OwnerID) {
			in.Mobile, in.Email = before.Mobile, before.Email
		}
		in.OwnerID = ""
		if in.Source == "" {
			in.Source = before.Source
		}
		if err := check(&in).Err(); err != nil {
			return err
		}
		q := `UPDATE crm_lead SET company = $2, contact_name = $3, title = $4, mobile = $5, phone = $6, email = $7, region = $8,
			industry = $9, source = $10, campaign_id = $11, product_interest = $12, budget = $13, currency = $14, notes = $15,
			search = $16, company_key = $17, mobile_key = $18, email_key = $19, version = version + 1, updated_at = $20 WHERE id = $1`
		args := []any{id, in.Company, in.ContactName, in.Title, in.Mobile, in.Phone, in.Email, in.Region, in.Industry, in.Source,
			nullable(in.CampaignID), in.ProductInterest, in.Budget, in.Currency, in.Notes, searchText(before.Number, &in),
			textnorm.CompanyKey(in.Company), textnorm.Phone(in.Mobile), textnorm.Email(in.Email), db.Millis(s.now())}
		if in.Version > 0 {
			q += ` AND version = $21`
			args = append(args, in.Version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("lead: update: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		out, err = s.load(ctx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.updated", EntityKind: lead.Kind, EntityID: id, Before: before, After: out})
	})
	if err != nil {
		return nil, err
	}
	maskLead(p, out)
	return out, nil
}

// SetStatus moves an open lead on.
func (s *Service) SetStatus(ctx context.Context, id string, status lead.Status, reason string, version int) (*lead.Lead, error) {
	p, err := require(ctx, lead.PermWrite)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	st := string(status)
	probs.Choice("status", &st, true, string(lead.StatusNew), string(lead.StatusContacted), string(lead.StatusQualified), string(lead.StatusDisqualified))
	probs.Text("reason", &reason, false, 500)
	if st == string(lead.StatusDisqualified) && reason == "" && !probs.Has("reason") {
		probs.Add("reason", keyReasonRequired, "Say why the lead is disqualified")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if st != string(lead.StatusDisqualified) {
		reason = ""
	}
	var out *lead.Lead
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !before.Status.Open() {
			return apperr.Precondition(keyClosed, "This lead is closed and cannot be changed")
		}
		q := `UPDATE crm_lead SET status = $2, reason = $3, version = version + 1, updated_at = $4 WHERE id = $1`
		args := []any{id, st, reason, db.Millis(s.now())}
		if version > 0 {
			q += ` AND version = $5`
			args = append(args, version)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("lead: set status: %w", err)
		}
		if n == 0 {
			return valid.Changed()
		}
		out, err = s.load(ctx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.status_set", EntityKind: lead.Kind, EntityID: id,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": st, "reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	maskLead(p, out)
	return out, nil
}

// Assign gives a lead to another owner.
func (s *Service) Assign(ctx context.Context, id, ownerID string) (*lead.Lead, error) {
	p, err := require(ctx, lead.PermAssign)
	if err != nil {
		return nil, err
	}
	var probs valid.Problems
	probs.ID("owner_id", &ownerID, true)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if err := s.activeUser(ctx, ownerID); err != nil {
		return nil, err
	}
	var out *lead.Lead
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getVisible(ctx, p, id)
		if err != nil {
			return err
		}
		if !before.Status.Open() {
			return apperr.Precondition(keyClosed, "This lead is closed and cannot be changed")
		}
		if before.OwnerID == ownerID {
			out = before
			return nil
		}
		if _, err := s.db.Exec(ctx, `UPDATE crm_lead SET owner_id = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			id, ownerID, db.Millis(s.now())); err != nil {
			return fmt.Errorf("lead: assign: %w", err)
		}
		out, err = s.load(ctx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, s.db, audit.Entry{Action: "crm.lead.assigned", EntityKind: lead.Kind, EntityID: id,
			Before: map[string]string{"owner_id": before.OwnerID}, After: map[string]string{"owner_id": ownerID}}); err != nil {
			return err
		}
		if ownerID != p.UserID {
			return s.tell(ctx, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	maskLead(p, out)
	return out, nil
}

// Adopt moves the leads of a pending directory user to the real user.
func (s *Service) Adopt(ctx context.Context, pendingID, userID string) error {
	if _, err := s.db.Exec(ctx, `UPDATE crm_lead SET owner_id = $2 WHERE owner_id = $1`, pendingID, userID); err != nil {
		return fmt.Errorf("lead: adopt: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT id, members FROM crm_lead_rule`)
	if err != nil {
		return err
	}
	type rule struct{ id, members string }
	var rs []rule
	for rows.Next() {
		var r rule
		if err := rows.Scan(&r.id, &r.members); err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, r)
	}
	rows.Close()
	for _, r := range rs {
		ms := strings.Fields(r.members)
		if i := slices.Index(ms, pendingID); i >= 0 {
			s.rulesChanged(ctx)
			ms[i] = userID
			if _, err := s.db.Exec(ctx, `UPDATE crm_lead_rule SET members = $2 WHERE id = $1`, r.id, strings.Join(ms, " ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// maskLead hides the contact details of a lead from a caller who may not
// see them: anyone but its owner, unless it has none and the caller assigns leads.
func maskLead(p *authz.Principal, l *lead.Lead) {
	if l == nil || access.SeesContact(p, lead.Kind, l.OwnerID) || (l.OwnerID == "" && p.Can(lead.PermAssign)) {
		return
	}
	l.Mobile, l.Email = access.MaskPhone(l.Mobile), access.MaskEmail(l.Email)
	l.Masked = true
}
