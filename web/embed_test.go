package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func get(t *testing.T, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	return w
}

func TestHandlerServesAssets(t *testing.T) {
	for name, ctype := range map[string]string{
		"app.css":     "text/css; charset=utf-8",
		"app.js":      "text/javascript; charset=utf-8",
		"favicon.svg": "image/svg+xml",
	} {
		want, err := Static.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w := get(t, URL(name))
		if w.Code != 200 || w.Header().Get("Content-Type") != ctype || !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("%s: status %d, type %q, %d bytes", name, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
		if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s at its versioned URL: Cache-Control %q", name, cc)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("ETag") == "" {
			t.Errorf("%s: headers %v", name, w.Header())
		}
	}
}

func TestHandlerCaching(t *testing.T) {
	if u := URL("app.css"); !strings.HasPrefix(u, "/static/app.css?v=") || len(u) <= len("/static/app.css?v=") {
		t.Fatalf("URL(app.css) = %q", u)
	}
	if u := URL("nothing.js"); u != "/static/nothing.js" {
		t.Errorf("URL of a missing file = %q", u)
	}
	// A plain or stale address must be revalidated, so a new release shows at once.
	for _, target := range []string{"/static/app.css", "/static/app.css?v=old"} {
		if cc := get(t, target).Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q; want no-cache", target, cc)
		}
	}
	etag := get(t, "/static/app.css").Header().Get("ETag")
	w := get(t, "/static/app.css", "If-None-Match", etag)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: status %d, %d bytes", w.Code, w.Body.Len())
	}
}

func TestHandlerGzip(t *testing.T) {
	plain := get(t, "/static/app.css")
	w := get(t, "/static/app.css", "Accept-Encoding", "br, gzip;q=0.8")
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("no gzip: headers %v", w.Header())
	}
	if w.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("gzipped and plain bodies share an ETag")
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
		t.Errorf("gunzipped body differs (err %v)", err)
	}
	for _, ae := range []string{"", "gzip;q=0", "identity", "deflate, gzip; q=0.000"} {
		if ce := get(t, "/static/app.css", "Accept-Encoding", ae).Header().Get("Content-Encoding"); ce != "" {
			t.Errorf("Accept-Encoding %q got Content-Encoding %q", ae, ce)
		}
	}
}

func TestHandlerRefuses(t *testing.T) {
	for _, target := range []string{"/static/", "/static/vendor", "/static/missing.js", "/static/../embed.go", "/app.css", "/static/static/app.css"} {
		if w := get(t, target); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d; want 404", target, w.Code)
		}
	}
	r := httptest.NewRequest("POST", "/static/app.css", nil)
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

// TestVendorAssets checks what web/build.sh copies, when it has run.
func TestVendorAssets(t *testing.T) {
	for _, name := range []string{"vendor/htmx.min.js", "vendor/echarts.min.js"} {
		if !Has(name) {
			msg := name + " is not embedded; run bash web/build.sh before go test"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		w := get(t, URL(name), "Accept-Encoding", "gzip")
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || w.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: status %d, headers %v", name, w.Code, w.Header())
		}
	}
}
