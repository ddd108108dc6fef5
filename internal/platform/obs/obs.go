// Package obs gives Loom its logs and metrics: JSON logs with a request id,
// and Prometheus metrics for HTTP, every database pool and the event relays.
package obs

import (
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/db"
)

// NewLogger returns a JSON logger on stderr at the given level ("debug", "info", "warn", "error").
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// NewRegistry returns a Prometheus registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the registry at /metrics.
func Handler(r *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(r, promhttp.HandlerOpts{Registry: r})
}

// HTTP measures and logs every request.
type HTTP struct {
	log      *slog.Logger
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the HTTP metrics on reg.
func NewHTTP(reg prometheus.Registerer, log *slog.Logger) *HTTP {
	h := &HTTP{
		log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loom_http_requests_total", Help: "HTTP requests by method, route and status class.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "loom_http_request_duration_seconds", Help: "HTTP request duration by method and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(h.requests, h.duration)
	return h
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware gives each request an id, then counts, times and logs it. The
// route label is the mux pattern that matched, so ids in paths do not explode
// the number of series.
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		h.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status/100)+"xx").Inc()
		h.duration.WithLabelValues(r.Method, route).Observe(d.Seconds())
		lvl := slog.LevelDebug
		if sw.status >= 500 {
			lvl = slog.LevelError
		}
		h.log.Log(r.Context(), lvl, "http", "request_id", api.RequestID(r.Context()), "method", r.Method,
			"path", r.URL.Path, "status", sw.status, "bytes", sw.bytes, "ms", float64(d.Microseconds())/1000)
	})
	return api.WithRequestID(inner)
}

// DBCollector exposes the pool statistics of every unit database.
type DBCollector struct {
	dbs                               []*db.DB
	open, inUse, idle, waits, waitSec *prometheus.Desc
}

// NewDBCollector returns a collector over the given unit databases.
func NewDBCollector(dbs []*db.DB) *DBCollector {
	l := []string{"unit", "pool"}
	return &DBCollector{
		dbs:     dbs,
		open:    prometheus.NewDesc("loom_db_open_connections", "Open connections per unit pool.", l, nil),
		inUse:   prometheus.NewDesc("loom_db_in_use_connections", "Connections in use per unit pool.", l, nil),
		idle:    prometheus.NewDesc("loom_db_idle_connections", "Idle connections per unit pool.", l, nil),
		waits:   prometheus.NewDesc("loom_db_wait_count_total", "Waits for a connection per unit pool.", l, nil),
		waitSec: prometheus.NewDesc("loom_db_wait_seconds_total", "Time waited for a connection per unit pool.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *DBCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.inUse, c.idle, c.waits, c.waitSec} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *DBCollector) Collect(ch chan<- prometheus.Metric) {
	for _, d := range c.dbs {
		w, r := d.Stats()
		c.emit(ch, d.Unit, "writer", w.OpenConnections, w.InUse, w.Idle, w.WaitCount, w.WaitDuration)
		if d.Engine == db.SQLite {
			c.emit(ch, d.Unit, "reader", r.OpenConnections, r.InUse, r.Idle, r.WaitCount, r.WaitDuration)
		}
	}
}

func (c *DBCollector) emit(ch chan<- prometheus.Metric, unit, pool string, open, inUse, idle int, waits int64, wait time.Duration) {
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open), unit, pool)
	ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(inUse), unit, pool)
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(idle), unit, pool)
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(waits), unit, pool)
	ch <- prometheus.MustNewConstMetric(c.waitSec, prometheus.CounterValue, wait.Seconds(), unit, pool)
}
