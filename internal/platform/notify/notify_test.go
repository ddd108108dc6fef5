package notify_test

import (
	"context"
	"testing"

	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/notify"
)

func TestNotifications(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		d := loomtest.Open(t, cfg, "platform")
		ctx := context.Background()
		if err := d.Migrate(ctx, notify.Module, notify.Migrations()); err != nil {
			t.Fatal(err)
		}
		s := notify.New(d)
		alice, bob := db.NewID(), db.NewID()
		for i := 0; i < 3; i++ {
			if _, err := s.Send(ctx, notify.Request{UserID: alice, Kind: "task", TitleKey: "crm.task.due", Params: map[string]any{"n": i}, Link: "/crm/tasks"}); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := s.Unread(ctx, alice); n != 3 {
			t.Fatalf("unread = %d, want 3", n)
		}
		list, err := s.List(ctx, alice, true, 10)
		if err != nil || len(list) != 3 {
			t.Fatalf("list = %d, %v", len(list), err)
		}
		if err := s.MarkRead(ctx, bob, list[0].ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("another user's notification: %v, want not found", err)
		}
		if err := s.MarkRead(ctx, alice, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Unread(ctx, alice); n != 2 {
			t.Fatalf("unread after mark = %d, want 2", n)
		}
		if err := s.MarkAllRead(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Unread(ctx, alice); n != 0 {
			t.Fatalf("unread after mark all = %d", n)
		}
		// Bad input names the field and writes nothing.
		_, err = s.Send(ctx, notify.Request{UserID: "nope", Kind: "task", TitleKey: "x", Link: "https://elsewhere"})
		e, ok := apperr.As(err)
		if !ok || len(e.Fields) != 2 || e.Fields[0].Field != "user_id" || e.Fields[1].Field != "link" {
			t.Fatalf("bad request error = %v", err)
		}
		var total int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM notify_notification`).Scan(&total); err != nil || total != 3 {
			t.Fatalf("rows = %d (%v), want 3", total, err)
		}
	})
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}
