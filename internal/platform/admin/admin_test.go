package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/admin"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
)

func TestMessagesExistInBothLanguages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestEveryRouteAndOperationDeclaresAPermission(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		routes := h.router.Routes()
		if len(routes) == 0 {
			t.Fatal("no routes registered")
		}
		for _, r := range routes {
			if r.Perm == "" {
				t.Errorf("route %s declares no permission", r.Pattern)
			}
		}
		if missing := h.api.MissingPermissions(); len(missing) > 0 {
			t.Errorf("operations without a permission: %v", missing)
		}
		for _, op := range h.api.Operations() {
			if !strings.HasPrefix(op.OperationID, "platform-") {
				t.Errorf("operation %s is not named platform-…", op.OperationID)
			}
		}
		doc := h.anonymous().get("/api/v1/openapi.json")
		wantStatus(t, doc, http.StatusOK)
		wantContains(t, doc.Body, `"platform-create-user"`, `"AdminUser"`, `"x-loom-permission":"platform.user.manage"`)
	})
}

func TestWireRefusesMissingDependencies(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Wire without dependencies did not panic")
		}
	}()
	admin.Wire(admin.Deps{})
}

func TestAdminCreatesUserThroughWebForm(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)

		form := c.get("/admin/users/new")
		wantStatus(t, form, http.StatusOK)
		wantContains(t, form.Body, `action="/admin/users"`, `name="roles" value="sales_rep"`)

		loc, page := c.follow("/admin/users", url.Values{
			"login": {"li.wei"}, "name": {"李伟"}, "email": {"li.wei@example.com"}, "locale": {"zh-Hans"},
			"roles": {identity.RoleSalesRep, identity.RoleBuyer}, "password": {"password-li.wei"},
		})
		if !strings.HasPrefix(loc, "/admin/users/") || !strings.Contains(loc, "done=user_created") {
			t.Fatalf("redirected to %s", loc)
		}
		wantContains(t, page.Body, `data-user="li.wei"`, "The user was created.", "李伟", "li.wei@example.com")

		list, err := h.svc.ListUsers(sys(), identity.UserFilter{Query: "li.wei"})
		if err != nil || len(list.Users) != 1 {
			t.Fatalf("users %v, %v", list.Users, err)
		}
		u := list.Users[0]
		if u.Locale != identity.LocaleZH || !slices.Equal(u.Roles, []string{identity.RoleBuyer, identity.RoleSalesRep}) {
			t.Fatalf("user %+v", u)
		}
		if _, err := h.svc.Login(context.Background(), "li.wei", "password-li.wei", "127.0.0.2", "test"); err != nil {
			t.Fatalf("the new user cannot sign in: %v", err)
		}

		// The list finds the user by search, role and status; htmx gets only the results.
		found := c.get("/admin/users?q=LI.W&role=sales_rep&status=active")
		wantStatus(t, found, http.StatusOK)
		wantContains(t, found.Body, `data-user="li.wei"`, "<html")
		wantLacks(t, found.Body, `data-user="admin"`)
		frag := c.get("/admin/users?q=li&role=buyer", map[string]string{"HX-Request": "true"})
		wantContains(t, frag.Body, `id="user-results"`, `data-user="li.wei"`)
		wantLacks(t, frag.Body, "<html")
		none := c.get("/admin/users?status=disabled")
		wantLacks(t, none.Body, `data-user="li.wei"`)
	})
}

func TestUserListPagesByLogin(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		// With admin and rep, 57 users: useraa … userbv fill the first page of 50.
		for i := range 55 {
			h.mustUser("user" + string(rune('a'+i/26)) + string(rune('a'+i%26)))
		}
		c := h.browser(h.admin)
		first := c.get("/admin/users")
		wantStatus(t, first, http.StatusOK)
		wantContains(t, first.Body, `data-user="admin"`, `data-user="userbv"`, `rel="next"`)
		wantLacks(t, first.Body, `data-user="userbw"`)
		i := strings.Index(first.Body, `rel="next" href="`)
		next := first.Body[i+len(`rel="next" href="`):]
		next = strings.ReplaceAll(next[:strings.IndexByte(next, '"')], "&amp;", "&")
		second := c.get(next)
		wantContains(t, second.Body, `data-user="userbw"`, `data-user="usercc"`, "First page")
		wantLacks(t, second.Body, `data-user="userbv"`, `rel="next"`)
	})
}

func TestBadCreateShowsFieldErrorsAndWritesNothing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)
		before := h.snapshot()

		r := c.post("/admin/users", url.Values{
			"login": {""}, "name": {"Kept Name"}, "email": {"kept@example.com"}, "password": {"short"},
			"roles": {identity.RoleBuyer},
		})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("login"), "This field is required.",
			fieldError("password"), "The password must have at least 8 characters.",
			`value="Kept Name"`, `value="kept@example.com"`, `value="buyer" checked`, `aria-invalid="true"`)
		wantLacks(t, r.Body, fieldError("name"), `value="short"`)
		h.wantUnchanged(before)

		// A taken login is named too, in the user's language.
		r = c.post("/admin/users?lang=zh-Hans", url.Values{"login": {"REP"}, "name": {"重复"}})
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, r.Body, fieldError("login"), "此用户名已被使用。", `value="重复"`)
		h.wantUnchanged(before)

		// The API names the same fields.
		p := wantProblem(t, c.json(http.MethodPost, "/users", map[string]any{"login": "", "name": "X", "password": "short"}, nil),
			http.StatusUnprocessableEntity)
		if !p.hasFieldError("body.login", "identity.error.required") || !p.hasFieldError("body.password", "identity.error.password_too_short") {
			t.Fatalf("problem %+v", p)
		}
		p = wantProblem(t, c.json(http.MethodPost, "/users", map[string]any{"login": "rep", "name": "X"}, nil), http.StatusConflict)
		if p.Code != "conflict" || !p.hasFieldError("body.login", "identity.error.login_taken") {
			t.Fatalf("problem %+v", p)
		}
		h.wantUnchanged(before)
	})
}

func TestAdminManagesUsersThroughAPI(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)

		var u admin.AdminUser
		r := c.json(http.MethodPost, "/users", map[string]any{"login": "wang.fang", "name": "王芳",
			"roles": []string{identity.RoleSalesRep}, "password": "password-wang"}, &u)
		wantStatus(t, r, http.StatusCreated)
		if u.ID == "" || u.Status != "active" || !u.HasPassword || r.Header.Get("Location") != "/api/v1/users/"+u.ID {
			t.Fatalf("created %+v, Location %q", u, r.Header.Get("Location"))
		}

		var page struct {
			Items      []admin.AdminUser `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		wantStatus(t, c.json(http.MethodGet, "/users?limit=1&role=sales_rep", nil, &page), http.StatusOK)
		if len(page.Items) != 1 || page.Items[0].Login != "rep" || page.NextCursor == nil {
			t.Fatalf("first page %+v", page)
		}
		wantStatus(t, c.json(http.MethodGet, "/users?limit=1&role=sales_rep&cursor="+url.QueryEscape(*page.NextCursor), nil, &page), http.StatusOK)
		if len(page.Items) != 1 || page.Items[0].Login != "wang.fang" || page.NextCursor != nil {
			t.Fatalf("second page %+v", page)
		}
		p := wantProblem(t, c.json(http.MethodGet, "/users?sort=-login", nil, nil), http.StatusUnprocessableEntity)
		if !p.hasFieldError("query.sort", "admin.error.sort_fixed") {
			t.Fatalf("problem %+v", p)
		}

		var got admin.AdminUser
		wantStatus(t, c.json(http.MethodPut, "/users/"+u.ID+"/roles", map[string]any{"roles": []string{"buyer", "planner"}}, &got), http.StatusOK)
		if !slices.Equal(got.Roles, []string{"buyer", "planner"}) {
			t.Fatalf("roles %v", got.Roles)
		}
		wantStatus(t, c.json(http.MethodPost, "/users/"+u.ID+"/disable", nil, &got), http.StatusOK)
		if got.Status != "disabled" {
			t.Fatalf("status %s", got.Status)
		}
		wantStatus(t, c.json(http.MethodPost, "/users/"+u.ID+"/enable", nil, &got), http.StatusOK)
		if got.Status != "active" {
			t.Fatalf("status %s", got.Status)
		}
		wantStatus(t, c.json(http.MethodPut, "/users/"+u.ID+"/password", map[string]any{"password": "another-password"}, nil), http.StatusNoContent)
		if _, err := h.svc.Login(context.Background(), "wang.fang", "another-password", "127.0.0.3", "test"); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		wantStatus(t, c.json(http.MethodGet, "/users/"+u.ID, nil, &got), http.StatusOK)

		// The last administrator cannot be disabled; the fault is the user in the path.
		p = wantProblem(t, c.json(http.MethodPost, "/users/"+h.admin.ID+"/disable", nil, nil), http.StatusUnprocessableEntity)
		if !p.hasFieldError("path.id", "identity.error.last_admin") {
			t.Fatalf("problem %+v", p)
		}
		p = wantProblem(t, c.json(http.MethodGet, "/users/"+"0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", nil, nil), http.StatusNotFound)
		if p.Key != "identity.error.user_not_found" {
			t.Fatalf("problem %+v", p)
		}

		var me admin.AdminMe
		wantStatus(t, c.json(http.MethodGet, "/me", nil, &me), http.StatusOK)
		if me.UserID != h.admin.ID || me.Login != "admin" || !slices.Contains(me.Permissions, string(identity.PermUserManage)) ||
			me.Scopes[authz.AllKinds] != string(authz.ScopeCompany) {
			t.Fatalf("me %+v", me)
		}
	})
}

func TestSalesRepIsRefused(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		rep := h.browser(h.rep)
		before := h.snapshot()
		for _, path := range []string{"/admin/users", "/admin/users/new", "/admin/users/" + h.admin.ID, "/admin/roles",
			"/admin/audit", "/admin/deadletters"} {
			wantStatus(t, rep.get(path), http.StatusForbidden)
		}
		wantStatus(t, rep.post("/admin/users", url.Values{"login": {"sneaky"}, "name": {"S"}, "roles": {"admin"}}), http.StatusForbidden)
		wantStatus(t, rep.post("/admin/users/"+h.rep.ID+"/roles", url.Values{"roles": {"admin"}}), http.StatusForbidden)
		wantProblem(t, rep.json(http.MethodGet, "/users", nil, nil), http.StatusForbidden)
		wantProblem(t, rep.json(http.MethodPost, "/users", map[string]any{"login": "sneaky", "name": "S"}, nil), http.StatusForbidden)
		wantProblem(t, rep.json(http.MethodGet, "/audit", nil, nil), http.StatusForbidden)
		wantProblem(t, rep.json(http.MethodGet, "/deadletters", nil, nil), http.StatusForbidden)
		h.wantUnchanged(before)

		// What every user may do still works.
		wantStatus(t, rep.get("/account/tokens"), http.StatusOK)
		wantStatus(t, rep.get("/account"), http.StatusOK)
		var me admin.AdminMe
		wantStatus(t, rep.json(http.MethodGet, "/me", nil, &me), http.StatusOK)
		if me.Login != "rep" || slices.Contains(me.Permissions, string(identity.PermUserManage)) || me.Scopes[authz.AllKinds] != "own" {
			t.Fatalf("me %+v", me)
		}

		// Nobody signed in is sent to the login page, or gets 401 from the API.
		anon := h.anonymous().get("/admin/users")
		if anon.Status != http.StatusSeeOther || !strings.HasPrefix(anon.Header.Get("Location"), identity.LoginPath) {
			t.Fatalf("anonymous: %d %s", anon.Status, anon.Header.Get("Location"))
		}
		wantProblem(t, h.anonymous().json(http.MethodGet, "/me", nil, nil), http.StatusUnauthorized)
	})
}

func TestUserPageChangesRolesStatusAndPassword(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)
		rep := h.browser(h.rep)
		path := "/admin/users/" + h.rep.ID

		wantContains(t, c.get(path).Body, `value="sales_rep" checked`)
		_, page := c.follow(path+"/roles", url.Values{"roles_form": {"1"}, "roles": {"sales_manager"}})
		wantContains(t, page.Body, "The roles were saved.", `value="sales_manager" checked`)
		wantLacks(t, page.Body, `value="sales_rep" checked`)

		_, page = c.follow(path+"/disable", nil)
		wantContains(t, page.Body, "The user was disabled and signed out.", `data-status="disabled"`)
		if r := rep.get("/account"); r.Status != http.StatusSeeOther {
			t.Fatalf("a disabled user's session still works: %d", r.Status)
		}
		_, page = c.follow(path+"/enable", nil)
		wantContains(t, page.Body, "The user can sign in again.", `data-status="active"`)

		before := h.snapshot()
		r := c.post(path+"/password", url.Values{"password": {"short"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("password"), "at least 8 characters")
		h.wantUnchanged(before)
		_, page = c.follow(path+"/password", url.Values{"password": {"a-new-password"}})
		wantContains(t, page.Body, "The password was set")
		if _, err := h.svc.Login(context.Background(), "rep", "a-new-password", "127.0.0.4", "test"); err != nil {
			t.Fatalf("sign in with the set password: %v", err)
		}

		// The last administrator stays: the refusal shows above the page.
		r = c.post("/admin/users/"+h.admin.ID+"/disable", nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, "This is the last active administrator", "flash-error")
		r = c.post("/admin/users/"+h.admin.ID+"/roles", url.Values{"roles_form": {"1"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, "This is the last active administrator")
		wantLacks(t, r.Body, `value="admin" checked`)

		wantStatus(t, c.get("/admin/users/0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d"), http.StatusNotFound)
	})
}

func TestRolePermissionsAndScopes(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)
		list := c.get("/admin/roles")
		wantStatus(t, list, http.StatusOK)
		wantContains(t, list.Body, `data-role="sales_rep"`, "Sales representative", string(identity.PermTokenOwn),
			"Users and access", "Their own records")

		rep := h.browser(h.rep)
		wantStatus(t, rep.get("/admin/audit"), http.StatusForbidden)
		_, page := c.follow("/admin/roles/sales_rep/permissions", url.Values{
			"perm": {string(identity.PermTokenOwn), string(identity.PermAuditRead)}})
		wantContains(t, page.Body, "The permissions were saved.", `value="platform.audit.read" checked`)
		wantStatus(t, rep.get("/admin/audit"), http.StatusOK)

		_, page = c.follow("/admin/roles/sales_rep/scopes", url.Values{
			"kind": {"*", "crm.customer", ""}, "scope": {"team", "company", "own"}})
		wantContains(t, page.Body, "The data scopes were saved.", `value="crm.customer"`)
		roles, err := h.svc.ListRoles(sys())
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(roles, func(r identity.Role) bool { return r.Name == identity.RoleSalesRep })
		if s := roles[i].Scopes; len(s) != 2 || s[authz.AllKinds] != authz.ScopeTeam || s["crm.customer"] != authz.ScopeCompany {
			t.Fatalf("scopes %v", s)
		}

		before := h.snapshot()
		r := c.post("/admin/roles/sales_rep/scopes", url.Values{"kind": {"Bad Kind!"}, "scope": {"own"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("scopes"), `value="Bad Kind!"`)
		r = c.post("/admin/roles/sales_rep/scopes", url.Values{"kind": {"crm.lead", "crm.lead"}, "scope": {"own", "team"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("scopes"), "Each record kind may appear only once.")
		r = c.post("/admin/roles/admin/permissions", url.Values{"perm": {string(identity.PermTokenOwn)}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, "The administrator role always holds every permission")
		p := wantProblem(t, c.json(http.MethodPut, "/roles/sales_rep/permissions",
			map[string]any{"permissions": []string{"no.such.permission"}}, nil), http.StatusUnprocessableEntity)
		if !p.hasFieldError("body.permissions", "identity.error.permission_unknown") {
			t.Fatalf("problem %+v", p)
		}
		wantProblem(t, c.json(http.MethodPut, "/roles/nobody/scopes", map[string]any{"scopes": map[string]string{}}, nil), http.StatusNotFound)
		h.wantUnchanged(before)
		wantStatus(t, c.get("/admin/roles/nobody"), http.StatusNotFound)

		var role admin.AdminRole
		wantStatus(t, c.json(http.MethodPut, "/roles/buyer/scopes", map[string]any{"scopes": map[string]string{"*": "own"}}, &role), http.StatusOK)
		if role.Name != "buyer" || role.Scopes["*"] != "own" {
			t.Fatalf("role %+v", role)
		}
		var roleList struct {
			Items []admin.AdminRole `json:"items"`
		}
		wantStatus(t, c.json(http.MethodGet, "/roles", nil, &roleList), http.StatusOK)
		if len(roleList.Items) != len(identity.SeededRoles()) {
			t.Fatalf("%d roles", len(roleList.Items))
		}
	})
}

func TestAPITokenWorksUntilRevoked(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		rep := h.browser(h.rep)

		var created admin.AdminAPITokenCreated
		r := rep.json(http.MethodPost, "/tokens", map[string]any{"name": "nightly export"}, &created)
		wantStatus(t, r, http.StatusCreated)
		if !strings.HasPrefix(created.Secret, identity.TokenPrefix+created.Prefix+"_") {
			t.Fatalf("created %+v", created)
		}
		bearer := h.tokenClient(created.Secret)
		var me admin.AdminMe
		wantStatus(t, bearer.json(http.MethodGet, "/me", nil, &me), http.StatusOK)
		if me.UserID != h.rep.ID || me.TokenID != created.ID {
			t.Fatalf("me %+v", me)
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		wantStatus(t, bearer.json(http.MethodGet, "/tokens", nil, &list), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0]["secret"] != nil || list.Items[0]["name"] != "nightly export" {
			t.Fatalf("tokens %v", list.Items)
		}
		p := wantProblem(t, rep.json(http.MethodPost, "/tokens", map[string]any{"name": ""}, nil), http.StatusUnprocessableEntity)
		if !p.hasFieldError("body.name", "identity.error.required") {
			t.Fatalf("problem %+v", p)
		}

		wantStatus(t, rep.json(http.MethodDelete, "/tokens/"+created.ID, nil, nil), http.StatusNoContent)
		wantProblem(t, bearer.json(http.MethodGet, "/me", nil, nil), http.StatusUnauthorized)
		wantProblem(t, rep.json(http.MethodDelete, "/tokens/0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d", nil, nil), http.StatusNotFound)
	})
}

func TestTokenPageShowsSecretOnce(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.rep)
		wantContains(t, c.get("/account/tokens").Body, "You have no API tokens.")

		r := c.post("/account/tokens", url.Values{"name": {"ERP sync"}, "expires_at": {"2999-12-31"}})
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, "shown only this once", "data-token-secret", "ERP sync", "2999-12-31")
		i := strings.Index(r.Body, "data-token-secret>")
		secret := r.Body[i+len("data-token-secret>"):]
		secret = secret[:strings.IndexByte(secret, '<')]
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("the secret's page may be cached: %q", r.Header.Get("Cache-Control"))
		}
		var me admin.AdminMe
		wantStatus(t, h.tokenClient(secret).json(http.MethodGet, "/me", nil, &me), http.StatusOK)

		list := c.get("/account/tokens")
		wantContains(t, list.Body, "ERP sync", `data-status="active"`)
		wantLacks(t, list.Body, secret)

		r = c.post("/account/tokens", url.Values{"name": {"old"}, "expires_at": {"2001-01-01"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("expires_at"), "The expiry date must be in the future.", `value="old"`)
		r = c.post("/account/tokens", url.Values{"name": {"x"}, "expires_at": {"31.12.2999"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("expires_at"), "YYYY-MM-DD")

		tokens, err := h.svc.ListAPITokens(authz.WithPrincipal(context.Background(), authz.System()), h.rep.ID)
		if err != nil || len(tokens) != 1 {
			t.Fatalf("tokens %v, %v", tokens, err)
		}
		_, page := c.follow("/account/tokens/"+tokens[0].ID+"/revoke", nil)
		wantContains(t, page.Body, "The API token was revoked", `data-status="revoked"`)
		wantProblem(t, h.tokenClient(secret).json(http.MethodGet, "/me", nil, nil), http.StatusUnauthorized)

		// Another user's token is not the rep's to revoke.
		other, err := h.svc.CreateAPIToken(authz.WithPrincipal(context.Background(), &authz.Principal{UserID: h.admin.ID,
			Perms: map[authz.Permission]bool{identity.PermTokenOwn: true}}), identity.NewAPIToken{Name: "admin's"})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, c.post("/account/tokens/"+other.ID+"/revoke", nil), http.StatusForbidden)
		wantStatus(t, h.tokenClient(other.Secret).json(http.MethodGet, "/me", nil, &me), http.StatusOK)
	})
}

func TestChangeOwnPassword(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.rep)
		other := h.browser(h.rep)
		wantStatus(t, c.get("/account/password"), http.StatusOK)

		before := h.snapshot()
		r := c.post("/account/password", url.Values{"current_password": {password("rep")}, "new_password": {"new-password-1"},
			"new_password_confirm": {"new-password-2"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("new_password_confirm"), "The two new passwords differ.")
		r = c.post("/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"new-password-1"},
			"new_password_confirm": {"new-password-1"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("current_password"), "The current password is wrong.")
		h.wantUnchanged(before)

		_, page := c.follow("/account/password", url.Values{"current_password": {password("rep")},
			"new_password": {"new-password-1"}, "new_password_confirm": {"new-password-1"}})
		wantContains(t, page.Body, "Your password was changed")
		wantStatus(t, c.get("/account"), http.StatusOK)
		if r := other.get("/account"); r.Status != http.StatusSeeOther {
			t.Fatalf("the other session still works: %d", r.Status)
		}
		if _, err := h.svc.Login(context.Background(), "rep", "new-password-1", "127.0.0.5", "test"); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
	})
}

func TestAuditSearchShowsUserCreation(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)
		var u admin.AdminUser
		wantStatus(t, c.json(http.MethodPost, "/users", map[string]any{"login": "zhao.lei", "name": "赵磊"}, &u), http.StatusCreated)

		page := c.get("/admin/audit?action=identity.user.created&entity_id=" + u.ID)
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, `data-audit-action="identity.user.created" data-entity-id="`+u.ID+`"`,
			"<details>", "zhao.lei", "赵磊", `<option value="platform" selected`)
		if strings.Count(page.Body, "data-audit-action=") != 1 {
			t.Fatalf("want one row:\n%s", page.Body)
		}
		byActor := c.get("/admin/audit?unit=platform&actor=ADMIN&entity_kind=identity.user")
		wantContains(t, byActor.Body, `data-entity-id="`+u.ID+`"`)
		wantLacks(t, c.get("/admin/audit?actor=rep").Body, `data-entity-id="`+u.ID+`"`)
		wantContains(t, c.get("/admin/audit?unit=crm").Body, "No audit records match.")
		today := u.CreatedAt.Local().Format("2006-01-02")
		wantContains(t, c.get("/admin/audit?from="+today+"&to="+today+"&action=identity.user.created").Body, u.ID)
		wantLacks(t, c.get("/admin/audit?to=2001-01-01").Body, `data-entity-id="`+u.ID+`"`)

		r := c.get("/admin/audit?unit=nowhere")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("unit"))
		r = c.get("/admin/audit?from=2026-03-02&to=2026-03-01")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("to"))
		r = c.get("/admin/audit?from=yesterday")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r.Body, fieldError("from"), `value="yesterday"`)

		var rows struct {
			Items      []admin.AdminAuditRow `json:"items"`
			NextCursor *string               `json:"next_cursor"`
		}
		wantStatus(t, c.json(http.MethodGet, "/audit?entity_kind=identity.user&limit=1", nil, &rows), http.StatusOK)
		if len(rows.Items) != 1 || rows.Items[0].EntityID != u.ID || rows.Items[0].ActorLogin != "admin" || rows.NextCursor == nil {
			t.Fatalf("first page %+v", rows)
		}
		last := rows.Items[0].Seq
		wantStatus(t, c.json(http.MethodGet, "/audit?entity_kind=identity.user&limit=1&cursor="+url.QueryEscape(*rows.NextCursor), nil, &rows), http.StatusOK)
		if len(rows.Items) != 1 || rows.Items[0].Seq >= last {
			t.Fatalf("second page %+v", rows)
		}
		p := wantProblem(t, c.json(http.MethodGet, "/audit?unit=nowhere", nil, nil), http.StatusUnprocessableEntity)
		if !p.hasFieldError("query.unit", "admin.error.unit_unknown") {
			t.Fatalf("problem %+v", p)
		}
		wantStatus(t, c.json(http.MethodGet, "/audit?unit=crm", nil, &rows), http.StatusOK)
		if len(rows.Items) != 0 {
			t.Fatalf("crm rows %+v", rows.Items)
		}
	})
}

func TestDeadLettersListAndReplay(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)
		h.broken.Store(true)
		subject := "0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1d"
		h.emit(subject)
		waitFor(t, "the event to be dead-lettered", func() bool { return len(h.deadLetters()) == 1 })
		id := h.deadLetters()[0].ID

		page := c.get("/admin/deadletters?unit=platform")
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, `data-deadletter="`+id+`"`, eventType, subject, consumerName, "test handler is broken")
		wantContains(t, c.get("/admin/deadletters?type=other.type").Body, "No dead letters.")
		wantContains(t, c.get("/admin/deadletters?unit=crm").Body, "No dead letters.")
		wantStatus(t, c.get("/admin/deadletters?unit=nowhere"), http.StatusUnprocessableEntity)

		var list struct {
			Items []admin.AdminDeadLetter `json:"items"`
		}
		wantStatus(t, c.json(http.MethodGet, "/deadletters?consumer="+consumerName, nil, &list), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].ID != id || list.Items[0].Event.Subject != subject || list.Items[0].Attempts != 1 {
			t.Fatalf("dead letters %+v", list.Items)
		}

		// Still broken: the dead letter stays, with one more attempt.
		loc, page := c.follow("/admin/deadletters/"+id+"/replay", url.Values{"unit": {"platform"}})
		if !strings.Contains(loc, "unit=platform") {
			t.Fatalf("redirected to %s", loc)
		}
		wantContains(t, page.Body, "The handler failed again", "flash-error", `data-deadletter="`+id+`"`)
		if dl := h.deadLetters(); len(dl) != 1 || dl[0].Attempts != 2 {
			t.Fatalf("dead letters %+v", dl)
		}
		p := wantProblem(t, c.json(http.MethodPost, "/deadletters/"+id+"/replay", nil, nil), http.StatusConflict)
		if p.Key != "admin.error.replay_failed" {
			t.Fatalf("problem %+v", p)
		}

		// Fixed: the replay applies it and the list is empty.
		h.broken.Store(false)
		_, page = c.follow("/admin/deadletters/"+id+"/replay", url.Values{"unit": {"platform"}})
		wantContains(t, page.Body, "The event was applied", "No dead letters.")
		if n := h.applied.Load(); n != 1 || len(h.deadLetters()) != 0 {
			t.Fatalf("applied %d, dead letters %v", n, h.deadLetters())
		}
		_, page = c.follow("/admin/deadletters/"+id+"/replay", nil)
		wantContains(t, page.Body, "no longer exists")
		wantProblem(t, c.json(http.MethodPost, "/deadletters/"+id+"/replay", nil, nil), http.StatusNotFound)

		// Replay all that the filter selects.
		h.broken.Store(true)
		h.emit("0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1e")
		h.emit("0196b2c4-5f1e-7a3b-9c0d-2e4f6a8b0c1f")
		waitFor(t, "two more dead letters", func() bool { return len(h.deadLetters()) == 2 })
		wantContains(t, c.get("/admin/deadletters").Body, "2 dead letters")
		h.broken.Store(false)
		_, page = c.follow("/admin/deadletters/replay", url.Values{"consumer": {consumerName}})
		wantContains(t, page.Body, "2 dead letters were replayed.", "No dead letters.")
		if n := h.applied.Load(); n != 3 {
			t.Fatalf("applied %d", n)
		}
	})
}

func TestPagesRenderInChinese(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		h := newHarness(t, cfg)
		c := h.browser(h.admin)
		for path, want := range map[string][]string{
			"/admin/users?lang=zh-Hans":       {"新建用户", "按用户名或姓名搜索", "销售代表"},
			"/admin/users/new?lang=zh-Hans":   {"创建用户", "初始密码", "跟随浏览器"},
			"/admin/roles?lang=zh-Hans":       {"数据范围", "本人的记录", "用户与权限"},
			"/admin/audit?lang=zh-Hans":       {"审计日志", "操作人", "查看变更"},
			"/admin/deadletters?lang=zh-Hans": {"死信", "全部单元", "没有死信。"},
			"/account/tokens?lang=zh-Hans":    {"API 令牌", "新建 API 令牌"},
			"/account/password?lang=zh-Hans":  {"修改密码", "再次输入新密码"},
		} {
			r := c.get(path)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r.Body, append([]string{`lang="zh-Hans"`}, want...)...)
		}
		// The language sticks through the cookie, and API errors follow Accept-Language.
		wantContains(t, c.get("/admin/users").Body, "新建用户")
		r := c.do(http.MethodPost, "/api/v1/users", strings.NewReader(`{"login":"","name":"X"}`),
			map[string]string{"Content-Type": "application/json", "Accept-Language": "zh-CN"})
		p := wantProblem(t, r, http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Message != "此项为必填项。" {
			t.Fatalf("problem %+v", p)
		}
	})
}
