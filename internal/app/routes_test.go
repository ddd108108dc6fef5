package app_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// concrete turns a route pattern into a path a request can use.
func concrete(path string) string {
	path = strings.TrimSuffix(path, "{$}")
	return wildcard.ReplaceAllString(path, "01a2001c-0000-7000-8000-000000000000")
}

// TestEveryRouteDeclaresAPermission enumerates every web route and API
// operation of a whole Loom: each declares a registered permission, and for
// every demo role a request is refused with 403 exactly when the role lacks it.
func TestEveryRouteDeclaresAPermission(t *testing.T) {
	s := apptest.Start(t, db.SQLite, apptest.Options{})
	routes := s.App.Router.Routes()
	ops := s.App.API.Operations()
	if len(routes) < 10 || len(ops) < 10 {
		t.Fatalf("suspiciously few routes (%d) or operations (%d)", len(routes), len(ops))
	}
	for _, r := range routes {
		if r.Perm == "" || !authz.Known(r.Perm) {
			t.Errorf("route %s declares no registered permission (%q)", r.Pattern, r.Perm)
		}
	}
	for _, o := range ops {
		if o.Permission == "" || !authz.Known(o.Permission) {
			t.Errorf("operation %s %s declares no registered permission (%q)", o.Method, o.Path, o.Permission)
		}
	}

	for _, u := range app.DemoUsers {
		token := s.Token(t, u.Login)
		sess, err := s.App.Identity.Login(context.Background(), u.Login, app.DemoPassword, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.App.Identity.Authenticate(context.Background(), sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ops {
			if o.Method != http.MethodGet {
				continue
			}
			status, body := s.Do(t, token, o.Method, concrete(o.Path), "")
			if p.Can(o.Permission) == (status == http.StatusForbidden) {
				t.Errorf("%s (%s) GET %s needs %s: status %d %s", u.Login, u.Role, o.Path, o.Permission, status, firstLine(body))
			}
		}
		c := s.Client(t, u.Login)
		for _, r := range routes {
			method, path, ok := strings.Cut(r.Pattern, " ")
			if !ok || method != http.MethodGet || strings.HasPrefix(path, "/static/") {
				continue
			}
			resp, err := c.Get(s.URL + concrete(path))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if p.Can(r.Perm) == (resp.StatusCode == http.StatusForbidden) {
				t.Errorf("%s (%s) %s needs %s: status %d %s", u.Login, u.Role, r.Pattern, r.Perm, resp.StatusCode, firstLine(string(b)))
			}
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s: status %d", u.Login, r.Pattern, resp.StatusCode)
			}
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
