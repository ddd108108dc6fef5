package app

import (
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
)

func init() {
	i18n.Register(identity.Messages)
	i18n.Register(audit.Messages)
}
