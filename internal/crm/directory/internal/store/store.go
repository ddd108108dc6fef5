// Package store implements the CRM directory on the CRM database.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

// pendingTeamPrefix marks a team key that waits for the real team id.
const pendingTeamPrefix = "pending:"

// Store is the directory.Service on the CRM database.
type Store struct {
	db  *db.DB
	now func() time.Time

	mu    sync.Mutex
	hooks []directory.AdoptFunc
	seen  map[string]string // user id → fingerprint last written by this process
}

// New returns the directory of the CRM database d.
func New(d *db.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, now: now, seen: map[string]string{}}
}

var _ directory.Service = (*Store)(nil)

// OnAdopt registers a hook that runs when a pending user is adopted.
func (s *Store) OnAdopt(f directory.AdoptFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, f)
}

func fingerprint(u directory.User) string {
	return strings.Join([]string{u.Login, u.Name, u.TeamID, strings.Join(u.Roles, " ")}, "\x00")
}

// Observe records the principal as a CRM user.
func (s *Store) Observe(ctx context.Context, p *authz.Principal) error {
	if p == nil || p.System || p.Portal || p.UserID == "" || p.Login == "" {
		return nil
	}
	roles := slices.Clone(p.Roles)
	slices.Sort(roles)
	u := directory.User{ID: p.UserID, Login: p.Login, Name: p.Name, TeamID: p.TeamID, Roles: roles, Active: true}
	if u.Name == "" {
		u.Name = u.Login
	}
	fp := fingerprint(u)
	s.mu.Lock()
	known := s.seen[u.ID] == fp
	s.mu.Unlock()
	if known {
		return nil
	}
	cur, err := s.Get(ctx, u.ID)
	if err != nil && !apperr.IsKind(err, apperr.KindNotFound) {
		return err
	}
	if cur == nil || fingerprint(*cur) != fp || !cur.Active {
		if err := s.db.InTx(ctx, func(ctx context.Context) error { return s.upsert(ctx, u) }); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.seen[u.ID] = fp
	s.mu.Unlock()
	return nil
}

// Upsert records a user the platform announced or a principal was seen as,
// adopting a pending user of the same login; it runs inside the caller's
// transaction when there is one.
func (s *Store) Upsert(ctx context.Context, u directory.User) error {
	return s.db.InTx(ctx, func(ctx context.Context) error { return s.upsert(ctx, u) })
}

func (s *Store) upsert(ctx context.Context, u directory.User) error {
	key := strings.ToLower(u.Login)
	var pendID, pendTeam string
	err := s.db.QueryRow(ctx, `SELECT id, team_id FROM crm_user WHERE login_key = $1 AND id <> $2`, key, u.ID).Scan(&pendID, &pendTeam)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("directory: find login %s: %w", u.Login, err)
	default:
		if err := s.adopt(ctx, pendID, pendTeam, u); err != nil {
			return err
		}
	}
	now := db.Millis(s.now())
	active := 0
	if u.Active {
		active = 1
	}
	_, err = s.db.Exec(ctx, `INSERT INTO crm_user (id, login, login_key, name, team_id, roles, active, pending, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)
		ON CONFLICT (id) DO UPDATE SET login = excluded.login, login_key = excluded.login_key, name = excluded.name,
			team_id = excluded.team_id, roles = excluded.roles, active = excluded.active, pending = 0, updated_at = excluded.updated_at`,
		u.ID, u.Login, key, u.Name, u.TeamID, strings.Join(u.Roles, " "), active, now)
	if err != nil {
		return fmt.Errorf("directory: save user %s: %w", u.Login, err)
	}
	return nil
}

// adopt hands what the other row with u's login owns to u. A pending user is
// replaced; a real user whose login was given to someone else keeps their
// records and loses the login.
func (s *Store) adopt(ctx context.Context, otherID, otherTeam string, u directory.User) error {
	var pending int
	if err := s.db.QueryRow(ctx, `SELECT pending FROM crm_user WHERE id = $1`, otherID).Scan(&pending); err != nil {
		return fmt.Errorf("directory: read user %s: %w", otherID, err)
	}
	if pending == 0 {
		_, err := s.db.Exec(ctx, `UPDATE crm_user SET login_key = $1 WHERE id = $2`, strings.ToLower(u.Login)+"#"+otherID, otherID)
		return err
	}
	s.mu.Lock()
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	for _, h := range hooks {
		if err := h(ctx, otherID, u.ID); err != nil {
			return fmt.Errorf("directory: adopt %s: %w", u.Login, err)
		}
	}
	if strings.HasPrefix(otherTeam, pendingTeamPrefix) && u.TeamID != "" {
		if _, err := s.db.Exec(ctx, `UPDATE crm_user SET team_id = $1 WHERE team_id = $2`, u.TeamID, otherTeam); err != nil {
			return fmt.Errorf("directory: adopt team of %s: %w", u.Login, err)
		}
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM crm_user WHERE id = $1`, otherID); err != nil {
		return fmt.Errorf("directory: drop pending user %s: %w", u.Login, err)
	}
	return nil
}

// Disable marks a user inactive: they stay as the owner of their records.
func (s *Store) Disable(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `UPDATE crm_user SET active = 0, updated_at = $2 WHERE id = $1`, id, db.Millis(s.now()))
	s.mu.Lock()
	delete(s.seen, id)
	s.mu.Unlock()
	return err
}

// EnsurePending returns the id of the user with login, creating a pending one.
func (s *Store) EnsurePending(ctx context.Context, login, name, teamKey string, roles []string) (string, error) {
	if u, err := s.ByLogin(ctx, login); err == nil {
		return u.ID, nil
	} else if !apperr.IsKind(err, apperr.KindNotFound) {
		return "", err
	}
	id := db.NewID()
	team := ""
	if teamKey != "" {
		team = pendingTeamPrefix + teamKey
	}
	roles = slices.Clone(roles)
	slices.Sort(roles)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		_, err := s.db.Exec(ctx, `INSERT INTO crm_user (id, login, login_key, name, team_id, roles, active, pending, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 1, 1, $7)`, id, login, strings.ToLower(login), name, team, strings.Join(roles, " "), db.Millis(s.now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("directory: add pending user %s: %w", login, err)
	}
	return id, nil
}

const userCols = `id, login, name, team_id, roles, active, pending`

func scanUser(sc interface{ Scan(...any) error }) (directory.User, error) {
	var u directory.User
	var roles string
	var active, pending int
	if err := sc.Scan(&u.ID, &u.Login, &u.Name, &u.TeamID, &roles, &active, &pending); err != nil {
		return u, err
	}
	u.Roles = strings.Fields(roles)
	if u.Roles == nil {
		u.Roles = []string{}
	}
	u.Active, u.Pending = active == 1, pending == 1
	return u, nil
}

func (s *Store) one(ctx context.Context, where string, arg any) (*directory.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM crm_user WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user", fmt.Sprint(arg))
	}
	if err != nil {
		return nil, fmt.Errorf("directory: read user: %w", err)
	}
	return &u, nil
}

// Get returns a user by id.
func (s *Store) Get(ctx context.Context, id string) (*directory.User, error) {
	return s.one(ctx, `id = $1`, id)
}

// ByLogin returns a user by login.
func (s *Store) ByLogin(ctx context.Context, login string) (*directory.User, error) {
	return s.one(ctx, `login_key = $1`, strings.ToLower(strings.TrimSpace(login)))
}

// Names returns the names of the given ids.
func (s *Store) Names(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for len(ids) > 0 && ids[0] == "" {
		ids = ids[1:]
	}
	for len(ids) > 0 {
		n := min(len(ids), 200)
		chunk := ids[:n]
		ids = ids[n:]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args[i] = id
		}
		rows, err := s.db.Query(ctx, `SELECT id, name FROM crm_user WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("directory: names: %w", err)
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List returns users by name.
func (s *Store) List(ctx context.Context, f directory.Filter) ([]directory.User, error) {
	q := `SELECT ` + userCols + ` FROM crm_user WHERE 1 = 1`
	var args []any
	if !f.IncludeInactive {
		q += ` AND active = 1`
	}
	if f.TeamID != "" {
		args = append(args, f.TeamID)
		q += fmt.Sprintf(` AND team_id = $%d`, len(args))
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY name, login`, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: list: %w", err)
	}
	defer rows.Close()
	out := []directory.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		if f.Role != "" && !slices.Contains(u.Roles, f.Role) {
			continue
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
