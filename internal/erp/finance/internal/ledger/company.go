package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/erp/finance"
	"github.com/loom-erp/loom/internal/erp/finance/internal/coa"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"

	_ "time/tzdata" // company time zones work on hosts without a zone database
)

// Defaults of a new company's books.
const (
	DefaultCurrency = "CNY"
	DefaultTimeZone = "Asia/Shanghai"
	DefaultTemplate = coa.SmallEnterprise
)

// Company is the company's books: who keeps them, in which currency, time
// zone and fiscal year, and from which chart template they started.
type Company struct {
	Name          string    `json:"name"`
	TaxID         string    `json:"tax_id"`
	BaseCurrency  string    `json:"base_currency"`
	TimeZone      string    `json:"time_zone"`
	FYStartMonth  int       `json:"fy_start_month"`
	BooksStart    string    `json:"books_start"`
	ChartTemplate string    `json:"chart_template"`
	Version       int64     `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Location returns the company's time zone.
func (c *Company) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CompanyInput changes the company's books.
type CompanyInput struct {
	Name         string
	TaxID        string
	BaseCurrency string
	TimeZone     string
	FYStartMonth int
	BooksStart   string
	// Version is the Version read before the change; another change since
	// makes the update fail.
	Version int64
}

// EnsureCompany creates the company's books with the defaults (CNY,
// Asia/Shanghai, a calendar fiscal year starting this year, the
// small-enterprise chart with its posting rules and the general journal)
// unless they exist. It is safe to call from several processes at once.
func (s *Service) EnsureCompany(ctx context.Context) error {
	ctx = authz.WithPrincipal(ctx, authz.System())
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		loc, _ := time.LoadLocation(DefaultTimeZone)
		start := fmt.Sprintf("%04d-01-01", now.In(loc).Year())
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_company (id, name, tax_id, base_currency, time_zone,
			fy_start_month, books_start, chart_template, chart_version, version, updated_at)
			VALUES (1, '', '', $1, $2, 1, $3, $4, 1, 1, $5) ON CONFLICT (id) DO NOTHING`,
			DefaultCurrency, DefaultTimeZone, start, DefaultTemplate, db.Millis(now))
		if err != nil || n == 0 {
			return err
		}
		for _, c := range coa.Currencies {
			if _, err := s.db.Exec(ctx, `INSERT INTO fin_currency (code, name_zh, name_en) VALUES ($1, $2, $3)
				ON CONFLICT (code) DO NOTHING`, c.Code, c.NameZH, c.NameEN); err != nil {
				return err
			}
		}
		t, _ := coa.Get(DefaultTemplate)
		if err := s.insertJournals(ctx, t.Journals); err != nil {
			return err
		}
		if err := s.insertTemplate(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, "fin.company.created", kindCompany, "1", nil, map[string]any{
			"base_currency": DefaultCurrency, "time_zone": DefaultTimeZone, "books_start": start, "chart_template": DefaultTemplate,
		})
	})
}

// Company returns the company's books.
func (s *Service) Company(ctx context.Context) (*Company, error) {
	if _, err := requireAny(ctx, finance.PermAccountRead, finance.PermSettingsManage, finance.PermEntryRead, finance.PermReportRead); err != nil {
		return nil, err
	}
	return s.company(ctx)
}

func (s *Service) company(ctx context.Context) (*Company, error) {
	var (
		c       Company
		updated int64
	)
	err := s.db.QueryRow(ctx, `SELECT name, tax_id, base_currency, time_zone, fy_start_month, books_start,
		chart_template, version, updated_at FROM fin_company WHERE id = 1`).
		Scan(&c.Name, &c.TaxID, &c.BaseCurrency, &c.TimeZone, &c.FYStartMonth, &c.BooksStart, &c.ChartTemplate, &c.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errors.New("ledger: the company's books are not set up (EnsureCompany was not called)")
	}
	if err != nil {
		return nil, err
	}
	c.UpdatedAt = db.FromMillis(updated)
	return &c, nil
}

// Today returns today's date in the company's time zone.
func (s *Service) Today(ctx context.Context) string {
	c, err := s.company(ctx)
	if err != nil {
		return s.now().UTC().Format(db.DateLayout)
	}
	return s.now().In(c.Location()).Format(db.DateLayout)
}

var taxIDPattern = regexp.MustCompile(`^[0-9A-Z]{15,20}$`)

// UpdateCompany changes the company's books; it needs PermSettingsManage.
// The base currency, fiscal year and books start cannot change once
// anything is posted.
func (s *Service) UpdateCompany(ctx context.Context, in CompanyInput) (*Company, error) {
	if _, err := require(ctx, finance.PermSettingsManage); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	in.TaxID = strings.ToUpper(strings.TrimSpace(in.TaxID))
	in.BaseCurrency = strings.ToUpper(strings.TrimSpace(in.BaseCurrency))
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	in.BooksStart = strings.TrimSpace(in.BooksStart)
	var out *Company
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.company(ctx)
		if err != nil {
			return err
		}
		var bad []fieldError
		if in.Name == "" {
			bad = append(bad, fe("name", keyRequired))
		} else if utf8.RuneCountInString(in.Name) > 200 {
			bad = append(bad, fe("name", keyTooLong))
		}
		if in.TaxID != "" && !taxIDPattern.MatchString(in.TaxID) {
			bad = append(bad, fe("tax_id", keyTaxIDInvalid))
		}
		if _, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "" || in.TimeZone == "Local" {
			bad = append(bad, fe("time_zone", keyTimeZoneInvalid))
		}
		if in.FYStartMonth < 1 || in.FYStartMonth > 12 {
			bad = append(bad, fe("fy_start_month", keyMonthInvalid))
		}
		if d, err := time.Parse(db.DateLayout, in.BooksStart); err != nil {
			bad = append(bad, fe("books_start", keyDateInvalid))
		} else if d.Day() != 1 {
			bad = append(bad, fe("books_start", keyBooksStartDay))
		}
		known, err := s.currencyKnown(ctx, in.BaseCurrency)
		if err != nil {
			return err
		}
		if !known {
			bad = append(bad, fe("base_currency", keyCurrencyUnknown))
		}
		if err := fieldErrors(bad); err != nil {
			return err
		}
		if in.Version != before.Version {
			return conflict(keyStale)
		}
		fixed := in.BaseCurrency != before.BaseCurrency || in.FYStartMonth != before.FYStartMonth || in.BooksStart != before.BooksStart
		if fixed {
			posted, err := s.hasEntries(ctx, true)
			if err != nil {
				return err
			}
			if posted {
				switch {
				case in.BaseCurrency != before.BaseCurrency:
					return invalid("base_currency", keyFixedAfterPosting)
				case in.FYStartMonth != before.FYStartMonth:
					return invalid("fy_start_month", keyFixedAfterPosting)
				default:
					return invalid("books_start", keyFixedAfterPosting)
				}
			}
		}
		if in.BaseCurrency != before.BaseCurrency {
			exist, err := s.hasEntries(ctx, false)
			if err != nil {
				return err
			}
			var rates int
			if err := s.db.QueryRow(ctx, `SELECT count(*) FROM fin_rate`).Scan(&rates); err != nil {
				return err
			}
			if exist || rates > 0 {
				return invalid("base_currency", keyBaseCurrencyInUse)
			}
		}
		if in.FYStartMonth != before.FYStartMonth {
			var changed int
			if err := s.db.QueryRow(ctx, `SELECT count(*) FROM fin_period WHERE status <> 'open'`).Scan(&changed); err != nil {
				return err
			}
			if changed > 0 {
				return invalid("fy_start_month", keyFixedAfterClose)
			}
			// Period rows carry the fiscal year; they are made again as needed.
			if _, err := s.db.Exec(ctx, `DELETE FROM fin_period`); err != nil {
				return err
			}
			s.db.AfterCommit(ctx, s.forgetPeriods)
		}
		n, err := s.db.ExecAffected(ctx, `UPDATE fin_company SET name = $1, tax_id = $2, base_currency = $3,
			time_zone = $4, fy_start_month = $5, books_start = $6, version = version + 1, updated_at = $7
			WHERE id = 1 AND version = $8`,
			in.Name, in.TaxID, in.BaseCurrency, in.TimeZone, in.FYStartMonth, in.BooksStart, db.Millis(s.now()), in.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(keyStale)
		}
		if out, err = s.company(ctx); err != nil {
			return err
		}
		return s.record(ctx, "fin.company.updated", kindCompany, "1", before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// hasEntries reports whether any entry exists, or any posted one.
func (s *Service) hasEntries(ctx context.Context, postedOnly bool) (bool, error) {
	q := `SELECT EXISTS (SELECT 1 FROM fin_entry)`
	if postedOnly {
		q = `SELECT EXISTS (SELECT 1 FROM fin_entry WHERE status = 'posted')`
	}
	var ok bool
	err := s.db.QueryRow(ctx, q).Scan(&ok)
	return ok, err
}

// ApplyTemplate replaces the chart of accounts and the posting rules with a
// template's; it needs PermSettingsManage and works only while no entry
// exists, drafts included.
func (s *Service) ApplyTemplate(ctx context.Context, name string) error {
	if _, err := require(ctx, finance.PermSettingsManage); err != nil {
		return err
	}
	t, ok := coa.Get(name)
	if !ok {
		return invalid("template", keyTemplateUnknown)
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		exist, err := s.hasEntries(ctx, false)
		if err != nil {
			return err
		}
		if exist {
			return invalid("template", keyTemplateInUse)
		}
		before, err := s.company(ctx)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_rule`); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_balance`); err != nil {
			return err
		}
		// Children before parents.
		if _, err := s.db.Exec(ctx, `UPDATE fin_account SET parent_id = NULL`); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM fin_account`); err != nil {
			return err
		}
		if err := s.insertTemplate(ctx, t); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE fin_company SET chart_template = $1, version = version + 1, updated_at = $2 WHERE id = 1`,
			t.Name, db.Millis(s.now())); err != nil {
			return err
		}
		return s.record(ctx, "fin.company.template_applied", kindCompany, "1",
			map[string]any{"chart_template": before.ChartTemplate}, map[string]any{"chart_template": t.Name})
	})
}

// insertTemplate writes a template's accounts and rules and bumps the chart version.
func (s *Service) insertTemplate(ctx context.Context, t coa.Template) error {
	now := db.Millis(s.now())
	ids := map[string]string{}
	levels := map[string]int{}
	for _, a := range t.Accounts {
		id := db.NewID()
		ids[a.Code] = id
		parent := t.Parent(a.Code)
		var parentID any
		level := 1
		if parent != "" {
			parentID, level = ids[parent], levels[parent]+1
		}
		levels[a.Code] = level
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_account (id, code, name_zh, name_en, type, normal_balance,
			parent_id, level, currency, control, cash, report_group, active, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, 1, $13, $13)`,
			id, a.Code, a.NameZH, a.NameEN, a.Type, a.NormalBalance(), parentID, level, a.Currency, a.Control,
			boolInt(a.Cash), a.Group, now); err != nil {
			return fmt.Errorf("ledger: template account %s: %w", a.Code, err)
		}
	}
	for _, r := range t.Rules {
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_rule (id, source_kind, role, item_category, warehouse,
			account_id, created_at, updated_at) VALUES ($1, '', $2, '', '', $3, $4, $4)`,
			db.NewID(), string(r.Role), ids[r.Code], now); err != nil {
			return fmt.Errorf("ledger: template rule %s: %w", r.Role, err)
		}
	}
	return s.bumpChart(ctx)
}

// insertJournals writes journals and their chain heads unless a journal of
// the same code exists.
func (s *Service) insertJournals(ctx context.Context, js []coa.Journal) error {
	now := db.Millis(s.now())
	for _, j := range js {
		id := db.NewID()
		n, err := s.db.ExecAffected(ctx, `INSERT INTO fin_journal (id, code, prefix, name_zh, name_en, is_default,
			active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) ON CONFLICT (code) DO NOTHING`,
			id, j.Code, j.Prefix, j.NameZH, j.NameEN, boolInt(j.Default), now)
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO fin_chain_head (journal_id, seq, hash) VALUES ($1, 0, $2)`, id, Genesis); err != nil {
			return err
		}
	}
	return s.bumpChart(ctx)
}

// bumpChart marks the chart (accounts, rules, journals) as changed, so
// cached copies are read again.
func (s *Service) bumpChart(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `UPDATE fin_company SET chart_version = chart_version + 1 WHERE id = 1`)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Period is one month of a fiscal year.
type Period struct {
	ID         string    `json:"id"` // YYYY-MM
	FiscalYear int       `json:"fiscal_year"`
	Number     int       `json:"number"`
	StartDate  string    `json:"start_date"`
	EndDate    string    `json:"end_date"`
	Status     string    `json:"status"` // open, closed or locked
	ChangedAt  time.Time `json:"changed_at,omitzero"`
	ChangedBy  string    `json:"changed_by,omitempty"`
}

// Period statuses.
const (
	PeriodOpen   = "open"
	PeriodClosed = "closed"
	PeriodLocked = "locked"
)

// periodOf returns the period of a date under the company's fiscal year.
func (c *Company) periodOf(d time.Time) Period {
	y, m := d.Year(), int(d.Month())
	fy := y
	if m < c.FYStartMonth {
		fy = y - 1
	}
	first := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	return Period{
		ID:         first.Format("2006-01"),
		FiscalYear: fy,
		Number:     (m-c.FYStartMonth+12)%12 + 1,
		StartDate:  first.Format(db.DateLayout),
		EndDate:    first.AddDate(0, 1, -1).Format(db.DateLayout),
		Status:     PeriodOpen,
	}
}

// yearPeriods returns the twelve periods of a fiscal year.
func (c *Company) yearPeriods(fy int) []Period {
	out := make([]Period, 0, 12)
	first := time.Date(fy, time.Month(c.FYStartMonth), 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		out = append(out, c.periodOf(first.AddDate(0, i, 0)))
	}
	return out
}

// FiscalYearOf returns the fiscal year a date belongs to.
func (c *Company) FiscalYearOf(date string) int {
	d, err := time.Parse(db.DateLayout, date)
	if err != nil {
		return 0
	}
	return c.periodOf(d).FiscalYear
}

// PeriodOfDate returns the period a date (YYYY-MM-DD) belongs to.
func (c *Company) PeriodOfDate(date string) (Period, bool) {
	d, err := time.Parse(db.DateLayout, date)
	if err != nil {
		return Period{}, false
	}
	return c.periodOf(d), true
}

// YearStart returns the first day of the fiscal year of a date.
func (c *Company) YearStart(date string) string {
	fy := c.FiscalYearOf(date)
	return time.Date(fy, time.Month(c.FYStartMonth), 1, 0, 0, 0, 0, time.UTC).Format(db.DateLayout)
}
