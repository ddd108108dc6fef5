package web

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/core"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// ---- item list ----

type itemsView struct {
	Filter     domain.ItemFilter
	Page       core.ItemPage
	Categories []domain.CatalogCategory
	CanManage  bool
	FirstHref  templ.SafeURL
	NextHref   templ.SafeURL
}

func (h *handler) itemList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := domain.ItemFilter{Query: q.Get("q"), Kind: domain.Kind(q.Get("kind")), CategoryID: q.Get("category_id"),
		Status: domain.Status(q.Get("status")), Cursor: q.Get("cursor"), Limit: 50}
	page, err := h.svc.Items(r.Context(), f)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	cats, err := h.svc.Categories(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := itemsView{Filter: f, Page: page, Categories: cats, CanManage: can(r, domain.PermManage)}
	if f.Cursor != "" {
		v.FirstHref = erpui.ListHref(r, "cursor", "")
	}
	if page.Next != "" {
		v.NextHref = erpui.ListHref(r, "cursor", page.Next)
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, http.StatusOK, itemResults(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.items.title", Active: "erp-items"}, itemsPage(v))
}

// ---- item form ----

type itemForm struct {
	ID, Code, Name, NameEN, Spec, Kind, CategoryID, Tracking string
	UoMID, PurchaseUoMID, PurchaseFactor, SalesUoMID         string
	SalesFactor, VATRate, LeadTime, ListPrice, FloorPrice    string
	Currency, Status                                         string
	Sellable                                                 bool
	Version                                                  int64
	Errors                                                   map[string]string
	UoMs                                                     []domain.CatalogUoM
	Categories                                               []domain.CatalogCategory
}

func formOf(it domain.CatalogItem) itemForm {
	f := itemForm{ID: it.ID, Code: it.Code, Name: it.Name, NameEN: it.NameEN, Spec: it.Spec, Kind: string(it.Kind),
		CategoryID: it.CategoryID, Tracking: string(it.Tracking), UoMID: it.UoMID, VATRate: erpui.Percent(it.VATRate),
		LeadTime: strconv.Itoa(it.LeadTimeDays), ListPrice: erpui.PriceOrEmpty(it.ListPrice), FloorPrice: erpui.PriceOrEmpty(it.FloorPrice),
		Currency: it.Currency, Status: string(it.Status), Sellable: it.Sellable, Version: it.Version}
	if it.PurchaseUoMID != it.UoMID {
		f.PurchaseUoMID, f.PurchaseFactor = it.PurchaseUoMID, it.PurchaseFactor.String()
	}
	if it.SalesUoMID != it.UoMID {
		f.SalesUoMID, f.SalesFactor = it.SalesUoMID, it.SalesFactor.String()
	}
	return f
}

// readItemForm reads a posted item form; the returned form keeps what was
// typed, to show it again with its errors.
func readItemForm(r *http.Request) (itemForm, domain.CatalogItemInput, error) {
	fr := erpui.NewForm(r.PostForm)
	f := itemForm{Code: fr.Text("code"), Name: fr.Text("name"), NameEN: fr.Text("name_en"), Spec: fr.Text("spec"),
		Kind: fr.Text("kind"), CategoryID: fr.Text("category_id"), Tracking: fr.Text("tracking"), UoMID: fr.Text("uom_id"),
		PurchaseUoMID: fr.Text("purchase_uom_id"), PurchaseFactor: fr.Text("purchase_factor"), SalesUoMID: fr.Text("sales_uom_id"),
		SalesFactor: fr.Text("sales_factor"), VATRate: fr.Text("vat_rate"), LeadTime: fr.Text("lead_time_days"),
		ListPrice: fr.Text("list_price"), FloorPrice: fr.Text("floor_price"), Currency: fr.Text("currency"),
		Status: fr.Text("status"), Sellable: fr.Bool("sellable")}
	f.Version, _ = strconv.ParseInt(fr.Text("version"), 10, 64)
	in := domain.CatalogItemInput{Code: f.Code, Name: f.Name, NameEN: f.NameEN, Spec: f.Spec, Kind: domain.Kind(f.Kind),
		CategoryID: f.CategoryID, Tracking: domain.Tracking(f.Tracking), UoMID: f.UoMID,
		PurchaseUoMID: f.PurchaseUoMID, PurchaseFactor: fr.Quantity("purchase_factor"),
		SalesUoMID: f.SalesUoMID, SalesFactor: fr.Quantity("sales_factor"), VATRate: fr.Percent("vat_rate"),
		LeadTimeDays: fr.Int("lead_time_days", 0), ListPrice: fr.UnitPrice("list_price"), FloorPrice: fr.UnitPrice("floor_price"),
		Currency: f.Currency, Sellable: f.Sellable, Status: domain.Status(f.Status)}
	if fr.Err() != nil {
		rules := in
		if f.Version > 0 {
			rules.Code = "KEEP" // the code of an item being edited is not in the form
		}
		rules.Normalize()
		fr.Merge(rules.Validate())
	}
	return f, in, fr.Err()
}

func (h *handler) withChoices(ctx context.Context, f *itemForm) error {
	var err error
	if f.UoMs, err = h.svc.UoMs(ctx); err != nil {
		return err
	}
	f.Categories, err = h.svc.Categories(ctx)
	return err
}

func (h *handler) itemNew(w http.ResponseWriter, r *http.Request) {
	f := itemForm{Kind: string(domain.KindFinished), Tracking: string(domain.TrackingNone), VATRate: "13",
		Currency: domain.DefaultCurrency, Status: string(domain.StatusActive), Sellable: true}
	if err := h.withChoices(r.Context(), &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.item.new_title", Active: "erp-items"}, itemFormPage(f))
}

func (h *handler) itemCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in, err := readItemForm(r)
	if err == nil {
		var it domain.CatalogItem
		if it, err = h.svc.CreateItem(r.Context(), in); err == nil {
			erpui.Redirect(w, r, "/erp/items/"+it.ID, "erp.catalog.flash.item_created")
			return
		}
	}
	h.itemFormError(w, r, f, err, "erp.catalog.item.new_title")
}

func (h *handler) itemFormError(w http.ResponseWriter, r *http.Request, f itemForm, err error, title string) {
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	if cerr := h.withChoices(r.Context(), &f); cerr != nil {
		h.pages.Fail(w, r, cerr)
		return
	}
	h.pages.ShowError(w, r, err, webui.Page{Title: title, Active: "erp-items"}, itemFormPage(f))
}

func (h *handler) itemEdit(w http.ResponseWriter, r *http.Request) {
	it, err := h.svc.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := formOf(it)
	if err := h.withChoices(r.Context(), &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.item.title", Active: "erp-items"}, itemFormPage(f))
}

func (h *handler) itemUpdate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	f, in, err := readItemForm(r)
	f.ID = id
	if err == nil {
		if _, err = h.svc.UpdateItem(r.Context(), id, f.Version, in); err == nil {
			erpui.Redirect(w, r, "/erp/items/"+id, "erp.catalog.flash.item_saved")
			return
		}
	}
	if it, gerr := h.svc.Item(r.Context(), id); gerr == nil {
		f.Code = it.Code
	}
	h.itemFormError(w, r, f, err, "erp.catalog.item.title")
}

// ---- item page ----

type itemView struct {
	Item      domain.CatalogItem
	Revisions []domain.CatalogRevision
	CanManage bool
	Rev       revisionForm
}

type revisionForm struct {
	Revision, Note, EffectiveDate string
	Errors                        map[string]string
}

func (h *handler) itemShow(w http.ResponseWriter, r *http.Request) {
	h.showItem(w, r, http.StatusOK, revisionForm{}, nil)
}

func (h *handler) showItem(w http.ResponseWriter, r *http.Request, status int, rev revisionForm, formErr error) {
	it, err := h.svc.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	revs, err := h.svc.Revisions(r.Context(), it.ID)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := itemView{Item: it, Revisions: revs, CanManage: can(r, domain.PermManage), Rev: rev}
	page := webui.Page{Title: it.Code + " " + it.Name, Active: "erp-items"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, page, itemPage(v))
		return
	}
	h.pages.Show(w, r, status, page, itemPage(v))
}

// itemLabels prints barcode labels of an item's code, as many as asked for
// (1 to 100).
func (h *handler) itemLabels(w http.ResponseWriter, r *http.Request) {
	it, err := h.svc.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	copies := 1
	if n, err := strconv.Atoi(r.URL.Query().Get("copies")); err == nil {
		copies = min(max(n, 1), 100)
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: it.Code + " " + it.Name, Active: "erp-items"}, itemLabelsPage(it, copies))
}

func (h *handler) revisionAdd(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	rf := revisionForm{Revision: fr.Text("revision"), Note: fr.Text("note"), EffectiveDate: fr.Text("effective_date")}
	id := r.PathValue("id")
	_, err := h.svc.AddRevision(r.Context(), id, domain.CatalogRevisionInput{Revision: rf.Revision, Note: rf.Note, EffectiveDate: rf.EffectiveDate})
	if err == nil {
		erpui.Redirect(w, r, "/erp/items/"+id, "erp.catalog.flash.revision_added")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	rf.Errors = errs
	h.showItem(w, r, http.StatusUnprocessableEntity, rf, err)
}

// ---- categories ----

type categoriesView struct {
	Categories []domain.CatalogCategory
	CanManage  bool
	Form       categoryForm
}

type categoryForm struct {
	ID, Code, Name, NameEN, ParentID, Status string
	Errors                                   map[string]string
	Categories                               []domain.CatalogCategory
}

func (h *handler) categoryList(w http.ResponseWriter, r *http.Request) {
	h.showCategories(w, r, categoryForm{Status: string(domain.StatusActive)}, nil)
}

func (h *handler) showCategories(w http.ResponseWriter, r *http.Request, f categoryForm, formErr error) {
	cats, err := h.svc.Categories(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f.Categories = cats
	v := categoriesView{Categories: cats, CanManage: can(r, domain.PermManage), Form: f}
	page := webui.Page{Title: "erp.catalog.categories.title", Active: "erp-items"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, page, categoriesPage(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, page, categoriesPage(v))
}

func readCategoryForm(r *http.Request) (categoryForm, domain.CatalogCategoryInput) {
	fr := erpui.NewForm(r.PostForm)
	f := categoryForm{Code: fr.Text("code"), Name: fr.Text("name"), NameEN: fr.Text("name_en"), ParentID: fr.Text("parent_id"), Status: fr.Text("status")}
	return f, domain.CatalogCategoryInput{Code: f.Code, Name: f.Name, NameEN: f.NameEN, ParentID: f.ParentID, Status: domain.Status(f.Status)}
}

func (h *handler) categoryCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in := readCategoryForm(r)
	_, err := h.svc.CreateCategory(r.Context(), in)
	if err == nil {
		erpui.Redirect(w, r, "/erp/categories", "erp.catalog.flash.category_created")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showCategories(w, r, f, err)
}

func (h *handler) categoryEdit(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Category(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := categoryForm{ID: c.ID, Code: c.Code, Name: c.Name, NameEN: c.NameEN, ParentID: c.ParentID, Status: string(c.Status)}
	h.showCategoryEdit(w, r, f, nil)
}

func (h *handler) showCategoryEdit(w http.ResponseWriter, r *http.Request, f categoryForm, formErr error) {
	cats, err := h.svc.Categories(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f.Categories = cats
	page := webui.Page{Title: "erp.catalog.categories.title", Active: "erp-items"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, page, categoryEditPage(f))
		return
	}
	h.pages.Show(w, r, http.StatusOK, page, categoryEditPage(f))
}

func (h *handler) categoryUpdate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in := readCategoryForm(r)
	f.ID = r.PathValue("id")
	_, err := h.svc.UpdateCategory(r.Context(), f.ID, in)
	if err == nil {
		erpui.Redirect(w, r, "/erp/categories", "erp.catalog.flash.category_saved")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showCategoryEdit(w, r, f, err)
}

// ---- units of measure ----

type uomsView struct {
	UoMs      []domain.CatalogUoM
	CanManage bool
	Form      uomForm
}

type uomForm struct {
	ID, Code, Name, NameEN, Precision, Status string
	Errors                                    map[string]string
}

func (h *handler) uomList(w http.ResponseWriter, r *http.Request) {
	h.showUoMs(w, r, uomForm{Precision: "0", Status: string(domain.StatusActive)}, nil)
}

func (h *handler) showUoMs(w http.ResponseWriter, r *http.Request, f uomForm, formErr error) {
	uoms, err := h.svc.UoMs(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := uomsView{UoMs: uoms, CanManage: can(r, domain.PermManage), Form: f}
	page := webui.Page{Title: "erp.catalog.uoms.title", Active: "erp-items"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, page, uomsPage(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, page, uomsPage(v))
}

func readUoMForm(r *http.Request) (uomForm, domain.CatalogUoMInput, error) {
	fr := erpui.NewForm(r.PostForm)
	f := uomForm{Code: fr.Text("code"), Name: fr.Text("name"), NameEN: fr.Text("name_en"), Precision: fr.Text("precision"), Status: fr.Text("status")}
	in := domain.CatalogUoMInput{Code: f.Code, Name: f.Name, NameEN: f.NameEN, Precision: fr.Int("precision", 0), Status: domain.Status(f.Status)}
	return f, in, fr.Err()
}

func (h *handler) uomCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in, err := readUoMForm(r)
	if err == nil {
		if _, err = h.svc.CreateUoM(r.Context(), in); err == nil {
			erpui.Redirect(w, r, "/erp/uoms", "erp.catalog.flash.uom_created")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showUoMs(w, r, f, err)
}

func (h *handler) uomEdit(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.UoM(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := uomForm{ID: u.ID, Code: u.Code, Name: u.Name, NameEN: u.NameEN, Precision: strconv.Itoa(u.Precision), Status: string(u.Status)}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.uoms.title", Active: "erp-items"}, uomEditPage(f))
}

func (h *handler) uomUpdate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in, err := readUoMForm(r)
	f.ID = r.PathValue("id")
	if err == nil {
		if _, err = h.svc.UpdateUoM(r.Context(), f.ID, in); err == nil {
			erpui.Redirect(w, r, "/erp/uoms", "erp.catalog.flash.uom_saved")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.pages.ShowError(w, r, err, webui.Page{Title: "erp.catalog.uoms.title", Active: "erp-items"}, uomEditPage(f))
}

// ---- import ----

func (h *handler) importForm(w http.ResponseWriter, r *http.Request) {
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.import.title", Active: "erp-items"}, importPage(""))
}

func (h *handler) importTemplate(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Template(r.Context(), i18n.Lang(r.Context()))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="loom-items.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (h *handler) importUpload(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, core.MaxImportBytes+64<<10); err != nil {
		h.pages.ShowError(w, r, err, webui.Page{Title: "erp.catalog.import.title", Active: "erp-items"}, importPage(""))
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		err = apperr.Invalid("file", "erp.catalog.import.not_workbook", "Choose an Excel workbook (.xlsx)")
		h.pages.ShowError(w, r, err, webui.Page{Title: "erp.catalog.import.title", Active: "erp-items"}, importPage(erpui.Message(r.Context(), err)))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, core.MaxImportBytes+1))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	imp, err := h.svc.PreviewImport(r.Context(), hdr.Filename, data)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindInvalid {
			h.pages.ShowError(w, r, err, webui.Page{Title: "erp.catalog.import.title", Active: "erp-items"}, importPage(erpui.Message(r.Context(), err)))
			return
		}
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.import.preview_title", Active: "erp-items"}, importPreviewPage(imp))
}

func (h *handler) importCommit(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	res, err := h.svc.CommitImport(r.Context(), id, r.PostForm.Get("mode") == "valid")
	if err != nil {
		imp, lerr := h.svc.LoadImport(r.Context(), id)
		if lerr != nil || apperr.KindOf(err) == apperr.KindInternal {
			h.pages.Fail(w, r, err)
			return
		}
		h.pages.ShowError(w, r, err, webui.Page{Title: "erp.catalog.import.preview_title", Active: "erp-items"}, importPreviewPage(imp))
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.catalog.import.result_title", Active: "erp-items"}, importResultPage(res))
}

// cellError is one problem of an import row in the user's language.
func cellError(ctx context.Context, e core.ImportError) string {
	header := e.Field
	if c, ok := core.ColumnOf(e.Field); ok {
		header = i18n.T(ctx, c.Label)
	}
	return i18n.T(ctx, "erp.catalog.import.cell_error", map[string]any{
		"Column": e.Column, "Header": header, "Message": i18n.T(ctx, e.Key, e.Params),
	})
}
