// Package service implements the quote contract on the CRM database.
package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Service is quote.Service on the CRM database.
type Service struct {
	db        *db.DB
	dir       directory.Service
	customers customer.Service
	items     catalog.Service
	pipelines pipeline.Service // nil without the pipeline module
	now       func() time.Time
}

// New returns the service.
func New(d *db.DB, dir directory.Service, customers customer.Service, items catalog.Service, pipelines pipeline.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, dir: dir, customers: customers, items: items, pipelines: pipelines, now: now}
}

var _ quote.Service = (*Service)(nil)

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

// today is the calendar date in the company's time zone.
func (s *Service) today() string { return s.now().Local().Format(db.DateLayout) }

// The settings' keys in crm_setting.
const (
	setThreshold = "quote.discount_threshold"
	setCredit    = "quote.credit_policy"
	setValidity  = "quote.validity_days"
	setCompany   = "quote.company"
	setCompanyEN = "quote.company_en"
	setTerms     = "quote.terms"
	setTermsEN   = "quote.terms_en"
)

// defaults are the settings a company starts with.
func defaults() quote.Settings {
	return quote.Settings{DiscountThreshold: money.MustRate("0.1"), CreditPolicy: quote.CreditApprove, ValidityDays: 30}
}

func (s *Service) settings(ctx context.Context) (quote.Settings, error) {
	st := defaults()
	rows, err := s.db.Query(ctx, `SELECT key, value FROM crm_setting WHERE key LIKE 'quote.%'`)
	if err != nil {
		return st, fmt.Errorf("quote: read settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return st, err
		}
		switch k {
		case setThreshold:
			if r, err := money.ParseRate(v); err == nil {
				st.DiscountThreshold = r
			}
		case setCredit:
			st.CreditPolicy = quote.CreditPolicy(v)
		case setValidity:
			if n, err := strconv.Atoi(v); err == nil {
				st.ValidityDays = n
			}
		case setCompany:
			st.Company = v
		case setCompanyEN:
			st.CompanyEN = v
		case setTerms:
			st.Terms = v
		case setTermsEN:
			st.TermsEN = v
		}
	}
	return st, rows.Err()
}

// Settings returns the quote rules.
func (s *Service) Settings(ctx context.Context) (quote.Settings, error) {
	if _, err := require(ctx, quote.PermRead); err != nil {
		return quote.Settings{}, err
	}
	return s.settings(ctx)
}

// SaveSettings replaces the quote rules.
func (s *Service) SaveSettings(ctx context.Context, in quote.Settings) (quote.Settings, error) {
	if _, err := require(ctx, quote.PermManage); err != nil {
		return quote.Settings{}, err
	}
	var p valid.Problems
	if in.DiscountThreshold.Sign() < 0 || in.DiscountThreshold.Cmp(money.MustRate("1")) > 0 {
		p.Add("discount_threshold", keyRate01, "Enter a rate between 0 and 1")
	}
	cp := string(in.CreditPolicy)
	p.Choice("credit_policy", &cp, true, string(quote.CreditBlock), string(quote.CreditApprove))
	in.CreditPolicy = quote.CreditPolicy(cp)
	if in.ValidityDays < 1 || in.ValidityDays > 365 {
		p.Add("validity_days", keyValidity, "Between 1 and 365 days")
	}
	p.Text("company", &in.Company, false, 100)
	p.Text("company_en", &in.CompanyEN, false, 100)
	p.Text("terms", &in.Terms, false, 2000)
	p.Text("terms_en", &in.TermsEN, false, 2000)
	if err := p.Err(); err != nil {
		return quote.Settings{}, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.settings(ctx)
		if err != nil {
			return err
		}
		now := db.Millis(s.now())
		for k, v := range map[string]string{setThreshold: in.DiscountThreshold.String(), setCredit: string(in.CreditPolicy),
			setValidity: strconv.Itoa(in.ValidityDays), setCompany: in.Company, setCompanyEN: in.CompanyEN, setTerms: in.Terms, setTermsEN: in.TermsEN} {
			if _, err := s.db.Exec(ctx, `INSERT INTO crm_setting (key, value, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, now); err != nil {
				return fmt.Errorf("quote: save setting %s: %w", k, err)
			}
		}
		return audit.Record(ctx, s.db, audit.Entry{Action: "crm.quote_settings.saved", EntityKind: "crm.quote_settings", EntityID: "quote", Before: before, After: in})
	})
	if err != nil {
		return quote.Settings{}, err
	}
	return in, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func lineField(i int, name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }

func trimAll(ss ...*string) {
	for _, s := range ss {
		*s = strings.TrimSpace(*s)
	}
}
