package backup_test

import (
	"context"
	"os"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/backup"
	"github.com/loom-erp/loom/internal/platform/db"
)

func TestBackupWhileWriting(t *testing.T) {
	cfg := loomtest.Config(t, db.SQLite)
	d := loomtest.Open(t, cfg, "erp")
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE bk_row (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := d.Exec(ctx, `INSERT INTO bk_row (v) VALUES ($1)`, "row"); err != nil {
				done <- err
				return
			}
		}
	}()
	files, err := backup.Run(ctx, []*db.DB{d}, t.TempDir(), "", nil)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("writer failed during backup: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Bytes == 0 {
		t.Fatalf("files = %+v", files)
	}
	if _, err := os.Stat(files[0].Path); err != nil {
		t.Fatal(err)
	}
}

func TestBackupPostgres(t *testing.T) {
	url := os.Getenv(loomtest.PostgresEnv)
	if url == "" {
		t.Skipf("PostgreSQL tests skipped: %s is not set", loomtest.PostgresEnv)
	}
	cfg := loomtest.Config(t, db.Postgres)
	d := loomtest.Open(t, cfg, "crm")
	files, err := backup.Run(context.Background(), []*db.DB{d}, t.TempDir(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Bytes == 0 {
		t.Fatalf("files = %+v", files)
	}
}
