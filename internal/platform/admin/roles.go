package admin

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// permGroup is the permissions of one module.
type permGroup struct {
	Module string
	Perms  []authz.Permission
}

// scopeRow is one data scope of a role: a record kind (or * for every kind)
// and the rows of that kind the role sees.
type scopeRow struct {
	Kind  string
	Scope authz.Scope
}

// roleView is one role as the role list shows it.
type roleView struct {
	Role   identity.Role
	Groups []permGroup
	Scopes []scopeRow
}

// roleEdit is the page that edits one role's permissions and scopes.
type roleEdit struct {
	Role identity.Role
	// Groups lists every registered permission by module, for the checkboxes.
	Groups  []permGroup
	Checked []authz.Permission
	// Scopes are the rows of the scope form: the role's scopes (or those just
	// submitted) and a few empty rows for new ones.
	Scopes []scopeRow
	Errors map[string]string
}

// blankScopeRows is how many empty rows the scope form offers for new scopes.
const blankScopeRows = 3

// scopeChoices are the scopes a role may hold on a kind.
var scopeChoices = []authz.Scope{authz.ScopeOwn, authz.ScopeTeam, authz.ScopeCompany}

// groupPermissions groups perms by the module that registered them;
// permissions no module registers any more come under "".
func groupPermissions(perms []authz.Permission) []permGroup {
	module := map[authz.Permission]string{}
	for _, d := range authz.Definitions() {
		module[d.Name] = d.Module
	}
	byModule := map[string][]authz.Permission{}
	for _, p := range perms {
		byModule[module[p]] = append(byModule[module[p]], p)
	}
	out := make([]permGroup, 0, len(byModule))
	for _, m := range slices.Sorted(maps.Keys(byModule)) {
		ps := byModule[m]
		slices.Sort(ps)
		out = append(out, permGroup{Module: m, Perms: ps})
	}
	return out
}

// allPermissions returns every permission a role may be granted.
func allPermissions() []authz.Permission {
	var out []authz.Permission
	for _, d := range authz.Definitions() {
		out = append(out, d.Name)
	}
	return out
}

// sortedScopes lists a role's scopes, "every kind" first, then by kind.
func sortedScopes(m map[string]authz.Scope) []scopeRow {
	out := make([]scopeRow, 0, len(m))
	for k, s := range m {
		out = append(out, scopeRow{Kind: k, Scope: s})
	}
	slices.SortFunc(out, func(a, b scopeRow) int {
		return cmp.Or(-cmp.Compare(boolInt(a.Kind == authz.AllKinds), boolInt(b.Kind == authz.AllKinds)), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (h *handler) roleList(w http.ResponseWriter, r *http.Request) {
	roles, err := h.id.ListRoles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views := make([]roleView, len(roles))
	for i, role := range roles {
		views[i] = roleView{Role: role, Groups: groupPermissions(role.Permissions), Scopes: sortedScopes(role.Scopes)}
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "admin.roles.title", Active: "roles"}, "", rolesPage(views))
}

func (h *handler) roleShow(w http.ResponseWriter, r *http.Request) {
	h.showRole(w, r, http.StatusOK, roleEdit{})
}

// showRole renders the edit page of the role named in the path.
func (h *handler) showRole(w http.ResponseWriter, r *http.Request, status int, v roleEdit) {
	roles, err := h.id.ListRoles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(roles, func(role identity.Role) bool { return role.Name == r.PathValue("name") })
	if i < 0 {
		h.fail(w, r, identity.ErrRoleNotFound)
		return
	}
	v.Role = roles[i]
	v.Groups = groupPermissions(allPermissions())
	if v.Checked == nil {
		v.Checked = v.Role.Permissions
	}
	if v.Scopes == nil {
		v.Scopes = sortedScopes(v.Role.Scopes)
	}
	for range blankScopeRows {
		v.Scopes = append(v.Scopes, scopeRow{})
	}
	h.show(w, r, status, webui.Page{Title: "admin.role.title", Active: "roles"}, v.Errors[""], roleEditPage(v))
}

func (h *handler) roleSetPermissions(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	perms := make([]authz.Permission, 0, len(r.PostForm["perm"]))
	for _, p := range r.PostForm["perm"] {
		perms = append(perms, authz.Permission(p))
	}
	if err := h.id.SetRolePermissions(r.Context(), name, perms); err != nil {
		h.roleProblem(w, r, err, roleEdit{Checked: perms})
		return
	}
	redirect(w, r, "/admin/roles/"+name, "permissions_saved")
}

func (h *handler) roleSetScopes(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	kinds, scopes := r.PostForm["kind"], r.PostForm["scope"]
	var rows []scopeRow
	set := map[string]authz.Scope{}
	repeated := false
	for i, k := range kinds {
		k = strings.TrimSpace(k)
		var s authz.Scope
		if i < len(scopes) {
			s = authz.Scope(scopes[i])
		}
		if k == "" || s == authz.ScopeNone {
			continue // an empty row, or a scope taken away
		}
		if _, dup := set[k]; dup {
			repeated = true
		}
		set[k] = s
		rows = append(rows, scopeRow{Kind: k, Scope: s})
	}
	if rows == nil {
		rows = []scopeRow{}
	}
	if repeated {
		h.showRole(w, r, http.StatusUnprocessableEntity, roleEdit{Scopes: rows, Errors: map[string]string{"scopes": keyScopeRepeated}})
		return
	}
	if err := h.id.SetRoleScopes(r.Context(), name, set); err != nil {
		h.roleProblem(w, r, err, roleEdit{Scopes: rows})
		return
	}
	redirect(w, r, "/admin/roles/"+name, "scopes_saved")
}

// roleProblem shows the role page again with what went wrong.
func (h *handler) roleProblem(w http.ResponseWriter, r *http.Request, err error, v roleEdit) {
	status, errs, ok := formProblem(err, "permissions", "scopes")
	if !ok {
		h.fail(w, r, err)
		return
	}
	v.Errors = errs
	h.showRole(w, r, status, v)
}

// scopeLabel is the message key of a data scope.
func scopeLabel(s authz.Scope) string {
	if s == authz.ScopeNone {
		return "admin.scope.none"
	}
	return "admin.scope." + string(s)
}

// kindLabel names the record kind of a scope; * covers every kind.
func kindLabel(ctx context.Context, kind string) string {
	if kind == authz.AllKinds {
		return t(ctx, "admin.role.all_kinds")
	}
	return kind
}

// moduleLabel names the module that registered a group of permissions.
func moduleLabel(ctx context.Context, module string) string {
	if module == "" {
		return t(ctx, "admin.role.module_unknown")
	}
	if key := "admin.module." + module; i18n.Has(key) {
		return t(ctx, key)
	}
	return module
}
