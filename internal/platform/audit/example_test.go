package audit_test

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/db"
)

type item struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// A module records each change inside the transaction that makes it; the
// actor comes from the principal in the context.
func ExampleRecord() {
	var (
		ctx context.Context // a request's context, carrying its principal
		d   *db.DB          // the unit's database
	)
	before, after := item{"42", "Bolt"}, item{"42", "Bolt M8"}
	_ = d.InTx(ctx, func(ctx context.Context) error {
		if _, err := d.Exec(ctx, `UPDATE cat_item SET name = $1 WHERE id = $2`, after.Name, after.ID); err != nil {
			return err
		}
		return audit.Record(ctx, d, audit.Entry{
			Action: "erp.item.renamed", EntityKind: "erp.item", EntityID: after.ID,
			Before: before, After: after,
		})
	})
}
