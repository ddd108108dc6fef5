// Package directory is the CRM's own list of the people who sell: every user
// who has worked in the CRM, with their name, team and roles, so that owners
// can be shown, picked and scoped by team without asking the platform unit.
//
// The platform unit owns users. The CRM keeps a copy, filled three ways:
// whenever a signed-in user works in the CRM (Observe), from the platform's
// user events, and as pending users named by login (demo data, imports)
// before the person first signs in. When they do, the pending user is adopted:
// every record owned by the pending id moves to the real user id, through
// the hooks modules register with OnAdopt.
package directory

import (
	"context"
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// ServiceName is the name the directory is provided under in module.Services.
const ServiceName = "crm.directory"

// User is a person the CRM knows.
type User struct {
	ID     string   `json:"id"`
	Login  string   `json:"login"`
	Name   string   `json:"name"`
	TeamID string   `json:"team_id,omitempty"`
	Roles  []string `json:"roles"`
	Active bool     `json:"active"`
	// Pending marks a user named by login who has not signed in to the CRM yet.
	Pending bool `json:"pending"`
}

// Filter selects users for List; empty fields match everything.
type Filter struct {
	// Role keeps users holding this role.
	Role string
	// TeamID keeps the members of a team.
	TeamID string
	// IncludeInactive lists disabled users too.
	IncludeInactive bool
}

// AdoptFunc moves everything a pending user owns to the real user id; it
// runs inside the adopting transaction.
type AdoptFunc func(ctx context.Context, pendingID, userID string) error

// Service is the directory.
type Service interface {
	// Observe records the principal acting on a request as a CRM user, and
	// adopts a pending user of the same login. It writes only when something
	// changed since the last time this process saw the principal.
	Observe(ctx context.Context, p *authz.Principal) error
	// Get returns a user by id.
	Get(ctx context.Context, id string) (*User, error)
	// ByLogin returns a user by login, pending users included.
	ByLogin(ctx context.Context, login string) (*User, error)
	// Names returns the names of the given user ids; unknown ids are left out.
	Names(ctx context.Context, ids []string) (map[string]string, error)
	// List returns users by name.
	List(ctx context.Context, f Filter) ([]User, error)
	// EnsurePending returns the id of the user with this login, creating a
	// pending user when there is none. teamKey groups pending users of one
	// team until one of them signs in and brings the team's real id.
	EnsurePending(ctx context.Context, login, name, teamKey string, roles []string) (string, error)
	// OnAdopt registers a hook that runs when a pending user is adopted.
	OnAdopt(f AdoptFunc)
}

//go:embed migrations
var migrations embed.FS

// Migrations holds the module's sqlite and postgres migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}
