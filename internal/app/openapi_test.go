package app_test

import (
	"testing"

	"github.com/loom-erp/loom/internal/app/apptest"
	"github.com/loom-erp/loom/internal/platform/api/apitest"
	"github.com/loom-erp/loom/internal/platform/db"
)

// TestOpenAPIGolden keeps the REST contract in docs/openapi.json, so every
// change to it shows in review. Regenerate with LOOM_UPDATE_GOLDEN=1.
func TestOpenAPIGolden(t *testing.T) {
	s := apptest.Start(t, db.SQLite, apptest.Options{})
	apitest.CheckGolden(t, s.App.API, "../../docs/openapi.json")
}
