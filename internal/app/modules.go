package app

import (
	"reflect"
	"slices"

	"github.com/loom-erp/loom/internal/platform/module"
	"github.com/loom-erp/loom/internal/platform/money"
)

// allModules lists every business module Loom has, in wiring order.
var allModules []module.Module

// modulesFor returns the modules of the given business units.
func modulesFor(units []string) []module.Module {
	var out []module.Module
	for _, m := range allModules {
		if slices.Contains(units, m.Unit) {
			out = append(out, m)
		}
	}
	return out
}

// decimalTypes are documented in the OpenAPI document as decimal strings.
var decimalTypes = []reflect.Type{
	reflect.TypeFor[money.Amount](), reflect.TypeFor[money.Quantity](),
	reflect.TypeFor[money.UnitPrice](), reflect.TypeFor[money.Rate](),
}
