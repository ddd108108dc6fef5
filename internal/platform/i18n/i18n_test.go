package i18n

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

func TestPlatformMessagesComplete(t *testing.T) {
	if err := Verify(); err != nil {
		t.Fatalf("message files disagree:\n%v", err)
	}
	en, zh := IDs(EN), IDs(ZH)
	if len(en) < 100 || len(en) != len(zh) {
		t.Fatalf("got %d English and %d Chinese messages; want the same number, at least 100", len(en), len(zh))
	}
	// Translations are real, not copies of the English text.
	same := 0
	for _, id := range en {
		if TL(EN, id) == TL(ZH, id) {
			same++
		}
	}
	if same > 5 {
		t.Errorf("%d messages read the same in English and Chinese; translate them", same)
	}
}

func TestVerifyFindsProblems(t *testing.T) {
	s := newStore()
	err := s.register(fstest.MapFS{
		"m.en.toml": {Data: []byte(`
[t]
only_en = "Only English"
greet = "Hello {{.Name}}"
broken = "Total {{.Total"
`)},
		"m.zh-Hans.toml": {Data: []byte(`
[t]
only_zh = "只有中文"
greet = "你好 {{.User}}"
broken = "合计 {{.Total}}"
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.verify()
	if err == nil {
		t.Fatal("verify found nothing wrong")
	}
	for _, want := range []string{
		`"t.only_en" is missing in zh-Hans`,
		`"t.only_zh" is missing in en`,
		`"t.greet" uses placeholders [Name] in en but [User] in zh-Hans`,
		`m.en.toml: message "t.broken"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("verify error lacks %q:\n%v", want, err)
		}
	}
}

func TestRegisterRefusesDuplicatesAndUnknownLanguages(t *testing.T) {
	s := newStore()
	if err := s.register(fstest.MapFS{"a.en.toml": {Data: []byte("x.y = \"1\"\n")}}); err != nil {
		t.Fatal(err)
	}
	err := s.register(fstest.MapFS{
		"b.en.toml": {Data: []byte("[x]\nz = \"2\"\n")},
		"c.en.toml": {Data: []byte("x.y = \"again\"\n")},
	})
	if err == nil || !strings.Contains(err.Error(), `"x.y" is already defined in a.en.toml`) {
		t.Fatalf("duplicate key: got %v", err)
	}
	if got := s.translate(EN, "x.z"); got != "x.z" {
		t.Errorf("a failed register added x.z = %q", got)
	}
	err = s.register(fstest.MapFS{"crm.fr.toml": {Data: []byte("a = \"b\"\n")}})
	if err == nil || !strings.Contains(err.Error(), "crm.fr.toml") {
		t.Fatalf("unknown language: got %v", err)
	}
	err = s.register(fstest.MapFS{"bad.en.toml": {Data: []byte("a = 1\n")}})
	if err == nil || !strings.Contains(err.Error(), "bad.en.toml") {
		t.Fatalf("bad file: got %v", err)
	}
	if err := s.register(fstest.MapFS{"README.md": {Data: []byte("# notes")}}); err != nil {
		t.Fatalf("a non-TOML file: %v", err)
	}
}

func TestTranslate(t *testing.T) {
	s := newStore()
	if err := s.register(fstest.MapFS{
		"m.en.toml": {Data: []byte(`
[t]
hello = "Hello {{.Name}}"
english_only = "Only in English"
[t.items]
one = "{{.Count}} item"
other = "{{.Count}} items"
`)},
		"m.zh-Hans.toml": {Data: []byte(`
[t]
hello = "你好，{{.Name}}"
items = "{{.Count}} 项"
`)},
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang, id string
		data     map[string]any
		want     string
	}{
		{EN, "t.hello", map[string]any{"Name": "Li Wei"}, "Hello Li Wei"},
		{ZH, "t.hello", map[string]any{"Name": "李伟"}, "你好，李伟"},
		{EN, "t.items", map[string]any{"Count": 1}, "1 item"},
		{EN, "t.items", map[string]any{"Count": int64(3)}, "3 items"},
		{ZH, "t.items", map[string]any{"Count": 3}, "3 项"},
		{ZH, "t.english_only", nil, "Only in English"},
		{ZH, "t.nowhere", nil, "t.nowhere"},
		{"fr", "t.hello", map[string]any{"Name": "Anne"}, "Hello Anne"},
	} {
		if got := s.translate(c.lang, c.id, c.data); got != c.want {
			t.Errorf("translate(%s, %s, %v) = %q; want %q", c.lang, c.id, c.data, got, c.want)
		}
	}
}

func TestTUsesContextLanguage(t *testing.T) {
	ctx := context.Background()
	if Lang(ctx) != EN {
		t.Errorf("Lang of a bare context = %q; want en", Lang(ctx))
	}
	if got := T(WithLang(ctx, ZH), "common.save"); got != "保存" {
		t.Errorf("T(zh, common.save) = %q", got)
	}
	if got := T(WithLang(ctx, "zh-CN"), "common.save"); got != "保存" {
		t.Errorf("WithLang(zh-CN) then T = %q", got)
	}
	if got := Lang(WithLang(ctx, "de")); got != EN {
		t.Errorf("WithLang(de) gives %q; want en", got)
	}
	if got := T(ctx, "notifications.unread", map[string]any{"Count": 2}); got != "2 unread notifications" {
		t.Errorf("plural: %q", got)
	}
	if !Has("common.save") || Has("common.nothing") {
		t.Error("Has is wrong")
	}
}

func TestMatch(t *testing.T) {
	for tag, want := range map[string]string{
		"en": EN, "en-US": EN, "EN-gb": EN, "zh": ZH, "zh-CN": ZH, "zh-Hans": ZH, "zh-SG": ZH,
		"zh-Hans-CN": ZH, "zh-TW": "", "zh-Hant": "", "fr": "", "": "", "!!": "",
	} {
		got, ok := Match(tag)
		if got != want || ok != (want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tag, got, ok, want)
		}
	}
}
