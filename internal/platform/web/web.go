// Package web holds the pieces of Loom's server-rendered user interface that
// every module shares: the page layout with its navigation, the login, home and
// error pages, tables and a pager, and a router that makes every route declare
// the permission it needs.
//
// Components are templ components. They translate their text with the
// language that i18n.Middleware stored in the request's context, and carry no
// inline script or style, so pages work under a Content-Security-Policy that
// allows neither. Render them with Render, so that links such as the
// language switch keep the page's query.
//
// The package is named web like the asset package github.com/loom-erp/loom/web;
// callers import one of them under another name (webui, assets).
package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/loom-erp/loom/internal/platform/authz"
)

// NavItem is one link in the side navigation.
type NavItem struct {
	Key      string           // compared with Page.Active to mark the current page
	Href     string           // a path inside Loom, such as /crm/customers
	LabelKey string           // i18n message id of the link text
	Perm     authz.Permission // shown only to users who hold it; an item without one is never shown
}

// NavSection groups the navigation of one unit (platform, crm, erp, mes, bi).
type NavSection struct {
	Unit     string // the unit's name, used for styling and tests
	LabelKey string // i18n message id of the heading, such as nav.section.crm
	Items    []NavItem
}

// Page is what the layout needs to know about the page it frames.
type Page struct {
	Title     string           // a message id or text already translated; shown in the browser tab
	Active    string           // Key of the NavItem to mark as current
	Lang      string           // language of the page; empty means the request's language
	User      *authz.Principal // nil for an anonymous visitor
	Nav       []NavSection     // filtered by the user's permissions when shown
	Unread    int              // unread notifications, shown on the bell
	Flash     string           // a message id or translated text shown once above the page body
	FlashKind string           // success, error, warning or info (the default)
}

// UnitStatus is the health of one running unit, for the home page.
type UnitStatus struct {
	Name             string // platform, crm, erp, mes, bi or a module's own name
	Running          bool
	Engine           string // database engine, such as sqlite or postgres
	OutboxPending    int64  // events written but not yet delivered
	OutboxLagSeconds float64
	DeadLetters      int64 // events that failed every delivery attempt
}

// SystemStatus describes the whole installation, for the home page.
type SystemStatus struct {
	Version   string
	Engine    string
	Transport string // event transport, such as inprocess or jetstream
	Units     []UnitStatus
}

// Paging says which part of a long list a page shows, for the Pager component.
type Paging struct {
	Page  int   // the current page, counted from 1
	Size  int   // rows per page
	Total int64 // rows in the whole list
}

// Pages returns the number of pages, at least 1.
func (p Paging) Pages() int {
	if p.Size <= 0 || p.Total <= 0 {
		return 1
	}
	return int((p.Total + int64(p.Size) - 1) / int64(p.Size))
}

// Offset returns how many rows come before the current page.
func (p Paging) Offset() int {
	if p.Page <= 1 || p.Size <= 0 {
		return 0
	}
	return (p.Page - 1) * p.Size
}

// PageParam reads the page number from the request's ?page= parameter; a
// missing or bad value gives 1.
func PageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// SafeNext returns next when it is a path on this site, such as the page a
// user asked for before logging in, and "/" for anything else, so a crafted
// link cannot send the user to another site after they sign in.
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// visibleNav returns the sections and items of nav that user may open,
// leaving out sections with nothing left in them.
func visibleNav(user *authz.Principal, nav []NavSection) []NavSection {
	var out []NavSection
	for _, s := range nav {
		var items []NavItem
		for _, it := range s.Items {
			if it.Perm != "" && user.Can(it.Perm) {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			s.Items = items
			out = append(out, s)
		}
	}
	return out
}
