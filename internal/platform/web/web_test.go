package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

const (
	permCustomers authz.Permission = "webtest.customer.view"
	permLedger    authz.Permission = "webtest.ledger.view"
	permUsers     authz.Permission = "webtest.user.manage"
)

func init() {
	authz.Register(
		authz.Definition{Name: permCustomers, Module: "webtest"},
		authz.Definition{Name: permLedger, Module: "webtest"},
		authz.Definition{Name: permUsers, Module: "webtest"},
	)
}

func testNav() []NavSection {
	return []NavSection{
		{Unit: "platform", LabelKey: "nav.section.platform", Items: []NavItem{
			{Key: "users", Href: "/admin/users", LabelKey: "nav.users", Perm: permUsers},
			{Key: "status", Href: "/admin/status", LabelKey: "nav.status", Perm: authz.Authenticated},
		}},
		{Unit: "crm", LabelKey: "nav.section.crm", Items: []NavItem{
			{Key: "customers", Href: "/crm/customers", LabelKey: "Customers", Perm: permCustomers},
			{Key: "undeclared", Href: "/crm/secret", LabelKey: "Secret"},
		}},
		{Unit: "erp", LabelKey: "nav.section.erp", Items: []NavItem{
			{Key: "ledger", Href: "/erp/ledger", LabelKey: "Ledger", Perm: permLedger},
		}},
	}
}

// render renders c in lang as Render would for target.
func render(t *testing.T, lang, target string, c templ.Component) string {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	r = r.WithContext(i18n.WithLang(r.Context(), lang))
	w := httptest.NewRecorder()
	Render(w, r, http.StatusOK, c)
	if w.Code != http.StatusOK {
		t.Fatalf("render: status %d: %s", w.Code, w.Body)
	}
	out := w.Body.String()
	checkCSP(t, out)
	return out
}

// checkCSP fails the test when the page holds anything a strict
// Content-Security-Policy blocks: inline scripts, style elements or attributes,
// event-handler attributes or javascript: links.
func checkCSP(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("parsing the page: %v", z.Err())
			}
			return
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				t.Errorf("inline script: %q", z.Text())
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "style" {
				t.Errorf("<style> element in the page")
			}
			hasSrc := false
			for _, a := range tok.Attr {
				switch {
				case a.Key == "style":
					t.Errorf("style attribute on <%s>: %q", tok.Data, a.Val)
				case strings.HasPrefix(a.Key, "on"):
					t.Errorf("event handler attribute %s on <%s>", a.Key, tok.Data)
				case (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"):
					t.Errorf("javascript: URL on <%s>", tok.Data)
				case a.Key == "src":
					hasSrc = true
				}
			}
			if tok.Data == "script" {
				if !hasSrc {
					t.Errorf("<script> without src")
				}
				inScript = tt == html.StartTagToken
			}
		}
	}
}

func TestLayoutShowsOnlyPermittedNavigation(t *testing.T) {
	user := &authz.Principal{UserID: "u1", Login: "liwei", Name: "李伟", Perms: map[authz.Permission]bool{permCustomers: true}}
	page := Page{Title: "Customers", Active: "customers", User: user, Nav: testNav(), Unread: 3}
	out := render(t, i18n.EN, "/crm/customers", Layout(page, templ.Raw("<p>body</p>")))

	for _, want := range []string{
		`href="/crm/customers"`, `href="/admin/status"`, `aria-current="page"`, `data-unit="crm"`,
		`<p>body</p>`, `<title>Customers · Loom</title>`, `<html lang="en">`, `李伟`,
		`href="/notifications"`, `class="bell-count" aria-hidden="true">3<`, `3 unread notifications`,
		`href="/account/tokens"`, `action="/logout"`, `method="post"`,
		`name="viewport"`, `name="htmx-config"`, `includeIndicatorStyles&#34;:false`,
		`/static/app.css`, `/static/app.js`, `/static/vendor/htmx.min.js`, `/static/vendor/echarts.min.js`,
		`href="/crm/customers?lang=zh-Hans"`, `data-nav-toggle`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, banned := range []string{`/admin/users`, `/erp/ledger`, `data-unit="erp"`, `/crm/secret`, `href="/login"`} {
		if strings.Contains(out, banned) {
			t.Errorf("page shows %s to a user without the permission", banned)
		}
	}
	if n := strings.Count(out, `aria-current="page"`); n != 1 {
		t.Errorf("%d links marked current; want 1", n)
	}

	// The same user with the ledger permission sees the ERP section too.
	user.Perms[permLedger] = true
	out = render(t, i18n.EN, "/", Layout(page, templ.NopComponent))
	if !strings.Contains(out, `href="/erp/ledger"`) || !strings.Contains(out, `data-unit="erp"`) {
		t.Error("ERP section missing for a user who may see the ledger")
	}
}

func TestLayoutForAnonymousVisitor(t *testing.T) {
	out := render(t, i18n.EN, "/", Layout(Page{Nav: testNav()}, ErrorPage(404, "", "")))
	for _, banned := range []string{`class="bell"`, `/logout`, `id="sidenav"`, `data-nav-toggle`} {
		if strings.Contains(out, banned) {
			t.Errorf("anonymous page shows %s", banned)
		}
	}
	for _, want := range []string{`href="/login"`, `Page not found`, `Error 404`, `shell no-nav`} {
		if !strings.Contains(out, want) {
			t.Errorf("anonymous page lacks %s", want)
		}
	}
}

func TestLayoutInChinese(t *testing.T) {
	user := &authz.Principal{Login: "wang"}
	out := render(t, i18n.EN, "/x?page=2", Layout(Page{Lang: i18n.ZH, Title: "home.title", User: user, Nav: testNav()}, HomePage(SystemStatus{})))
	for _, want := range []string{
		`<html lang="zh-Hans">`, `<title>系统状态 · Loom</title>`, `系统管理`, `退出登录`, `尚未配置任何模块。`,
		`<span class="current" lang="zh-Hans" aria-current="true">中文</span>`,
		`href="/x?lang=en&amp;page=2"`, `wang`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Chinese page lacks %s", want)
		}
	}
	if strings.Contains(out, "Log out") {
		t.Error("Chinese page shows English text")
	}
}

func TestLayoutEscapesAndSanitizes(t *testing.T) {
	user := &authz.Principal{Name: `<img src=x onerror=alert(1)>`}
	nav := []NavSection{{Unit: "crm", LabelKey: "x", Items: []NavItem{
		{Key: "bad", Href: "javascript:alert(1)", LabelKey: "<b>bold</b>", Perm: authz.Authenticated},
	}}}
	out := render(t, i18n.EN, "/", Layout(Page{User: user, Nav: nav, Flash: `<script>alert(1)</script>`, FlashKind: "error"}, templ.NopComponent))
	for _, banned := range []string{`<img src=x`, `<b>bold`, `<script>alert`, `javascript:alert`} {
		if strings.Contains(out, banned) {
			t.Errorf("page holds unescaped %s", banned)
		}
	}
	if !strings.Contains(out, `&lt;script&gt;alert(1)&lt;/script&gt;`) || !strings.Contains(out, `role="alert"`) {
		t.Error("flash not shown as escaped text in an alert")
	}
}

func TestBellCount(t *testing.T) {
	user := &authz.Principal{Login: "a"}
	for unread, want := range map[int]string{0: "", 1: ">1<", 150: ">99+<"} {
		out := render(t, i18n.EN, "/", Layout(Page{User: user, Unread: unread}, templ.NopComponent))
		has := strings.Contains(out, "bell-count")
		if want == "" && has || want != "" && !strings.Contains(out, `aria-hidden="true">`+want[1:]) {
			t.Errorf("unread %d: count badge wrong", unread)
		}
	}
}

func TestLoginPage(t *testing.T) {
	out := render(t, i18n.EN, "/login", LoginPage(i18n.ZH, "login.error.locked", "/crm/customers?id=7"))
	for _, want := range []string{
		`<html lang="zh-Hans">`, `action="/login"`, `method="post"`, `name="login"`, `name="password"`,
		`type="password"`, `name="next" value="/crm/customers?id=7"`, `该账户已被锁定`, `role="alert"`,
		`autocomplete="current-password"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	out = render(t, i18n.EN, "/login", LoginPage(i18n.EN, "", "https://evil.example/"))
	if !strings.Contains(out, `name="next" value="/"`) || strings.Contains(out, "evil") {
		t.Error("login page keeps a next address on another site")
	}
	if strings.Contains(out, `role="alert"`) {
		t.Error("login page shows an error without one")
	}
}

func TestHomePage(t *testing.T) {
	s := SystemStatus{Version: "1.2.3", Engine: "sqlite", Transport: "inprocess", Units: []UnitStatus{
		{Name: "crm", Running: true, Engine: "sqlite", OutboxPending: 12345, OutboxLagSeconds: 0.4},
		{Name: "mes", Running: false, Engine: "postgres", OutboxLagSeconds: 125, DeadLetters: 3},
		{Name: "a&b", Running: true, OutboxLagSeconds: 7200},
	}}
	out := render(t, i18n.EN, "/", HomePage(s))
	for _, want := range []string{
		`1.2.3`, `inprocess`, `data-unit="crm"`, `data-running="true"`, `data-running="false"`,
		`12,345`, `0.4 s`, `2 min`, `2.0 h`, `class="warn"`, `Stopped`, `Running`,
		`href="/admin/deadletters?unit=crm"`, `href="/admin/deadletters?unit=a%26b"`, `badge badge-err`, `>3</a>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
	if n := strings.Count(out, `class="card unit-card"`); n != 3 {
		t.Errorf("%d unit cards; want 3", n)
	}
	zh := render(t, i18n.ZH, "/", HomePage(s))
	for _, want := range []string{`客户关系（CRM）`, `已停止`, `0.4 秒`, `2 分钟`, `死信事件`} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese home page lacks %s", want)
		}
	}
}

func TestErrorPageTitles(t *testing.T) {
	for status, want := range map[int]string{
		403: "You do not have permission", 404: "Page not found", 500: "Something went wrong",
		503: "Loom is busy", 400: "not valid", 418: "The request failed",
	} {
		out := render(t, i18n.EN, "/", ErrorPage(status, "", ""))
		if !strings.Contains(out, want) {
			t.Errorf("status %d: page lacks %q", status, want)
		}
	}
	out := render(t, i18n.ZH, "/", ErrorPage(409, "error.conflict", "common.not_found"))
	if !strings.Contains(out, "该记录已被他人修改") || !strings.Contains(out, "未找到") || !strings.Contains(out, "错误 409") {
		t.Errorf("Chinese error page: %s", out)
	}
}

func TestTable(t *testing.T) {
	out := render(t, i18n.ZH, "/", Table([]string{"common.status", "Code"}, [][]string{{"<ok>", "A-1"}}))
	for _, want := range []string{`<th scope="col">状态</th>`, `<th scope="col">Code</th>`, `<td>&lt;ok&gt;</td>`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %s", want)
		}
	}
	out = render(t, i18n.EN, "/", Table([]string{"A", "B", "C"}, nil))
	if !strings.Contains(out, `colspan="3"`) || !strings.Contains(out, "No records") {
		t.Errorf("empty table: %s", out)
	}
}

func TestPager(t *testing.T) {
	out := render(t, i18n.EN, "/crm/customers?q=acme&page=2", Pager(Paging{Page: 2, Size: 50, Total: 1234}))
	for _, want := range []string{
		`51–100 of 1,234`, `Page 2 of 25`,
		`rel="prev" href="/crm/customers?page=1&amp;q=acme"`, `rel="next" href="/crm/customers?page=3&amp;q=acme"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pager lacks %s", want)
		}
	}
	out = render(t, i18n.EN, "/l", Pager(Paging{Page: 1, Size: 50, Total: 20}))
	if strings.Contains(out, "rel=") || !strings.Contains(out, "1–20 of 20") {
		t.Errorf("single page pager: %s", out)
	}
	out = render(t, i18n.EN, "/l", Pager(Paging{Page: 3, Size: 10, Total: 25}))
	if !strings.Contains(out, `rel="prev"`) || strings.Contains(out, `rel="next"`) || !strings.Contains(out, "21–25 of 25") {
		t.Errorf("last page pager: %s", out)
	}
	if p := (Paging{Page: 3, Size: 10}); p.Offset() != 20 || p.Pages() != 1 {
		t.Errorf("Offset %d Pages %d", p.Offset(), p.Pages())
	}
}

func TestPageParam(t *testing.T) {
	for q, want := range map[string]int{"": 1, "page=4": 4, "page=0": 1, "page=-3": 1, "page=x": 1} {
		if got := PageParam(httptest.NewRequest("GET", "/?"+q, nil)); got != want {
			t.Errorf("PageParam(%q) = %d; want %d", q, got, want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/crm/customers?id=1":  "/crm/customers?id=1",
		"/":                    "/",
		"":                     "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"crm":                  "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestFormatInt(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := formatInt(n); got != want {
			t.Errorf("formatInt(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestRenderResponse(t *testing.T) {
	w := httptest.NewRecorder()
	Render(w, httptest.NewRequest("GET", "/", nil), http.StatusNotFound, ErrorPage(404, "", ""))
	if w.Code != 404 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("status %d headers %v", w.Code, w.Header())
	}

	w = httptest.NewRecorder()
	w.Header().Set("Cache-Control", "private, max-age=60")
	Render(w, httptest.NewRequest("HEAD", "/", nil), http.StatusOK, ErrorPage(404, "", ""))
	if w.Body.Len() != 0 || w.Header().Get("Cache-Control") != "private, max-age=60" {
		t.Errorf("HEAD: body %d bytes, Cache-Control %q", w.Body.Len(), w.Header().Get("Cache-Control"))
	}

	failing := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, "<p>half")
		return errors.New("database gone")
	})
	w = httptest.NewRecorder()
	Render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, failing)
	if w.Code != 500 || strings.Contains(w.Body.String(), "half") || strings.Contains(w.Body.String(), "database") {
		t.Errorf("failing component: %d %q", w.Code, w.Body)
	}
}

func TestIsHTMX(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if IsHTMX(r) {
		t.Error("plain request counted as htmx")
	}
	r.Header.Set("HX-Request", "true")
	if !IsHTMX(r) {
		t.Error("htmx request not recognised")
	}
	r.Header.Set("HX-History-Restore-Request", "true")
	if IsHTMX(r) {
		t.Error("history restore wants a full page")
	}
}

func TestRouter(t *testing.T) {
	mux := http.NewServeMux()
	var guarded []authz.Permission
	guard := func(perm authz.Permission, h http.Handler) http.Handler {
		guarded = append(guarded, perm)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !authz.FromContext(r.Context()).Can(perm) {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	rt := NewRouter(mux, guard)
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }
	rt.HandleFunc("GET /login", authz.Public, ok)
	rt.HandleFunc("GET /crm/customers", permCustomers, ok)
	rt.Handle("POST /crm/customers", permCustomers, http.HandlerFunc(ok))
	rt.HandleFunc("GET /", authz.Authenticated, ok)

	want := []Route{
		{"GET /", authz.Authenticated},
		{"GET /crm/customers", permCustomers},
		{"POST /crm/customers", permCustomers},
		{"GET /login", authz.Public},
	}
	got := rt.Routes()
	if len(got) != len(want) {
		t.Fatalf("routes %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("route %d = %v; want %v", i, got[i], want[i])
		}
	}
	if len(guarded) != 4 {
		t.Errorf("guard wrapped %d handlers; want 4", len(guarded))
	}

	for _, c := range []struct {
		user   *authz.Principal
		target string
		status int
	}{
		{nil, "/login", 200},
		{nil, "/crm/customers", 403},
		{&authz.Principal{}, "/crm/customers", 403},
		{&authz.Principal{Perms: map[authz.Permission]bool{permCustomers: true}}, "/crm/customers", 200},
	} {
		r := httptest.NewRequest("GET", c.target, nil)
		r = r.WithContext(authz.WithPrincipal(r.Context(), c.user))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("%s as %v: status %d; want %d", c.target, c.user, w.Code, c.status)
		}
	}
}

func TestRouterRefusesRoutesWithoutPermission(t *testing.T) {
	rt := NewRouter(http.NewServeMux(), func(_ authz.Permission, h http.Handler) http.Handler { return h })
	h := http.NotFoundHandler()
	for name, c := range map[string]struct {
		perm authz.Permission
		want string
	}{
		"empty":   {"", "declares no permission"},
		"unknown": {"webtest.nobody.registered.this", "which no module registered"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.Contains(msg, c.want) {
					t.Errorf("panic %v; want one containing %q", r, c.want)
				}
			}()
			rt.Handle("GET /x/"+name, c.perm, h)
		})
	}
	if n := len(rt.Routes()); n != 0 {
		t.Errorf("refused routes were listed: %d", n)
	}
	// A refused route was not added to the mux either, so the pattern is still free.
	rt.Handle("GET /x/empty", authz.Public, h)
}

func TestPagesHaveNoUntranslatedKeys(t *testing.T) {
	user := &authz.Principal{Login: "a", Perms: map[authz.Permission]bool{permUsers: true}}
	pages := []templ.Component{
		Layout(Page{User: user, Nav: testNav(), Unread: 2, Flash: "deadletters.replayed", FlashKind: "success"}, HomePage(SystemStatus{Units: []UnitStatus{{Name: "crm"}}})),
		LoginPage(i18n.EN, "login.error.throttled", ""),
		ErrorPage(403, "", ""),
		Pager(Paging{Page: 2, Size: 10, Total: 100}),
	}
	// A message id left untranslated shows as lower-case words joined by dots.
	key := regexp.MustCompile(`>\s*[a-z_]+\.[a-z_.]+\s*<`)
	for _, lang := range i18n.Langs() {
		for i, c := range pages {
			var buf bytes.Buffer
			if err := c.Render(i18n.WithLang(context.Background(), lang), &buf); err != nil {
				t.Fatal(err)
			}
			if m := key.FindString(buf.String()); m != "" {
				t.Errorf("%s page %d shows a message id: %s", lang, i, m)
			}
		}
	}
}
