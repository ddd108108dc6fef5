package db_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestSQLiteLibcPair guards the modernc.org/sqlite and modernc.org/libc pair:
// sqlite works only with the exact libc its own go.mod requires, and other
// modules can silently lift libc in the build.
func TestSQLiteLibcPair(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	type mod struct{ Path, Version, GoMod string }
	list := func(path string) mod {
		out, err := exec.Command(goTool, "list", "-m", "-json", path).Output()
		if err != nil {
			t.Fatalf("go list -m %s: %v", path, err)
		}
		var m mod
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	sqlite, libc := list("modernc.org/sqlite"), list("modernc.org/libc")
	gomod, err := os.ReadFile(sqlite.GoMod)
	if err != nil {
		t.Fatalf("read sqlite's go.mod: %v", err)
	}
	m := regexp.MustCompile(`modernc\.org/libc (v[^\s]+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("sqlite's go.mod names no libc version")
	}
	if string(m[1]) != libc.Version {
		t.Fatalf("build uses libc %s but sqlite %s requires %s", libc.Version, sqlite.Version, m[1])
	}
}
