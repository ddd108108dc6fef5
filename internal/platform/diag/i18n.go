package diag

import (
	"embed"
	"io/fs"

	"github.com/loom-erp/loom/internal/platform/i18n"
)

//go:embed locales/*.toml
var locales embed.FS

func init() {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	i18n.Register(sub)
}
