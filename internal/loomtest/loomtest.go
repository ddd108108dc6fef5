// Package loomtest runs Loom's store tests on every storage engine.
//
// SQLite always runs, on a file in t.TempDir(). PostgreSQL runs when
// LOOM_TEST_POSTGRES_URL is set (CI always sets it); each test gets its own
// schemas, dropped when the test ends, so tests may run in parallel.
package loomtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/loom-erp/loom/internal/platform/db"
)

// PostgresEnv names the variable that selects the PostgreSQL half of the tests.
const PostgresEnv = "LOOM_TEST_POSTGRES_URL"

// Engines returns the engines tests run on here: SQLite, and PostgreSQL when
// LOOM_TEST_POSTGRES_URL is set.
func Engines() []db.Engine {
	if os.Getenv(PostgresEnv) != "" {
		return []db.Engine{db.SQLite, db.Postgres}
	}
	return []db.Engine{db.SQLite}
}

var skipOnce sync.Once

// Each runs fn once per engine as a subtest named after the engine, with a
// fresh configuration whose databases are removed after the test.
func Each(t *testing.T, fn func(t *testing.T, cfg db.Config)) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		skipOnce.Do(func() {
			t.Logf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test) to run them", PostgresEnv)
		})
	}
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Config(t, e))
		})
	}
}

// Config returns a configuration for engine e that is private to t.
func Config(t testing.TB, e db.Engine) db.Config {
	t.Helper()
	switch e {
	case db.SQLite:
		return db.Config{Engine: db.SQLite, DataDir: t.TempDir()}
	case db.Postgres:
		url := os.Getenv(PostgresEnv)
		if url == "" {
			t.Skipf("PostgreSQL tests skipped: %s is not set", PostgresEnv)
		}
		prefix := "t" + randomHex(5) + "_"
		t.Cleanup(func() { dropSchemas(t, url, prefix) })
		return db.Config{Engine: db.Postgres, PostgresURL: url, SchemaPrefix: prefix}
	}
	t.Fatalf("unknown engine %q", e)
	return db.Config{}
}

// Open opens the database of one unit for t and closes it when t ends.
func Open(t testing.TB, cfg db.Config, unit string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), cfg, unit)
	if err != nil {
		t.Fatalf("open %s database: %v", unit, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func dropSchemas(t testing.TB, url, prefix string) {
	c, err := sql.Open("pgx", url)
	if err != nil {
		t.Logf("drop test schemas: %v", err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	rows, err := c.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, prefix)
	if err != nil {
		t.Logf("drop test schemas: %v", err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		if _, err := c.ExecContext(ctx, `DROP SCHEMA "`+strings.ReplaceAll(n, `"`, ``)+`" CASCADE`); err != nil {
			t.Logf("drop test schema %s: %v", n, err)
		}
	}
}
