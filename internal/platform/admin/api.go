package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// AdminMe is the caller of a request: who they are and what they may do.
type AdminMe struct {
	UserID      string            `json:"user_id" format:"uuid" doc:"The user's id."`
	Login       string            `json:"login"`
	Name        string            `json:"name"`
	TeamID      string            `json:"team_id,omitempty" doc:"The user's team, if any."`
	Roles       []string          `json:"roles" nullable:"false"`
	Permissions []string          `json:"permissions" nullable:"false" doc:"Every permission the user holds, sorted."`
	Scopes      map[string]string `json:"scopes" doc:"The widest data scope per record kind (* is every kind): own, team or company."`
	TokenID     string            `json:"token_id,omitempty" doc:"The API token the request came with, if any."`
	Portal      bool              `json:"portal" doc:"Whether the user is a customer-portal account."`
}

// AdminUser is a user account.
type AdminUser struct {
	ID           string     `json:"id" format:"uuid"`
	Login        string     `json:"login"`
	Name         string     `json:"name"`
	Email        string     `json:"email,omitempty"`
	Locale       string     `json:"locale,omitempty" doc:"en or zh-Hans; absent means the browser's language."`
	TeamID       string     `json:"team_id,omitempty" format:"uuid"`
	Status       string     `json:"status" enum:"active,disabled"`
	Roles        []string   `json:"roles" nullable:"false"`
	HasPassword  bool       `json:"has_password" doc:"Whether the user can sign in with a password."`
	FailedLogins int        `json:"failed_logins" doc:"Failed sign-ins in a row."`
	LockedUntil  *time.Time `json:"locked_until,omitempty" doc:"Until when sign-in is locked after failed attempts."`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// AdminUserCreate is the body that creates a user.
type AdminUserCreate struct {
	Login    string   `json:"login" maxLength:"64" doc:"Letters (Chinese included), digits and . _ - @ +; unique ignoring case."`
	Name     string   `json:"name" maxLength:"100"`
	Email    string   `json:"email,omitempty" maxLength:"254"`
	Locale   string   `json:"locale,omitempty" doc:"en or zh-Hans; empty follows the browser."`
	TeamID   string   `json:"team_id,omitempty"`
	Roles    []string `json:"roles,omitempty" doc:"Names of the roles to give; you must hold every permission they grant."`
	Password string   `json:"password,omitempty" doc:"The initial password, at least 8 characters; without one the user cannot sign in until one is set."`
}

// AdminUserRoles is the body that replaces a user's roles.
type AdminUserRoles struct {
	Roles []string `json:"roles" nullable:"false" doc:"Every role the user is to hold."`
}

// AdminUserPassword is the body that sets a user's password.
type AdminUserPassword struct {
	Password string `json:"password" doc:"At least 8 characters. The user's sessions end."`
}

// AdminRole is a role with its permissions and data scopes.
type AdminRole struct {
	Name        string            `json:"name"`
	NameEN      string            `json:"name_en"`
	NameZH      string            `json:"name_zh"`
	Builtin     bool              `json:"builtin" doc:"Whether Loom seeded the role."`
	Permissions []string          `json:"permissions" nullable:"false"`
	Scopes      map[string]string `json:"scopes" doc:"Data scope per record kind (* is every kind): own, team or company."`
}

// AdminRolePermissions is the body that replaces a role's permissions.
type AdminRolePermissions struct {
	Permissions []string `json:"permissions" nullable:"false" doc:"Every permission the role is to grant; you must hold each one added or removed."`
}

// AdminRoleScopes is the body that replaces a role's data scopes.
type AdminRoleScopes struct {
	Scopes map[string]string `json:"scopes" doc:"Data scope per record kind (* is every kind): own, team or company."`
}

// AdminAPIToken describes an API token; its secret is never shown again.
type AdminAPIToken struct {
	ID         string     `json:"id" format:"uuid"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The secret starts with loom_<prefix>_."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// AdminAPITokenCreate is the body that creates an API token.
type AdminAPITokenCreate struct {
	Name      string     `json:"name" maxLength:"100" doc:"What the token is for."`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the token stops working; absent means never."`
}

// AdminAPITokenCreated is a new API token with its secret, shown only this once.
type AdminAPITokenCreated struct {
	AdminAPIToken
	Secret string `json:"secret" doc:"Send it as Authorization: Bearer <secret>. It cannot be read again."`
}

// AdminAuditRow is one audit record.
type AdminAuditRow struct {
	ID         string          `json:"id" format:"uuid"`
	Seq        int64           `json:"seq" doc:"Position in the unit's hash chain."`
	At         time.Time       `json:"at"`
	ActorID    string          `json:"actor_id,omitempty"`
	ActorLogin string          `json:"actor_login"`
	Action     string          `json:"action" doc:"What happened, such as identity.user.created."`
	EntityKind string          `json:"entity_kind"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before,omitempty" doc:"The record before the change."`
	After      json.RawMessage `json:"after,omitempty" doc:"The record after the change."`
	RequestID  string          `json:"request_id,omitempty"`
}

// AdminDeadLetter is an event a consumer gave up on.
type AdminDeadLetter struct {
	ID       string             `json:"id" format:"uuid"`
	Unit     string             `json:"unit" doc:"The unit of the consumer."`
	Consumer string             `json:"consumer"`
	Error    string             `json:"error" doc:"The handler's last error."`
	Attempts int                `json:"attempts"`
	FailedAt time.Time          `json:"failed_at"`
	Event    AdminEventEnvelope `json:"event"`
}

// AdminEventEnvelope is the event of a dead letter.
type AdminEventEnvelope struct {
	ID         string          `json:"id" format:"uuid"`
	Type       string          `json:"type"`
	Version    int             `json:"version"`
	Source     string          `json:"source"`
	Subject    string          `json:"subject"`
	OccurredAt time.Time       `json:"occurred_at"`
	Actor      string          `json:"actor,omitempty"`
	Data       json.RawMessage `json:"data"`
}

// AdminList is a list that is not paged.
type AdminList[T any] struct {
	Items []T `json:"items" nullable:"false"`
}

// Inputs and outputs of the operations.
type (
	adminUserOut     struct{ Body AdminUser }
	adminListUsersIn struct {
		api.ListParams
		Query  string `query:"q" maxLength:"100" doc:"Part of the login or the name, ignoring case."`
		Status string `query:"status" enum:"active,disabled" doc:"Only users with this status."`
		Role   string `query:"role" doc:"Only users holding this role."`
		TeamID string `query:"team_id" doc:"Only users of this team."`
	}
	adminCreateUserIn  struct{ Body AdminUserCreate }
	adminCreateUserOut struct {
		Location string `header:"Location"`
		Body     AdminUser
	}
	adminUserRolesIn struct {
		api.IDParam
		Body AdminUserRoles
	}
	adminUserPasswordIn struct {
		api.IDParam
		Body AdminUserPassword
	}
	adminRolePermissionsIn struct {
		Name string `path:"name" maxLength:"40" doc:"The role's name, such as sales_rep."`
		Body AdminRolePermissions
	}
	adminRoleScopesIn struct {
		Name string `path:"name" maxLength:"40" doc:"The role's name, such as sales_rep."`
		Body AdminRoleScopes
	}
	adminCreateTokenIn  struct{ Body AdminAPITokenCreate }
	adminCreateTokenOut struct {
		Location string `header:"Location"`
		Body     AdminAPITokenCreated
	}
	adminAuditIn struct {
		api.ListParams
		Unit       string    `query:"unit" doc:"The unit whose audit log to search; platform if empty."`
		Actor      string    `query:"actor" doc:"The actor's user id or login."`
		EntityKind string    `query:"entity_kind" doc:"The kind of record, such as identity.user."`
		EntityID   string    `query:"entity_id"`
		Action     string    `query:"action" doc:"Such as identity.user.created."`
		From       time.Time `query:"from" doc:"Changes at or after this instant (RFC 3339)."`
		To         time.Time `query:"to" doc:"Changes before this instant (RFC 3339)."`
	}
	adminDeadLettersIn struct {
		Unit     string `query:"unit" doc:"Only dead letters of this unit's consumers."`
		Consumer string `query:"consumer"`
		Type     string `query:"type" doc:"Only events of this type."`
		Limit    int    `query:"limit" minimum:"1" maximum:"1000" default:"1000" doc:"Dead letters per unit, newest first."`
	}
)

// Sort orders of the lists; each can be read in one order only.
var (
	userSort  = api.SortSpec{Fields: []string{"login"}, Default: "login"}
	auditSort = api.SortSpec{Fields: []string{"seq"}, Default: "-seq"}
)

// operations registers the REST operations.
func (h *handler) operations(a *api.API) {
	api.Register(a, huma.Operation{OperationID: "platform-get-me", Method: http.MethodGet, Path: "/me",
		Summary: "Get the caller", Description: "Who is calling, with their roles, permissions and data scopes.", Tags: []string{"platform"},
	}, authz.Authenticated, h.apiMe)

	api.Register(a, huma.Operation{OperationID: "platform-list-users", Method: http.MethodGet, Path: "/users",
		Summary: "List users", Description: "Users by login. Sort: login.", Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiListUsers)
	api.Register(a, huma.Operation{OperationID: "platform-create-user", Method: http.MethodPost, Path: "/users",
		Summary: "Create a user", DefaultStatus: http.StatusCreated, Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiCreateUser)
	api.Register(a, huma.Operation{OperationID: "platform-get-user", Method: http.MethodGet, Path: "/users/{id}",
		Summary: "Get a user", Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiGetUser)
	api.Register(a, huma.Operation{OperationID: "platform-set-user-roles", Method: http.MethodPut, Path: "/users/{id}/roles",
		Summary: "Replace a user's roles", Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiSetUserRoles)
	api.Register(a, huma.Operation{OperationID: "platform-disable-user", Method: http.MethodPost, Path: "/users/{id}/disable",
		Summary: "Disable a user", Description: "The user can no longer sign in and their sessions end.", Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiUserStatus(h.id.DisableUser))
	api.Register(a, huma.Operation{OperationID: "platform-enable-user", Method: http.MethodPost, Path: "/users/{id}/enable",
		Summary: "Enable a user", Description: "Lets a disabled or locked-out user sign in again.", Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiUserStatus(h.id.EnableUser))
	api.Register(a, huma.Operation{OperationID: "platform-set-user-password", Method: http.MethodPut, Path: "/users/{id}/password",
		Summary: "Set a user's password", DefaultStatus: http.StatusNoContent, Tags: []string{"platform"},
	}, identity.PermUserManage, h.apiSetUserPassword)

	api.Register(a, huma.Operation{OperationID: "platform-list-roles", Method: http.MethodGet, Path: "/roles",
		Summary: "List roles", Description: "Every role with its permissions and data scopes.", Tags: []string{"platform"},
	}, identity.PermRoleManage, h.apiListRoles)
	api.Register(a, huma.Operation{OperationID: "platform-set-role-permissions", Method: http.MethodPut, Path: "/roles/{name}/permissions",
		Summary: "Replace a role's permissions", Tags: []string{"platform"},
	}, identity.PermRoleManage, h.apiSetRolePermissions)
	api.Register(a, huma.Operation{OperationID: "platform-set-role-scopes", Method: http.MethodPut, Path: "/roles/{name}/scopes",
		Summary: "Replace a role's data scopes", Tags: []string{"platform"},
	}, identity.PermRoleManage, h.apiSetRoleScopes)

	api.Register(a, huma.Operation{OperationID: "platform-list-tokens", Method: http.MethodGet, Path: "/tokens",
		Summary: "List your API tokens", Description: "Newest first, revoked ones included.", Tags: []string{"platform"},
	}, identity.PermTokenOwn, h.apiListTokens)
	api.Register(a, huma.Operation{OperationID: "platform-create-token", Method: http.MethodPost, Path: "/tokens",
		Summary: "Create an API token", Description: "The answer holds the token's secret, which cannot be read again.",
		DefaultStatus: http.StatusCreated, Tags: []string{"platform"},
	}, identity.PermTokenOwn, h.apiCreateToken)
	api.Register(a, huma.Operation{OperationID: "platform-revoke-token", Method: http.MethodDelete, Path: "/tokens/{id}",
		Summary: "Revoke an API token", DefaultStatus: http.StatusNoContent, Tags: []string{"platform"},
	}, identity.PermTokenOwn, h.apiRevokeToken)

	api.Register(a, huma.Operation{OperationID: "platform-search-audit", Method: http.MethodGet, Path: "/audit",
		Summary: "Search a unit's audit log", Description: "Newest first. Sort: -seq.", Tags: []string{"platform"},
	}, identity.PermAuditRead, h.apiSearchAudit)

	api.Register(a, huma.Operation{OperationID: "platform-list-deadletters", Method: http.MethodGet, Path: "/deadletters",
		Summary: "List dead letters", Description: "Events consumers gave up on, newest first per unit.", Tags: []string{"platform"},
	}, identity.PermDeadLetterManage, h.apiListDeadLetters)
	api.Register(a, huma.Operation{OperationID: "platform-replay-deadletter", Method: http.MethodPost, Path: "/deadletters/{id}/replay",
		Summary: "Replay a dead letter", Description: "Applies the event through its consumer again; if the handler fails again, the dead letter stays (409).",
		DefaultStatus: http.StatusNoContent, Tags: []string{"platform"},
	}, identity.PermDeadLetterManage, h.apiReplayDeadLetter)
}

func (h *handler) apiMe(ctx context.Context, _ *struct{}) (*struct{ Body AdminMe }, error) {
	p := authz.FromContext(ctx)
	me := AdminMe{UserID: p.UserID, Login: p.Login, Name: p.Name, TeamID: p.TeamID, Roles: slices.Clone(p.Roles),
		Scopes: map[string]string{}, TokenID: p.TokenID, Portal: p.Portal}
	if me.Roles == nil {
		me.Roles = []string{}
	}
	me.Permissions = []string{}
	for perm, ok := range p.Perms {
		if ok {
			me.Permissions = append(me.Permissions, string(perm))
		}
	}
	slices.Sort(me.Permissions)
	for kind, s := range p.Scopes {
		me.Scopes[kind] = string(s)
	}
	return &struct{ Body AdminMe }{me}, nil
}

func (h *handler) apiListUsers(ctx context.Context, in *adminListUsersIn) (*api.ListOutput[AdminUser], error) {
	order, err := oneOrder(userSort, in.Sort)
	if err != nil {
		return nil, err
	}
	var after struct {
		Login string `json:"login"`
	}
	if _, err := api.DecodeCursor(in.Cursor, order, &after); err != nil {
		return nil, err
	}
	page, err := h.id.ListUsers(ctx, identity.UserFilter{Query: in.Query, Status: identity.Status(in.Status),
		Role: in.Role, TeamID: in.TeamID, Limit: in.Limit, After: after.Login})
	if err != nil {
		return nil, appError(err)
	}
	out := &api.ListOutput[AdminUser]{Body: api.Page[AdminUser]{Items: make([]AdminUser, 0, len(page.Users))}}
	for _, u := range page.Users {
		out.Body.Items = append(out.Body.Items, adminUser(&u))
	}
	if page.Next != "" {
		after.Login = page.Next
		c, err := api.EncodeCursor(order, after)
		if err != nil {
			return nil, err
		}
		out.Body.NextCursor = &c
	}
	return out, nil
}

// oneOrder parses a list's sort, which may only be the list's one order.
func oneOrder(spec api.SortSpec, sort string) (api.Order, error) {
	order, err := spec.Parse(sort)
	if err != nil {
		return nil, err
	}
	if order.String() != spec.Default {
		return nil, apperr.InvalidFields(apperr.FieldError{Field: "sort", Key: keySortFixed,
			Message: english(keySortFixed), Params: map[string]any{"Sort": spec.Default}})
	}
	return order, nil
}

func (h *handler) apiCreateUser(ctx context.Context, in *adminCreateUserIn) (*adminCreateUserOut, error) {
	b := in.Body
	u, err := h.id.CreateUser(ctx, identity.NewUser{Login: b.Login, Name: b.Name, Email: b.Email, Locale: b.Locale,
		TeamID: b.TeamID, Roles: b.Roles, Password: b.Password})
	if err != nil {
		return nil, appError(err)
	}
	return &adminCreateUserOut{Location: api.Prefix + "/users/" + u.ID, Body: adminUser(u)}, nil
}

func (h *handler) apiGetUser(ctx context.Context, in *api.IDParam) (*adminUserOut, error) {
	u, err := h.id.GetUser(ctx, in.ID)
	if err != nil {
		return nil, appError(err)
	}
	return &adminUserOut{adminUser(u)}, nil
}

func (h *handler) apiSetUserRoles(ctx context.Context, in *adminUserRolesIn) (*adminUserOut, error) {
	if err := h.id.AssignRoles(ctx, in.ID, in.Body.Roles); err != nil {
		return nil, appError(err)
	}
	return h.apiGetUser(ctx, &in.IDParam)
}

// apiUserStatus is an operation that disables or enables the user named in the path.
func (h *handler) apiUserStatus(change func(ctx context.Context, id string) error) func(context.Context, *api.IDParam) (*adminUserOut, error) {
	return func(ctx context.Context, in *api.IDParam) (*adminUserOut, error) {
		if err := change(ctx, in.ID); err != nil {
			return nil, appError(err)
		}
		return h.apiGetUser(ctx, in)
	}
}

func (h *handler) apiSetUserPassword(ctx context.Context, in *adminUserPasswordIn) (*struct{}, error) {
	return nil, appError(h.id.SetPassword(ctx, in.ID, in.Body.Password))
}

func (h *handler) apiListRoles(ctx context.Context, _ *struct{}) (*struct{ Body AdminList[AdminRole] }, error) {
	roles, err := h.id.ListRoles(ctx)
	if err != nil {
		return nil, appError(err)
	}
	out := &struct{ Body AdminList[AdminRole] }{AdminList[AdminRole]{Items: make([]AdminRole, 0, len(roles))}}
	for _, r := range roles {
		out.Body.Items = append(out.Body.Items, adminRole(r))
	}
	return out, nil
}

// role returns the role of the given name as the API shows it.
func (h *handler) role(ctx context.Context, name string) (*struct{ Body AdminRole }, error) {
	roles, err := h.id.ListRoles(ctx)
	if err != nil {
		return nil, appError(err)
	}
	i := slices.IndexFunc(roles, func(r identity.Role) bool { return r.Name == name })
	if i < 0 {
		return nil, appError(identity.ErrRoleNotFound)
	}
	return &struct{ Body AdminRole }{adminRole(roles[i])}, nil
}

func (h *handler) apiSetRolePermissions(ctx context.Context, in *adminRolePermissionsIn) (*struct{ Body AdminRole }, error) {
	perms := make([]authz.Permission, len(in.Body.Permissions))
	for i, p := range in.Body.Permissions {
		perms[i] = authz.Permission(p)
	}
	if err := h.id.SetRolePermissions(ctx, in.Name, perms); err != nil {
		return nil, appError(err)
	}
	return h.role(ctx, in.Name)
}

func (h *handler) apiSetRoleScopes(ctx context.Context, in *adminRoleScopesIn) (*struct{ Body AdminRole }, error) {
	scopes := make(map[string]authz.Scope, len(in.Body.Scopes))
	for k, s := range in.Body.Scopes {
		scopes[k] = authz.Scope(s)
	}
	if err := h.id.SetRoleScopes(ctx, in.Name, scopes); err != nil {
		return nil, appError(err)
	}
	return h.role(ctx, in.Name)
}

func (h *handler) apiListTokens(ctx context.Context, _ *struct{}) (*struct{ Body AdminList[AdminAPIToken] }, error) {
	list, err := h.id.ListAPITokens(ctx, authz.FromContext(ctx).UserID)
	if err != nil {
		return nil, appError(err)
	}
	out := &struct{ Body AdminList[AdminAPIToken] }{AdminList[AdminAPIToken]{Items: make([]AdminAPIToken, 0, len(list))}}
	for _, tok := range list {
		out.Body.Items = append(out.Body.Items, adminToken(tok))
	}
	return out, nil
}

func (h *handler) apiCreateToken(ctx context.Context, in *adminCreateTokenIn) (*adminCreateTokenOut, error) {
	nt := identity.NewAPIToken{Name: in.Body.Name}
	if in.Body.ExpiresAt != nil {
		nt.ExpiresAt = *in.Body.ExpiresAt
	}
	created, err := h.id.CreateAPIToken(ctx, nt)
	if err != nil {
		return nil, appError(err)
	}
	return &adminCreateTokenOut{Location: api.Prefix + "/tokens/" + created.ID,
		Body: AdminAPITokenCreated{AdminAPIToken: adminToken(created.APIToken), Secret: created.Secret}}, nil
}

func (h *handler) apiRevokeToken(ctx context.Context, in *api.IDParam) (*struct{}, error) {
	return nil, appError(h.id.RevokeAPIToken(ctx, in.ID))
}

func (h *handler) apiSearchAudit(ctx context.Context, in *adminAuditIn) (*api.ListOutput[AdminAuditRow], error) {
	order, err := oneOrder(auditSort, in.Sort)
	if err != nil {
		return nil, err
	}
	unit := in.Unit
	if unit == "" {
		unit = h.defaultUnit()
	}
	d, ok := h.dbs[unit]
	if !ok {
		return nil, apperr.Invalid("unit", keyUnitUnknown, english(keyUnitUnknown))
	}
	var after struct {
		Seq string `json:"seq"`
	}
	if _, err := api.DecodeCursor(in.Cursor, order, &after); err != nil {
		return nil, err
	}
	page, err := audit.Search(ctx, d, audit.Filter{Actor: in.Actor, EntityKind: in.EntityKind, EntityID: in.EntityID,
		Action: in.Action, From: in.From, To: in.To, Limit: in.Limit, Cursor: after.Seq})
	if err != nil {
		return nil, appError(err)
	}
	out := &api.ListOutput[AdminAuditRow]{Body: api.Page[AdminAuditRow]{Items: make([]AdminAuditRow, 0, len(page.Rows))}}
	for _, r := range page.Rows {
		out.Body.Items = append(out.Body.Items, AdminAuditRow{ID: r.ID, Seq: r.Seq, At: r.At, ActorID: r.ActorID,
			ActorLogin: r.ActorLogin, Action: r.Action, EntityKind: r.EntityKind, EntityID: r.EntityID,
			Before: r.Before, After: r.After, RequestID: r.RequestID})
	}
	if page.Next != "" {
		after.Seq = page.Next
		c, err := api.EncodeCursor(order, after)
		if err != nil {
			return nil, err
		}
		out.Body.NextCursor = &c
	}
	return out, nil
}

func (h *handler) apiListDeadLetters(ctx context.Context, in *adminDeadLettersIn) (*struct{ Body AdminList[AdminDeadLetter] }, error) {
	if in.Unit != "" && !slices.Contains(h.units, in.Unit) {
		return nil, apperr.Invalid("unit", keyUnitUnknown, english(keyUnitUnknown))
	}
	list, err := h.bus.ListDeadLetters(ctx, bus.DeadLetterFilter{Unit: in.Unit, Consumer: in.Consumer, Type: in.Type, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &struct{ Body AdminList[AdminDeadLetter] }{AdminList[AdminDeadLetter]{Items: make([]AdminDeadLetter, 0, len(list))}}
	for _, dl := range list {
		ev := dl.Event
		out.Body.Items = append(out.Body.Items, AdminDeadLetter{ID: dl.ID, Unit: dl.Unit, Consumer: dl.Consumer,
			Error: dl.Error, Attempts: dl.Attempts, FailedAt: dl.FailedAt,
			Event: AdminEventEnvelope{ID: ev.ID, Type: ev.Type, Version: ev.Version, Source: ev.Source, Subject: ev.Subject,
				OccurredAt: ev.OccurredAt, Actor: ev.Actor, Data: ev.Data}})
	}
	return out, nil
}

func (h *handler) apiReplayDeadLetter(ctx context.Context, in *api.IDParam) (*struct{}, error) {
	err := h.bus.Replay(ctx, in.ID)
	if err == nil || errors.Is(err, bus.ErrNotFound) {
		return nil, appError(err)
	}
	return nil, apperr.Conflict(keyReplayFailed, english(keyReplayFailed)).WithCause(err)
}

func adminUser(u *identity.User) AdminUser {
	out := AdminUser{ID: u.ID, Login: u.Login, Name: u.Name, Email: u.Email, Locale: u.Locale, TeamID: u.TeamID,
		Status: string(u.Status), Roles: slices.Clone(u.Roles), HasPassword: u.HasPassword, FailedLogins: u.FailedCount,
		LockedUntil: optTime(u.LockedUntil), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	return out
}

func adminRole(r identity.Role) AdminRole {
	out := AdminRole{Name: r.Name, NameEN: r.NameEN, NameZH: r.NameZH, Builtin: r.Builtin,
		Permissions: make([]string, 0, len(r.Permissions)), Scopes: make(map[string]string, len(r.Scopes))}
	for _, p := range r.Permissions {
		out.Permissions = append(out.Permissions, string(p))
	}
	for k, s := range r.Scopes {
		out.Scopes[k] = string(s)
	}
	return out
}

func adminToken(t identity.APIToken) AdminAPIToken {
	return AdminAPIToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		LastUsedAt: optTime(t.LastUsedAt), ExpiresAt: optTime(t.ExpiresAt), RevokedAt: optTime(t.RevokedAt)}
}

// optTime is nil for the zero time, so JSON leaves the field out.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
