package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
)

// exportLimit is the page size an export reads the list with.
const exportLimit = 200

var accountHeadings = []string{"crm.account.code", "crm.account.name", "crm.account.short_name", "crm.account.level",
	"crm.account.industry", "crm.account.region", "crm.account.owner", "crm.account.phone", "crm.account.mobile",
	"crm.account.email", "crm.account.website", "crm.account.tax_id", "crm.account.currency", "crm.account.status",
	"crm.account.parent", "crm.account.tags", "crm.common.created"}

func (h *Handler) exportList(w http.ResponseWriter, r *http.Request, f customer.Filter, title string) {
	ctx := r.Context()
	f.Page, f.Total, f.Limit = 0, false, exportLimit
	h.kit.Export(w, r, t(ctx, title), accountHeadings, func(yield func(...any) bool) error {
		return crmui.EachPage(func(cursor string) ([]customer.Account, string, error) {
			f.Cursor = cursor
			page, err := h.svc.List(ctx, f)
			return page.Items, page.Next, err
		}, func(a *customer.Account) bool {
			return yield(a.Code, a.Name, a.ShortName, string(a.Level), industryLabel(ctx, a.Industry), a.Region,
				ownerName(ctx, a.OwnerID, a.OwnerName), a.Phone, a.Mobile, a.Email, a.Website, a.TaxID, a.Currency,
				t(ctx, "crm.account.status_label."+string(a.Status)), a.ParentName, strings.Join(a.Tags, ", "), a.CreatedAt)
		})
	})
}

func (h *Handler) exportAccounts(w http.ResponseWriter, r *http.Request) {
	h.exportList(w, r, accountFilter(r), "crm.account.title")
}

func (h *Handler) exportPool(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.exportList(w, r, customer.Filter{InPool: true, Query: q.Get("q"), Level: customer.Level(q.Get("level")), Industry: q.Get("industry")},
		"crm.pool.title")
}

func (h *Handler) exportContacts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := customer.ContactFilter{Query: r.URL.Query().Get("q"), Limit: exportLimit}
	headings := []string{"crm.contact.name", "crm.contact.account", "crm.contact.job_title", "crm.contact.department",
		"crm.contact.mobile", "crm.contact.phone", "crm.contact.email", "crm.contact.wechat", "crm.contact.primary", "crm.contact.notes"}
	h.kit.Export(w, r, t(ctx, "crm.contact.title"), headings, func(yield func(...any) bool) error {
		return crmui.EachPage(func(cursor string) ([]customer.Contact, string, error) {
			f.Cursor = cursor
			page, err := h.svc.ListContacts(ctx, f)
			return page.Items, page.Next, err
		}, func(c *customer.Contact) bool {
			return yield(c.Name, c.AccountName, c.Title, c.Department, c.Mobile, c.Phone, c.Email, c.WeChat, yesNo(ctx, c.Primary), c.Notes)
		})
	})
}

func yesNo(ctx context.Context, b bool) string {
	if b {
		return t(ctx, "crm.common.yes")
	}
	return ""
}
