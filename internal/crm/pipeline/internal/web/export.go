package web

import (
	"net/http"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
)

// export answers the opportunity list, with its filters, as an Excel file.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := oppFilter(r)
	f.Page, f.Total, f.Limit = 0, false, 200
	headings := []string{"crm.opportunity.number", "crm.opportunity.name", "crm.opportunity.account", "crm.opportunity.stage",
		"crm.opportunity.probability", "crm.opportunity.amount", "crm.opportunity.currency", "crm.opportunity.close_date",
		"crm.opportunity.owner", "crm.opportunity.status", "crm.opportunity.created"}
	h.kit.Export(w, r, t(ctx, "crm.opportunity.title"), headings, func(yield func(...any) bool) error {
		return crmui.EachPage(func(cursor string) ([]pipeline.Opportunity, string, error) {
			f.Cursor = cursor
			page, err := h.svc.List(ctx, f)
			return page.Items, page.Next, err
		}, func(o *pipeline.Opportunity) bool {
			return yield(o.Number, o.Name, o.AccountName, stageName(ctx, o.StageName, o.StageNameEN), o.Probability, o.Amount,
				o.Currency, o.CloseDate, o.OwnerName, t(ctx, "crm.opportunity.status_label."+string(o.Status)), o.CreatedAt)
		})
	})
}
