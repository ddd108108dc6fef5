package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/pipeline/internal/service"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/money"
)

// CRMStage is a stage of a pipeline.
type CRMStage struct {
	ID          string     `json:"id,omitempty" doc:"Keep a stage's id to keep it when replacing a pipeline's stages."`
	Name        string     `json:"name" maxLength:"40"`
	NameEN      string     `json:"name_en,omitempty" maxLength:"40"`
	Kind        string     `json:"kind" enum:"open,won,lost"`
	Probability money.Rate `json:"probability" doc:"From 0 to 1; fixed at 1 for won and 0 for lost."`
}

// CRMPipeline is a sales process and its stages.
type CRMPipeline struct {
	ID      string     `json:"id" format:"uuid"`
	Name    string     `json:"name"`
	NameEN  string     `json:"name_en"`
	Default bool       `json:"default"`
	Stages  []CRMStage `json:"stages" nullable:"false"`
	Version int        `json:"version"`
}

// CRMPipelineInput creates or replaces a pipeline.
type CRMPipelineInput struct {
	Name    string     `json:"name" maxLength:"60"`
	NameEN  string     `json:"name_en,omitempty" maxLength:"60"`
	Default bool       `json:"default,omitempty"`
	Stages  []CRMStage `json:"stages" maxItems:"20" doc:"Open stages in order, then one won and one lost stage."`
	Version int        `json:"version,omitempty"`
}

// CRMOpportunityLine is a product on an opportunity.
type CRMOpportunityLine struct {
	ItemID    string          `json:"item_id" format:"uuid"`
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	Quantity  money.Quantity  `json:"quantity"`
	UnitPrice money.UnitPrice `json:"unit_price"`
	Amount    money.Amount    `json:"amount"`
}

// CRMOpportunity is a deal with a customer.
type CRMOpportunity struct {
	ID          string               `json:"id" format:"uuid"`
	Number      string               `json:"number"`
	Name        string               `json:"name"`
	AccountID   string               `json:"account_id"`
	AccountName string               `json:"account_name"`
	ContactID   string               `json:"contact_id,omitempty"`
	PipelineID  string               `json:"pipeline_id"`
	StageID     string               `json:"stage_id"`
	StageName   string               `json:"stage_name"`
	StageNameEN string               `json:"stage_name_en"`
	Probability money.Rate           `json:"probability"`
	Amount      money.Amount         `json:"amount"`
	Weighted    money.Amount         `json:"weighted"`
	Currency    string               `json:"currency"`
	CloseDate   string               `json:"close_date"`
	OwnerID     string               `json:"owner_id"`
	OwnerName   string               `json:"owner_name"`
	Status      string               `json:"status" enum:"open,won,lost"`
	Reason      string               `json:"reason,omitempty"`
	Source      string               `json:"source"`
	LeadID      string               `json:"lead_id,omitempty"`
	Notes       string               `json:"notes"`
	Lines       []CRMOpportunityLine `json:"lines" nullable:"false"`
	Version     int                  `json:"version"`
	ClosedAt    *time.Time           `json:"closed_at,omitempty"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

// CRMOpportunityLineInput is a product on an opportunity.
type CRMOpportunityLineInput struct {
	ItemID    string           `json:"item_id"`
	Quantity  money.Quantity   `json:"quantity"`
	UnitPrice *money.UnitPrice `json:"unit_price,omitempty" doc:"Empty takes the list price."`
}

// CRMOpportunityInput creates or replaces an opportunity.
type CRMOpportunityInput struct {
	Name       string                    `json:"name" maxLength:"100"`
	AccountID  string                    `json:"account_id"`
	ContactID  string                    `json:"contact_id,omitempty"`
	PipelineID string                    `json:"pipeline_id,omitempty" doc:"On create; the default pipeline when empty."`
	StageID    string                    `json:"stage_id,omitempty" doc:"On create; the first stage when empty."`
	Amount     money.Amount              `json:"amount,omitempty" doc:"The sum of the lines when zero."`
	Currency   string                    `json:"currency,omitempty"`
	CloseDate  string                    `json:"close_date,omitempty" doc:"YYYY-MM-DD"`
	OwnerID    string                    `json:"owner_id,omitempty" doc:"On create; the caller when empty."`
	Source     string                    `json:"source,omitempty" maxLength:"40"`
	Notes      string                    `json:"notes,omitempty" maxLength:"2000"`
	Lines      []CRMOpportunityLineInput `json:"lines,omitempty" maxItems:"100"`
	Version    int                       `json:"version,omitempty"`
}

// CRMOpportunityMove moves a deal to another stage.
type CRMOpportunityMove struct {
	StageID string `json:"stage_id"`
	Version int    `json:"version,omitempty"`
}

// CRMOpportunityClose wins or loses a deal.
type CRMOpportunityClose struct {
	Reason string `json:"reason,omitempty" maxLength:"500" doc:"Required to lose."`
}

// CRMOpportunityOwner gives a deal to another owner.
type CRMOpportunityOwner struct {
	OwnerID string `json:"owner_id"`
}

// CRMStageChange is one step of a deal's history.
type CRMStageChange struct {
	At       time.Time `json:"at"`
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	From     string    `json:"from_stage_id,omitempty"`
	To       string    `json:"to_stage_id"`
	Reason   string    `json:"reason,omitempty"`
}

// CRMBoardColumn is a stage with its open deals.
type CRMBoardColumn struct {
	Stage    CRMStage         `json:"stage"`
	Count    int              `json:"count"`
	Amount   money.Amount     `json:"amount"`
	Weighted money.Amount     `json:"weighted"`
	Items    []CRMOpportunity `json:"items" nullable:"false"`
}

type (
	pipelineOut  struct{ Body CRMPipeline }
	pipelinesOut struct{ Body []CRMPipeline }
	oppOut       struct{ Body CRMOpportunity }
	oppCreated   struct {
		Location string `header:"Location"`
		Body     CRMOpportunity
	}
	createPipelineIn struct{ Body CRMPipelineInput }
	updatePipelineIn struct {
		api.IDParam
		Body CRMPipelineInput
	}
	boardIn struct {
		api.IDParam
		Query   string `query:"q" maxLength:"100"`
		OwnerID string `query:"owner_id"`
	}
	boardOut struct {
		Body []CRMBoardColumn
	}
	listOppsIn struct {
		api.ListParams
		Query      string `query:"q" maxLength:"100"`
		AccountID  string `query:"account_id"`
		PipelineID string `query:"pipeline_id"`
		StageID    string `query:"stage_id"`
		OwnerID    string `query:"owner_id"`
		Status     string `query:"status" enum:"open,won,lost"`
	}
	createOppIn struct{ Body CRMOpportunityInput }
	updateOppIn struct {
		api.IDParam
		Body CRMOpportunityInput
	}
	moveOppIn struct {
		api.IDParam
		Body CRMOpportunityMove
	}
	closeOppIn struct {
		api.IDParam
		Body CRMOpportunityClose
	}
	assignOppIn struct {
		api.IDParam
		Body CRMOpportunityOwner
	}
	historyOut struct{ Body []CRMStageChange }
)

func (h *Handler) operations() {
	k := h.kit
	crmui.Register(k, huma.Operation{OperationID: "crm-list-pipelines", Method: http.MethodGet, Path: "/crm/pipelines",
		Summary: "List pipelines", Description: "Every pipeline with its stages, the default first."}, pipeline.PermRead, h.apiPipelines)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-pipeline", Method: http.MethodGet, Path: "/crm/pipelines/{id}",
		Summary: "Get a pipeline"}, pipeline.PermRead, h.apiPipeline)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-pipeline", Method: http.MethodPost, Path: "/crm/pipelines",
		Summary: "Create a pipeline", DefaultStatus: http.StatusCreated}, pipeline.PermManage, h.apiCreatePipeline)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-pipeline", Method: http.MethodPut, Path: "/crm/pipelines/{id}",
		Summary: "Replace a pipeline's names and stages", Errors: []int{http.StatusPreconditionFailed}}, pipeline.PermManage, h.apiUpdatePipeline)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-board", Method: http.MethodGet, Path: "/crm/pipelines/{id}/board",
		Summary: "Get a pipeline's open deals by stage", Description: "At most 200 deals per stage; count and amounts cover all."}, pipeline.PermRead, h.apiBoard)
	crmui.Register(k, huma.Operation{OperationID: "crm-list-opportunities", Method: http.MethodGet, Path: "/crm/opportunities",
		Summary: "List opportunities", Description: "Deals the caller may see. Sort: " + strings.Join(service.OpportunitySort().Fields, ", ") + " (default -created_at)."},
		pipeline.PermRead, h.apiList)
	crmui.Register(k, huma.Operation{OperationID: "crm-create-opportunity", Method: http.MethodPost, Path: "/crm/opportunities",
		Summary: "Create an opportunity", DefaultStatus: http.StatusCreated}, pipeline.PermWrite, h.apiCreate)
	crmui.Register(k, huma.Operation{OperationID: "crm-get-opportunity", Method: http.MethodGet, Path: "/crm/opportunities/{id}",
		Summary: "Get an opportunity"}, pipeline.PermRead, h.apiGet)
	crmui.Register(k, huma.Operation{OperationID: "crm-update-opportunity", Method: http.MethodPut, Path: "/crm/opportunities/{id}",
		Summary: "Replace an open opportunity's fields", Description: "Its stage, status and owner stay.", Errors: []int{http.StatusPreconditionFailed}},
		pipeline.PermWrite, h.apiUpdate)
	crmui.Register(k, huma.Operation{OperationID: "crm-move-opportunity", Method: http.MethodPost, Path: "/crm/opportunities/{id}/move",
		Summary: "Move an open deal to another open stage", Errors: []int{http.StatusPreconditionFailed}}, pipeline.PermWrite, h.apiMove)
	crmui.Register(k, huma.Operation{OperationID: "crm-win-opportunity", Method: http.MethodPost, Path: "/crm/opportunities/{id}/win",
		Summary: "Close a deal as won", Errors: []int{http.StatusPreconditionFailed}}, pipeline.PermWrite, h.apiClose(true))
	crmui.Register(k, huma.Operation{OperationID: "crm-lose-opportunity", Method: http.MethodPost, Path: "/crm/opportunities/{id}/lose",
		Summary: "Close a deal as lost", Errors: []int{http.StatusPreconditionFailed}}, pipeline.PermWrite, h.apiClose(false))
	crmui.Register(k, huma.Operation{OperationID: "crm-reopen-opportunity", Method: http.MethodPost, Path: "/crm/opportunities/{id}/reopen",
		Summary: "Reopen a closed deal", Errors: []int{http.StatusPreconditionFailed}}, pipeline.PermWrite, h.apiReopen)
	crmui.Register(k, huma.Operation{OperationID: "crm-assign-opportunity", Method: http.MethodPut, Path: "/crm/opportunities/{id}/owner",
		Summary: "Give a deal to another owner"}, pipeline.PermAssign, h.apiAssign)
	crmui.Register(k, huma.Operation{OperationID: "crm-opportunity-history", Method: http.MethodGet, Path: "/crm/opportunities/{id}/history",
		Summary: "Get a deal's stage history"}, pipeline.PermRead, h.apiHistory)
}

func stageToAPI(s pipeline.Stage) CRMStage {
	return CRMStage{ID: s.ID, Name: s.Name, NameEN: s.NameEN, Kind: string(s.Kind), Probability: s.Probability}
}

func pipelineToAPI(p *pipeline.Pipeline) CRMPipeline {
	out := CRMPipeline{ID: p.ID, Name: p.Name, NameEN: p.NameEN, Default: p.Default, Version: p.Version, Stages: []CRMStage{}}
	for _, s := range p.Stages {
		out.Stages = append(out.Stages, stageToAPI(s))
	}
	return out
}

func pipelineFromAPI(in CRMPipelineInput) pipeline.PipelineInput {
	out := pipeline.PipelineInput{Name: in.Name, NameEN: in.NameEN, Default: in.Default, Version: in.Version}
	for _, s := range in.Stages {
		out.Stages = append(out.Stages, pipeline.Stage{ID: s.ID, Name: s.Name, NameEN: s.NameEN, Kind: pipeline.StageKind(s.Kind), Probability: s.Probability})
	}
	return out
}

func oppToAPI(o *pipeline.Opportunity) CRMOpportunity {
	out := CRMOpportunity{ID: o.ID, Number: o.Number, Name: o.Name, AccountID: o.AccountID, AccountName: o.AccountName, ContactID: o.ContactID,
		PipelineID: o.PipelineID, StageID: o.StageID, StageName: o.StageName, StageNameEN: o.StageNameEN, Probability: o.Probability,
		Amount: o.Amount, Weighted: o.Weighted(), Currency: o.Currency, CloseDate: o.CloseDate, OwnerID: o.OwnerID, OwnerName: o.OwnerName,
		Status: string(o.Status), Reason: o.Reason, Source: o.Source, LeadID: o.LeadID, Notes: o.Notes, Version: o.Version,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Lines: []CRMOpportunityLine{}}
	if !o.ClosedAt.IsZero() {
		at := o.ClosedAt
		out.ClosedAt = &at
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, CRMOpportunityLine(l))
	}
	return out
}

func oppFromAPI(in CRMOpportunityInput) pipeline.OpportunityInput {
	out := pipeline.OpportunityInput{Name: in.Name, AccountID: in.AccountID, ContactID: in.ContactID, PipelineID: in.PipelineID,
		StageID: in.StageID, Amount: in.Amount, Currency: in.Currency, CloseDate: in.CloseDate, OwnerID: in.OwnerID, Source: in.Source,
		Notes: in.Notes, Version: in.Version}
	for _, l := range in.Lines {
		out.Lines = append(out.Lines, pipeline.LineInput{ItemID: l.ItemID, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	return out
}

func (h *Handler) apiPipelines(ctx context.Context, _ *struct{}) (*pipelinesOut, error) {
	ps, err := h.svc.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	out := &pipelinesOut{Body: make([]CRMPipeline, 0, len(ps))}
	for i := range ps {
		out.Body = append(out.Body, pipelineToAPI(&ps[i]))
	}
	return out, nil
}

func (h *Handler) apiPipeline(ctx context.Context, in *api.IDParam) (*pipelineOut, error) {
	p, err := h.svc.Pipeline(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &pipelineOut{pipelineToAPI(p)}, nil
}

func (h *Handler) apiCreatePipeline(ctx context.Context, in *createPipelineIn) (*pipelineOut, error) {
	p, err := h.svc.CreatePipeline(ctx, pipelineFromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &pipelineOut{pipelineToAPI(p)}, nil
}

func (h *Handler) apiUpdatePipeline(ctx context.Context, in *updatePipelineIn) (*pipelineOut, error) {
	p, err := h.svc.UpdatePipeline(ctx, in.ID, pipelineFromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &pipelineOut{pipelineToAPI(p)}, nil
}

func (h *Handler) apiBoard(ctx context.Context, in *boardIn) (*boardOut, error) {
	b, err := h.svc.Board(ctx, in.ID, pipeline.Filter{Query: in.Query, OwnerID: in.OwnerID})
	if err != nil {
		return nil, err
	}
	out := &boardOut{Body: make([]CRMBoardColumn, 0, len(b.Columns))}
	for _, c := range b.Columns {
		col := CRMBoardColumn{Stage: stageToAPI(c.Stage), Count: c.Count, Amount: c.Amount, Weighted: c.Weighted, Items: []CRMOpportunity{}}
		for i := range c.Items {
			col.Items = append(col.Items, oppToAPI(&c.Items[i]))
		}
		out.Body = append(out.Body, col)
	}
	return out, nil
}

func (h *Handler) apiList(ctx context.Context, in *listOppsIn) (*api.ListOutput[CRMOpportunity], error) {
	page, err := h.svc.List(ctx, pipeline.Filter{Query: in.Query, AccountID: in.AccountID, PipelineID: in.PipelineID, StageID: in.StageID,
		OwnerID: in.OwnerID, Status: pipeline.Status(in.Status), Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[CRMOpportunity]{Body: api.Page[CRMOpportunity]{Items: make([]CRMOpportunity, 0, len(page.Items))}}
	for i := range page.Items {
		out.Body.Items = append(out.Body.Items, oppToAPI(&page.Items[i]))
	}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *Handler) apiCreate(ctx context.Context, in *createOppIn) (*oppCreated, error) {
	o, err := h.svc.Create(ctx, oppFromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &oppCreated{Location: api.Prefix + "/crm/opportunities/" + o.ID, Body: oppToAPI(o)}, nil
}

func (h *Handler) apiGet(ctx context.Context, in *api.IDParam) (*oppOut, error) {
	o, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &oppOut{oppToAPI(o)}, nil
}

func (h *Handler) apiUpdate(ctx context.Context, in *updateOppIn) (*oppOut, error) {
	o, err := h.svc.Update(ctx, in.ID, oppFromAPI(in.Body))
	if err != nil {
		return nil, err
	}
	return &oppOut{oppToAPI(o)}, nil
}

func (h *Handler) apiMove(ctx context.Context, in *moveOppIn) (*oppOut, error) {
	o, err := h.svc.Move(ctx, in.ID, in.Body.StageID, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &oppOut{oppToAPI(o)}, nil
}

func (h *Handler) apiClose(win bool) func(context.Context, *closeOppIn) (*oppOut, error) {
	return func(ctx context.Context, in *closeOppIn) (*oppOut, error) {
		var o *pipeline.Opportunity
		var err error
		if win {
			o, err = h.svc.Win(ctx, in.ID, in.Body.Reason)
		} else {
			o, err = h.svc.Lose(ctx, in.ID, in.Body.Reason)
		}
		if err != nil {
			return nil, err
		}
		return &oppOut{oppToAPI(o)}, nil
	}
}

func (h *Handler) apiReopen(ctx context.Context, in *api.IDParam) (*oppOut, error) {
	o, err := h.svc.Reopen(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &oppOut{oppToAPI(o)}, nil
}

func (h *Handler) apiAssign(ctx context.Context, in *assignOppIn) (*oppOut, error) {
	o, err := h.svc.Assign(ctx, in.ID, in.Body.OwnerID)
	if err != nil {
		return nil, err
	}
	return &oppOut{oppToAPI(o)}, nil
}

func (h *Handler) apiHistory(ctx context.Context, in *api.IDParam) (*historyOut, error) {
	cs, err := h.svc.History(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &historyOut{Body: make([]CRMStageChange, 0, len(cs))}
	for _, c := range cs {
		out.Body = append(out.Body, CRMStageChange{At: c.At, UserID: c.UserID, UserName: c.UserName, From: c.FromStage, To: c.ToStage, Reason: c.Reason})
	}
	return out, nil
}
