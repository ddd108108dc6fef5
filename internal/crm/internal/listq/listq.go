// Package listq builds the SQL of the CRM's list queries: numbered
// arguments, and keyset pagination over an allow-listed sort order with the
// row id as the last tie-breaker, so API cursors stay correct while rows are
// added.
package listq

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
)

// Args collects the arguments of one statement and names them $1, $2, ….
type Args []any

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// Where collects conditions joined with AND.
type Where []string

// And adds a condition.
func (w *Where) And(cond string) { *w = append(*w, cond) }

// SQL returns " WHERE a AND b", or "" when there is no condition.
func (w Where) SQL() string {
	if len(w) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// ColType is how a sort column's values travel in a cursor.
type ColType int

// Column types.
const (
	Text ColType = iota
	Int
)

// Col maps an API sort field to its SQL expression.
type Col struct {
	SQL  string
	Type ColType
}

// Sort is a parsed order with the columns it maps to.
type Sort struct {
	Order api.Order
	cols  map[string]Col
	idSQL string
}

// NewSort parses the sort parameter against spec and maps each field through cols;
// idSQL is the id column that breaks ties.
func NewSort(spec api.SortSpec, sort string, cols map[string]Col, idSQL string) (Sort, error) {
	o, err := spec.Parse(sort)
	if err != nil {
		return Sort{}, err
	}
	for _, k := range o {
		if _, ok := cols[k.Field]; !ok {
			return Sort{}, fmt.Errorf("listq: sort field %s has no column", k.Field)
		}
	}
	return Sort{Order: o, cols: cols, idSQL: idSQL}, nil
}

// OrderBy returns " ORDER BY …" with the id last.
func (s Sort) OrderBy() string {
	parts := make([]string, 0, len(s.Order)+1)
	for _, k := range s.Order {
		parts = append(parts, s.cols[k.Field].SQL+dir(k.Desc))
	}
	last := false
	if len(s.Order) > 0 {
		last = s.Order[len(s.Order)-1].Desc
	}
	parts = append(parts, s.idSQL+dir(last))
	return " ORDER BY " + strings.Join(parts, ", ")
}

func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}

// cursorValues is what a cursor holds: the sort values of the last row, as
// text, and its id.
type cursorValues struct {
	V  []string `json:"v"`
	ID string   `json:"id"`
}

// Cursor makes the cursor of a row from its sort values (in order) and id.
func (s Sort) Cursor(values []any, id string) (string, error) {
	cv := cursorValues{ID: id}
	for _, v := range values {
		cv.V = append(cv.V, fmt.Sprint(v))
	}
	return api.EncodeCursor(s.Order, cv)
}

// After reads a cursor and adds the keyset condition that starts the page
// after it; an empty cursor adds nothing.
func (s Sort) After(cursor string, w *Where, a *Args) error {
	var cv cursorValues
	ok, err := api.DecodeCursor(cursor, s.Order, &cv)
	if err != nil || !ok {
		return err
	}
	bad := apperr.Invalid("cursor", "api.list.cursor_invalid",
		"This cursor is not valid for this list and sort order; start again from the first page")
	if len(cv.V) != len(s.Order) || cv.ID == "" {
		return bad
	}
	type term struct {
		sql  string
		val  any
		desc bool
	}
	terms := make([]term, 0, len(s.Order)+1)
	for i, k := range s.Order {
		c := s.cols[k.Field]
		var v any = cv.V[i]
		if c.Type == Int {
			n, err := strconv.ParseInt(cv.V[i], 10, 64)
			if err != nil {
				return bad
			}
			v = n
		}
		terms = append(terms, term{c.SQL, v, k.Desc})
	}
	last := len(s.Order) > 0 && s.Order[len(s.Order)-1].Desc
	terms = append(terms, term{s.idSQL, cv.ID, last})
	// (a > x) OR (a = x AND b > y) OR … with each comparison in its own direction.
	var ors []string
	for i := range terms {
		var ands []string
		for _, t := range terms[:i] {
			ands = append(ands, t.sql+" = "+a.Add(t.val))
		}
		op := " > "
		if terms[i].desc {
			op = " < "
		}
		ands = append(ands, terms[i].sql+op+a.Add(terms[i].val))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	w.And("(" + strings.Join(ors, " OR ") + ")")
	return nil
}

// Like escapes a user's search term for a LIKE pattern that matches it
// anywhere; use it with ESCAPE '\'.
func Like(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}

// Limit clamps a page size to 1…api.MaxLimit, with api.DefaultLimit for 0.
func Limit(n int) int {
	switch {
	case n <= 0:
		return api.DefaultLimit
	case n > api.MaxLimit:
		return api.MaxLimit
	}
	return n
}
