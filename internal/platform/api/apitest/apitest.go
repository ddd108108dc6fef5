// Package apitest helps test Loom's REST API: golden OpenAPI documents.
//
// Update golden files with `go test ./... -run X -update` in a package that
// imports apitest, or with LOOM_UPDATE_GOLDEN=1 in the environment. The
// -update flag is defined here; a test package must not define its own.
package apitest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/platform/api"
)

// UpdateEnv names the variable that, set to 1, rewrites golden files.
const UpdateEnv = "LOOM_UPDATE_GOLDEN"

var update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Updating reports whether golden files are to be rewritten.
func Updating() bool { return *update || os.Getenv(UpdateEnv) == "1" }

// CheckGolden compares the OpenAPI document of a with the file at path, or
// rewrites the file when updating.
func CheckGolden(t *testing.T, a *api.API, path string) {
	t.Helper()
	var buf bytes.Buffer
	if err := api.WriteSpec(a, &buf); err != nil {
		t.Fatal(err)
	}
	if err := golden(buf.Bytes(), path, Updating()); err != nil {
		t.Fatal(err)
	}
}

// golden compares got with the file at path, or writes it there when update is set.
func golden(got []byte, path string, update bool) error {
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return fmt.Errorf("golden file %s is missing; create it with go test -update or %s=1", path, UpdateEnv)
	}
	if err != nil {
		return err
	}
	if bytes.Equal(got, want) {
		return nil
	}
	return fmt.Errorf("%s differs from the generated document at %s; review the change, then update with go test -update or %s=1",
		path, firstDiff(string(want), string(got)), UpdateEnv)
}

// firstDiff describes the first line where want and got differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  golden:    %s\n  generated: %s", i+1, strings.TrimSpace(wl), strings.TrimSpace(gl))
		}
	}
	return "the end of the file"
}
