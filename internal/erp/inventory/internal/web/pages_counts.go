package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// countRoutes adds the screens of stock counts and quarantine releases.
func (h *handler) countRoutes(env *module.Env) {
	rt := env.Router
	rt.HandleFunc("GET /erp/stock/counts", domain.PermRead, h.countList)
	rt.HandleFunc("POST /erp/stock/counts", domain.PermAdjust, h.countStart)
	rt.HandleFunc("GET /erp/stock/counts/{id}", domain.PermRead, h.countShow)
	rt.HandleFunc("GET /erp/stock/counts/{id}/sheet", domain.PermRead, h.countSheet)
	rt.HandleFunc("POST /erp/stock/count-settings", domain.PermCountApprove, h.countSettingsPost)
	rt.HandleFunc("POST /erp/stock/counts/{id}/lines", domain.PermAdjust, h.countScan)
	rt.HandleFunc("POST /erp/stock/counts/{id}/post", domain.PermRead, h.countAction("post"))
	rt.HandleFunc("POST /erp/stock/counts/{id}/reject", domain.PermCountApprove, h.countAction("reject"))
	rt.HandleFunc("POST /erp/stock/counts/{id}/cancel", domain.PermAdjust, h.countAction("cancel"))
	rt.HandleFunc("GET /erp/stock/quarantine", domain.PermRead, h.quarantinePage)
	rt.HandleFunc("POST /erp/stock/quarantine", domain.PermRelease, h.quarantineRelease)
}

// ---- counts ----

type countsView struct {
	Counts     []domain.Count
	Warehouses []domain.InventoryWarehouse
	Categories []erpui.Option
	CanStart   bool
	CanApprove bool
	Form       countStartForm
	Settings   countSettingsForm
}

type countStartForm struct {
	Warehouse, Scope, Locations, Item, Category, Note string
	Blind                                             bool
	Errors                                            map[string]string
}

// countSettingsForm holds the approval thresholds as typed: a percentage
// and an amount.
type countSettingsForm struct {
	Pct, Value string
	Errors     map[string]string
}

func (h *handler) countList(w http.ResponseWriter, r *http.Request) {
	h.showCounts(w, r, http.StatusOK, countStartForm{Scope: string(domain.ScopeFull)}, nil)
}

// categoryOptions lists the item categories for counting by category,
// when the wired catalog can list them.
func (h *handler) categoryOptions(ctx context.Context) ([]erpui.Option, error) {
	cats, ok := h.svc.Catalog.(interface {
		Categories(ctx context.Context) ([]catalog.Category, error)
	})
	if !ok {
		return nil, nil
	}
	cs, err := cats.Categories(ctx)
	if apperr.IsKind(err, apperr.KindForbidden) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := []erpui.Option{{Value: "", Label: ""}}
	for _, c := range cs {
		out = append(out, erpui.Option{Value: c.ID, Label: c.Code + " " + c.Name})
	}
	return out, nil
}

func (h *handler) showCounts(w http.ResponseWriter, r *http.Request, status int, f countStartForm, formErr error) {
	h.showCountsWith(w, r, status, f, countSettingsForm{}, formErr)
}

func (h *handler) showCountsWith(w http.ResponseWriter, r *http.Request, status int, f countStartForm, sf countSettingsForm, formErr error) {
	cs, err := h.svc.Counts(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	ws, err := h.svc.Warehouses(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if f.Warehouse == "" {
		for _, wh := range ws {
			if wh.IsDefault {
				f.Warehouse = wh.ID
			}
		}
	}
	cats, err := h.categoryOptions(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := countsView{Counts: cs, Warehouses: ws, Categories: cats, CanStart: can(r, domain.PermAdjust),
		CanApprove: can(r, domain.PermCountApprove), Form: f, Settings: sf}
	if v.CanApprove && sf.Errors == nil {
		st, err := h.svc.CountSettings(r.Context())
		if err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		v.Settings.Pct, v.Settings.Value = erpui.Percent(st.ThresholdPct), st.ThresholdValue.String()
	}
	p := webui.Page{Title: "erp.inventory.count.title", Active: "erp-stock-counts"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, countsPage(v))
		return
	}
	h.pages.Show(w, r, status, p, countsPage(v))
}

func (h *handler) countStart(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := countStartForm{Warehouse: fr.Text("warehouse"), Scope: fr.Text("scope"), Locations: fr.Text("locations"), Item: fr.Text("item"),
		Category: fr.Text("category"), Note: fr.Text("note"), Blind: fr.Bool("blind")}
	in := domain.CountInput{Warehouse: f.Warehouse, Scope: domain.CountScope(f.Scope), Item: f.Item, Category: f.Category, Note: f.Note,
		Blind: f.Blind}
	for _, l := range strings.FieldsFunc(f.Locations, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '，' }) {
		in.Locations = append(in.Locations, l)
	}
	c, err := h.svc.StartCount(r.Context(), in)
	if err == nil {
		erpui.RedirectDoc(w, r, "/erp/stock/counts/"+c.ID, "erp.inventory.flash.count_started", c.Number)
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = map[string]string{}
	for k, msg := range errs {
		if strings.HasPrefix(k, "locations[") {
			k = "locations"
		}
		f.Errors[k] = msg
	}
	h.showCounts(w, r, http.StatusUnprocessableEntity, f, err)
}

type countView struct {
	Count                        domain.Count
	CanCount, CanApprove, CanSee bool
	Form                         countScanForm
}

type countScanForm struct {
	Location, Item, Lot, Quantity string
	Recount                       bool
	Errors                        map[string]string
}

// countSettingsPost saves the count approval thresholds.
func (h *handler) countSettingsPost(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	sf := countSettingsForm{Pct: fr.Text("threshold_pct"), Value: fr.Text("threshold_value")}
	in := domain.CountSettings{ThresholdPct: fr.Percent("threshold_pct")}
	if sf.Value == "" {
		fr.Fail("threshold_value", erpkit.KeyRequired, "This field is required")
	} else if amt, perr := money.ParseAmount(sf.Value); perr != nil {
		fr.Merge([]apperr.FieldError{erpui.DecimalError("threshold_value", perr)})
	} else {
		in.ThresholdValue = amt
	}
	err := fr.Err()
	if err == nil {
		if _, err = h.svc.SetCountSettings(r.Context(), in); err == nil {
			erpui.Redirect(w, r, "/erp/stock/counts", "erp.inventory.flash.count_settings_saved")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	sf.Errors = errs
	h.showCountsWith(w, r, http.StatusUnprocessableEntity, countStartForm{Scope: string(domain.ScopeFull)}, sf, err)
}

// countSheet shows a count's printable sheet.
func (h *handler) countSheet(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Count(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := countView{Count: c, CanSee: can(r, domain.PermValue)}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.inventory.count.sheet_title", Active: "erp-stock-counts"}, countSheet(v))
}

func (h *handler) countShow(w http.ResponseWriter, r *http.Request) {
	h.showCount(w, r, http.StatusOK, countScanForm{Location: r.URL.Query().Get("location")}, nil)
}

func (h *handler) showCount(w http.ResponseWriter, r *http.Request, status int, f countScanForm, formErr error) {
	c, err := h.svc.Count(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := countView{Count: c, CanCount: can(r, domain.PermAdjust), CanApprove: can(r, domain.PermCountApprove),
		CanSee: can(r, domain.PermValue), Form: f}
	p := webui.Page{Title: "erp.inventory.count.title", Active: "erp-stock-counts"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, countPage(v))
		return
	}
	h.pages.Show(w, r, status, p, countPage(v))
}

func (h *handler) countScan(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := countScanForm{Location: fr.Text("location"), Item: fr.Text("item"), Lot: fr.Text("lot"), Quantity: fr.Text("quantity"), Recount: fr.Bool("recount")}
	in := domain.CountLineInput{Location: f.Location, Item: f.Item, Lot: f.Lot, Quantity: fr.Quantity("quantity"), Recount: f.Recount}
	err := fr.Err()
	if err == nil {
		id := r.PathValue("id")
		if _, err = h.svc.CountLine(r.Context(), id, in); err == nil {
			erpui.Redirect(w, r, "/erp/stock/counts/"+id+"?"+url.Values{"location": {f.Location}}.Encode(), "erp.inventory.flash.counted")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showCount(w, r, http.StatusUnprocessableEntity, f, err)
}

func (h *handler) countAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var (
			c   domain.Count
			err error
		)
		switch action {
		case "post":
			c, err = h.svc.PostCount(r.Context(), id)
		case "reject":
			c, err = h.svc.RejectCount(r.Context(), id)
		default:
			c, err = h.svc.CancelCount(r.Context(), id)
		}
		if err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		erpui.RedirectDoc(w, r, "/erp/stock/counts/"+id, "erp.inventory.flash.count_"+string(c.Status), c.Number)
	}
}

// ---- quarantine ----

type quarantineView struct {
	Rows       []domain.InventoryBalance
	CanRelease bool
	Form       releaseForm
}

type releaseForm struct {
	Location, Item, Lot, Quantity, Decision, ToLocation, Reason string
	Errors                                                      map[string]string
}

func (h *handler) quarantinePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := releaseForm{Location: q.Get("location"), Item: q.Get("item"), Lot: q.Get("lot"), Decision: string(domain.ReleaseAccept), ToLocation: q.Get("to_location")}
	h.showQuarantine(w, r, http.StatusOK, f, nil)
}

func (h *handler) showQuarantine(w http.ResponseWriter, r *http.Request, status int, f releaseForm, formErr error) {
	rows, err := h.svc.Quarantine(r.Context(), "")
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := quarantineView{Rows: rows, CanRelease: can(r, domain.PermRelease), Form: f}
	p := webui.Page{Title: "erp.inventory.quarantine.title", Active: "erp-stock-quarantine"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, quarantinePage(v))
		return
	}
	h.pages.Show(w, r, status, p, quarantinePage(v))
}

func (h *handler) quarantineRelease(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := releaseForm{Location: fr.Text("location"), Item: fr.Text("item"), Lot: fr.Text("lot"), Quantity: fr.Text("quantity"),
		Decision: fr.Text("decision"), ToLocation: fr.Text("to_location"), Reason: fr.Text("reason")}
	in := domain.ReleaseInput{Location: f.Location, Item: f.Item, Lot: f.Lot, Quantity: fr.Quantity("quantity"),
		Decision: domain.ReleaseDecision(f.Decision), ToLocation: f.ToLocation, Reason: f.Reason}
	err := fr.Err()
	if err == nil {
		var d domain.InventoryDoc
		if d, err = h.svc.ReleaseQuarantine(r.Context(), in); err == nil {
			back := url.Values{"location": {f.Location}, "to_location": {f.ToLocation}}
			erpui.RedirectDoc(w, r, "/erp/stock/quarantine?"+back.Encode(), "erp.inventory.flash.released", d.Number)
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showQuarantine(w, r, http.StatusUnprocessableEntity, f, err)
}
