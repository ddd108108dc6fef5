package authz

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// FieldAction says what a principal may see of one field of a record.
type FieldAction int

// What a field rule allows.
const (
	FieldShow FieldAction = iota // the value as stored
	FieldMask                    // a masked value, such as 138****5678
	FieldHide                    // nothing at all
)

// Owner is who a record belongs to, for rules that depend on it.
type Owner struct {
	UserID string
	TeamID string
}

// FieldRule decides what p may see of a field of a record owned by owner.
type FieldRule func(p *Principal, owner Owner) FieldAction

var (
	fieldMu    sync.RWMutex
	fieldRules = map[string]FieldRule{} // "kind.field" → rule
)

// RegisterFieldRule sets the rule of one field of a resource kind, such as
// ("crm.account", "mobile"); modules register their rules when wired. Every
// list, export, report and API response of the kind applies it through
// FieldAccess or Apply.
func RegisterFieldRule(kind, field string, r FieldRule) {
	fieldMu.Lock()
	defer fieldMu.Unlock()
	fieldRules[kind+"."+field] = r
}

// FieldAccess returns what p may see of a field; fields without a rule are
// shown, and Loom itself (System) sees everything.
func FieldAccess(p *Principal, kind, field string, owner Owner) FieldAction {
	if p != nil && p.System {
		return FieldShow
	}
	fieldMu.RLock()
	r := fieldRules[kind+"."+field]
	fieldMu.RUnlock()
	if r == nil {
		return FieldShow
	}
	return r(p, owner)
}

// Apply returns the value of a field as p may see it: as stored, masked, or
// empty.
func Apply(p *Principal, kind, field string, owner Owner, value string) string {
	switch FieldAccess(p, kind, field, owner) {
	case FieldMask:
		return Mask(value)
	case FieldHide:
		return ""
	}
	return value
}

// OwnerOrMask is the common rule: the owner, the owner's team manager (team
// scope on the kind) and company-wide users see the value; everyone else sees
// it masked.
func OwnerOrMask(kind string) FieldRule {
	return func(p *Principal, o Owner) FieldAction {
		if p == nil {
			return FieldHide
		}
		switch p.Scope(kind) {
		case ScopeCompany:
			return FieldShow
		case ScopeTeam:
			if o.TeamID != "" && o.TeamID == p.TeamID {
				return FieldShow
			}
		}
		if o.UserID != "" && o.UserID == p.UserID {
			return FieldShow
		}
		return FieldMask
	}
}

// HiddenUnless hides a field (such as cost or margin) from everyone who
// lacks perm.
func HiddenUnless(perm Permission) FieldRule {
	return func(p *Principal, _ Owner) FieldAction {
		if p.Can(perm) {
			return FieldShow
		}
		return FieldHide
	}
}

// Mask hides the middle of a value: an e-mail keeps its first character and
// its domain (z***@example.com), anything else its first three and last four
// characters (138****5678); short values are masked whole.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		first, _ := utf8.DecodeRuneInString(s)
		return string(first) + "***" + s[at:]
	}
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
