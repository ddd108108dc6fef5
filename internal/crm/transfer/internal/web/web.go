// Package web serves the import screens, the template downloads and the
// import REST operations.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Handler serves the screens and operations.
type Handler struct {
	kit *crmui.Kit
	svc transfer.Service
}

// New returns the handler.
func New(kit *crmui.Kit, svc transfer.Service) *Handler { return &Handler{kit: kit, svc: svc} }

// Wire registers the routes and operations.
func (h *Handler) Wire() {
	k := h.kit
	k.Handle("GET /crm/import", transfer.PermImport, h.start)
	k.Handle("POST /crm/import", transfer.PermImport, h.upload)
	k.Handle("GET /crm/import/template/{kind}", transfer.PermImport, h.template)
	k.Handle("GET /crm/import/{id}", transfer.PermImport, h.report)
	k.Handle("POST /crm/import/{id}/map", transfer.PermImport, h.remap)
	k.Handle("POST /crm/import/{id}/run", transfer.PermImport, h.run)
	h.operations()
}

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

type startView struct {
	Kind   transfer.Kind
	Recent []transfer.Report
	Error  string
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	v := startView{Kind: transfer.Kind(r.URL.Query().Get("kind"))}
	h.showStart(w, r, http.StatusOK, v)
}

func (h *Handler) showStart(w http.ResponseWriter, r *http.Request, status int, v startView) {
	var err error
	if v.Recent, err = h.svc.Recent(r.Context()); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, status, webui.Page{Title: "crm.import.title", Active: "crm.import"}, startPage(v))
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, transfer.MaxBytes+1<<20)
	v := startView{}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			v.Error = t(r.Context(), "crm.import.error.too_large", map[string]any{"MB": transfer.MaxBytes >> 20})
		} else {
			v.Error = t(r.Context(), "crm.import.error.file")
		}
		h.showStart(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	defer r.MultipartForm.RemoveAll()
	v.Kind = transfer.Kind(r.FormValue("kind"))
	var data []byte
	name := ""
	if f, hdr, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(io.LimitReader(f, transfer.MaxBytes+1))
		f.Close()
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		name = hdr.Filename
	}
	rep, err := h.svc.Upload(r.Context(), v.Kind, name, data)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Kind != apperr.KindInternal {
			_, v.Error, _ = crmui.FormErrors(r.Context(), err, "-") // every field is told above the form
			h.showStart(w, r, apperr.Status(err), v)
			return
		}
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/crm/import/"+rep.ID, http.StatusSeeOther)
}

func (h *Handler) template(w http.ResponseWriter, r *http.Request) {
	kind := transfer.Kind(r.PathValue("kind"))
	data, err := h.svc.Template(r.Context(), kind)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	name := t(r.Context(), "crm.import.kind_label."+string(kind)) + ".xlsx"
	crmui.Attachment(w, name, crmui.XLSXType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

type reportView struct {
	Rep     *transfer.Report
	Columns []transfer.Column
	Error   string
	Flash   bool
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.showReport(w, r, http.StatusOK, rep, "")
}

func (h *Handler) showReport(w http.ResponseWriter, r *http.Request, status int, rep *transfer.Report, msg string) {
	v := reportView{Rep: rep, Columns: h.svc.Columns(rep.Kind), Error: msg}
	h.kit.Show(w, r, status, webui.Page{Title: "crm.import.title", Active: "crm.import"}, reportPage(v))
}

func (h *Handler) remap(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	n, _ := strconv.Atoi(r.PostForm.Get("columns"))
	if n < 0 || n > 500 {
		n = 0
	}
	mapping := make([]string, n)
	for i := range mapping {
		mapping[i] = r.PostForm.Get("map[" + strconv.Itoa(i) + "]")
	}
	if _, err := h.svc.Map(r.Context(), id, mapping); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/crm/import/"+url.PathEscape(id), http.StatusSeeOther)
}

func (h *Handler) run(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	rep, err := h.svc.Run(r.Context(), id, transfer.Mode(r.PostForm.Get("mode")))
	if err != nil {
		e, ok := apperr.As(err)
		if ok && e.Kind != apperr.KindInternal && rep != nil {
			h.showReport(w, r, apperr.Status(err), rep, crmui.Message(r.Context(), e))
			return
		}
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/import/"+id, "import_done")
}

// problemText is a problem's reason in the language of ctx.
func problemText(ctx context.Context, p transfer.Problem) string {
	if i18n.Has(p.Key) {
		return i18n.T(ctx, p.Key, p.Params)
	}
	return p.Message
}

func fieldLabel(ctx context.Context, cols []transfer.Column, field string) string {
	for _, c := range cols {
		if c.Field == field {
			return t(ctx, c.Label)
		}
	}
	return field
}

func summary(ctx context.Context, rep *transfer.Report) string {
	return t(ctx, "crm.import.summary", map[string]any{"Rows": rep.Rows, "Good": rep.Good, "Bad": rep.BadRows()})
}

func count(n int) string { return fmt.Sprint(n) }

func mapped(rep *transfer.Report, i int) string {
	if i < len(rep.Mapping) {
		return rep.Mapping[i]
	}
	return ""
}

// sample shows a column's first values.
func sample(rep *transfer.Report, i int) string {
	var out []string
	for _, r := range rep.Sample {
		if i < len(r) && r[i] != "" {
			out = append(out, r[i])
		}
		if len(out) == 3 {
			break
		}
	}
	return strings.Join(out, " · ")
}
