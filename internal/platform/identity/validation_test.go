package identity_test

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// TestBadInput gives every operation bad input: each answers a typed error
// naming the field, and nothing is written.
func TestBadInput(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		taken := e.mustUser("Taken", identity.RoleBuyer)
		if _, err := e.s.CreateTeam(sys(), "Night shift"); err != nil {
			t.Fatal(err)
		}
		user := func(mod func(*identity.NewUser)) func(ctx context.Context) error {
			return func(ctx context.Context) error {
				u := identity.NewUser{Login: "new.user", Name: "New User", Email: "new@example.com",
					Locale: identity.LocaleZH, Password: "long enough", Roles: []string{identity.RoleBuyer}}
				mod(&u)
				_, err := e.s.CreateUser(ctx, u)
				return err
			}
		}
		role := func(r identity.NewRole) func(ctx context.Context) error {
			return func(ctx context.Context) error { _, err := e.s.CreateRole(ctx, r); return err }
		}
		cases := []struct {
			name  string
			field string
			call  func(ctx context.Context) error
		}{
			{"empty login", "login", user(func(u *identity.NewUser) { u.Login = " " })},
			{"login with a space", "login", user(func(u *identity.NewUser) { u.Login = "new user" })},
			{"login too long", "login", user(func(u *identity.NewUser) { u.Login = strings.Repeat("a", 65) })},
			{"login taken, other case", "login", user(func(u *identity.NewUser) { u.Login = "TAKEN" })},
			{"empty name", "name", user(func(u *identity.NewUser) { u.Name = "" })},
			{"name with a newline", "name", user(func(u *identity.NewUser) { u.Name = "a\nb" })},
			{"bad email", "email", user(func(u *identity.NewUser) { u.Email = "not an address" })},
			{"email with a name", "email", user(func(u *identity.NewUser) { u.Email = "Bob <bob@example.com>" })},
			{"bad locale", "locale", user(func(u *identity.NewUser) { u.Locale = "fr" })},
			{"short password", "password", user(func(u *identity.NewUser) { u.Password = "1234567" })},
			{"long password", "password", user(func(u *identity.NewUser) { u.Password = strings.Repeat("x", 1025) })},
			{"unknown team", "team_id", user(func(u *identity.NewUser) { u.TeamID = db.NewID() })},
			{"unknown role", "roles", user(func(u *identity.NewUser) { u.Roles = []string{"wizard"} })},
			{"set short password", "password", func(ctx context.Context) error { return e.s.SetPassword(ctx, taken.ID, "short") }},
			{"empty team", "name", func(ctx context.Context) error { _, err := e.s.CreateTeam(ctx, ""); return err }},
			{"team taken", "name", func(ctx context.Context) error { _, err := e.s.CreateTeam(ctx, "NIGHT SHIFT"); return err }},
			{"role name", "name", role(identity.NewRole{Name: "Bad-Name", NameEN: "x", NameZH: "x"})},
			{"role taken", "name", role(identity.NewRole{Name: identity.RoleBuyer, NameEN: "x", NameZH: "x"})},
			{"role english name", "name_en", role(identity.NewRole{Name: "ok_role", NameZH: "x"})},
			{"role chinese name", "name_zh", role(identity.NewRole{Name: "ok_role", NameEN: "x"})},
			{"unknown permission", "permissions", func(ctx context.Context) error {
				return e.s.SetRolePermissions(ctx, identity.RoleBuyer, []authz.Permission{"no.such.permission"})
			}},
			{"marker permission", "permissions", func(ctx context.Context) error {
				return e.s.SetRolePermissions(ctx, identity.RoleBuyer, []authz.Permission{authz.Public})
			}},
			{"bad scope", "scopes", func(ctx context.Context) error {
				return e.s.SetRoleScopes(ctx, identity.RoleBuyer, map[string]authz.Scope{"erp.item": "galaxy"})
			}},
			{"bad scope kind", "scopes", func(ctx context.Context) error {
				return e.s.SetRoleScopes(ctx, identity.RoleBuyer, map[string]authz.Scope{"DROP TABLE": authz.ScopeOwn})
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.snapshot()
				wantField(t, c.call(sys()), c.field)
				if after := e.snapshot(); !equalCounts(before, after) {
					t.Fatalf("wrote: %v → %v", before, after)
				}
			})
		}

		// Token input is checked as its owner.
		owner := e.as(taken)
		before := e.snapshot()
		_, err := e.s.CreateAPIToken(owner, identity.NewAPIToken{Name: " "})
		wantField(t, err, "name")
		_, err = e.s.CreateAPIToken(owner, identity.NewAPIToken{Name: "x", ExpiresAt: t0})
		wantField(t, err, "expires_at")
		if after := e.snapshot(); !equalCounts(before, after) {
			t.Fatalf("wrote: %v → %v", before, after)
		}

		// Several bad fields are reported together.
		_, err = e.s.CreateUser(sys(), identity.NewUser{Login: "a b", Email: "x", Password: "short"})
		var fields []string
		for _, fe := range identity.FieldErrors(err) {
			fields = append(fields, fe.Field)
		}
		if !slices.Equal(fields, []string{"login", "name", "email", "password"}) {
			t.Fatalf("fields = %v (%v)", fields, err)
		}
		var ie *identity.Error
		if !errors.As(err, &ie) || ie.HTTPStatus() != 422 {
			t.Fatalf("err = %v", err)
		}
		wantErr(t, e.s.SetPassword(sys(), db.NewID(), "long enough"), identity.ErrUserNotFound)
		wantErr(t, e.s.SetRolePermissions(sys(), "no_role", nil), identity.ErrRoleNotFound)
	})
}

// TestMessages checks that every message key the package uses has text in
// both languages, and that no message is left unused.
func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	key := regexp.MustCompile(`"(identity\.error\.[a-z_]+)"`)
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the sources", len(used))
	}
	for k := range used {
		if !i18n.Has(k) {
			t.Errorf("message %s has no text", k)
		}
	}
	for _, id := range i18n.IDs(i18n.EN) {
		if strings.HasPrefix(id, "identity.error.") && !used[id] {
			t.Errorf("message %s is never used", id)
		}
	}
}
