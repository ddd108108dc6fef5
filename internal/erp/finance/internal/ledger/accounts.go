package ledger

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Account is one account of the chart.
type Account struct {
	ID            string    `json:"id"`
	Code          string    `json:"code"`
	NameZH        string    `json:"name_zh"`
	NameEN        string    `json:"name_en"`
	Type          string    `json:"type"`
	NormalBalance string    `json:"normal_balance"`
	ParentID      string    `json:"parent_id,omitempty"`
	Level         int       `json:"level"`
	Currency      string    `json:"currency"` // "" base only, "*" any, else only that one
	Control       string    `json:"control"`  // "ar", "ap" or ""
	Cash          bool      `json:"cash"`
	ReportGroup   string    `json:"report_group"`
	Active        bool      `json:"active"`
	HasChildren   bool      `json:"has_children"`
	Version       int64     `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Name returns the account's name in a language.
func (a *Account) Name(lang string) string {
	if lang == i18n.ZH || a.NameEN == "" {
		return a.NameZH
	}
	return a.NameEN
}

// Leaf reports whether lines may be posted to the account.
func (a *Account) Leaf() bool { return !a.HasChildren }

// Accepts reports whether the account takes amounts in a currency.
func (a *Account) Accepts(currency, base string) bool {
	switch a.Currency {
	case "*":
		return true
	case "":
		return currency == base
	}
	return currency == a.Currency
}

// AccountInput creates or changes an account. The parent is the account
// whose code is the longest prefix of Code.
type AccountInput struct {
	Code          string
	NameZH        string
	NameEN        string
	Type          string // "" takes the parent's
	NormalBalance string // "" takes the parent's, or the type's usual one
	Currency      string
	Control       string
	Cash          bool
	ReportGroup   string // "" takes the parent's
	Active        bool
	Version       int64 // for updates: the Version read before the change
}

// chart is a cached copy of the accounts, rules and journals, valid while
// fin_company's chart_version and version stay the same.
type chart struct {
	version, companyVersion int64
	company                 Company
	accounts                map[string]*Account // by id
	byCode                  map[string]*Account
	ordered                 []*Account // by code
	rules                   []Rule
	journals                map[string]*Journal // by id
	defaultJournal          *Journal
}

// loadChart returns the chart as the transaction (or the database) in ctx
// sees it, from the cache when nothing changed.
func (s *Service) loadChart(ctx context.Context) (*chart, error) {
	var ver, cver int64
	if err := s.db.QueryRow(ctx, `SELECT chart_version, version FROM fin_company WHERE id = 1`).Scan(&ver, &cver); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errors.New("ledger: the company's books are not set up (EnsureCompany was not called)")
		}
		return nil, err
	}
	s.mu.Lock()
	c := s.chart
	s.mu.Unlock()
	if c != nil && c.version == ver && c.companyVersion == cver {
		return c, nil
	}
	c, err := s.readChart(ctx)
	if err != nil {
		return nil, err
	}
	c.version, c.companyVersion = ver, cver
	// Keep it only once it is committed: a rolled-back change must not stay cached.
	s.db.AfterCommit(ctx, func() {
		s.mu.Lock()
		if s.chart == nil || s.chart.version <= c.version {
			s.chart = c
		}
		s.mu.Unlock()
	})
	return c, nil
}

func (s *Service) readChart(ctx context.Context) (*chart, error) {
	comp, err := s.company(ctx)
	if err != nil {
		return nil, err
	}
	c := &chart{company: *comp, accounts: map[string]*Account{}, byCode: map[string]*Account{}, journals: map[string]*Journal{}}
	accts, err := s.queryAccounts(ctx, `ORDER BY code`)
	if err != nil {
		return nil, err
	}
	for i := range accts {
		a := &accts[i]
		c.accounts[a.ID], c.byCode[a.Code] = a, a
		c.ordered = append(c.ordered, a)
	}
	if c.rules, err = s.queryRules(ctx); err != nil {
		return nil, err
	}
	js, err := s.queryJournals(ctx)
	if err != nil {
		return nil, err
	}
	for i := range js {
		j := &js[i]
		c.journals[j.ID] = j
		if j.Default {
			c.defaultJournal = j
		}
	}
	return c, nil
}

const accountColumns = `id, code, name_zh, name_en, type, normal_balance, COALESCE(parent_id, ''), level,
	currency, control, cash, report_group, active, version, created_at, updated_at,
	EXISTS (SELECT 1 FROM fin_account c WHERE c.parent_id = fin_account.id)`

func (s *Service) queryAccounts(ctx context.Context, tail string, args ...any) ([]Account, error) {
	rows, err := s.db.Query(ctx, `SELECT `+accountColumns+` FROM fin_account `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var (
			a                Account
			cash, active     int
			created, updated int64
		)
		if err := rows.Scan(&a.ID, &a.Code, &a.NameZH, &a.NameEN, &a.Type, &a.NormalBalance, &a.ParentID, &a.Level,
			&a.Currency, &a.Control, &cash, &a.ReportGroup, &active, &a.Version, &created, &updated, &a.HasChildren); err != nil {
			return nil, err
		}
		a.Cash, a.Active = cash == 1, active == 1
		a.CreatedAt, a.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountFilter selects accounts; empty fields match everything.
type AccountFilter struct {
	Query      string // part of the code or a name
	Type       string
	ActiveOnly bool
	LeafOnly   bool
}

// Accounts returns the accounts of the chart by code; it needs PermAccountRead or PermEntryRead.
func (s *Service) Accounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	if _, err := requireAny(ctx, finance.PermAccountRead, finance.PermEntryRead, finance.PermReportRead); err != nil {
		return nil, err
	}
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	out := []Account{}
	for _, a := range c.ordered {
		switch {
		case f.Type != "" && a.Type != f.Type,
			f.ActiveOnly && !a.Active,
			f.LeafOnly && a.HasChildren,
			q != "" && !strings.HasPrefix(a.Code, q) && !strings.Contains(strings.ToLower(a.NameZH), q) && !strings.Contains(strings.ToLower(a.NameEN), q):
			continue
		}
		out = append(out, *a)
	}
	return out, nil
}

// Account returns one account by id or code.
func (s *Service) Account(ctx context.Context, idOrCode string) (*Account, error) {
	if _, err := requireAny(ctx, finance.PermAccountRead, finance.PermEntryRead, finance.PermReportRead); err != nil {
		return nil, err
	}
	c, err := s.loadChart(ctx)
	if err != nil {
		return nil, err
	}
	a := c.accounts[idOrCode]
	if a == nil {
		a = c.byCode[idOrCode]
	}
	if a == nil {
		return nil, notFound("account", idOrCode)
	}
	cp := *a
	return &cp, nil
}

var accountCode = regexp.MustCompile(`^[0-9]{1,16}$`)

// CreateAccount adds an account to the chart; it needs PermAccountManage.
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (*Account, error) {
	if _, err := require(ctx, finance.PermAccountManage); err != nil {
		return nil, err
	}
	var out *Account
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.readChart(ctx)
		if err != nil {
			return err
		}
		in = normalizeAccount(in)
		parent := parentByCode(c, in.Code)
		if parent != nil {
			if in.Type == "" {
				in.Type = parent.Type
			}
			if in.NormalBalance == "" {
				in.NormalBalance = parent.NormalBalance
			}
			if in.ReportGroup == "" {
				in.ReportGroup = parent.ReportGroup
			}
			// A sub-account of a bank account is a bank account, and one of
			// a receivables or payables account is kept by its documents too.
			in.Cash = in.Cash || parent.Cash
			if in.Control == "" {
				in.Control = parent.Control
			}
		}
		if in.NormalBalance == "" && in.Type != "" {
			in.NormalBalance = coa.NormalOf(in.Type)
		}
		bad, err := s.validateAccount(ctx, c, in, parent, nil)
		if err != nil {
			return err
		}
		if c.byCode[in.Code] != nil {
			bad = append(bad, fe("code", keyCodeTaken))
		}
		if err := fieldErrors(bad); err != nil {
			return err
		}
		if parent != nil {
			used, err := s.accountUsed(ctx, parent.ID)
			if err != nil {
				return err
			}
			if used {
				return invalidP("code", keyParentPosted, map[string]any{"Parent": parent.Code})
			}
		}
		id, now := db.NewID(), db.Millis(s.now())
		var parentID any
		level := 1
		if parent != nil {
			parentID, level = parent.ID, parent.Level+1
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_account (id, code, name_zh, name_en, type, normal_balance,
			parent_id, level, currency, control, cash, report_group, active, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14)`,
			id, in.Code, in.NameZH, in.NameEN, in.Type, in.NormalBalance, parentID, level, in.Currency, in.Control,
			boolInt(in.Cash), in.ReportGroup, boolInt(in.Active), now); err != nil {
			if db.IsUniqueViolation(err) {
				return invalid("code", keyCodeTaken)
			}
			return err
		}
		// The first sub-account takes over the posting rules of its parent,
		// which can no longer take lines.
		if parent != nil {
			for _, r := range c.rules {
				if r.AccountID != parent.ID {
					continue
				}
				if _, err := s.db.Exec(ctx, `UPDATE fin_rule SET account_id = $1, updated_at = $2 WHERE id = $3`, id, now, r.ID); err != nil {
					return err
				}
				after := r
				after.AccountID, after.UpdatedAt = id, db.FromMillis(now)
				if err := s.record(ctx, "fin.rule.updated", kindRule, r.ID, r, after); err != nil {
					return err
				}
			}
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		as, err := s.queryAccounts(ctx, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		out = &as[0]
		return s.record(ctx, "fin.account.created", kindAccount, id, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAccount changes an account; it needs PermAccountManage. The code,
// type and normal balance of an account with posted lines stay as they are.
func (s *Service) UpdateAccount(ctx context.Context, id string, in AccountInput) (*Account, error) {
	if _, err := require(ctx, finance.PermAccountManage); err != nil {
		return nil, err
	}
	var out *Account
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.readChart(ctx)
		if err != nil {
			return err
		}
		before := c.accounts[id]
		if before == nil {
			return notFound("account", id)
		}
		in = normalizeAccount(in)
		if in.Version != before.Version {
			return conflict(keyStale)
		}
		if in.Type == "" {
			in.Type = before.Type
		}
		if in.NormalBalance == "" {
			in.NormalBalance = before.NormalBalance
		}
		if in.ReportGroup == "" {
			in.ReportGroup = before.ReportGroup
		}
		if in.Code == "" {
			in.Code = before.Code
		}
		var parent *Account
		if before.ParentID != "" {
			parent = c.accounts[before.ParentID]
		}
		bad, err := s.validateAccount(ctx, c, in, parent, before)
		if err != nil {
			return err
		}
		used, err := s.accountUsed(ctx, id)
		if err != nil {
			return err
		}
		if in.Code != before.Code {
			switch {
			case used || before.HasChildren:
				bad = append(bad, fe("code", keyAccountUsed))
			case c.byCode[in.Code] != nil:
				bad = append(bad, fe("code", keyCodeTaken))
			case parentByCode(c, in.Code) != parent:
				bad = append(bad, fe("code", keyCodeInvalid))
			}
		}
		if used && in.Type != before.Type {
			bad = append(bad, fe("type", keyAccountUsed))
		}
		if used && in.NormalBalance != before.NormalBalance {
			bad = append(bad, fe("normal_balance", keyAccountUsed))
		}
		if before.HasChildren && in.Type != before.Type {
			bad = append(bad, fe("type", keyAccountHasChildren))
		}
		if !in.Active && before.Active {
			if slices.ContainsFunc(c.rules, func(r Rule) bool { return r.AccountID == id }) {
				bad = append(bad, fe("active", keyAccountInRule, map[string]any{"Account": before.Code}))
			}
		}
		if err := fieldErrors(bad); err != nil {
			return err
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_account SET code = $1, name_zh = $2, name_en = $3, type = $4,
			normal_balance = $5, currency = $6, control = $7, cash = $8, report_group = $9, active = $10,
			version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13`,
			in.Code, in.NameZH, in.NameEN, in.Type, in.NormalBalance, in.Currency, in.Control, boolInt(in.Cash),
			in.ReportGroup, boolInt(in.Active), db.Millis(s.now()), id, in.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyStale)
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		as, err := s.queryAccounts(ctx, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		out = &as[0]
		return s.record(ctx, "fin.account.updated", kindAccount, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteAccount removes an account that has no lines, no sub-accounts and
// no posting rules; it needs PermAccountManage.
func (s *Service) DeleteAccount(ctx context.Context, id string, version int64) error {
	if _, err := require(ctx, finance.PermAccountManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.readChart(ctx)
		if err != nil {
			return err
		}
		before := c.accounts[id]
		if before == nil {
			return notFound("account", id)
		}
		if version != before.Version {
			return conflict(keyStale)
		}
		used, err := s.accountUsed(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case used:
			return conflict(keyAccountUsed)
		case before.HasChildren:
			return conflict(keyAccountHasChildren)
		case slices.ContainsFunc(c.rules, func(r Rule) bool { return r.AccountID == id }):
			return conflict(keyAccountInRule, map[string]any{"Account": before.Code})
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_balance WHERE account_id = $1`, id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_account WHERE id = $1`, id); err != nil {
			return err
		}
		if err := s.bumpChart(ctx); err != nil {
			return err
		}
		return s.record(ctx, "fin.account.deleted", kindAccount, id, before, nil)
	})
}

func normalizeAccount(in AccountInput) AccountInput {
	in.Code = strings.TrimSpace(in.Code)
	in.NameZH = strings.TrimSpace(in.NameZH)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.Type = strings.TrimSpace(in.Type)
	in.NormalBalance = strings.TrimSpace(in.NormalBalance)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	in.Control = strings.TrimSpace(in.Control)
	in.ReportGroup = strings.TrimSpace(in.ReportGroup)
	return in
}

// validateAccount checks an account's own fields; before is nil for a new one.
func (s *Service) validateAccount(ctx context.Context, c *chart, in AccountInput, parent, before *Account) ([]fieldError, error) {
	var bad []fieldError
	if !accountCode.MatchString(in.Code) {
		bad = append(bad, fe("code", keyCodeInvalid))
	}
	if in.NameZH == "" {
		bad = append(bad, fe("name_zh", keyRequired))
	} else if utf8.RuneCountInString(in.NameZH) > 100 {
		bad = append(bad, fe("name_zh", keyTooLong))
	}
	if utf8.RuneCountInString(in.NameEN) > 100 {
		bad = append(bad, fe("name_en", keyTooLong))
	}
	if !slices.Contains(coa.Types, in.Type) {
		bad = append(bad, fe("type", keyTypeInvalid))
	} else if parent != nil && parent.Type != in.Type {
		bad = append(bad, fe("type", keyTypeParent, map[string]any{"Parent": parent.Code}))
	}
	if in.NormalBalance != coa.Debit && in.NormalBalance != coa.Credit {
		bad = append(bad, fe("normal_balance", keyNormalInvalid))
	}
	switch in.Currency {
	case "", "*":
	default:
		known, err := s.currencyKnown(ctx, in.Currency)
		if err != nil {
			return nil, err
		}
		if !known {
			bad = append(bad, fe("currency", keyCurrencyUnknown))
		} else if in.Currency == c.company.BaseCurrency {
			bad = append(bad, fe("currency", keyAccountCurrency))
		}
	}
	if in.Control != "" && in.Control != "ar" && in.Control != "ap" {
		bad = append(bad, fe("control", keyControlInvalid))
	}
	if in.ReportGroup != "" && !slices.Contains(coa.Groups(), in.ReportGroup) {
		bad = append(bad, fe("report_group", keyGroupInvalid))
	}
	if in.Active && parent != nil && !parent.Active {
		bad = append(bad, fe("active", keyParentInactive, map[string]any{"Parent": parent.Code}))
	}
	_ = before
	return bad, nil
}

// parentByCode returns the account whose code is the longest proper prefix of code.
func parentByCode(c *chart, code string) *Account {
	for n := len(code) - 1; n > 0; n-- {
		if a := c.byCode[code[:n]]; a != nil {
			return a
		}
	}
	return nil
}

// accountUsed reports whether any line (draft or posted) names the account.
func (s *Service) accountUsed(ctx context.Context, id string) (bool, error) {
	var used bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fin_line WHERE account_id = $1)`, id).Scan(&used)
	return used, err
}
