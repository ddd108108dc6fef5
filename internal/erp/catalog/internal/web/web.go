// Package web serves the catalog's screens and its REST operations. Both
// only translate between HTTP and the catalog service, which checks
// permissions and rules.
package web

import (
	"net/http"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/core"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/module"
)

type handler struct {
	svc   *core.Service
	pages erpui.Pages
}

// Register adds the catalog's screens to env.Router and its operations to env.API.
func Register(env *module.Env, svc *core.Service) {
	h := &handler{svc: svc, pages: erpui.Pages{Page: env.Page, Log: env.Log}}
	rt := env.Router
	read, manage := domain.PermRead, domain.PermManage
	rt.HandleFunc("GET /erp/items", read, h.itemList)
	rt.HandleFunc("GET /erp/items/new", manage, h.itemNew)
	rt.HandleFunc("POST /erp/items", manage, h.itemCreate)
	rt.HandleFunc("GET /erp/items/{id}", read, h.itemShow)
	rt.HandleFunc("GET /erp/items/{id}/edit", manage, h.itemEdit)
	rt.HandleFunc("GET /erp/items/{id}/labels", read, h.itemLabels)
	rt.HandleFunc("POST /erp/items/{id}", manage, h.itemUpdate)
	rt.HandleFunc("POST /erp/items/{id}/revisions", manage, h.revisionAdd)
	rt.HandleFunc("GET /erp/items/import", manage, h.importForm)
	rt.HandleFunc("GET /erp/items/import/template", read, h.importTemplate)
	rt.HandleFunc("POST /erp/items/import", manage, h.importUpload)
	rt.HandleFunc("POST /erp/item-imports/{id}", manage, h.importCommit)
	rt.HandleFunc("GET /erp/categories", read, h.categoryList)
	rt.HandleFunc("POST /erp/categories", manage, h.categoryCreate)
	rt.HandleFunc("GET /erp/categories/{id}/edit", manage, h.categoryEdit)
	rt.HandleFunc("POST /erp/categories/{id}", manage, h.categoryUpdate)
	rt.HandleFunc("GET /erp/uoms", read, h.uomList)
	rt.HandleFunc("POST /erp/uoms", manage, h.uomCreate)
	rt.HandleFunc("GET /erp/uoms/{id}/edit", manage, h.uomEdit)
	rt.HandleFunc("POST /erp/uoms/{id}", manage, h.uomUpdate)
	h.operations(env)
}

// can reports whether the signed-in user holds perm.
func can(r *http.Request, perm authz.Permission) bool {
	return authz.FromContext(r.Context()).Can(perm)
}
