package web

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// CRMImportProblem is what is wrong with a row of an imported file.
type CRMImportProblem struct {
	Row     int    `json:"row" doc:"The row's number in the sheet, from 1; 0 for a problem with the columns."`
	Column  string `json:"column" doc:"The heading of the file's column; empty for the row as a whole."`
	Field   string `json:"field"`
	Key     string `json:"key" doc:"Message key of the reason."`
	Message string `json:"message" doc:"The reason, in the language asked for."`
}

// CRMImportReport is the outcome of checking or importing a file.
type CRMImportReport struct {
	Kind     string             `json:"kind"`
	Headings []string           `json:"headings"`
	Mapping  []string           `json:"mapping" doc:"The field each column filled; empty when left out."`
	Rows     int                `json:"rows"`
	Good     int                `json:"good"`
	Imported int                `json:"imported"`
	Problems []CRMImportProblem `json:"problems" nullable:"false"`
}

type (
	importIn struct {
		Kind    string `path:"kind" enum:"leads,accounts,contacts"`
		Mode    string `query:"mode" enum:"check,all,good" default:"check" doc:"check writes nothing; all imports every row or, when any row is bad, nothing (422 naming every bad row's field as rows[3].mobile); good imports the good rows."`
		Columns string `query:"columns" doc:"The field of each column, comma-separated (empty leaves a column out); by default the columns are mapped by their headings."`
		RawBody []byte `contentType:"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"`
	}
	importOut  struct{ Body CRMImportReport }
	templateIn struct {
		Kind string `path:"kind" enum:"leads,accounts,contacts"`
	}
	templateOut struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}
)

func (h *Handler) operations() {
	crmui.Register(h.kit, huma.Operation{OperationID: "crm-import", Method: http.MethodPost, Path: "/crm/imports/{kind}",
		Summary: "Check or import an Excel file of leads, customers or contacts", MaxBodyBytes: transfer.MaxBytes,
		Description: "Send the .xlsx file as the body. Every row is checked as if imported; the report names each bad row's column and reason. " +
			"Rows are created as by crm-create-lead, crm-create-account and crm-create-contact, with their permissions and events.",
	}, transfer.PermImport, h.apiImport)
	crmui.Register(h.kit, huma.Operation{OperationID: "crm-import-template", Method: http.MethodGet, Path: "/crm/imports/templates/{kind}",
		Summary: "Download the Excel template of an import", Description: "Headings in the language asked for (Accept-Language).",
		Responses: map[string]*huma.Response{"200": {Description: "The .xlsx template", Content: map[string]*huma.MediaType{crmui.XLSXType: {}}}},
	}, transfer.PermImport, h.apiTemplate)
}

func reportToAPI(ctx context.Context, rep *transfer.Report) CRMImportReport {
	out := CRMImportReport{Kind: string(rep.Kind), Headings: rep.Headings, Mapping: rep.Mapping, Rows: rep.Rows, Good: rep.Good,
		Imported: rep.Imported, Problems: []CRMImportProblem{}}
	for _, p := range rep.Problems {
		out.Problems = append(out.Problems, CRMImportProblem{Row: p.Row, Column: p.Column, Field: p.Field, Key: p.Key, Message: problemText(ctx, p)})
	}
	return out
}

func (h *Handler) apiImport(ctx context.Context, in *importIn) (*importOut, error) {
	var mapping []string
	if in.Columns != "" {
		mapping = strings.Split(in.Columns, ",")
		for i := range mapping {
			mapping[i] = strings.TrimSpace(mapping[i])
		}
	}
	rep, err := h.svc.Import(ctx, transfer.Kind(in.Kind), in.RawBody, mapping, transfer.Mode(in.Mode))
	if err != nil {
		if rep != nil && len(rep.Problems) > 0 {
			// Name every bad row's field, as rows[3].mobile.
			fields := make([]apperr.FieldError, 0, len(rep.Problems))
			for _, p := range rep.Problems {
				f := "rows[" + strconv.Itoa(p.Row) + "]"
				if p.Field != "" {
					f += "." + p.Field
				}
				if p.Row == 0 {
					f = "columns." + p.Field
				}
				fields = append(fields, apperr.FieldError{Field: f, Key: p.Key, Message: problemText(ctx, p), Params: p.Params})
			}
			return nil, apperr.InvalidFields(fields...)
		}
		return nil, err
	}
	return &importOut{reportToAPI(ctx, rep)}, nil
}

func (h *Handler) apiTemplate(ctx context.Context, in *templateIn) (*templateOut, error) {
	data, err := h.svc.Template(ctx, transfer.Kind(in.Kind))
	if err != nil {
		return nil, err
	}
	name := i18n.T(ctx, "crm.import.kind_label."+in.Kind) + ".xlsx"
	return &templateOut{ContentType: crmui.XLSXType, ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": name}), Body: data}, nil
}
