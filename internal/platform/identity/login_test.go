package identity_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

func storedHash(t *testing.T, e *env, id string) string {
	t.Helper()
	var h string
	if err := e.d.QueryRow(context.Background(), `SELECT password FROM identity_user WHERE id = $1`, id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPasswordHashAndRehash(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		u := e.mustUser("alice")
		h := storedHash(t, e, u.ID)
		if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "password-alice") {
			t.Fatalf("stored hash = %q", h)
		}
		// A service with stronger parameters rehashes at the next login.
		stronger := identity.NewService(e.d, identity.Options{Now: e.clk.Now, Password: identity.PasswordParams{Memory: 128, Time: 2, Threads: 1}})
		if _, err := stronger.Login(context.Background(), "alice", "password-alice", "10.0.0.1", "ua"); err != nil {
			t.Fatal(err)
		}
		h2 := storedHash(t, e, u.ID)
		if !strings.HasPrefix(h2, "$argon2id$v=19$m=128,t=2,p=1$") {
			t.Fatalf("after rehash: %q", h2)
		}
		// The new hash still proves the same password, and is kept.
		if _, err := stronger.Login(context.Background(), "alice", "password-alice", "10.0.0.1", "ua"); err != nil {
			t.Fatal(err)
		}
		if storedHash(t, e, u.ID) != h2 {
			t.Fatal("rehashed although the parameters did not change")
		}
		e.verifyAudit()
	})
}

func TestLogin(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		ctx := context.Background()
		u := e.mustUser("Alice", identity.RoleSalesRep)

		sess, err := e.s.Login(ctx, "  aLiCe ", "password-Alice", "10.0.0.1:5555", "Firefox")
		if err != nil {
			t.Fatal(err)
		}
		if sess.UserID != u.ID || len(sess.Token) < 40 || !sess.ExpiresAt.Equal(t0.Add(12*time.Hour)) {
			t.Fatalf("session = %+v", sess)
		}
		p, err := e.s.Authenticate(ctx, sess.Token)
		if err != nil || p.UserID != u.ID || p.Login != "Alice" || !p.HasRole(identity.RoleSalesRep) {
			t.Fatalf("principal = %+v, %v", p, err)
		}
		// The token itself is never stored.
		var n int
		if err := e.d.QueryRow(ctx, `SELECT count(*) FROM identity_session WHERE id = $1`, sess.Token).Scan(&n); err != nil || n != 0 {
			t.Fatalf("session stored under its token: %d %v", n, err)
		}

		wantErr(t, loginErr(e, "alice", "wrong-password"), identity.ErrInvalidCredentials)
		wantErr(t, loginErr(e, "nobody", "password-Alice"), identity.ErrInvalidCredentials)
		wantField(t, loginErr(e, "", "x"), "login")
		wantField(t, loginErr(e, "alice", ""), "password")
		_, err = e.s.Authenticate(ctx, "not-a-token")
		wantErr(t, err, identity.ErrSessionInvalid)

		// A disabled user learns so only with the right password.
		if err := e.s.DisableUser(sys(), u.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, loginErr(e, "alice", "password-Alice"), identity.ErrDisabled)
		wantErr(t, loginErr(e, "alice", "wrong-password"), identity.ErrInvalidCredentials)
		_, err = e.s.Authenticate(ctx, sess.Token)
		wantErr(t, err, identity.ErrSessionInvalid)
		if err := e.s.EnableUser(sys(), u.ID); err != nil {
			t.Fatal(err)
		}
		if err := loginErr(e, "alice", "password-Alice"); err != nil {
			t.Fatal(err)
		}
		e.verifyAudit()
	})
}

func loginErr(e *env, login, pw string) error {
	_, err := e.s.Login(context.Background(), login, pw, "10.0.0.1", "ua")
	return err
}

func TestLockout(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg, func(o *identity.Options) { o.LoginBurst = 1000 })
		u := e.mustUser("bob")
		for i := 1; i < 5; i++ {
			wantErr(t, loginErr(e, "bob", "wrong"), identity.ErrInvalidCredentials)
		}
		wantErr(t, loginErr(e, "bob", "wrong"), identity.ErrLocked)
		// Locked: even the right password is refused, and tries do not count.
		wantErr(t, loginErr(e, "bob", "password-bob"), identity.ErrLocked)
		got, err := e.s.GetUser(sys(), u.ID)
		if err != nil || !got.LockedUntil.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("user = %+v, %v", got, err)
		}
		e.clk.Advance(15*time.Minute - time.Millisecond)
		wantErr(t, loginErr(e, "bob", "password-bob"), identity.ErrLocked)
		e.clk.Advance(time.Millisecond)
		if err := loginErr(e, "bob", "password-bob"); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		// A success resets the count: four more failures do not lock.
		for range 4 {
			wantErr(t, loginErr(e, "bob", "wrong"), identity.ErrInvalidCredentials)
		}
		if err := loginErr(e, "bob", "password-bob"); err != nil {
			t.Fatal(err)
		}

		// A login that does not exist locks out the same way, revealing nothing.
		for i := 1; i < 5; i++ {
			wantErr(t, loginErr(e, "ghost", "wrong"), identity.ErrInvalidCredentials)
		}
		wantErr(t, loginErr(e, "ghost", "wrong"), identity.ErrLocked)
		e.clk.Advance(15 * time.Minute)
		wantErr(t, loginErr(e, "ghost", "wrong"), identity.ErrInvalidCredentials)

		// An administrator can unlock at once.
		for range 5 {
			_ = loginErr(e, "bob", "wrong")
		}
		wantErr(t, loginErr(e, "bob", "password-bob"), identity.ErrLocked)
		if err := e.s.EnableUser(sys(), u.ID); err != nil {
			t.Fatal(err)
		}
		if err := loginErr(e, "bob", "password-bob"); err != nil {
			t.Fatal(err)
		}
		acts := strings.Join(e.actions(), " ")
		if strings.Count(acts, "identity.user.locked") != 2 || !strings.Contains(acts, "identity.login.failed") {
			t.Fatalf("audit actions: %s", acts)
		}
		e.verifyAudit()
	})
}

func TestLockoutConfigurable(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg, func(o *identity.Options) { o.LockoutAfter, o.LockoutFor = 2, time.Hour })
		e.mustUser("carol")
		wantErr(t, loginErr(e, "carol", "x"), identity.ErrInvalidCredentials)
		wantErr(t, loginErr(e, "carol", "x"), identity.ErrLocked)
		e.clk.Advance(59 * time.Minute)
		wantErr(t, loginErr(e, "carol", "password-carol"), identity.ErrLocked)
		e.clk.Advance(time.Minute)
		if err := loginErr(e, "carol", "password-carol"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg, func(o *identity.Options) { o.LoginBurst, o.LoginRefill = 3, time.Minute })
		e.mustUser("dave")
		ctx := context.Background()
		try := func(login, pw, ip string) error {
			_, err := e.s.Login(ctx, login, pw, ip, "ua")
			return err
		}
		// Successes do not use up the address's allowance.
		for range 5 {
			if err := try("dave", "password-dave", "192.0.2.7:1000"); err != nil {
				t.Fatal(err)
			}
		}
		// Failures on different logins share one bucket per address.
		for _, login := range []string{"a", "b", "c"} {
			wantErr(t, try(login, "wrong", "192.0.2.7:1001"), identity.ErrInvalidCredentials)
		}
		wantErr(t, try("dave", "password-dave", "192.0.2.7:1002"), identity.ErrThrottled)
		if err := try("dave", "password-dave", "192.0.2.8"); err != nil {
			t.Fatalf("another address is throttled too: %v", err)
		}
		e.clk.Advance(time.Minute)
		if err := try("dave", "password-dave", "192.0.2.7"); err != nil {
			t.Fatalf("after a refill: %v", err)
		}
		// IPv6 clients are limited by their /64 network.
		for i, ip := range []string{"[2001:db8:1:2::1]:443", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"} {
			wantErr(t, try("x"+string(rune('a'+i)), "wrong", ip), identity.ErrInvalidCredentials)
		}
		wantErr(t, try("dave", "password-dave", "2001:db8:1:2::9"), identity.ErrThrottled)
		if err := try("dave", "password-dave", "2001:db8:1:3::1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessions(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		ctx := context.Background()
		u := e.mustUser("erin")
		s1, err := e.s.Login(ctx, "erin", "password-erin", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Hour)
		s2, err := e.s.Login(ctx, "erin", "password-erin", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if s1.Token == s2.Token {
			t.Fatal("a login reused a session")
		}
		for _, s := range []*identity.Session{s1, s2} {
			if _, err := e.s.Authenticate(ctx, s.Token); err != nil {
				t.Fatal(err)
			}
		}
		// Logout ends one session only, and may be repeated.
		for range 2 {
			if err := e.s.Logout(ctx, s1.Token); err != nil {
				t.Fatal(err)
			}
		}
		_, err = e.s.Authenticate(ctx, s1.Token)
		wantErr(t, err, identity.ErrSessionInvalid)
		if _, err := e.s.Authenticate(ctx, s2.Token); err != nil {
			t.Fatal(err)
		}

		// Last use is written at most every five minutes.
		lastSeen := func() time.Time {
			var ms int64
			if err := e.d.QueryRow(ctx, `SELECT last_seen_at FROM identity_session WHERE user_id = $1`, u.ID).Scan(&ms); err != nil {
				t.Fatal(err)
			}
			return db.FromMillis(ms)
		}
		e.clk.Advance(4 * time.Minute)
		if _, err := e.s.Authenticate(ctx, s2.Token); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(); !got.Equal(t0.Add(time.Hour)) {
			t.Fatalf("last seen %v written within the throttle", got)
		}
		e.clk.Advance(time.Minute)
		if _, err := e.s.Authenticate(ctx, s2.Token); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(); !got.Equal(t0.Add(time.Hour + 5*time.Minute)) {
			t.Fatalf("last seen = %v", got)
		}

		// The lifetime is absolute: activity does not extend it.
		e.clk.Advance(12*time.Hour - 5*time.Minute - time.Millisecond)
		if _, err := e.s.Authenticate(ctx, s2.Token); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Millisecond)
		_, err = e.s.Authenticate(ctx, s2.Token)
		wantErr(t, err, identity.ErrSessionInvalid)
		if n, err := e.s.PurgeExpiredSessions(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d, %v", n, err)
		}

		// Setting a password ends every session of the user.
		s3, err := e.s.Login(ctx, "erin", "password-erin", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetPassword(sys(), u.ID, "a new password"); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.Authenticate(ctx, s3.Token)
		wantErr(t, err, identity.ErrSessionInvalid)
		wantErr(t, loginErr(e, "erin", "password-erin"), identity.ErrInvalidCredentials)
		if err := loginErr(e, "erin", "a new password"); err != nil {
			t.Fatal(err)
		}
		e.verifyAudit()
	})
}

func TestChangePassword(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		u := e.mustUser("fay")
		ctx := e.as(u)
		before := e.snapshot()
		wantField(t, e.s.ChangePassword(ctx, "wrong", "another password"), "current_password")
		wantField(t, e.s.ChangePassword(ctx, "password-fay", "short"), "new_password")
		wantField(t, e.s.ChangePassword(ctx, "", "another password"), "current_password")
		if after := e.snapshot(); !equalCounts(before, after) {
			t.Fatalf("bad input wrote: %v → %v", before, after)
		}
		wantErr(t, e.s.ChangePassword(context.Background(), "password-fay", "another password"), identity.ErrUnauthenticated)
		if err := e.s.ChangePassword(ctx, "password-fay", "another password"); err != nil {
			t.Fatal(err)
		}
		if err := loginErr(e, "fay", "another password"); err != nil {
			t.Fatal(err)
		}
	})
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// TestConcurrentLogins logs many users in at once: every login gets its own
// session and the audit chain stays whole.
func TestConcurrentLogins(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := setup(t, cfg)
		users := []string{"g1", "g2", "g3", "g4"}
		for _, u := range users {
			e.mustUser(u)
		}
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				u := users[i%len(users)]
				for range 5 {
					ip := fmt.Sprintf("10.1.0.%d", i)
					if _, err := e.s.Login(context.Background(), u, "password-"+u, ip, "ua"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := e.count("identity_session"); n != 80 {
			t.Fatalf("sessions = %d, want 80", n)
		}
		e.verifyAudit()
	})
}
