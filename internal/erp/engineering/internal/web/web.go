// Package web serves engineering's screens and its REST operations. Both
// only translate between HTTP and the engineering service, which checks
// permissions and rules.
package web

import (
	"net/http"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/core"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/module"
)

type handler struct {
	svc   *core.Service
	pages erpui.Pages
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Register adds engineering's screens to env.Router and its operations to env.API.
func Register(env *module.Env, svc *core.Service) {
	h := &handler{svc: svc, pages: erpui.Pages{Page: env.Page, Log: env.Log}}
	rt := env.Router
	read, write := domain.PermRead, domain.PermWrite
	rt.HandleFunc("GET /erp/engineering/boms", read, h.bomList)
	rt.HandleFunc("GET /erp/engineering/boms/new", write, h.bomNew)
	rt.HandleFunc("POST /erp/engineering/boms", write, h.bomCreate)
	rt.HandleFunc("GET /erp/engineering/boms/{id}", read, h.bomShow)
	rt.HandleFunc("GET /erp/engineering/boms/{id}/edit", write, h.bomEdit)
	rt.HandleFunc("POST /erp/engineering/boms/{id}", write, h.bomUpdate)
	rt.HandleFunc("POST /erp/engineering/boms/{id}/release", write, h.bomRelease)
	rt.HandleFunc("POST /erp/engineering/boms/{id}/obsolete", write, h.bomObsolete)
	rt.HandleFunc("POST /erp/engineering/boms/{id}/delete", write, h.bomDelete)
	rt.HandleFunc("POST /erp/engineering/boms/{id}/copy", write, h.bomCopy)
	rt.HandleFunc("GET /erp/engineering/explode", read, h.explodePage)
	rt.HandleFunc("GET /erp/engineering/where-used", read, h.whereUsedPage)
	rt.HandleFunc("GET /erp/engineering/routings", read, h.routingList)
	rt.HandleFunc("GET /erp/engineering/routings/new", write, h.routingNew)
	rt.HandleFunc("POST /erp/engineering/routings", write, h.routingCreate)
	rt.HandleFunc("GET /erp/engineering/routings/{id}", read, h.routingShow)
	rt.HandleFunc("GET /erp/engineering/routings/{id}/edit", write, h.routingEdit)
	rt.HandleFunc("POST /erp/engineering/routings/{id}", write, h.routingUpdate)
	rt.HandleFunc("POST /erp/engineering/routings/{id}/release", write, h.routingRelease)
	rt.HandleFunc("POST /erp/engineering/routings/{id}/obsolete", write, h.routingObsolete)
	rt.HandleFunc("POST /erp/engineering/routings/{id}/copy", write, h.routingCopy)
	rt.HandleFunc("GET /erp/engineering/work-centers", read, h.workCenterList)
	rt.HandleFunc("POST /erp/engineering/work-centers", write, h.workCenterCreate)
	rt.HandleFunc("GET /erp/engineering/work-centers/{id}/edit", write, h.workCenterEdit)
	rt.HandleFunc("POST /erp/engineering/work-centers/{id}", write, h.workCenterUpdate)
	rt.HandleFunc("GET /erp/engineering/boms/import", write, h.importForm)
	rt.HandleFunc("GET /erp/engineering/boms/import/template", read, h.importTemplate)
	rt.HandleFunc("POST /erp/engineering/boms/import", write, h.importUpload)
	rt.HandleFunc("POST /erp/engineering/bom-imports/{id}", write, h.importCommit)
	h.operations(env)
}

// can reports whether the signed-in user holds perm.
func can(r *http.Request, perm authz.Permission) bool {
	return authz.FromContext(r.Context()).Can(perm)
}

// quantityError names the quantity of an explosion that cannot be read.
func quantityError(err error) error {
	return apperr.InvalidFields(erpui.DecimalError("quantity", err))
}
