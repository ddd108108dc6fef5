// Package access applies the CRM's data scopes and field rules.
//
// Data scopes narrow rows by owner: a principal sees the rows it owns (own),
// the rows owned by members of its team (team), or every row (company). The
// scope comes from the roles' data scopes (authz.Principal.Scope); when no
// role grants one for the kind, it falls back by role: administrators see
// the whole company, sales managers their team, everyone else their own rows.
// Team membership is read from the CRM directory (crm_user, owned by
// internal/crm/directory), so a rep who moves team takes their rows along.
//
// Field rules: the mobile number and e-mail address of a customer are shown
// in full only to its owner and to holders of the unmask permission the
// caller names; everyone else sees them masked, in every list, page, export
// and API response.
package access

import (
	"strings"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/crm/internal/listq"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Scope returns the data scope p has on kind, after the fallback by role.
// A team scope without a team is an own scope.
func Scope(p *authz.Principal, kind string) authz.Scope {
	if p == nil {
		return authz.ScopeNone
	}
	s := p.Scope(kind)
	if s == authz.ScopeNone {
		switch {
		case p.System || p.HasRole(identity.RoleAdmin):
			s = authz.ScopeCompany
		case p.HasRole(identity.RoleSalesManager):
			s = authz.ScopeTeam
		default:
			s = authz.ScopeOwn
		}
	}
	if s == authz.ScopeTeam && p.TeamID == "" {
		s = authz.ScopeOwn
	}
	return s
}

// Filter returns the SQL condition that keeps the rows of kind p may see,
// given the column holding each row's owner. Rows without an owner are seen
// only with the company scope.
func Filter(p *authz.Principal, kind, ownerCol string, a *listq.Args) string {
	switch Scope(p, kind) {
	case authz.ScopeCompany:
		return "1 = 1"
	case authz.ScopeTeam:
		return "(" + ownerCol + " = " + a.Add(p.UserID) + " OR " + ownerCol +
			" IN (SELECT id FROM crm_user WHERE team_id = " + a.Add(p.TeamID) + "))"
	case authz.ScopeOwn:
		if p.UserID != "" {
			return ownerCol + " = " + a.Add(p.UserID)
		}
	}
	return "1 = 0"
}

// Owns reports whether p owns a row owned by ownerID.
func Owns(p *authz.Principal, ownerID string) bool {
	return p != nil && ownerID != "" && p.UserID == ownerID
}

// ContactFields are the fields of a customer, contact or lead that only its
// owner sees in full.
var ContactFields = []string{"mobile", "email"}

// ContactRule is the platform field rule of the CRM's contact details: the
// owner and holders of unmask see them, everyone else sees them masked
// (stricter than authz.OwnerOrMask: a manager sees the team's masked too).
func ContactRule(unmask authz.Permission) authz.FieldRule {
	return func(p *authz.Principal, o authz.Owner) authz.FieldAction {
		switch {
		case p == nil:
			return authz.FieldHide
		case Owns(p, o.UserID) || p.Can(unmask):
			return authz.FieldShow
		}
		return authz.FieldMask
	}
}

// RegisterContactRules registers ContactRule for the contact fields of a
// kind, so lists, exports, reports and API answers of the platform mask them
// as the CRM does.
func RegisterContactRules(kind string, unmask authz.Permission) {
	for _, f := range ContactFields {
		authz.RegisterFieldRule(kind, f, ContactRule(unmask))
	}
}

// SeesContact reports whether p sees the contact details of a row of kind
// owned by ownerID in full, by the kind's registered field rule: its owner,
// Loom itself, or a holder of the unmask permission.
func SeesContact(p *authz.Principal, kind, ownerID string) bool {
	return authz.FieldAccess(p, kind, "mobile", authz.Owner{UserID: ownerID}) == authz.FieldShow
}

// MaskPhone hides the middle of a phone number: 13812345678 becomes
// 138****5678; short numbers keep only their last two digits.
func MaskPhone(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	n := len(r)
	switch {
	case n >= 8:
		return string(r[:3]) + "****" + string(r[n-4:])
	case n > 2:
		return strings.Repeat("*", n-2) + string(r[n-2:])
	}
	return strings.Repeat("*", n)
}

// MaskEmail hides the name part of an address but its first character:
// li.lei@example.com becomes l***@example.com.
func MaskEmail(s string) string {
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return MaskPhone(s)
	}
	_, size := utf8.DecodeRuneInString(s)
	return s[:size] + "***" + s[at:]
}
