package benchmark

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/db"
)

// SetAfterHistory makes the valuation scenarios run f on the data they
// generate; nil stops it.
func SetAfterHistory(f func(ctx context.Context, d *db.DB) error) { afterHistory = f }
