// Package identity holds the platform unit's users, teams, roles, sessions and
// API tokens, and turns a session cookie or an API token into an
// authz.Principal.
//
// Passwords are hashed with Argon2id (PHC strings) and rehashed at login when
// the parameters change. A login creates a fresh server-side session whose
// lifetime is absolute; repeated failures lock the account for a while, and a
// per-address bucket slows guessing across accounts. Nothing reveals whether a
// login exists. Roles grant permissions and data scopes; the admin role holds
// every registered permission, computed, never stored. Every change is written
// to the audit log in the transaction that makes it.
package identity

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// Module is the name of the identity migrations in the platform database.
const Module = "identity"

// Permissions of the platform unit.
const (
	PermUserManage       authz.Permission = "platform.user.manage"
	PermRoleManage       authz.Permission = "platform.role.manage"
	PermAuditRead        authz.Permission = "platform.audit.read"
	PermDeadLetterManage authz.Permission = "platform.deadletter.manage"
	PermSettingsManage   authz.Permission = "platform.settings.manage"
	PermTokenOwn         authz.Permission = "platform.token.own"
)

// The seeded roles.
const (
	RoleAdmin                = "admin"
	RoleSalesRep             = "sales_rep"
	RoleSalesManager         = "sales_manager"
	RoleWarehouseClerk       = "warehouse_clerk"
	RoleBuyer                = "buyer"
	RolePlanner              = "planner"
	RoleProductionSupervisor = "production_supervisor"
	RoleOperator             = "operator"
	RoleQualityInspector     = "quality_inspector"
	RoleAccountant           = "accountant"
	RoleFinanceManager       = "finance_manager"
	RoleCustomer             = "customer"
)

// Status is whether a user may log in.
type Status string

// User statuses.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// Locales a user may pick; empty means "follow the browser".
const (
	LocaleEN = "en"
	LocaleZH = "zh-Hans"
)

// User is a person (or a customer-portal account) who can log in.
type User struct {
	ID          string    `json:"id"`
	Login       string    `json:"login"`
	Name        string    `json:"name"`
	Email       string    `json:"email,omitempty"`
	Locale      string    `json:"locale,omitempty"`
	TeamID      string    `json:"team_id,omitempty"`
	Status      Status    `json:"status"`
	Roles       []string  `json:"roles"`
	HasPassword bool      `json:"has_password"`
	FailedCount int       `json:"failed_count"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Login  string
	Name   string
	Email  string
	Locale string
	TeamID string
	// Password may be empty: the user then cannot log in until one is set.
	Password string
	Roles    []string
}

// UserFilter selects users for ListUsers; empty fields match everything.
type UserFilter struct {
	// Query matches part of the login or the name, ignoring case.
	Query  string
	Status Status
	TeamID string
	Role   string
	// Limit is the page size: 0 means 50, at most 500.
	Limit int
	// After is the Next of the previous page.
	After string
}

// UserPage is one page of users ordered by login.
type UserPage struct {
	Users []User `json:"users"`
	// Next continues the list; empty on the last page.
	Next string `json:"next,omitempty"`
}

// Team groups users; the "team" data scope shows a user the rows of their team.
type Team struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Role is a named set of permissions and data scopes.
type Role struct {
	Name    string `json:"name"`
	NameEN  string `json:"name_en"`
	NameZH  string `json:"name_zh"`
	Builtin bool   `json:"builtin"`
	// Permissions is sorted; for the admin role it is every registered permission.
	Permissions []authz.Permission `json:"permissions"`
	// Scopes maps a resource kind (or authz.AllKinds) to the rows the role sees.
	Scopes map[string]authz.Scope `json:"scopes"`
}

// NewRole is the input of CreateRole.
type NewRole struct {
	Name   string // lower-case letters, digits and underscores
	NameEN string
	NameZH string
}

// Session is a login: the token goes into the session cookie and is never stored.
type Session struct {
	Token     string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APIToken describes a token for scripts and integrations; its secret is
// shown only once, by CreateAPIToken.
type APIToken struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	// Prefix identifies the token in lists: the secret starts with "loom_<prefix>_".
	Prefix     string    `json:"prefix"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// NewAPIToken is the input of CreateAPIToken.
type NewAPIToken struct {
	Name string
	// ExpiresAt is when the token stops working; zero means never.
	ExpiresAt time.Time
}

// CreatedAPIToken is a new token with its secret, which cannot be read again.
type CreatedAPIToken struct {
	APIToken
	Secret string `json:"secret"`
}

// Service manages identities and authenticates requests. Methods that change
// users or roles check the principal in the context; Loom's own tools act as
// authz.System().
type Service interface {
	// CreateUser adds a user; it needs PermUserManage.
	CreateUser(ctx context.Context, u NewUser) (*User, error)
	// GetUser returns a user; users may read themselves, others need PermUserManage.
	GetUser(ctx context.Context, id string) (*User, error)
	// ListUsers returns a page of users; it needs PermUserManage.
	ListUsers(ctx context.Context, f UserFilter) (UserPage, error)
	// SetPassword replaces a user's password and ends their sessions; it needs PermUserManage.
	SetPassword(ctx context.Context, userID, password string) error
	// ChangePassword replaces the caller's own password after checking the current one.
	ChangePassword(ctx context.Context, current, next string) error
	// DisableUser stops a user from logging in and ends their sessions; it needs PermUserManage.
	DisableUser(ctx context.Context, userID string) error
	// EnableUser lets a disabled or locked-out user log in again; it needs PermUserManage.
	EnableUser(ctx context.Context, userID string) error
	// AssignRoles replaces a user's roles; it needs PermUserManage and every
	// permission of each role added or removed.
	AssignRoles(ctx context.Context, userID string, roles []string) error

	// CreateTeam adds a team; it needs PermUserManage.
	CreateTeam(ctx context.Context, name string) (*Team, error)
	// ListTeams returns every team by name; any logged-in user may call it.
	ListTeams(ctx context.Context) ([]Team, error)

	// CreateRole adds a role with no permissions; it needs PermRoleManage.
	CreateRole(ctx context.Context, r NewRole) (*Role, error)
	// SetRolePermissions replaces a role's permissions; it needs PermRoleManage
	// and every permission granted or taken away.
	SetRolePermissions(ctx context.Context, role string, perms []authz.Permission) error
	// SetRoleScopes replaces a role's data scopes; it needs PermRoleManage.
	SetRoleScopes(ctx context.Context, role string, scopes map[string]authz.Scope) error
	// ListRoles returns every role by name; it needs PermRoleManage or PermUserManage.
	ListRoles(ctx context.Context) ([]Role, error)

	// Login checks a password and opens a new session; ip and userAgent are
	// kept with the session and ip feeds the per-address rate limit.
	Login(ctx context.Context, login, password, ip, userAgent string) (*Session, error)
	// Logout ends the session of a token; an unknown token is not an error.
	Logout(ctx context.Context, token string) error
	// Authenticate returns the principal of a live session token.
	Authenticate(ctx context.Context, token string) (*authz.Principal, error)

	// CreateAPIToken makes a token for the caller; it needs PermTokenOwn.
	CreateAPIToken(ctx context.Context, t NewAPIToken) (*CreatedAPIToken, error)
	// ListAPITokens lists a user's tokens; for another user it needs PermUserManage.
	ListAPITokens(ctx context.Context, userID string) ([]APIToken, error)
	// RevokeAPIToken stops a token; for another user's token it needs PermUserManage.
	RevokeAPIToken(ctx context.Context, id string) error
	// AuthenticateToken returns the principal of a live API token.
	AuthenticateToken(ctx context.Context, token string) (*authz.Principal, error)
}

// Authenticator turns credentials carried by a request into a principal; the
// HTTP middleware needs only this much of a Service.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*authz.Principal, error)
	AuthenticateToken(ctx context.Context, token string) (*authz.Principal, error)
}

// PasswordParams are the Argon2id cost parameters for new password hashes.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
}

// Options tune a DBService; zero fields take the defaults shown.
type Options struct {
	// Now is the clock (time.Now); tests inject their own.
	Now func() time.Time
	// SessionLifetime is how long a session lasts from login, however active (12h).
	SessionLifetime time.Duration
	// LastSeenEvery is how often a session's or token's last use is written (5m).
	LastSeenEvery time.Duration
	// LockoutAfter failed logins in a row lock the account (5) …
	LockoutAfter int
	// … for LockoutFor (15m).
	LockoutFor time.Duration
	// LoginBurst failed logins from one address are allowed at once (10) …
	LoginBurst int
	// … and one more every LoginRefill (30s).
	LoginRefill time.Duration
	// PrincipalTTL is how long a resolved principal is cached in memory (30s);
	// changes made through this service drop it at once.
	PrincipalTTL time.Duration
	// TokenTTL is how long a verified API token is kept in memory (5s); a
	// revoke in another process takes effect within it.
	TokenTTL time.Duration
	// Password sets the Argon2id parameters (19 MiB, 2 passes, 1 lane).
	Password PasswordParams
}

//go:embed migrations
var migrations embed.FS

//go:embed locales/*.toml
var locales embed.FS

// Messages holds the identity message files for i18n.Register.
var Messages = mustSub(locales, "locales")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// seededRoles lists the seeded roles in display order, with their names.
var seededRoles = []NewRole{
	{RoleAdmin, "Administrator", "系统管理员"},
	{RoleSalesRep, "Sales representative", "销售代表"},
	{RoleSalesManager, "Sales manager", "销售经理"},
	{RoleWarehouseClerk, "Warehouse clerk", "仓库管理员"},
	{RoleBuyer, "Buyer", "采购员"},
	{RolePlanner, "Planner", "计划员"},
	{RoleProductionSupervisor, "Production supervisor", "生产主管"},
	{RoleOperator, "Operator", "操作工"},
	{RoleQualityInspector, "Quality inspector", "质检员"},
	{RoleAccountant, "Accountant", "会计"},
	{RoleFinanceManager, "Finance manager", "财务经理"},
	{RoleCustomer, "Customer", "客户"},
}

// SeededRoles returns the names of the roles EnsureSeed creates.
func SeededRoles() []string {
	out := make([]string, len(seededRoles))
	for i, r := range seededRoles {
		out[i] = r.Name
	}
	return out
}

// seededScope is the data scope a seeded role starts with on every kind
// (authz.AllKinds); administrators narrow or widen it per kind. The admin
// role's scope is computed, never stored.
func seededScope(role string) authz.Scope {
	switch role {
	case RoleSalesRep, RoleCustomer:
		return authz.ScopeOwn
	case RoleSalesManager:
		return authz.ScopeTeam
	}
	return authz.ScopeCompany
}

func init() {
	authz.Register(
		authz.Definition{Name: PermUserManage, Module: Module},
		authz.Definition{Name: PermRoleManage, Module: Module},
		authz.Definition{Name: PermAuditRead, Module: Module, Roles: []string{RoleFinanceManager}},
		authz.Definition{Name: PermDeadLetterManage, Module: Module},
		authz.Definition{Name: PermSettingsManage, Module: Module},
		authz.Definition{Name: PermTokenOwn, Module: Module, Roles: SeededRoles()},
	)
}
