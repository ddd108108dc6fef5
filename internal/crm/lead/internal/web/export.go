package web

import (
	"net/http"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
)

// export answers the lead list, with its filters, as an Excel file.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := leadFilter(r)
	f.Page, f.Total, f.Limit = 0, false, 200
	headings := []string{"crm.lead.number", "crm.lead.company", "crm.lead.contact_name", "crm.lead.job_title", "crm.lead.mobile",
		"crm.lead.phone", "crm.lead.email", "crm.lead.region", "crm.lead.industry", "crm.lead.source", "crm.lead.campaign",
		"crm.lead.product_interest", "crm.lead.budget", "crm.lead.currency", "crm.lead.status", "crm.lead.reason", "crm.lead.owner",
		"crm.lead.created", "crm.lead.notes"}
	h.kit.Export(w, r, t(ctx, "crm.lead.title"), headings, func(yield func(...any) bool) error {
		return crmui.EachPage(func(cursor string) ([]lead.Lead, string, error) {
			f.Cursor = cursor
			page, err := h.svc.List(ctx, f)
			return page.Items, page.Next, err
		}, func(l *lead.Lead) bool {
			industry := ""
			if l.Industry != "" {
				industry = t(ctx, "crm.industry."+l.Industry)
			}
			source := ""
			if l.Source != "" {
				source = t(ctx, "crm.lead_source."+l.Source)
			}
			owner := l.OwnerName
			if l.OwnerID == "" {
				owner = t(ctx, "crm.lead.unassigned")
			}
			return yield(l.Number, l.Company, l.ContactName, l.Title, l.Mobile, l.Phone, l.Email, l.Region, industry, source,
				l.CampaignName, l.ProductInterest, l.Budget, l.Currency, t(ctx, "crm.lead.status_label."+string(l.Status)), l.Reason,
				owner, l.CreatedAt, l.Notes)
		})
	})
}
