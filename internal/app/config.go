// Package app wires Loom together: it opens the unit databases, applies the
// migrations of every module, starts the event relays and serves HTTP. Only
// cmd/loom and end-to-end tests use it.
package app

import (
	"fmt"
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/platform/db"
)

// Config is everything a Loom process needs to know at start.
type Config struct {
	// DataDir holds the SQLite files (and nothing else) when DB is empty.
	DataDir string
	// DB is empty for the embedded SQLite engine, or a PostgreSQL URL.
	DB string
	// Bus is empty for the in-process transport, or a NATS URL (nats://…).
	Bus string
	// Units lists the business units this process runs; platform always runs.
	Units []string
	// Addr is the HTTP listen address.
	Addr string
	// SchemaPrefix prefixes PostgreSQL schema and SQLite file names (tests).
	SchemaPrefix string
	// Version is shown on the home page and in /healthz.
	Version string
}

// DBConfig derives the storage configuration.
func (c Config) DBConfig() db.Config {
	if c.DB == "" || c.DB == "sqlite" {
		return db.Config{Engine: db.SQLite, DataDir: c.DataDir, SchemaPrefix: c.SchemaPrefix}
	}
	return db.Config{Engine: db.Postgres, PostgresURL: c.DB, SchemaPrefix: c.SchemaPrefix}
}

// Normalize checks the configuration and fills defaults.
func (c *Config) Normalize() error {
	if c.DataDir == "" {
		c.DataDir = "./loom-data"
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DB != "" && c.DB != "sqlite" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("--db must be empty (embedded SQLite) or a postgres:// URL, not %q", c.DB)
	}
	if c.Bus != "" && !strings.HasPrefix(c.Bus, "nats://") {
		return fmt.Errorf("--bus must be empty (in-process) or a nats:// URL, not %q", c.Bus)
	}
	if len(c.Units) == 0 {
		c.Units = []string{"crm", "erp", "mes", "bi"}
	}
	var units []string
	for _, u := range c.Units {
		u = strings.TrimSpace(u)
		if u == "" || u == "platform" || slices.Contains(units, u) {
			continue
		}
		if !slices.Contains(db.Units, u) {
			return fmt.Errorf("--units: unknown unit %q (known: crm, erp, mes, bi)", u)
		}
		units = append(units, u)
	}
	if c.Bus == "" && len(units) < len(db.Units)-1 {
		return fmt.Errorf("--units %s runs only part of Loom: the other units need --bus nats://… to reach it", strings.Join(units, ","))
	}
	c.Units = units
	return nil
}

// AllUnits returns platform followed by the configured business units.
func (c Config) AllUnits() []string {
	return append([]string{"platform"}, c.Units...)
}
