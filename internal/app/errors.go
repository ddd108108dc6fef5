package app

import (
	"net/http"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// renderError shows an error as a page: the user's own words for known
// errors, a generic message (and a log line) for the rest.
func (a *App) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.Status(err)
	detail := ""
	if e, ok := apperr.As(err); ok && status < 500 {
		detail = i18n.T(r.Context(), e.Key, e.Params)
	} else {
		a.Log.Error("request failed", "request_id", api.RequestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	titles := map[int]string{400: "error.bad_request", 401: "error.unauthorized", 403: "error.forbidden", 404: "error.not_found", 409: "error.conflict", 422: "error.bad_request"}
	title, ok := titles[status]
	if !ok {
		title = "error.internal"
	}
	p := a.page(r, webui.Page{Title: title})
	webui.Render(w, r, status, webui.Layout(p, webui.ErrorPage(status, title, detail)))
}

func (a *App) notificationsPage(w http.ResponseWriter, r *http.Request) {
	p := a.page(r, webui.Page{Title: "notify.page.title", Active: "notifications"})
	list, err := a.Notify.List(r.Context(), p.User.UserID, r.URL.Query().Get("unread") == "1", 100)
	if err != nil {
		a.renderError(w, r, err)
		return
	}
	webui.Render(w, r, http.StatusOK, webui.Layout(p, notificationsPage(list)))
}
