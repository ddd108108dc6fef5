package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// SessionCookie is the name of the cookie that carries the session token.
const SessionCookie = "loom_session"

// LoginPath is where Guard sends a browser that is not logged in.
const LoginPath = "/login"

// ContentSecurityPolicy is the policy SecurityHeaders sends: everything from
// Loom's own origin, no inline script or style, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// Middleware puts the principal of each request into its context
// (authz.WithPrincipal): from an "Authorization: Bearer loom_…" API token, or
// else from the session cookie. A bad bearer token is answered 401 at once; a
// stale cookie is cleared and the request goes on anonymous, for Guard to judge.
func Middleware(auth Authenticator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				p, err := auth.AuthenticateToken(ctx, strings.TrimSpace(cred))
				if err != nil {
					if isAuthError(err) {
						w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
						writeProblem(w, http.StatusUnauthorized, ErrTokenInvalid.Key)
						return
					}
					serverError(w, r, err)
					return
				}
				next.ServeHTTP(w, r.WithContext(authz.WithPrincipal(ctx, p)))
				return
			}
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				p, err := auth.Authenticate(ctx, c.Value)
				switch {
				case err == nil:
					r = r.WithContext(authz.WithPrincipal(ctx, p))
				case isAuthError(err):
					ClearSessionCookie(w, r)
				default:
					serverError(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isAuthError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

func serverError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away; nothing is wrong with Loom.
		return
	}
	slog.ErrorContext(r.Context(), "identity: cannot authenticate request", "path", r.URL.Path, "err", err)
	writeProblem(w, http.StatusServiceUnavailable, "error.unavailable")
}

// guarded is a handler behind a permission check.
type guarded struct {
	perm authz.Permission
	next http.Handler
}

// Guard serves h only to principals holding perm. Without a principal it
// answers 401: a JSON problem to API clients, a redirect to the login page
// (with ?next=) to browsers, and an HX-Redirect to htmx requests. With a
// principal that lacks perm it answers 403. It panics on a permission no
// module registered, so a typo stops Loom at start-up.
func Guard(perm authz.Permission, h http.Handler) http.Handler {
	if !authz.Known(perm) {
		panic(fmt.Sprintf("identity: route guarded by unregistered permission %q", perm))
	}
	return &guarded{perm: perm, next: h}
}

// RequiredPermission returns the permission h was guarded with, so a test can
// check that every route declares one.
func RequiredPermission(h http.Handler) (authz.Permission, bool) {
	g, ok := h.(*guarded)
	if !ok {
		return "", false
	}
	return g.perm, true
}

func (g *guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	if p.Can(g.perm) {
		g.next.ServeHTTP(w, r)
		return
	}
	if p != nil {
		if wantsProblem(r) {
			writeProblem(w, http.StatusForbidden, ErrForbidden.Key)
			return
		}
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	switch {
	case wantsProblem(r):
		writeProblem(w, http.StatusUnauthorized, ErrUnauthenticated.Key)
	case r.Header.Get("HX-Request") == "true":
		w.Header().Set("HX-Redirect", loginURL(r))
		w.WriteHeader(http.StatusUnauthorized)
	default:
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
	}
}

// wantsProblem reports whether the client is a program that expects JSON
// rather than a browser showing pages.
func wantsProblem(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.Header.Get("Authorization") != "" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}

// loginURL sends the browser back to the page it asked for after login;
// htmx requests go back to the page they came from.
func loginURL(r *http.Request) string {
	next := ""
	switch {
	case r.Header.Get("HX-Request") == "true":
		if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
			next = u.RequestURI()
		}
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		next = r.URL.RequestURI()
	}
	if next = SafeNext(next); next == "/" {
		return LoginPath
	}
	return LoginPath + "?next=" + url.QueryEscape(next)
}

// SafeNext returns next if it is a path on this site, else "/": the login
// page uses it so ?next= cannot send a user to another site.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// problem is an RFC 9457 problem document; Code is the i18n key of the message.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
}

func writeProblem(w http.ResponseWriter, status int, key string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: key})
}

// SetSessionCookie gives the browser the session token: HttpOnly, SameSite=Lax,
// Secure when the request came over TLS, expiring with the session.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, s *Session) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    s.Token,
		Path:     "/",
		Expires:  s.ExpiresAt,
		MaxAge:   int(s.ExpiresAt.Sub(s.CreatedAt).Seconds()),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// ClearSessionCookie tells the browser to drop the session cookie.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// SessionToken returns the session token a request carries in its cookie, or "".
func SessionToken(r *http.Request) string {
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// SecurityHeaders sets Loom's security headers on every response (the
// Content-Security-Policy above, nosniff, same-origin referrers, no framing)
// and refuses cross-origin writes with 403 (http.CrossOriginProtection:
// non-GET requests that the browser marks as coming from another site).
func SecurityHeaders(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusForbidden, "identity.error.cross_origin")
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		protected.ServeHTTP(w, r)
	})
}
