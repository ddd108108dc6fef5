package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/danielgtaylor/huma/v2"
)

// WriteSpec writes the OpenAPI document of a as indented JSON. The output
// depends only on the registered operations, so it can be kept as a golden
// file and reviewed when the contract changes.
func WriteSpec(a *API, w io.Writer) error {
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a.huma.OpenAPI()); err != nil {
		return fmt.Errorf("api: render OpenAPI document: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(raw.Bytes()), "", "  "); err != nil {
		return fmt.Errorf("api: render OpenAPI document: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// DecimalPattern is the text of an exact decimal number in JSON: an optional
// minus, digits, and optionally a point and more digits.
const DecimalPattern = `^-?[0-9]+(\.[0-9]+)?$`

// DecimalString documents and validates exact numbers (money, quantities,
// prices, rates) that travel as JSON strings such as "12.30". Options.DecimalTypes
// maps Go types to it.
type DecimalString string

// Schema describes a decimal string.
func (DecimalString) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Type:        huma.TypeString,
		Format:      "decimal",
		Pattern:     DecimalPattern,
		Description: "An exact decimal number as a string, such as \"12.30\".",
		Examples:    []any{"12.30"},
	}
}
