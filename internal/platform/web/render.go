package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
)

// Render writes c as an HTML response with the given status. It renders into
// memory first, so a component that fails yields a clean 500 instead of half a
// page. Unless the handler set Cache-Control already, the page is marked
// no-store: pages carry business data that shared computers must not keep.
func Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	ctx := context.WithValue(r.Context(), urlKey{}, r.URL)
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		slog.ErrorContext(ctx, "web: rendering a page failed", "path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	// The same URL answers htmx with a fragment and a browser with a full page.
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// IsHTMX reports whether htmx sent the request and wants a fragment. A
// request to restore history after a cache miss wants the full page, so it
// does not count.
func IsHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}
