package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/engineering/internal/core"
	"github.com/loom-erp/loom/internal/erp/engineering/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// EngineeringImportReport is what an uploaded BOM workbook holds and, once
// imported, what the import did.
type EngineeringImportReport struct {
	ID       string                 `json:"id"`
	FileName string                 `json:"file_name"`
	Total    int                    `json:"total"`
	Bad      int                    `json:"bad"`
	BOMs     int                    `json:"boms" doc:"How many BOMs (parent and version) the rows make."`
	GoodBOMs int                    `json:"good_boms" doc:"BOMs none of whose rows has an error."`
	Rows     []EngineeringImportRow `json:"rows" nullable:"false"`
	Imported bool                   `json:"imported"`
	Created  int                    `json:"created"`
	Updated  int                    `json:"updated"`
	Skipped  int                    `json:"skipped"`
}

// EngineeringImportRow is one data row of a BOM workbook.
type EngineeringImportRow struct {
	Row       int                        `json:"row" doc:"The row number in the sheet."`
	Parent    string                     `json:"parent"`
	Version   string                     `json:"version"`
	Component string                     `json:"component"`
	Quantity  string                     `json:"quantity"`
	Action    string                     `json:"action" enum:"create,update"`
	Skipped   bool                       `json:"skipped" doc:"Another row of the same BOM has errors."`
	Errors    []EngineeringImportProblem `json:"errors" nullable:"false"`
}

// EngineeringImportProblem is what is wrong with one cell.
type EngineeringImportProblem struct {
	Column  string `json:"column" doc:"The column letter, such as E."`
	Header  string `json:"header"`
	Field   string `json:"field"`
	Key     string `json:"key"`
	Message string `json:"message"`
}

type wcOutput struct{ Body domain.EngWorkCenter }

type wcCreateInput struct{ Body domain.EngWorkCenterInput }

type wcUpdateInput struct {
	api.IDParam
	Body domain.EngWorkCenterInput
}

type bomListInput struct {
	Item   string `query:"item" maxLength:"40" doc:"Only the BOMs of this item (id or code)."`
	Status string `query:"status" enum:"draft,released,obsolete"`
}

type bomOutput struct{ Body domain.EngBOM }

type bomCreateInput struct{ Body domain.EngBOMInput }

type bomUpdateInput struct {
	api.IDParam
	Body domain.EngBOMInput
}

// EngineeringCopy names the new version a copy starts.
type EngineeringCopy struct {
	Version       string `json:"version" maxLength:"20"`
	EffectiveFrom string `json:"effective_from,omitempty" doc:"YYYY-MM-DD; today when empty."`
}

type copyInput struct {
	api.IDParam
	Body EngineeringCopy
}

type explodeInput struct {
	Item     string `query:"item" maxLength:"40" required:"true" doc:"The item's id or code."`
	Quantity string `query:"quantity" doc:"How many to make; 1 when empty."`
	Date     string `query:"date" doc:"YYYY-MM-DD; today when empty."`
}

type explodeOutput struct{ Body domain.EngExplosion }

type whereUsedInput struct {
	Item string `query:"item" maxLength:"40" required:"true" doc:"The component's id or code."`
}

type routingListInput struct {
	Item string `query:"item" maxLength:"40" doc:"Only the routings of this item (id or code)."`
}

type routingOutput struct{ Body domain.EngRouting }

type routingCreateInput struct{ Body domain.EngRoutingInput }

type routingUpdateInput struct {
	api.IDParam
	Body domain.EngRoutingInput
}

type templateOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

type importInput struct {
	Mode     string `query:"mode" enum:"preview,all,valid" default:"preview" doc:"preview checks only; all imports every BOM, or nothing if any row is bad; valid imports the BOMs without a bad row."`
	FileName string `query:"file_name" maxLength:"200"`
	RawBody  []byte `contentType:"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"`
}

type importOutput struct{ Body EngineeringImportReport }

const tag = "ERP engineering"

func (h *handler) operations(env *module.Env) {
	a := env.API
	read, write := domain.PermRead, domain.PermWrite
	op := func(id, method, path, summary string) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
		if method == http.MethodPost && (path == "/erp/engineering/work-centers" || path == "/erp/engineering/boms" ||
			path == "/erp/engineering/routings" || len(path) > 5 && path[len(path)-5:] == "/copy") {
			o.DefaultStatus = http.StatusCreated
		}
		return o
	}
	api.Register(a, op("erp-list-work-centers", http.MethodGet, "/erp/engineering/work-centers", "List work centers"), read,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.EngWorkCenter], error) {
			ws, err := h.svc.WorkCenters(ctx)
			return &api.ListOutput[domain.EngWorkCenter]{Body: api.Page[domain.EngWorkCenter]{Items: ws}}, err
		})
	api.Register(a, op("erp-create-work-center", http.MethodPost, "/erp/engineering/work-centers", "Create a work center"), write,
		func(ctx context.Context, in *wcCreateInput) (*wcOutput, error) {
			w, err := h.svc.CreateWorkCenter(ctx, in.Body)
			return &wcOutput{Body: w}, err
		})
	api.Register(a, op("erp-update-work-center", http.MethodPut, "/erp/engineering/work-centers/{id}", "Change a work center"), write,
		func(ctx context.Context, in *wcUpdateInput) (*wcOutput, error) {
			w, err := h.svc.UpdateWorkCenter(ctx, in.ID, in.Body)
			return &wcOutput{Body: w}, err
		})

	api.Register(a, op("erp-list-boms", http.MethodGet, "/erp/engineering/boms", "List BOMs (without their lines)"), read,
		func(ctx context.Context, in *bomListInput) (*api.ListOutput[domain.EngBOM], error) {
			f := core.BOMFilter{Status: domain.Status(in.Status)}
			if in.Item != "" {
				it, err := h.svc.ItemByRef(ctx, "item", in.Item)
				if err != nil {
					return nil, err
				}
				f.ItemID = it.ID
			}
			bs, err := h.svc.BOMs(ctx, f)
			return &api.ListOutput[domain.EngBOM]{Body: api.Page[domain.EngBOM]{Items: bs}}, err
		})
	api.Register(a, op("erp-create-bom", http.MethodPost, "/erp/engineering/boms", "Create a draft BOM"), write,
		func(ctx context.Context, in *bomCreateInput) (*bomOutput, error) {
			b, err := h.svc.CreateBOM(ctx, in.Body)
			return &bomOutput{Body: b}, err
		})
	api.Register(a, op("erp-get-bom", http.MethodGet, "/erp/engineering/boms/{id}", "Get a BOM with its lines"), read,
		func(ctx context.Context, in *api.IDParam) (*bomOutput, error) {
			b, err := h.svc.BOM(ctx, in.ID)
			return &bomOutput{Body: b}, err
		})
	api.Register(a, op("erp-update-bom", http.MethodPut, "/erp/engineering/boms/{id}", "Change a draft BOM"), write,
		func(ctx context.Context, in *bomUpdateInput) (*bomOutput, error) {
			b, err := h.svc.UpdateBOM(ctx, in.ID, in.Body)
			return &bomOutput{Body: b}, err
		})
	api.Register(a, op("erp-release-bom", http.MethodPost, "/erp/engineering/boms/{id}/release", "Release a draft BOM"), write,
		func(ctx context.Context, in *api.IDParam) (*bomOutput, error) {
			b, err := h.svc.ReleaseBOM(ctx, in.ID)
			return &bomOutput{Body: b}, err
		})
	del := op("erp-delete-bom", http.MethodDelete, "/erp/engineering/boms/{id}", "Delete a draft BOM")
	del.DefaultStatus, del.Description = http.StatusNoContent, "Only a draft; a released version is made obsolete instead (409)."
	api.Register(a, del, write,
		func(ctx context.Context, in *api.IDParam) (*struct{}, error) {
			return nil, h.svc.DeleteBOM(ctx, in.ID)
		})
	api.Register(a, op("erp-obsolete-bom", http.MethodPost, "/erp/engineering/boms/{id}/obsolete", "Make a released BOM obsolete"), write,
		func(ctx context.Context, in *api.IDParam) (*bomOutput, error) {
			b, err := h.svc.ObsoleteBOM(ctx, in.ID)
			return &bomOutput{Body: b}, err
		})
	api.Register(a, op("erp-copy-bom", http.MethodPost, "/erp/engineering/boms/{id}/copy", "Copy a BOM to a new draft version"), write,
		func(ctx context.Context, in *copyInput) (*bomOutput, error) {
			b, err := h.svc.CopyBOM(ctx, in.ID, in.Body.Version, in.Body.EffectiveFrom)
			return &bomOutput{Body: b}, err
		})
	api.Register(a, op("erp-explode-bom", http.MethodGet, "/erp/engineering/explosion", "Explode an item's effective BOM"), read,
		func(ctx context.Context, in *explodeInput) (*explodeOutput, error) {
			x, err := h.explode(ctx, in.Item, in.Quantity, in.Date)
			return &explodeOutput{Body: x}, err
		})
	api.Register(a, op("erp-where-used", http.MethodGet, "/erp/engineering/where-used", "List the BOMs that use a component"), read,
		func(ctx context.Context, in *whereUsedInput) (*api.ListOutput[domain.EngWhereUsed], error) {
			it, err := h.svc.ItemByRef(ctx, "item", in.Item)
			if err != nil {
				return nil, err
			}
			ws, err := h.svc.WhereUsed(ctx, it.ID)
			return &api.ListOutput[domain.EngWhereUsed]{Body: api.Page[domain.EngWhereUsed]{Items: ws}}, err
		})

	api.Register(a, op("erp-list-routings", http.MethodGet, "/erp/engineering/routings", "List routings (without their operations)"), read,
		func(ctx context.Context, in *routingListInput) (*api.ListOutput[domain.EngRouting], error) {
			itemID := ""
			if in.Item != "" {
				it, err := h.svc.ItemByRef(ctx, "item", in.Item)
				if err != nil {
					return nil, err
				}
				itemID = it.ID
			}
			rs, err := h.svc.Routings(ctx, itemID)
			return &api.ListOutput[domain.EngRouting]{Body: api.Page[domain.EngRouting]{Items: rs}}, err
		})
	api.Register(a, op("erp-create-routing", http.MethodPost, "/erp/engineering/routings", "Create a draft routing"), write,
		func(ctx context.Context, in *routingCreateInput) (*routingOutput, error) {
			r, err := h.svc.CreateRouting(ctx, in.Body)
			return &routingOutput{Body: r}, err
		})
	api.Register(a, op("erp-get-routing", http.MethodGet, "/erp/engineering/routings/{id}", "Get a routing with its operations"), read,
		func(ctx context.Context, in *api.IDParam) (*routingOutput, error) {
			r, err := h.svc.Routing(ctx, in.ID)
			return &routingOutput{Body: r}, err
		})
	api.Register(a, op("erp-update-routing", http.MethodPut, "/erp/engineering/routings/{id}", "Change a draft routing"), write,
		func(ctx context.Context, in *routingUpdateInput) (*routingOutput, error) {
			r, err := h.svc.UpdateRouting(ctx, in.ID, in.Body)
			return &routingOutput{Body: r}, err
		})
	api.Register(a, op("erp-release-routing", http.MethodPost, "/erp/engineering/routings/{id}/release", "Release a draft routing"), write,
		func(ctx context.Context, in *api.IDParam) (*routingOutput, error) {
			r, err := h.svc.ReleaseRouting(ctx, in.ID)
			return &routingOutput{Body: r}, err
		})
	api.Register(a, op("erp-obsolete-routing", http.MethodPost, "/erp/engineering/routings/{id}/obsolete", "Make a released routing obsolete"), write,
		func(ctx context.Context, in *api.IDParam) (*routingOutput, error) {
			r, err := h.svc.ObsoleteRouting(ctx, in.ID)
			return &routingOutput{Body: r}, err
		})
	api.Register(a, op("erp-copy-routing", http.MethodPost, "/erp/engineering/routings/{id}/copy", "Copy a routing to a new draft version"), write,
		func(ctx context.Context, in *copyInput) (*routingOutput, error) {
			r, err := h.svc.CopyRouting(ctx, in.ID, in.Body.Version, in.Body.EffectiveFrom)
			return &routingOutput{Body: r}, err
		})

	api.Register(a, op("erp-get-bom-import-template", http.MethodGet, "/erp/engineering/boms/import-template", "Download the BOM import workbook"), read,
		func(ctx context.Context, _ *struct{}) (*templateOutput, error) {
			b, err := h.svc.Template(ctx, i18n.Lang(ctx))
			if err != nil {
				return nil, err
			}
			return &templateOutput{ContentType: xlsxType, ContentDisposition: `attachment; filename="loom-boms.xlsx"`, Body: b}, nil
		})
	imp := op("erp-import-boms", http.MethodPost, "/erp/engineering/boms/import", "Import BOMs from an Excel workbook")
	imp.Description = "Send the workbook as the body; one row per line, the rows of one parent and version make one draft BOM. " +
		"Every row is checked; the report names every bad cell. mode=all imports nothing while any row is bad (422 naming rows[<row>].<field>); " +
		"mode=valid imports only the BOMs none of whose rows is bad."
	imp.MaxBodyBytes = core.MaxImportBytes
	api.Register(a, imp, write, h.apiImport)
}

// explode reads the explosion parameters of a screen or the API.
func (h *handler) explode(ctx context.Context, item, quantity, date string) (domain.EngExplosion, error) {
	it, err := h.svc.ItemByRef(ctx, "item", item)
	if err != nil {
		return domain.EngExplosion{}, err
	}
	qty := money.MustQuantity("1")
	if quantity != "" {
		q, err := money.ParseQuantity(quantity)
		if err != nil {
			return domain.EngExplosion{}, quantityError(err)
		}
		qty = q
	}
	if date == "" {
		date = h.svc.Today()
	}
	return h.svc.Explode(ctx, it.ID, qty, date)
}

func (h *handler) apiImport(ctx context.Context, in *importInput) (*importOutput, error) {
	name := in.FileName
	if name == "" {
		name = "boms.xlsx"
	}
	imp, err := h.svc.PreviewImport(ctx, name, in.RawBody)
	if err != nil {
		return nil, err
	}
	out := &importOutput{Body: report(ctx, imp)}
	if in.Mode == "preview" {
		return out, nil
	}
	res, err := h.svc.CommitImport(ctx, imp.ID, in.Mode == "valid")
	if err != nil {
		return nil, err
	}
	out.Body.Imported, out.Body.Created, out.Body.Updated, out.Body.Skipped = true, res.Created, res.Updated, res.Skipped
	return out, nil
}

func report(ctx context.Context, imp core.Import) EngineeringImportReport {
	r := EngineeringImportReport{ID: imp.ID, FileName: imp.FileName, Total: imp.Total, Bad: imp.Bad, BOMs: imp.BOMs, GoodBOMs: imp.GoodBOMs,
		Rows: make([]EngineeringImportRow, 0, len(imp.Rows))}
	for _, row := range imp.Rows {
		out := EngineeringImportRow{Row: row.Row, Parent: row.Parent, Version: row.Version, Component: row.Component, Quantity: row.Quantity,
			Action: row.Action, Skipped: row.Skipped, Errors: []EngineeringImportProblem{}}
		for _, e := range row.Errors {
			out.Errors = append(out.Errors, EngineeringImportProblem{Column: e.Column, Header: header(ctx, e.Field), Field: e.Field, Key: e.Key,
				Message: i18n.T(ctx, e.Key, e.Params)})
		}
		r.Rows = append(r.Rows, out)
	}
	return r
}

func header(ctx context.Context, field string) string {
	if c, ok := core.ColumnOf(field); ok {
		return i18n.T(ctx, c.Label)
	}
	return field
}
