// Package backup makes consistent online copies of every unit database and
// verifies each copy after writing it.
package backup

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/loom-erp/loom/internal/platform/db"
)

// File is one written and verified unit copy.
type File struct {
	Unit  string `json:"unit"`
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// Run copies each unit database into a new folder under dest named after the
// time, and verifies every copy. On SQLite it uses VACUUM INTO, which copies a
// consistent snapshot while the server keeps writing; the copy must then pass
// an integrity check and hold the same tables. On PostgreSQL it runs pg_dump
// of the unit's schema and verifies the archive's table of contents.
func Run(ctx context.Context, dbs []*db.DB, dest, postgresURL string, progress func(unit string, done, total int)) ([]File, error) {
	dir := filepath.Join(dest, "loom-backup-"+time.Now().UTC().Format("20060102T150405Z"))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("backup: create %s: %w", dir, err)
	}
	var files []File
	for i, d := range dbs {
		var (
			f   File
			err error
		)
		if d.Engine == db.SQLite {
			f, err = sqliteCopy(ctx, d, dir)
		} else {
			f, err = pgDump(ctx, d, dir, postgresURL)
		}
		if err != nil {
			return files, err
		}
		files = append(files, f)
		if progress != nil {
			progress(d.Unit, i+1, len(dbs))
		}
	}
	return files, nil
}

func sqliteCopy(ctx context.Context, d *db.DB, dir string) (File, error) {
	path := filepath.Join(dir, d.Unit+".db")
	// VACUUM INTO reads one snapshot, so writers go on meanwhile. It needs a
	// connection of its own: the pool's readers are query-only.
	c, err := sql.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return File{}, fmt.Errorf("backup: open unit %s: %w", d.Unit, err)
	}
	_, err = c.ExecContext(ctx, `VACUUM INTO ?1`, path)
	c.Close()
	if err != nil {
		return File{}, fmt.Errorf("backup: copy unit %s: %w", d.Unit, err)
	}
	if err := verifySQLite(ctx, d, path); err != nil {
		return File{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return File{}, err
	}
	return File{Unit: d.Unit, Path: path, Bytes: st.Size()}, nil
}

func verifySQLite(ctx context.Context, src *db.DB, path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("backup: open copy of %s: %w", src.Unit, err)
	}
	defer c.Close()
	var ok string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		return fmt.Errorf("backup: copy of unit %s failed its integrity check: %v %s", src.Unit, err, ok)
	}
	tables := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (int, error) {
		var n int
		err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
		return n, err
	}
	want, err := tables(src.Reader())
	if err != nil {
		return err
	}
	got, err := tables(c)
	if err != nil || got != want {
		return fmt.Errorf("backup: copy of unit %s has %d tables, the database %d (%v)", src.Unit, got, want, err)
	}
	return nil
}

func pgDump(ctx context.Context, d *db.DB, dir, postgresURL string) (File, error) {
	path := filepath.Join(dir, d.Unit+".pgdump")
	if _, err := exec.LookPath("pg_dump"); err != nil {
		return File{}, fmt.Errorf("backup: pg_dump is not installed; install the PostgreSQL client tools")
	}
	cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--schema="+d.Schema, "--file="+path, "--dbname="+postgresURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		return File{}, fmt.Errorf("backup: pg_dump of unit %s: %v: %s", d.Unit, err, out)
	}
	if out, err := exec.CommandContext(ctx, "pg_restore", "--list", path).CombinedOutput(); err != nil {
		return File{}, fmt.Errorf("backup: dump of unit %s does not read back: %v: %s", d.Unit, err, out)
	}
	st, err := os.Stat(path)
	if err != nil {
		return File{}, err
	}
	return File{Unit: d.Unit, Path: path, Bytes: st.Size()}, nil
}
