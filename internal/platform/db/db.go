// Package db opens and runs Loom's unit databases on SQLite or PostgreSQL.
//
// Every unit (platform, crm, erp, mes, bi) owns one database: a SQLite file in
// the data directory, or a PostgreSQL schema. Code writes SQL PostgreSQL-style
// ($1, $2, …); on SQLite the placeholders are rewritten to ?1, ?2, … because
// the driver binds $N in order of appearance.
//
// On SQLite all writes go through one writer connection whose transactions
// start with BEGIN IMMEDIATE, so the queue of writers lives in Go and a
// transaction never fails half-way with SQLITE_BUSY; reads outside a
// transaction use a bounded pool of read-only connections. The transaction
// travels in the context: code inside InTx must pass the context it was given,
// or on SQLite it waits for the writer it already holds.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a storage engine.
type Engine string

// The engines Loom runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Units lists every unit that owns a database, in start order.
var Units = []string{"platform", "crm", "erp", "mes", "bi"}

// Config says where the unit databases live.
type Config struct {
	Engine Engine
	// DataDir holds one SQLite file per unit (Engine SQLite).
	DataDir string
	// PostgresURL is the server every unit uses unless UnitURL names another
	// (Engine Postgres). Each unit lives in its own schema.
	PostgresURL string
	// UnitURL optionally gives a unit its own PostgreSQL DSN.
	UnitURL map[string]string
	// SchemaPrefix is put before each unit's schema name (tests use it to
	// isolate runs on one server).
	SchemaPrefix string
	// ReadConns bounds the SQLite reader pool; 0 means max(4, 2×CPUs).
	ReadConns int
	// MaxConns bounds the PostgreSQL pool per unit; 0 means 32.
	MaxConns int
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch c.Engine {
	case SQLite:
		if c.DataDir == "" {
			return errors.New("db: the SQLite engine needs a data directory (--data)")
		}
	case Postgres:
		if c.PostgresURL == "" && len(c.UnitURL) == 0 {
			return errors.New("db: the PostgreSQL engine needs a URL (--db postgres://…)")
		}
	default:
		return fmt.Errorf("db: unknown engine %q (want sqlite or postgres)", c.Engine)
	}
	return nil
}

// DB is one unit's database.
type DB struct {
	Unit   string
	Engine Engine
	// Schema is the PostgreSQL schema of the unit ("" on SQLite).
	Schema string
	// Path is the SQLite file of the unit ("" on PostgreSQL).
	Path string

	w *sql.DB // writer: one connection on SQLite
	r *sql.DB // readers: read-only pool on SQLite; the same pool as w on PostgreSQL

	// Prepared statements of each pool, on SQLite only (pgx keeps its own cache).
	ws, rs *stmtCache
	// group commits waiting transactions together, on SQLite only.
	group *committer
}

var unitName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// Open opens the database of one unit, creating the file or schema if needed,
// and checks that it answers. It applies no migrations: see Migrate.
func Open(ctx context.Context, cfg Config, unit string) (*DB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !unitName.MatchString(unit) || !unitName.MatchString(cfg.SchemaPrefix+unit) {
		return nil, fmt.Errorf("db: invalid unit name %q", cfg.SchemaPrefix+unit)
	}
	var (
		d   *DB
		err error
	)
	if cfg.Engine == SQLite {
		d, err = openSQLite(cfg, unit)
	} else {
		d, err = openPostgres(ctx, cfg, unit)
	}
	if err != nil {
		return nil, err
	}
	if err := d.ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.migrateCore(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	// busy_timeout first, so the pragmas after it wait instead of failing.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)", "cache_size(-16000)"}
	if readOnly {
		pragmas = append(pragmas, "query_only(1)")
	} else {
		// The writer runs every job of a commit group in a savepoint; keep
		// their statement journals in memory rather than in a temporary file
		// written page by page (durability is the WAL's, not theirs).
		pragmas = append(pragmas, "temp_store(MEMORY)")
	}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	if !readOnly {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(cfg Config, unit string) (*DB, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("db: cannot create data directory %s: %w", cfg.DataDir, err)
	}
	path := filepath.Join(cfg.DataDir, cfg.SchemaPrefix+unit+".db")
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	n := cfg.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	return &DB{Unit: unit, Engine: SQLite, Path: path, w: w, r: r, ws: &stmtCache{pool: w}, rs: &stmtCache{pool: r},
		group: &committer{jobs: make(chan *groupJob, maxGroup), closed: make(chan struct{})}}, nil
}

func openPostgres(ctx context.Context, cfg Config, unit string) (*DB, error) {
	base := cfg.PostgresURL
	if u := cfg.UnitURL[unit]; u != "" {
		base = u
	}
	schema := cfg.SchemaPrefix + unit
	// Create the schema through a plain connection first.
	boot, err := sql.Open("pgx", base)
	if err != nil {
		return nil, fmt.Errorf("db: PostgreSQL URL for unit %s: %w", unit, err)
	}
	_, err = boot.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS "`+schema+`"`)
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("db: PostgreSQL for unit %s is not usable: %w", unit, err)
	}
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		return nil, err
	}
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: PostgreSQL URL for unit %s: %w", unit, err)
	}
	n := cfg.MaxConns
	if n <= 0 {
		n = 32
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Unit: unit, Engine: Postgres, Schema: schema, w: p, r: p}, nil
}

// withSearchPath pins every pooled connection to the unit's schema.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("db: invalid PostgreSQL URL: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

func (d *DB) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Reading the schema catalogue fails on a file that is not a database.
	var n int
	q := `SELECT count(*) FROM sqlite_master`
	if d.Engine == Postgres {
		q = `SELECT 1`
	}
	if err := d.w.QueryRowContext(ctx, q).Scan(&n); err != nil {
		where := d.Path
		if where == "" {
			where = "schema " + d.Schema
		}
		return fmt.Errorf("db: unit %s database (%s) cannot be used: %w", d.Unit, where, err)
	}
	return nil
}

// Close closes the unit's pools.
func (d *DB) Close() error {
	if d.group != nil {
		d.group.close()
	}
	if d.ws != nil {
		d.ws.close()
		d.rs.close()
	}
	err := d.w.Close()
	if d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

// Writer returns the write pool, for tools (migrations, backups) that need
// *sql.DB itself. Business code uses InTx, Exec and Query.
func (d *DB) Writer() *sql.DB { return d.w }

// Reader returns the read pool.
func (d *DB) Reader() *sql.DB { return d.r }

// Stats returns the pool statistics of the writer and reader pools.
func (d *DB) Stats() (writer, reader sql.DBStats) { return d.w.Stats(), d.r.Stats() }
