package app

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	"github.com/loom-erp/loom/internal/platform/obs"
	"github.com/loom-erp/loom/internal/platform/outbox"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// nav returns the navigation of every unit this process runs.
func (a *App) nav() []webui.NavSection {
	sections := []webui.NavSection{{Unit: "platform", LabelKey: "nav.section.platform", Items: []webui.NavItem{
		{Key: "home", Href: "/", LabelKey: "nav.home", Perm: authz.Authenticated},
		{Key: "notifications", Href: "/notifications", LabelKey: "notify.page.title", Perm: authz.Authenticated},
		{Key: "users", Href: "/admin/users", LabelKey: "nav.users", Perm: identity.PermUserManage},
		{Key: "roles", Href: "/admin/roles", LabelKey: "nav.roles", Perm: identity.PermRoleManage},
		{Key: "audit", Href: "/admin/audit", LabelKey: "nav.audit", Perm: identity.PermAuditRead},
		{Key: "deadletters", Href: "/admin/deadletters", LabelKey: "nav.deadletters", Perm: identity.PermDeadLetterManage},
	}}}
	for _, u := range a.Cfg.Units {
		sec := webui.NavSection{Unit: u, LabelKey: "nav.section." + u}
		for _, m := range a.modules {
			if m.Unit == u {
				sec.Items = append(sec.Items, m.Nav...)
			}
		}
		if len(sec.Items) > 0 {
			sections = append(sections, sec)
		}
	}
	return sections
}

// page fills what every screen shares from the request.
func (a *App) page(r *http.Request, p webui.Page) webui.Page {
	p.User = authz.FromContext(r.Context())
	p.Lang = i18n.Lang(r.Context())
	p.Nav = a.nav()
	if p.User != nil && p.User.UserID != "" {
		if n, err := a.Notify.Unread(r.Context(), p.User.UserID); err == nil {
			p.Unread = n
		}
	}
	return p
}

func (a *App) platformRoutes(mux *http.ServeMux) {
	rt := a.Router
	rt.HandleFunc("GET /healthz", authz.Public, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": a.Cfg.Version})
	})
	rt.HandleFunc("GET /readyz", authz.Public, a.readyz)
	rt.Handle("GET /metrics", authz.Public, obs.Handler(a.Metrics))
	rt.HandleFunc("GET /api/asyncapi.json", authz.Public, func(w http.ResponseWriter, r *http.Request) {
		doc, err := outbox.AsyncAPI()
		if err != nil {
			http.Error(w, "event catalogue unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	rt.HandleFunc("GET /login", authz.Public, a.loginPage)
	rt.HandleFunc("POST /login", authz.Public, a.login)
	rt.HandleFunc("POST /logout", authz.Public, a.logout)
	rt.HandleFunc("GET /{$}", authz.Authenticated, func(w http.ResponseWriter, r *http.Request) {
		p := a.page(r, webui.Page{Title: "home.title", Active: "home"})
		webui.Render(w, r, http.StatusOK, webui.Layout(p, webui.HomePage(a.Status(r.Context()))))
	})
	a.notificationRoutes()
	a.adminRoutes()
}

// readyz answers 200 once every unit database answers and the bus runs.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	units := map[string]string{}
	ok := a.started
	for u, d := range a.DBs {
		var one int
		if err := d.QueryRow(r.Context(), `SELECT 1`).Scan(&one); err != nil {
			units[u], ok = "unavailable", false
			continue
		}
		units[u] = "ok"
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": ok, "units": units, "transport": a.transport})
}

func (a *App) loginPage(w http.ResponseWriter, r *http.Request) {
	if authz.FromContext(r.Context()) != nil {
		http.Redirect(w, r, webui.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	webui.Render(w, r, http.StatusOK, webui.LoginPage(i18n.Lang(r.Context()), "", r.URL.Query().Get("next")))
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		webui.Render(w, r, http.StatusBadRequest, webui.LoginPage(i18n.Lang(r.Context()), "identity.error.invalid_credentials", ""))
		return
	}
	next := r.PostForm.Get("next")
	s, err := a.Identity.Login(r.Context(), r.PostForm.Get("login"), r.PostForm.Get("password"), clientIP(r), r.UserAgent())
	if err != nil {
		status, key := http.StatusUnauthorized, "identity.error.invalid_credentials"
		var ie *identity.Error
		if errors.As(err, &ie) {
			key, status = ie.Key, ie.HTTPStatus()
		} else {
			a.Log.Error("login", "err", err)
			status, key = http.StatusInternalServerError, "common.error"
		}
		webui.Render(w, r, status, webui.LoginPage(i18n.Lang(r.Context()), key, next))
		return
	}
	identity.SetSessionCookie(w, r, s)
	http.Redirect(w, r, webui.SafeNext(next), http.StatusSeeOther)
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if tok := identity.SessionToken(r); tok != "" {
		if err := a.Identity.Logout(r.Context(), tok); err != nil {
			a.Log.Warn("logout", "err", err)
		}
	}
	identity.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clientIP is the remote address of the connection; Loom does not trust
// forwarding headers unless a proxy in front is configured to set RemoteAddr.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// since formats an age for lists.
func since(t time.Time) string { return time.Since(t).Round(time.Second).String() }
