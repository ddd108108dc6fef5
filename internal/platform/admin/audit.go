package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/audit"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// auditView is the audit search form, as typed, and one page of results.
type auditView struct {
	Units                                       []string
	Unit, Actor, Kind, Entity, Action, From, To string
	Rows                                        []audit.Row
	NextHref, FirstHref                         templ.SafeURL
	Errors                                      map[string]string
}

// Fields the audit search form shows an error next to.
var auditFields = []string{"unit", "actor", "entity_kind", "entity_id", "action", "from", "to"}

func (h *handler) auditSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := auditView{Units: h.units, Unit: q.Get("unit"), Actor: strings.TrimSpace(q.Get("actor")),
		Kind: strings.TrimSpace(q.Get("entity_kind")), Entity: strings.TrimSpace(q.Get("entity_id")),
		Action: strings.TrimSpace(q.Get("action")), From: q.Get("from"), To: q.Get("to"), Errors: map[string]string{}}
	if v.Unit == "" {
		v.Unit = h.defaultUnit()
	}
	f := audit.Filter{Actor: v.Actor, EntityKind: v.Kind, EntityID: v.Entity, Action: v.Action, Cursor: q.Get("cursor")}
	d, ok := h.dbs[v.Unit]
	if !ok {
		v.Errors["unit"] = keyUnitUnknown
	}
	var err error
	if f.From, err = parseDay(v.From); err != nil {
		v.Errors["from"] = keyDateInvalid
	}
	if f.To, err = parseDay(v.To); err != nil {
		v.Errors["to"] = keyDateInvalid
	} else if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the whole of the last day
	}
	status := http.StatusOK
	if len(v.Errors) == 0 {
		page, err := audit.Search(r.Context(), d, f)
		if err != nil {
			st, errs, ok := formProblem(err, auditFields...)
			if !ok {
				h.fail(w, r, err)
				return
			}
			status, v.Errors = st, errs
		}
		v.Rows = page.Rows
		if page.Next != "" {
			v.NextHref = listHref(r, "cursor", page.Next)
		}
		if f.Cursor != "" {
			v.FirstHref = listHref(r, "cursor", "")
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	h.show(w, r, status, webui.Page{Title: "admin.audit.title", Active: "audit"}, v.Errors[""], auditPage(v))
}

// parseDay reads a date input's value as the start of that day in the
// server's time zone; empty gives the zero time.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(dateLayout, s, time.Local)
}

// prettyJSON indents a recorded state for reading.
func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
