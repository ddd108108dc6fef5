package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/erp/catalog/internal/core"
	"github.com/loom-erp/loom/internal/erp/catalog/internal/domain"
	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/module"
)

// CatalogItemUpdate is the body that changes an item: its fields, and the
// version it was read at.
type CatalogItemUpdate struct {
	domain.CatalogItemInput
	Version int64 `json:"version" doc:"The item's version when it was read; the update fails with 412 if it changed since."`
}

// CatalogImportReport is what an uploaded item workbook holds and, once
// imported, what the import did.
type CatalogImportReport struct {
	ID       string             `json:"id"`
	FileName string             `json:"file_name"`
	Total    int                `json:"total"`
	Valid    int                `json:"valid"`
	Bad      int                `json:"bad"`
	Rows     []CatalogImportRow `json:"rows" nullable:"false"`
	Imported bool               `json:"imported"`
	Created  int                `json:"created"`
	Updated  int                `json:"updated"`
	Skipped  int                `json:"skipped"`
}

// CatalogImportRow is one data row of a workbook.
type CatalogImportRow struct {
	Row    int                    `json:"row" doc:"The row number in the sheet."`
	Code   string                 `json:"code"`
	Name   string                 `json:"name"`
	Action string                 `json:"action" enum:"create,update"`
	Errors []CatalogImportProblem `json:"errors" nullable:"false"`
}

// CatalogImportProblem is what is wrong with one cell.
type CatalogImportProblem struct {
	Column  string `json:"column" doc:"The column letter, such as E."`
	Header  string `json:"header" doc:"The column's heading."`
	Field   string `json:"field"`
	Key     string `json:"key"`
	Message string `json:"message"`
}

type itemListInput struct {
	api.ListParams
	Q          string `query:"q" maxLength:"100" doc:"Matches code, names and specification."`
	Kind       string `query:"kind" enum:"material,semi_finished,finished,service"`
	CategoryID string `query:"category_id"`
	Status     string `query:"status" enum:"active,inactive"`
}

type itemOutput struct {
	Body domain.CatalogItem
}

type itemCreateInput struct {
	Body domain.CatalogItemInput
}

type itemUpdateInput struct {
	api.IDParam
	Body CatalogItemUpdate
}

type revisionListOutput struct {
	Body api.Page[domain.CatalogRevision]
}

type revisionCreateInput struct {
	api.IDParam
	Body domain.CatalogRevisionInput
}

type revisionOutput struct {
	Body domain.CatalogRevision
}

type uomOutput struct {
	Body domain.CatalogUoM
}

type uomCreateInput struct {
	Body domain.CatalogUoMInput
}

type uomUpdateInput struct {
	api.IDParam
	Body domain.CatalogUoMInput
}

type categoryOutput struct {
	Body domain.CatalogCategory
}

type categoryCreateInput struct {
	Body domain.CatalogCategoryInput
}

type categoryUpdateInput struct {
	api.IDParam
	Body domain.CatalogCategoryInput
}

type templateOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

type importInput struct {
	Mode     string `query:"mode" enum:"preview,all,valid" default:"preview" doc:"preview checks only; all imports every row, or nothing if any row is bad; valid imports the rows without errors."`
	FileName string `query:"file_name" maxLength:"200" doc:"The workbook's file name, for the record."`
	RawBody  []byte `contentType:"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"`
}

type importOutput struct {
	Body CatalogImportReport
}

func (h *handler) operations(env *module.Env) {
	a := env.API
	read, manage := domain.PermRead, domain.PermManage
	api.Register(a, huma.Operation{OperationID: "erp-list-items", Method: http.MethodGet, Path: "/erp/items",
		Summary: "List items", Description: "Sort by code, name or updated_at (prefix - for descending).", Tags: []string{"ERP catalog"}},
		read, h.apiListItems)
	api.Register(a, huma.Operation{OperationID: "erp-create-item", Method: http.MethodPost, Path: "/erp/items",
		Summary: "Create an item", DefaultStatus: http.StatusCreated, Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *itemCreateInput) (*itemOutput, error) {
			it, err := h.svc.CreateItem(ctx, in.Body)
			return &itemOutput{Body: it}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-item", Method: http.MethodGet, Path: "/erp/items/{id}",
		Summary: "Get an item", Tags: []string{"ERP catalog"}}, read,
		func(ctx context.Context, in *api.IDParam) (*itemOutput, error) {
			it, err := h.svc.Item(ctx, in.ID)
			return &itemOutput{Body: it}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-item", Method: http.MethodPut, Path: "/erp/items/{id}",
		Summary: "Change an item", Description: "The code cannot change. The base unit, tracking and kind change only while no stock or document uses the item.",
		Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *itemUpdateInput) (*itemOutput, error) {
			it, err := h.svc.UpdateItem(ctx, in.ID, in.Body.Version, in.Body.CatalogItemInput)
			return &itemOutput{Body: it}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-item-revisions", Method: http.MethodGet, Path: "/erp/items/{id}/revisions",
		Summary: "List an item's revisions", Tags: []string{"ERP catalog"}}, read,
		func(ctx context.Context, in *api.IDParam) (*revisionListOutput, error) {
			if _, err := h.svc.Item(ctx, in.ID); err != nil {
				return nil, err
			}
			revs, err := h.svc.Revisions(ctx, in.ID)
			return &revisionListOutput{Body: api.Page[domain.CatalogRevision]{Items: revs}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-item-revision", Method: http.MethodPost, Path: "/erp/items/{id}/revisions",
		Summary: "Start a new revision of an item", DefaultStatus: http.StatusCreated, Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *revisionCreateInput) (*revisionOutput, error) {
			r, err := h.svc.AddRevision(ctx, in.ID, in.Body)
			return &revisionOutput{Body: r}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-uoms", Method: http.MethodGet, Path: "/erp/uoms",
		Summary: "List units of measure", Tags: []string{"ERP catalog"}}, read,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.CatalogUoM], error) {
			uoms, err := h.svc.UoMs(ctx)
			return &api.ListOutput[domain.CatalogUoM]{Body: api.Page[domain.CatalogUoM]{Items: uoms}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-uom", Method: http.MethodPost, Path: "/erp/uoms",
		Summary: "Create a unit of measure", DefaultStatus: http.StatusCreated, Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *uomCreateInput) (*uomOutput, error) {
			u, err := h.svc.CreateUoM(ctx, in.Body)
			return &uomOutput{Body: u}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-uom", Method: http.MethodPut, Path: "/erp/uoms/{id}",
		Summary: "Change a unit of measure", Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *uomUpdateInput) (*uomOutput, error) {
			u, err := h.svc.UpdateUoM(ctx, in.ID, in.Body)
			return &uomOutput{Body: u}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-list-categories", Method: http.MethodGet, Path: "/erp/categories",
		Summary: "List item categories", Tags: []string{"ERP catalog"}}, read,
		func(ctx context.Context, _ *struct{}) (*api.ListOutput[domain.CatalogCategory], error) {
			cats, err := h.svc.Categories(ctx)
			return &api.ListOutput[domain.CatalogCategory]{Body: api.Page[domain.CatalogCategory]{Items: cats}}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-create-category", Method: http.MethodPost, Path: "/erp/categories",
		Summary: "Create an item category", DefaultStatus: http.StatusCreated, Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *categoryCreateInput) (*categoryOutput, error) {
			c, err := h.svc.CreateCategory(ctx, in.Body)
			return &categoryOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-update-category", Method: http.MethodPut, Path: "/erp/categories/{id}",
		Summary: "Change an item category", Tags: []string{"ERP catalog"}}, manage,
		func(ctx context.Context, in *categoryUpdateInput) (*categoryOutput, error) {
			c, err := h.svc.UpdateCategory(ctx, in.ID, in.Body)
			return &categoryOutput{Body: c}, err
		})
	api.Register(a, huma.Operation{OperationID: "erp-get-item-import-template", Method: http.MethodGet, Path: "/erp/items/import-template",
		Summary: "Download the item import workbook", Description: "An empty .xlsx with drop-down lists, in the language of Accept-Language.",
		Tags: []string{"ERP catalog"}}, read,
		func(ctx context.Context, _ *struct{}) (*templateOutput, error) {
			b, err := h.svc.Template(ctx, i18n.Lang(ctx))
			if err != nil {
				return nil, err
			}
			return &templateOutput{ContentType: xlsxType, ContentDisposition: `attachment; filename="loom-items.xlsx"`, Body: b}, nil
		})
	api.Register(a, huma.Operation{OperationID: "erp-import-items", Method: http.MethodPost, Path: "/erp/items/import",
		Summary: "Import items from an Excel workbook",
		Description: "Send the workbook as the body. Every row is checked; the report names every bad cell. " +
			"mode=all imports nothing while any row is bad (422 naming rows[<row>].<field>).",
		MaxBodyBytes: core.MaxImportBytes, Tags: []string{"ERP catalog"}}, manage, h.apiImport)
}

func (h *handler) apiListItems(ctx context.Context, in *itemListInput) (*api.ListOutput[domain.CatalogItem], error) {
	page, err := h.svc.Items(ctx, domain.ItemFilter{Query: in.Q, Kind: domain.Kind(in.Kind), CategoryID: in.CategoryID,
		Status: domain.Status(in.Status), Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &api.ListOutput[domain.CatalogItem]{Body: api.Page[domain.CatalogItem]{Items: page.Items}}
	if page.Next != "" {
		out.Body.NextCursor = &page.Next
	}
	return out, nil
}

func (h *handler) apiImport(ctx context.Context, in *importInput) (*importOutput, error) {
	name := in.FileName
	if name == "" {
		name = "items.xlsx"
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

func report(ctx context.Context, imp core.Import) CatalogImportReport {
	r := CatalogImportReport{ID: imp.ID, FileName: imp.FileName, Total: imp.Total, Bad: imp.Bad, Valid: imp.Total - imp.Bad,
		Rows: make([]CatalogImportRow, 0, len(imp.Rows))}
	for _, row := range imp.Rows {
		out := CatalogImportRow{Row: row.Row, Code: row.Code, Name: row.Name, Action: row.Action, Errors: []CatalogImportProblem{}}
		for _, e := range row.Errors {
			header := e.Field
			if c, ok := core.ColumnOf(e.Field); ok {
				header = i18n.T(ctx, c.Label)
			}
			out.Errors = append(out.Errors, CatalogImportProblem{Column: e.Column, Header: header, Field: e.Field, Key: e.Key,
				Message: i18n.T(ctx, e.Key, e.Params)})
		}
		r.Rows = append(r.Rows, out)
	}
	return r
}
