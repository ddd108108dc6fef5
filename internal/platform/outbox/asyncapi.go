package outbox

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Subject returns the transport subject of an event type: loom.<source>.<type>.
func Subject(source, typ string) string { return "loom." + source + "." + typ }

// AsyncAPI renders the catalogue as an AsyncAPI 3.0 JSON document: one
// channel per event type, one message per version, each message's payload
// being the envelope with the version's data schema.
func AsyncAPI() ([]byte, error) {
	type ref struct {
		Ref string `json:"$ref"`
	}
	channels := map[string]any{}
	operations := map[string]any{}
	messages := map[string]any{}
	for _, et := range Types() {
		chID := et.Type
		msgID := fmt.Sprintf("%s.v%d", et.Type, et.Version)
		ch, ok := channels[chID].(map[string]any)
		if !ok {
			ch = map[string]any{
				"address":     Subject(et.Source, et.Type),
				"title":       et.Type,
				"description": "Events of type " + et.Type + " emitted by the " + et.Source + " unit.",
				"messages":    map[string]any{},
			}
			channels[chID] = ch
			operations["receive."+chID] = map[string]any{
				"action":  "receive",
				"channel": ref{"#/channels/" + jsonPointer(chID)},
				"summary": "Consume " + et.Type + ".",
			}
		}
		ch["messages"].(map[string]any)[msgID] = ref{"#/components/messages/" + jsonPointer(msgID)}
		msgRefs, _ := operations["receive."+chID].(map[string]any)["messages"].([]ref)
		operations["receive."+chID].(map[string]any)["messages"] = append(msgRefs, ref{"#/channels/" + jsonPointer(chID) + "/messages/" + jsonPointer(msgID)})

		example, err := json.Marshal(et.Example)
		if err != nil {
			return nil, fmt.Errorf("outbox: example of %s v%d: %w", et.Type, et.Version, err)
		}
		messages[msgID] = map[string]any{
			"name":        et.Type,
			"title":       fmt.Sprintf("%s v%d", et.Type, et.Version),
			"summary":     et.Description,
			"contentType": "application/json",
			"headers": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"Nats-Msg-Id": map[string]any{"type": "string", "description": "The event id; the stream drops a re-published event with the same id."},
				},
			},
			"payload": envelopeSchema(et),
			"examples": []any{map[string]any{
				"name": "example",
				"payload": map[string]any{
					"id":          "01960f6e-7c8a-7d2e-9a4b-000000000001",
					"type":        et.Type,
					"version":     et.Version,
					"source":      et.Source,
					"subject":     "01960f6e-7c8a-7d2e-9a4b-000000000002",
					"occurred_at": "2026-03-01T08:00:00Z",
					"trace_id":    "4bf92f3577b34da6a3ce929d0e0e4736",
					"actor":       "01960f6e-7c8a-7d2e-9a4b-000000000003",
					"data":        json.RawMessage(example),
				},
			}},
		}
	}
	doc := map[string]any{
		"asyncapi": "3.0.0",
		"info": map[string]any{
			"title":   "Loom events",
			"version": "1.0.0",
			"description": "Every event Loom's units publish. Delivery is at least once and in order per subject; " +
				"consumers deduplicate on the envelope id and ignore fields they do not know.",
		},
		"defaultContentType": "application/json",
		"channels":           channels,
		"operations":         operations,
		"components":         map[string]any{"messages": messages},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func envelopeSchema(et EventType) map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	return map[string]any{
		"type":                 "object",
		"additionalProperties": true,
		"required":             []string{"id", "type", "version", "source", "subject", "occurred_at", "data"},
		"properties": map[string]any{
			"id":          map[string]any{"type": "string", "format": "uuid", "description": "UUIDv7 of the event."},
			"type":        map[string]any{"type": "string", "const": et.Type},
			"version":     map[string]any{"type": "integer", "const": et.Version},
			"source":      map[string]any{"type": "string", "const": et.Source},
			"subject":     str("Id of the aggregate the event is about."),
			"occurred_at": map[string]any{"type": "string", "format": "date-time"},
			"trace_id":    str("Trace id of the request that caused the event."),
			"actor":       str("User or system that made the change."),
			"data":        json.RawMessage(et.Schema),
		},
	}
}

// jsonPointer escapes one reference token of a JSON pointer.
func jsonPointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
