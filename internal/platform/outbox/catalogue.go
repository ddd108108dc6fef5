package outbox

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sync"
)

// EventType documents one version of an event type in Loom's catalogue.
type EventType struct {
	// Type is the event's name: the source unit, the aggregate and what
	// happened, such as "platform.user.created".
	Type string
	// Version is the version of Data's schema, starting at 1.
	Version int
	// Source is the unit that emits the event; Type starts with it.
	Source string
	// Description says when the event is emitted and what it means.
	Description string
	// Schema is the JSON Schema of the event's data.
	Schema json.RawMessage
	// Example is a sample of the event's data, shown in the AsyncAPI document.
	Example any
}

var (
	typeName   = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	sourceName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

	catalogueMu sync.RWMutex
	catalogue   = map[typeKey]EventType{}
)

type typeKey struct {
	typ     string
	version int
}

// Register adds an event type to the catalogue. Registering the same type
// and version again with the same definition is allowed; a different one is
// an error.
func Register(et EventType) error {
	if !typeName.MatchString(et.Type) {
		return fmt.Errorf("outbox: invalid event type %q (want dotted lower-case words, such as erp.sales_order.accepted)", et.Type)
	}
	if !sourceName.MatchString(et.Source) || len(et.Type) <= len(et.Source) || et.Type[:len(et.Source)+1] != et.Source+"." {
		return fmt.Errorf("outbox: event type %q must start with its source unit %q", et.Type, et.Source)
	}
	if et.Version < 1 {
		return fmt.Errorf("outbox: event type %s needs a version of 1 or more", et.Type)
	}
	if et.Description == "" {
		return fmt.Errorf("outbox: event type %s v%d needs a description", et.Type, et.Version)
	}
	var schema map[string]any
	if err := json.Unmarshal(et.Schema, &schema); err != nil {
		return fmt.Errorf("outbox: event type %s v%d: the schema must be a JSON object: %v", et.Type, et.Version, err)
	}
	if _, err := json.Marshal(et.Example); err != nil {
		return fmt.Errorf("outbox: event type %s v%d: the example cannot be encoded: %w", et.Type, et.Version, err)
	}
	catalogueMu.Lock()
	defer catalogueMu.Unlock()
	k := typeKey{et.Type, et.Version}
	if old, ok := catalogue[k]; ok {
		if !sameType(old, et) {
			return fmt.Errorf("outbox: event type %s v%d is already registered with another definition", et.Type, et.Version)
		}
		return nil
	}
	for _, other := range catalogue {
		if other.Type == et.Type && other.Source != et.Source {
			return fmt.Errorf("outbox: event type %s is already registered for source %s", et.Type, other.Source)
		}
	}
	catalogue[k] = et
	return nil
}

// MustRegister is Register for package initialisation: it panics on error.
func MustRegister(et EventType) {
	if err := Register(et); err != nil {
		panic(err)
	}
}

func sameType(a, b EventType) bool {
	ea, _ := json.Marshal(a.Example)
	eb, _ := json.Marshal(b.Example)
	return a.Source == b.Source && a.Description == b.Description &&
		string(a.Schema) == string(b.Schema) && string(ea) == string(eb)
}

// Lookup returns a registered event type; version 0 means the latest version.
func Lookup(typ string, version int) (EventType, bool) {
	catalogueMu.RLock()
	defer catalogueMu.RUnlock()
	if version > 0 {
		et, ok := catalogue[typeKey{typ, version}]
		return et, ok
	}
	var best EventType
	found := false
	for k, et := range catalogue {
		if k.typ == typ && (!found || k.version > best.Version) {
			best, found = et, true
		}
	}
	return best, found
}

// Types returns every registered event type, sorted by type and version.
func Types() []EventType {
	catalogueMu.RLock()
	out := make([]EventType, 0, len(catalogue))
	for _, et := range catalogue {
		out = append(out, et)
	}
	catalogueMu.RUnlock()
	slices.SortFunc(out, func(a, b EventType) int {
		if a.Type != b.Type {
			if a.Type < b.Type {
				return -1
			}
			return 1
		}
		return a.Version - b.Version
	})
	return out
}

// The platform's own events; modules register theirs in their events.go.
func init() {
	MustRegister(EventType{
		Type:        "platform.user.created",
		Version:     1,
		Source:      "platform",
		Description: "A user account was created.",
		Schema: json.RawMessage(`{"type":"object","required":["user_id","login"],"properties":{` +
			`"user_id":{"type":"string","format":"uuid"},"login":{"type":"string"},"name":{"type":"string"},"email":{"type":"string"}}}`),
		Example: map[string]any{"user_id": "01960f6e-7c8a-7d2e-9a4b-0c1d2e3f4a5b", "login": "li.wei", "name": "Li Wei", "email": "li.wei@example.com"},
	})
	MustRegister(EventType{
		Type:        "platform.user.disabled",
		Version:     1,
		Source:      "platform",
		Description: "A user account was disabled; its sessions and API tokens stop working.",
		Schema: json.RawMessage(`{"type":"object","required":["user_id"],"properties":{` +
			`"user_id":{"type":"string","format":"uuid"},"reason":{"type":"string"}}}`),
		Example: map[string]any{"user_id": "01960f6e-7c8a-7d2e-9a4b-0c1d2e3f4a5b", "reason": "left the company"},
	})
}
