package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// API tokens read "loom_<prefix>_<secret>": 8 and 52 characters of lower-case
// base32 (5 and 32 random bytes).
const (
	TokenPrefix    = "loom_"
	tokenPrefixLen = 8
	tokenSecretLen = 52
	tokenLen       = len(TokenPrefix) + tokenPrefixLen + 1 + tokenSecretLen
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomBase32(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(b32.EncodeToString(b)), nil
}

// parseToken returns the prefix of a well-formed API token.
func parseToken(token string) (prefix string, ok bool) {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return "", false
	}
	rest := token[len(TokenPrefix):]
	if rest[tokenPrefixLen] != '_' {
		return "", false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if i != tokenPrefixLen && !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", false
		}
	}
	return rest[:tokenPrefixLen], true
}

// CreateAPIToken makes a token for the caller and returns its secret, which
// cannot be read again: only its SHA-256 is stored. It needs PermTokenOwn.
func (s *DBService) CreateAPIToken(ctx context.Context, in NewAPIToken) (*CreatedAPIToken, error) {
	p, err := require(ctx, PermTokenOwn)
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, ErrForbidden // tokens belong to users, not to the system
	}
	in.Name = strings.TrimSpace(in.Name)
	now := s.now()
	var pr problems
	checkText(&pr, "name", in.Name, true, maxNameLen)
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		pr.add(invalid("expires_at", keyExpiryPast))
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	prefix, err := randomBase32(5)
	if err != nil {
		return nil, err
	}
	secret, err := randomBase32(32)
	if err != nil {
		return nil, err
	}
	t := &CreatedAPIToken{
		APIToken: APIToken{ID: db.NewID(), UserID: p.UserID, Name: in.Name, Prefix: prefix,
			CreatedAt: db.FromMillis(db.Millis(now))},
		Secret: TokenPrefix + prefix + "_" + secret,
	}
	var expires int64
	if !in.ExpiresAt.IsZero() {
		expires = db.Millis(in.ExpiresAt)
		t.ExpiresAt = db.FromMillis(expires)
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `INSERT INTO identity_api_token (id, user_id, name, prefix, secret_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, t.UserID, t.Name, t.Prefix, hashSecret(t.Secret),
			db.Millis(t.CreatedAt), expires); err != nil {
			return fmt.Errorf("identity: create API token: %w", err)
		}
		return s.record(ctx, "identity.api_token.created", kindToken, t.ID, nil, t.APIToken)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

const tokenColumns = `id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var (
		t                               APIToken
		created, used, expires, revoked int64
	)
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used, &expires, &revoked); err != nil {
		return t, err
	}
	t.CreatedAt = db.FromMillis(created)
	if used > 0 {
		t.LastUsedAt = db.FromMillis(used)
	}
	if expires > 0 {
		t.ExpiresAt = db.FromMillis(expires)
	}
	if revoked > 0 {
		t.RevokedAt = db.FromMillis(revoked)
	}
	return t, nil
}

// ListAPITokens lists a user's tokens, newest first, revoked ones included;
// for another user than the caller it needs PermUserManage.
func (s *DBService) ListAPITokens(ctx context.Context, userID string) ([]APIToken, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, ErrUnauthenticated
	}
	if p.UserID != userID && !p.Can(PermUserManage) {
		return nil, ErrForbidden
	}
	rows, err := s.db.Query(ctx, `SELECT `+tokenColumns+` FROM identity_api_token WHERE user_id = $1
		ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("identity: list API tokens: %w", err)
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken stops a token at once; revoking it again changes nothing.
// For another user's token it needs PermUserManage and every permission
// that user holds.
func (s *DBService) RevokeAPIToken(ctx context.Context, id string) error {
	p := authz.FromContext(ctx)
	if p == nil {
		return ErrUnauthenticated
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := scanToken(s.db.QueryRow(ctx, `SELECT `+tokenColumns+` FROM identity_api_token WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrTokenNotFound
		}
		if err != nil {
			return fmt.Errorf("identity: read API token: %w", err)
		}
		if before.UserID != p.UserID {
			if !p.Can(PermUserManage) {
				return ErrForbidden
			}
			if err := s.canManage(ctx, p, before.UserID); err != nil {
				return err
			}
		}
		if !before.RevokedAt.IsZero() {
			return nil
		}
		after := before
		after.RevokedAt = db.FromMillis(db.Millis(s.now()))
		if _, err := s.db.Exec(ctx, `UPDATE identity_api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0`,
			db.Millis(after.RevokedAt), id); err != nil {
			return fmt.Errorf("identity: revoke API token: %w", err)
		}
		s.db.AfterCommit(ctx, func() { s.tokens.dropID(id) })
		return s.record(ctx, "identity.api_token.revoked", kindToken, id, before, after)
	})
}

// AuthenticateToken returns the principal of a live API token, or
// ErrTokenInvalid for one that is malformed, unknown, revoked, expired or
// belongs to a disabled user. It writes the token's last use at most once
// every Options.LastSeenEvery.
func (s *DBService) AuthenticateToken(ctx context.Context, token string) (*authz.Principal, error) {
	prefix, ok := parseToken(token)
	if !ok {
		return nil, ErrTokenInvalid
	}
	now := s.now()
	hash := hashSecret(token)
	t, cached := s.tokens.get(hash, now)
	if !cached {
		var err error
		t, err = scanToken(s.db.QueryRow(ctx, `SELECT `+tokenColumns+` FROM identity_api_token WHERE secret_hash = $1`, hash))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrTokenInvalid
		}
		if err != nil {
			return nil, fmt.Errorf("identity: authenticate token: %w", err)
		}
		s.tokens.put(hash, t, now.Add(s.opts.TokenTTL))
	}
	if t.Prefix != prefix || !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return nil, ErrTokenInvalid
	}
	p, err := s.principal(ctx, t.UserID)
	if errors.Is(err, errInactive) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(t.LastUsedAt) >= s.opts.LastSeenEvery {
		ms := db.Millis(now)
		if _, err := s.db.Exec(ctx, `UPDATE identity_api_token SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1`, ms, t.ID); err != nil {
			return nil, fmt.Errorf("identity: note token use: %w", err)
		}
		s.tokens.touch(hash, now)
	}
	cp := *p
	cp.TokenID = t.ID
	return &cp, nil
}

// tokenCache keeps recently verified tokens for Options.TokenTTL, so an API
// client's every request does not read its token row. A revoke in this
// process drops the entry at once; another process sees it within the TTL.
type tokenCache struct{ m sync.Map } // secret hash → cachedToken

type cachedToken struct {
	tok   APIToken
	until time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (APIToken, bool) {
	v, ok := c.m.Load(hash)
	if !ok {
		return APIToken{}, false
	}
	e := v.(cachedToken)
	if !now.Before(e.until) {
		c.m.Delete(hash)
		return APIToken{}, false
	}
	return e.tok, true
}

func (c *tokenCache) put(hash string, t APIToken, until time.Time) {
	c.m.Store(hash, cachedToken{tok: t, until: until})
}

// touch notes the last use written to the database in the cached copy.
func (c *tokenCache) touch(hash string, at time.Time) {
	if v, ok := c.m.Load(hash); ok {
		e := v.(cachedToken)
		e.tok.LastUsedAt = at
		c.m.Store(hash, e)
	}
}

func (c *tokenCache) dropID(id string) {
	c.m.Range(func(k, v any) bool {
		if v.(cachedToken).tok.ID == id {
			c.m.Delete(k)
		}
		return true
	})
}
