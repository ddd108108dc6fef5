package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/crm/contract"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

const contractCols = `c.id, c.number, c.title, c.account_id, a.name, c.opportunity_id, c.quote_id, c.currency, c.total, c.signed_date,
	c.start_date, c.end_date, c.status, c.reason, c.owner_id, c.notes, c.invoiced, c.paid, c.version, c.created_at, c.updated_at`

const contractFrom = ` FROM crm_contract c JOIN crm_account a ON a.id = c.account_id`

func scanContract(sc interface{ Scan(...any) error }) (contract.Contract, error) {
	var c contract.Contract
	var status string
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Number, &c.Title, &c.AccountID, &c.AccountName, &c.OpportunityID, &c.QuoteID, &c.Currency, &c.Total,
		&c.SignedDate, &c.StartDate, &c.EndDate, &status, &c.Reason, &c.OwnerID, &c.Notes, &c.Invoiced, &c.Paid, &c.Version, &created, &updated)
	c.Status = contract.Status(status)
	c.CreatedAt, c.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	c.Installments, c.Mismatches = []contract.Installment{}, []contract.Mismatch{}
	return c, err
}

// load reads a contract with its plan, whoever may see it.
func (s *Service) load(ctx context.Context, id string) (*contract.Contract, error) {
	c, err := scanContract(s.db.QueryRow(ctx, `SELECT `+contractCols+contractFrom+` WHERE c.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("contract", id)
	}
	if err != nil {
		return nil, fmt.Errorf("contract: read: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT no, due_date, amount, condition FROM crm_contract_installment WHERE contract_id = $1 ORDER BY no`, id)
	if err != nil {
		return nil, fmt.Errorf("contract: read plan: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it contract.Installment
		if err := rows.Scan(&it.No, &it.DueDate, &it.Amount, &it.Condition); err != nil {
			return nil, err
		}
		c.Installments = append(c.Installments, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.names(ctx, []*contract.Contract{&c}); err != nil {
		return nil, err
	}
	settle(&c, s.today())
	return &c, nil
}

// settle applies the contract's payments to its installments in order and
// names its mismatches.
func settle(c *contract.Contract, today string) {
	left := c.Paid
	for i := range c.Installments {
		it := &c.Installments[i]
		switch {
		case left.Cmp(it.Amount) >= 0:
			it.Paid, it.State = it.Amount, contract.StatePaid
		case left.Sign() > 0:
			it.Paid, it.State = left, contract.StatePartial
		default:
			it.Paid, it.State = money.Amount{}, contract.StatePlanned
		}
		left, _ = left.Sub(it.Paid)
		if it.State != contract.StatePaid && it.DueDate < today && c.Status == contract.StatusActive {
			it.State = contract.StateOverdue
		}
	}
	c.Mismatches = mismatches(c)
}

func mismatches(c *contract.Contract) []contract.Mismatch {
	out := []contract.Mismatch{}
	if c.Status == contract.StatusDraft || c.Status == contract.StatusCancelled {
		return out
	}
	for _, it := range c.Installments {
		if it.State == contract.StateOverdue {
			out = append(out, contract.MismatchOverdue)
			break
		}
	}
	if c.Invoiced.Cmp(c.Total) > 0 {
		out = append(out, contract.MismatchOverInvoiced)
	}
	if c.Paid.Cmp(c.Total) > 0 {
		out = append(out, contract.MismatchOverPaid)
	}
	return out
}

// mismatchSQL is the condition of a contract whose plan and reality differ
// (as mismatches computes it) on a day given as the argument at.
func mismatchSQL(at string) string {
	return `(c.status IN ('active', 'completed') AND (c.invoiced > c.total OR c.paid > c.total OR (c.status = 'active' AND EXISTS (
		SELECT 1 FROM crm_contract_installment i WHERE i.contract_id = c.id AND i.due_date < ` + at + ` AND i.cum_amount > c.paid))))`
}

func (s *Service) names(ctx context.Context, cs []*contract.Contract) error {
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.OwnerID)
	}
	names, err := s.dir.Names(ctx, ids)
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.OwnerName = names[c.OwnerID]
	}
	return nil
}

// getVisible reads a contract p may see; NotFound otherwise.
func (s *Service) getVisible(ctx context.Context, p *authz.Principal, id string) (*contract.Contract, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("contract", id)
	}
	var a listq.Args
	cond := access.Filter(p, contract.Kind, "owner_id", &a)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_contract WHERE id = `+a.Add(id)+` AND `+cond, a...).Scan(&n); err != nil {
		return nil, fmt.Errorf("contract: check visibility: %w", err)
	}
	if n == 0 {
		return nil, apperr.NotFound("contract", id)
	}
	return s.load(ctx, id)
}

// Get returns a contract the caller may see.
func (s *Service) Get(ctx context.Context, id string) (*contract.Contract, error) {
	p, err := require(ctx, contract.PermRead)
	if err != nil {
		return nil, err
	}
	return s.getVisible(ctx, p, id)
}

var contractSort = api.SortSpec{Fields: []string{"created_at"}, Default: "-created_at"}

// List returns a page of contracts the caller may see, newest first.
func (s *Service) List(ctx context.Context, f contract.Filter) (contract.Page, error) {
	var page contract.Page
	p, err := require(ctx, contract.PermRead)
	if err != nil {
		return page, err
	}
	srt, err := listq.NewSort(contractSort, "", map[string]listq.Col{"created_at": {SQL: "c.created_at", Type: listq.Int}}, "c.id")
	if err != nil {
		return page, err
	}
	var a listq.Args
	var w listq.Where
	w.And(access.Filter(p, contract.Kind, "c.owner_id", &a))
	if q := textnorm.Search(f.Query); q != "" {
		w.And(`c.search LIKE ` + a.Add(listq.Like(q)) + ` ESCAPE '\'`)
	}
	if f.Status != "" {
		w.And(`c.status = ` + a.Add(string(f.Status)))
	}
	if f.AccountID != "" {
		w.And(`c.account_id = ` + a.Add(f.AccountID))
	}
	if f.Mismatch {
		w.And(mismatchSQL(a.Add(s.today())))
	}
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_contract c`+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("contract: count: %w", err)
		}
	}
	limit := listq.Limit(f.Limit)
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	q := `SELECT ` + contractCols + contractFrom + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("contract: list: %w", err)
	}
	for rows.Next() {
		c, err := scanContract(rows)
		if err != nil {
			rows.Close()
			return page, err
		}
		page.Items = append(page.Items, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		if page.Next, err = srt.Cursor([]any{db.Millis(last.CreatedAt)}, last.ID); err != nil {
			return page, err
		}
	}
	if err := s.plans(ctx, page.Items); err != nil {
		return page, err
	}
	ptrs := make([]*contract.Contract, len(page.Items))
	for i := range page.Items {
		ptrs[i] = &page.Items[i]
	}
	return page, s.names(ctx, ptrs)
}

// plans reads the installments of listed contracts and settles them.
func (s *Service) plans(ctx context.Context, cs []contract.Contract) error {
	if len(cs) == 0 {
		return nil
	}
	var a listq.Args
	ph := make([]string, len(cs))
	byID := map[string]*contract.Contract{}
	for i := range cs {
		ph[i] = a.Add(cs[i].ID)
		byID[cs[i].ID] = &cs[i]
	}
	rows, err := s.db.Query(ctx, `SELECT contract_id, no, due_date, amount, condition FROM crm_contract_installment
		WHERE contract_id IN (`+strings.Join(ph, ", ")+`) ORDER BY contract_id, no`, a...)
	if err != nil {
		return fmt.Errorf("contract: read plans: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var it contract.Installment
		if err := rows.Scan(&id, &it.No, &it.DueDate, &it.Amount, &it.Condition); err != nil {
			return err
		}
		byID[id].Installments = append(byID[id].Installments, it)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	today := s.today()
	for i := range cs {
		settle(&cs[i], today)
	}
	return nil
}
