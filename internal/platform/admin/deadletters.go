package admin

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/platform/bus"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// deadLettersView is the dead-letter list with its filter.
type deadLettersView struct {
	Units  []string
	Filter bus.DeadLetterFilter
	List   []bus.DeadLetter
	// Limit is how many dead letters per unit the page shows at most.
	Limit  int
	Errors map[string]string
}

// deadLetterPageLimit bounds the dead letters listed per unit on the page.
const deadLetterPageLimit = 200

// deadLetterFilter reads the unit, consumer and event type of a filter from
// a query or a posted form.
func deadLetterFilter(v url.Values) bus.DeadLetterFilter {
	return bus.DeadLetterFilter{Unit: v.Get("unit"), Consumer: strings.TrimSpace(v.Get("consumer")), Type: strings.TrimSpace(v.Get("type"))}
}

// deadLettersHref is the list page filtered as f.
func deadLettersHref(f bus.DeadLetterFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"unit": f.Unit, "consumer": f.Consumer, "type": f.Type} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/admin/deadletters"
	}
	return "/admin/deadletters?" + q.Encode()
}

func (h *handler) deadLetterList(w http.ResponseWriter, r *http.Request) {
	v := deadLettersView{Units: h.units, Filter: deadLetterFilter(r.URL.Query()), Limit: deadLetterPageLimit}
	status := http.StatusOK
	if v.Filter.Unit != "" && !slices.Contains(h.units, v.Filter.Unit) {
		v.Errors = map[string]string{"unit": keyUnitUnknown}
		status = http.StatusUnprocessableEntity
	} else {
		f := v.Filter
		f.Limit = deadLetterPageLimit
		var err error
		if v.List, err = h.bus.ListDeadLetters(r.Context(), f); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if webui.IsHTMX(r) {
		webui.Render(w, r, status, deadLetterResults(v))
		return
	}
	h.show(w, r, status, webui.Page{Title: "admin.deadletters.title", Active: "deadletters"}, "", deadLettersPage(v))
}

func (h *handler) deadLetterReplay(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	back := deadLettersHref(deadLetterFilter(r.PostForm))
	err := h.bus.Replay(r.Context(), r.PathValue("id"))
	switch {
	case err == nil:
		redirect(w, r, back, "replayed")
	case errors.Is(err, bus.ErrNotFound):
		redirect(w, r, back, "replay_gone")
	default:
		h.log.WarnContext(r.Context(), "admin: dead letter failed again on replay", "id", r.PathValue("id"), "err", err)
		redirect(w, r, back, "replay_failed")
	}
}

func (h *handler) deadLetterReplayAll(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := deadLetterFilter(r.PostForm)
	back := deadLettersHref(f)
	n, err := h.bus.ReplayAll(r.Context(), f)
	if err == nil {
		redirect(w, r, back, "replayed_all", n)
		return
	}
	h.log.WarnContext(r.Context(), "admin: dead letters failed again on replay", "filter", back, "err", err)
	failed := 1
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		failed = len(j.Unwrap())
	}
	redirect(w, r, back, "replay_partial", n, failed)
}
