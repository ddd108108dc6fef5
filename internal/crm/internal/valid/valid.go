// Package valid collects the problems of a CRM input, each naming its field,
// so a service can report every bad field at once and write nothing.
package valid

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/crm/internal/textnorm"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/money"
)

// Message keys shared by every CRM module (crmui's locales).
const (
	KeyRequired  = "crm.error.required"
	KeyTooLong   = "crm.error.too_long"
	KeyEmail     = "crm.error.invalid_email"
	KeyPhone     = "crm.error.invalid_phone"
	KeyChoice    = "crm.error.invalid_choice"
	KeyID        = "crm.error.invalid_id"
	KeyDate      = "crm.error.invalid_date"
	KeyAmount    = "crm.error.invalid_amount"
	KeyQuantity  = "crm.error.invalid_quantity"
	KeyRate      = "crm.error.invalid_rate"
	KeyNegative  = "crm.error.negative"
	KeyChanged   = "crm.error.changed"
	KeyNotFound  = "crm.common.not_found"
	defaultLimit = 200
)

// Problems collects field errors.
type Problems []apperr.FieldError

// Add records a problem with a field.
func (p *Problems) Add(field, key, msg string, params ...map[string]any) {
	fe := apperr.FieldError{Field: field, Key: key, Message: msg}
	if len(params) > 0 {
		fe.Params = params[0]
	}
	*p = append(*p, fe)
}

// Has reports whether a field already has a problem.
func (p Problems) Has(field string) bool {
	return slices.ContainsFunc(p, func(f apperr.FieldError) bool { return f.Field == field })
}

// Err returns the problems as one apperr error, or nil when there are none.
func (p Problems) Err() error { return apperr.InvalidFields(p...) }

// Text trims *s and checks it is present when required and at most max
// characters long (0 means 200).
func (p *Problems) Text(field string, s *string, required bool, max int) {
	*s = strings.TrimSpace(*s)
	if max <= 0 {
		max = defaultLimit
	}
	switch {
	case *s == "" && required:
		p.Add(field, KeyRequired, "This field is required")
	case utf8.RuneCountInString(*s) > max || !utf8.ValidString(*s):
		p.Add(field, KeyTooLong, "This is too long", map[string]any{"Max": max})
	}
}

// Email checks an optional e-mail address and trims it.
func (p *Problems) Email(field string, s *string, required bool) {
	p.Text(field, s, required, 254)
	if *s == "" || p.Has(field) {
		return
	}
	a, err := mail.ParseAddress(*s)
	if err != nil || a.Address != *s || !strings.Contains((*s)[strings.LastIndexByte(*s, '@'):], ".") {
		p.Add(field, KeyEmail, "Enter a valid e-mail address")
	}
}

var phoneChars = regexp.MustCompile(`^[0-9０-９+()（）\- .]{3,30}$`)

// Phone checks an optional phone number (digits, spaces, + - ( ) and dots,
// with at least five digits) and trims it.
func (p *Problems) Phone(field string, s *string, required bool) {
	p.Text(field, s, required, 30)
	if *s == "" || p.Has(field) {
		return
	}
	if !phoneChars.MatchString(*s) || len(textnorm.Phone(*s)) < 5 {
		p.Add(field, KeyPhone, "Enter a valid phone number")
	}
}

// Choice checks that *s (trimmed) is one of allowed; empty is allowed when
// not required.
func (p *Problems) Choice(field string, s *string, required bool, allowed ...string) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return
	}
	if !slices.Contains(allowed, *s) {
		p.Add(field, KeyChoice, "Choose one of the offered values")
	}
}

// ID checks an optional id is a UUID.
func (p *Problems) ID(field string, s *string, required bool) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return
	}
	if !db.ValidID(*s) {
		p.Add(field, KeyID, "This is not a valid id")
	}
}

// Date checks an optional calendar date YYYY-MM-DD.
func (p *Problems) Date(field string, s *string, required bool) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return
	}
	if _, err := time.Parse(db.DateLayout, *s); err != nil {
		p.Add(field, KeyDate, "Enter a date as YYYY-MM-DD")
	}
}

// Amount parses an amount typed in a form; empty gives zero (or a problem when required).
func (p *Problems) Amount(field, s string, required bool) money.Amount {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return money.Amount{}
	}
	a, err := money.ParseAmount(s)
	if err != nil {
		p.Add(field, KeyAmount, "Enter an amount such as 1234.50")
	}
	return a
}

// Quantity parses a quantity typed in a form.
func (p *Problems) Quantity(field, s string, required bool) money.Quantity {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return money.Quantity{}
	}
	q, err := money.ParseQuantity(s)
	if err != nil {
		p.Add(field, KeyQuantity, "Enter a quantity such as 12.5")
	}
	return q
}

// Rate parses a rate typed in a form.
func (p *Problems) Rate(field, s string, required bool) money.Rate {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			p.Add(field, KeyRequired, "This field is required")
		}
		return money.Rate{}
	}
	r, err := money.ParseRate(s)
	if err != nil {
		p.Add(field, KeyRate, "Enter a rate such as 0.13")
	}
	return r
}

// NotNegative adds a problem when sign < 0.
func (p *Problems) NotNegative(field string, sign int) {
	if sign < 0 && !p.Has(field) {
		p.Add(field, KeyNegative, "This cannot be negative")
	}
}

// Changed is the error for an update whose version is stale.
func Changed() error {
	return apperr.Precondition(KeyChanged, "Someone else changed this record in the meantime; reload it and try again")
}
