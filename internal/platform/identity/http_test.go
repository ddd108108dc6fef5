package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// site wires the middleware the way `loom serve` does, with a few routes.
func site(s *identity.DBService) http.Handler {
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, authz.FromContext(r.Context()).Login)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /private", identity.Guard(authz.Authenticated, whoami))
	mux.Handle("GET /admin", identity.Guard(identity.PermUserManage, whoami))
	mux.Handle("GET /api/widgets", identity.Guard(permWidgetRead, whoami))
	mux.Handle("POST /widgets", identity.Guard(permWidgetRead, whoami))
	mux.Handle("POST /login", identity.Guard(authz.Public, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Login(r.Context(), r.FormValue("login"), r.FormValue("password"), r.RemoteAddr, r.UserAgent())
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		_ = s.Logout(r.Context(), identity.SessionToken(r)) // drop any older session
		identity.SetSessionCookie(w, r, sess)
		http.Redirect(w, r, identity.SafeNext(r.FormValue("next")), http.StatusSeeOther)
	})))
	mux.Handle("POST /logout", identity.Guard(authz.Authenticated, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = s.Logout(r.Context(), identity.SessionToken(r))
		identity.ClearSessionCookie(w, r)
		w.WriteHeader(http.StatusNoContent)
	})))
	return identity.SecurityHeaders(identity.Middleware(s)(mux))
}

type req struct {
	method, target string
	header         map[string]string
	cookie         *http.Cookie
	form           url.Values
}

func (rq req) do(h http.Handler) *http.Response {
	var body *strings.Reader
	if rq.form != nil {
		body = strings.NewReader(rq.form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	if rq.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	if rq.cookie != nil {
		r.AddCookie(rq.cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == identity.SessionCookie {
			return c
		}
	}
	return nil
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func problemCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want a problem document", ct)
	}
	var p struct {
		Status int
		Code   string
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Status != resp.StatusCode {
		t.Fatalf("problem = %+v, %v", p, err)
	}
	return p.Code
}

func TestHTTP(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		rep := e.mustUser("rep", identity.RoleSalesRep)
		h := site(e.s)
		sameSite := map[string]string{"Sec-Fetch-Site": "same-origin"}

		// Not logged in: browsers go to the login page, programs get a problem.
		resp := req{method: "GET", target: "/private?a=1"}.do(h)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fprivate%3Fa%3D1" {
			t.Fatalf("anonymous page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp = req{method: "GET", target: "/api/widgets"}.do(h)
		if resp.StatusCode != http.StatusUnauthorized || problemCode(t, resp) != "identity.error.unauthenticated" {
			t.Fatalf("anonymous API: %d", resp.StatusCode)
		}
		resp = req{method: "GET", target: "/private", header: map[string]string{"HX-Request": "true", "HX-Current-URL": "http://example.com/orders?id=3"}}.do(h)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "/login?next=%2Forders%3Fid%3D3" {
			t.Fatalf("anonymous htmx: %d %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}

		// Log in through a form: the cookie is HttpOnly, Lax, and Secure only over TLS.
		login := url.Values{"login": {"rep"}, "password": {"password-rep"}, "next": {"//evil.example/"}}
		resp = req{method: "POST", target: "/login", form: login, header: sameSite}.do(h)
		c := sessionCookie(resp)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || c == nil {
			t.Fatalf("login: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), c)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.MaxAge != 12*3600 {
			t.Fatalf("cookie = %+v", c)
		}
		tlsResp := req{method: "POST", target: "https://loom.example/login", form: login, header: sameSite}.do(h)
		if tc := sessionCookie(tlsResp); tc == nil || !tc.Secure {
			t.Fatalf("cookie over TLS = %+v", tc)
		}

		resp = req{method: "GET", target: "/private", cookie: c}.do(h)
		if resp.StatusCode != http.StatusOK || body(t, resp) != "rep" {
			t.Fatalf("logged in: %d", resp.StatusCode)
		}
		resp = req{method: "GET", target: "/admin", cookie: c}.do(h)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("lacking permission: %d", resp.StatusCode)
		}
		resp = req{method: "GET", target: "/admin", cookie: c, header: map[string]string{"Accept": "application/json"}}.do(h)
		if resp.StatusCode != http.StatusForbidden || problemCode(t, resp) != "identity.error.forbidden" {
			t.Fatalf("lacking permission, JSON: %d", resp.StatusCode)
		}

		// Cross-origin writes are refused, same-origin ones and reads pass.
		resp = req{method: "POST", target: "/widgets", cookie: c, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}.do(h)
		if resp.StatusCode != http.StatusForbidden || problemCode(t, resp) != "identity.error.cross_origin" {
			t.Fatalf("cross-site POST: %d", resp.StatusCode)
		}
		resp = req{method: "POST", target: "http://loom.example/widgets", cookie: c, header: map[string]string{"Origin": "http://evil.example"}}.do(h)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin POST by Origin: %d", resp.StatusCode)
		}
		resp = req{method: "POST", target: "/widgets", cookie: c, header: sameSite}.do(h)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("same-origin POST: %d", resp.StatusCode)
		}
		resp = req{method: "GET", target: "/private", cookie: c, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}.do(h)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("cross-site GET: %d", resp.StatusCode)
		}

		// API tokens.
		tok, err := e.s.CreateAPIToken(e.as(rep), identity.NewAPIToken{Name: "script"})
		if err != nil {
			t.Fatal(err)
		}
		resp = req{method: "GET", target: "/api/widgets", header: map[string]string{"Authorization": "Bearer " + tok.Secret}}.do(h)
		if resp.StatusCode != http.StatusOK || body(t, resp) != "rep" {
			t.Fatalf("token: %d", resp.StatusCode)
		}
		resp = req{method: "GET", target: "/api/widgets", header: map[string]string{"Authorization": "Bearer loom_nope"}}.do(h)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" || problemCode(t, resp) != "identity.error.token_invalid" {
			t.Fatalf("bad token: %d", resp.StatusCode)
		}

		// Logging out ends the session; the stale cookie is cleared.
		resp = req{method: "POST", target: "/logout", cookie: c, header: sameSite}.do(h)
		if cl := sessionCookie(resp); resp.StatusCode != http.StatusNoContent || cl == nil || cl.MaxAge >= 0 {
			t.Fatalf("logout: %d %+v", resp.StatusCode, cl)
		}
		resp = req{method: "GET", target: "/private", cookie: c}.do(h)
		if cl := sessionCookie(resp); resp.StatusCode != http.StatusSeeOther || cl == nil || cl.MaxAge >= 0 {
			t.Fatalf("after logout: %d %+v", resp.StatusCode, cl)
		}

		// Every response carries the security headers, errors and redirects included.
		want := map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})
}

// failingAuth is an Authenticator whose database is down.
type failingAuth struct{}

func (failingAuth) Authenticate(context.Context, string) (*authz.Principal, error) {
	return nil, fmt.Errorf("connection refused")
}

func (failingAuth) AuthenticateToken(context.Context, string) (*authz.Principal, error) {
	return nil, fmt.Errorf("connection refused")
}

func TestMiddlewareStorageDown(t *testing.T) {
	h := identity.Middleware(failingAuth{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("request passed without authentication")
	}))
	resp := req{method: "GET", target: "/x", cookie: &http.Cookie{Name: identity.SessionCookie, Value: "abc"}}.do(h)
	if resp.StatusCode != http.StatusServiceUnavailable || sessionCookie(resp) != nil {
		t.Fatalf("status %d; a database failure must not log the user out", resp.StatusCode)
	}
}

func TestGuardDeclaresPermission(t *testing.T) {
	h := identity.Guard(identity.PermAuditRead, http.NotFoundHandler())
	if p, ok := identity.RequiredPermission(h); !ok || p != identity.PermAuditRead {
		t.Fatalf("RequiredPermission = %q %v", p, ok)
	}
	if _, ok := identity.RequiredPermission(http.NotFoundHandler()); ok {
		t.Fatal("an unguarded handler reports a permission")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Guard accepted an unregistered permission")
		}
	}()
	identity.Guard("no.such.permission", http.NotFoundHandler())
}

func TestSafeNext(t *testing.T) {
	cases := map[string]string{
		"/orders?id=1":           "/orders?id=1",
		"/":                      "/",
		"":                       "/",
		"//evil.example/x":       "/",
		`/\evil.example`:         "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"/a\r\nSet-Cookie: x=1":  "/",
		"orders":                 "/",
		"/%2F%2Fevil.example":    "/%2F%2Fevil.example",
		"/crm/quotes#line-3":     "/crm/quotes#line-3",
		"/x?next=https://e.com/": "/x?next=https://e.com/",
	}
	for in, want := range cases {
		if got := identity.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
