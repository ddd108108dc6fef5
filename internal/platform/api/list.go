package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/platform/apperr"
)

// Limits of a list page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ListParams are the query parameters every list operation takes; embed them
// in the operation's input next to its filters.
type ListParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Items per page, 1 to 500."`
	Cursor string `query:"cursor" maxLength:"2048" doc:"The next_cursor of the previous page; empty for the first page."`
	Sort   string `query:"sort" maxLength:"256" doc:"Comma-separated fields to sort by; a leading - sorts that field descending, such as -created_at,name."`
}

// Page is the body of a list response.
type Page[T any] struct {
	Items      []T     `json:"items" nullable:"false" doc:"The items of this page."`
	NextCursor *string `json:"next_cursor" doc:"Pass as cursor to get the next page; null on the last page."`
}

// ListOutput is the output of a list operation.
type ListOutput[T any] struct {
	Body Page[T]
}

// NewPage builds a page from rows fetched with one row more than limit (the
// keyset way to learn whether a next page exists): it keeps limit rows and
// makes the next cursor from the last row kept.
func NewPage[T any](rows []T, limit int, cursorOf func(last T) (string, error)) (Page[T], error) {
	p := Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit]
		c, err := cursorOf(rows[limit-1])
		if err != nil {
			return Page[T]{}, err
		}
		p.NextCursor = &c
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p, nil
}

// SortKey is one field to sort by.
type SortKey struct {
	Field string
	Desc  bool
}

// Order is the parsed sort of a list, first key first.
type Order []SortKey

// String formats o as a sort parameter, such as "-created_at,name".
func (o Order) String() string {
	parts := make([]string, len(o))
	for i, k := range o {
		parts[i] = k.Field
		if k.Desc {
			parts[i] = "-" + k.Field
		}
	}
	return strings.Join(parts, ",")
}

// SortSpec lists the fields a list may be sorted by and its default order.
// Map each field to its SQL column in the store; never put the field in SQL.
type SortSpec struct {
	Fields  []string
	Default string // used when the request has no sort, such as "-created_at"
}

// Parse reads a sort parameter, refusing fields outside the allow-list with a
// problem naming the sort parameter.
func (s SortSpec) Parse(sort string) (Order, error) {
	if sort == "" {
		sort = s.Default
	}
	if sort == "" {
		return nil, nil
	}
	var o Order
	for part := range strings.SplitSeq(sort, ",") {
		k := SortKey{Field: strings.TrimSpace(part)}
		if f, ok := strings.CutPrefix(k.Field, "-"); ok {
			k.Field, k.Desc = f, true
		}
		if !slices.Contains(s.Fields, k.Field) {
			allowed := strings.Join(s.Fields, ", ")
			return nil, apperr.InvalidFields(apperr.FieldError{Field: "sort", Key: "api.list.sort_unknown",
				Message: fmt.Sprintf("Cannot sort by %q; use one of %s", k.Field, allowed),
				Params:  map[string]any{"Field": k.Field, "Allowed": allowed}})
		}
		if slices.ContainsFunc(o, func(x SortKey) bool { return x.Field == k.Field }) {
			return nil, apperr.InvalidFields(apperr.FieldError{Field: "sort", Key: "api.list.sort_repeated",
				Message: fmt.Sprintf("%q is named twice", k.Field), Params: map[string]any{"Field": k.Field}})
		}
		o = append(o, k)
	}
	return o, nil
}

// cursor is the content of an opaque cursor: the order it belongs to and the
// sort values of the last item of the previous page.
type cursor struct {
	Order string          `json:"o"`
	After json.RawMessage `json:"a"`
}

// EncodeCursor makes an opaque cursor from the sort values of the last item
// of a page (any JSON value, usually a small struct) for the order o.
func EncodeCursor(o Order, after any) (string, error) {
	a, err := json.Marshal(after)
	if err != nil {
		return "", fmt.Errorf("api: encode cursor: %w", err)
	}
	b, err := json.Marshal(cursor{Order: o.String(), After: a})
	if err != nil {
		return "", fmt.Errorf("api: encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// DecodeCursor reads a cursor made by EncodeCursor into after. It returns
// false for an empty cursor (the first page), and a problem naming the cursor
// parameter when the cursor is damaged or belongs to another sort order.
func DecodeCursor(s string, o Order, after any) (bool, error) {
	if s == "" {
		return false, nil
	}
	bad := apperr.Invalid("cursor", "api.list.cursor_invalid",
		"This cursor is not valid for this list and sort order; start again from the first page")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false, bad
	}
	var c cursor
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || c.Order != o.String() {
		return false, bad
	}
	dec = json.NewDecoder(bytes.NewReader(c.After))
	dec.DisallowUnknownFields()
	if dec.Decode(after) != nil {
		return false, bad
	}
	return true, nil
}
