package admin

import (
	"net/http"
	"slices"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// usersView is the user list with its filters.
type usersView struct {
	Query  string
	Status string
	Role   string
	Users  []identity.User
	Roles  []identity.Role
	// NextHref continues the list and FirstHref goes back to its start;
	// empty when there is no such page.
	NextHref, FirstHref templ.SafeURL
	Now                 time.Time
}

// userForm is the create-user form with what was typed and what is wrong.
type userForm struct {
	Login, Name, Email, Locale, TeamID string
	Roles                              []string
	Teams                              []identity.Team
	AllRoles                           []identity.Role
	Errors                             map[string]string
}

// userDetail is one user's page with its three forms.
type userDetail struct {
	User     *identity.User
	TeamName string
	AllRoles []identity.Role
	// Checked are the roles ticked in the roles form: the user's, or those
	// just submitted when saving them failed.
	Checked []string
	Errors  map[string]string
	Now     time.Time
}

// Fields each user form shows an error next to.
var (
	createFields = []string{"login", "name", "email", "locale", "team_id", "roles", "password"}
	detailFields = []string{"roles", "password"}
)

func (h *handler) userList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := usersView{Query: q.Get("q"), Status: q.Get("status"), Role: q.Get("role")}
	if v.Status != string(identity.StatusActive) && v.Status != string(identity.StatusDisabled) {
		v.Status = ""
	}
	page, err := h.id.ListUsers(ctx, identity.UserFilter{
		Query: v.Query, Status: identity.Status(v.Status), Role: v.Role, After: q.Get("after"),
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Roles, err = h.id.ListRoles(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Users, v.Now = page.Users, time.Now()
	if page.Next != "" {
		v.NextHref = listHref(r, "after", page.Next)
	}
	if q.Get("after") != "" {
		v.FirstHref = listHref(r, "after", "")
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, http.StatusOK, userResults(v))
		return
	}
	h.show(w, r, http.StatusOK, webui.Page{Title: "admin.users.title", Active: "users"}, "", usersPage(v))
}

func (h *handler) userNew(w http.ResponseWriter, r *http.Request) {
	h.showUserForm(w, r, http.StatusOK, userForm{})
}

func (h *handler) showUserForm(w http.ResponseWriter, r *http.Request, status int, f userForm) {
	ctx := r.Context()
	var err error
	if f.Teams, err = h.id.ListTeams(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if f.AllRoles, err = h.id.ListRoles(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	h.show(w, r, status, webui.Page{Title: "admin.user.new_title", Active: "users"}, f.Errors[""], userNewPage(f))
}

func (h *handler) userCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	pf := r.PostForm
	f := userForm{Login: pf.Get("login"), Name: pf.Get("name"), Email: pf.Get("email"), Locale: pf.Get("locale"),
		TeamID: pf.Get("team_id"), Roles: pf["roles"]}
	u, err := h.id.CreateUser(r.Context(), identity.NewUser{Login: f.Login, Name: f.Name, Email: f.Email,
		Locale: f.Locale, TeamID: f.TeamID, Roles: f.Roles, Password: pf.Get("password")})
	if err != nil {
		status, errs, ok := formProblem(err, createFields...)
		if !ok {
			h.fail(w, r, err)
			return
		}
		f.Errors = errs
		h.showUserForm(w, r, status, f)
		return
	}
	redirect(w, r, "/admin/users/"+u.ID, "user_created")
}

func (h *handler) userShow(w http.ResponseWriter, r *http.Request) {
	h.showUser(w, r, http.StatusOK, userDetail{})
}

// showUser renders the page of the user named in the path.
func (h *handler) showUser(w http.ResponseWriter, r *http.Request, status int, v userDetail) {
	ctx := r.Context()
	var err error
	if v.User, err = h.id.GetUser(ctx, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.AllRoles, err = h.id.ListRoles(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Checked == nil {
		v.Checked = v.User.Roles
	}
	if v.User.TeamID != "" {
		teams, err := h.id.ListTeams(ctx)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if i := slices.IndexFunc(teams, func(t identity.Team) bool { return t.ID == v.User.TeamID }); i >= 0 {
			v.TeamName = teams[i].Name
		}
	}
	v.Now = time.Now()
	h.show(w, r, status, webui.Page{Title: "admin.user.title", Active: "users"}, v.Errors[""], userPage(v))
}

// userAction runs a change to the user named in the path and answers it:
// back to the user's page with a flash, or the page again with the errors.
func (h *handler) userAction(flash string, change func(r *http.Request, id string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.parseForm(w, r) {
			return
		}
		id := r.PathValue("id")
		if err := change(r, id); err != nil {
			status, errs, ok := formProblem(err, detailFields...)
			if !ok {
				h.fail(w, r, err)
				return
			}
			v := userDetail{Errors: errs}
			if r.PostForm.Has("roles_form") {
				v.Checked = append([]string{}, r.PostForm["roles"]...)
			}
			h.showUser(w, r, status, v)
			return
		}
		redirect(w, r, "/admin/users/"+id, flash)
	}
}

// roleLabel is a role's name in the language of the page.
func roleLabel(lang string, r identity.Role) string {
	name := r.NameEN
	if lang == i18n.ZH {
		name = r.NameZH
	}
	if name == "" {
		return r.Name
	}
	return name
}

// roleLabels names the roles a user holds, in the language of the page.
func roleLabels(lang string, all []identity.Role, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		label := n
		if i := slices.IndexFunc(all, func(r identity.Role) bool { return r.Name == n }); i >= 0 {
			label = roleLabel(lang, all[i])
		}
		out = append(out, label)
	}
	return out
}

// userState is how a user's status shows: active, locked (for a while after
// failed sign-ins) or disabled, with the badge class of each.
func userState(u identity.User, now time.Time) (key, class string) {
	switch {
	case u.Status == identity.StatusDisabled:
		return "admin.user.status.disabled", "badge badge-err"
	case !u.LockedUntil.IsZero() && u.LockedUntil.After(now):
		return "admin.user.status.locked", "badge badge-warn"
	}
	return "admin.user.status.active", "badge badge-ok"
}

// localeLabel is the message key of a user's language setting.
func localeLabel(locale string) string {
	switch locale {
	case identity.LocaleEN:
		return "lang.en"
	case identity.LocaleZH:
		return "lang.zh-Hans"
	}
	return "admin.user.locale_browser"
}

// yesNo is the message key of a yes or a no.
func yesNo(b bool) string {
	if b {
		return "common.yes"
	}
	return "common.no"
}
