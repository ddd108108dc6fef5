// Package wire joins the CRM directory to a running Loom.
package wire

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/loom-erp/loom/internal/crm/directory"
	"github.com/loom-erp/loom/internal/crm/directory/internal/store"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/module"
)

// Module returns the directory module; it must be wired before the other
// CRM modules, which look it up.
func Module() module.Module {
	return module.Module{Unit: "crm", Name: "directory", Migrations: directory.Migrations(), Wire: wire}
}

func wire(ctx context.Context, env *module.Env) error {
	st := store.New(env.DB, env.Now)
	env.Services.Provide(directory.ServiceName, st)
	types := []string{"platform.user.created", "platform.user.disabled"}
	return env.Bus.Subscribe("crm-directory", env.DB, types, func(ctx context.Context, ev bus.Envelope) error {
		var d struct {
			UserID string `json:"user_id"`
			Login  string `json:"login"`
			Name   string `json:"name"`
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return fmt.Errorf("directory: event %s: %w", ev.ID, err)
		}
		if ev.Type == "platform.user.disabled" {
			return st.Disable(ctx, d.UserID)
		}
		if d.Name == "" {
			d.Name = d.Login
		}
		return st.Upsert(ctx, directory.User{ID: d.UserID, Login: d.Login, Name: d.Name, Roles: []string{}, Active: true})
	})
}
