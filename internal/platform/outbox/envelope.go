package outbox

import (
	"context"
	"encoding/json"
	"time"
)

// Envelope is one event as Loom stores, publishes and delivers it. Consumers
// ignore fields they do not know, so fields may be added but never renamed.
type Envelope struct {
	// ID is the event's UUIDv7; consumers deduplicate on it.
	ID string `json:"id"`
	// Type names the event, such as "erp.sales_order.status_changed".
	Type string `json:"type"`
	// Version is the version of the type's data schema.
	Version int `json:"version"`
	// Source is the unit that emitted the event.
	Source string `json:"source"`
	// Subject is the id of the aggregate the event is about; events of one
	// subject are delivered in the order they were committed.
	Subject string `json:"subject"`
	// OccurredAt is when the change happened, in UTC to the millisecond.
	OccurredAt time.Time `json:"occurred_at"`
	// TraceID links the event to the request that caused it.
	TraceID string `json:"trace_id"`
	// Actor is the user or system that made the change.
	Actor string `json:"actor"`
	// Data is the event's payload, described by the catalogue's schema.
	Data json.RawMessage `json:"data"`
}

// Meta is the request context that Add copies into every event it writes.
type Meta struct {
	TraceID string
	Actor   string
}

type metaKey struct{}

// WithMeta returns a context whose events carry m's trace id and actor.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta set by WithMeta, or the zero Meta.
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}
