// Package i18n translates Loom's user interface into English and Simplified
// Chinese.
//
// Text shown to users lives in TOML message files, one per language, never in
// Go code. The platform's own files are embedded from locales/. A module adds
// its own with Register, from files named after the language:
//
//	crm.en.toml        crm.zh-Hans.toml
//
// (en.toml and zh-Hans.toml work too). Prefix every key with the module's name
// (crm.customer.name) so modules never collide; Register refuses a key that is
// already defined. A message is either a string or a table of plural forms:
//
//	[notifications.unread]
//	one = "{{.Count}} unread notification"
//	other = "{{.Count}} unread notifications"
//
// Placeholders are Go template fields ({{.Name}}); both languages must use the
// same ones. Verify checks this for every file registered, and each module's
// tests should call it.
package i18n

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/BurntSushi/toml"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The languages Loom speaks.
const (
	EN = "en"      // English, the fallback for missing messages
	ZH = "zh-Hans" // Simplified Chinese
)

// Langs returns the languages Loom speaks, in the order a language switch shows them.
func Langs() []string { return []string{ZH, EN} }

var tags = map[string]language.Tag{EN: language.English, ZH: language.SimplifiedChinese}

//go:embed locales/*.toml
var locales embed.FS

// store holds message files, parsed and indexed, for both languages.
type store struct {
	mu         sync.RWMutex
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
	// catalog holds every message by language and id, with the file it came from.
	catalog map[string]map[string]entry
}

type entry struct {
	msg  *goi18n.Message
	file string
}

// messageFile is one parsed message file.
type messageFile struct {
	lang, path string
	msgs       []*goi18n.Message
}

func newStore() *store {
	b := goi18n.NewBundle(language.English)
	return &store{
		bundle:     b,
		localizers: map[string]*goi18n.Localizer{EN: goi18n.NewLocalizer(b, EN), ZH: goi18n.NewLocalizer(b, ZH)},
		catalog:    map[string]map[string]entry{EN: {}, ZH: {}},
	}
}

// std is the store behind Register, T and TL.
var std = newStore()

func init() {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	Register(sub)
}

// Register adds every *.toml message file found in fsys. The language comes
// from the file name: x.en.toml or en.toml is English, x.zh-Hans.toml or
// zh-Hans.toml is Simplified Chinese; files of other types are ignored.
// It panics on a file it cannot read, an unknown language or a key defined
// twice, since message files are embedded in the binary and such a mistake
// must stop it at start-up. Call it at wiring time, before serving requests.
func Register(fsys fs.FS) {
	if err := std.register(fsys); err != nil {
		panic(err)
	}
}

func (s *store) register(fsys fs.FS) error {
	files, err := parseFS(fsys)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Check every file before adding any, so a failed Register changes nothing.
	seen := map[string]map[string]string{EN: {}, ZH: {}} // lang → id → file
	for lang, msgs := range s.catalog {
		for id, e := range msgs {
			seen[lang][id] = e.file
		}
	}
	for _, f := range files {
		for _, m := range f.msgs {
			if prev, dup := seen[f.lang][m.ID]; dup {
				return fmt.Errorf("i18n: %s: message %q is already defined in %s", f.path, m.ID, prev)
			}
			seen[f.lang][m.ID] = f.path
		}
	}
	for _, f := range files {
		for _, m := range f.msgs {
			s.catalog[f.lang][m.ID] = entry{msg: m, file: f.path}
		}
		if err := s.bundle.AddMessages(tags[f.lang], f.msgs...); err != nil {
			return fmt.Errorf("i18n: %s: %w", f.path, err)
		}
	}
	return nil
}

// parseFS reads every *.toml message file in fsys.
func parseFS(fsys fs.FS) ([]messageFile, error) {
	var files []messageFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("i18n: %w", err)
		}
		if d.IsDir() || path.Ext(p) != ".toml" {
			return nil
		}
		lang, ok := fileLang(path.Base(p))
		if !ok {
			return fmt.Errorf("i18n: %s: name message files <name>.%s.toml or <name>.%s.toml", p, EN, ZH)
		}
		buf, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("i18n: %w", err)
		}
		msgs, err := goi18n.ParseMessageBytes(buf, toml.Unmarshal)
		if err != nil {
			return fmt.Errorf("i18n: %s: %w", p, err)
		}
		files = append(files, messageFile{lang: lang, path: p, msgs: msgs})
		return nil
	})
	return files, err
}

// fileLang reads the language from a message file name such as crm.zh-Hans.toml.
func fileLang(name string) (string, bool) {
	name = strings.TrimSuffix(name, ".toml")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if name == EN || name == ZH {
		return name, true
	}
	return "", false
}

// Match maps a language tag such as "zh-CN" or "en-GB" to one Loom speaks.
// Chinese written in simplified characters (zh, zh-CN, zh-SG, zh-Hans) gives
// ZH and any English gives EN; other tags, traditional Chinese included, do
// not match.
func Match(tag string) (string, bool) {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return "", false
	}
	return matchTag(t)
}

func matchTag(t language.Tag) (string, bool) {
	base, _ := t.Base()
	switch base.String() {
	case "en":
		return EN, true
	case "zh":
		if script, _ := t.Script(); script.String() == "Hans" {
			return ZH, true
		}
	}
	return "", false
}

// FromAcceptLanguage picks the language for an Accept-Language header: the
// first one Loom speaks in the browser's order of preference, else EN.
func FromAcceptLanguage(header string) string {
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return EN
	}
	for _, t := range prefs {
		if lang, ok := matchTag(t); ok {
			return lang
		}
	}
	return EN
}

type ctxKey struct{}

// WithLang returns ctx carrying lang; a language Loom does not speak becomes EN.
func WithLang(ctx context.Context, lang string) context.Context {
	if _, ok := tags[lang]; !ok {
		lang, ok = Match(lang)
		if !ok {
			lang = EN
		}
	}
	return context.WithValue(ctx, ctxKey{}, lang)
}

// Lang returns the language carried by ctx, or EN.
func Lang(ctx context.Context) string {
	if lang, ok := ctx.Value(ctxKey{}).(string); ok {
		return lang
	}
	return EN
}

// T translates the message id into the language of ctx. See TL.
func T(ctx context.Context, id string, data ...map[string]any) string {
	return TL(Lang(ctx), id, data...)
}

// TL translates the message id into lang, filling its placeholders from data
// (several maps are merged). A "Count" entry also picks the plural form. A
// message missing in lang falls back to English, and one missing in English
// too comes back as the id itself, so a mistake shows on screen instead of
// blank text.
func TL(lang, id string, data ...map[string]any) string {
	return std.translate(lang, id, data...)
}

func (s *store) translate(lang, id string, data ...map[string]any) string {
	var td map[string]any
	switch len(data) {
	case 0:
	case 1:
		td = data[0]
	default:
		td = map[string]any{}
		for _, d := range data {
			for k, v := range d {
				td[k] = v
			}
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	loc := s.localizers[lang]
	if loc == nil {
		loc = s.localizers[EN]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id, TemplateData: td}
	if n, ok := td["Count"]; ok && pluralCount(n) {
		cfg.PluralCount = n
	}
	// On a missing translation go-i18n returns the English text and an error;
	// only an empty result means nothing was found.
	if msg, _ := loc.Localize(cfg); msg != "" {
		return msg
	}
	return id
}

// pluralCount reports whether go-i18n accepts n as a plural count.
func pluralCount(n any) bool {
	switch n.(type) {
	case int, int8, int16, int32, int64, string:
		return true
	}
	return false
}

// Has reports whether a message with the id exists in English.
func Has(id string) bool {
	std.mu.RLock()
	defer std.mu.RUnlock()
	_, ok := std.catalog[EN][id]
	return ok
}

// IDs returns the ids of every message registered in lang, sorted.
func IDs(lang string) []string {
	std.mu.RLock()
	defer std.mu.RUnlock()
	return slices.Sorted(maps.Keys(std.catalog[lang]))
}

var placeholder = regexp.MustCompile(`\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)`)

// Verify checks every registered message: each exists in both languages, has
// text in its "other" form, is a valid template, and uses the same
// placeholders in both languages. It returns one error per problem.
func Verify() error { return std.verify() }

func (s *store) verify() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var errs []error
	ids := map[string]bool{}
	for _, msgs := range s.catalog {
		for id := range msgs {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		var want map[string]bool
		var wantLang string
		for _, lang := range []string{EN, ZH} {
			e, ok := s.catalog[lang][id]
			if !ok {
				errs = append(errs, fmt.Errorf("message %q is missing in %s", id, lang))
				continue
			}
			if e.msg.Other == "" {
				errs = append(errs, fmt.Errorf("%s: message %q has no text (other)", e.file, id))
			}
			got, err := placeholders(e.msg)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: message %q: %w", e.file, id, err))
				continue
			}
			if want == nil {
				want, wantLang = got, lang
				continue
			}
			if !sameSet(want, got) {
				errs = append(errs, fmt.Errorf("message %q uses placeholders %v in %s but %v in %s",
					id, keys(want), wantLang, keys(got), lang))
			}
		}
	}
	return errors.Join(errs...)
}

// placeholders returns the template fields used by any plural form of m, and
// checks that each form parses as a template.
func placeholders(m *goi18n.Message) (map[string]bool, error) {
	out := map[string]bool{}
	for _, text := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if text == "" {
			continue
		}
		if _, err := template.New("").Parse(text); err != nil {
			return nil, err
		}
		for _, sm := range placeholder.FindAllStringSubmatch(text, -1) {
			out[sm[1]] = true
		}
	}
	return out, nil
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }
