package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/core"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// blankRows is how many empty lines a BOM or routing form offers.
const blankRows = 5

// maxFormRows bounds the lines a form is read for.
const maxFormRows = domain.MaxLines

func page(title string) webui.Page {
	return webui.Page{Title: title, Active: "erp-engineering"}
}

// ---- BOM list ----

type bomsView struct {
	Query    string
	BOMs     []domain.EngBOM
	CanWrite bool
}

func (h *handler) bomList(w http.ResponseWriter, r *http.Request) {
	v := bomsView{Query: r.URL.Query().Get("item"), CanWrite: can(r, domain.PermWrite)}
	f := core.BOMFilter{Status: domain.Status(r.URL.Query().Get("status"))}
	if f.Status != "" && f.Status != domain.StatusDraft && f.Status != domain.StatusReleased && f.Status != domain.StatusObsolete {
		f.Status = ""
	}
	if v.Query != "" {
		it, ok, err := h.svc.LookupItem(r.Context(), v.Query)
		if err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		f.ItemID = "-"
		if ok {
			f.ItemID = it.ID
		}
	}
	boms, err := h.svc.BOMs(r.Context(), f)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v.BOMs = boms
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.boms.title"), bomsPage(v))
}

// ---- BOM form ----

type lineForm struct {
	Component, Quantity, Scrap, OperationSeq string
	Phantom                                  bool
}

type bomForm struct {
	ID, Item, ItemLabel, Version, From, To, Base, Note string
	Lines                                              []lineForm
	Errors                                             map[string]string
}

func (f bomForm) isNew() bool { return f.ID == "" }

func bomFormOf(b domain.EngBOM) bomForm {
	f := bomForm{ID: b.ID, Item: b.ItemCode, ItemLabel: b.ItemCode + " " + b.ItemName, Version: b.Version, From: b.EffectiveFrom,
		To: b.EffectiveTo, Base: b.BaseQuantity.String(), Note: b.Note}
	for _, l := range b.Lines {
		lf := lineForm{Component: l.ComponentCode, Quantity: l.Quantity.String(), Scrap: erpui.Percent(l.Scrap), Phantom: l.Phantom}
		if l.OperationSeq > 0 {
			lf.OperationSeq = strconv.Itoa(l.OperationSeq)
		}
		f.Lines = append(f.Lines, lf)
	}
	return f
}

func (f *bomForm) pad() {
	for range blankRows {
		f.Lines = append(f.Lines, lineForm{})
	}
}

var lineField = regexp.MustCompile(`^(lines|operations)\[(\d+)\]\.(.+)$`)

// formKey turns the field path of a service error (lines[2].quantity) into
// the name of the form input it came from (lines.5.quantity), through rows:
// the form row of each input line.
func formKey(field string, rows []int) string {
	m := lineField.FindStringSubmatch(field)
	if m == nil {
		return field
	}
	i, _ := strconv.Atoi(m[2])
	if i < len(rows) {
		i = rows[i]
	}
	return fmt.Sprintf("%s.%d.%s", m[1], i, m[3])
}

// readBOMForm reads a posted BOM form; blank lines are left out, and rows
// maps each input line to its form row.
func readBOMForm(r *http.Request) (bomForm, domain.EngBOMInput, []int, *erpui.Form) {
	fr := erpui.NewForm(r.PostForm)
	f := bomForm{Item: fr.Text("item"), Version: fr.Text("version"), From: fr.Text("effective_from"), To: fr.Text("effective_to"),
		Base: fr.Text("base_quantity"), Note: fr.Text("note")}
	in := domain.EngBOMInput{Item: f.Item, Version: f.Version, EffectiveFrom: f.From, EffectiveTo: f.To, Note: f.Note}
	if f.Base != "" {
		base := fr.Quantity("base_quantity")
		in.BaseQuantity = &base
	}
	var rows []int
	for i := 0; i < maxFormRows; i++ {
		p := fmt.Sprintf("lines.%d.", i)
		if _, ok := r.PostForm[p+"component"]; !ok {
			break
		}
		lf := lineForm{Component: fr.Text(p + "component"), Quantity: fr.Text(p + "quantity"), Scrap: fr.Text(p + "scrap"),
			OperationSeq: fr.Text(p + "operation_seq"), Phantom: fr.Bool(p + "phantom")}
		f.Lines = append(f.Lines, lf)
		if lf.Component == "" && lf.Quantity == "" {
			continue
		}
		rows = append(rows, i)
		in.Lines = append(in.Lines, domain.EngBOMLineInput{Component: lf.Component, Quantity: fr.Quantity(p + "quantity"),
			Scrap: fr.Percent(p + "scrap"), Phantom: lf.Phantom, OperationSeq: fr.Int(p+"operation_seq", 0)})
	}
	return f, in, rows, fr
}

func (h *handler) bomNew(w http.ResponseWriter, r *http.Request) {
	f := bomForm{Item: r.URL.Query().Get("item"), From: h.svc.Today(), Base: "1", Version: "A"}
	f.pad()
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.bom.new"), bomFormPage(f))
}

func (h *handler) bomEdit(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.BOM(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if b.Status != domain.StatusDraft {
		erpui.Redirect(w, r, "/erp/engineering/boms/"+b.ID, "")
		return
	}
	f := bomFormOf(b)
	f.pad()
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.bom.edit"), bomFormPage(f))
}

func (h *handler) bomCreate(w http.ResponseWriter, r *http.Request) { h.bomSave(w, r, "") }

func (h *handler) bomUpdate(w http.ResponseWriter, r *http.Request) {
	h.bomSave(w, r, r.PathValue("id"))
}

func (h *handler) bomSave(w http.ResponseWriter, r *http.Request, id string) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in, rows, fr := readBOMForm(r)
	f.ID = id
	err := fr.Err()
	if err == nil {
		var b domain.EngBOM
		if id == "" {
			b, err = h.svc.CreateBOM(r.Context(), in)
		} else {
			b, err = h.svc.UpdateBOM(r.Context(), id, in)
		}
		if err == nil {
			erpui.Redirect(w, r, "/erp/engineering/boms/"+b.ID, "erp.engineering.flash.bom_saved")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = map[string]string{}
	for k, msg := range errs {
		if lineField.MatchString(k) {
			k = formKey(k, rows)
		}
		f.Errors[k] = msg
	}
	// Errors of the form itself already carry form names (lines.5.quantity).
	f.pad()
	title := "erp.engineering.bom.new"
	if id != "" {
		title = "erp.engineering.bom.edit"
	}
	h.pages.ShowError(w, r, err, page(title), bomFormPage(f))
}

// ---- one BOM ----

type bomView struct {
	BOM      domain.EngBOM
	CanWrite bool
	Today    string
}

func (h *handler) bomShow(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.BOM(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.bom.title"), bomPage(bomView{BOM: b, CanWrite: can(r, domain.PermWrite), Today: h.svc.Today()}))
}

// act runs an action on a document and shows it again: with a flash on
// success, with the error above it otherwise.
func (h *handler) act(w http.ResponseWriter, r *http.Request, path, flash string, fn func() (string, error)) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	id, err := fn()
	if err != nil {
		if apperr.Status(err) >= 500 || apperr.KindOf(err) == apperr.KindNotFound {
			h.pages.Fail(w, r, err)
			return
		}
		h.showAfterError(w, r, path, err)
		return
	}
	erpui.Redirect(w, r, path+id, flash)
}

// showAfterError shows the BOM or routing an action failed on, with the error.
func (h *handler) showAfterError(w http.ResponseWriter, r *http.Request, path string, err error) {
	id := r.PathValue("id")
	if path == "/erp/engineering/routings/" {
		rt, lerr := h.svc.Routing(r.Context(), id)
		if lerr != nil {
			h.pages.Fail(w, r, err)
			return
		}
		h.pages.ShowError(w, r, err, page("erp.engineering.routing.title"), routingPage(routingView{Routing: rt, CanWrite: true, Today: h.svc.Today()}))
		return
	}
	b, lerr := h.svc.BOM(r.Context(), id)
	if lerr != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.ShowError(w, r, err, page("erp.engineering.bom.title"), bomPage(bomView{BOM: b, CanWrite: true, Today: h.svc.Today()}))
}

func (h *handler) bomRelease(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "/erp/engineering/boms/", "erp.engineering.flash.released", func() (string, error) {
		b, err := h.svc.ReleaseBOM(r.Context(), r.PathValue("id"))
		return b.ID, err
	})
}

func (h *handler) bomObsolete(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "/erp/engineering/boms/", "erp.engineering.flash.obsoleted", func() (string, error) {
		b, err := h.svc.ObsoleteBOM(r.Context(), r.PathValue("id"))
		return b.ID, err
	})
}

// bomDelete deletes a draft BOM and goes back to the list.
func (h *handler) bomDelete(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	err := h.svc.DeleteBOM(r.Context(), r.PathValue("id"))
	switch {
	case err == nil:
		erpui.Redirect(w, r, "/erp/engineering/boms", "erp.engineering.flash.deleted")
	case apperr.Status(err) >= 500 || apperr.KindOf(err) == apperr.KindNotFound:
		h.pages.Fail(w, r, err)
	default:
		h.showAfterError(w, r, "/erp/engineering/boms/", err)
	}
}

func (h *handler) bomCopy(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "/erp/engineering/boms/", "erp.engineering.flash.copied", func() (string, error) {
		b, err := h.svc.CopyBOM(r.Context(), r.PathValue("id"), r.PostForm.Get("version"), r.PostForm.Get("effective_from"))
		return b.ID, err
	})
}

// ---- explosion and where-used ----

type explodeView struct {
	Item, Quantity, Date string
	X                    *domain.EngExplosion
	Errors               map[string]string
	Message              string
}

func (h *handler) explodePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := explodeView{Item: q.Get("item"), Quantity: q.Get("quantity"), Date: q.Get("date")}
	if v.Quantity == "" {
		v.Quantity = "1"
	}
	if v.Date == "" {
		v.Date = h.svc.Today()
	}
	status := http.StatusOK
	if v.Item != "" {
		x, err := h.explode(r.Context(), v.Item, v.Quantity, v.Date)
		switch {
		case err == nil:
			v.X = &x
		case apperr.Status(err) >= 500:
			h.pages.Fail(w, r, err)
			return
		default:
			v.Errors, _ = erpui.FormErrors(r.Context(), err)
			if v.Errors == nil {
				v.Message = erpui.Message(r.Context(), err)
			}
			status = apperr.Status(err)
		}
	}
	h.pages.Show(w, r, status, page("erp.engineering.explode.title"), explodePage(v))
}

type whereUsedView struct {
	Item  string
	Rows  []domain.EngWhereUsed
	Error string
}

func (h *handler) whereUsedPage(w http.ResponseWriter, r *http.Request) {
	v := whereUsedView{Item: r.URL.Query().Get("item")}
	status := http.StatusOK
	if v.Item != "" {
		it, err := h.svc.ItemByRef(r.Context(), "item", v.Item)
		if err == nil {
			v.Rows, err = h.svc.WhereUsed(r.Context(), it.ID)
		}
		if err != nil {
			if apperr.Status(err) >= 500 {
				h.pages.Fail(w, r, err)
				return
			}
			v.Error, status = erpui.Message(r.Context(), err), apperr.Status(err)
		}
	}
	h.pages.Show(w, r, status, page("erp.engineering.where_used.title"), whereUsedPage(v))
}

// ---- routings ----

type routingsView struct {
	Query    string
	Routings []domain.EngRouting
	CanWrite bool
}

func (h *handler) routingList(w http.ResponseWriter, r *http.Request) {
	v := routingsView{Query: r.URL.Query().Get("item"), CanWrite: can(r, domain.PermWrite)}
	itemID := ""
	if v.Query != "" {
		it, ok, err := h.svc.LookupItem(r.Context(), v.Query)
		if err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		itemID = "-"
		if ok {
			itemID = it.ID
		}
	}
	rs, err := h.svc.Routings(r.Context(), itemID)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v.Routings = rs
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.routings.title"), routingsPage(v))
}

type opForm struct {
	Seq, WorkCenter, Description, Setup, Run, Queue, Move string
}

type routingForm struct {
	ID, Item, ItemLabel, Version, From, To, Note string
	Ops                                          []opForm
	WorkCenters                                  []domain.EngWorkCenter
	Errors                                       map[string]string
}

func (f routingForm) isNew() bool { return f.ID == "" }

func (f *routingForm) pad() {
	next := 10 * (len(f.Ops) + 1)
	for i := range blankRows {
		f.Ops = append(f.Ops, opForm{Seq: strconv.Itoa(next + 10*i)})
	}
}

func minutes(q money.Quantity) string {
	if q.IsZero() {
		return ""
	}
	return q.String()
}

func routingFormOf(rt domain.EngRouting) routingForm {
	f := routingForm{ID: rt.ID, Item: rt.ItemCode, ItemLabel: rt.ItemCode + " " + rt.ItemName, Version: rt.Version,
		From: rt.EffectiveFrom, To: rt.EffectiveTo, Note: rt.Note}
	for _, o := range rt.Operations {
		f.Ops = append(f.Ops, opForm{Seq: strconv.Itoa(o.Seq), WorkCenter: o.WorkCenterCode, Description: o.Description,
			Setup: minutes(o.SetupMinutes), Run: o.RunMinutes.String(), Queue: minutes(o.QueueMinutes), Move: minutes(o.MoveMinutes)})
	}
	return f
}

func readRoutingForm(r *http.Request) (routingForm, domain.EngRoutingInput, []int, *erpui.Form) {
	fr := erpui.NewForm(r.PostForm)
	f := routingForm{Item: fr.Text("item"), Version: fr.Text("version"), From: fr.Text("effective_from"), To: fr.Text("effective_to"),
		Note: fr.Text("note")}
	in := domain.EngRoutingInput{Item: f.Item, Version: f.Version, EffectiveFrom: f.From, EffectiveTo: f.To, Note: f.Note}
	var rows []int
	for i := 0; i < maxFormRows; i++ {
		p := fmt.Sprintf("operations.%d.", i)
		if _, ok := r.PostForm[p+"work_center"]; !ok {
			break
		}
		of := opForm{Seq: fr.Text(p + "seq"), WorkCenter: fr.Text(p + "work_center"), Description: fr.Text(p + "description"),
			Setup: fr.Text(p + "setup_minutes"), Run: fr.Text(p + "run_minutes"), Queue: fr.Text(p + "queue_minutes"), Move: fr.Text(p + "move_minutes")}
		f.Ops = append(f.Ops, of)
		if of.WorkCenter == "" && of.Description == "" {
			continue
		}
		rows = append(rows, i)
		in.Operations = append(in.Operations, domain.EngOperationInput{Seq: fr.Int(p+"seq", 0), WorkCenter: of.WorkCenter,
			Description: of.Description, SetupMinutes: fr.Quantity(p + "setup_minutes"), RunMinutes: fr.Quantity(p + "run_minutes"),
			QueueMinutes: fr.Quantity(p + "queue_minutes"), MoveMinutes: fr.Quantity(p + "move_minutes")})
	}
	// Operations without a number keep their place: 10, 20, …
	return f, in, rows, fr
}

func (h *handler) withWorkCenters(ctx context.Context, f *routingForm) error {
	wcs, err := h.svc.WorkCenters(ctx)
	f.WorkCenters = wcs
	return err
}

func (h *handler) routingNew(w http.ResponseWriter, r *http.Request) {
	f := routingForm{Item: r.URL.Query().Get("item"), From: h.svc.Today(), Version: "A"}
	f.pad()
	if err := h.withWorkCenters(r.Context(), &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.routing.new"), routingFormPage(f))
}

func (h *handler) routingEdit(w http.ResponseWriter, r *http.Request) {
	rt, err := h.svc.Routing(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if rt.Status != domain.StatusDraft {
		erpui.Redirect(w, r, "/erp/engineering/routings/"+rt.ID, "")
		return
	}
	f := routingFormOf(rt)
	f.pad()
	if err := h.withWorkCenters(r.Context(), &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.routing.edit"), routingFormPage(f))
}

func (h *handler) routingCreate(w http.ResponseWriter, r *http.Request) { h.routingSave(w, r, "") }

func (h *handler) routingUpdate(w http.ResponseWriter, r *http.Request) {
	h.routingSave(w, r, r.PathValue("id"))
}

func (h *handler) routingSave(w http.ResponseWriter, r *http.Request, id string) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in, rows, fr := readRoutingForm(r)
	f.ID = id
	err := fr.Err()
	if err == nil {
		var rt domain.EngRouting
		if id == "" {
			rt, err = h.svc.CreateRouting(r.Context(), in)
		} else {
			rt, err = h.svc.UpdateRouting(r.Context(), id, in)
		}
		if err == nil {
			erpui.Redirect(w, r, "/erp/engineering/routings/"+rt.ID, "erp.engineering.flash.routing_saved")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = map[string]string{}
	for k, msg := range errs {
		if lineField.MatchString(k) {
			k = formKey(k, rows)
		}
		f.Errors[k] = msg
	}
	f.pad()
	if werr := h.withWorkCenters(r.Context(), &f); werr != nil {
		h.pages.Fail(w, r, werr)
		return
	}
	title := "erp.engineering.routing.new"
	if id != "" {
		title = "erp.engineering.routing.edit"
	}
	h.pages.ShowError(w, r, err, page(title), routingFormPage(f))
}

type routingView struct {
	Routing  domain.EngRouting
	CanWrite bool
	Today    string
}

func (h *handler) routingShow(w http.ResponseWriter, r *http.Request) {
	rt, err := h.svc.Routing(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.routing.title"),
		routingPage(routingView{Routing: rt, CanWrite: can(r, domain.PermWrite), Today: h.svc.Today()}))
}

func (h *handler) routingRelease(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "/erp/engineering/routings/", "erp.engineering.flash.released", func() (string, error) {
		rt, err := h.svc.ReleaseRouting(r.Context(), r.PathValue("id"))
		return rt.ID, err
	})
}

func (h *handler) routingObsolete(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "/erp/engineering/routings/", "erp.engineering.flash.obsoleted", func() (string, error) {
		rt, err := h.svc.ObsoleteRouting(r.Context(), r.PathValue("id"))
		return rt.ID, err
	})
}

func (h *handler) routingCopy(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "/erp/engineering/routings/", "erp.engineering.flash.copied", func() (string, error) {
		rt, err := h.svc.CopyRouting(r.Context(), r.PathValue("id"), r.PostForm.Get("version"), r.PostForm.Get("effective_from"))
		return rt.ID, err
	})
}

// ---- work centers ----

type wcForm struct {
	ID, Code, Name, Kind, Capacity, CostRate, Efficiency, Status string
	Errors                                                       map[string]string
}

type workCentersView struct {
	WorkCenters []domain.EngWorkCenter
	Form        wcForm
	CanWrite    bool
}

func readWCForm(r *http.Request) (wcForm, domain.EngWorkCenterInput, *erpui.Form) {
	fr := erpui.NewForm(r.PostForm)
	f := wcForm{Code: fr.Text("code"), Name: fr.Text("name"), Kind: fr.Text("kind"), Capacity: fr.Text("capacity_hours"),
		CostRate: fr.Text("cost_rate"), Efficiency: fr.Text("efficiency"), Status: fr.Text("status")}
	in := domain.EngWorkCenterInput{Code: f.Code, Name: f.Name, Kind: domain.WorkCenterKind(f.Kind), CapacityHours: fr.Quantity("capacity_hours"),
		CostRate: fr.UnitPrice("cost_rate"), Efficiency: fr.Percent("efficiency"), Status: f.Status}
	if fr.Err() != nil {
		rules := in
		rules.Normalize()
		fr.Merge(rules.Validate())
	}
	return f, in, fr
}

func (h *handler) workCenterList(w http.ResponseWriter, r *http.Request) {
	wcs, err := h.svc.WorkCenters(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := workCentersView{WorkCenters: wcs, CanWrite: can(r, domain.PermWrite),
		Form: wcForm{Kind: string(domain.KindMachine), Capacity: "16", Efficiency: "100", Status: "active"}}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.work_centers.title"), workCentersPage(v))
}

func (h *handler) workCenterCreate(w http.ResponseWriter, r *http.Request) {
	h.workCenterSave(w, r, "")
}

func (h *handler) workCenterUpdate(w http.ResponseWriter, r *http.Request) {
	h.workCenterSave(w, r, r.PathValue("id"))
}

func (h *handler) workCenterSave(w http.ResponseWriter, r *http.Request, id string) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in, fr := readWCForm(r)
	f.ID = id
	err := fr.Err()
	if err == nil {
		if id == "" {
			_, err = h.svc.CreateWorkCenter(r.Context(), in)
		} else {
			_, err = h.svc.UpdateWorkCenter(r.Context(), id, in)
		}
		if err == nil {
			erpui.Redirect(w, r, "/erp/engineering/work-centers", "erp.engineering.flash.work_center_saved")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	if id != "" {
		h.pages.ShowError(w, r, err, page("erp.engineering.work_centers.title"), workCenterEditPage(f))
		return
	}
	wcs, lerr := h.svc.WorkCenters(r.Context())
	if lerr != nil {
		h.pages.Fail(w, r, lerr)
		return
	}
	h.pages.ShowError(w, r, err, page("erp.engineering.work_centers.title"), workCentersPage(workCentersView{WorkCenters: wcs, Form: f, CanWrite: true}))
}

func (h *handler) workCenterEdit(w http.ResponseWriter, r *http.Request) {
	wc, err := h.svc.WorkCenter(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := wcForm{ID: wc.ID, Code: wc.Code, Name: wc.Name, Kind: string(wc.Kind), Capacity: wc.CapacityHours.String(),
		CostRate: erpui.PriceOrEmpty(wc.CostRate), Efficiency: erpui.Percent(wc.Efficiency), Status: wc.Status}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.work_centers.title"), workCenterEditPage(f))
}

// ---- import ----

func (h *handler) importForm(w http.ResponseWriter, r *http.Request) {
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.import.title"), importPage(""))
}

func (h *handler) importTemplate(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Template(r.Context(), i18n.Lang(r.Context()))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="loom-boms.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (h *handler) importUpload(w http.ResponseWriter, r *http.Request) {
	title := page("erp.engineering.import.title")
	if err := erpui.ParseForm(w, r, core.MaxImportBytes+64<<10); err != nil {
		h.pages.ShowError(w, r, err, title, importPage(""))
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		err = apperr.Invalid("file", "erp.engineering.import.not_workbook", "Choose an Excel workbook (.xlsx)")
		h.pages.ShowError(w, r, err, title, importPage(erpui.Message(r.Context(), err)))
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
			h.pages.ShowError(w, r, err, title, importPage(erpui.Message(r.Context(), err)))
			return
		}
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.import.preview_title"), importPreviewPage(imp))
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
		h.pages.ShowError(w, r, err, page("erp.engineering.import.preview_title"), importPreviewPage(imp))
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.engineering.import.result_title"), importResultPage(res))
}

// cellError is one problem of an import row in the user's language.
func cellError(ctx context.Context, e core.ImportError) string {
	return i18n.T(ctx, "erp.engineering.import.cell_error", map[string]any{
		"Column": e.Column, "Header": header(ctx, e.Field), "Message": i18n.T(ctx, e.Key, e.Params),
	})
}
