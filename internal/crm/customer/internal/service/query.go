package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// toMillis writes an optional time: the zero time is 0.
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return db.Millis(t)
}

// millis reads an optional epoch-millisecond time: zero stays the zero time.
func millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return db.FromMillis(ms)
}

const accountCols = `a.id, a.code, a.name, a.short_name, a.level, a.industry, a.tax_id, a.currency, a.status,
	COALESCE(a.parent_id, ''), COALESCE(pa.name, ''), a.owner_id, a.phone, a.mobile, a.email, a.website, a.region, a.notes,
	a.owned_at, a.last_contact_at, a.last_won_at, a.version, a.created_at, a.updated_at`

const accountFrom = ` FROM crm_account a LEFT JOIN crm_account pa ON pa.id = a.parent_id`

func scanAccount(sc interface{ Scan(...any) error }) (customer.Account, error) {
	var a customer.Account
	var level, status string
	var created, updated, owned, contact, won int64
	err := sc.Scan(&a.ID, &a.Code, &a.Name, &a.ShortName, &level, &a.Industry, &a.TaxID, &a.Currency, &status,
		&a.ParentID, &a.ParentName, &a.OwnerID, &a.Phone, &a.Mobile, &a.Email, &a.Website, &a.Region, &a.Notes,
		&owned, &contact, &won, &a.Version, &created, &updated)
	a.Level, a.Status = customer.Level(level), customer.Status(status)
	a.CreatedAt, a.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	a.OwnedAt, a.LastContactAt, a.LastWonAt = millis(owned), millis(contact), millis(won)
	a.Tags, a.Addresses = []string{}, []customer.Address{}
	return a, err
}

// load reads an account with its tags, addresses and owner's name,
// unmasked and whoever may see it.
func (s *Service) load(ctx context.Context, id string) (*customer.Account, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountCols+accountFrom+` WHERE a.id = $1`, id))
	if isNoRows(err) {
		return nil, apperr.NotFound("account", id)
	}
	if err != nil {
		return nil, fmt.Errorf("customer: read account: %w", err)
	}
	if err := s.fill(ctx, []*customer.Account{&a}, true); err != nil {
		return nil, err
	}
	return &a, nil
}

// fill adds owner names and tags to accounts, and addresses when asked.
func (s *Service) fill(ctx context.Context, accs []*customer.Account, addresses bool) error {
	if len(accs) == 0 {
		return nil
	}
	owners := make([]string, 0, len(accs))
	var a listq.Args
	ph := make([]string, 0, len(accs))
	byID := map[string]*customer.Account{}
	for _, acc := range accs {
		owners = append(owners, acc.OwnerID)
		ph = append(ph, a.Add(acc.ID))
		byID[acc.ID] = acc
	}
	names, err := s.dir.Names(ctx, owners)
	if err != nil {
		return err
	}
	for _, acc := range accs {
		acc.OwnerName = names[acc.OwnerID]
	}
	in := strings.Join(ph, ", ")
	rows, err := s.db.Query(ctx, `SELECT account_id, tag FROM crm_account_tag WHERE account_id IN (`+in+`) ORDER BY tag`, a...)
	if err != nil {
		return fmt.Errorf("customer: read tags: %w", err)
	}
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			rows.Close()
			return err
		}
		byID[id].Tags = append(byID[id].Tags, tag)
	}
	rows.Close()
	if err := rows.Err(); err != nil || !addresses {
		return err
	}
	rows, err = s.db.Query(ctx, `SELECT account_id, kind, province, city, district, street, postcode, recipient, phone
		FROM crm_account_address WHERE account_id IN (`+in+`) ORDER BY account_id, seq`, a...)
	if err != nil {
		return fmt.Errorf("customer: read addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		var ad customer.Address
		if err := rows.Scan(&id, &kind, &ad.Province, &ad.City, &ad.District, &ad.Street, &ad.Postcode, &ad.Recipient, &ad.Phone); err != nil {
			return err
		}
		ad.Kind = customer.AddressKind(kind)
		byID[id].Addresses = append(byID[id].Addresses, ad)
	}
	return rows.Err()
}

// visible reports whether p may see the account id.
func (s *Service) visible(ctx context.Context, p *authz.Principal, id string) (bool, error) {
	var a listq.Args
	cond := access.Filter(p, customer.Kind, "owner_id", &a)
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_account WHERE id = `+a.Add(id)+` AND `+cond, a...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("customer: check visibility: %w", err)
	}
	return n > 0, nil
}

// getVisible reads an account p may see, unmasked; NotFound otherwise.
func (s *Service) getVisible(ctx context.Context, p *authz.Principal, id string) (*customer.Account, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("account", id)
	}
	ok, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFound("account", id)
	}
	return s.load(ctx, id)
}

// getReadable reads an account p may see or that is in the pool,
// unmasked; NotFound otherwise.
func (s *Service) getReadable(ctx context.Context, p *authz.Principal, id string) (*customer.Account, error) {
	if !db.ValidID(id) {
		return nil, apperr.NotFound("account", id)
	}
	acc, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if acc.InPool() {
		return acc, nil
	}
	return s.getVisible(ctx, p, id)
}

// Get returns an account the caller may see.
func (s *Service) Get(ctx context.Context, id string) (*customer.Account, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return nil, err
	}
	acc, err := s.getVisible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.withReturn(ctx, p, acc)
}

// Open returns an account the caller may see or that is in the pool.
func (s *Service) Open(ctx context.Context, id string) (*customer.Account, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return nil, err
	}
	acc, err := s.getReadable(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.withReturn(ctx, p, acc)
}

// withReturn adds when the account goes back to the pool, and masks it for p.
func (s *Service) withReturn(ctx context.Context, p *authz.Principal, acc *customer.Account) (*customer.Account, error) {
	if !acc.InPool() && acc.Status == customer.StatusActive {
		ps, err := s.poolSettings(ctx)
		if err != nil {
			return nil, err
		}
		if ps.Enabled {
			acc.ReturnsAt = dueBack(ps.Rules[acc.Level], toMillis(acc.OwnedAt), toMillis(acc.LastContactAt), toMillis(acc.LastWonAt))
		}
	}
	mask(p, acc)
	return acc, nil
}

// Visible reports whether the caller may see the account.
func (s *Service) Visible(ctx context.Context, id string) (bool, error) {
	p := authz.FromContext(ctx)
	if p == nil || !db.ValidID(id) {
		return false, nil
	}
	return s.visible(ctx, p, id)
}

// Lookup finds an account the caller sees by its exact code or name.
func (s *Service) Lookup(ctx context.Context, codeOrName string) (*customer.Account, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return nil, err
	}
	codeOrName = strings.TrimSpace(codeOrName)
	var a listq.Args
	cond := access.Filter(p, customer.Kind, "owner_id", &a)
	var id string
	err = s.db.QueryRow(ctx, `SELECT id FROM crm_account WHERE (code = `+a.Add(codeOrName)+` OR name = `+a.Add(codeOrName)+`) AND `+cond+
		` ORDER BY CASE WHEN code = $1 THEN 0 ELSE 1 END, id LIMIT 1`, a...).Scan(&id)
	if isNoRows(err) {
		return nil, apperr.NotFound("account", codeOrName)
	}
	if err != nil {
		return nil, fmt.Errorf("customer: lookup: %w", err)
	}
	return s.Get(ctx, id)
}

// Sort orders of the account and contact lists.
var (
	contactSort     = api.SortSpec{Fields: []string{"name"}, Default: "name"}
	accountSort     = api.SortSpec{Fields: []string{"name", "code", "level", "created_at", "updated_at"}, Default: "name"}
	accountSortCols = map[string]listq.Col{
		"name": {SQL: "a.sort_key"}, "code": {SQL: "a.code"}, "level": {SQL: "a.level"},
		"created_at": {SQL: "a.created_at", Type: listq.Int}, "updated_at": {SQL: "a.updated_at", Type: listq.Int},
	}
)

// AccountSort is the sort spec of the account list, for the API's documentation.
func AccountSort() api.SortSpec { return accountSort }

// List returns a page of accounts the caller may see.
func (s *Service) List(ctx context.Context, f customer.Filter) (customer.Page, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return customer.Page{}, err
	}
	srt, err := listq.NewSort(accountSort, f.Sort, accountSortCols, "a.id")
	if err != nil {
		return customer.Page{}, err
	}
	var a listq.Args
	var w listq.Where
	if f.InPool {
		w.And(`a.owner_id = ''`)
	} else {
		w.And(access.Filter(p, customer.Kind, "a.owner_id", &a))
	}
	if q := textnorm.Search(f.Query); q != "" {
		w.And(`a.search LIKE ` + a.Add(listq.Like(q)) + ` ESCAPE '\'`)
	}
	if f.Level != "" {
		w.And(`a.level = ` + a.Add(string(f.Level)))
	}
	if f.Industry != "" {
		w.And(`a.industry = ` + a.Add(f.Industry))
	}
	if f.Status != "" {
		w.And(`a.status = ` + a.Add(string(f.Status)))
	}
	if f.OwnerID != "" {
		w.And(`a.owner_id = ` + a.Add(f.OwnerID))
	}
	if f.ParentID != "" {
		w.And(`a.parent_id = ` + a.Add(f.ParentID))
	}
	if f.Tag != "" {
		w.And(`a.id IN (SELECT account_id FROM crm_account_tag WHERE tag = ` + a.Add(textnorm.Fold(f.Tag)) + `)`)
	}
	var page customer.Page
	if f.Total {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM crm_account a`+w.SQL(), a...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("customer: count accounts: %w", err)
		}
	}
	limit := listq.Limit(f.Limit)
	if err := srt.After(f.Cursor, &w, &a); err != nil {
		return page, err
	}
	q := `SELECT ` + accountCols + accountFrom + w.SQL() + srt.OrderBy() + ` LIMIT ` + a.Add(limit+1)
	if f.Page > 1 && f.Cursor == "" {
		q += ` OFFSET ` + a.Add((f.Page-1)*limit)
	}
	rows, err := s.db.Query(ctx, q, a...)
	if err != nil {
		return page, fmt.Errorf("customer: list accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, acc)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		vals := make([]any, 0, len(srt.Order))
		for _, k := range srt.Order {
			vals = append(vals, sortValue(&last, k.Field))
		}
		if page.Next, err = srt.Cursor(vals, last.ID); err != nil {
			return page, err
		}
	}
	ptrs := make([]*customer.Account, len(page.Items))
	for i := range page.Items {
		ptrs[i] = &page.Items[i]
	}
	if err := s.fill(ctx, ptrs, false); err != nil {
		return page, err
	}
	for _, acc := range ptrs {
		mask(p, acc)
	}
	return page, nil
}

func sortValue(a *customer.Account, field string) any {
	switch field {
	case "code":
		return a.Code
	case "level":
		return string(a.Level)
	case "created_at":
		return db.Millis(a.CreatedAt)
	case "updated_at":
		return db.Millis(a.UpdatedAt)
	}
	return SortKey(a.Name)
}

// Tags returns the tags in use on accounts the caller sees.
func (s *Service) Tags(ctx context.Context) ([]string, error) {
	p, err := require(ctx, customer.PermRead)
	if err != nil {
		return nil, err
	}
	var a listq.Args
	cond := access.Filter(p, customer.Kind, "a.owner_id", &a)
	rows, err := s.db.Query(ctx, `SELECT DISTINCT t.tag FROM crm_account_tag t JOIN crm_account a ON a.id = t.account_id WHERE `+cond+` ORDER BY t.tag LIMIT 500`, a...)
	if err != nil {
		return nil, fmt.Errorf("customer: tags: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Duplicates finds accounts and contacts matching the given details.
func (s *Service) Duplicates(ctx context.Context, company, mobile, email string) ([]customer.Match, error) {
	if _, err := require(ctx, customer.PermRead); err != nil {
		return nil, err
	}
	var out []customer.Match
	seen := map[string]bool{}
	add := func(q string, on string, arg string) error {
		if arg == "" {
			return nil
		}
		rows, err := s.db.Query(ctx, q, arg)
		if err != nil {
			return fmt.Errorf("customer: duplicates: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m customer.Match
			if err := rows.Scan(&m.AccountID, &m.AccountName, &m.OwnerID, &m.ContactID, &m.ContactName); err != nil {
				return err
			}
			m.On = on
			key := m.AccountID + "/" + m.ContactID + "/" + on
			if !seen[key] {
				seen[key] = true
				out = append(out, m)
			}
		}
		return rows.Err()
	}
	if err := add(`SELECT id, name, owner_id, '', '' FROM crm_account WHERE name_key = $1 LIMIT 20`, "name", textnorm.CompanyKey(company)); err != nil {
		return nil, err
	}
	m := textnorm.Phone(mobile)
	if err := add(`SELECT id, name, owner_id, '', '' FROM crm_account WHERE mobile_key = $1 LIMIT 20`, "mobile", m); err != nil {
		return nil, err
	}
	if err := add(`SELECT a.id, a.name, a.owner_id, c.id, c.name FROM crm_contact c JOIN crm_account a ON a.id = c.account_id WHERE c.mobile_key = $1 LIMIT 20`, "mobile", m); err != nil {
		return nil, err
	}
	e := textnorm.Email(email)
	if err := add(`SELECT id, name, owner_id, '', '' FROM crm_account WHERE email_key = $1 LIMIT 20`, "email", e); err != nil {
		return nil, err
	}
	if err := add(`SELECT a.id, a.name, a.owner_id, c.id, c.name FROM crm_contact c JOIN crm_account a ON a.id = c.account_id WHERE c.email_key = $1 LIMIT 20`, "email", e); err != nil {
		return nil, err
	}
	return out, nil
}
