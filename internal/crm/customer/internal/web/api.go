package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/customer/internal/service"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/platform/api"
)

// CRMAddress is a postal address of a customer account.
type CRMAddress struct {
	Kind      string `json:"kind" enum:"billing,shipping,office"`
	Province  string `json:"province,omitempty" maxLength:"40"`
	City      string `json:"city,omitempty" maxLength:"40"`
	District  string `json:"district,omitempty" maxLength:"40"`
	Street    string `json:"street,omitempty" maxLength:"200"`
	Postcode  string `json:"postcode,omitempty" maxLength:"10" doc:"Six digits."`
	Recipient string `json:"recipient,omitempty" maxLength:"60"`
	Phone     string `json:"phone,omitempty" maxLength:"30"`
}

// CRMAccount is a customer account. mobile and email are masked (138****5678)
// unless the caller owns the account or may see every customer's details.
type CRMAccount struct {
	ID            string       `json:"id" format:"uuid"`
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	ShortName     string       `json:"short_name"`
	Level         string       `json:"level" enum:"A,B,C"`
	Industry      string       `json:"industry"`
	TaxID         string       `json:"tax_id"`
	Currency      string       `json:"currency"`
	Status        string       `json:"status" enum:"active,inactive"`
	ParentID      string       `json:"parent_id,omitempty"`
	ParentName    string       `json:"parent_name,omitempty"`
	OwnerID       string       `json:"owner_id,omitempty" doc:"Empty when the account is in the customer pool."`
	OwnerName     string       `json:"owner_name,omitempty"`
	Phone         string       `json:"phone"`
	Mobile        string       `json:"mobile"`
	Email         string       `json:"email"`
	Website       string       `json:"website"`
	Region        string       `json:"region"`
	Notes         string       `json:"notes"`
	Tags          []string     `json:"tags" nullable:"false"`
	Addresses     []CRMAddress `json:"addresses" nullable:"false"`
	Masked        bool         `json:"masked" doc:"Whether mobile and email are masked for the caller."`
	OwnedAt       *time.Time   `json:"owned_at,omitempty" doc:"When the owner got the account; absent in the pool."`
	LastContactAt *time.Time   `json:"last_contact_at,omitempty" doc:"The last call, visit or meeting."`
	LastWonAt     *time.Time   `json:"last_won_at,omitempty" doc:"When the last deal was won."`
	ReturnsAt     *time.Time   `json:"returns_at,omitempty" doc:"On a single account: when it goes back to the pool unless followed up."`
	Version       int          `json:"version" doc:"Send it back with an update to detect changes made in the meantime."`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

// CRMPoolLevel is the pool rule of one customer level.
type CRMPoolLevel struct {
	Level        string `json:"level" enum:"A,B,C"`
	FollowUpDays int    `json:"follow_up_days" doc:"Days without a call, visit or meeting after which the customer goes back to the pool; 0 never."`
	DealDays     int    `json:"deal_days" doc:"Days without a won deal after which the customer goes back to the pool; 0 never."`
}

// CRMPoolRules are the rules of the customer pool.
type CRMPoolRules struct {
	Enabled  bool           `json:"enabled" doc:"Whether idle customers go back to the pool by themselves."`
	Levels   []CRMPoolLevel `json:"levels" nullable:"false" doc:"On update, levels not listed keep their rules."`
	WarnDays int            `json:"warn_days" doc:"How many days before an owner is told."`
	MaxOwned int            `json:"max_owned" doc:"Most customers one user may own; 0 no limit."`
}

// CRMAccountInput creates or replaces a customer account.
type CRMAccountInput struct {
	Code      string       `json:"code,omitempty" maxLength:"20" doc:"Unique; empty on create numbers the account (C000123)."`
	Name      string       `json:"name" maxLength:"100"`
	ShortName string       `json:"short_name,omitempty" maxLength:"40"`
	Level     string       `json:"level,omitempty" doc:"A, B or C; C when empty."`
	Industry  string       `json:"industry,omitempty" doc:"One of automotive, motorcycle, machinery, electrical, electronics, appliances, lighting, telecom, medical, energy, construction, trading, general."`
	TaxID     string       `json:"tax_id,omitempty" maxLength:"20"`
	Currency  string       `json:"currency,omitempty" doc:"CNY, USD, EUR, JPY or HKD; CNY when empty."`
	Status    string       `json:"status,omitempty" doc:"active or inactive; active when empty."`
	ParentID  string       `json:"parent_id,omitempty" doc:"The parent company's account id."`
	OwnerID   string       `json:"owner_id,omitempty" doc:"On create: the owner, the caller when empty (another user needs crm.account.assign). Ignored on update."`
	Phone     string       `json:"phone,omitempty"`
	Mobile    string       `json:"mobile,omitempty" doc:"Ignored on update when the caller sees it masked."`
	Email     string       `json:"email,omitempty" doc:"Ignored on update when the caller sees it masked."`
	Website   string       `json:"website,omitempty" maxLength:"200"`
	Region    string       `json:"region,omitempty" maxLength:"40" doc:"Province, used to route leads."`
	Notes     string       `json:"notes,omitempty" maxLength:"2000"`
	Tags      []string     `json:"tags,omitempty" maxItems:"10"`
	Addresses []CRMAddress `json:"addresses,omitempty" maxItems:"10"`
	Version   int          `json:"version,omitempty" doc:"On update: the version read; the update is refused (412) when the account changed since. 0 skips the check."`
}

// CRMAccountOwner is the body that gives an account to another owner.
type CRMAccountOwner struct {
	OwnerID string `json:"owner_id" doc:"The new owner's user id."`
}

// CRMContact is a person at a customer account; mobile and email are masked
// as the account's are.
type CRMContact struct {
	ID          string    `json:"id" format:"uuid"`
	AccountID   string    `json:"account_id" format:"uuid"`
	AccountName string    `json:"account_name"`
	Name        string    `json:"name"`
	Title       string    `json:"title"`
	Department  string    `json:"department"`
	Mobile      string    `json:"mobile"`
	Phone       string    `json:"phone"`
	Email       string    `json:"email"`
	WeChat      string    `json:"wechat"`
	Primary     bool      `json:"primary"`
	Notes       string    `json:"notes"`
	Masked      bool      `json:"masked"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CRMContactInput creates or replaces a contact.
type CRMContactInput struct {
	Name       string `json:"name" maxLength:"60"`
	Title      string `json:"title,omitempty" maxLength:"60"`
	Department string `json:"department,omitempty" maxLength:"60"`
	Mobile     string `json:"mobile,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	WeChat     string `json:"wechat,omitempty" maxLength:"60"`
	Primary    bool   `json:"primary,omitempty" doc:"Make this the account's primary contact (the first contact always is)."`
	Notes      string `json:"notes,omitempty" maxLength:"2000"`
	Version    int    `json:"version,omitempty"`
}

type (
	accountOut     struct{ Body CRMAccount }
	accountCreated struct {
		Location string `header:"Location"`
		Body     CRMAccount
	}
	listAccountsIn struct {
		api.ListParams
		Query    string `query:"q" maxLength:"100" doc:"Part of the code, name, short name, pinyin initials, mobile or e-mail."`
		Level    string `query:"level" enum:"A,B,C"`
		Industry string `query:"industry"`
		Tag      string `query:"tag"`
		OwnerID  string `query:"owner_id"`
		Status   string `query:"status" enum:"active,inactive"`
		ParentID string `query:"parent_id"`
	}
	createAccountIn struct{ Body CRMAccountInput }
	updateAccountIn struct {
		api.IDParam
		Body CRMAccountInput
	}
	assignAccountIn struct {
		api.IDParam
		Body CRMAccountOwner
	}
	contactOut     struct{ Body CRMContact }
	contactCreated struct {
		Location string `header:"Location"`
		Body     CRMContact
	}
	createContactIn struct {
		api.IDParam
		Body CRMContactInput
	}
	updateContactIn struct {
		api.IDParam
		Body CRMContactInput
	}
	listPoolIn struct {
		api.ListParams
		Query    string `query:"q" maxLength:"100" doc:"Part of the code, name, short name or pinyin initials."`
		Level    string `query:"level" enum:"A,B,C"`
		Industry string `query:"industry"`
	}
	poolRulesOut   struct{ Body CRMPoolRules }
	poolRulesIn    struct{ Body CRMPoolRules }
	listContactsIn struct {
		api.ListParams
		AccountID string `query:"account_id" doc:"Only the contacts of this account."`
		Query     string `query:"q" maxLength:"100" doc:"Part of the name, the account's name, the mobile or the e-mail."`
	}
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-accounts", Method: http.MethodGet, Path: "/crm/accounts",
		Summary: "List customer accounts", Description: "Accounts the caller may see (own, team or company scope). Sort: " + strings.Join(service.AccountSort().Fields, ", ") + ".",
	}, customer.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-account", Method: http.MethodPost, Path: "/crm/accounts",
		Summary: "Create a customer account", DefaultStatus: http.StatusCreated,
		Description: "Emits crm.account.upserted.",
	}, customer.PermWrite, h.apiCreate)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-account", Method: http.MethodGet, Path: "/crm/accounts/{id}",
		Summary: "Get a customer account", Description: "An account the caller may see, or one in the customer pool (masked).",
	}, customer.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-account", Method: http.MethodPut, Path: "/crm/accounts/{id}",
		Summary: "Replace a customer account's fields", Description: "The owner stays (see crm-assign-account). Emits crm.account.upserted.",
		Errors: []int{http.StatusPreconditionFailed},
	}, customer.PermWrite, h.apiUpdate)
	crmui.Register(k, huma.Operation{OperationID: "crm-assign-account", Method: http.MethodPut, Path: "/crm/accounts/{id}/owner",
		Summary: "Give a customer account to another owner", Description: "Emits crm.account.upserted.",
	}, customer.PermAssign, h.apiAssign)
	crmui.Register(k, huma.Operation{OperationID: "crm-list-pool", Method: http.MethodGet, Path: "/crm/pool",
		Summary: "List the customer pool", Description: "Accounts nobody owns, by name; anyone who may read customers sees them, masked.",
	}, customer.PermRead, h.apiPool)
	crmui.Register(k, huma.Operation{OperationID: "crm-claim-account", Method: http.MethodPost, Path: "/crm/accounts/{id}/claim",
		Summary: "Claim an account from the customer pool", Errors: []int{http.StatusConflict, http.StatusPreconditionFailed},
		Description: "The caller becomes the owner; 409 when somebody else got it first, 412 (crm.pool.error.limit) when the caller owns the most customers allowed. Emits crm.account.upserted.",
	}, customer.PermWrite, h.apiClaim)
	crmui.Register(k, huma.Operation{OperationID: "crm-release-account", Method: http.MethodPost, Path: "/crm/accounts/{id}/release",
		Summary:     "Put an account back into the customer pool",
		Description: "The owner, or a holder of crm.account.assign, may release. Emits crm.account.upserted.",
	}, customer.PermWrite, h.apiRelease)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-pool-rules", Method: http.MethodGet, Path: "/crm/pool/rules",
		Summary: "Get the customer pool's rules",
	}, customer.PermRead, h.apiPoolRules)
	crmui.Register(k, huma.Operation{OperationID: "crm-put-pool-rules", Method: http.MethodPut, Path: "/crm/pool/rules",
		Summary: "Replace the customer pool's rules",
	}, customer.PermPool, h.apiPutPoolRules)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-contact", Method: http.MethodPost, Path: "/crm/accounts/{id}/contacts",
		Summary: "Add a contact to a customer account", DefaultStatus: http.StatusCreated,
	}, customer.PermWrite, h.apiCreateContact)
	crmui.Register(k, huma.Operation{OperationID: "crm-list-contacts", Method: http.MethodGet, Path: "/crm/contacts",
		Summary: "List contacts", Description: "Contacts of the accounts the caller may see, by name. Sort: name.",
	}, customer.PermRead, h.apiListContacts)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-contact", Method: http.MethodGet, Path: "/crm/contacts/{id}",
		Summary: "Get a contact",
	}, customer.PermRead, h.apiGetContact)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-contact", Method: http.MethodPut, Path: "/crm/contacts/{id}",
		Summary: "Replace a contact's fields", Errors: []int{http.StatusPreconditionFailed},
	}, customer.PermWrite, h.apiUpdateContact)
	crmui.Register(k, huma.Operation{OperationID: "crm-delete-contact", Method: http.MethodDelete, Path: "/crm/contacts/{id}",
		Summary: "Delete a contact", DefaultStatus: http.StatusNoContent,
	}, customer.PermWrite, h.apiDeleteContact)
}

func toAPI(a *customer.Account) CRMAccount {
	out := CRMAccount{ID: a.ID, Code: a.Code, Name: a.Name, ShortName: a.ShortName, Level: string(a.Level), Industry: a.Industry,
		TaxID: a.TaxID, Currency: a.Currency, Status: string(a.Status), ParentID: a.ParentID, ParentName: a.ParentName,
		OwnerID: a.OwnerID, OwnerName: a.OwnerName, Phone: a.Phone, Mobile: a.Mobile, Email: a.Email, Website: a.Website,
		Region: a.Region, Notes: a.Notes, Tags: a.Tags, Addresses: []CRMAddress{}, Masked: a.Masked, Version: a.Version,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		OwnedAt: optTime(a.OwnedAt), LastContactAt: optTime(a.LastContactAt), LastWonAt: optTime(a.LastWonAt), ReturnsAt: optTime(a.ReturnsAt)}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	for _, ad := range a.Addresses {
		out.Addresses = append(out.Addresses, CRMAddress{Kind: string(ad.Kind), Province: ad.Province, City: ad.City,
			District: ad.District, Street: ad.Street, Postcode: ad.Postcode, Recipient: ad.Recipient, Phone: ad.Phone})
	}
	return out
}

func fromAPI(in CRMAccountInput) customer.AccountInput {
	out := customer.AccountInput{Code: in.Code, Name: in.Name, ShortName: in.ShortName, Level: customer.Level(in.Level),
		Industry: in.Industry, TaxID: in.TaxID, Currency: in.Currency, Status: customer.Status(in.Status), ParentID: in.ParentID,
		OwnerID: in.OwnerID, Phone: in.Phone, Mobile: in.Mobile, Email: in.Email, Website: in.Website, Region: in.Region,
		Notes: in.Notes, Tags: in.Tags, Version: in.Version}
	for _, ad := range in.Addresses {
		a := customer.Address{Kind: customer.AddressKind(ad.Kind), Province: ad.Province, City: ad.City, District: ad.District,
			Street: ad.Street, Postcode: ad.Postcode, Recipient: ad.Recipient, Phone: ad.Phone}
		out.Addresses = append(out.Addresses, a)
	}
	return out
}

func (h *Handler) apiList(ctx context.Context, in *listAccountsIn) (*api.ListOutput[CRMAccount], error) {
	page, err := h.svc.List(ctx, customer.Filter{Query: in.Query, Level: customer.Level(in.Level), Industry: in.Industry, Tag: in.Tag,
		OwnerID: in.OwnerID, Status: customer.Status(in.Status), ParentID: in.ParentID, Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMAccount]{Body: api.Page[CRMAccount]{Items: make([]CRMAccount, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, toAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiCreate(ctx context.Context, in *createAccountIn) (*accountCreated, error) {
	acc, err := h.svc.Create(ctx, fromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &accountCreated{Location: api.Prefix + "/crm/accounts/" + acc.ID, Body: toAPI(acc)}, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*accountOut, error) {
	acc, err := h.svc.Open(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOut{toAPI(acc)}, nil
}

func (h *Handler) apiUpdate(ctx context.Context, in *updateAccountIn) (*accountOut, error) {
	acc, err := h.svc.Update(ctx, in.ID, fromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &accountOut{toAPI(acc)}, nil
}

func (h *Handler) apiAssign(ctx context.Context, in *assignAccountIn) (*accountOut, error) {
	acc, err := h.svc.Assign(ctx, in.ID, in.Body.OwnerID)
	if err != nil {
		return nil, err
	}
	return &accountOut{toAPI(acc)}, nil
}

func contactToAPI(c *customer.Contact) CRMContact {
	return CRMContact{ID: c.ID, AccountID: c.AccountID, AccountName: c.AccountName, Name: c.Name, Title: c.Title,
		Department: c.Department, Mobile: c.Mobile, Phone: c.Phone, Email: c.Email, WeChat: c.WeChat, Primary: c.Primary,
		Notes: c.Notes, Masked: c.Masked, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func contactFromAPI(in CRMContactInput) customer.ContactInput {
	return customer.ContactInput{Name: in.Name, Title: in.Title, Department: in.Department, Mobile: in.Mobile, Phone: in.Phone,
		Email: in.Email, WeChat: in.WeChat, Primary: in.Primary, Notes: in.Notes, Version: in.Version}
}

func (h *Handler) apiCreateContact(ctx context.Context, in *createContactIn) (*contactCreated, error) {
	c, err := h.svc.CreateContact(ctx, in.ID, contactFromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &contactCreated{Location: api.Prefix + "/crm/contacts/" + c.ID, Body: contactToAPI(c)}, nil
}

func (h *Handler) apiListContacts(ctx context.Context, in *listContactsIn) (*api.ListOutput[CRMContact], error) {
	if _, err := (api.SortSpec{Fields: []string{"name"}}).Parse(in.Sort); err != nil {
		return nil, err
	}
	page, err := h.svc.ListContacts(ctx, customer.ContactFilter{AccountID: in.AccountID, Query: in.Query, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMContact]{Body: api.Page[CRMContact]{Items: make([]CRMContact, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, contactToAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiGetContact(ctx context.Context, in *api.IDParam) (*contactOut, error) {
	c, err := h.svc.GetContact(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &contactOut{contactToAPI(c)}, nil
}

func (h *Handler) apiUpdateContact(ctx context.Context, in *updateContactIn) (*contactOut, error) {
	c, err := h.svc.UpdateContact(ctx, in.ID, contactFromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &contactOut{contactToAPI(c)}, nil
}

func (h *Handler) apiDeleteContact(ctx context.Context, in *api.IDParam) (*struct{}, error) {
	return nil, h.svc.DeleteContact(ctx, in.ID)
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *Handler) apiPool(ctx context.Context, in *listPoolIn) (*api.ListOutput[CRMAccount], error) {
	if _, err := (api.SortSpec{Fields: []string{"name"}}).Parse(in.Sort); err != nil {
		return nil, err
	}
	page, err := h.svc.List(ctx, customer.Filter{InPool: true, Query: in.Query, Level: customer.Level(in.Level), Industry: in.Industry,
		Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMAccount]{Body: api.Page[CRMAccount]{Items: make([]CRMAccount, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, toAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiClaim(ctx context.Context, in *api.IDParam) (*accountOut, error) {
	acc, err := h.svc.Claim(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOut{toAPI(acc)}, nil
}

func (h *Handler) apiRelease(ctx context.Context, in *api.IDParam) (*accountOut, error) {
	acc, err := h.svc.Release(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOut{toAPI(acc)}, nil
}

func poolRulesToAPI(ps customer.PoolSettings) CRMPoolRules {
	out := CRMPoolRules{Enabled: ps.Enabled, WarnDays: ps.WarnDays, MaxOwned: ps.MaxOwned, Levels: []CRMPoolLevel{}}
	for _, l := range customer.Levels {
		r := ps.Rules[l]
		out.Levels = append(out.Levels, CRMPoolLevel{Level: string(l), FollowUpDays: r.FollowUpDays, DealDays: r.DealDays})
	}
	return out
}

func (h *Handler) apiPoolRules(ctx context.Context, _ *struct{}) (*poolRulesOut, error) {
	ps, err := h.svc.PoolSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &poolRulesOut{poolRulesToAPI(ps)}, nil
}

func (h *Handler) apiPutPoolRules(ctx context.Context, in *poolRulesIn) (*poolRulesOut, error) {
	ps, err := h.svc.PoolSettings(ctx)
	if err != nil {
		return nil, err
	}
	ps.Enabled, ps.WarnDays, ps.MaxOwned = in.Body.Enabled, in.Body.WarnDays, in.Body.MaxOwned
	for _, l := range in.Body.Levels {
		ps.Rules[customer.Level(l.Level)] = customer.PoolRule{FollowUpDays: l.FollowUpDays, DealDays: l.DealDays}
	}
	if ps, err = h.svc.SavePoolSettings(ctx, ps); err != nil {
		return nil, err
	}
	return &poolRulesOut{poolRulesToAPI(ps)}, nil
}
