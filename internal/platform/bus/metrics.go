package bus

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts a bus's publishes, relay errors, handler errors and dead
// letters as Prometheus counters.
type Metrics struct {
	published, relayErrors, handlerErrors, deadLettered *prometheus.CounterVec
}

// NewMetrics creates the bus counters and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loom_events_published_total", Help: "Events the relay handed to the transport, per unit.",
		}, []string{"unit"}),
		relayErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loom_events_relay_errors_total", Help: "Failed relay rounds (read, publish or mark), per unit.",
		}, []string{"unit"}),
		handlerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loom_events_handler_errors_total", Help: "Failed handler runs, per consumer.",
		}, []string{"consumer"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loom_events_dead_lettered_total", Help: "Events dead-lettered, per consumer.",
		}, []string{"consumer"}),
	}
	for _, c := range []prometheus.Collector{m.published, m.relayErrors, m.handlerErrors, m.deadLettered} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) publishedEvents(unit string, n int) {
	m.published.WithLabelValues(unit).Add(float64(n))
}
func (m *Metrics) relayFailed(unit string) { m.relayErrors.WithLabelValues(unit).Inc() }

// HandlerFailed counts one failed handler run of a consumer.
func (m *Metrics) HandlerFailed(consumer string) { m.handlerErrors.WithLabelValues(consumer).Inc() }

// DeadLettered counts one event a consumer dead-lettered.
func (m *Metrics) DeadLettered(consumer string) { m.deadLettered.WithLabelValues(consumer).Inc() }

// StatsCollector exports a Service's Stats as gauges per unit: pending
// outbox events, outbox lag, events waiting for a retry and dead letters.
type StatsCollector struct {
	s                            Service
	pending, lag, retrying, dead *prometheus.Desc
}

// NewStatsCollector returns a collector that reads s.Stats at every scrape;
// register it on the registry the metrics endpoint serves.
func NewStatsCollector(s Service) *StatsCollector {
	l := []string{"unit"}
	return &StatsCollector{
		s:        s,
		pending:  prometheus.NewDesc("loom_outbox_pending_events", "Committed events not yet published, per unit.", l, nil),
		lag:      prometheus.NewDesc("loom_outbox_lag_seconds", "Age of the oldest unpublished event, per unit.", l, nil),
		retrying: prometheus.NewDesc("loom_inbox_retrying_events", "Received events waiting for a retry, per unit.", l, nil),
		dead:     prometheus.NewDesc("loom_dead_letters", "Dead letters, per unit.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *StatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.pending, c.lag, c.retrying, c.dead} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *StatsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.s.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		return
	}
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(s.Pending), s.Unit)
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, s.LagSeconds, s.Unit)
		ch <- prometheus.MustNewConstMetric(c.retrying, prometheus.GaugeValue, float64(s.Retrying), s.Unit)
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(s.DeadLetters), s.Unit)
	}
}
