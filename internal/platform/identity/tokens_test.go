package identity_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

var tokenFormat = regexp.MustCompile(`^loom_([a-z2-7]{8})_[a-z2-7]{52}$`)

func TestAPITokens(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		ctx := context.Background()
		root := e.mustUser("root", identity.RoleAdmin)
		bot := e.mustUser("bot", identity.RoleBuyer)
		other := e.mustUser("other", identity.RoleBuyer)
		botCtx := e.as(bot)

		tok, err := e.s.CreateAPIToken(botCtx, identity.NewAPIToken{Name: "nightly import"})
		if err != nil {
			t.Fatal(err)
		}
		m := tokenFormat.FindStringSubmatch(tok.Secret)
		if m == nil || m[1] != tok.Prefix || tok.UserID != bot.ID {
			t.Fatalf("token = %+v", tok)
		}
		// Only a hash is stored: the secret is nowhere in the database.
		assertNotStored(t, e, tok.Secret)
		assertNotStored(t, e, tok.Secret[len("loom_")+9:])

		p, err := e.s.AuthenticateToken(ctx, tok.Secret)
		if err != nil || p.UserID != bot.ID || p.TokenID != tok.ID || !p.Can(identity.PermTokenOwn) {
			t.Fatalf("principal = %+v, %v", p, err)
		}
		// The token's principal is a copy: the session principal has no token id.
		if e.principal(bot).TokenID != "" {
			t.Fatal("token id leaked into the shared principal")
		}
		for _, bad := range []string{"", "loom_", tok.Secret + "a", strings.ToUpper(tok.Secret),
			tok.Secret[:len(tok.Secret)-1] + flip(tok.Secret[len(tok.Secret)-1]),
			"loom_aaaaaaaa_" + tok.Secret[len("loom_")+9:]} {
			_, err := e.s.AuthenticateToken(ctx, bad)
			wantErr(t, err, identity.ErrTokenInvalid)
		}

		// Lists show the prefix, never the secret, and mark last use.
		list, err := e.s.ListAPITokens(botCtx, bot.ID)
		if err != nil || len(list) != 1 || list[0].Prefix != tok.Prefix || !list[0].LastUsedAt.Equal(t0) {
			t.Fatalf("list = %+v, %v", list, err)
		}

		// Another user cannot revoke it; the owner can, and it stops at once.
		wantErr(t, e.s.RevokeAPIToken(e.as(other), tok.ID), identity.ErrForbidden)
		wantErr(t, e.s.RevokeAPIToken(botCtx, "no-such-token"), identity.ErrTokenNotFound)
		if err := e.s.RevokeAPIToken(botCtx, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(ctx, tok.Secret)
		wantErr(t, err, identity.ErrTokenInvalid)
		if err := e.s.RevokeAPIToken(botCtx, tok.ID); err != nil {
			t.Fatalf("second revoke: %v", err)
		}

		// An expiring token works until its time, then not.
		exp, err := e.s.CreateAPIToken(botCtx, identity.NewAPIToken{Name: "short", ExpiresAt: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AuthenticateToken(ctx, exp.Secret); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Hour)
		_, err = e.s.AuthenticateToken(ctx, exp.Secret)
		wantErr(t, err, identity.ErrTokenInvalid)

		// A disabled user's tokens stop; an administrator may revoke any token.
		live, err := e.s.CreateAPIToken(botCtx, identity.NewAPIToken{Name: "live"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.DisableUser(sys(), bot.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.AuthenticateToken(ctx, live.Secret)
		wantErr(t, err, identity.ErrTokenInvalid)
		if err := e.s.RevokeAPIToken(e.as(root), live.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := e.s.ListAPITokens(e.as(root), bot.ID); err != nil || len(list) != 3 || list[0].RevokedAt.IsZero() {
			t.Fatalf("admin list = %+v, %v", list, err)
		}
		acts := strings.Join(e.actions(), " ")
		if strings.Count(acts, "identity.api_token.created") != 3 || strings.Count(acts, "identity.api_token.revoked") != 2 {
			t.Fatalf("audit actions: %s", acts)
		}
		e.verifyAudit()

		// The system is no user and holds no tokens.
		_, err = e.s.CreateAPIToken(sys(), identity.NewAPIToken{Name: "x"})
		wantErr(t, err, identity.ErrForbidden)
	})
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// assertNotStored fails if s appears in any identity table or the audit log.
func assertNotStored(t *testing.T, e *env, s string) {
	t.Helper()
	checks := map[string]string{
		"identity_api_token": `SELECT count(*) FROM identity_api_token WHERE id = $1 OR name = $1 OR prefix = $1 OR secret_hash = $1`,
		"identity_session":   `SELECT count(*) FROM identity_session WHERE id = $1 OR user_agent = $1`,
		"identity_user":      `SELECT count(*) FROM identity_user WHERE password LIKE '%' || $1 || '%'`,
		"audit_log": `SELECT count(*) FROM audit_log WHERE before_json LIKE '%' || $1 || '%'
			OR after_json LIKE '%' || $1 || '%' OR entity_id LIKE '%' || $1 || '%'`,
	}
	for table, q := range checks {
		var n int
		if err := e.d.QueryRow(context.Background(), q, s).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("a secret is stored in %s", table)
		}
	}
}

// TestNoSecretsStored checks that passwords and session tokens appear nowhere
// in the database or the audit log.
func TestNoSecretsStored(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		u := e.mustUser("sam")
		sess, err := e.s.Login(context.Background(), "sam", "password-sam", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetPassword(sys(), u.ID, "brand new secret"); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"password-sam", "brand new secret", sess.Token} {
			assertNotStored(t, e, s)
		}
		e.verifyAudit()
	})
}
