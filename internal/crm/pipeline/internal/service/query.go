package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

const oppCols = `o.id, o.number, o.name, o.account_id, a.name, o.contact_id, o.pipeline_id, o.stage_id, st.name, st.name_en,
	o.probability, o.amount, o.currency, o.close_date, o.owner_id, o.status, o.reason, o.source, o.lead_id, o.notes, o.version,
	o.stage_changed_at, o.closed_at, o.created_at, o.updated_at`

const oppFrom = ` FROM crm_opportunity o JOIN crm_account a ON a.id = o.account_id JOIN crm_stage st ON st.id = o.stage_id`

// scanOpp reads an opportunity without its lines and owner's name.
func scanOpp(sc interface{ Scan(...any) error }) (pipeline.Opportunity, error) {
	var o pipeline.Opportunity
	var status string
	var changed, closed, created, updated int64
	err := sc.Scan(&o.ID, &o.Number, &o.Name, &o.AccountID, &o.AccountName, &o.ContactID, &o.PipelineID, &o.StageID, &o.StageName, &o.StageNameEN,
		&o.Probability, &o.Amount, &o.Currency, &o.CloseDate, &o.OwnerID, &status, &o.Reason, &o.Source, &o.LeadID, &o.Notes, &o.Version,
		&changed, &closed, &created, &updated)
	o.Status = pipeline.Status(status)
	o.StageChangedAt, o.CreatedAt, o.UpdatedAt = db.FromMillis(changed), db.FromMillis(created), db.FromMillis(updated)
	if closed > 0 {
		o.ClosedAt = db.FromMillis(closed)
	}
	o.Lines = []pipeline.Line{}
	return o, err
}

func (s *Service) load(ctx context.Context, id string) (*pipeline.Opportunity, error) {
	o, err := scanOpp(s.db.QueryRow(ctx, `SELECT `+oppCols+oppFrom+` WHERE o.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("opportunity", id)
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: read opportunity: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT item_id, code, name, quantity, unit_price, amount FROM crm_opportunity_line
		WHERE opportunity_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("pipeline: read lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l pipeline.Line
		if err := rows.Scan(&l.ItemID, &l.Code, &l.Name, &l.Quantity, &l.UnitPrice, &l.Amount); err != nil {
			return nil, err
		}
		o.Lines = append(o.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.names(ctx, []*pipeline.Opportunity{&o}); err != nil {
		return nil, err
	}
	return &o, nil
}

func (s *Service) names(ctx context.Context, os []*pipeline.Opportunity) error {
	ids := make([]string, 0, len(os))
	for _, o := range os {
		ids = append(ids, o.OwnerID)
	}
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return err
	}
	for _, o := range os {
		o.OwnerName = names[o.OwnerID]
	}
	return nil
}

func (s *Service) visible(ctx context.Context, p *authz.Principal, id string) (bool, error) {
	var a listq.Args
	cond := access.Filter(p, pipeline.Kind, "o.owner_id", &a)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_opportunity o WHERE o.id = `+a.Add(id)+` AND `+cond, a...).Scan(&n); err != nil {
		return false, fmt.Errorf("pipeline: check visibility: %w", err)
	}
	return n > 0, nil
}

func (s *Service) getVisible(ctx context.Context, p *authz.Principal, id string) (*pipeline.Opportunity, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("opportunity", id)
	}
	ok, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("opportunity", id)
	}
	return s.load(ctx, id)
}

// Get returns an opportunity the caller may see.
func (s *Service) Get(ctx context.Context, id string) (*pipeline.Opportunity, error) {
	p, err := require(ctx, pipeline.PermRead)
	if err != nil {
		return nil, err
	}
	return s.getVisible(ctx, p, id)
}

var (
	oppSort     = api.SortSpec{Fields: []string{"created_at", "close_date", "amount", "number", "name"}, Default: "-created_at"}
	oppSortCols = map[string]listq.Col{"created_at": {SQL: "o.created_at", Type: listq.Int}, "close_date": {SQL: "o.close_date"},
		"amount": {SQL: "o.amount", Type: listq.Int}, "number": {SQL: "o.number"}, "name": {SQL: "o.name"}}
)

// OpportunitySort is the sort spec of the opportunity list.
func OpportunitySort() api.SortSpec { return oppSort }

// where builds the conditions of a filter for p.
func where(p *authz.Principal, f pipeline.Filter, a *listq.Args) listq.Where {
	var w listq.Where
	w.And(access.Filter(p, pipeline.Kind, "o.owner_id", a))
	if q := textnorm.Search(f.Query); q != "" {
		w.And(`o.search LIKE ` + a.Add(listq.Like(q)) + ` ESCAPE '\'`)
	}
	if f.AccountID != "" {
		w.And(`o.account_id = ` + a.Add(f.AccountID))
	}
	if f.PipelineID != "" {
		w.And(`o.pipeline_id = ` + a.Add(f.PipelineID))
	}
	if f.StageID != "" {
		w.And(`o.stage_id = ` + a.Add(f.StageID))
	}
	if f.OwnerID != "" {
		w.And(`o.owner_id = ` + a.Add(f.OwnerID))
	}
	if f.Status != "" {
		w.And(`o.status = ` + a.Add(string(f.Status)))
	}
	return w
}

// List returns a page of opportunities the caller may see.
func (s *Service) List(ctx context.Context, f pipeline.Filter) (pipeline.Page, error) {
	var page pipeline.Page
	p, err := require(ctx, pipeline.PermRead)
	if err != nil {
		return page, err
	}
	srt, err := listq.NewSort(oppSort, f.Sort, oppSortCols, "o.id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	w := where(p, f, &a)
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_opportunity o`+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("pipeline: count: %w", err)
		}
	}
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	limit := listq.Limit(f.Limit)
	q := `SELECT ` + oppCols + oppFrom + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("pipeline: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOpp(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, o)
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
			case "close_date":
				vals = append(vals, last.CloseDate)
			case "amount":
				vals = append(vals, last.Amount.Units())
			case "number":
				vals = append(vals, last.Number)
			case "name":
				vals = append(vals, last.Name)
			default:
				vals = append(vals, db.Millis(last.CreatedAt))
			}
		}
		if page.Next, err = srt.Cursor(vals, last.ID); err != nil {
			return page, err
		}
	}
	ptrs := make([]*pipeline.Opportunity, len(page.Items))
	for i := range page.Items {
		ptrs[i] = &page.Items[i]
	}
	return page, s.names(ctx, ptrs)
}

// History returns an opportunity's stage changes, oldest first.
func (s *Service) History(ctx context.Context, id string) ([]pipeline.Change, error) {
	p, err := require(ctx, pipeline.PermRead)
	if err != nil {
		return nil, err
	}
	if _, err := s.getVisible(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT h.at, h.user_id, h.from_stage, h.to_stage, COALESCE(f.name, ''), COALESCE(f.name_en, ''),
		COALESCE(t.name, ''), COALESCE(t.name_en, ''), h.reason
		FROM crm_opportunity_history h LEFT JOIN crm_stage f ON f.id = h.from_stage LEFT JOIN crm_stage t ON t.id = h.to_stage
		WHERE h.opportunity_id = $1 ORDER BY h.at, h.id`, id)
	if err != nil {
		return nil, fmt.Errorf("pipeline: history: %w", err)
	}
	defer rows.Close()
	var out []pipeline.Change
	var users []string
	for rows.Next() {
		var c pipeline.Change
		var at int64
		if err := rows.Scan(&at, &c.UserID, &c.FromStage, &c.ToStage, &c.FromName, &c.FromNameEN, &c.ToName, &c.ToNameEN, &c.Reason); err != nil {
			return nil, err
		}
		c.At = db.FromMillis(at)
		users = append(users, c.UserID)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names, err := s.dir.Names(ctx, users)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].UserName = names[out[i].UserID]
	}
	return out, nil
}

// Board returns a pipeline's open deals the caller may see, by stage.
func (s *Service) Board(ctx context.Context, pipelineID string, f pipeline.Filter) (*pipeline.Board, error) {
	p, err := require(ctx, pipeline.PermRead)
	if err != nil {
		return nil, err
	}
	var pipe *pipeline.Pipeline
	if pipelineID == "" {
		pipe, err = s.defaultPipeline(ctx)
	} else {
		pipe, err = s.pipeline(ctx, pipelineID)
	}
	if err != nil {
		return nil, err
	}
	b := &pipeline.Board{Pipeline: *pipe}
	col := map[string]int{}
	for _, st := range pipe.Stages {
		if st.Kind == pipeline.StageOpen {
			col[st.ID] = len(b.Columns)
			b.Columns = append(b.Columns, pipeline.Column{Stage: st})
		}
	}
	f.PipelineID, f.Status, f.StageID = pipe.ID, pipeline.StatusOpen, ""
	var a listq.Args
	w := where(p, f, &a)
	rows, err := s.db.Query(ctx, `SELECT o.stage_id, COUNT(*), COALESCE(SUM(o.amount), 0) FROM crm_opportunity o`+w.SQL()+` GROUP BY o.stage_id`, a...)
	if err != nil {
		return nil, fmt.Errorf("pipeline: board totals: %w", err)
	}
	for rows.Next() {
		var stage string
		var n int
		var sum money.Amount
		if err := rows.Scan(&stage, &n, &sum); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := col[stage]; ok {
			c := &b.Columns[i]
			c.Count, c.Amount = n, sum
			c.Weighted, _ = sum.MulRate(c.Stage.Probability, money.RoundHalfUp)
			c.More = max(0, n-pipeline.BoardLimit)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q := `SELECT ` + strings.ReplaceAll(oppCols, "o.", "x.") + ` FROM (SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.stage_id
		ORDER BY CASE WHEN o.close_date = '' THEN 1 ELSE 0 END, o.close_date, o.id) AS rn FROM crm_opportunity o` + w.SQL() + `) x
		JOIN crm_account a ON a.id = x.account_id JOIN crm_stage st ON st.id = x.stage_id
		WHERE x.rn <= ` + a.Add(pipeline.BoardLimit) + ` ORDER BY x.stage_id, x.rn`
	rows, err = s.db.Query(ctx, q, a...)
	if err != nil {
		return nil, fmt.Errorf("pipeline: board: %w", err)
	}
	defer rows.Close()
	var all []*pipeline.Opportunity
	for rows.Next() {
		o, err := scanOpp(rows)
		if err != nil {
			return nil, err
		}
		if i, ok := col[o.StageID]; ok {
			b.Columns[i].Items = append(b.Columns[i].Items, o)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range b.Columns {
		for j := range b.Columns[i].Items {
			all = append(all, &b.Columns[i].Items[j])
		}
	}
	return b, s.names(ctx, all)
}
