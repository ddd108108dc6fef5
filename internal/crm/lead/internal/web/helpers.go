package web

import (
	"context"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func contains(xs []string, x string) bool { return slices.Contains(xs, x) }

func statusFilterOptions() []crmui.Option {
	out := []crmui.Option{{Value: "open", Label: "crm.lead.open_only"}}
	for _, s := range []lead.Status{lead.StatusNew, lead.StatusContacted, lead.StatusQualified, lead.StatusDisqualified, lead.StatusConverted, lead.StatusMerged} {
		out = append(out, crmui.Option{Value: string(s), Label: "crm.lead.status_label." + string(s)})
	}
	return out
}

func sourceOptions() []crmui.Option {
	out := make([]crmui.Option, len(lead.Sources))
	for i, s := range lead.Sources {
		out[i] = crmui.Option{Value: s, Label: "crm.lead_source." + s}
	}
	return out
}

func campaignOptions(cs []lead.Campaign) []crmui.Option {
	out := make([]crmui.Option, len(cs))
	for i, c := range cs {
		out[i] = crmui.Option{Value: c.ID, Label: c.Name}
	}
	return out
}

func userOptions(us []directory.User) []crmui.Option {
	out := make([]crmui.Option, len(us))
	for i, u := range us {
		out[i] = crmui.Option{Value: u.ID, Label: u.Name}
	}
	return out
}

func ownerFilterOptions(us []directory.User) []crmui.Option {
	return append([]crmui.Option{{Value: "none", Label: "crm.lead.unassigned"}}, userOptions(us)...)
}

func ownerFilterValue(f lead.Filter) string {
	if f.Unassigned {
		return "none"
	}
	return f.OwnerID
}

func industryOptions() []crmui.Option {
	out := make([]crmui.Option, len(customer.Industries))
	for i, c := range customer.Industries {
		out[i] = crmui.Option{Value: c, Label: "crm.industry." + c}
	}
	return out
}

func currencyOptions() []crmui.Option {
	out := make([]crmui.Option, len(customer.Currencies))
	for i, c := range customer.Currencies {
		out[i] = crmui.Option{Value: c, Label: c}
	}
	return out
}

func ruleKindOptions() []crmui.Option {
	var out []crmui.Option
	for _, k := range []lead.RuleKind{lead.RuleAny, lead.RuleRegion, lead.RuleIndustry, lead.RuleProduct, lead.RuleWorkload} {
		out = append(out, crmui.Option{Value: string(k), Label: "crm.lead_rule.kinds." + string(k)})
	}
	return out
}

func accountOptions(ds []lead.Duplicate) []crmui.Option {
	out := make([]crmui.Option, len(ds))
	for i, d := range ds {
		out[i] = crmui.Option{Value: d.ID, Label: d.Name}
	}
	return out
}

func pipelineOptions(ctx context.Context, ps []pipeline.Pipeline) []crmui.Option {
	out := make([]crmui.Option, len(ps))
	for i, p := range ps {
		out[i] = crmui.Option{Value: p.ID, Label: PipelineName(ctx, p)}
	}
	return out
}

// PipelineName is a pipeline's name in the language of ctx.
func PipelineName(ctx context.Context, p pipeline.Pipeline) string {
	if i18n.Lang(ctx) == i18n.EN && p.NameEN != "" {
		return p.NameEN
	}
	return p.Name
}

func industryLabel(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	return t(ctx, "crm.industry."+code)
}

func ownerName(ctx context.Context, id, name string) string {
	switch {
	case id == "":
		return t(ctx, "crm.lead.unassigned")
	case name == "":
		return t(ctx, "crm.common.unknown_user")
	}
	return name
}

func statusClass(s lead.Status) string {
	switch s {
	case lead.StatusQualified, lead.StatusConverted:
		return "badge-ok"
	case lead.StatusDisqualified:
		return "badge-err"
	case lead.StatusNew:
		return "badge-info"
	}
	return ""
}

func backHref(id string) string {
	if id == "" {
		return "/crm/leads"
	}
	return "/crm/leads/" + id
}

func leadAction(id string) string {
	if id == "" {
		return "/crm/leads"
	}
	return "/crm/leads/" + id
}

func campaignAction(id string) string {
	if id == "" {
		return "/crm/campaigns"
	}
	return "/crm/campaigns/" + id
}

func dupHref(d lead.Duplicate) string {
	if d.Kind == "lead" {
		return "/crm/leads/" + d.ID
	}
	return "/crm/accounts/" + d.ID
}

func matchText(ctx context.Context, on []string) string {
	parts := make([]string, len(on))
	for i, o := range on {
		parts[i] = t(ctx, "crm.lead.match."+o)
	}
	return strings.Join(parts, t(ctx, "crm.common.list_separator"))
}

func mergeLabel(f string) string {
	if f == "title" {
		return "crm.lead.job_title"
	}
	return "crm.lead." + f
}

func mergeValue(ctx context.Context, l *lead.Lead, f string) string {
	switch f {
	case "company":
		return l.Company
	case "contact_name":
		return l.ContactName
	case "title":
		return l.Title
	case "mobile":
		return l.Mobile
	case "phone":
		return l.Phone
	case "email":
		return l.Email
	case "region":
		return l.Region
	case "industry":
		return industryLabel(ctx, l.Industry)
	case "product_interest":
		return l.ProductInterest
	case "budget":
		if l.Budget.IsZero() {
			return ""
		}
		return crmui.Amount(l.Budget) + " " + l.Currency
	}
	return ""
}

func formTitle(ctx context.Context, v formView) string {
	if v.Campaign == nil {
		return t(ctx, "app.name")
	}
	return orDefault(v.Campaign.Title, v.Campaign.Name)
}

// embedCode is the HTML a company puts on its web site to show a form.
func embedCode(base, code string) string {
	return `<iframe src="` + base + `/f/` + code + `" width="100%" height="720" loading="lazy"></iframe>`
}
