package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestClientClosedIsNotAnError: a handler that fails because its client went
// away is logged as such, not as an internal error, and answers 499; a
// cancellation while the client is still there stays an internal error.
func TestClientClosedIsNotAnError(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := internalProblem(fmt.Errorf("insert lead: %w", context.Canceled))
	finish(ctx, p, log)
	if p.Status != statusClientClosed || strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("status %d, log %q: want 499 and no error", p.Status, buf.String())
	}

	buf.Reset()
	p = internalProblem(fmt.Errorf("insert lead: %w", context.Canceled))
	finish(context.Background(), p, log)
	if p.Status != 500 || !strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("status %d, log %q: want 500 logged as an error", p.Status, buf.String())
	}
}
