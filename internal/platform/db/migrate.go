package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var coreMigrations embed.FS

var moduleName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// MigrationStatus is one module's applied and available migration versions.
type MigrationStatus struct {
	Unit, Module    string
	Current, Latest int64
	PendingVersions []int64
}

// Migrate applies a module's pending migrations. fsys holds the folders
// "sqlite" and "postgres", one migration file per version in each. Every
// module keeps its own version table (<module>_schema_version), and every
// migration runs in its own transaction, so a failed migration leaves the
// database at the previous version.
func (d *DB) Migrate(ctx context.Context, module string, fsys fs.FS) error {
	p, err := d.provider(module, fsys)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate %s/%s: %w", d.Unit, module, err)
	}
	return nil
}

// Status reports the migration state of a module without changing anything.
func (d *DB) Status(ctx context.Context, module string, fsys fs.FS) (MigrationStatus, error) {
	st := MigrationStatus{Unit: d.Unit, Module: module}
	p, err := d.provider(module, fsys)
	if err != nil {
		return st, err
	}
	if st.Current, err = p.GetDBVersion(ctx); err != nil {
		return st, fmt.Errorf("db: migration status %s/%s: %w", d.Unit, module, err)
	}
	results, err := p.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("db: migration status %s/%s: %w", d.Unit, module, err)
	}
	for _, r := range results {
		st.Latest = max(st.Latest, r.Source.Version)
		if r.State == goose.StatePending {
			st.PendingVersions = append(st.PendingVersions, r.Source.Version)
		}
	}
	return st, nil
}

func (d *DB) provider(module string, fsys fs.FS) (*goose.Provider, error) {
	if !moduleName.MatchString(module) {
		return nil, fmt.Errorf("db: invalid module name %q", module)
	}
	dir := "sqlite"
	dialect := goose.DialectSQLite3
	if d.Engine == Postgres {
		dir, dialect = "postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("db: migrations of %s have no %s folder: %w", module, dir, err)
	}
	opts := []goose.ProviderOption{
		goose.WithTableName(module + "_schema_version"),
		goose.WithDisableGlobalRegistry(true),
	}
	if d.Engine == Postgres {
		// Processes starting together take turns; the lock id is per schema+module.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID(d.Schema + "/" + module)))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.w, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("db: migrations of %s/%s: %w", d.Unit, module, err)
	}
	return p, nil
}

// lockID derives a stable advisory-lock id from a name (FNV-1a, 63 bits).
func lockID(name string) int64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return int64(h >> 1)
}

func (d *DB) migrateCore(ctx context.Context) error {
	sub, err := fs.Sub(coreMigrations, "migrations")
	if err != nil {
		return err
	}
	return d.Migrate(ctx, "loom", sub)
}
