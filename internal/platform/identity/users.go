package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
)

const userColumns = `u.id, u.login, u.name, u.email, u.locale, u.team_id, u.status, u.password,
	u.failed_count, u.locked_until, u.created_at, u.updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var (
		u                        User
		team                     sql.NullString
		pw                       string
		locked, created, updated int64
	)
	err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.Locale, &team, &u.Status, &pw,
		&u.FailedCount, &locked, &created, &updated)
	if err != nil {
		return nil, err
	}
	u.TeamID, u.HasPassword = team.String, pw != ""
	if locked > 0 {
		u.LockedUntil = db.FromMillis(locked)
	}
	u.CreatedAt, u.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	u.Roles = []string{}
	return &u, nil
}

// getUser reads a user with their roles in one query, in the transaction of
// ctx if any.
func (s *DBService) getUser(ctx context.Context, id string) (*User, error) {
	rolesExpr := `(SELECT group_concat(role, ',') FROM (SELECT role FROM identity_user_role WHERE user_id = u.id ORDER BY role))`
	if s.db.Engine == db.Postgres {
		rolesExpr = `(SELECT string_agg(role, ',' ORDER BY role) FROM identity_user_role WHERE user_id = u.id)`
	}
	var roles sql.NullString
	u, err := scanUser(withExtra{s.db.QueryRow(ctx, `SELECT `+userColumns+`, `+rolesExpr+` FROM identity_user u WHERE u.id = $1`, id), &roles})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("identity: read user %s: %w", id, err)
	}
	if roles.String != "" {
		u.Roles = strings.Split(roles.String, ",")
	}
	return u, nil
}

// withExtra scans one more column after those scanUser reads.
type withExtra struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra)...) }

// CreateUser adds a user; it needs PermUserManage and every permission of the
// roles it gives.
func (s *DBService) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	actor, err := require(ctx, PermUserManage)
	if err != nil {
		return nil, err
	}
	in.Login, in.Name, in.Email = strings.TrimSpace(in.Login), strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	in.Roles = sortedSet(in.Roles)
	var p problems
	checkLogin(&p, in.Login)
	checkText(&p, "name", in.Name, true, maxNameLen)
	checkEmail(&p, in.Email)
	checkLocale(&p, in.Locale)
	if in.Password != "" {
		checkNewPassword(&p, "password", in.Password)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	var hash string
	if in.Password != "" {
		if hash, err = s.hashPassword(ctx, in.Password); err != nil {
			return nil, err
		}
	}
	var out *User
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkUserRefs(ctx, actor, in.TeamID, in.Roles); err != nil {
			return err
		}
		id, now := db.NewID(), db.Millis(s.now())
		_, err := s.db.Exec(ctx, `INSERT INTO identity_user (id, login, login_key, name, email, locale, team_id,
			status, failed_count, locked_until, password, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', 0, 0, $8, $9, $9)`,
			id, in.Login, loginKey(in.Login), in.Name, in.Email, in.Locale, nullable(in.TeamID), hash, now)
		if db.IsUniqueViolation(err) {
			return fieldErr(CodeConflict, "login", keyLoginTaken)
		}
		if err != nil {
			return fmt.Errorf("identity: create user %s: %w", in.Login, err)
		}
		if err := s.insertUserRoles(ctx, id, in.Roles); err != nil {
			return err
		}
		if out, err = s.getUser(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, "identity.user.created", kindUser, id, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkUserRefs checks that a team and roles exist and that actor may give the roles.
func (s *DBService) checkUserRefs(ctx context.Context, actor *authz.Principal, teamID string, roles []string) error {
	var p problems
	if teamID != "" {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM identity_team WHERE id = $1`, teamID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			p.add(invalid("team_id", keyTeamUnknown))
		}
	}
	for _, r := range roles {
		ok, err := s.roleExists(ctx, r)
		if err != nil {
			return err
		}
		if !ok {
			p.add(invalid("roles", keyRoleUnknown))
			break
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	return s.checkCanGrantRoles(ctx, actor, roles)
}

// checkCanGrantRoles refuses giving or taking roles whose permissions actor lacks.
func (s *DBService) checkCanGrantRoles(ctx context.Context, actor *authz.Principal, roles []string) error {
	for _, r := range roles {
		perms, err := s.rolePermissions(ctx, r)
		if err != nil {
			return err
		}
		if !holdsAll(actor, perms) {
			return fieldErr(CodeForbidden, "roles", keyGrantExceedsOwn)
		}
	}
	return nil
}

func (s *DBService) roleExists(ctx context.Context, role string) (bool, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM identity_role WHERE name = $1`, role).Scan(&n); err != nil {
		return false, fmt.Errorf("identity: read role %s: %w", role, err)
	}
	return n > 0, nil
}

func (s *DBService) insertUserRoles(ctx context.Context, userID string, roles []string) error {
	for _, r := range roles {
		if _, err := s.db.Exec(ctx, `INSERT INTO identity_user_role (user_id, role) VALUES ($1, $2)`, userID, r); err != nil {
			return fmt.Errorf("identity: give role %s: %w", r, err)
		}
	}
	return nil
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// GetUser returns a user; users may read themselves, others need PermUserManage.
func (s *DBService) GetUser(ctx context.Context, id string) (*User, error) {
	p := authz.FromContext(ctx)
	if p == nil {
		return nil, ErrUnauthenticated
	}
	if p.UserID != id && !p.Can(PermUserManage) {
		return nil, ErrForbidden
	}
	return s.getUser(ctx, id)
}

// ListUsers returns a page of users ordered by login; it needs PermUserManage.
func (s *DBService) ListUsers(ctx context.Context, f UserFilter) (UserPage, error) {
	if _, err := require(ctx, PermUserManage); err != nil {
		return UserPage{}, err
	}
	var p problems
	limit := checkLimit(&p, f.Limit)
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusDisabled {
		p.add(invalid("status", keyStatusInvalid))
	}
	if err := p.err(); err != nil {
		return UserPage{}, err
	}
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add(`(u.login_key LIKE $? ESCAPE '\' OR lower(u.name) LIKE $? ESCAPE '\')`, "%"+escapeLike(strings.ToLower(q))+"%")
	}
	if f.Status != "" {
		add(`u.status = $?`, string(f.Status))
	}
	if f.TeamID != "" {
		add(`u.team_id = $?`, f.TeamID)
	}
	if f.Role != "" {
		add(`EXISTS (SELECT 1 FROM identity_user_role ur WHERE ur.user_id = u.id AND ur.role = $?)`, f.Role)
	}
	if f.After != "" {
		add(`u.login_key > $?`, f.After)
	}
	q := `SELECT ` + userColumns + ` FROM identity_user u`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += fmt.Sprintf(` ORDER BY u.login_key LIMIT %d`, limit+1)
	page := UserPage{Users: []User{}}
	err := s.db.InReadTx(ctx, func(ctx context.Context) error {
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			page.Users = append(page.Users, *u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(page.Users) > limit {
			page.Users = page.Users[:limit]
			page.Next = loginKey(page.Users[limit-1].Login)
		}
		for i := range page.Users {
			if page.Users[i].Roles, err = s.userRoles(ctx, page.Users[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return UserPage{}, fmt.Errorf("identity: list users: %w", err)
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SetPassword replaces a user's password and ends their sessions; it needs
// PermUserManage and every permission the user holds.
func (s *DBService) SetPassword(ctx context.Context, userID, pw string) error {
	actor, err := require(ctx, PermUserManage)
	if err != nil {
		return err
	}
	var p problems
	checkNewPassword(&p, "password", pw)
	if err := p.err(); err != nil {
		return err
	}
	if _, err := s.getUser(ctx, userID); err != nil {
		return err
	}
	if err := s.canManage(ctx, actor, userID); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, pw)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		return s.storePassword(ctx, userID, hash, "identity.user.password_set")
	})
}

// storePassword saves a new hash, clears any lockout and ends the user's sessions.
func (s *DBService) storePassword(ctx context.Context, userID, hash, action string) error {
	n, err := s.db.ExecAffected(ctx, `UPDATE identity_user SET password = $1, failed_count = 0, locked_until = 0,
		updated_at = $2 WHERE id = $3`, hash, db.Millis(s.now()), userID)
	if err != nil {
		return fmt.Errorf("identity: store password of %s: %w", userID, err)
	}
	if n == 0 {
		return ErrUserNotFound
	}
	ended, err := s.db.ExecAffected(ctx, `DELETE FROM identity_session WHERE user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("identity: end sessions of %s: %w", userID, err)
	}
	return s.record(ctx, action, kindUser, userID, nil, map[string]any{"sessions_ended": ended})
}

// ChangePassword replaces the caller's own password after checking the
// current one, and ends the caller's sessions; the caller logs in again.
func (s *DBService) ChangePassword(ctx context.Context, current, next string) error {
	p := authz.FromContext(ctx)
	if p == nil || p.UserID == "" {
		return ErrUnauthenticated
	}
	var pr problems
	if current == "" {
		pr.add(invalid("current_password", keyRequired))
	}
	checkNewPassword(&pr, "new_password", next)
	if err := pr.err(); err != nil {
		return err
	}
	var stored string
	err := s.db.QueryRow(ctx, `SELECT password FROM identity_user WHERE id = $1`, p.UserID).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrUserNotFound
	}
	if err != nil {
		return fmt.Errorf("identity: read password of %s: %w", p.UserID, err)
	}
	ok, err := s.checkPassword(ctx, current, stored)
	if err != nil {
		return err
	}
	if !ok {
		return invalid("current_password", keyPasswordWrong)
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		return s.storePassword(ctx, p.UserID, hash, "identity.user.password_changed")
	})
}

// DisableUser stops a user from logging in and ends their sessions; it needs
// PermUserManage and every permission the user holds. The last active
// administrator cannot be disabled.
func (s *DBService) DisableUser(ctx context.Context, userID string) error {
	actor, err := require(ctx, PermUserManage)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getUser(ctx, userID)
		if err != nil {
			return err
		}
		if before.Status == StatusDisabled {
			return nil
		}
		if err := s.canManage(ctx, actor, userID); err != nil {
			return err
		}
		if err := s.checkNotLastAdmin(ctx, userID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE identity_user SET status = 'disabled', updated_at = $1 WHERE id = $2`,
			db.Millis(s.now()), userID); err != nil {
			return fmt.Errorf("identity: disable user %s: %w", userID, err)
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM identity_session WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("identity: end sessions of %s: %w", userID, err)
		}
		s.db.AfterCommit(ctx, func() { s.cache.dropUser(userID) })
		return s.recordUserChange(ctx, "identity.user.disabled", before)
	})
}

// EnableUser lets a disabled or locked-out user log in again; it needs
// PermUserManage and every permission the user holds.
func (s *DBService) EnableUser(ctx context.Context, userID string) error {
	actor, err := require(ctx, PermUserManage)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getUser(ctx, userID)
		if err != nil {
			return err
		}
		if before.Status == StatusActive && before.FailedCount == 0 && before.LockedUntil.IsZero() {
			return nil
		}
		if err := s.canManage(ctx, actor, userID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE identity_user SET status = 'active', failed_count = 0, locked_until = 0,
			updated_at = $1 WHERE id = $2`, db.Millis(s.now()), userID); err != nil {
			return fmt.Errorf("identity: enable user %s: %w", userID, err)
		}
		s.db.AfterCommit(ctx, func() { s.cache.dropUser(userID) })
		return s.recordUserChange(ctx, "identity.user.enabled", before)
	})
}

// recordUserChange audits a change to a user, reading the state after it.
func (s *DBService) recordUserChange(ctx context.Context, action string, before *User) error {
	after, err := s.getUser(ctx, before.ID)
	if err != nil {
		return err
	}
	return s.record(ctx, action, kindUser, before.ID, before, after)
}

// checkNotLastAdmin refuses a change that would leave no active administrator
// other than userID.
func (s *DBService) checkNotLastAdmin(ctx context.Context, userID string) error {
	var isAdmin, others int
	err := s.db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM identity_user_role WHERE user_id = $1 AND role = $2),
		(SELECT count(*) FROM identity_user_role ur JOIN identity_user u ON u.id = ur.user_id
			WHERE ur.role = $2 AND u.status = 'active' AND u.id <> $1)`, userID, RoleAdmin).Scan(&isAdmin, &others)
	if err != nil {
		return fmt.Errorf("identity: count administrators: %w", err)
	}
	if isAdmin > 0 && others == 0 {
		return invalid("user_id", keyLastAdmin)
	}
	return nil
}

// AssignRoles replaces a user's roles; it needs PermUserManage, every
// permission the user holds and every permission of each role added or removed.
func (s *DBService) AssignRoles(ctx context.Context, userID string, roles []string) error {
	actor, err := require(ctx, PermUserManage)
	if err != nil {
		return err
	}
	roles = sortedSet(roles)
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.getUser(ctx, userID)
		if err != nil {
			return err
		}
		changed := symmetricDiff(before.Roles, roles)
		if len(changed) == 0 {
			return nil
		}
		if err := s.checkUserRefs(ctx, actor, "", changed); err != nil {
			return err
		}
		if err := s.canManage(ctx, actor, userID); err != nil {
			return err
		}
		if before.Status == StatusActive && !slices.Contains(roles, RoleAdmin) {
			if err := s.checkNotLastAdmin(ctx, userID); err != nil {
				return err
			}
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM identity_user_role WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("identity: assign roles to %s: %w", userID, err)
		}
		if err := s.insertUserRoles(ctx, userID, roles); err != nil {
			return err
		}
		s.db.AfterCommit(ctx, func() { s.cache.dropUser(userID) })
		return s.record(ctx, "identity.user.roles_assigned", kindUser, userID,
			map[string]any{"roles": before.Roles}, map[string]any{"roles": roles})
	})
}

// CreateTeam adds a team; it needs PermUserManage. Names are unique ignoring case.
func (s *DBService) CreateTeam(ctx context.Context, name string) (*Team, error) {
	if _, err := require(ctx, PermUserManage); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	var p problems
	checkText(&p, "name", name, true, maxNameLen)
	if err := p.err(); err != nil {
		return nil, err
	}
	t := &Team{ID: db.NewID(), Name: name, CreatedAt: db.FromMillis(db.Millis(s.now()))}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		_, err := s.db.Exec(ctx, `INSERT INTO identity_team (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)`,
			t.ID, t.Name, strings.ToLower(t.Name), db.Millis(t.CreatedAt))
		if db.IsUniqueViolation(err) {
			return fieldErr(CodeConflict, "name", keyTeamTaken)
		}
		if err != nil {
			return fmt.Errorf("identity: create team: %w", err)
		}
		return s.record(ctx, "identity.team.created", kindTeam, t.ID, nil, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ListTeams returns every team by name; any logged-in user may call it.
func (s *DBService) ListTeams(ctx context.Context) ([]Team, error) {
	if _, err := require(ctx, authz.Authenticated); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, name, created_at FROM identity_team ORDER BY name_key`)
	if err != nil {
		return nil, fmt.Errorf("identity: list teams: %w", err)
	}
	defer rows.Close()
	out := []Team{}
	for rows.Next() {
		var (
			t  Team
			at int64
		)
		if err := rows.Scan(&t.ID, &t.Name, &at); err != nil {
			return nil, err
		}
		t.CreatedAt = db.FromMillis(at)
		out = append(out, t)
	}
	return out, rows.Err()
}
