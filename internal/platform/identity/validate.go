package identity

import (
	"errors"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// Input limits.
const (
	MinPasswordLen = 8    // characters
	maxPasswordLen = 1024 // bytes
	maxLoginLen    = 64   // characters
	maxNameLen     = 100  // characters
	maxEmailLen    = 254  // bytes
	defaultLimit   = 50
	maxLimit       = 500
)

var (
	roleName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	kindName = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,79}$`)
)

// FieldErrors returns every *Error in err, for forms that mark each bad field.
func FieldErrors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		var e *Error
		switch x := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				walk(inner)
			}
		default:
			if errors.As(err, &e) {
				out = append(out, e)
			}
		}
	}
	walk(err)
	return out
}

// problems collects field errors and returns them as one error.
type problems []error

func (p *problems) add(e *Error) { *p = append(*p, e) }

func (p problems) err() error {
	switch len(p) {
	case 0:
		return nil
	case 1:
		return p[0]
	}
	return errors.Join(p...)
}

// loginKey is the case-insensitive form of a login under which it is unique.
func loginKey(login string) string { return strings.ToLower(login) }

func checkLogin(p *problems, login string) {
	switch {
	case login == "":
		p.add(invalid("login", keyRequired))
	case utf8.RuneCountInString(login) > maxLoginLen:
		p.add(invalid("login", keyTooLong))
	case !validLogin(login):
		p.add(invalid("login", keyLoginInvalid))
	}
}

// validLogin accepts letters (Chinese included), digits and . _ - @ +.
func validLogin(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@+", r) {
			return false
		}
	}
	return true
}

// checkText checks a required or optional one-line text of up to max characters.
func checkText(p *problems, field, v string, required bool, max int) {
	switch {
	case v == "":
		if required {
			p.add(invalid(field, keyRequired))
		}
	case !utf8.ValidString(v) || utf8.RuneCountInString(v) > max || strings.ContainsFunc(v, unicode.IsControl):
		p.add(invalid(field, keyTooLong))
	}
}

func checkEmail(p *problems, email string) {
	if email == "" {
		return
	}
	a, err := mail.ParseAddress(email)
	if len(email) > maxEmailLen || err != nil || a.Address != email || a.Name != "" {
		p.add(invalid("email", keyEmailInvalid))
	}
}

func checkLocale(p *problems, locale string) {
	if locale != "" && locale != LocaleEN && locale != LocaleZH {
		p.add(invalid("locale", keyLocaleInvalid))
	}
}

// checkPassword applies the password policy to a new password.
func checkNewPassword(p *problems, field, pw string) {
	switch {
	case pw == "":
		p.add(invalid(field, keyRequired))
	case len(pw) > maxPasswordLen:
		p.add(invalid(field, keyPasswordLong))
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		p.add(invalid(field, keyPasswordShort))
	}
}

func checkLimit(p *problems, limit int) int {
	switch {
	case limit == 0:
		return defaultLimit
	case limit < 0 || limit > maxLimit:
		p.add(invalid("limit", keyLimitRange))
	}
	return limit
}

// sortedSet returns the distinct values of v, sorted.
func sortedSet[T ~string](v []T) []T {
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// symmetricDiff returns the values in exactly one of a and b (both sorted sets).
func symmetricDiff[T ~string](a, b []T) []T {
	var out []T
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if _, found := slices.BinarySearch(a, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// grantable reports whether perm may be granted to a role: registered, and
// not one of the markers every route understands.
func grantable(perm authz.Permission) bool {
	return perm != authz.Public && perm != authz.Authenticated && authz.Known(perm)
}
