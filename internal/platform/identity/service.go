package identity

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity/internal/password"
	"github.com/loom-erp/loom/internal/platform/identity/internal/ratelimit"
)

// DBService is the Service backed by the platform unit's database.
type DBService struct {
	db     *db.DB
	opts   Options
	pw     password.Params
	now    func() time.Time
	cache  principalCache
	tokens tokenCache

	// hashing bounds how many Argon2id computations run at once, so a flood
	// of logins cannot take all memory.
	hashing   chan struct{}
	dummyOnce sync.Once
	dummy     string

	perIP   *ratelimit.Limiter
	unknown *ratelimit.Lockouts
}

var _ Service = (*DBService)(nil)

// NewService returns the identity service on the platform database d, whose
// migrations (Migrate) must have run.
func NewService(d *db.DB, opts Options) *DBService {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	setDefault(&opts.SessionLifetime, 12*time.Hour)
	setDefault(&opts.TokenTTL, 5*time.Second)
	setDefault(&opts.LastSeenEvery, 5*time.Minute)
	setDefault(&opts.LockoutAfter, 5)
	setDefault(&opts.LockoutFor, 15*time.Minute)
	setDefault(&opts.LoginBurst, 10)
	setDefault(&opts.LoginRefill, 30*time.Second)
	setDefault(&opts.PrincipalTTL, 30*time.Second)
	pw := password.Default
	if opts.Password != (PasswordParams{}) {
		pw.Memory, pw.Time, pw.Threads = opts.Password.Memory, opts.Password.Time, opts.Password.Threads
	}
	return &DBService{
		db:      d,
		opts:    opts,
		pw:      pw,
		now:     opts.Now,
		cache:   principalCache{m: map[string]cachedPrincipal{}},
		hashing: make(chan struct{}, max(1, runtime.NumCPU())),
		perIP:   ratelimit.New(opts.LoginBurst, opts.LoginRefill),
		unknown: ratelimit.NewLockouts(opts.LockoutAfter, opts.LockoutFor),
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Migrate creates or upgrades the identity tables (and the audit log they
// write to) in the platform database.
func Migrate(ctx context.Context, d *db.DB) error {
	if err := audit.Migrate(ctx, d); err != nil {
		return err
	}
	return d.Migrate(ctx, Module, mustSub(migrations, "migrations"))
}

// EnsureSeed creates the seeded roles that are missing, with their starting
// data scopes, and grants each registered permission to the roles its
// definition names, once: a grant an administrator later removes stays
// removed. It creates no users; `loom user create` makes the first one.
// Call it at start-up after every module has registered its permissions.
func EnsureSeed(ctx context.Context, s *DBService) error {
	ctx = authz.WithPrincipal(ctx, authz.System())
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		for _, r := range seededRoles {
			n, err := s.db.ExecAffected(ctx, `INSERT INTO identity_role (name, name_en, name_zh, builtin, created_at, updated_at)
				VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (name) DO NOTHING`, r.Name, r.NameEN, r.NameZH, now)
			if err != nil {
				return fmt.Errorf("identity: seed role %s: %w", r.Name, err)
			}
			if n == 0 {
				continue
			}
			after := map[string]any{"name": r.Name, "name_en": r.NameEN, "name_zh": r.NameZH}
			if r.Name != RoleAdmin {
				scope := seededScope(r.Name)
				if _, err := s.db.Exec(ctx, `INSERT INTO identity_role_scope (role, kind, scope) VALUES ($1, $2, $3)`,
					r.Name, authz.AllKinds, string(scope)); err != nil {
					return fmt.Errorf("identity: seed scope of %s: %w", r.Name, err)
				}
				after["scopes"] = map[string]authz.Scope{authz.AllKinds: scope}
			}
			if err := s.record(ctx, "identity.role.created", kindRole, r.Name, nil, after); err != nil {
				return err
			}
		}
		granted := map[string][]authz.Permission{}
		for _, def := range authz.Definitions() {
			for _, role := range def.Roles {
				if role == RoleAdmin {
					continue
				}
				n, err := s.db.ExecAffected(ctx, `INSERT INTO identity_default_grant (role, permission)
					SELECT name, $2 FROM identity_role WHERE name = $1
					ON CONFLICT (role, permission) DO NOTHING`, role, string(def.Name))
				if err != nil {
					return fmt.Errorf("identity: seed grant %s to %s: %w", def.Name, role, err)
				}
				if n == 0 {
					continue // already applied once, or no such role
				}
				if _, err := s.db.Exec(ctx, `INSERT INTO identity_role_permission (role, permission) VALUES ($1, $2)
					ON CONFLICT (role, permission) DO NOTHING`, role, string(def.Name)); err != nil {
					return fmt.Errorf("identity: seed grant %s to %s: %w", def.Name, role, err)
				}
				granted[role] = append(granted[role], def.Name)
			}
		}
		for _, r := range sortedKeys(granted) {
			if err := s.record(ctx, "identity.role.default_granted", kindRole, r, nil, map[string]any{"permissions": granted[r]}); err != nil {
				return err
			}
		}
		s.db.AfterCommit(ctx, s.cache.dropAll)
		return nil
	})
}

// Audit entity kinds of identity records.
const (
	kindUser    = "identity.user"
	kindTeam    = "identity.team"
	kindRole    = "identity.role"
	kindSession = "identity.session"
	kindToken   = "identity.api_token"
)

// record writes an audit entry in the transaction of ctx.
func (s *DBService) record(ctx context.Context, action, kind, id string, before, after any) error {
	return audit.Record(ctx, s.db, audit.Entry{
		Action: action, EntityKind: kind, EntityID: id, Before: before, After: after, At: s.now(),
	})
}

// require returns the principal of ctx if it holds perm.
func require(ctx context.Context, perm authz.Permission) (*authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, ErrUnauthenticated
	}
	if !p.Can(perm) {
		return nil, ErrForbidden
	}
	return p, nil
}

// holdsAll reports whether p holds every permission in perms; a role or user
// may only be given or stripped of permissions the caller holds.
func holdsAll(p *authz.Principal, perms []authz.Permission) bool {
	for _, perm := range perms {
		if !p.Can(perm) {
			return false
		}
	}
	return true
}

// hashPassword hashes a new password under the current parameters.
func (s *DBService) hashPassword(ctx context.Context, plain string) (string, error) {
	if err := s.acquireHashing(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return password.Hash(plain, s.pw)
}

// checkPassword reports whether plain matches the stored PHC string; with no
// stored hash it still spends the time of one check, so callers take as long
// for a missing user as for a wrong password.
func (s *DBService) checkPassword(ctx context.Context, plain, stored string) (bool, error) {
	s.dummyOnce.Do(func() {
		s.dummy, _ = password.Hash("loom dummy password", s.pw)
	})
	if err := s.acquireHashing(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	if stored == "" {
		_, _ = password.Verify(plain, s.dummy)
		return false, nil
	}
	ok, err := password.Verify(plain, stored)
	if errors.Is(err, password.ErrMalformed) {
		// A corrupt hash locks nobody in and lets nobody through.
		_, _ = password.Verify(plain, s.dummy)
		return false, nil
	}
	return ok, err
}

func (s *DBService) acquireHashing(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
