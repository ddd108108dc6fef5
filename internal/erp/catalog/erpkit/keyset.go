package erpkit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/loom-erp/loom/internal/platform/apperr"
)

// Limits of a list page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Limit returns n within 1..MaxLimit, DefaultLimit for 0 or less.
func Limit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return min(n, MaxLimit)
}

// SortColumn is the SQL column a list sorts by for one sort field.
type SortColumn struct {
	SQL  string
	Text bool // a text column (else an integer one)
}

// Keyset is the order and position of one page of a list sorted by one
// field and then by id, so pages stay right while rows are added.
type Keyset struct {
	field string
	desc  bool
	col   SortColumn
	idCol string
	after *cursor
}

type cursor struct {
	Sort  string          `json:"s"`
	Value json.RawMessage `json:"v"`
	ID    string          `json:"id"`
}

// ParseKeyset reads a sort parameter ("name" or "-name", one of allowed;
// empty means def) and the cursor of the previous page. It returns an apperr
// naming sort or cursor when either is not valid.
func ParseKeyset(sort, def string, allowed []string, cols map[string]SortColumn, idCol, cur string) (Keyset, error) {
	if sort == "" {
		sort = def
	}
	k := Keyset{field: strings.TrimPrefix(sort, "-"), desc: strings.HasPrefix(sort, "-"), idCol: idCol}
	col, ok := cols[k.field]
	known := false
	for _, a := range allowed {
		known = known || a == k.field
	}
	if !ok || !known {
		all := strings.Join(allowed, ", ")
		return k, apperr.InvalidFields(apperr.FieldError{Field: "sort", Key: "api.list.sort_unknown",
			Message: fmt.Sprintf("Cannot sort by %q; use one of %s", k.field, all),
			Params:  map[string]any{"Field": k.field, "Allowed": all}})
	}
	k.col = col
	if cur == "" {
		return k, nil
	}
	bad := apperr.Invalid("cursor", "api.list.cursor_invalid",
		"This cursor is not valid for this list and sort order; start again from the first page")
	raw, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		return k, bad
	}
	var c cursor
	if json.Unmarshal(raw, &c) != nil || c.Sort != sort || c.ID == "" {
		return k, bad
	}
	if col.Text {
		var s string
		if json.Unmarshal(c.Value, &s) != nil {
			return k, bad
		}
	} else {
		var n int64
		if json.Unmarshal(c.Value, &n) != nil {
			return k, bad
		}
	}
	k.after = &c
	return k, nil
}

// Where returns the condition that starts the page after the cursor, or ""
// on the first page; arg adds an argument and returns its placeholder.
func (k Keyset) Where(arg func(any) string) string {
	if k.after == nil {
		return ""
	}
	var v any
	if k.col.Text {
		var s string
		_ = json.Unmarshal(k.after.Value, &s)
		v = s
	} else {
		var n int64
		_ = json.Unmarshal(k.after.Value, &n)
		v = n
	}
	op := ">"
	if k.desc {
		op = "<"
	}
	pv, pid := arg(v), arg(k.after.ID)
	return fmt.Sprintf("(%s %s %s OR (%s = %s AND %s %s %s))", k.col.SQL, op, pv, k.col.SQL, pv, k.idCol, op, pid)
}

// OrderBy returns the ORDER BY clause of the list.
func (k Keyset) OrderBy() string {
	dir := ""
	if k.desc {
		dir = " DESC"
	}
	return " ORDER BY " + k.col.SQL + dir + ", " + k.idCol + dir
}

// Cursor returns the cursor of the page after a row whose sort values are
// in values (by field) and whose id is id.
func (k Keyset) Cursor(values map[string]any, id string) (string, error) {
	v, err := json.Marshal(values[k.field])
	if err != nil {
		return "", err
	}
	sort := k.field
	if k.desc {
		sort = "-" + sort
	}
	b, err := json.Marshal(cursor{Sort: sort, Value: v, ID: id})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
