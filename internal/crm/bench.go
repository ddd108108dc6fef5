package crm

import "github.com/loom-erp/loom/internal/crm/internal/benchcrm"

// The CRM's `loom bench` scenarios (crm-360) wire the modules above alone.
func init() { benchcrm.Register(Modules) }
