package web

import (
	"context"
	"strconv"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/money"
)

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

func statusOptions() []crmui.Option {
	var out []crmui.Option
	for _, s := range []quote.Status{quote.StatusDraft, quote.StatusPending, quote.StatusApproved, quote.StatusSent, quote.StatusAccepted, quote.StatusDeclined} {
		out = append(out, crmui.Option{Value: string(s), Label: "crm.quote.status_label." + string(s)})
	}
	return out
}

func taxOptions() []crmui.Option {
	return []crmui.Option{
		{Value: string(quote.TaxExclusive), Label: "crm.quote.tax_label.exclusive"},
		{Value: string(quote.TaxInclusive), Label: "crm.quote.tax_label.inclusive"},
	}
}

func creditOptions() []crmui.Option {
	return []crmui.Option{
		{Value: string(quote.CreditApprove), Label: "crm.quote_settings.credit.approve"},
		{Value: string(quote.CreditBlock), Label: "crm.quote_settings.credit.block"},
	}
}

func currencyOptions() []crmui.Option {
	out := make([]crmui.Option, len(customer.Currencies))
	for i, c := range customer.Currencies {
		out[i] = crmui.Option{Value: c, Label: c}
	}
	return out
}

func levelOptions() []crmui.Option {
	return []crmui.Option{{Value: "A", Label: "A"}, {Value: "B", Label: "B"}, {Value: "C", Label: "C"}}
}

func levelLabel(ctx context.Context, level string) string {
	if level == "" {
		return t(ctx, "crm.price.all_levels")
	}
	return t(ctx, "crm.account.level") + " " + level
}

func contactOptions(cs []customer.Contact) []crmui.Option {
	out := make([]crmui.Option, len(cs))
	for i, c := range cs {
		out[i] = crmui.Option{Value: c.ID, Label: c.Name}
	}
	return out
}

func oppOptions(os []pipeline.Opportunity) []crmui.Option {
	out := make([]crmui.Option, len(os))
	for i, o := range os {
		out[i] = crmui.Option{Value: o.ID, Label: o.Number + " " + o.Name}
	}
	return out
}

func statusClass(s quote.Status) string {
	switch s {
	case quote.StatusApproved, quote.StatusAccepted:
		return "badge-ok"
	case quote.StatusPending:
		return "badge-warn"
	case quote.StatusDeclined:
		return "badge-err"
	case quote.StatusSent:
		return "badge-info"
	}
	return ""
}

func approvalClass(s quote.ApprovalStatus) string {
	switch s {
	case quote.ApprovalApproved:
		return "badge-ok"
	case quote.ApprovalRejected:
		return "badge-err"
	case quote.ApprovalPending:
		return "badge-warn"
	}
	return ""
}

// canDecide reports whether the caller may decide an approval.
func canDecide(ctx context.Context, a quote.Approval) bool {
	return authz.FromContext(ctx).Can(a.Kind.Perm())
}

// approvalText says in ctx's language why an approval was asked for.
func approvalText(ctx context.Context, a quote.Approval) string {
	d := a.Detail
	switch a.Kind {
	case quote.ApprovalDiscount:
		r, _ := money.ParseRate(d["discount"])
		th, _ := money.ParseRate(d["threshold"])
		return t(ctx, "crm.quote.approval_detail.discount", map[string]any{"Discount": crmui.Percent(r), "Threshold": crmui.Percent(th), "Code": d["code"]})
	case quote.ApprovalFloor:
		return t(ctx, "crm.quote.approval_detail.floor", map[string]any{"Codes": d["codes"]})
	}
	av, _ := money.ParseAmount(d["available"])
	gross, _ := money.ParseAmount(d["gross"])
	return t(ctx, "crm.quote.approval_detail.credit", map[string]any{"Available": crmui.Amount(av), "Gross": crmui.Amount(gross), "Currency": d["currency"]})
}

func lastRejection(steps []catalog.OrderEvent) *catalog.OrderEvent {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Kind == "rejected" {
			return &steps[i]
		}
		if steps[i].Kind == "accepted" {
			return nil
		}
	}
	return nil
}

func rejectText(ctx context.Context, e catalog.OrderEvent) string {
	if r := e.Detail["reason"]; r != "" {
		return crmui.SOReject(ctx, e.ReasonCode) + ": " + r
	}
	return crmui.SOReject(ctx, e.ReasonCode)
}

// stepText tells one step of an order's progress.
func stepText(ctx context.Context, e catalog.OrderEvent) string {
	s := crmui.SOStatus(ctx, e.Status)
	if e.SONumber != "" {
		s = e.SONumber + " · " + s
	}
	for _, k := range []string{"promise_date", "carrier", "tracking_no", "shipment_number", "invoice_number", "payment_number", "amount", "reason"} {
		if v := e.Detail[k]; v != "" {
			s += " · " + v
		}
	}
	return s
}

func company(v printView) string {
	if v.Lang == i18n.EN && v.Settings.CompanyEN != "" {
		return v.Settings.CompanyEN
	}
	if v.Settings.Company != "" {
		return v.Settings.Company
	}
	return i18n.TL(v.Lang, "app.name")
}

func terms(v printView) string {
	if v.Lang == i18n.EN && v.Settings.TermsEN != "" {
		return v.Settings.TermsEN
	}
	return v.Settings.Terms
}

func rowKey(i int, field string) string { return "row_" + strconv.Itoa(i) + "_" + field }

func priceKey(i int, field string) string { return "prices[" + strconv.Itoa(i) + "]." + field }

func backHref(id string) string {
	if id == "" {
		return "/crm/quotes"
	}
	return "/crm/quotes/" + id
}

func quoteAction(id string) string {
	if id == "" {
		return "/crm/quotes"
	}
	return "/crm/quotes/" + id
}

func priceListAction(id string) string {
	if id == "" {
		return "/crm/prices"
	}
	return "/crm/prices/" + id
}
