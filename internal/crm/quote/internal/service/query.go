package service

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

const quoteCols = `q.id, q.number, q.revision, q.account_id, a.name, q.contact_id, q.opportunity_id, q.owner_id, q.currency, q.tax_mode,
	q.status, q.valid_until, q.requested_date, q.ship_to, q.payment_terms, q.notes, q.net, q.tax, q.gross, q.request_id,
	q.supersedes_id, q.superseded_by, q.decline_reason, q.version, q.sent_at, q.accepted_at, q.created_at, q.updated_at`

const quoteFrom = ` FROM crm_quote q JOIN crm_account a ON a.id = q.account_id`

func scanQuote(sc interface{ Scan(...any) error }) (quote.Quote, error) {
	var q quote.Quote
	var mode, status string
	var sent, accepted, created, updated int64
	err := sc.Scan(&q.ID, &q.Number, &q.Revision, &q.AccountID, &q.AccountName, &q.ContactID, &q.OpportunityID, &q.OwnerID, &q.Currency,
		&mode, &status, &q.ValidUntil, &q.RequestedDate, &q.ShipTo, &q.PaymentTerms, &q.Notes, &q.Net, &q.Tax, &q.Gross, &q.RequestID,
		&q.SupersedesID, &q.SupersededBy, &q.DeclineReason, &q.Version, &sent, &accepted, &created, &updated)
	q.TaxMode, q.Status = quote.TaxMode(mode), quote.Status(status)
	if sent > 0 {
		q.SentAt = db.FromMillis(sent)
	}
	if accepted > 0 {
		q.AcceptedAt = db.FromMillis(accepted)
	}
	q.CreatedAt, q.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	q.Lines = []quote.Line{}
	return q, err
}

func (s *Service) load(ctx context.Context, id string) (*quote.Quote, error) {
	q, err := scanQuote(s.db.QueryRow(ctx, `SELECT `+quoteCols+quoteFrom+` WHERE q.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("quote", id)
	}
	if err != nil {
		return nil, fmt.Errorf("quote: read: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT line_no, item_id, code, name, spec, uom, quantity, ref_price, source, unit_price, discount,
		net_price, vat_rate, net, tax, gross, reduction, below_floor FROM crm_quote_line WHERE quote_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return nil, fmt.Errorf("quote: read lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l quote.Line
		var src string
		var below int
		if err := rows.Scan(&l.No, &l.ItemID, &l.Code, &l.Name, &l.Spec, &l.UoM, &l.Quantity, &l.RefPrice, &src, &l.UnitPrice, &l.Discount,
			&l.NetPrice, &l.VATRate, &l.Net, &l.Tax, &l.Gross, &l.Reduction, &below); err != nil {
			return nil, err
		}
		l.Source, l.BelowFloor = quote.PriceSource(src), below == 1
		q.Lines = append(q.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.names(ctx, []*quote.Quote{&q}); err != nil {
		return nil, err
	}
	return &q, nil
}

func (s *Service) names(ctx context.Context, qs []*quote.Quote) error {
	ids := make([]string, 0, len(qs))
	for _, q := range qs {
		ids = append(ids, q.OwnerID)
	}
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return err
	}
	for _, q := range qs {
		q.OwnerName = names[q.OwnerID]
	}
	return nil
}

func (s *Service) visible(ctx context.Context, p *authz.Principal, id string) (bool, error) {
	var a listq.Args
	cond := access.Filter(p, quote.Kind, "q.owner_id", &a)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_quote q WHERE q.id = `+a.Add(id)+` AND `+cond, a...).Scan(&n); err != nil {
		return false, fmt.Errorf("quote: check visibility: %w", err)
	}
	return n > 0, nil
}

func (s *Service) getVisible(ctx context.Context, p *authz.Principal, id string) (*quote.Quote, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("quote", id)
	}
	ok, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("quote", id)
	}
	return s.load(ctx, id)
}

// Get returns a quote the caller may see.
func (s *Service) Get(ctx context.Context, id string) (*quote.Quote, error) {
	p, err := require(ctx, quote.PermRead)
	if err != nil {
		return nil, err
	}
	return s.getVisible(ctx, p, id)
}

var (
	quoteSort     = api.SortSpec{Fields: []string{"created_at", "number", "gross"}, Default: "-created_at"}
	quoteSortCols = map[string]listq.Col{"created_at": {SQL: "q.created_at", Type: listq.Int}, "number": {SQL: "q.number"}, "gross": {SQL: "q.gross", Type: listq.Int}}
)

// QuoteSort is the sort spec of the quote list.
func QuoteSort() api.SortSpec { return quoteSort }

// List returns a page of quotes the caller may see.
func (s *Service) List(ctx context.Context, f quote.Filter) (quote.Page, error) {
	var page quote.Page
	p, err := require(ctx, quote.PermRead)
	if err != nil {
		return page, err
	}
	srt, err := listq.NewSort(quoteSort, f.Sort, quoteSortCols, "q.id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	w.And(access.Filter(p, quote.Kind, "q.owner_id", &a))
	if !f.AllRevisions {
		w.And(`q.superseded_by = ''`)
	}
	if t := textnorm.Search(f.Query); t != "" {
		w.And(`q.search LIKE ` + a.Add(listq.Like(t)) + ` ESCAPE '\'`)
	}
	if f.AccountID != "" {
		w.And(`q.account_id = ` + a.Add(f.AccountID))
	}
	if f.OpportunityID != "" {
		w.And(`q.opportunity_id = ` + a.Add(f.OpportunityID))
	}
	if f.Status != "" {
		w.And(`q.status = ` + a.Add(string(f.Status)))
	}
	if f.OwnerID != "" {
		w.And(`q.owner_id = ` + a.Add(f.OwnerID))
	}
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_quote q`+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("quote: count: %w", err)
		}
	}
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	limit := listq.Limit(f.Limit)
	q := `SELECT ` + quoteCols + quoteFrom + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("quote: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		qt, err := scanQuote(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, qt)
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
			case "gross":
				vals = append(vals, last.Gross.Units())
			default:
				vals = append(vals, db.Millis(last.CreatedAt))
			}
		}
		if page.Next, err = srt.Cursor(vals, last.ID); err != nil {
			return page, err
		}
	}
	ptrs := make([]*quote.Quote, len(page.Items))
	for i := range page.Items {
		ptrs[i] = &page.Items[i]
	}
	return page, s.names(ctx, ptrs)
}

// Revisions returns every revision of a quote's number, newest first.
func (s *Service) Revisions(ctx context.Context, id string) ([]quote.Quote, error) {
	p, err := require(ctx, quote.PermRead)
	if err != nil {
		return nil, err
	}
	q, err := s.getVisible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+quoteCols+quoteFrom+` WHERE q.number = $1 ORDER BY q.revision DESC`, q.Number)
	if err != nil {
		return nil, fmt.Errorf("quote: revisions: %w", err)
	}
	defer rows.Close()
	var out []quote.Quote
	for rows.Next() {
		r, err := scanQuote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const approvalCols = `ap.id, ap.quote_id, q.number, q.revision, a.name, q.owner_id, q.gross, q.currency, ap.kind, ap.detail, ap.status,
	ap.requested_by, ap.requested_at, ap.decided_by, ap.decided_at, ap.comment`

const approvalFrom = ` FROM crm_quote_approval ap JOIN crm_quote q ON q.id = ap.quote_id JOIN crm_account a ON a.id = q.account_id`

func (s *Service) scanApprovals(ctx context.Context, q string, args ...any) ([]quote.Approval, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("quote: approvals: %w", err)
	}
	defer rows.Close()
	out := []quote.Approval{}
	var users []string
	for rows.Next() {
		var ap quote.Approval
		var kind, status, detail, owner string
		var requested, decided int64
		if err := rows.Scan(&ap.ID, &ap.QuoteID, &ap.QuoteNumber, &ap.Revision, &ap.AccountName, &owner, &ap.Gross, &ap.Currency, &kind, &detail,
			&status, &ap.RequestedBy, &requested, &ap.DecidedBy, &decided, &ap.Comment); err != nil {
			return nil, err
		}
		ap.Kind, ap.Status, ap.OwnerName = quote.ApprovalKind(kind), quote.ApprovalStatus(status), owner
		ap.RequestedAt = db.FromMillis(requested)
		if decided > 0 {
			ap.DecidedAt = db.FromMillis(decided)
		}
		if err := json.Unmarshal([]byte(detail), &ap.Detail); err != nil {
			return nil, fmt.Errorf("quote: approval detail: %w", err)
		}
		users = append(users, owner, ap.RequestedBy, ap.DecidedBy)
		out = append(out, ap)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names, err := s.dir.Names(ctx, users)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].OwnerName = names[out[i].OwnerName]
		out[i].RequestedBy = names[out[i].RequestedBy]
		if out[i].DecidedBy != "" {
			out[i].DecidedBy = names[out[i].DecidedBy]
		}
	}
	return out, nil
}

func (s *Service) approval(ctx context.Context, id string) (*quote.Approval, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("approval", id)
	}
	as, err := s.scanApprovals(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE ap.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, apperr.NotFound("approval", id)
	}
	return &as[0], nil
}

// Approvals lists a quote's approvals, or the caller's inbox.
func (s *Service) Approvals(ctx context.Context, quoteID string) ([]quote.Approval, error) {
	p, err := require(ctx, quote.PermRead)
	if err != nil {
		return nil, err
	}
	if quoteID != "" {
		if _, err := s.getVisible(ctx, p, quoteID); err != nil {
			return nil, err
		}
		return s.scanApprovals(ctx, `SELECT `+approvalCols+approvalFrom+` WHERE ap.quote_id = $1 ORDER BY ap.requested_at, ap.id`, quoteID)
	}
	var kinds []string
	for _, k := range []quote.ApprovalKind{quote.ApprovalDiscount, quote.ApprovalFloor, quote.ApprovalCredit} {
		if p.Can(k.Perm()) {
			kinds = append(kinds, string(k))
		}
	}
	if len(kinds) == 0 {
		return []quote.Approval{}, nil
	}
	var a listq.Args
	var w listq.Where
	w.And(`ap.status = 'pending'`)
	w.And(access.Filter(p, quote.Kind, "q.owner_id", &a))
	ph := ""
	for i, k := range kinds {
		if i > 0 {
			ph += ", "
		}
		ph += a.Add(k)
	}
	w.And(`ap.kind IN (` + ph + `)`)
	return s.scanApprovals(ctx, `SELECT `+approvalCols+approvalFrom+w.SQL()+` ORDER BY ap.requested_at, ap.id LIMIT 500`, a...)
}
