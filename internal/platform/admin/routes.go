package admin

import (
	"net/http"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/identity"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// routes registers the screens, each behind the permission it needs.
func (h *handler) routes(rt *webui.Router) {
	users := identity.PermUserManage
	rt.HandleFunc("GET /admin/users", users, h.userList)
	rt.HandleFunc("GET /admin/users/new", users, h.userNew)
	rt.HandleFunc("POST /admin/users", users, h.userCreate)
	rt.HandleFunc("GET /admin/users/{id}", users, h.userShow)
	rt.HandleFunc("POST /admin/users/{id}/roles", users, h.userAction("roles_saved", func(r *http.Request, id string) error {
		return h.id.AssignRoles(r.Context(), id, r.PostForm["roles"])
	}))
	rt.HandleFunc("POST /admin/users/{id}/disable", users, h.userAction("user_disabled", func(r *http.Request, id string) error {
		return h.id.DisableUser(r.Context(), id)
	}))
	rt.HandleFunc("POST /admin/users/{id}/enable", users, h.userAction("user_enabled", func(r *http.Request, id string) error {
		return h.id.EnableUser(r.Context(), id)
	}))
	rt.HandleFunc("POST /admin/users/{id}/password", users, h.userAction("password_set", func(r *http.Request, id string) error {
		return h.id.SetPassword(r.Context(), id, r.PostForm.Get("password"))
	}))

	roles := identity.PermRoleManage
	rt.HandleFunc("GET /admin/roles", roles, h.roleList)
	rt.HandleFunc("GET /admin/roles/{name}", roles, h.roleShow)
	rt.HandleFunc("POST /admin/roles/{name}/permissions", roles, h.roleSetPermissions)
	rt.HandleFunc("POST /admin/roles/{name}/scopes", roles, h.roleSetScopes)

	rt.HandleFunc("GET /account", authz.Authenticated, h.accountShow)
	rt.HandleFunc("GET /account/password", authz.Authenticated, h.passwordShow)
	rt.HandleFunc("POST /account/password", authz.Authenticated, h.passwordChange)
	rt.HandleFunc("GET /account/tokens", identity.PermTokenOwn, h.tokenList)
	rt.HandleFunc("POST /account/tokens", identity.PermTokenOwn, h.tokenCreate)
	rt.HandleFunc("POST /account/tokens/{id}/revoke", identity.PermTokenOwn, h.tokenRevoke)

	rt.HandleFunc("GET /admin/audit", identity.PermAuditRead, h.auditSearch)

	dl := identity.PermDeadLetterManage
	rt.HandleFunc("GET /admin/deadletters", dl, h.deadLetterList)
	rt.HandleFunc("POST /admin/deadletters/replay", dl, h.deadLetterReplayAll)
	rt.HandleFunc("POST /admin/deadletters/{id}/replay", dl, h.deadLetterReplay)
}
