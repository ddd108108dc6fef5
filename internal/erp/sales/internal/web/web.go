// Package web serves the sales module's screens — orders, the scanner pick
// screen, shipments and delivery notes — and its REST operations.
package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/sales/internal/core"
	"github.com/loom-erp/loom/internal/erp/sales/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

type handler struct {
	svc   *core.Service
	pages erpui.Pages
}

// Register adds the sales screens to env.Router and its operations to env.API.
func Register(env *module.Env, svc *core.Service) {
	h := &handler{svc: svc, pages: erpui.Pages{Page: env.Page, Log: env.Log}}
	rt := env.Router
	read, manage, ship := domain.PermRead, domain.PermManage, domain.PermShip
	rt.HandleFunc("GET /erp/sales/orders", read, h.orderList)
	rt.HandleFunc("GET /erp/sales/orders/new", manage, h.orderNew)
	rt.HandleFunc("POST /erp/sales/orders", manage, h.orderSave)
	rt.HandleFunc("GET /erp/sales/orders/{id}", read, h.orderShow)
	rt.HandleFunc("GET /erp/sales/orders/{id}/edit", manage, h.orderEdit)
	rt.HandleFunc("POST /erp/sales/orders/{id}", manage, h.orderSave)
	rt.HandleFunc("POST /erp/sales/orders/{id}/confirm", manage, h.orderAction("confirm"))
	rt.HandleFunc("POST /erp/sales/orders/{id}/reserve", manage, h.orderAction("reserve"))
	rt.HandleFunc("POST /erp/sales/orders/{id}/cancel", manage, h.orderAction("cancel"))
	rt.HandleFunc("POST /erp/sales/orders/{id}/close", manage, h.orderAction("close"))
	rt.HandleFunc("POST /erp/sales/orders/{id}/pick", ship, h.pickStart)
	rt.HandleFunc("GET /erp/sales/shipments/{id}", read, h.shipmentShow)
	rt.HandleFunc("GET /erp/sales/shipments/{id}/print", read, h.shipmentPrint)
	rt.HandleFunc("GET /erp/sales/shipments/{id}/pick", ship, h.pickPage)
	rt.HandleFunc("POST /erp/sales/shipments/{id}/picks", ship, h.pickAdd)
	rt.HandleFunc("POST /erp/sales/shipments/{id}/picks/{pick}/remove", ship, h.pickRemove)
	rt.HandleFunc("POST /erp/sales/shipments/{id}/ship", ship, h.pickShip)
	h.operations(env)
	h.returnRoutes(env)
}

func can(r *http.Request, perm authz.Permission) bool {
	return authz.FromContext(r.Context()).Can(perm)
}

// ---- order list ----

type ordersView struct {
	Query, Status, CustomerID string
	Page                      core.OrderPage
	CanManage                 bool
	FirstHref, NextHref       templ.SafeURL
}

func (h *handler) orderList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := ordersView{Query: q.Get("q"), Status: q.Get("status"), CustomerID: q.Get("customer_id"), CanManage: can(r, domain.PermManage)}
	f := domain.OrderFilter{Query: v.Query, CustomerID: v.CustomerID, Cursor: q.Get("cursor"), Limit: 50}
	if v.Status == "open" {
		f.Open = true
	} else {
		f.Status = domain.Status(v.Status)
	}
	var err error
	if v.Page, err = h.svc.Orders(r.Context(), f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if f.Cursor != "" {
		v.FirstHref = erpui.ListHref(r, "cursor", "")
	}
	if v.Page.Next != "" {
		v.NextHref = erpui.ListHref(r, "cursor", v.Page.Next)
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, http.StatusOK, orderResults(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.sales.orders.title", Active: "erp-sales"}, ordersPage(v))
}

// ---- order form ----

type lineForm struct {
	Item, Quantity, UnitPrice, Discount string
}

type orderForm struct {
	Customers                                      []partner.Customer
	Warehouses                                     []inventory.Warehouse
	ID, Number                                     string
	Version                                        int64
	CustomerID, WarehouseID, RequestedDate, ShipTo string
	PaymentTerms, Notes                            string
	Lines                                          []lineForm
	Errors                                         map[string]string
}

// minLines is how many line rows an order form offers.
const minLines = 5

func (f *orderForm) pad(n int) {
	for len(f.Lines) < max(n, minLines) {
		f.Lines = append(f.Lines, lineForm{})
	}
}

func (h *handler) orderNew(w http.ResponseWriter, r *http.Request) {
	f := orderForm{CustomerID: r.URL.Query().Get("customer_id")}
	rows, _ := strconv.Atoi(r.URL.Query().Get("rows"))
	f.pad(min(rows, 200))
	if err := h.choices(r, &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.sales.order.new_title", Active: "erp-sales"}, orderFormPage(f))
}

func (h *handler) orderEdit(w http.ResponseWriter, r *http.Request) {
	o, err := h.svc.Order(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if o.Status != domain.StatusDraft {
		h.pages.Fail(w, r, apperr.Precondition(domain.KeyNotDraft, "Only a draft order can be changed"))
		return
	}
	f := orderForm{ID: o.ID, Number: o.Number, Version: o.Version, CustomerID: o.CustomerID, WarehouseID: o.WarehouseID,
		RequestedDate: o.RequestedDate, ShipTo: o.ShipTo, PaymentTerms: o.PaymentTerms, Notes: o.Notes}
	for _, l := range o.Lines {
		f.Lines = append(f.Lines, lineForm{Item: l.ItemCode, Quantity: l.Quantity.String(), UnitPrice: l.UnitPrice.String(),
			Discount: erpui.Percent(l.Discount)})
	}
	f.pad(len(f.Lines) + 2)
	if err := h.choices(r, &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: o.Number, Active: "erp-sales"}, orderFormPage(f))
}

func (h *handler) orderSave(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := orderForm{ID: r.PathValue("id"), CustomerID: fr.Text("customer_id"), WarehouseID: fr.Text("warehouse_id"),
		RequestedDate: fr.Text("requested_date"), ShipTo: fr.Text("ship_to"), PaymentTerms: fr.Text("payment_terms"), Notes: fr.Text("notes")}
	f.Version, _ = strconv.ParseInt(fr.Text("version"), 10, 64)
	in := domain.SalesOrderInput{CustomerID: f.CustomerID, WarehouseID: f.WarehouseID, RequestedDate: fr.Date("requested_date"),
		ShipTo: f.ShipTo, PaymentTerms: f.PaymentTerms, Notes: f.Notes, Version: f.Version}
	items, qtys, prices, discounts := r.PostForm["item"], r.PostForm["quantity"], r.PostForm["unit_price"], r.PostForm["discount"]
	for i := range items {
		lf := lineForm{Item: strings.TrimSpace(items[i]), Quantity: at(qtys, i), UnitPrice: at(prices, i), Discount: at(discounts, i)}
		f.Lines = append(f.Lines, lf)
		if lf.Item == "" && lf.Quantity == "" {
			continue
		}
		k := len(in.Lines)
		field := domain.LinePath(k)
		li := domain.SalesLineInput{Item: lf.Item}
		sub := erpui.NewForm(map[string][]string{field + ".quantity": {lf.Quantity}, field + ".unit_price": {lf.UnitPrice}, field + ".discount": {lf.Discount}})
		li.Quantity = sub.Quantity(field + ".quantity")
		if lf.UnitPrice != "" {
			p := sub.UnitPrice(field + ".unit_price")
			li.UnitPrice = &p
		}
		li.Discount = sub.Percent(field + ".discount")
		if e, ok := apperr.As(sub.Err()); ok {
			for _, fe := range e.Fields {
				fr.Fail(fe.Field, fe.Key, fe.Message)
			}
		}
		in.Lines = append(in.Lines, li)
	}
	err := fr.Err()
	var o domain.SalesOrder
	if err == nil {
		if f.ID == "" {
			o, err = h.svc.CreateOrder(r.Context(), in)
		} else {
			o, err = h.svc.UpdateOrder(r.Context(), f.ID, in)
		}
	}
	if err == nil {
		erpui.RedirectDoc(w, r, "/erp/sales/orders/"+o.ID, "erp.sales.flash.saved", o.Number)
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	// Errors name lines by their place among the filled rows; show them on those rows.
	f.Errors = map[string]string{}
	filled := 0
	for i, lf := range f.Lines {
		if lf.Item == "" && lf.Quantity == "" {
			continue
		}
		for _, name := range []string{"item", "quantity", "unit_price", "discount"} {
			if msg, ok := errs[domain.LinePath(filled)+"."+name]; ok {
				f.Errors[domain.LinePath(i)+"."+name] = msg
			}
		}
		filled++
	}
	for k, msg := range errs {
		if !strings.HasPrefix(k, "lines[") {
			f.Errors[k] = msg
		}
	}
	f.pad(len(f.Lines))
	if cerr := h.choices(r, &f); cerr != nil {
		h.pages.Fail(w, r, cerr)
		return
	}
	h.pages.ShowError(w, r, err, webui.Page{Title: "erp.sales.order.new_title", Active: "erp-sales"}, orderFormPage(f))
}

// choices fills the customers and warehouses an order form offers.
func (h *handler) choices(r *http.Request, f *orderForm) error {
	var err error
	if f.Customers, err = h.svc.Partners.ActiveCustomers(r.Context(), 1000); err != nil {
		return err
	}
	f.Warehouses, err = h.svc.Stock.LookupWarehouses(r.Context())
	return err
}

func at(vs []string, i int) string {
	if i < len(vs) {
		return strings.TrimSpace(vs[i])
	}
	return ""
}

// ---- order page ----

type orderView struct {
	Order              domain.SalesOrder
	Shipments          []domain.SalesShipment
	CanManage, CanShip bool
}

func (h *handler) orderShow(w http.ResponseWriter, r *http.Request) {
	h.showOrder(w, r, nil)
}

func (h *handler) showOrder(w http.ResponseWriter, r *http.Request, actionErr error) {
	o, err := h.svc.Order(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	shs, err := h.svc.Shipments(r.Context(), o.ID)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := orderView{Order: o, Shipments: shs, CanManage: can(r, domain.PermManage), CanShip: can(r, domain.PermShip)}
	page := webui.Page{Title: o.Number, Active: "erp-sales"}
	if actionErr != nil {
		h.pages.ShowError(w, r, actionErr, page, orderPage(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, page, orderPage(v))
}

func (h *handler) orderAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := erpui.ParseForm(w, r, 0); err != nil {
			h.pages.Fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		var (
			o   domain.SalesOrder
			err error
		)
		switch action {
		case "confirm":
			o, err = h.svc.ConfirmOrder(r.Context(), id)
		case "reserve":
			lineNo, _ := strconv.Atoi(r.PostForm.Get("line_no"))
			var res domain.SalesReserveResult
			res, err = h.svc.Reserve(r.Context(), id, domain.SalesReserveInput{LineNo: lineNo})
			o = res.Order
		case "cancel":
			o, err = h.svc.CancelOrder(r.Context(), id)
		case "close":
			o, err = h.svc.CloseOrder(r.Context(), id)
		}
		if err == nil {
			erpui.RedirectDoc(w, r, "/erp/sales/orders/"+id, "erp.sales.flash."+action, o.Number)
			return
		}
		if apperr.KindOf(err) == apperr.KindInternal || apperr.KindOf(err) == apperr.KindNotFound || apperr.KindOf(err) == apperr.KindForbidden {
			h.pages.Fail(w, r, err)
			return
		}
		h.showOrder(w, r, err)
	}
}

// ---- picking ----

func (h *handler) pickStart(w http.ResponseWriter, r *http.Request) {
	sh, err := h.svc.DraftShipment(r.Context(), r.PathValue("id"))
	if err != nil {
		if apperr.KindOf(err) == apperr.KindPrecondition {
			h.showOrder(w, r, err)
			return
		}
		h.pages.Fail(w, r, err)
		return
	}
	erpui.Redirect(w, r, "/erp/sales/shipments/"+sh.ID+"/pick", "")
}

type pickView struct {
	Shipment                      domain.SalesShipment
	Order                         domain.SalesOrder
	Picked                        map[string]money.Quantity
	Location, Item, Lot, Quantity string
	Carrier, TrackingNo           string
	Errors                        map[string]string
}

func (h *handler) pickPage(w http.ResponseWriter, r *http.Request) {
	v := pickView{Location: r.URL.Query().Get("location")}
	h.showPick(w, r, v, nil)
}

func (h *handler) showPick(w http.ResponseWriter, r *http.Request, v pickView, formErr error) {
	sh, err := h.svc.Shipment(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if sh.Status != "draft" {
		http.Redirect(w, r, "/erp/sales/shipments/"+sh.ID, http.StatusSeeOther)
		return
	}
	o, err := h.svc.Order(r.Context(), sh.OrderID)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v.Shipment, v.Order, v.Picked = sh, o, map[string]money.Quantity{}
	for _, l := range sh.Lines {
		v.Picked[l.OrderLineID] = money.QuantityFromUnits(v.Picked[l.OrderLineID].Units() + l.Quantity.Units())
	}
	page := webui.Page{Title: "erp.sales.pick.title", Active: "erp-sales"}
	if formErr != nil {
		h.pages.ShowError(w, r, formErr, page, pickPage(v))
		return
	}
	h.pages.Show(w, r, http.StatusOK, page, pickPage(v))
}

func (h *handler) pickAdd(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	v := pickView{Location: fr.Text("location"), Item: fr.Text("item"), Lot: fr.Text("lot"), Quantity: fr.Text("quantity")}
	in := domain.SalesPickInput{Item: v.Item, Location: v.Location, Lot: v.Lot, Quantity: fr.Quantity("quantity")}
	err := fr.Err()
	if err == nil {
		if _, err = h.svc.AddPick(r.Context(), r.PathValue("id"), in); err == nil {
			erpui.Redirect(w, r, "/erp/sales/shipments/"+r.PathValue("id")+"/pick?location="+urlQuery(v.Location), "erp.sales.flash.picked")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	v.Errors = errs
	h.showPick(w, r, v, err)
}

func (h *handler) pickRemove(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if _, err := h.svc.RemovePick(r.Context(), r.PathValue("id"), r.PathValue("pick")); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	erpui.Redirect(w, r, "/erp/sales/shipments/"+r.PathValue("id")+"/pick", "")
}

func (h *handler) pickShip(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	v := pickView{Carrier: fr.Text("carrier"), TrackingNo: fr.Text("tracking_no")}
	sh, err := h.svc.ShipDraft(r.Context(), r.PathValue("id"), domain.SalesShipmentConfirm{Carrier: v.Carrier, TrackingNo: v.TrackingNo})
	if err == nil {
		erpui.RedirectDoc(w, r, "/erp/sales/shipments/"+sh.ID, "erp.sales.flash.shipped", sh.Number)
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	v.Errors = errs
	h.showPick(w, r, v, err)
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// ---- shipments ----

func (h *handler) shipmentShow(w http.ResponseWriter, r *http.Request) {
	sh, err := h.svc.Shipment(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if sh.Status == "draft" && can(r, domain.PermShip) {
		http.Redirect(w, r, "/erp/sales/shipments/"+sh.ID+"/pick", http.StatusSeeOther)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: sh.Number, Active: "erp-sales"}, shipmentPage(sh, false))
}

func (h *handler) shipmentPrint(w http.ResponseWriter, r *http.Request) {
	sh, err := h.svc.Shipment(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: sh.Number, Active: "erp-sales"}, shipmentPage(sh, true))
}
