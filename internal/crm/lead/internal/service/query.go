package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

const leadCols = `l.id, l.number, l.company, l.contact_name, l.title, l.mobile, l.phone, l.email, l.region, l.industry, l.source,
	COALESCE(l.campaign_id, ''), COALESCE(c.name, ''), l.product_interest, l.budget, l.currency, l.notes, l.status, l.reason,
	l.owner_id, l.account_id, l.contact_id, l.opportunity_id, l.merged_into, l.version, l.created_at, l.updated_at`

const leadFrom = ` FROM crm_lead l LEFT JOIN crm_campaign c ON c.id = l.campaign_id`

func scanLead(sc interface{ Scan(...any) error }) (lead.Lead, error) {
	var l lead.Lead
	var status string
	var created, updated int64
	err := sc.Scan(&l.ID, &l.Number, &l.Company, &l.ContactName, &l.Title, &l.Mobile, &l.Phone, &l.Email, &l.Region, &l.Industry,
		&l.Source, &l.CampaignID, &l.CampaignName, &l.ProductInterest, &l.Budget, &l.Currency, &l.Notes, &status, &l.Reason,
		&l.OwnerID, &l.AccountID, &l.ContactID, &l.OpportunityID, &l.MergedInto, &l.Version, &created, &updated)
	l.Status = lead.Status(status)
	l.CreatedAt, l.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return l, err
}

// load reads a lead unmasked, whoever may see it.
func (s *Service) load(ctx context.Context, id string) (*lead.Lead, error) {
	l, err := scanLead(s.db.QueryRow(ctx, `SELECT `+leadCols+leadFrom+` WHERE l.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("lead", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lead: read: %w", err)
	}
	if err := s.names(ctx, []*lead.Lead{&l}); err != nil {
		return nil, err
	}
	return &l, nil
}

func (s *Service) names(ctx context.Context, ls []*lead.Lead) error {
	ids := make([]string, 0, len(ls))
	for _, l := range ls {
		ids = append(ids, l.OwnerID)
	}
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return err
	}
	for _, l := range ls {
		l.OwnerName = names[l.OwnerID]
	}
	return nil
}

// filter is the condition on l.owner_id that keeps the leads p may see:
// their scope, and the leads nobody owns for those who assign leads.
func filter(p *authz.Principal, a *listq.Args) string {
	cond := access.Filter(p, lead.Kind, "l.owner_id", a)
	if p.Can(lead.PermAssign) {
		cond = "(" + cond + " OR l.owner_id = '')"
	}
	return cond
}

func (s *Service) visible(ctx context.Context, p *authz.Principal, id string) (bool, error) {
	var a listq.Args
	cond := filter(p, &a)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_lead l WHERE l.id = `+a.Add(id)+` AND `+cond, a...).Scan(&n); err != nil {
		return false, fmt.Errorf("lead: check visibility: %w", err)
	}
	return n > 0, nil
}

func (s *Service) getVisible(ctx context.Context, p *authz.Principal, id string) (*lead.Lead, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("lead", id)
	}
	ok, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("lead", id)
	}
	return s.load(ctx, id)
}

// Get returns a lead the caller may see.
func (s *Service) Get(ctx context.Context, id string) (*lead.Lead, error) {
	p, err := require(ctx, lead.PermRead)
	if err != nil {
		return nil, err
	}
	l, err := s.getVisible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	maskLead(p, l)
	return l, nil
}

var (
	leadSort     = api.SortSpec{Fields: []string{"created_at", "number", "company"}, Default: "-created_at"}
	leadSortCols = map[string]listq.Col{"created_at": {SQL: "l.created_at", Type: listq.Int}, "number": {SQL: "l.number"}, "company": {SQL: "l.company"}}
)

// LeadSort is the sort spec of the lead list.
func LeadSort() api.SortSpec { return leadSort }

// List returns a page of leads the caller may see.
func (s *Service) List(ctx context.Context, f lead.Filter) (lead.Page, error) {
	var page lead.Page
	p, err := require(ctx, lead.PermRead)
	if err != nil {
		return page, err
	}
	srt, err := listq.NewSort(leadSort, f.Sort, leadSortCols, "l.id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	w.And(filter(p, &a))
	if q := textnorm.Search(f.Query); q != "" {
		w.And(`l.search LIKE ` + a.Add(listq.Like(q)) + ` ESCAPE '\'`)
	}
	switch {
	case f.Status != "":
		w.And(`l.status = ` + a.Add(string(f.Status)))
	case f.Open:
		w.And(`l.status IN ('new', 'contacted', 'qualified')`)
	}
	if f.Source != "" {
		w.And(`l.source = ` + a.Add(f.Source))
	}
	if f.CampaignID != "" {
		w.And(`l.campaign_id = ` + a.Add(f.CampaignID))
	}
	if f.OwnerID != "" {
		w.And(`l.owner_id = ` + a.Add(f.OwnerID))
	}
	if f.Unassigned {
		w.And(`l.owner_id = ''`)
	}
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_lead l`+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("lead: count: %w", err)
		}
	}
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	limit := listq.Limit(f.Limit)
	q := `SELECT ` + leadCols + leadFrom + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("lead: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, l)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		vals := make([]any, 0, len(srt.Order))
		for _, k := range srt.Order {
			switch k.Field {
			case "number":
				vals = append(vals, last.Number)
			case "company":
				vals = append(vals, last.Company)
			default:
				vals = append(vals, db.Millis(last.CreatedAt))
			}
		}
		if page.Next, err = srt.Cursor(vals, last.ID); err != nil {
			return page, err
		}
	}
	ptrs := make([]*lead.Lead, len(page.Items))
	for i := range page.Items {
		ptrs[i] = &page.Items[i]
	}
	if err := s.names(ctx, ptrs); err != nil {
		return page, err
	}
	for _, l := range ptrs {
		maskLead(p, l)
	}
	return page, nil
}
