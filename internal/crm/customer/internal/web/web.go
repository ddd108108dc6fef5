// Package web serves the customer screens and REST operations. Handlers
// only translate between HTTP and the customer service, which checks
// permissions, scopes and input.
package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/access"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// pageSize is the number of rows a list page shows.
const pageSize = 25

// Handler serves the customer screens and operations.
type Handler struct {
	kit *crmui.Kit
	svc customer.Service

	mu      sync.Mutex
	panels  []panel
	figures []figures
}

type figures struct {
	order int
	f     customer.Figures
}

type panel struct {
	order int
	f     customer.Panel
}

// New returns the handler.
func New(kit *crmui.Kit, svc customer.Service) *Handler {
	return &Handler{kit: kit, svc: svc}
}

// Add registers a panel of the account page (customer.Panels).
func (h *Handler) Add(order int, p customer.Panel) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.panels = append(h.panels, panel{order, p})
	slices.SortStableFunc(h.panels, func(a, b panel) int { return a.order - b.order })
}

// AddFigures registers key figures of the account page (customer.Panels).
func (h *Handler) AddFigures(order int, f customer.Figures) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.figures = append(h.figures, figures{order, f})
	slices.SortStableFunc(h.figures, func(a, b figures) int { return a.order - b.order })
}

// Wire registers the routes and operations.
func (h *Handler) Wire() {
	k := h.kit
	k.Handle("GET /crm/accounts", customer.PermRead, h.list)
	k.Handle("GET /crm/accounts/new", customer.PermWrite, h.newForm)
	k.Handle("GET /crm/accounts/export", transfer.PermExport, h.exportAccounts)
	k.Handle("GET /crm/contacts/export", transfer.PermExport, h.exportContacts)
	k.Handle("GET /crm/pool/export", transfer.PermExport, h.exportPool)
	k.Handle("POST /crm/accounts", customer.PermWrite, h.create)
	k.Handle("GET /crm/accounts/{id}", customer.PermRead, h.detail)
	k.Handle("GET /crm/accounts/{id}/edit", customer.PermWrite, h.editForm)
	k.Handle("POST /crm/accounts/{id}", customer.PermWrite, h.update)
	k.Handle("POST /crm/accounts/{id}/owner", customer.PermAssign, h.assign)
	k.Handle("GET /crm/accounts/{id}/contacts/new", customer.PermWrite, h.newContact)
	k.Handle("POST /crm/accounts/{id}/contacts", customer.PermWrite, h.createContact)
	k.Handle("GET /crm/pool", customer.PermRead, h.pool)
	k.Handle("POST /crm/accounts/{id}/claim", customer.PermWrite, h.claim)
	k.Handle("POST /crm/accounts/{id}/release", customer.PermWrite, h.release)
	k.Handle("GET /crm/pool/rules", customer.PermPool, h.poolRules)
	k.Handle("POST /crm/pool/rules", customer.PermPool, h.savePoolRules)
	k.Handle("GET /crm/contacts", customer.PermRead, h.contacts)
	k.Handle("GET /crm/contacts/{id}/edit", customer.PermWrite, h.editContact)
	k.Handle("POST /crm/contacts/{id}", customer.PermWrite, h.updateContact)
	k.Handle("POST /crm/contacts/{id}/delete", customer.PermWrite, h.deleteContact)
	h.operations()
}

// ---- lists ----

type listView struct {
	Filter   customer.Filter
	Query    string
	Page     customer.Page
	Paging   crmui.Paging
	Tags     []string
	Owners   []directory.User
	ShowOwn  bool // the owner filter is offered
	CanWrite bool
	Export   string // the export's address; empty when the user may not export
}

// accountFilter reads the account list's filters from the address.
func accountFilter(r *http.Request) customer.Filter {
	q := r.URL.Query()
	f := customer.Filter{Query: q.Get("q"), Level: customer.Level(q.Get("level")), Industry: q.Get("industry"), Tag: q.Get("tag"),
		OwnerID: q.Get("owner"), Status: customer.Status(q.Get("status")), Sort: q.Get("sort"),
		Page: webui.PageParam(r), Limit: pageSize, Total: true}
	if !slices.Contains([]string{"", "name", "code", "-created_at", "-updated_at"}, f.Sort) {
		f.Sort = ""
	}
	return f
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	f := accountFilter(r)
	page, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := listView{Filter: f, Query: f.Query, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total},
		CanWrite: p.Can(customer.PermWrite), ShowOwn: access.Scope(p, customer.Kind) != authz.ScopeOwn}
	if p.Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/accounts/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "account-results" {
		h.kit.Fragment(w, r, http.StatusOK, accountResults(v))
		return
	}
	if v.Tags, err = h.svc.Tags(r.Context()); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if v.ShowOwn {
		if v.Owners, err = h.kit.Dir.List(r.Context(), directory.Filter{}); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.account.title", Active: "crm.accounts"}, accountsPage(v))
}

// ---- account form ----

type accountForm struct {
	ID        string
	In        customer.AccountInput
	Parent    string // code or name as typed
	Billing   customer.Address
	Shipping  customer.Address
	TagsText  string
	Errors    crmui.Errors
	General   string
	Owners    []directory.User
	CanAssign bool
	Masked    bool
}

func (h *Handler) owners(ctx context.Context) []directory.User {
	us, err := h.kit.Dir.List(ctx, directory.Filter{})
	if err != nil {
		h.kit.Log.WarnContext(ctx, "crm: list owners", "err", err)
	}
	return us
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	p := authz.FromContext(r.Context())
	f := accountForm{In: customer.AccountInput{Level: customer.LevelC, Currency: "CNY", Status: customer.StatusActive, OwnerID: p.UserID},
		CanAssign: p.Can(customer.PermAssign)}
	if f.CanAssign {
		f.Owners = h.owners(r.Context())
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.account.new_title", Active: "crm.accounts"}, accountFormPage(f))
}

// readAccount reads the account form.
func (h *Handler) readAccount(r *http.Request) accountForm {
	v := r.PostForm
	f := accountForm{TagsText: v.Get("tags"), Parent: v.Get("parent_id")}
	f.In = customer.AccountInput{Code: v.Get("code"), Name: v.Get("name"), ShortName: v.Get("short_name"),
		Level: customer.Level(v.Get("level")), Industry: v.Get("industry"), TaxID: v.Get("tax_id"), Currency: v.Get("currency"),
		Status: customer.Status(v.Get("status")), OwnerID: v.Get("owner_id"), Phone: v.Get("phone"), Mobile: v.Get("mobile"),
		Email: v.Get("email"), Website: v.Get("website"), Region: v.Get("region"), Notes: v.Get("notes"),
		Tags: splitTags(v.Get("tags"))}
	f.In.Version, _ = strconv.Atoi(v.Get("version"))
	addr := func(i int, kind customer.AddressKind) customer.Address {
		g := func(n string) string { return v.Get("addresses[" + strconv.Itoa(i) + "]." + n) }
		return customer.Address{Kind: kind, Province: g("province"), City: g("city"), District: g("district"), Street: g("street"),
			Postcode: g("postcode"), Recipient: g("recipient"), Phone: g("phone")}
	}
	f.Billing, f.Shipping = addr(0, customer.AddressBilling), addr(1, customer.AddressShipping)
	f.In.Addresses = []customer.Address{f.Billing, f.Shipping}
	return f
}

func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' })
}

// resolveParent turns the typed parent (code or name) into an id.
func (h *Handler) resolveParent(ctx context.Context, f *accountForm) error {
	f.Parent = strings.TrimSpace(f.Parent)
	if f.Parent == "" {
		return nil
	}
	acc, err := h.svc.Lookup(ctx, f.Parent)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return apperr.Invalid("parent_id", "crm.account.error.parent_unknown", "No customer you can see has this code or name")
	}
	if err != nil {
		return err
	}
	f.In.ParentID = acc.ID
	return nil
}

var accountFields = []string{"code", "name", "short_name", "level", "industry", "tax_id", "currency", "status", "parent_id", "owner_id",
	"phone", "mobile", "email", "website", "region", "notes", "tags", "addresses[*"}

func (h *Handler) formFailed(w http.ResponseWriter, r *http.Request, f accountForm, err error, title string) {
	fields, general, ok := crmui.FormErrors(r.Context(), err, accountFields...)
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	f.Errors, f.General = fields, general
	p := authz.FromContext(r.Context())
	f.CanAssign = p.Can(customer.PermAssign)
	if f.CanAssign && f.ID == "" {
		f.Owners = h.owners(r.Context())
	}
	h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: title, Active: "crm.accounts"}, accountFormPage(f))
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	f := h.readAccount(r)
	err := h.resolveParent(r.Context(), &f)
	var acc *customer.Account
	if err == nil {
		acc, err = h.svc.Create(r.Context(), f.In)
	}
	if err != nil {
		h.formFailed(w, r, f, err, "crm.account.new_title")
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+acc.ID, "account_created")
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	acc, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := accountForm{ID: acc.ID, Parent: acc.ParentName, TagsText: strings.Join(acc.Tags, ", "), Masked: acc.Masked,
		In: customer.AccountInput{Code: acc.Code, Name: acc.Name, ShortName: acc.ShortName, Level: acc.Level, Industry: acc.Industry,
			TaxID: acc.TaxID, Currency: acc.Currency, Status: acc.Status, ParentID: acc.ParentID, OwnerID: acc.OwnerID,
			Phone: acc.Phone, Mobile: acc.Mobile, Email: acc.Email, Website: acc.Website, Region: acc.Region, Notes: acc.Notes,
			Tags: acc.Tags, Version: acc.Version}}
	if a, ok := acc.Address(customer.AddressBilling); ok {
		f.Billing = a
	}
	if a, ok := acc.Address(customer.AddressShipping); ok {
		f.Shipping = a
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.account.edit_title", Active: "crm.accounts"}, accountFormPage(f))
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	f := h.readAccount(r)
	f.ID = r.PathValue("id")
	err := h.resolveParent(r.Context(), &f)
	if err == nil {
		_, err = h.svc.Update(r.Context(), f.ID, f.In)
	}
	if err != nil {
		if cur, gerr := h.svc.Get(r.Context(), f.ID); gerr == nil {
			f.Masked = cur.Masked
			if cur.Masked {
				f.In.Mobile, f.In.Email = cur.Mobile, cur.Email
			}
		}
		h.formFailed(w, r, f, err, "crm.account.edit_title")
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+f.ID, "account_saved")
}

func (h *Handler) assign(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.svc.Assign(r.Context(), id, r.PostForm.Get("owner_id")); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+id, "account_assigned")
}

// ---- account page ----

type detailView struct {
	Acc       *customer.Account
	Contacts  []customer.Contact
	Children  []customer.Account
	Panels    []templ.Component
	Owners    []directory.User
	CanWrite  bool
	CanAssign bool
	Figures   []customer.Figure
	// CanClaim and CanRelease offer to take the account from, or put it
	// back into, the pool.
	CanClaim, CanRelease bool
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acc, err := h.svc.Open(ctx, r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := authz.FromContext(ctx)
	// A pool account is only shown to a user outside its scope, until claimed.
	works, err := h.svc.Visible(ctx, acc.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := detailView{Acc: acc, CanWrite: p.Can(customer.PermWrite) && works, CanAssign: p.Can(customer.PermAssign) && works,
		CanClaim: acc.InPool() && p.Can(customer.PermWrite)}
	v.CanRelease = !acc.InPool() && v.CanWrite && (access.Owns(p, acc.OwnerID) || v.CanAssign)
	cs, err := h.svc.ListContacts(ctx, customer.ContactFilter{AccountID: acc.ID, Limit: 100})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v.Contacts = cs.Items
	kids, err := h.svc.List(ctx, customer.Filter{ParentID: acc.ID, Limit: 100})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v.Children = kids.Items
	if v.CanAssign {
		v.Owners = h.owners(ctx)
	}
	h.mu.Lock()
	panels, figs := slices.Clone(h.panels), slices.Clone(h.figures)
	h.mu.Unlock()
	if !works {
		panels, figs = nil, nil
	} else {
		v.Figures = append(v.Figures, lastContact(ctx, acc, h.kit.Env.Now()))
	}
	for _, fs := range figs {
		more, err := fs.f(ctx, acc)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		v.Figures = append(v.Figures, more...)
	}
	for _, pn := range panels {
		c, err := pn.f(ctx, acc)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if c != nil {
			v.Panels = append(v.Panels, c)
		}
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: acc.Name, Active: "crm.accounts"}, accountPage(v))
}

// ---- contacts ----

type contactForm struct {
	ID        string
	AccountID string
	Account   string
	In        customer.ContactInput
	Errors    crmui.Errors
	General   string
	Masked    bool
}

var contactFields = []string{"name", "title", "department", "mobile", "phone", "email", "wechat", "notes"}

func readContact(r *http.Request) customer.ContactInput {
	v := r.PostForm
	in := customer.ContactInput{Name: v.Get("name"), Title: v.Get("title"), Department: v.Get("department"), Mobile: v.Get("mobile"),
		Phone: v.Get("phone"), Email: v.Get("email"), WeChat: v.Get("wechat"), Primary: v.Get("primary") != "", Notes: v.Get("notes")}
	in.Version, _ = strconv.Atoi(v.Get("version"))
	return in
}

func (h *Handler) newContact(w http.ResponseWriter, r *http.Request) {
	acc, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := contactForm{AccountID: acc.ID, Account: acc.Name}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.contact.new_title", Active: "crm.accounts"}, contactFormPage(f))
}

func (h *Handler) contactFailed(w http.ResponseWriter, r *http.Request, f contactForm, err error, title string) {
	fields, general, ok := crmui.FormErrors(r.Context(), err, contactFields...)
	if !ok {
		h.kit.Fail(w, r, err)
		return
	}
	f.Errors, f.General = fields, general
	h.kit.Show(w, r, apperr.Status(err), webui.Page{Title: title, Active: "crm.accounts"}, contactFormPage(f))
}

func (h *Handler) createContact(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f := contactForm{AccountID: id, In: readContact(r)}
	if _, err := h.svc.CreateContact(r.Context(), id, f.In); err != nil {
		if acc, gerr := h.svc.Get(r.Context(), id); gerr == nil {
			f.Account = acc.Name
		}
		h.contactFailed(w, r, f, err, "crm.contact.new_title")
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+id, "contact_created")
}

func (h *Handler) editContact(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.GetContact(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := contactForm{ID: c.ID, AccountID: c.AccountID, Account: c.AccountName, Masked: c.Masked,
		In: customer.ContactInput{Name: c.Name, Title: c.Title, Department: c.Department, Mobile: c.Mobile, Phone: c.Phone,
			Email: c.Email, WeChat: c.WeChat, Primary: c.Primary, Notes: c.Notes, Version: c.Version}}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.contact.edit_title", Active: "crm.accounts"}, contactFormPage(f))
}

func (h *Handler) updateContact(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	in := readContact(r)
	c, err := h.svc.UpdateContact(r.Context(), id, in)
	if err != nil {
		f := contactForm{ID: id, In: in}
		if cur, gerr := h.svc.GetContact(r.Context(), id); gerr == nil {
			f.AccountID, f.Account, f.Masked = cur.AccountID, cur.AccountName, cur.Masked
			if cur.Masked {
				f.In.Mobile, f.In.Email = cur.Mobile, cur.Email
			}
		}
		h.contactFailed(w, r, f, err, "crm.contact.edit_title")
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+c.AccountID, "contact_saved")
}

func (h *Handler) deleteContact(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := h.svc.GetContact(r.Context(), id)
	if err == nil {
		err = h.svc.DeleteContact(r.Context(), id)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	crmui.Redirect(w, r, "/crm/accounts/"+c.AccountID, "contact_deleted")
}

type contactsView struct {
	Export string
	Query  string
	Page   customer.ContactPage
	Paging crmui.Paging
}

func (h *Handler) contacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	f := customer.ContactFilter{Query: q, Page: webui.PageParam(r), Limit: pageSize, Total: true}
	page, err := h.svc.ListContacts(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := contactsView{Query: q, Page: page, Paging: crmui.Paging{Page: f.Page, Size: pageSize, Total: page.Total}}
	if authz.FromContext(r.Context()).Can(transfer.PermExport) {
		v.Export = crmui.ExportHref("/crm/contacts/export", r)
	}
	if webui.IsHTMX(r) && r.Header.Get("HX-Target") == "contact-results" {
		h.kit.Fragment(w, r, http.StatusOK, contactResults(v))
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.contact.title", Active: "crm.contacts"}, contactsPage(v))
}
