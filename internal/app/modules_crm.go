package app

import "github.com/loom-erp/loom/internal/crm"

func init() { allModules = append(allModules, crm.Modules()...) }
