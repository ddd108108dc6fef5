package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// RequestedType returns the event type a unit emits to ask for a notification,
// such as "crm.notification.requested".
func RequestedType(unit string) string { return unit + ".notification.requested" }

// requestUnits are the units that may ask the platform for a notification.
var requestUnits = []string{"crm", "erp", "mes", "bi"}

const requestSchema = `{"type":"object","required":["user_id","kind","title_key"],"properties":{
"user_id":{"type":"string","format":"uuid"},"kind":{"type":"string"},"title_key":{"type":"string"},
"params":{"type":"object"},"link":{"type":"string"}}}`

func init() {
	for _, u := range requestUnits {
		outbox.MustRegister(outbox.EventType{
			Type: RequestedType(u), Version: 1, Source: u,
			Description: "The " + u + " unit asks for a notification on a user's bell.",
			Schema:      json.RawMessage(requestSchema),
			Example:     Request{UserID: "0190c9a4-0000-7000-8000-000000000001", Kind: "task", TitleKey: "crm.task.due", Link: "/crm/tasks"},
		})
	}
}

// Ask asks for a notification from inside a unit's transaction: the request
// travels as an event, so it is sent exactly when the transaction commits.
func Ask(ctx context.Context, d *db.DB, r Request) error {
	if err := r.Validate(); err != nil {
		return err
	}
	_, err := outbox.Emit(ctx, d, RequestedType(d.Unit), 1, r.UserID, r)
	return err
}

// Subscribe makes the platform store every notification the units ask for.
func (s *Service) Subscribe(b *bus.Bus) error {
	types := make([]string, len(requestUnits))
	for i, u := range requestUnits {
		types[i] = RequestedType(u)
	}
	return b.Subscribe("platform-notify", s.DB, types, func(ctx context.Context, ev bus.Envelope) error {
		var r Request
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return fmt.Errorf("notify: event %s: %w", ev.ID, err)
		}
		_, err := s.Send(ctx, r)
		return err
	})
}
