package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/admin"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/outbox"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

func init() {
	// internal/app registers these in a running Loom.
	i18n.Register(identity.Messages)
	i18n.Register(audit.Messages)
}

// cheap keeps Argon2id fast in tests.
var cheap = identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// eventType is what the test consumer receives; the platform unit emits it.
const eventType = "platform.user.disabled"

// consumerName is the test consumer, whose handler fails while broken is set.
const consumerName = "admin-test"

// harness serves the administration screens and operations of one platform
// database (and an empty crm database) over HTTP, with the identity
// middleware and security headers of a running Loom.
type harness struct {
	t      *testing.T
	d, crm *db.DB
	svc    *identity.DBService
	bus    *bus.Bus
	router *webui.Router
	api    *api.API
	srv    *httptest.Server
	logs   *syncBuffer

	admin, rep *identity.User

	broken  atomic.Bool  // the test consumer's handler fails
	applied atomic.Int32 // events the test consumer applied
}

func newHarness(t *testing.T, cfg db.Config) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, d: loomtest.Open(t, cfg, "platform"), crm: loomtest.Open(t, cfg, "crm"), logs: &syncBuffer{}}
	for _, d := range []*db.DB{h.d, h.crm} {
		if err := outbox.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := audit.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := identity.Migrate(ctx, h.d); err != nil {
		t.Fatal(err)
	}
	if err := api.Migrate(ctx, h.d); err != nil {
		t.Fatal(err)
	}
	h.svc = identity.NewService(h.d, identity.Options{Password: cheap})
	if err := identity.EnsureSeed(sys(), h.svc); err != nil {
		t.Fatal(err)
	}
	h.admin = h.mustUser("admin", identity.RoleAdmin)
	h.rep = h.mustUser("rep", identity.RoleSalesRep)

	log := slog.New(slog.NewTextHandler(h.logs, nil))
	h.bus = bus.New(bus.NewInProcess(), []*db.DB{h.d, h.crm}, bus.Options{MaxAttempts: 1, Logger: log})
	err := h.bus.Subscribe(consumerName, h.d, []string{eventType}, func(ctx context.Context, ev bus.Envelope) error {
		if h.broken.Load() {
			return errors.New("test handler is broken")
		}
		h.applied.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.bus.Close() })

	mux := http.NewServeMux()
	h.api = api.New(mux, api.Options{Logger: log})
	h.router = webui.NewRouter(mux, identity.Guard)
	admin.Wire(admin.Deps{
		Identity: h.svc, Bus: h.bus, Router: h.router, API: h.api, Log: log,
		UnitDBs: map[string]*db.DB{"platform": h.d, "crm": h.crm},
		Page: func(r *http.Request, p webui.Page) webui.Page {
			p.User = authz.FromContext(r.Context())
			p.Lang = i18n.Lang(r.Context())
			return p
		},
	})
	h.srv = httptest.NewServer(identity.SecurityHeaders(i18n.Middleware(identity.Middleware(h.svc)(mux))))
	t.Cleanup(h.srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

// sys is the context of Loom's own tools.
func sys() context.Context { return authz.WithPrincipal(context.Background(), authz.System()) }

// password is the password mustUser gives a user.
func password(login string) string { return "password-" + login }

func (h *harness) mustUser(login string, roles ...string) *identity.User {
	h.t.Helper()
	u, err := h.svc.CreateUser(sys(), identity.NewUser{Login: login, Name: "User " + login, Password: password(login), Roles: roles})
	if err != nil {
		h.t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// client is a browser or an API client of the test server.
type client struct {
	h      *harness
	c      *http.Client
	bearer string
}

// browser returns a client signed in as u with a session cookie. It does
// not follow redirects, so tests see each 303.
func (h *harness) browser(u *identity.User) *client {
	h.t.Helper()
	s, err := h.svc.Login(context.Background(), u.Login, password(u.Login), "127.0.0.1", "test")
	if err != nil {
		h.t.Fatalf("login %s: %v", u.Login, err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(h.srv.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: identity.SessionCookie, Value: s.Token, Path: "/"}})
	return &client{h: h, c: h.noRedirects(jar)}
}

// anonymous returns a client that is not signed in.
func (h *harness) anonymous() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, c: h.noRedirects(jar)}
}

// tokenClient returns a client that sends an API token.
func (h *harness) tokenClient(secret string) *client {
	return &client{h: h, c: h.noRedirects(nil), bearer: secret}
}

func (h *harness) noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(method, path string, body io.Reader, header map[string]string) response {
	c.h.t.Helper()
	req, err := http.NewRequest(method, c.h.srv.URL+path, body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	r := response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		checkCSP(c.h.t, r.Body)
	}
	return r
}

// get fetches a page.
func (c *client) get(path string, header ...map[string]string) response {
	c.h.t.Helper()
	var hdr map[string]string
	if len(header) > 0 {
		hdr = header[0]
	}
	return c.do(http.MethodGet, path, nil, hdr)
}

// post submits a form.
func (c *client) post(path string, form url.Values) response {
	c.h.t.Helper()
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// follow submits a form, expects a redirect (post/redirect/get) and fetches its target.
func (c *client) follow(path string, form url.Values) (location string, page response) {
	c.h.t.Helper()
	r := c.post(path, form)
	if r.Status != http.StatusSeeOther {
		c.h.t.Fatalf("POST %s: status %d, want 303; body:\n%s", path, r.Status, r.Body)
	}
	location = r.Header.Get("Location")
	page = c.get(location)
	if page.Status != http.StatusOK {
		c.h.t.Fatalf("GET %s after POST %s: status %d; body:\n%s", location, path, page.Status, page.Body)
	}
	return location, page
}

// json sends a JSON request to the API and decodes a JSON answer into out (if not nil).
func (c *client) json(method, path string, in, out any) response {
	c.h.t.Helper()
	var body io.Reader
	hdr := map[string]string{"Accept": "application/json"}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.h.t.Fatal(err)
		}
		body = bytes.NewReader(b)
		hdr["Content-Type"] = "application/json"
	}
	r := c.do(method, api.Prefix+path, body, hdr)
	if out != nil && r.Status < 300 {
		if err := json.Unmarshal([]byte(r.Body), out); err != nil {
			c.h.t.Fatalf("%s %s: decode %q: %v", method, path, r.Body, err)
		}
	}
	return r
}

// problem is the part of an API problem the tests look at.
type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Key    string `json:"key"`
	Errors []struct {
		Location string `json:"location"`
		Field    string `json:"field"`
		Key      string `json:"key"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks that r is a problem with the status, and returns it.
func wantProblem(t *testing.T, r response, status int) problem {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), api.ProblemContentType) {
		t.Fatalf("status %d (%s), want a %d problem; body:\n%s", r.Status, r.Header.Get("Content-Type"), status, r.Body)
	}
	var p problem
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// hasFieldError reports whether a problem names the field at the location with the key.
func (p problem) hasFieldError(location, key string) bool {
	for _, e := range p.Errors {
		if e.Location == location && e.Key == key && e.Message != "" && e.Message != key {
			return true
		}
	}
	return false
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.Status, status, r.Body)
	}
}

func wantContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Fatalf("page lacks %q:\n%s", p, body)
		}
	}
}

func wantLacks(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Fatalf("page holds %q:\n%s", p, body)
		}
	}
}

// fieldError is the marker of an error shown next to a form field.
func fieldError(field string) string { return `data-field-error="` + field + `"` }

// count returns the number of rows of a table of the platform database.
func (h *harness) count(table string) int {
	h.t.Helper()
	var n int
	if err := h.d.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// snapshot counts the rows that any user change writes.
func (h *harness) snapshot() map[string]int {
	out := map[string]int{}
	for _, tb := range []string{"identity_user", "identity_user_role", "identity_role_permission", "identity_role_scope",
		"identity_api_token", "audit_log"} {
		out[tb] = h.count(tb)
	}
	return out
}

func (h *harness) wantUnchanged(before map[string]int) {
	h.t.Helper()
	after := h.snapshot()
	for tb, n := range before {
		if after[tb] != n {
			h.t.Fatalf("%s has %d rows, had %d: a refused request wrote something", tb, after[tb], n)
		}
	}
}

// emit commits one event of the test type in the platform unit.
func (h *harness) emit(subject string) {
	h.t.Helper()
	err := h.d.InTx(context.Background(), func(ctx context.Context) error {
		_, err := outbox.Emit(ctx, h.d, eventType, 1, subject, map[string]any{"user_id": subject})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// deadLetters lists the test consumer's dead letters.
func (h *harness) deadLetters() []bus.DeadLetter {
	h.t.Helper()
	list, err := h.bus.ListDeadLetters(context.Background(), bus.DeadLetterFilter{Consumer: consumerName})
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkCSP fails the test when a page holds anything the Content-Security-Policy
// blocks: inline scripts, style elements or attributes, or event handlers.
func checkCSP(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("parsing the page: %v", z.Err())
			}
			return
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				t.Errorf("inline script: %q", z.Text())
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "style" {
				t.Errorf("<style> element in the page")
			}
			hasSrc := false
			for _, a := range tok.Attr {
				switch {
				case a.Key == "style":
					t.Errorf("style attribute on <%s>: %q", tok.Data, a.Val)
				case strings.HasPrefix(a.Key, "on"):
					t.Errorf("event handler attribute %s on <%s>", a.Key, tok.Data)
				case a.Key == "src":
					hasSrc = true
				}
			}
			if tok.Data == "script" {
				if !hasSrc {
					t.Errorf("<script> without src")
				}
				inScript = tt == html.StartTagToken
			}
		}
	}
}

// syncBuffer collects log lines from concurrent goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
