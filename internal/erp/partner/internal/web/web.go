// Package web serves the partner module's screens and REST operations.
package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/catalog/erpui"
	"github.com/loom-erp/loom/internal/erp/partner/internal/core"
	"github.com/loom-erp/loom/internal/erp/partner/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/module"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

type handler struct {
	svc   *core.Service
	pages erpui.Pages
}

// Register adds the partner screens to env.Router and its operations to env.API.
func Register(env *module.Env, svc *core.Service) {
	h := &handler{svc: svc, pages: erpui.Pages{Page: env.Page, Log: env.Log}}
	rt := env.Router
	rt.HandleFunc("GET /erp/customers", domain.PermRead, h.customerList)
	rt.HandleFunc("GET /erp/customers/new", domain.PermCustomer, h.customerNew)
	rt.HandleFunc("POST /erp/customers", domain.PermCustomer, h.customerSave)
	rt.HandleFunc("GET /erp/customers/{id}", domain.PermRead, h.customerShow)
	rt.HandleFunc("POST /erp/customers/{id}", domain.PermCustomer, h.customerSave)
	rt.HandleFunc("GET /erp/suppliers", domain.PermRead, h.supplierList)
	rt.HandleFunc("GET /erp/suppliers/new", domain.PermSupplier, h.supplierNew)
	rt.HandleFunc("POST /erp/suppliers", domain.PermSupplier, h.supplierSave)
	rt.HandleFunc("GET /erp/suppliers/{id}", domain.PermRead, h.supplierShow)
	rt.HandleFunc("POST /erp/suppliers/{id}", domain.PermSupplier, h.supplierSave)
	h.operations(env.API)
}

func can(r *http.Request, perm authz.Permission) bool {
	return authz.FromContext(r.Context()).Can(perm)
}

// ---- customers ----

type customersView struct {
	Query     string
	Page      core.CustomerPage
	CanManage bool
	FirstHref templ.SafeURL
	NextHref  templ.SafeURL
}

func (h *handler) customerList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := customersView{Query: q.Get("q"), CanManage: can(r, domain.PermCustomer)}
	var err error
	if v.Page, err = h.svc.Customers(r.Context(), core.CustomerFilter{Query: v.Query, Cursor: q.Get("cursor"), Limit: 50}); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.FirstHref = erpui.ListHref(r, "cursor", "")
	}
	if v.Page.Next != "" {
		v.NextHref = erpui.ListHref(r, "cursor", v.Page.Next)
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.partner.customers.title", Active: "erp-customers"}, customersPage(v))
}

type customerForm struct {
	ID, Source                                     string
	Version                                        int64
	Code, Name, ShortName, TaxID, Currency, Status string
	BillingAddress, ShippingAddress                string
	ContactName, ContactPhone, ContactEmail        string
	Errors                                         map[string]string
	CanManage                                      bool
	Customer                                       *domain.PartnerCustomer
}

func customerFormOf(c domain.PartnerCustomer) customerForm {
	return customerForm{ID: c.ID, Source: c.Source, Version: c.Version, Code: c.Code, Name: c.Name, ShortName: c.ShortName, TaxID: c.TaxID,
		Currency: c.Currency, Status: string(c.Status), BillingAddress: c.BillingAddress, ShippingAddress: c.ShippingAddress,
		ContactName: c.ContactName, ContactPhone: c.ContactPhone, ContactEmail: c.ContactEmail, Customer: &c}
}

func (h *handler) customerNew(w http.ResponseWriter, r *http.Request) {
	f := customerForm{Currency: "CNY", Status: "active", Source: domain.SourceERP, CanManage: true}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.partner.customers.new", Active: "erp-customers"}, customerPage(f))
}

func (h *handler) customerShow(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Customer(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := customerFormOf(c)
	f.CanManage = can(r, domain.PermCustomer) && c.Source == domain.SourceERP
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: c.Name, Active: "erp-customers"}, customerPage(f))
}

func (h *handler) customerSave(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := customerForm{ID: r.PathValue("id"), Source: domain.SourceERP, Code: fr.Text("code"), Name: fr.Text("name"), ShortName: fr.Text("short_name"),
		TaxID: fr.Text("tax_id"), Currency: fr.Text("currency"), Status: fr.Text("status"), BillingAddress: fr.Text("billing_address"),
		ShippingAddress: fr.Text("shipping_address"), ContactName: fr.Text("contact_name"), ContactPhone: fr.Text("contact_phone"),
		ContactEmail: fr.Text("contact_email"), CanManage: true}
	f.Version, _ = strconv.ParseInt(fr.Text("version"), 10, 64)
	in := domain.PartnerCustomerInput{Code: f.Code, Name: f.Name, ShortName: f.ShortName, TaxID: f.TaxID, Currency: f.Currency,
		BillingAddress: f.BillingAddress, ShippingAddress: f.ShippingAddress, ContactName: f.ContactName, ContactPhone: f.ContactPhone,
		ContactEmail: f.ContactEmail, Status: domain.Status(f.Status), Version: f.Version}
	var (
		c   domain.PartnerCustomer
		err error
	)
	if f.ID == "" {
		c, err = h.svc.CreateCustomer(r.Context(), in)
	} else {
		c, err = h.svc.UpdateCustomer(r.Context(), f.ID, in)
	}
	if err == nil {
		erpui.Redirect(w, r, "/erp/customers/"+c.ID, "erp.partner.flash.customer_saved")
		return
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.pages.ShowError(w, r, err, webui.Page{Title: "erp.partner.customers.title", Active: "erp-customers"}, customerPage(f))
}

// ---- suppliers ----

type suppliersView struct {
	Query     string
	Suppliers []domain.PartnerSupplier
	CanManage bool
}

func (h *handler) supplierList(w http.ResponseWriter, r *http.Request) {
	v := suppliersView{Query: r.URL.Query().Get("q"), CanManage: can(r, domain.PermSupplier)}
	var err error
	if v.Suppliers, err = h.svc.Suppliers(r.Context(), v.Query); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.partner.suppliers.title", Active: "erp-suppliers"}, suppliersPage(v))
}

type supplierForm struct {
	ID                                        string
	Version                                   int64
	Code, Name, TaxID, Currency, PaymentTerms string
	LeadTime, Address, Status                 string
	ContactName, ContactPhone, ContactEmail   string
	Errors                                    map[string]string
	CanManage                                 bool
}

func (h *handler) supplierNew(w http.ResponseWriter, r *http.Request) {
	f := supplierForm{Currency: "CNY", Status: "active", LeadTime: "0", CanManage: true}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: "erp.partner.suppliers.new", Active: "erp-suppliers"}, supplierPage(f))
}

func (h *handler) supplierShow(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Supplier(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	f := supplierForm{ID: p.ID, Version: p.Version, Code: p.Code, Name: p.Name, TaxID: p.TaxID, Currency: p.Currency, PaymentTerms: p.PaymentTerms,
		LeadTime: strconv.Itoa(p.LeadTimeDays), Address: p.Address, Status: string(p.Status), ContactName: p.ContactName,
		ContactPhone: p.ContactPhone, ContactEmail: p.ContactEmail, CanManage: can(r, domain.PermSupplier)}
	h.pages.Show(w, r, http.StatusOK, webui.Page{Title: p.Name, Active: "erp-suppliers"}, supplierPage(f))
}

func (h *handler) supplierSave(w http.ResponseWriter, r *http.Request) {
	if err := erpui.ParseForm(w, r, 0); err != nil {
		h.pages.Fail(w, r, err)
		return
	}
	fr := erpui.NewForm(r.PostForm)
	f := supplierForm{ID: r.PathValue("id"), Code: fr.Text("code"), Name: fr.Text("name"), TaxID: fr.Text("tax_id"), Currency: fr.Text("currency"),
		PaymentTerms: fr.Text("payment_terms"), LeadTime: fr.Text("lead_time_days"), Address: fr.Text("address"), Status: fr.Text("status"),
		ContactName: fr.Text("contact_name"), ContactPhone: fr.Text("contact_phone"), ContactEmail: fr.Text("contact_email"), CanManage: true}
	f.Version, _ = strconv.ParseInt(fr.Text("version"), 10, 64)
	in := domain.PartnerSupplierInput{Code: f.Code, Name: f.Name, TaxID: f.TaxID, Currency: f.Currency, PaymentTerms: f.PaymentTerms,
		LeadTimeDays: fr.Int("lead_time_days", 0), Address: f.Address, ContactName: f.ContactName, ContactPhone: f.ContactPhone,
		ContactEmail: f.ContactEmail, Status: domain.Status(f.Status), Version: f.Version}
	err := fr.Err()
	if err == nil {
		var p domain.PartnerSupplier
		if p, err = h.svc.SaveSupplier(r.Context(), f.ID, in); err == nil {
			erpui.Redirect(w, r, "/erp/suppliers/"+p.ID, "erp.partner.flash.supplier_saved")
			return
		}
	}
	errs, ok := erpui.FormErrors(r.Context(), err)
	if !ok && apperr.KindOf(err) != apperr.KindPrecondition {
		h.pages.Fail(w, r, err)
		return
	}
	f.Errors = errs
	h.pages.ShowError(w, r, err, webui.Page{Title: "erp.partner.suppliers.title", Active: "erp-suppliers"}, supplierPage(f))
}

// ---- REST ----

type customerListInput struct {
	api.ListParams
	Q      string `query:"q" maxLength:"100"`
	Status string `query:"status" enum:"active,inactive"`
}

type customerOutput struct{ Body domain.PartnerCustomer }

type customerCreateInput struct{ Body domain.PartnerCustomerInput }

type customerUpdateInput struct {
	api.IDParam
	Body domain.PartnerCustomerInput
}

type supplierListInput struct {
	Q string `query:"q" maxLength:"100"`
}

type supplierOutput struct{ Body domain.PartnerSupplier }

type supplierCreateInput struct{ Body domain.PartnerSupplierInput }

type supplierUpdateInput struct {
	api.IDParam
	Body domain.PartnerSupplierInput
}

func (h *handler) operations(a *api.API) {
	tags := []string{"ERP partners"}
	api.Register(a, huma.Operation{OperationID: "erp-list-customers", Method: http.MethodGet, Path: "/erp/customers",
		Summary: "List customers", Description: "Customers kept from CRM and entered in ERP, by name.", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *customerListInput) (*api.ListOutput[domain.PartnerCustomer], error) {
			page, err := h.svc.Customers(ctx, core.CustomerFilter{Query: in.Q, Status: domain.Status(in.Status), Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &api.ListOutput[domain.PartnerCustomer]{Body: api.Page[domain.PartnerCustomer]{Items: page.Customers}}
			if page.Next != "" {
				out.Body.NextCursor = &page.Next
			}
			return out, nil
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-customer", Method: http.MethodGet, Path: "/erp/customers/{id}",
		Summary: "Get a customer", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *api.IDParam) (*customerOutput, error) {
			c, err := h.svc.Customer(ctx, in.ID)
			return &customerOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-customer", Method: http.MethodPost, Path: "/erp/customers",
		Summary: "Enter a customer in ERP", DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermCustomer,
		func(ctx context.Context, in *customerCreateInput) (*customerOutput, error) {
			c, err := h.svc.CreateCustomer(ctx, in.Body)
			return &customerOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-customer", Method: http.MethodPut, Path: "/erp/customers/{id}",
		Summary: "Change a customer entered in ERP", Description: "Customers from CRM are changed in CRM (412).", Tags: tags}, domain.PermCustomer,
		func(ctx context.Context, in *customerUpdateInput) (*customerOutput, error) {
			c, err := h.svc.UpdateCustomer(ctx, in.ID, in.Body)
			return &customerOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-suppliers", Method: http.MethodGet, Path: "/erp/suppliers",
		Summary: "List suppliers", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *supplierListInput) (*api.ListOutput[domain.PartnerSupplier], error) {
			ps, err := h.svc.Suppliers(ctx, in.Q)
			return &api.ListOutput[domain.PartnerSupplier]{Body: api.Page[domain.PartnerSupplier]{Items: ps}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-supplier", Method: http.MethodGet, Path: "/erp/suppliers/{id}",
		Summary: "Get a supplier", Tags: tags}, domain.PermRead,
		func(ctx context.Context, in *api.IDParam) (*supplierOutput, error) {
			p, err := h.svc.Supplier(ctx, in.ID)
			return &supplierOutput{Body: p}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-supplier", Method: http.MethodPost, Path: "/erp/suppliers",
		Summary: "Create a supplier", DefaultStatus: http.StatusCreated, Tags: tags}, domain.PermSupplier,
		func(ctx context.Context, in *supplierCreateInput) (*supplierOutput, error) {
			p, err := h.svc.SaveSupplier(ctx, "", in.Body)
			return &supplierOutput{Body: p}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-supplier", Method: http.MethodPut, Path: "/erp/suppliers/{id}",
		Summary: "Change a supplier", Tags: tags}, domain.PermSupplier,
		func(ctx context.Context, in *supplierUpdateInput) (*supplierOutput, error) {
			p, err := h.svc.SaveSupplier(ctx, in.ID, in.Body)
			return &supplierOutput{Body: p}, err
		})
}
