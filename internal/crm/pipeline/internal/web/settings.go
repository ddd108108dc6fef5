package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/money"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// spareStages is how many empty stage rows the pipeline form adds.
const spareStages = 3

func (h *Handler) pipelines(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Pipelines(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Show(w, r, http.StatusOK, webui.Page{Title: "crm.pipeline.title", Active: "crm.board"}, pipelinesPage(ps))
}

func (h *Handler) showPipelineForm(w http.ResponseWriter, r *http.Request, status int, f pipelineForm) {
	for len(f.Probs) < len(f.In.Stages) {
		f.Probs = append(f.Probs, f.In.Stages[len(f.Probs)].Probability.String())
	}
	for range spareStages {
		f.In.Stages = append(f.In.Stages, pipeline.Stage{Kind: pipeline.StageOpen})
		f.Probs = append(f.Probs, "")
	}
	title := "crm.pipeline.new"
	if f.ID != "" {
		title = "crm.pipeline.edit_title"
	}
	h.kit.Show(w, r, status, webui.Page{Title: title, Active: "crm.board"}, pipelineFormPage(f))
}

func (h *Handler) newPipeline(w http.ResponseWriter, r *http.Request) {
	f := pipelineForm{In: pipeline.PipelineInput{Stages: []pipeline.Stage{
		{Kind: pipeline.StageWon, Name: "赢单", NameEN: "Won", Probability: money.MustRate("1")},
		{Kind: pipeline.StageLost, Name: "输单", NameEN: "Lost"},
	}}}
	h.showPipelineForm(w, r, http.StatusOK, f)
}

func (h *Handler) editPipeline(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Pipeline(r.Context(), r.PathValue("id"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := pipelineForm{ID: p.ID, In: pipeline.PipelineInput{Name: p.Name, NameEN: p.NameEN, Default: p.Default, Stages: p.Stages, Version: p.Version}}
	h.showPipelineForm(w, r, http.StatusOK, f)
}

func (h *Handler) savePipeline(w http.ResponseWriter, r *http.Request) {
	if !h.kit.ParseForm(w, r) {
		return
	}
	pf := r.PostForm
	id := r.PathValue("id")
	f := pipelineForm{ID: id, In: pipeline.PipelineInput{Name: pf.Get("name"), NameEN: pf.Get("name_en"), Default: pf.Get("default") != ""}}
	f.In.Version, _ = strconv.Atoi(pf.Get("version"))
	errs := crmui.Errors{}
	for i, name := range pf["stage_name"] {
		st := pipeline.Stage{ID: at(pf["stage_id"], i), Name: name, NameEN: at(pf["stage_name_en"], i), Kind: pipeline.StageKind(at(pf["stage_kind"], i))}
		if strings.TrimSpace(st.Name) == "" && strings.TrimSpace(st.NameEN) == "" {
			continue // an empty row removes its stage
		}
		prob := strings.TrimSpace(at(pf["stage_probability"], i))
		if prob != "" {
			rate, err := money.ParseRate(prob)
			if err != nil {
				errs[stageKey(len(f.In.Stages), "probability")] = crmui.T(r.Context(), "crm.pipeline.error.probability")
			}
			st.Probability = rate
		}
		f.In.Stages = append(f.In.Stages, st)
		f.Probs = append(f.Probs, prob)
	}
	var err error
	if len(errs) > 0 {
		f.Errors = errs
		h.showPipelineForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	var saved *pipeline.Pipeline
	if id == "" {
		saved, err = h.svc.CreatePipeline(r.Context(), f.In)
	} else {
		saved, err = h.svc.UpdatePipeline(r.Context(), id, f.In)
	}
	if err != nil {
		fields, general, ok := crmui.FormErrors(r.Context(), err)
		if !ok {
			h.kit.Fail(w, r, err)
			return
		}
		f.Errors, f.General = fields, general
		h.showPipelineForm(w, r, apperr.Status(err), f)
		return
	}
	crmui.Redirect(w, r, "/crm/pipelines/"+saved.ID, "pipeline_saved")
}
