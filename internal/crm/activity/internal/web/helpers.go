package web

import (
	"context"
	"strconv"
	"time"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
)

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

// localTime formats an instant for a datetime-local input.
func localTime(ts time.Time) string { return ts.Local().Format("2006-01-02T15:04") }

func count(n int) string { return strconv.Itoa(n) }
