package apitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "spec.json")
	if err := golden([]byte("a\nb\n"), path, false); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing golden file: err = %v", err)
	}
	if err := golden([]byte("a\nb\n"), path, true); err != nil {
		t.Fatal(err)
	}
	if err := golden([]byte("a\nb\n"), path, false); err != nil {
		t.Fatalf("same content: %v", err)
	}
	err := golden([]byte("a\nc\n"), path, false)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("changed content: err = %v, want a difference on line 2", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "a\nb\n" {
		t.Fatalf("a comparison changed the golden file: %q", b)
	}
}
