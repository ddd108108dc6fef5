package web

import (
	"context"
	"net/url"
	"strconv"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

// stageName picks a stage's name in the language of ctx.
func stageName(ctx context.Context, zh, en string) string {
	if i18n.Lang(ctx) == i18n.EN && en != "" {
		return en
	}
	return zh
}

func pipelineName(ctx context.Context, p pipeline.Pipeline) string {
	return stageName(ctx, p.Name, p.NameEN)
}

func userOptions(us []directory.User) []crmui.Option {
	out := make([]crmui.Option, len(us))
	for i, u := range us {
		out[i] = crmui.Option{Value: u.ID, Label: u.Name}
	}
	return out
}

func contactOptions(cs []customer.Contact) []crmui.Option {
	out := make([]crmui.Option, len(cs))
	for i, c := range cs {
		out[i] = crmui.Option{Value: c.ID, Label: c.Name}
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

func statusOptions() []crmui.Option {
	var out []crmui.Option
	for _, s := range []pipeline.Status{pipeline.StatusOpen, pipeline.StatusWon, pipeline.StatusLost} {
		out = append(out, crmui.Option{Value: string(s), Label: "crm.opportunity.status_label." + string(s)})
	}
	return out
}

func sortOptions() []crmui.Option {
	return []crmui.Option{
		{Value: "", Label: "crm.opportunity.sort_newest"},
		{Value: "close_date", Label: "crm.opportunity.sort_close"},
		{Value: "-amount", Label: "crm.opportunity.sort_amount"},
	}
}

func stageOptions(ctx context.Context, sts []pipeline.Stage) []crmui.Option {
	out := make([]crmui.Option, len(sts))
	for i, st := range sts {
		out[i] = crmui.Option{Value: st.ID, Label: stageName(ctx, st.Name, st.NameEN)}
	}
	return out
}

// openStageOptions offers the open stages; with several pipelines each
// stage is prefixed by its pipeline's name.
func openStageOptions(ctx context.Context, ps []pipeline.Pipeline) []crmui.Option {
	var out []crmui.Option
	for _, p := range ps {
		for _, st := range p.Stages {
			if st.Kind != pipeline.StageOpen {
				continue
			}
			label := stageName(ctx, st.Name, st.NameEN)
			if len(ps) > 1 {
				label = pipelineName(ctx, p) + " · " + label
			}
			out = append(out, crmui.Option{Value: st.ID, Label: label})
		}
	}
	return out
}

func statusClass(s pipeline.Status) string {
	switch s {
	case pipeline.StatusWon:
		return "badge-ok"
	case pipeline.StatusLost:
		return "badge-err"
	}
	return "badge-info"
}

// stepClass marks the stages a deal passed, and the one it is in.
func stepClass(v detailView, st pipeline.Stage) string {
	cur, ok := v.Pipeline.Stage(v.Opp.StageID)
	switch {
	case ok && st.ID == cur.ID:
		return "step current"
	case ok && cur.Kind == pipeline.StageOpen && st.Seq < cur.Seq, v.Opp.Status == pipeline.StatusWon:
		return "step done"
	}
	return "step"
}

func backHref(id string) string {
	if id == "" {
		return "/crm/opportunities"
	}
	return "/crm/opportunities/" + id
}

func oppAction(id string) string {
	if id == "" {
		return "/crm/opportunities"
	}
	return "/crm/opportunities/" + id
}

func pipelineAction(id string) string {
	if id == "" {
		return "/crm/pipelines"
	}
	return "/crm/pipelines/" + id
}

func rowKey(prefix string, i int) string { return prefix + strconv.Itoa(i) }

func stageKey(i int, field string) string { return "stages[" + strconv.Itoa(i) + "]." + field }

// filterQuery keeps the board's filters on the addresses its moves post to.
func filterQuery(v boardView) string {
	q := url.Values{}
	if v.Filter.Query != "" {
		q.Set("q", v.Filter.Query)
	}
	if v.Filter.OwnerID != "" {
		q.Set("owner", v.Filter.OwnerID)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
