// Package module is the contract between a Loom module and the process that
// runs it: what the module brings (migrations, messages, navigation) and what
// it is given to wire itself (its unit's database, the event bus, the web
// router and the REST API).
package module

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Module describes one module of a unit.
type Module struct {
	// Unit is the unit whose database the module writes: crm, erp, mes, bi.
	Unit string
	// Name is the module's name, used for its migration version table.
	Name string
	// Migrations holds the folders sqlite and postgres; nil when the module has none.
	Migrations fs.FS
	// Nav lists the module's entries in its unit's section of the navigation.
	Nav []webui.NavItem
	// Wire registers the module's routes, operations, consumers and checkers.
	Wire func(ctx context.Context, env *Env) error
}

// Env is what a module is given to wire itself.
type Env struct {
	DB     *db.DB
	Bus    *bus.Bus
	API    *api.API
	Router *webui.Router
	Log    *slog.Logger
	Now    func() time.Time
	// Page fills the parts of a page every screen shares (user, navigation,
	// unread notifications) from the request.
	Page func(r *http.Request, p webui.Page) webui.Page
}
