// Package admin serves the platform's administration screens and their REST
// operations: users and roles, the caller's own API tokens and password, the
// audit log of every unit, and the event bus's dead letters.
//
// It holds no rules of its own. Every screen and operation calls the identity
// service, audit.Search or the bus, which check the caller's permissions
// again, so the web UI and the API cannot disagree. Screens are rendered on
// the server; every change is a POST that redirects back with a flash
// message (post/redirect/get), except a new API token, whose secret is shown
// once on the page that answers the POST.
package admin

import (
	"cmp"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

//go:embed locales/*.toml
var locales embed.FS

func init() {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	i18n.Register(sub)
}

// Deps is what the administration screens need from the process that runs them.
type Deps struct {
	// Identity manages users, roles, tokens and passwords.
	Identity *identity.DBService
	// Bus lists and replays dead letters.
	Bus *bus.Bus
	// UnitDBs holds every unit database of this process by unit name
	// (platform, crm, erp, mes, bi); each has its own audit log.
	UnitDBs map[string]*db.DB
	// Router and API receive the screens and the REST operations.
	Router *webui.Router
	API    *api.API
	// Page fills what every screen shares (user, navigation, unread count).
	Page func(r *http.Request, p webui.Page) webui.Page
	// Log receives failures users see only as a generic error; slog.Default() if nil.
	Log *slog.Logger
}

// handler serves the screens and operations of one process.
type handler struct {
	id    *identity.DBService
	bus   *bus.Bus
	dbs   map[string]*db.DB
	units []string // names of dbs, platform first
	page  func(r *http.Request, p webui.Page) webui.Page
	log   *slog.Logger
}

// Wire registers the administration screens on d.Router and the REST
// operations on d.API. It panics when a dependency is missing, so a wiring
// mistake stops Loom at start-up.
func Wire(d Deps) {
	switch {
	case d.Identity == nil, d.Bus == nil, d.Router == nil, d.API == nil, d.Page == nil:
		panic("admin: Wire needs Identity, Bus, Router, API and Page")
	case len(d.UnitDBs) == 0:
		panic("admin: Wire needs the unit databases")
	}
	h := &handler{id: d.Identity, bus: d.Bus, dbs: d.UnitDBs, page: d.Page, log: cmp.Or(d.Log, slog.Default())}
	for u := range d.UnitDBs {
		h.units = append(h.units, u)
	}
	slices.SortFunc(h.units, compareUnits)
	h.routes(d.Router)
	h.operations(d.API)
}

// compareUnits orders units as Loom starts them, then others by name.
func compareUnits(a, b string) int {
	rank := func(u string) int {
		if i := slices.Index(db.Units, u); i >= 0 {
			return i
		}
		return len(db.Units)
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

// defaultUnit is the unit whose audit log a search reads when none is chosen.
func (h *handler) defaultUnit() string {
	if _, ok := h.dbs["platform"]; ok {
		return "platform"
	}
	return h.units[0]
}
