package identity_test

import (
	"context"
	"net/http"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Wiring at start-up: migrate and seed the platform database, then put the
// security headers and the principal middleware around every route, each
// route behind the permission it needs.
func ExampleMiddleware() {
	var (
		ctx      context.Context
		platform *db.DB // the platform unit's database
		auditLog http.Handler
	)
	if err := identity.Migrate(ctx, platform); err != nil {
		panic(err)
	}
	svc := identity.NewService(platform, identity.Options{})
	if err := identity.EnsureSeed(ctx, svc); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /audit", identity.Guard(identity.PermAuditRead, auditLog))
	_ = http.ListenAndServe(":8080", identity.SecurityHeaders(identity.Middleware(svc)(mux)))
}

// `loom user create` acts as the system to make the first administrator.
func ExampleDBService_CreateUser() {
	var svc *identity.DBService
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	_, _ = svc.CreateUser(ctx, identity.NewUser{
		Login: "admin", Name: "Administrator", Password: "a long passphrase", Roles: []string{identity.RoleAdmin},
	})
}
