package browser

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/chromedp/chromedp"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/i18n"
	webui "github.com/loom-erp/loom/internal/platform/web"
	assets "github.com/loom-erp/loom/web"
)

// csp is the policy Loom's pages must live with: no inline script or style.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const chartOption = `{"xAxis":{"type":"category","data":["Mon","Tue","Wed"]},"yAxis":{"type":"value"},"series":[{"type":"bar","data":[12,30,21]}]}`

// shellServer serves the real layout around the home page and a chart, and the
// embedded assets, under a strict Content-Security-Policy.
func shellServer(t *testing.T) *httptest.Server {
	user := &authz.Principal{UserID: "u1", Login: "zhang", Name: "Zhang Min"}
	nav := []webui.NavSection{{Unit: "platform", LabelKey: "nav.section.platform", Items: []webui.NavItem{
		{Key: "home", Href: "/", LabelKey: "nav.home", Perm: authz.Authenticated},
		{Key: "status", Href: "/admin/status", LabelKey: "nav.status", Perm: authz.Authenticated},
	}}}
	status := webui.SystemStatus{Version: "test", Engine: "sqlite", Transport: "inprocess", Units: []webui.UnitStatus{
		{Name: "platform", Running: true, Engine: "sqlite", OutboxPending: 2, OutboxLagSeconds: 0.3},
		{Name: "crm", Running: false, Engine: "sqlite", DeadLetters: 1},
	}}
	chart := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<div id="chart" class="chart" data-chart="`+html.EscapeString(chartOption)+`"></div>`)
		return err
	})
	mux := http.NewServeMux()
	mux.Handle("GET /static/", assets.Handler())
	mux.Handle("GET /{$}", i18n.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := webui.Page{Title: "home.title", Active: "home", User: user, Nav: nav, Unread: 4}
		webui.Render(w, r, http.StatusOK, webui.Layout(page, templ.Join(webui.HomePage(status), chart)))
	})))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// switchLanguage clicks the language link for lang and waits for the new page.
func switchLanguage(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.lang-switch a[data-lang="`+lang+`"]`)))
	if err != nil {
		t.Fatalf("switching to %s: %v", lang, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("switching to %s: status %d", lang, resp.Status)
	}
	if err := chromedp.Do(ctx, WaitHTMXIdle); err != nil {
		t.Fatal(err)
	}
}

func TestShellRendersAndSwitchesLanguage(t *testing.T) {
	srv := shellServer(t)
	vendored := assets.Has("vendor/htmx.min.js") && assets.Has("vendor/echarts.min.js")
	for _, v := range Viewports() {
		t.Run(v.Name, func(t *testing.T) {
			ctx := NewWithSize(t, v.Width, v.Height)
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?lang=en"), WaitHTMXIdle); err != nil {
				t.Fatal(err)
			}
			if got := text(t, ctx, "main h1"); got != "System status" {
				t.Errorf("English heading = %q", got)
			}
			if got := eval[string](t, ctx, `document.documentElement.lang`); got != "en" {
				t.Errorf("html lang = %q", got)
			}
			if got := text(t, ctx, ".bell-count"); got != "4" {
				t.Errorf("bell count = %q", got)
			}
			if got := eval[int](t, ctx, `document.querySelectorAll(".unit-card").length`); got != 2 {
				t.Errorf("%d unit cards; want 2", got)
			}
			if got := eval[float64](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); got > 0 {
				t.Errorf("page is %.0f px wider than the window", got)
			}

			if vendored {
				if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#chart canvas"))); err != nil {
					t.Fatalf("the chart was not drawn: %v", err)
				}
				if !eval[bool](t, ctx, `typeof htmx === "object" && htmx.config.includeIndicatorStyles === false && htmx.config.allowEval === false`) {
					t.Error("htmx did not load its settings from the htmx-config meta tag")
				}
			} else {
				t.Log("web/static/vendor is empty (run bash web/build.sh); not checking htmx and charts")
			}

			navShown := `getComputedStyle(document.getElementById("sidenav")).display !== "none"`
			toggleShown := `getComputedStyle(document.querySelector(".nav-toggle")).display !== "none"`
			if v.Width <= phoneMaxWidth {
				if eval[bool](t, ctx, navShown) || !eval[bool](t, ctx, toggleShown) {
					t.Fatal("on a phone the navigation should hide behind the menu button")
				}
				if err := chromedp.Do(ctx,
					chromedp.Click(chromedp.CSS(".nav-toggle")),
					chromedp.WaitVisible(chromedp.CSS(`#sidenav a[href="/admin/status"]`)),
				); err != nil {
					t.Fatalf("opening the menu: %v", err)
				}
				if got := eval[string](t, ctx, `document.querySelector(".nav-toggle").getAttribute("aria-expanded")`); got != "true" {
					t.Errorf("menu button aria-expanded = %q after opening", got)
				}
				if err := chromedp.Do(ctx,
					chromedp.Click(chromedp.CSS(".nav-toggle")),
					chromedp.WaitNotVisible(chromedp.CSS("#sidenav")),
				); err != nil {
					t.Fatalf("closing the menu: %v", err)
				}
			} else if !eval[bool](t, ctx, navShown) || eval[bool](t, ctx, toggleShown) {
				t.Fatal("on a desktop the navigation should show beside the page, with no menu button")
			}

			switchLanguage(t, ctx, i18n.ZH)
			if got := text(t, ctx, "main h1"); got != "系统状态" {
				t.Errorf("Chinese heading = %q", got)
			}
			if got := eval[string](t, ctx, `document.documentElement.lang`); got != i18n.ZH {
				t.Errorf("html lang = %q", got)
			}
			if got := eval[string](t, ctx, `document.querySelector(".nav-heading").textContent`); got != "系统管理" {
				t.Errorf("Chinese navigation heading = %q", got)
			}

			// The choice is remembered: the plain address stays in Chinese.
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), WaitHTMXIdle); err != nil {
				t.Fatal(err)
			}
			if got := text(t, ctx, "main h1"); got != "系统状态" {
				t.Errorf("after reload, heading = %q; want the remembered Chinese", got)
			}

			switchLanguage(t, ctx, i18n.EN)
			if got := text(t, ctx, "main h1"); got != "System status" {
				t.Errorf("heading after switching back = %q", got)
			}
		})
	}
}

// TestPageErrorsAreCaught checks the harness itself: a page that runs inline
// script under the policy, and one that throws, are both reported.
func TestPageErrorsAreCaught(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/inline":
			io.WriteString(w, `<!DOCTYPE html><p style="color:red">x</p><script>document.title = "ran"</script>`)
		case "/throws.js":
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, `throw new Error("broken on purpose")`)
		default:
			io.WriteString(w, `<!DOCTYPE html><p>x</p><script src="/throws.js"></script>`)
		}
	}))
	defer srv.Close()
	ctx := New(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/inline"), WaitHTMXIdle); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.title`); got == "ran" {
		t.Fatal("inline script ran despite the policy")
	}
	errs := waitPageErrors(t, ctx, 2)
	joined := strings.Join(errs, "\n")
	if !strings.Contains(joined, "script-src") || !strings.Contains(joined, "style-src") {
		t.Errorf("violations not reported:\n%s", joined)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), WaitHTMXIdle); err != nil {
		t.Fatal(err)
	}
	errs = waitPageErrors(t, ctx, 1)
	if !strings.Contains(strings.Join(errs, "\n"), "broken on purpose") {
		t.Errorf("exception not reported: %v", errs)
	}
}

// waitPageErrors waits, within the test's deadline, until the page has reported n errors.
func waitPageErrors(t *testing.T, ctx context.Context, n int) []string {
	t.Helper()
	var errs []string
	for len(errs) < n {
		errs = append(errs, PageErrors(ctx)...)
		if len(errs) >= n {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %d page errors, got %v: %v", n, errs, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errs
}
