package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/catalog"
	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/core"
	"github.com/loom-erp/loom/internal/erp/inventory/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// ---- stock list ----

type stockView struct {
	Query, WarehouseID string
	Warehouses         []domain.InventoryWarehouse
	Rows               []domain.InventoryStock
	CanValue           bool
}

func (h *handler) stockList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := stockView{Query: q.Get("q"), WarehouseID: q.Get("warehouse_id"), CanValue: can(r, domain.PermValue)}
	var err error
	if v.Rows, err = h.svc.Stock(r.Context(), domain.StockFilter{Query: v.Query, WarehouseID: v.WarehouseID}); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if v.Warehouses, err = h.svc.Warehouses(r.Context()); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, http.StatusOK, stockResults(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.inventory.stock.title", Active: "erp-stock"}, stockPage(v))
}

// ---- one item's stock ----

type itemStockView struct {
	Item      catalog.Item
	Stock     []domain.InventoryStock
	Balances  []domain.InventoryBalance
	ATP       domain.InventoryATP
	Qty       string
	QtyErr    string
	Moves     []domain.InventoryMove
	Lots      []domain.InventoryLot
	Valuation *core.ItemValuation
}

func (h *handler) itemStock(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	it, err := h.svc.Item(ctx, r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := itemStockView{Item: it, Qty: strings.TrimSpace(r.URL.Query().Get("qty"))}
	var qty money.Quantity
	if v.Qty != "" {
		if qty, err = money.ParseQuantity(v.Qty); err != nil || qty.Sign() <= 0 {
			v.QtyErr, qty = erpui.T(ctx, "erp.inventory.error.quantity_positive"), money.Quantity{}
		}
	}
	if v.Stock, err = h.svc.Stock(ctx, domain.StockFilter{ItemID: it.ID}); err == nil {
		if v.Balances, err = h.svc.Balances(ctx, domain.StockFilter{ItemID: it.ID}); err == nil {
			if v.ATP, err = h.svc.ATP(ctx, it.ID, "", qty); err == nil {
				var page core.MovePage
				if page, err = h.svc.Moves(ctx, domain.MoveFilter{ItemID: it.ID, Limit: 20}); err == nil {
					v.Moves = page.Moves
					if it.Tracking != catalog.TrackingNone {
						v.Lots, err = h.svc.Lots(ctx, it.ID)
					}
				}
			}
		}
	}
	if err == nil && can(r, domain.PermValue) {
		var val core.ItemValuation
		if val, err = h.svc.Valuation(ctx, it.ID); err == nil {
			v.Valuation = &val
		}
	}
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: it.Code + " " + it.Name, Active: "erp-stock"}, itemStockPage(v))
}

// ---- ledger ----

type movesView struct {
	Filter    domain.MoveFilter
	ItemCode  string
	ItemErr   string
	Moves     []domain.InventoryMove
	FirstHref templ.SafeURL
	NextHref  templ.SafeURL
	CanValue  bool
}

func (h *handler) moveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := movesView{Filter: domain.MoveFilter{Kind: domain.DocKind(q.Get("kind")), From: q.Get("from"), To: q.Get("to"),
		Cursor: q.Get("cursor"), Limit: 50, DocID: q.Get("doc_id")}, ItemCode: strings.TrimSpace(q.Get("item")), CanValue: can(r, domain.PermValue)}
	if v.ItemCode != "" {
		it, err := h.svc.Item(r.Context(), v.ItemCode)
		if err != nil {
			if !apperr.IsKind(err, apperr.KindNotFound) {
				h.pages.Fail(w, r, err)
				return
			}
			v.ItemErr = erpui.T(r.Context(), "erp.inventory.error.item_unknown")
			v.Filter.ItemID = "00000000-0000-0000-0000-000000000000"
		} else {
			v.Filter.ItemID = it.ID
		}
	}
	page, err := h.svc.Moves(r.Context(), v.Filter)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v.Moves = page.Moves
	if v.Filter.Cursor != "" {
		v.FirstHref = erpui.ListHref(r, "cursor", "")
	}
	if page.Next != "" {
		v.NextHref = erpui.ListHref(r, "cursor", page.Next)
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, http.StatusOK, moveResults(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.inventory.moves.title", Active: "erp-stock"}, movesPage(v))
}

func (h *handler) docShow(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Doc(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: d.Number, Active: "erp-stock"}, docPage(d, can(r, domain.PermValue)))
}

// docLabels prints a label for every line of a document that brought stock
// in: the item's code and the lot as barcodes, the quantity and the place.
func (h *handler) docLabels(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Doc(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: d.Number, Active: "erp-stock"}, docLabelsPage(d, incoming(d.Moves)))
}

// incoming returns the moves that brought stock in.
func incoming(moves []domain.InventoryMove) []domain.InventoryMove {
	var out []domain.InventoryMove
	for _, m := range moves {
		if m.Quantity.Sign() > 0 {
			out = append(out, m)
		}
	}
	return out
}

type valueView struct {
	Value   domain.InventoryValue
	DateErr string
}

func (h *handler) valuePage(w http.ResponseWriter, r *http.Request) {
	v, err := h.svc.StockValue(r.Context(), r.URL.Query().Get("date"))
	vv := valueView{Value: v}
	if err != nil {
		errs, ok := erpui.FormErrors(r.Context(), err)
		if !ok {
			h.pages.Fail(w, r, err)
			return
		}
		vv.DateErr = errs["date"]
		vv.Value.Date = r.URL.Query().Get("date")
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.inventory.value.title", Active: "erp-stock"}, valuePage(vv))
}

// ---- the clerk's operations ----

type opForm struct {
	Op                                    operation
	Ops                                   []operation
	Location, ToLocation, Item, Lot       string
	Expiry, Quantity, UnitCost, Reference string
	Date, Note                            string
	CanCost                               bool
	Errors                                map[string]string
	Recent                                []domain.InventoryMove
}

func (h *handler) opForm(op operation) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := opForm{Op: op, Location: r.URL.Query().Get("location"), ToLocation: r.URL.Query().Get("to_location")}
		h.showOp(w, r, http.StatusOK, f, nil)
	}
}

func (h *handler) showOp(w http.ResponseWriter, r *http.Request, status int, f opForm, formErr error) {
	for _, op := range operations {
		if can(r, op.perm) {
			f.Ops = append(f.Ops, op)
		}
	}
	f.CanCost = can(r, domain.PermValue) && (f.Op.kind == domain.DocReceipt || f.Op.kind == domain.DocAdjustment)
	page, err := h.svc.Moves(r.Context(), domain.MoveFilter{Kind: f.Op.kind, Limit: 10})
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f.Recent = page.Moves
	p := webui.Page{Title: f.Op.label, Active: "erp-stock-ops"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, opPage(f))
		return
	}
	h.pages.Show(w, r, status, p, opPage(f))
}

func (h *handler) opPost(op operation) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := erpui.ParseForm(w, r, 0); err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		fr := erpui.NewForm(r.PostForm)
		f := opForm{Op: op, Location: fr.Text("location"), ToLocation: fr.Text("to_location"), Item: fr.Text("item"),
			Lot: fr.Text("lot"), Expiry: fr.Text("expiry_date"), Quantity: fr.Text("quantity"), UnitCost: fr.Text("unit_cost"),
			Reference: fr.Text("reference"), Date: fr.Text("date"), Note: fr.Text("note")}
		line := domain.InventoryLineInput{Item: f.Item, Location: f.Location, ToLocation: f.ToLocation, Lot: f.Lot,
			ExpiryDate: fr.Date("expiry_date"), Quantity: fr.Quantity("quantity"), UnitCost: fr.UnitPrice("unit_cost")}
		in := domain.InventoryDocInput{Kind: op.kind, Date: fr.Date("date"), Reference: f.Reference, Note: f.Note,
			Lines: []domain.InventoryLineInput{line}}
		err := fr.Err()
		if err == nil {
			var d domain.InventoryDoc
			if d, err = h.svc.RecordDoc(r.Context(), in); err == nil {
				back := url.Values{"location": {f.Location}}
				if op.kind == domain.DocTransfer {
					back.Set("to_location", f.ToLocation)
				}
				erpui.RedirectDoc(w, r, "/erp/stock/"+op.path+"?"+back.Encode(), "erp.inventory.flash.posted", d.Number)
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
			f.Errors[strings.TrimPrefix(k, "lines[0].")] = msg
		}
		h.showOp(w, r, http.StatusUnprocessableEntity, f, err)
	}
}

// ---- warehouses and locations ----

type warehousesView struct {
	Warehouses []domain.InventoryWarehouse
	CanManage  bool
	Form       warehouseForm
}

type warehouseForm struct {
	ID, Code, Name, Address, Status string
	IsDefault                       bool
	Errors                          map[string]string
}

func (h *handler) warehouseList(w http.ResponseWriter, r *http.Request) {
	h.showWarehouses(w, r, warehouseForm{Status: "active"}, nil)
}

func (h *handler) showWarehouses(w http.ResponseWriter, r *http.Request, f warehouseForm, formErr error) {
	ws, err := h.svc.Warehouses(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := warehousesView{Warehouses: ws, CanManage: can(r, domain.PermWarehouse), Form: f}
	p := webui.Page{Title: "erp.inventory.warehouses.title", Active: "erp-warehouses"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, warehousesPage(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, p, warehousesPage(v))
}

func readWarehouse(r *http.Request) (warehouseForm, domain.InventoryWarehouseInput) {
	fr := erpui.NewForm(r.PostForm)
	f := warehouseForm{Code: fr.Text("code"), Name: fr.Text("name"), Address: fr.Text("address"), Status: fr.Text("status"), IsDefault: fr.Bool("is_default")}
	return f, domain.InventoryWarehouseInput{Code: f.Code, Name: f.Name, Address: f.Address, IsDefault: f.IsDefault, Status: domain.Status(f.Status)}
}

func (h *handler) warehouseCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in := readWarehouse(r)
	wh, err := h.svc.CreateWarehouse(r.Context(), in)
	if err == nil {
		erpui.Redirect(w, r, "/erp/warehouses/"+wh.ID, "erp.inventory.flash.warehouse_created")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showWarehouses(w, r, f, err)
}

type warehouseView struct {
	Warehouse domain.InventoryWarehouse
	Locations []domain.InventoryLocation
	CanManage bool
	Edit      warehouseForm
	Loc       locationForm
}

type locationForm struct {
	ID, Code, Name, Type, Status, WarehouseID string
	Errors                                    map[string]string
}

func (h *handler) warehouseShow(w http.ResponseWriter, r *http.Request) {
	h.showWarehouse(w, r, nil, nil, nil)
}

func (h *handler) showWarehouse(w http.ResponseWriter, r *http.Request, edit *warehouseForm, loc *locationForm, formErr error) {
	wh, err := h.svc.Warehouse(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	locs, err := h.svc.Locations(r.Context(), wh.ID)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := warehouseView{Warehouse: wh, Locations: locs, CanManage: can(r, domain.PermWarehouse),
		Edit: warehouseForm{ID: wh.ID, Code: wh.Code, Name: wh.Name, Address: wh.Address, Status: string(wh.Status), IsDefault: wh.IsDefault},
		Loc:  locationForm{Type: string(domain.LocStock), Status: "active"}}
	if edit != nil {
		v.Edit = *edit
	}
	if loc != nil {
		v.Loc = *loc
	}
	p := webui.Page{Title: wh.Code + " " + wh.Name, Active: "erp-warehouses"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, p, warehousePage(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, p, warehousePage(v))
}

func (h *handler) warehouseUpdate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in := readWarehouse(r)
	id := r.PathValue("id")
	f.ID = id
	_, err := h.svc.UpdateWarehouse(r.Context(), id, in)
	if err == nil {
		erpui.Redirect(w, r, "/erp/warehouses/"+id, "erp.inventory.flash.warehouse_saved")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showWarehouse(w, r, &f, nil, err)
}

func readLocation(r *http.Request) (locationForm, domain.InventoryLocationInput) {
	fr := erpui.NewForm(r.PostForm)
	f := locationForm{Code: fr.Text("code"), Name: fr.Text("name"), Type: fr.Text("type"), Status: fr.Text("status")}
	return f, domain.InventoryLocationInput{Code: f.Code, Name: f.Name, Type: domain.LocationType(f.Type), Status: domain.Status(f.Status)}
}

func (h *handler) locationCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in := readLocation(r)
	id := r.PathValue("id")
	_, err := h.svc.CreateLocation(r.Context(), id, in)
	if err == nil {
		erpui.Redirect(w, r, "/erp/warehouses/"+id, "erp.inventory.flash.location_created")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.showWarehouse(w, r, nil, &f, err)
}

func (h *handler) locationEdit(w http.ResponseWriter, r *http.Request) {
	l, err := h.svc.LookupLocation(r.Context(), r.PathValue("id"))
	if err == nil {
		_, err = h.svc.Warehouse(r.Context(), l.WarehouseID)
	}
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := locationForm{ID: l.ID, Code: l.Code, Name: l.Name, Type: string(l.Type), Status: string(l.Status), WarehouseID: l.WarehouseID}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.inventory.location_edit", Active: "erp-warehouses"}, locationEditPage(f))
}

func (h *handler) locationUpdate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f, in := readLocation(r)
	f.ID = r.PathValue("id")
	l, err := h.svc.UpdateLocation(r.Context(), f.ID, in)
	if err == nil {
		erpui.Redirect(w, r, "/erp/warehouses/"+l.WarehouseID, "erp.inventory.flash.location_saved")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	if old, lerr := h.svc.LookupLocation(r.Context(), f.ID); lerr == nil {
		f.WarehouseID = old.WarehouseID
	}
	h.pages.ShowError(w, r, err, webui.Page{Title: "erp.inventory.location_edit", Active: "erp-warehouses"}, locationEditPage(f))
}

func (h *handler) locationLabels(w http.ResponseWriter, r *http.Request) {
	wh, err := h.svc.Warehouse(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	locs, err := h.svc.Locations(r.Context(), wh.ID)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.inventory.labels.title", Active: "erp-warehouses"}, labelsPage(wh, locs))
}
