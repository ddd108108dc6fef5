package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	assets "github.com/loom-erp/loom/web"
)

type urlKey struct{}

// requestURL returns the URL of the request being rendered, stored by Render.
func requestURL(ctx context.Context) *url.URL {
	u, _ := ctx.Value(urlKey{}).(*url.URL)
	return u
}

// withLang renders c in lang; an empty lang keeps the context's language.
func withLang(lang string, c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if lang != "" {
			ctx = i18n.WithLang(ctx, lang)
		}
		return c.Render(ctx, w)
	})
}

// withQuery returns the current page's address with the query parameter key
// set to value, keeping the rest of its query.
func withQuery(ctx context.Context, key, value string) string {
	u := requestURL(ctx)
	if u == nil {
		return "?" + url.Values{key: {value}}.Encode()
	}
	q := u.Query()
	q.Set(key, value)
	return u.EscapedPath() + "?" + q.Encode()
}

func langHref(ctx context.Context, lang string) templ.SafeURL {
	return templ.SafeURL(withQuery(ctx, "lang", lang))
}

func pageHref(ctx context.Context, page int) templ.SafeURL {
	return templ.SafeURL(withQuery(ctx, "page", strconv.Itoa(page)))
}

// t translates a message id, or returns text that is not one unchanged.
func t(ctx context.Context, idOrText string, data ...map[string]any) string {
	return i18n.T(ctx, idOrText, data...)
}

func asset(name string) string { return assets.URL(name) }

func pageTitle(ctx context.Context, title string) string {
	app := t(ctx, "app.name")
	if title == "" {
		return app
	}
	return t(ctx, title) + " · " + app
}

func displayName(p *authz.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Login
}

func bellLabel(ctx context.Context, unread int) string {
	if unread <= 0 {
		return t(ctx, "notifications.title")
	}
	return t(ctx, "notifications.title") + ": " + t(ctx, "notifications.unread", map[string]any{"Count": unread})
}

// badgeCount keeps a count badge short.
func badgeCount(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}

func flashClass(kind string) string {
	switch kind {
	case "success", "error", "warning":
		return "flash flash-" + kind
	}
	return "flash flash-info"
}

func flashRole(kind string) string {
	if kind == "error" || kind == "warning" {
		return "alert"
	}
	return "status"
}

// unitName translates a unit's name, falling back to the name itself.
func unitName(ctx context.Context, name string) string {
	if i18n.Has("unit." + name) {
		return t(ctx, "unit."+name)
	}
	return name
}

// formatInt writes n with thousands separators, as both languages do in Loom.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// formatLag writes a delay in seconds in the unit that reads best.
func formatLag(ctx context.Context, seconds float64) string {
	switch {
	case seconds < 0:
		seconds = 0
		fallthrough
	case seconds < 10:
		return t(ctx, "time.seconds", map[string]any{"N": strconv.FormatFloat(seconds, 'f', 1, 64)})
	case seconds < 60:
		return t(ctx, "time.seconds", map[string]any{"N": strconv.FormatFloat(seconds, 'f', 0, 64)})
	case seconds < 3600:
		return t(ctx, "time.minutes", map[string]any{"N": strconv.FormatInt(int64(seconds/60), 10)})
	}
	return t(ctx, "time.hours", map[string]any{"N": strconv.FormatFloat(seconds/3600, 'f', 1, 64)})
}

// lagWarning is the event lag, in seconds, from which the home page highlights it.
const lagWarning = 60

func deadLettersHref(unit string) templ.SafeURL {
	return templ.SafeURL("/admin/deadletters?unit=" + url.QueryEscape(unit))
}

// errorTitleKey picks the page title for an HTTP status when none is given.
func errorTitleKey(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "error.bad_request"
	case http.StatusUnauthorized:
		return "error.unauthorized"
	case http.StatusForbidden:
		return "error.forbidden"
	case http.StatusNotFound:
		return "error.not_found"
	case http.StatusConflict, http.StatusPreconditionFailed:
		return "error.conflict"
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return "error.unavailable"
	}
	if status >= 500 {
		return "error.internal"
	}
	return "error.generic"
}

// rangeText describes the rows a page shows, such as "51–100 of 1,234".
func rangeText(ctx context.Context, p Paging) string {
	if p.Total <= 0 {
		return t(ctx, "common.no_records")
	}
	from := int64(p.Offset()) + 1
	to := min(from+int64(p.Size)-1, p.Total)
	if p.Size <= 0 {
		to = p.Total
	}
	return t(ctx, "pager.range", map[string]any{"From": formatInt(from), "To": formatInt(to), "Total": formatInt(p.Total)})
}

func pageOfText(ctx context.Context, p Paging) string {
	return t(ctx, "pager.page", map[string]any{"Page": formatInt(int64(max(p.Page, 1))), "Pages": formatInt(int64(p.Pages()))})
}
