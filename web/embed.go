// Package web embeds the files that Loom's browser UI loads: Loom's own
// stylesheet and script, and the htmx and ECharts builds that build.sh copies
// from npm into static/vendor. Everything is served by the Loom binary, so the
// UI works on a factory intranet with no internet.
//
// static/vendor is not committed; run `bash web/build.sh` before building a
// binary. Without it the package still compiles, and pages load without htmx
// and charts.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Static holds the files under static/, with paths such as static/app.css.
//
//go:embed static
var Static embed.FS

// Prefix is the URL path under which Handler serves the files of static/.
const Prefix = "/static/"

type asset struct {
	data    []byte
	ctype   string
	version string // first hex digits of the content's SHA-256

	gzOnce sync.Once
	gz     []byte // data gzipped, or nil when that does not make it smaller
}

var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".webp":  "image/webp",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// assets indexes every file of Static by its path under static/, once.
var assets = sync.OnceValue(func() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := Static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[strings.TrimPrefix(p, "static/")] = &asset{data: data, ctype: contentType(p), version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic("web: reading embedded assets: " + err.Error())
	}
	return out
})

func contentType(p string) string {
	ext := path.Ext(p)
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") || strings.HasPrefix(ctype, "image/svg")
}

// gzipped returns the asset compressed, made on first use.
func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if !compressible(a.ctype) || len(a.data) < 1024 {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(a.data)
		zw.Close()
		if buf.Len() < len(a.data) {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

// Has reports whether the named file, such as "vendor/htmx.min.js", is embedded.
func Has(name string) bool {
	_, ok := assets()[name]
	return ok
}

// URL returns the address of the named file, such as "app.css", with its
// content's hash as the v parameter. Pages link assets with it, so browsers may
// keep each file for a year and still load a changed one at once. A file that
// is not embedded gets its plain address.
func URL(name string) string {
	if a, ok := assets()[name]; ok {
		return Prefix + name + "?v=" + a.version
	}
	return Prefix + name
}

// Handler serves the embedded files under /static/; mount it on that prefix
// without stripping it. A request whose v parameter matches the file's hash
// (as URL makes it) may be cached for a year; any other must be revalidated,
// which the ETag makes cheap. Text files go gzipped to browsers that accept it.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		a := assets()[name]
		if !ok || a == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.URL.Query().Get("v") == a.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		data, etag := a.data, a.version
		if compressible(a.ctype) {
			h.Add("Vary", "Accept-Encoding")
			if gz := a.gzipped(); gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
				data, etag = gz, a.version+"-gz"
				h.Set("Content-Encoding", "gzip")
			}
		}
		h.Set("ETag", `"`+etag+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	})
}

// acceptsGzip reads an Accept-Encoding header.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}
