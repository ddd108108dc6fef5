// Package web serves the purchasing module's screens and REST operations.
package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/erp/catalog/erpkit"
	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/inventory"
	"github.com/loom-erp/loom/internal/erp/partner"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/core"
	"github.com/loom-erp/loom/internal/erp/purchasing/internal/domain"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// templComponent is what a page renders.
type templComponent = templ.Component

type handler struct {
	svc   *core.Service
	env   *module.Env
	pages erpui.Pages
}

// Register adds the purchasing screens to env.Router and its operations to env.API.
func Register(env *module.Env, svc *core.Service) {
	h := &handler{svc: svc, env: env, pages: erpui.Pages{Page: env.Page, Log: env.Log}}
	rt := env.Router
	rt.HandleFunc("GET /erp/purchasing/orders", domain.PermRead, h.orderList)
	rt.HandleFunc("GET /erp/purchasing/orders/new", domain.PermWrite, h.orderNew)
	rt.HandleFunc("POST /erp/purchasing/orders", domain.PermWrite, h.orderCreate)
	rt.HandleFunc("GET /erp/purchasing/orders/{id}", domain.PermRead, h.orderShow)
	rt.HandleFunc("GET /erp/purchasing/orders/{id}/print", domain.PermRead, h.orderPrint)
	rt.HandleFunc("POST /erp/purchasing/orders/{id}/submit", domain.PermWrite, h.orderStep)
	rt.HandleFunc("POST /erp/purchasing/orders/{id}/approve", domain.PermApprove, h.orderStep)
	rt.HandleFunc("POST /erp/purchasing/orders/{id}/reject", domain.PermApprove, h.orderStep)
	rt.HandleFunc("POST /erp/purchasing/orders/{id}/cancel", domain.PermWrite, h.orderStep)
	rt.HandleFunc("POST /erp/purchasing/orders/{id}/close", domain.PermWrite, h.orderStep)
	rt.HandleFunc("GET /erp/purchasing/approvals", domain.PermApprove, h.approvals)
	rt.HandleFunc("GET /erp/purchasing/receive", domain.PermReceive, h.receiveForm)
	rt.HandleFunc("POST /erp/purchasing/receive", domain.PermReceive, h.receivePost)
	rt.HandleFunc("GET /erp/purchasing/bills", domain.PermRead, h.billList)
	rt.HandleFunc("GET /erp/purchasing/bills/new", domain.PermBill, h.billNew)
	rt.HandleFunc("POST /erp/purchasing/bills", domain.PermBill, h.billCreate)
	rt.HandleFunc("GET /erp/purchasing/bills/{id}", domain.PermRead, h.billShow)
	rt.HandleFunc("POST /erp/purchasing/bills/{id}/approve", domain.PermApprove, h.billDecide)
	rt.HandleFunc("POST /erp/purchasing/bills/{id}/reject", domain.PermApprove, h.billDecide)
	rt.HandleFunc("GET /erp/purchasing/prices", domain.PermRead, h.priceList)
	rt.HandleFunc("POST /erp/purchasing/prices", domain.PermWrite, h.priceAdd)
	rt.HandleFunc("POST /erp/purchasing/prices/{id}/delete", domain.PermWrite, h.priceDelete)
	rt.HandleFunc("GET /erp/purchasing/delivery", domain.PermRead, h.delivery)
	rt.HandleFunc("GET /erp/purchasing/requisitions", domain.PermRead, h.reqList)
	rt.HandleFunc("GET /erp/purchasing/requisitions/new", domain.PermRequest, h.reqNew)
	rt.HandleFunc("POST /erp/purchasing/requisitions", domain.PermRequest, h.reqCreate)
	rt.HandleFunc("POST /erp/purchasing/requisitions/convert", domain.PermWrite, h.reqConvert)
	rt.HandleFunc("POST /erp/purchasing/requisitions/{id}/approve", domain.PermWrite, h.reqDecide)
	rt.HandleFunc("POST /erp/purchasing/requisitions/{id}/reject", domain.PermWrite, h.reqDecide)
	rt.HandleFunc("GET /erp/purchasing/reorder", domain.PermRead, h.reorderPage)
	rt.HandleFunc("POST /erp/purchasing/reorder", domain.PermWrite, h.reorderSave)
	rt.HandleFunc("POST /erp/purchasing/suggestions", domain.PermRequest, h.suggestionsTake)
	rt.HandleFunc("GET /erp/purchasing/settings", domain.PermRead, h.settingsShow)
	rt.HandleFunc("POST /erp/purchasing/settings", domain.PermSettings, h.settingsSave)
	h.operations(env.API)
}

func can(r *http.Request, perm authz.Permission) bool {
	return authz.FromContext(r.Context()).Can(perm)
}

func page(title, active string) webui.Page { return webui.Page{Title: title, Active: active} }

// showForm renders a form again after an error: field errors next to
// their fields, anything else as an error page.
func (h *handler) showForm(w http.ResponseWriter, r *http.Request, err error, p webui.Page, body func(map[string]string) templComponent) {
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.ShowError(w, r, err, p, body(errs))
}

// ---- orders ----

type ordersView struct {
	Status   string
	Query    string
	Orders   []domain.PurchaseOrder
	CanWrite bool
}

func (h *handler) orderList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := ordersView{Status: q.Get("status"), Query: q.Get("q"), CanWrite: can(r, domain.PermWrite)}
	var err error
	if v.Orders, err = h.svc.Orders(r.Context(), core.OrderFilter{Status: domain.Status(v.Status), Query: v.Query, Limit: 200}); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.orders.title", "erp-purchasing"), ordersPage(v))
}

type lineForm struct{ Item, Quantity, UnitPrice, ExpectedDate string }

type orderForm struct {
	SupplierID, WarehouseID, Notes string
	Lines                          []lineForm
	Suppliers                      []partner.Supplier
	Warehouses                     []inventory.Warehouse
	Errors                         map[string]string
}

const formLines = 6

func (h *handler) choices(ctx context.Context, f *orderForm) error {
	p, st := partner.From(h.env.Services), inventory.From(h.env.Services)
	if p == nil || st == nil {
		return fmt.Errorf("purchasing: partners or inventory not wired")
	}
	var err error
	if f.Suppliers, err = p.ActiveSuppliers(ctx, 1000); err != nil {
		return err
	}
	f.Warehouses, err = st.LookupWarehouses(ctx)
	return err
}

func (h *handler) orderNew(w http.ResponseWriter, r *http.Request) {
	f := orderForm{SupplierID: r.URL.Query().Get("supplier_id"), Lines: make([]lineForm, formLines)}
	if err := h.choices(r.Context(), &f); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.orders.new", "erp-purchasing"), orderFormPage(f))
}

func (h *handler) orderCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := orderForm{SupplierID: fr.Text("supplier_id"), WarehouseID: fr.Text("warehouse_id"), Notes: fr.Text("notes")}
	in := domain.PurchaseOrderInput{SupplierID: f.SupplierID, WarehouseID: f.WarehouseID, Notes: f.Notes}
	for i := range formLines {
		name := func(s string) string { return fmt.Sprintf("lines[%d].%s", i, s) }
		lf := lineForm{Item: fr.Text(name("item")), Quantity: fr.Text(name("quantity")), UnitPrice: fr.Text(name("unit_price")),
			ExpectedDate: fr.Text(name("expected_date"))}
		f.Lines = append(f.Lines, lf)
		if lf.Item == "" && lf.Quantity == "" {
			continue
		}
		li := domain.PurchaseLineInput{Item: lf.Item, Quantity: fr.Quantity(name("quantity")), ExpectedDate: fr.Date(name("expected_date"))}
		if lf.UnitPrice != "" {
			p := fr.UnitPrice(name("unit_price"))
			li.UnitPrice = &p
		}
		in.Lines = append(in.Lines, li)
	}
	err := fr.Err()
	if err == nil {
		var o domain.PurchaseOrder
		if o, err = h.svc.CreateOrder(r.Context(), in); err == nil {
			erpui.RedirectDoc(w, r, "/erp/purchasing/orders/"+o.ID, "erp.purchasing.flash.order_created", o.Number)
			return
		}
	}
	if cerr := h.choices(r.Context(), &f); cerr != nil {
		h.pages.Fail(w, r, cerr)
		return
	}
	h.showForm(w, r, err, page("erp.purchasing.orders.new", "erp-purchasing"), func(errs map[string]string) templComponent {
		f.Errors = errs
		return orderFormPage(f)
	})
}

type orderView struct {
	Order                                     domain.PurchaseOrder
	Receipts                                  []domain.PurchaseReceipt
	Bills                                     []domain.SupplierBill
	Print                                     bool
	CanWrite, CanApprove, CanReceive, CanBill bool
	Threshold                                 money.Amount
}

func (h *handler) orderView(r *http.Request, print bool) (orderView, error) {
	ctx := r.Context()
	o, err := h.svc.Order(ctx, r.PathValue("id"))
	if err != nil {
		return orderView{}, err
	}
	v := orderView{Order: o, Print: print, CanWrite: can(r, domain.PermWrite), CanApprove: can(r, domain.PermApprove),
		CanReceive: can(r, domain.PermReceive), CanBill: can(r, domain.PermBill)}
	if v.Receipts, err = h.svc.Receipts(ctx, o.ID); err != nil {
		return v, err
	}
	if v.Bills, err = h.svc.Bills(ctx, core.BillFilter{OrderID: o.ID, Limit: 100}); err != nil {
		return v, err
	}
	st, err := h.svc.Settings(ctx)
	v.Threshold = st.ApprovalThreshold
	return v, err
}

func (h *handler) orderShow(w http.ResponseWriter, r *http.Request) {
	v, err := h.orderView(r, false)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page(v.Order.Number, "erp-purchasing"), orderPage(v))
}

func (h *handler) orderPrint(w http.ResponseWriter, r *http.Request) {
	v, err := h.orderView(r, true)
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page(v.Order.Number, "erp-purchasing"), orderPage(v))
}

func (h *handler) orderStep(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	ctx, id, comment := r.Context(), r.PathValue("id"), r.PostForm.Get("comment")
	var (
		o    domain.PurchaseOrder
		err  error
		step = lastSegment(r.URL.Path)
	)
	switch step {
	case "submit":
		o, err = h.svc.Submit(ctx, id)
	case "approve":
		o, err = h.svc.Approve(ctx, id, comment)
	case "reject":
		o, err = h.svc.Reject(ctx, id, comment)
	case "cancel":
		o, err = h.svc.Cancel(ctx, id, comment)
	default:
		o, err = h.svc.Close(ctx, id, comment)
	}
	if err != nil {
		v, verr := h.orderView(r, false)
		if verr != nil {
			h.pages.Fail(w, r, err)
			return
		}
		h.pages.ShowError(w, r, err, page(v.Order.Number, "erp-purchasing"), orderPage(v))
		return
	}
	erpui.RedirectDoc(w, r, "/erp/purchasing/orders/"+o.ID, "erp.purchasing.flash."+step, o.Number)
}

func lastSegment(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

type approvalsView struct {
	Orders []domain.PurchaseOrder
	Bills  []domain.SupplierBill
}

func (h *handler) approvals(w http.ResponseWriter, r *http.Request) {
	var (
		v   approvalsView
		err error
	)
	if v.Orders, err = h.svc.Orders(r.Context(), core.OrderFilter{Status: domain.StatusPendingApproval, Limit: 500}); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if v.Bills, err = h.svc.Bills(r.Context(), core.BillFilter{Status: domain.BillHeld, Limit: 500}); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.approvals.title", "erp-purchasing"), approvalsPage(v))
}

// ---- receiving ----

type receiveView struct {
	Order                         string
	Item, Lot, Location, Quantity string
	Open                          []domain.PurchaseOrder
	Current                       *domain.PurchaseOrder
	Last                          *domain.PurchaseReceipt
	Errors                        map[string]string
}

func (h *handler) receiveView(r *http.Request, v *receiveView) error {
	ctx := r.Context()
	var err error
	v.Open, err = h.svc.Orders(ctx, core.OrderFilter{Status: domain.StatusApproved, Limit: 100})
	if err != nil {
		return err
	}
	more, err := h.svc.Orders(ctx, core.OrderFilter{Status: domain.StatusPartiallyReceived, Limit: 100})
	if err != nil {
		return err
	}
	v.Open = append(v.Open, more...)
	if v.Order != "" {
		if o, err := h.svc.Order(ctx, v.Order); err == nil {
			v.Current = &o
		}
	}
	return nil
}

func (h *handler) receiveForm(w http.ResponseWriter, r *http.Request) {
	v := receiveView{Order: r.URL.Query().Get("order")}
	if err := h.receiveView(r, &v); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.receive.title", "erp-purchasing-receive"), receivePage(v))
}

func (h *handler) receivePost(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	v := receiveView{Order: fr.Text("order_id"), Item: fr.Text("item"), Lot: fr.Text("lot"), Location: fr.Text("location"),
		Quantity: fr.Text("quantity")}
	in := domain.PurchaseReceiptInput{OrderID: v.Order, Item: v.Item, Lot: v.Lot, Location: v.Location, Quantity: fr.Quantity("quantity")}
	err := fr.Err()
	var rc domain.PurchaseReceipt
	if err == nil {
		rc, err = h.svc.Receive(r.Context(), in)
	}
	if err == nil {
		// Ready for the next scan: the order and location stay.
		v.Item, v.Lot, v.Quantity, v.Last = "", "", "", &rc
	}
	if verr := h.receiveView(r, &v); verr != nil {
		h.pages.Fail(w, r, verr)
		return
	}
	p := page("erp.purchasing.receive.title", "erp-purchasing-receive")
	if err != nil {
		h.showForm(w, r, err, p, func(errs map[string]string) templComponent {
			v.Errors = errs
			return receivePage(v)
		})
		return
	}
	h.pages.Show(w, r, http.StatusOK, p, receivePage(v))
}

// ---- bills ----

type billsView struct {
	Status string
	Bills  []domain.SupplierBill
}

func (h *handler) billList(w http.ResponseWriter, r *http.Request) {
	v := billsView{Status: r.URL.Query().Get("status")}
	var err error
	if v.Bills, err = h.svc.Bills(r.Context(), core.BillFilter{Status: domain.BillStatus(v.Status), Limit: 200}); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.bills.title", "erp-purchasing"), billsPage(v))
}

type billLineForm struct {
	LineID, Item, UoM, Quantity, UnitPrice string
	Received, Billed                       string
}

type billForm struct {
	Order                        domain.PurchaseOrder
	InvoiceNo, BillDate, DueDate string
	Lines                        []billLineForm
	Errors                       map[string]string
}

func billFormOf(o domain.PurchaseOrder) billForm {
	f := billForm{Order: o}
	for _, l := range o.Lines {
		q := money.Quantity{}
		if l.Received.Cmp(l.Billed) > 0 {
			q, _ = l.Received.Sub(l.Billed)
		}
		f.Lines = append(f.Lines, billLineForm{LineID: l.ID, Item: l.ItemCode + " " + l.ItemName, UoM: l.UoM, Quantity: q.String(),
			UnitPrice: l.UnitPrice.String(), Received: l.Received.String(), Billed: l.Billed.String()})
	}
	return f
}

func (h *handler) billNew(w http.ResponseWriter, r *http.Request) {
	o, err := h.svc.Order(r.Context(), r.URL.Query().Get("order"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.bills.new", "erp-purchasing"), billFormPage(billFormOf(o)))
}

func (h *handler) billCreate(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	o, err := h.svc.Order(r.Context(), fr.Text("order_id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := billFormOf(o)
	f.InvoiceNo, f.BillDate, f.DueDate = fr.Text("invoice_no"), fr.Text("bill_date"), fr.Text("due_date")
	in := domain.SupplierBillInput{OrderID: o.ID, InvoiceNo: f.InvoiceNo, BillDate: fr.Date("bill_date"), DueDate: fr.Date("due_date")}
	for i := range f.Lines {
		name := func(s string) string { return fmt.Sprintf("lines[%d].%s", i, s) }
		f.Lines[i].Quantity, f.Lines[i].UnitPrice = fr.Text(name("quantity")), fr.Text(name("unit_price"))
		if f.Lines[i].Quantity == "" || f.Lines[i].Quantity == "0" {
			continue
		}
		price := fr.UnitPrice(name("unit_price"))
		in.Lines = append(in.Lines, domain.SupplierBillLineInput{LineID: f.Lines[i].LineID, Quantity: fr.Quantity(name("quantity")), UnitPrice: &price})
	}
	err = fr.Err()
	if err == nil {
		var b domain.SupplierBill
		if b, err = h.svc.EnterBill(r.Context(), in); err == nil {
			flash := "erp.purchasing.flash.bill_posted"
			if b.Status == domain.BillHeld {
				flash = "erp.purchasing.flash.bill_held"
			}
			erpui.RedirectDoc(w, r, "/erp/purchasing/bills/"+b.ID, flash, b.Number)
			return
		}
	}
	h.showForm(w, r, err, page("erp.purchasing.bills.new", "erp-purchasing"), func(errs map[string]string) templComponent {
		f.Errors = errs
		return billFormPage(f)
	})
}

type billView struct {
	Bill      domain.SupplierBill
	CanDecide bool
}

func (h *handler) billShow(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Bill(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := billView{Bill: b, CanDecide: can(r, domain.PermApprove) && can(r, domain.PermBill)}
	h.pages.Show(w, r, http.StatusOK, page(b.Number, "erp-purchasing"), billPage(v))
}

func (h *handler) billDecide(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	ctx, id, comment := r.Context(), r.PathValue("id"), r.PostForm.Get("comment")
	var (
		b   domain.SupplierBill
		err error
	)
	step := lastSegment(r.URL.Path)
	if step == "approve" {
		b, err = h.svc.ApproveBill(ctx, id, comment)
	} else {
		b, err = h.svc.RejectBill(ctx, id, comment)
	}
	if err != nil {
		cur, cerr := h.svc.Bill(ctx, id)
		if cerr != nil {
			h.pages.Fail(w, r, err)
			return
		}
		h.pages.ShowError(w, r, err, page(cur.Number, "erp-purchasing"), billPage(billView{Bill: cur, CanDecide: true}))
		return
	}
	erpui.RedirectDoc(w, r, "/erp/purchasing/bills/"+b.ID, "erp.purchasing.flash.bill_"+step, b.Number)
}

// ---- price lists ----

type priceForm struct {
	SupplierID, Item, Currency, MinQuantity, UnitPrice, LeadTime, ValidFrom, ValidTo string
	Inspection                                                                       bool
}

type pricesView struct {
	SupplierID string
	Prices     []domain.PurchasePrice
	Suppliers  []partner.Supplier
	Form       priceForm
	Errors     map[string]string
	CanWrite   bool
}

func (h *handler) pricesView(r *http.Request, v *pricesView) error {
	var err error
	if v.Prices, err = h.svc.Prices(r.Context(), core.PriceFilter{SupplierID: v.SupplierID}); err != nil {
		return err
	}
	if v.CanWrite = can(r, domain.PermWrite); v.CanWrite {
		if p := partner.From(h.env.Services); p != nil {
			v.Suppliers, err = p.ActiveSuppliers(r.Context(), 1000)
		}
	}
	return err
}

func (h *handler) priceList(w http.ResponseWriter, r *http.Request) {
	v := pricesView{SupplierID: r.URL.Query().Get("supplier_id")}
	v.Form.SupplierID, v.Form.MinQuantity, v.Form.LeadTime = v.SupplierID, "0", "0"
	if err := h.pricesView(r, &v); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.prices.title", "erp-purchasing"), pricesPage(v))
}

func (h *handler) priceAdd(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := priceForm{SupplierID: fr.Text("supplier_id"), Item: fr.Text("item"), Currency: fr.Text("currency"), MinQuantity: fr.Text("min_quantity"),
		UnitPrice: fr.Text("unit_price"), LeadTime: fr.Text("lead_time_days"), ValidFrom: fr.Text("valid_from"), ValidTo: fr.Text("valid_to"),
		Inspection: fr.Bool("inspection")}
	in := domain.PurchasePriceInput{SupplierID: f.SupplierID, Item: f.Item, Currency: f.Currency, MinQuantity: fr.Quantity("min_quantity"),
		UnitPrice: fr.UnitPrice("unit_price"), LeadTimeDays: fr.Int("lead_time_days", 0), ValidFrom: fr.Date("valid_from"),
		ValidTo: fr.Date("valid_to"), Inspection: f.Inspection}
	err := fr.Err()
	if err == nil {
		if _, err = h.svc.AddPrice(r.Context(), in); err == nil {
			erpui.Redirect(w, r, "/erp/purchasing/prices?supplier_id="+f.SupplierID, "erp.purchasing.flash.price_added")
			return
		}
	}
	v := pricesView{SupplierID: f.SupplierID, Form: f}
	if verr := h.pricesView(r, &v); verr != nil {
		h.pages.Fail(w, r, verr)
		return
	}
	h.showForm(w, r, err, page("erp.purchasing.prices.title", "erp-purchasing"), func(errs map[string]string) templComponent {
		v.Errors = errs
		return pricesPage(v)
	})
}

func (h *handler) priceDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeletePrice(r.Context(), r.PathValue("id")); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	erpui.Redirect(w, r, "/erp/purchasing/prices", "erp.purchasing.flash.price_deleted")
}

// ---- settings ----

type settingsView struct {
	Threshold, ReceiptTolerance, PriceTolerance string
	Version                                     int64
	CanChange                                   bool
	Errors                                      map[string]string
}

func (h *handler) settingsShow(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	v := settingsView{Threshold: st.ApprovalThreshold.String(), ReceiptTolerance: erpui.Percent(st.ReceiptTolerance),
		PriceTolerance: erpui.Percent(st.PriceTolerance), Version: st.Version, CanChange: can(r, domain.PermSettings)}
	h.pages.Show(w, r, http.StatusOK, page("erp.purchasing.settings.title", "erp-purchasing"), settingsPage(v))
}

func (h *handler) settingsSave(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	v := settingsView{Threshold: fr.Text("approval_threshold"), ReceiptTolerance: fr.Text("receipt_tolerance"),
		PriceTolerance: fr.Text("price_tolerance"), CanChange: true}
	v.Version, _ = strconv.ParseInt(fr.Text("version"), 10, 64)
	in := domain.PurchaseSettingsInput{ReceiptTolerance: fr.Percent("receipt_tolerance"), PriceTolerance: fr.Percent("price_tolerance"), Version: v.Version}
	if amt, perr := money.ParseAmount(v.Threshold); perr != nil {
		fr.Fail("approval_threshold", erpui.KeyRange, "Enter an amount")
	} else {
		in.ApprovalThreshold = amt
	}
	err := fr.Err()
	if err == nil {
		if _, err = h.svc.SaveSettings(r.Context(), in); err == nil {
			erpui.Redirect(w, r, "/erp/purchasing/settings", "erp.purchasing.flash.settings_saved")
			return
		}
	}
	h.showForm(w, r, err, page("erp.purchasing.settings.title", "erp-purchasing"), func(errs map[string]string) templComponent {
		v.Errors = errs
		return settingsPage(v)
	})
}

// ---- on-time delivery ----

type deliveryView struct {
	From, To  string
	Suppliers []domain.SupplierDelivery
	Errors    map[string]string
}

func (h *handler) delivery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	today := erpkit.Today(time.Now())
	v := deliveryView{From: q.Get("from"), To: q.Get("to")}
	if v.From == "" {
		v.From = erpkit.AddDays(today, -90)
	}
	if v.To == "" {
		v.To = today
	}
	var err error
	p := page("erp.purchasing.delivery.title", "erp-purchasing")
	if v.Suppliers, err = h.svc.Delivery(r.Context(), v.From, v.To); err != nil {
		h.showForm(w, r, err, p, func(errs map[string]string) templComponent {
			v.Errors = errs
			return deliveryPage(v)
		})
		return
	}
	h.pages.Show(w, r, http.StatusOK, p, deliveryPage(v))
}

// foreign reports whether an order was converted to the base currency at
// a rate other than 1 when it was submitted.
func foreign(o domain.PurchaseOrder) bool {
	return !o.Rate.IsZero() && o.Rate.Cmp(money.MustRate("1")) != 0
}

// thresholdText shows the approval threshold, which is in the base
// currency: with the order's currency code only when that is the base.
func thresholdText(t money.Amount, o domain.PurchaseOrder) string {
	if foreign(o) {
		return erpui.Money(t, "")
	}
	return erpui.Money(t, o.Currency)
}
