package bus_test

import (
	"context"
	"log"

	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/outbox"
)

// A module emits an event with its state change; another unit's module
// applies it in its own database.
func Example() {
	ctx := context.Background()
	var platform, crm *db.DB // opened with db.Open and migrated with outbox.Migrate

	b := bus.New(bus.NewInProcess(), []*db.DB{platform, crm}, bus.Options{})
	err := b.Subscribe("crm-user-copy", crm, []string{"platform.user.created"},
		func(ctx context.Context, ev bus.Envelope) error {
			_, err := crm.Exec(ctx, `INSERT INTO crm_user (id, data) VALUES ($1, $2)`, ev.Subject, string(ev.Data))
			return err
		})
	if err != nil {
		log.Fatal(err)
	}
	b.Start()
	defer b.Close()

	_ = platform.InTx(ctx, func(ctx context.Context) error {
		// … the state change, then its event, in the same transaction:
		_, err := outbox.Emit(ctx, platform, "platform.user.created", 1, "user-id", map[string]string{"user_id": "user-id", "login": "li.wei"})
		return err
	})
}
