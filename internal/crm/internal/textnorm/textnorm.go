// Package textnorm turns what people type about customers into forms that
// compare well: company names without width, spacing, case or legal-form
// differences, phone numbers as digits, e-mail addresses in lower case, and
// the pinyin initials of Chinese names for search.
package textnorm

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Fold narrows full-width characters (ＡＢＣ１２３（）) to their half-width
// forms, lower-cases Latin letters and collapses runs of white space to one
// space, trimming both ends.
func Fold(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// companySuffixes are legal forms and filler words that do not tell two
// companies apart, longest first so that 股份有限公司 goes before 有限公司.
// They are compared after Fold and with spaces and punctuation removed.
var companySuffixes = []string{
	"股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "总公司", "分公司", "公司",
	"coltd", "colimited", "corporation", "company", "limited", "corp", "inc", "ltd", "llc", "gmbh", "co",
}

// CompanyKey is the form of a company name used to find duplicates: folded
// (Fold), without spaces and punctuation, and without trailing legal forms
// such as 有限公司, 股份有限公司, Co., Ltd. or Inc. "华东精密压铸有限公司" and
// "华东精密压铸 （有限公司）" give the same key, as do "Acme Co., Ltd." and "ACME Inc".
func CompanyKey(name string) string {
	s := Fold(name)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	key := b.String()
	for changed := true; changed; {
		changed = false
		if slices.Contains(companySuffixes, key) {
			break
		}
		for _, suf := range companySuffixes {
			if len(key) > len(suf) && strings.HasSuffix(key, suf) {
				key = strings.TrimSuffix(key, suf)
				changed = true
				break
			}
		}
	}
	return key
}

// Phone keeps the digits of a phone number, dropping a leading +86 or 0086
// country code of a Chinese mobile number, so "+86 138-1234-5678" and
// "13812345678" compare equal. Full-width digits count as digits.
func Phone(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	for _, cc := range []string{"0086", "86"} {
		if rest, ok := strings.CutPrefix(d, cc); ok && len(rest) == 11 && rest[0] == '1' {
			return rest
		}
	}
	return d
}

// Email is an e-mail address folded for comparison: trimmed, half-width and
// lower-case.
func Email(s string) string {
	return strings.ToLower(strings.TrimSpace(width.Fold.String(s)))
}

// Search folds a search term the way stored search columns are folded.
func Search(s string) string { return Fold(s) }
