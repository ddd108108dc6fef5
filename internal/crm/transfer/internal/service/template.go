package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Template returns an .xlsx file with the kind's headings, in the language
// of ctx, and a sheet of notes with an example and the allowed values.
func (s *Service) Template(ctx context.Context, kind transfer.Kind) ([]byte, error) {
	if _, err := require(ctx, transfer.PermImport); err != nil {
		return nil, err
	}
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	t := func(id string, data ...map[string]any) string { return i18n.T(ctx, id, data...) }
	f := excelize.NewFile()
	defer f.Close()
	data := t("crm.import.kind_label." + string(kind))
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F2"}}})
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keep mobiles and codes as text
	if err != nil {
		return nil, err
	}
	cols := columns[kind]
	for i, c := range cols {
		name := t(c.Label)
		if c.Required {
			name += " *"
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(data, cell, name); err != nil {
			return nil, err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	if err := f.SetColWidth(data, "A", last, 18); err != nil {
		return nil, err
	}
	if err := f.SetColStyle(data, "A:"+last, text); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(data, "A1", last+"1", head); err != nil {
		return nil, err
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}

	notes := t("crm.import.notes_sheet")
	if _, err := f.NewSheet(notes); err != nil {
		return nil, err
	}
	rows := [][]any{{t("crm.import.notes_intro")}, {},
		{t("crm.import.notes_column"), t("crm.import.notes_required"), t("crm.import.notes_example"), t("crm.import.notes_values")}}
	for _, c := range cols {
		req := ""
		if c.Required {
			req = t("crm.import.yes")
		}
		rows = append(rows, []any{t(c.Label), req, c.Example, allowed(ctx, c.Field)})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(notes, cell, &r); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellStyle(notes, "A3", "D3", head); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(notes, "A", "C", 22); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(notes, "D", "D", 80); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("transfer: write template: %w", err)
	}
	return buf.Bytes(), nil
}

// allowed describes the values a field takes, in the language of ctx.
func allowed(ctx context.Context, field string) string {
	t := func(id string) string { return i18n.T(ctx, id) }
	labels := func(codes []string, prefix string) string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = t(prefix + c)
		}
		return strings.Join(out, "、")
	}
	switch field {
	case "level":
		return t("crm.import.levels")
	case "currency":
		return t("crm.import.currencies")
	case "industry":
		return labels(customer.Industries, "crm.industry.")
	case "source":
		return labels(lead.Sources, "crm.lead_source.")
	case "owner_id":
		return t("crm.import.owner_hint")
	case "account", "parent_id":
		return t("crm.import.account_hint")
	case "primary":
		return t("crm.import.primary_hint")
	case "campaign_id":
		return t("crm.import.campaign_hint")
	case "tags":
		return t("crm.account.tags_hint")
	}
	return ""
}
