package app

import (
	"net/http"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// notificationRoutes serves the bell's page: a user's notifications, and
// marking them read.
func (a *App) notificationRoutes() {
	rt := a.Router
	rt.HandleFunc("GET /notifications", authz.Authenticated, a.notificationsPage)
	rt.HandleFunc("POST /notifications/{id}/read", authz.Authenticated, func(w http.ResponseWriter, r *http.Request) {
		p := authz.FromContext(r.Context())
		if err := a.Notify.MarkRead(r.Context(), p.UserID, r.PathValue("id")); err != nil {
			a.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	})
	rt.HandleFunc("POST /notifications/read-all", authz.Authenticated, func(w http.ResponseWriter, r *http.Request) {
		p := authz.FromContext(r.Context())
		if err := a.Notify.MarkAllRead(r.Context(), p.UserID); err != nil {
			a.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	})
}
