// Package apptest starts a whole Loom — every unit and module, the event
// bus and the HTTP server — for end-to-end tests, on SQLite or PostgreSQL.
package apptest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/app"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Options tune a test server.
type Options struct {
	// Demo creates every module's demo data (the demo users always exist).
	Demo bool
	// Bus is a NATS URL for the JetStream transport; empty for in-process.
	Bus string
}

// Server is a running Loom for one test.
type Server struct {
	App *app.App
	URL string // http://127.0.0.1:port
}

// Start runs Loom on engine e until the test ends. The demo users exist with
// app.DemoPassword.
func Start(t testing.TB, e db.Engine, o Options) *Server {
	t.Helper()
	dcfg := loomtest.Config(t, e)
	cfg := app.Config{DataDir: dcfg.DataDir, DB: dcfg.PostgresURL, SchemaPrefix: dcfg.SchemaPrefix, Bus: o.Bus, Addr: "127.0.0.1:0", Version: "test"}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open Loom: %v", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() { done <- a.Serve(sctx, func(addr string) { ready <- addr }) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		a.Close()
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Loom did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("Loom did not stop within 15s")
		}
		a.Close()
	})
	s := &Server{App: a, URL: "http://" + addr}
	if o.Demo {
		if err := a.Demo(ctx, 1, io.Discard); err != nil {
			t.Fatalf("demo data: %v", err)
		}
	} else {
		s.demoUsers(t)
	}
	return s
}

// demoUsers creates only the demo users.
func (s *Server) demoUsers(t testing.TB) {
	t.Helper()
	sys := authz.WithPrincipal(context.Background(), authz.System())
	for _, u := range app.DemoUsers {
		_, err := s.App.Identity.CreateUser(sys, identity.NewUser{Login: u.Login, Name: u.Name, Password: app.DemoPassword, Roles: []string{u.Role}})
		if err != nil {
			t.Fatalf("create %s: %v", u.Login, err)
		}
	}
}

// Client returns an HTTP client logged in as a demo user through the login
// form; it keeps the session cookie and does not follow redirects.
func (s *Server) Client(t testing.TB, login string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(s.URL+"/login", url.Values{"login": {login}, "password": {app.DemoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", login, resp.StatusCode)
	}
	return c
}

// Token returns an API token of a demo user, for `Authorization: Bearer`.
func (s *Server) Token(t testing.TB, login string) string {
	t.Helper()
	ctx := context.Background()
	sess, err := s.App.Identity.Login(ctx, login, app.DemoPassword, "127.0.0.1", "apptest")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.App.Identity.Authenticate(ctx, sess.Token)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.App.Identity.CreateAPIToken(authz.WithPrincipal(ctx, p), identity.NewAPIToken{Name: "apptest"})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Secret
}

// Do sends an API request with a bearer token and returns the status and body.
func (s *Server) Do(t testing.TB, token, method, path, body string, header ...string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// WaitEvents waits until every event so far has been applied.
func (s *Server) WaitEvents(t testing.TB) {
	t.Helper()
	if err := s.App.WaitEventsIdle(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
}
