package app

import finance "github.com/loom-erp/loom/internal/erp/finance/wire"

func init() { allModules = append(allModules, finance.Module()) }
