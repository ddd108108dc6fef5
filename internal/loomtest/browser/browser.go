// Package browser runs Loom's UI tests in a real browser: headless Chromium
// from Debian's chromium package, driven with chromedp.
//
// A test asks for a browser with New or NewWithSize and drives it with chromedp
// actions on the context it gets:
//
//	for _, v := range browser.Viewports() {
//		t.Run(v.Name, func(t *testing.T) {
//			ctx := browser.NewWithSize(t, v.Width, v.Height)
//			err := chromedp.Do(ctx, chromedp.Navigate(url), browser.WaitHTMXIdle)
//			...
//		})
//	}
//
// Each browser has its own profile in t.TempDir() and closes when the test
// ends. Where Chromium is missing the test skips, except in CI (CI=true), where
// it fails. A test fails, too, when a page throws an uncaught JavaScript error
// or the browser blocks something under the page's Content-Security-Policy. A
// failed test leaves a full-page screenshot and the page's HTML in
// $LOOM_TEST_ARTIFACTS (default: loom-test-artifacts in the temporary directory).
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Viewport is a browser window size to test a page at.
type Viewport struct {
	Name          string
	Width, Height int
}

// The window sizes Loom's pages are tested at.
var (
	Desktop = Viewport{Name: "desktop", Width: 1366, Height: 900}
	Phone   = Viewport{Name: "phone", Width: 390, Height: 844}
)

// Viewports returns the sizes every UI flow is tested at: desktop and phone.
func Viewports() []Viewport { return []Viewport{Desktop, Phone} }

// phoneMaxWidth is the widest window emulated as a touch phone; it matches the
// phone breakpoint in web/static/app.css.
const phoneMaxWidth = 640

// testTimeout bounds everything a test does with its browser, so a wait on
// something that never comes fails the test instead of hanging the run.
const testTimeout = 2 * time.Minute

// New starts a headless Chromium with a desktop-sized window (1366×900).
func New(t testing.TB) context.Context {
	return NewWithSize(t, Desktop.Width, Desktop.Height)
}

// NewWithSize starts a headless Chromium whose page is width×height CSS
// pixels; at phone width (640 or less) it is emulated as a touch phone. The
// returned chromedp context ends with the test, or after two minutes.
func NewWithSize(t testing.TB, width, height int) context.Context {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		const msg = "browser: chromium is not installed (apt-get install chromium); skipping the browser test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The same language everywhere; tests pick Chinese with ?lang= or a cookie.
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US,en"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)

	// The first action starts the browser and binds it to ctx, which has no
	// deadline, so a screenshot can still be taken after the test timed out.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browser: starting %s: %v", exe, err)
	}
	viewport := []chromedp.EmulateViewportOption{}
	if width <= phoneMaxWidth {
		viewport = append(viewport, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), viewport...)); err != nil {
		t.Fatalf("browser: setting the window to %d×%d: %v", width, height, err)
	}
	pe, err := watchPageErrors(ctx)
	if err != nil {
		t.Fatalf("browser: watching page errors: %v", err)
	}

	t.Cleanup(func() {
		for _, e := range pe.take() {
			t.Errorf("browser: the page reported: %s", e)
		}
		if t.Failed() {
			saveArtifacts(t, ctx, fmt.Sprintf("%dx%d", width, height))
		}
	})

	timeout := testTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			// Leave time for the cleanup's screenshot before go test gives up.
			timeout = min(timeout, time.Until(dl)-15*time.Second)
		}
	}
	tctx, cancel := context.WithTimeout(context.WithValue(ctx, pageErrorsKey{}, pe), timeout)
	t.Cleanup(cancel)
	return tctx
}

// chromiumPath finds Debian's Chromium: $LOOM_CHROMIUM, then chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("LOOM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageErrors collects uncaught JavaScript errors and Content-Security-Policy
// violations from every page the browser opens.
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func (pe *pageErrors) add(s string) {
	pe.mu.Lock()
	pe.errs = append(pe.errs, s)
	pe.mu.Unlock()
}

func (pe *pageErrors) take() []string {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	out := pe.errs
	pe.errs = nil
	return out
}

type pageErrorsKey struct{}

// reportBinding is the function the watcher script calls to report a CSP violation.
const reportBinding = "loomTestReport"

// watchScript runs in every document before the page's own scripts, so it
// sees violations from the first line of HTML on. The browser lets it run
// whatever the page's policy says.
const watchScript = `document.addEventListener("securitypolicyviolation", function (e) {
	window.` + reportBinding + `("Content-Security-Policy blocked " + (e.blockedURI || "inline code") +
		" (" + e.violatedDirective + ") in " + e.sourceFile + ":" + e.lineNumber);
}, true);`

func watchPageErrors(ctx context.Context) (*pageErrors, error) {
	pe := &pageErrors{}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	reports := chromedp.Events(ctx, runtime.BindingCalled)
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: reportBinding}); err != nil {
		return nil, err
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript}); err != nil {
		return nil, err
	}
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			pe.add("uncaught JavaScript error: " + exceptionText(ev.ExceptionDetails))
		}
	}()
	go func() {
		for ev, err := range reports {
			if err != nil {
				return
			}
			if ev.Name == reportBinding {
				pe.add(ev.Payload)
			}
		}
	}()
	return pe, nil
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "unknown"
	}
	msg := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		msg = d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d:%d)", msg, d.URL, d.LineNumber+1, d.ColumnNumber+1)
}

// PageErrors returns, and forgets, the errors the pages of ctx's browser have
// reported so far: uncaught JavaScript errors and Content-Security-Policy
// violations. A test that provokes one on purpose takes it here, so the end of
// the test does not count it as a failure.
func PageErrors(ctx context.Context) []string {
	pe, _ := ctx.Value(pageErrorsKey{}).(*pageErrors)
	if pe == nil {
		return nil
	}
	return pe.take()
}

// busyJS describes the first element htmx is still working on, or gives ""
// when the page has loaded and htmx is idle.
const busyJS = `(function () {
	if (document.readyState !== "complete") return "document " + document.readyState;
	var el = document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added");
	if (!el) return "";
	return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className.trim().split(/\s+/).join(".");
})()`

// idleTimeout is how long WaitHTMXIdle waits at most.
const idleTimeout = 10 * time.Second

// WaitHTMXIdle is a chromedp action that waits until the page has loaded and
// htmx has no request in flight and nothing left to swap or settle, seen
// twice in a row. It gives up after 10 seconds, naming what is still busy.
//
//	chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#save")), browser.WaitHTMXIdle)
func WaitHTMXIdle(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	ctx, cancel := context.WithTimeout(ctx, idleTimeout)
	defer cancel()
	idle, last := 0, ""
	for {
		busy, err := chromedp.Evaluate[string](busyJS)(ctx, t)
		switch {
		case err != nil:
			// A navigation can replace the document under the evaluation; try again.
			idle, last = 0, err.Error()
		case busy != "":
			idle, last = 0, busy
		default:
			if idle++; idle == 2 {
				return chromedp.Void{}, nil
			}
		}
		select {
		case <-ctx.Done():
			return chromedp.Void{}, fmt.Errorf("browser: htmx still busy after %s (%s): %w", idleTimeout, last, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// artifactsDir is where failed tests leave their screenshots.
func artifactsDir() string {
	if d := os.Getenv("LOOM_TEST_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "loom-test-artifacts")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// saveArtifacts stores a full-page screenshot and the HTML of the page that a
// failed test left open.
func saveArtifacts(t testing.TB, ctx context.Context, size string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	dir := artifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("browser: no screenshot: %v", err)
		return
	}
	// The size tells apart the browsers of a test that runs several.
	base := filepath.Join(dir, strings.Trim(unsafeName.ReplaceAllString(t.Name(), "_"), "_")+"-"+size)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(base+".png", png, 0o644)
	}
	if err != nil {
		t.Logf("browser: no screenshot: %v", err)
	} else {
		t.Logf("browser: screenshot of the failed test: %s", base+".png")
	}
	doc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err == nil {
		err = os.WriteFile(base+".html", []byte(doc), 0o644)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Logf("browser: no page HTML: %v", err)
	}
}
