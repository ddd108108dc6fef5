package app

import (
	"context"

	"github.com/loom-erp/loom/internal/platform/bus"
	webui "github.com/loom-erp/loom/internal/platform/web"
)

// Status reports every unit of this process: its engine, pending events,
// event lag and dead letters.
func (a *App) Status(ctx context.Context) webui.SystemStatus {
	s := webui.SystemStatus{Version: a.Cfg.Version, Engine: string(a.Platform.Engine), Transport: a.transport}
	stats, err := a.Bus.Stats(ctx)
	byUnit := map[string]bus.UnitStats{}
	if err == nil {
		for _, st := range stats {
			byUnit[st.Unit] = st
		}
	}
	for _, u := range a.Cfg.AllUnits() {
		st := byUnit[u]
		s.Units = append(s.Units, webui.UnitStatus{
			Name: u, Running: a.started && err == nil, Engine: string(a.DBs[u].Engine),
			OutboxPending: st.Pending, OutboxLagSeconds: st.LagSeconds, DeadLetters: st.DeadLetters,
		})
	}
	return s
}
