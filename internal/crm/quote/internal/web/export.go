package web

import (
	"net/http"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/quote"
)

// export answers the quote list, with its filters, as an Excel file.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := quote.Filter{Query: q.Get("q"), Status: quote.Status(q.Get("status")), Limit: 200}
	headings := []string{"crm.quote.number", "crm.quote.revision", "crm.quote.account", "crm.quote.status", "crm.quote.valid_until",
		"crm.quote.currency", "crm.quote.net", "crm.quote.tax", "crm.quote.gross", "crm.quote.owner", "crm.quote.created"}
	h.kit.Export(w, r, t(ctx, "crm.quote.title"), headings, func(yield func(...any) bool) error {
		return crmui.EachPage(func(cursor string) ([]quote.Quote, string, error) {
			f.Cursor = cursor
			page, err := h.svc.List(ctx, f)
			return page.Items, page.Next, err
		}, func(x *quote.Quote) bool {
			return yield(x.Number, x.Revision, x.AccountName, t(ctx, "crm.quote.status_label."+string(x.Status)), x.ValidUntil,
				x.Currency, x.Net, x.Tax, x.Gross, x.OwnerName, x.CreatedAt)
		})
	})
}
