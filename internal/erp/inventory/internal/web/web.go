// Package web serves the inventory's screens — stock lists, the ledger,
// warehouse set-up and the scanner-friendly receive, issue, transfer,
// adjust and scrap forms — and its REST operations.
package web

import (
	"net/http"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/core"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/module"
)

type handler struct {
	svc   *core.Service
	pages erpui.Pages
}

// Register adds the inventory's screens to env.Router and its operations to env.API.
func Register(env *module.Env, svc *core.Service) {
	h := &handler{svc: svc, pages: erpui.Pages{Page: env.Page, Log: env.Log}}
	rt := env.Router
	read := domain.PermRead
	rt.HandleFunc("GET /erp/stock", read, h.stockList)
	rt.HandleFunc("GET /erp/stock/items/{id}", read, h.itemStock)
	rt.HandleFunc("GET /erp/stock/moves", read, h.moveList)
	rt.HandleFunc("GET /erp/stock/docs/{id}", read, h.docShow)
	rt.HandleFunc("GET /erp/stock/docs/{id}/labels", read, h.docLabels)
	rt.HandleFunc("GET /erp/stock/value", domain.PermValue, h.valuePage)
	for _, op := range operations {
		rt.HandleFunc("GET /erp/stock/"+op.path, op.perm, h.opForm(op))
		rt.HandleFunc("POST /erp/stock/"+op.path, op.perm, h.opPost(op))
	}
	rt.HandleFunc("GET /erp/warehouses", read, h.warehouseList)
	rt.HandleFunc("POST /erp/warehouses", domain.PermWarehouse, h.warehouseCreate)
	rt.HandleFunc("GET /erp/warehouses/{id}", read, h.warehouseShow)
	rt.HandleFunc("POST /erp/warehouses/{id}", domain.PermWarehouse, h.warehouseUpdate)
	rt.HandleFunc("POST /erp/warehouses/{id}/locations", domain.PermWarehouse, h.locationCreate)
	rt.HandleFunc("GET /erp/warehouses/{id}/labels", read, h.locationLabels)
	rt.HandleFunc("GET /erp/locations/{id}/edit", domain.PermWarehouse, h.locationEdit)
	rt.HandleFunc("POST /erp/locations/{id}", domain.PermWarehouse, h.locationUpdate)
	h.operations(env)
	h.countOperations(env)
	h.countRoutes(env)
	h.traceRoutes(env)
}

// operation is one of the clerk's stock documents and its screen.
type operation struct {
	path  string
	kind  domain.DocKind
	perm  authz.Permission
	label string // message id of its tab and title
}

var operations = []operation{
	{"receive", domain.DocReceipt, domain.PermMove, "erp.inventory.op.receive"},
	{"issue", domain.DocIssue, domain.PermMove, "erp.inventory.op.issue"},
	{"transfer", domain.DocTransfer, domain.PermMove, "erp.inventory.op.transfer"},
	{"adjust", domain.DocAdjustment, domain.PermAdjust, "erp.inventory.op.adjust"},
	{"scrap", domain.DocScrap, domain.PermAdjust, "erp.inventory.op.scrap"},
}

func can(r *http.Request, perm authz.Permission) bool {
	return authz.FromContext(r.Context()).Can(perm)
}
