// Package diag checks the event path between Loom's units: an administrator
// sends a ping from one unit and sees which units received it and how long
// it took. It is how an operator confirms that two processes on different
// machines really talk through the bus, and the tests use it to prove that a
// crash loses no event and applies none twice.
package diag

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/loom-erp/loom/internal/platform/authz"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/check"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// Module is the name of the diag migrations, applied in every unit database.
const Module = "diag"

// PermRun lets a user send diagnostic pings.
const PermRun authz.Permission = "platform.diagnostics.run"

// Units are the units that send and receive pings.
var Units = []string{"platform", "crm", "erp", "mes", "bi"}

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migrations (folders sqlite and postgres).
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// PingType returns the event type a unit sends pings with.
func PingType(unit string) string { return unit + ".diagnostic.ping" }

// Ping is the data of a ping event.
type Ping struct {
	ID     string    `json:"id"`
	From   string    `json:"from"`
	SentAt time.Time `json:"sent_at"`
}

// Pong is one unit's receipt of a ping.
type Pong struct {
	Unit       string    `json:"unit"`
	ReceivedAt time.Time `json:"received_at"`
	LatencyMS  float64   `json:"latency_ms"`
	Times      int       `json:"times"`
}

func init() {
	authz.Register(authz.Definition{Name: PermRun, Module: "platform"})
	for _, u := range Units {
		outbox.MustRegister(outbox.EventType{
			Type: PingType(u), Version: 1, Source: u,
			Description: "A diagnostic ping from the " + u + " unit; every other unit records its arrival.",
			Schema:      json.RawMessage(`{"type":"object","required":["id","from","sent_at"],"properties":{"id":{"type":"string"},"from":{"type":"string"},"sent_at":{"type":"string","format":"date-time"}}}`),
			Example:     Ping{ID: "0190c9a4-0000-7000-8000-000000000001", From: u, SentAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)},
		})
	}
	check.Register(check.Checker{Name: "events.applied_once", Run: checkAppliedOnce})
}

// Service sends pings from, and reads receipts of, the units of this process.
type Service struct {
	dbs map[string]*db.DB
	now func() time.Time
}

// New returns the service over the unit databases of this process.
func New(dbs map[string]*db.DB) *Service { return &Service{dbs: dbs, now: time.Now} }

// ErrUnknownUnit is returned for a unit this process does not run.
var ErrUnknownUnit = errors.New("diag: this process does not run that unit")

// Subscribe makes every unit of this process record the pings of the others.
func (s *Service) Subscribe(b *bus.Bus) error {
	for u, d := range s.dbs {
		var types []string
		for _, other := range Units {
			if other != u {
				types = append(types, PingType(other))
			}
		}
		d := d
		err := b.Subscribe(u+"-diag", d, types, func(ctx context.Context, ev bus.Envelope) error {
			var p Ping
			if err := json.Unmarshal(ev.Data, &p); err != nil {
				return fmt.Errorf("diag: ping %s: %w", ev.ID, err)
			}
			_, err := d.Exec(ctx, `INSERT INTO diag_pong (ping_id, from_unit, sent_at, received_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (ping_id) DO UPDATE SET times = diag_pong.times + 1`,
				p.ID, p.From, db.Millis(p.SentAt), db.Millis(s.now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Send commits a ping from unit and returns its id.
func (s *Service) Send(ctx context.Context, unit string) (string, error) {
	d, ok := s.dbs[unit]
	if !ok {
		return "", ErrUnknownUnit
	}
	p := Ping{ID: db.NewID(), From: unit, SentAt: s.now().UTC()}
	err := d.InTx(ctx, func(ctx context.Context) error {
		_, err := outbox.Emit(ctx, d, PingType(unit), 1, p.ID, p)
		return err
	})
	return p.ID, err
}

// Receipts returns which units of this process received a ping.
func (s *Service) Receipts(ctx context.Context, pingID string) ([]Pong, error) {
	var out []Pong
	for u, d := range s.dbs {
		var sent, received int64
		var times int
		err := d.QueryRow(ctx, `SELECT sent_at, received_at, times FROM diag_pong WHERE ping_id = $1`, pingID).Scan(&sent, &received, &times)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Pong{Unit: u, ReceivedAt: db.FromMillis(received), LatencyMS: float64(received - sent), Times: times})
	}
	slices.SortFunc(out, func(a, b Pong) int {
		if a.Unit < b.Unit {
			return -1
		}
		return 1
	})
	return out, nil
}

// checkAppliedOnce reports pings a unit applied more than once.
func checkAppliedOnce(ctx context.Context, d *db.DB) ([]check.Violation, error) {
	rows, err := d.Query(ctx, `SELECT ping_id, times FROM diag_pong WHERE times <> 1 LIMIT 100`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []check.Violation
	for rows.Next() {
		var id string
		var times int
		if err := rows.Scan(&id, &times); err != nil {
			return nil, err
		}
		vs = append(vs, check.Violation{Subject: "ping " + id, Detail: fmt.Sprintf("applied %d times", times)})
	}
	return vs, rows.Err()
}
