package web

import (
	"context"

	"github.com/loom-erp/loom/internal/crm/internal/crmui"
	"github.com/loom-erp/loom/internal/crm/internal/valid"
	"github.com/loom-erp/loom/internal/platform/apperr"
)

func t(ctx context.Context, id string, data ...map[string]any) string {
	return crmui.T(ctx, id, data...)
}

func invalidQuantity() error {
	return apperr.Invalid("quantity", valid.KeyQuantity, "Enter a quantity such as 12.5")
}
