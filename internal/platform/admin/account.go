package admin

import (
	"net/http"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// tokensView is the caller's API tokens, the form for a new one and, right
// after creating one, its secret.
type tokensView struct {
	Tokens  []identity.APIToken
	Created *identity.CreatedAPIToken
	Name    string
	Expires string // YYYY-MM-DD as typed
	Errors  map[string]string
	Now     time.Time
}

// passwordView is the change-password form.
type passwordView struct {
	Errors map[string]string
}

// dateLayout is how a date input sends its value.
const dateLayout = "2006-01-02"

func (h *handler) accountShow(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	var roles []identity.Role
	if p.Can(identity.PermRoleManage) || p.Can(identity.PermUserManage) {
		var err error
		if roles, err = h.id.ListRoles(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "admin.account.title"}, "", accountPage(p, roles))
}

func (h *handler) tokenList(w http.ResponseWriter, r *http.Request) {
	h.showTokens(w, r, http.StatusOK, tokensView{})
}

func (h *handler) showTokens(w http.ResponseWriter, r *http.Request, status int, v tokensView) {
	p := authz.FromContext(r.Context())
	var err error
	if v.Tokens, err = h.id.ListAPITokens(r.Context(), p.UserID); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Now = time.Now()
	h.show(w, r, status, webui.Page{Title: "admin.tokens.title", Active: "tokens"}, v.Errors[""], tokensPage(v))
}

// tokenCreate makes a token and shows its secret on the page that answers
// the post: the secret is never stored, so it cannot go through a redirect.
func (h *handler) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	v := tokensView{Name: r.PostForm.Get("name"), Expires: strings.TrimSpace(r.PostForm.Get("expires_at"))}
	in := identity.NewAPIToken{Name: v.Name}
	if v.Expires != "" {
		day, err := time.ParseInLocation(dateLayout, v.Expires, time.Local)
		if err != nil {
			v.Errors = map[string]string{"expires_at": keyDateInvalid}
			h.showTokens(w, r, http.StatusUnprocessableEntity, v)
			return
		}
		in.ExpiresAt = day.AddDate(0, 0, 1).Add(-time.Millisecond) // valid through the whole day
	}
	created, err := h.id.CreateAPIToken(r.Context(), in)
	if err != nil {
		status, errs, ok := formProblem(err, "name", "expires_at")
		if !ok {
			h.fail(w, r, err)
			return
		}
		v.Errors = errs
		h.showTokens(w, r, status, v)
		return
	}
	h.showTokens(w, r, http.StatusOK, tokensView{Created: created})
}

func (h *handler) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if err := h.id.RevokeAPIToken(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/account/tokens", "token_revoked")
}

func (h *handler) passwordShow(w http.ResponseWriter, r *http.Request) {
	h.show(w, r, http.StatusOK, webui.Page{Title: "admin.password.title"}, "", passwordPage(passwordView{}))
}

// passwordChange replaces the caller's password. The identity service ends
// every session of the user; a browser gets a fresh one at once, so only
// the user's other sessions are signed out.
func (h *handler) passwordChange(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	var err error
	if next != r.PostForm.Get("new_password_confirm") {
		err = &identity.Error{Code: identity.CodeInvalid, Field: "new_password_confirm", Key: keyPasswordMismatch}
	} else {
		err = h.id.ChangePassword(ctx, current, next)
	}
	if err != nil {
		status, errs, ok := formProblem(err, "current_password", "new_password", "new_password_confirm")
		if !ok {
			h.fail(w, r, err)
			return
		}
		h.show(w, r, status, webui.Page{Title: "admin.password.title"}, errs[""], passwordPage(passwordView{Errors: errs}))
		return
	}
	if identity.SessionToken(r) != "" {
		p := authz.FromContext(ctx)
		s, err := h.id.Login(ctx, p.Login, next, clientIP(r), r.UserAgent())
		if err != nil {
			h.log.WarnContext(ctx, "admin: sign in again after a password change", "user_id", p.UserID, "err", err)
			identity.ClearSessionCookie(w, r)
			http.Redirect(w, r, identity.LoginPath, http.StatusSeeOther)
			return
		}
		identity.SetSessionCookie(w, r, s)
	}
	redirect(w, r, "/account/password", "password_changed")
}
