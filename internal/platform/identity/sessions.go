package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity/internal/password"
)

// Lengths kept of the client address and user agent of a session.
const (
	maxIPLen        = 64
	maxUserAgentLen = 512
	sessionTokenLen = 43 // 32 random bytes in unpadded base64url
)

// anonymous is the audit actor of a failed login: nobody proved who they are.
var anonymous = &authz.Principal{Login: "anonymous"}

// loginRow is what Login needs to know about a user.
type loginRow struct {
	id, login, status, password string
	lockedUntil                 int64
}

// Login checks a password and opens a new session. It answers
// ErrInvalidCredentials for an unknown login and a wrong password alike, after
// the same work; ErrLocked while the account is locked; ErrThrottled when the
// address ip failed too often; ErrDisabled for a disabled user who gave the
// right password.
func (s *DBService) Login(ctx context.Context, login, pw, ip, userAgent string) (*Session, error) {
	var pr problems
	if strings.TrimSpace(login) == "" {
		pr.add(invalid("login", keyRequired))
	}
	if pw == "" {
		pr.add(invalid("password", keyRequired))
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	now := s.now()
	addr := clientKey(ip)
	if !s.perIP.Take(addr, now) {
		return nil, ErrThrottled
	}
	key := loginKey(strings.TrimSpace(login))
	var u loginRow
	err := s.db.QueryRow(ctx, `SELECT id, login, status, password, locked_until FROM identity_user WHERE login_key = $1`, key).
		Scan(&u.id, &u.login, &u.status, &u.password, &u.lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.failUnknown(ctx, key, pw, now)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: login: %w", err)
	}
	ok, err := s.checkPassword(ctx, pw, u.password)
	if err != nil {
		return nil, err
	}
	switch {
	case u.lockedUntil > db.Millis(now):
		return nil, ErrLocked
	case u.status != string(StatusActive) && ok:
		return nil, ErrDisabled
	case u.status != string(StatusActive):
		return nil, ErrInvalidCredentials
	case !ok:
		return nil, s.failKnown(ctx, u, now)
	}
	s.perIP.Give(addr, now)
	rehash := ""
	if password.NeedsRehash(u.password, s.pw) {
		if rehash, err = s.hashPassword(ctx, pw); err != nil {
			return nil, err
		}
	}
	return s.openSession(ctx, u, rehash, ip, userAgent, now)
}

// failUnknown answers a login that does not exist exactly as a wrong password
// for one that does, lockout included.
func (s *DBService) failUnknown(ctx context.Context, key, pw string, now time.Time) error {
	if _, err := s.checkPassword(ctx, pw, ""); err != nil {
		return err
	}
	if s.unknown.Locked(key, now) {
		return ErrLocked
	}
	if s.unknown.Fail(key, now) {
		return ErrLocked
	}
	return ErrInvalidCredentials
}

// failKnown counts a wrong password and locks the account at the limit.
func (s *DBService) failKnown(ctx context.Context, u loginRow, now time.Time) error {
	result := ErrInvalidCredentials
	ctx = authz.WithPrincipal(ctx, anonymous)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		result = ErrInvalidCredentials
		var failed int
		err := s.db.QueryRow(ctx, `UPDATE identity_user SET failed_count = failed_count + 1
			WHERE id = $1 AND locked_until <= $2 RETURNING failed_count`, u.id, db.Millis(now)).Scan(&failed)
		if errors.Is(err, sql.ErrNoRows) {
			result = ErrLocked // another attempt locked it meanwhile
			return nil
		}
		if err != nil {
			return fmt.Errorf("identity: count failed login: %w", err)
		}
		if failed < s.opts.LockoutAfter {
			return s.record(ctx, "identity.login.failed", kindUser, u.id, nil, map[string]any{"failed_count": failed})
		}
		until := now.Add(s.opts.LockoutFor)
		if _, err := s.db.Exec(ctx, `UPDATE identity_user SET failed_count = 0, locked_until = $1 WHERE id = $2`,
			db.Millis(until), u.id); err != nil {
			return fmt.Errorf("identity: lock user: %w", err)
		}
		result = ErrLocked
		return s.record(ctx, "identity.user.locked", kindUser, u.id, nil,
			map[string]any{"failed_count": failed, "locked_until": db.FromMillis(db.Millis(until))})
	})
	if err != nil {
		return err
	}
	return result
}

// openSession stores a new session (and a rehashed password, if any) for a
// user who proved their password.
func (s *DBService) openSession(ctx context.Context, u loginRow, rehash, ip, userAgent string, now time.Time) (*Session, error) {
	token, err := randomToken(32)
	if err != nil {
		return nil, err
	}
	sess := &Session{
		Token:     token,
		UserID:    u.id,
		CreatedAt: db.FromMillis(db.Millis(now)),
		ExpiresAt: db.FromMillis(db.Millis(now.Add(s.opts.SessionLifetime))),
	}
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: u.id, Login: u.login})
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		ms := db.Millis(now)
		q := `UPDATE identity_user SET failed_count = 0 WHERE id = $1 AND status = 'active' AND locked_until <= $2`
		args := []any{u.id, ms}
		if rehash != "" {
			q = `UPDATE identity_user SET failed_count = 0, password = $3 WHERE id = $1 AND status = 'active' AND locked_until <= $2`
			args = append(args, rehash)
		}
		n, err := s.db.ExecAffected(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("identity: login: %w", err)
		}
		if n == 0 {
			return ErrLocked // locked or disabled since the password was checked
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM identity_session WHERE user_id = $1 AND expires_at <= $2`, u.id, ms); err != nil {
			return fmt.Errorf("identity: drop expired sessions: %w", err)
		}
		id := hashSecret(token)
		ip, userAgent := truncate(ip, maxIPLen), truncate(userAgent, maxUserAgentLen)
		if _, err := s.db.Exec(ctx, `INSERT INTO identity_session (id, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $3, $5, $6)`, id, u.id, ms, db.Millis(sess.ExpiresAt), ip, userAgent); err != nil {
			return fmt.Errorf("identity: open session: %w", err)
		}
		after := map[string]any{"user_id": u.id, "expires_at": sess.ExpiresAt, "ip": ip, "user_agent": userAgent}
		if rehash != "" {
			after["password_rehashed"] = true
		}
		return s.record(ctx, "identity.session.created", kindSession, sessionRef(id), nil, after)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Logout ends the session of a token; an unknown or expired token is not an error.
func (s *DBService) Logout(ctx context.Context, token string) error {
	if len(token) != sessionTokenLen {
		return nil
	}
	id := hashSecret(token)
	var userID, login string
	err := s.db.QueryRow(ctx, `SELECT s.user_id, u.login FROM identity_session s
		JOIN identity_user u ON u.id = s.user_id WHERE s.id = $1`, id).Scan(&userID, &login)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("identity: logout: %w", err)
	}
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: userID, Login: login})
	return s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.db.ExecAffected(ctx, `DELETE FROM identity_session WHERE id = $1`, id)
		if err != nil || n == 0 {
			return err
		}
		return s.record(ctx, "identity.session.ended", kindSession, sessionRef(id), map[string]any{"user_id": userID}, nil)
	})
}

// Authenticate returns the principal of a live session token, or
// ErrSessionInvalid for a token that is unknown, expired, logged out or
// belongs to a disabled user. It writes the session's last use at most once
// every Options.LastSeenEvery. The principal may be shared with other
// requests: callers must not change it.
func (s *DBService) Authenticate(ctx context.Context, token string) (*authz.Principal, error) {
	if len(token) != sessionTokenLen {
		return nil, ErrSessionInvalid
	}
	id := hashSecret(token)
	var (
		userID            string
		expires, lastSeen int64
	)
	err := s.db.QueryRow(ctx, `SELECT user_id, expires_at, last_seen_at FROM identity_session WHERE id = $1`, id).
		Scan(&userID, &expires, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("identity: authenticate: %w", err)
	}
	now := db.Millis(s.now())
	if expires <= now {
		return nil, ErrSessionInvalid
	}
	p, err := s.principal(ctx, userID)
	if errors.Is(err, errInactive) {
		return nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	if now-lastSeen >= s.opts.LastSeenEvery.Milliseconds() {
		if _, err := s.db.Exec(ctx, `UPDATE identity_session SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1`, now, id); err != nil {
			return nil, fmt.Errorf("identity: note session use: %w", err)
		}
	}
	return p, nil
}

// PurgeExpiredSessions deletes sessions past their lifetime and returns how
// many; a periodic job calls it. Expired sessions already authenticate no
// one, so this housekeeping is not audited.
func (s *DBService) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	n, err := s.db.ExecAffected(ctx, `DELETE FROM identity_session WHERE expires_at <= $1`, db.Millis(s.now()))
	if err != nil {
		return 0, fmt.Errorf("identity: purge sessions: %w", err)
	}
	return n, nil
}

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret is the stored form of a session or API token: SHA-256 in hex.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// sessionRef names a session in the audit log without the key it is stored
// under: enough to tell sessions apart, of no use for finding one.
func sessionRef(id string) string { return id[:16] }

// clientKey is the rate-limit key of a client address: the address without
// its port, and IPv6 addresses by their /64 network, which one client owns.
func clientKey(ip string) string {
	ip = strings.TrimSpace(ip)
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return truncate(ip, maxIPLen)
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > n {
		s = s[:n]
		s = strings.ToValidUTF8(s, "")
	}
	return s
}
