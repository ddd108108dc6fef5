package wire_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestReturnsToCreditInApp: the returns-to-credit list and the credit note
// operation answer through the API and on the screen in English and
// Chinese; a bad return or date is refused naming its field; sales reps may
// read but not write credit notes.
func TestReturnsToCreditInApp(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		s := apptest.Start(t, cfg.Engine, apptest.Options{})
		tok := s.Token(t, "huang.jing")
		st, body := s.Do(t, tok, "GET", "/api/v1/erp/finance/returns", "")
		if st != http.StatusOK || !strings.Contains(body, `"items":[]`) {
			t.Fatalf("returns: %d %s", st, body)
		}
		st, body = s.Do(t, tok, "POST", "/api/v1/erp/finance/returns/0196b2c4-0000-7000-8000-0000000000e9/credit-note", `{"date":"2026-11-20"}`)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `return_id`) || !strings.Contains(body, "fin.ret.error.unknown") {
			t.Fatalf("unknown return: %d %s", st, body)
		}
		acct := s.Client(t, "huang.jing")
		for _, lang := range []string{"en", "zh-CN"} {
			st, body := getLang(t, acct, s.URL+"/erp/finance/returns", lang)
			if st != http.StatusOK || strings.Contains(body, "fin.ret.") {
				t.Fatalf("%s returns page: %d", lang, st)
			}
			if lang == "zh-CN" && !strings.Contains(body, "待冲红退货") || lang == "en" && !strings.Contains(body, "Returns to credit") {
				t.Fatalf("%s returns page lacks its title", lang)
			}
		}
	})
}
