package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/diag"
)

// DiagPingInput asks for a diagnostic ping from one unit.
type DiagPingInput struct {
	Body struct {
		From string `json:"from" enum:"platform,crm,erp,mes,bi" doc:"The unit that sends the ping; this process must run it."`
	}
}

// DiagPingOutput names the ping sent.
type DiagPingOutput struct {
	Body struct {
		ID string `json:"id" doc:"The ping's id; read its receipts with GET /diagnostics/pings/{id}."`
	}
}

// DiagReceiptsOutput lists which units of this process received a ping.
type DiagReceiptsOutput struct {
	Body struct {
		Receipts []diag.Pong `json:"receipts"`
	}
}

// diagRoutes serves the event-path check: send a ping, read its receipts.
func (a *App) diagRoutes(svc *diag.Service) {
	api.Register(a.API, huma.Operation{
		OperationID: "platform-diagnostics-ping", Method: http.MethodPost, Path: "/diagnostics/pings",
		Summary: "Send a diagnostic ping through the event bus", Tags: []string{"platform"}, DefaultStatus: http.StatusAccepted,
	}, diag.PermRun, func(ctx context.Context, in *DiagPingInput) (*DiagPingOutput, error) {
		id, err := svc.Send(ctx, in.Body.From)
		if errors.Is(err, diag.ErrUnknownUnit) {
			return nil, apperr.Invalid("from", "diag.error.unit_not_here", "this process does not run that unit")
		}
		if err != nil {
			return nil, err
		}
		out := &DiagPingOutput{}
		out.Body.ID = id
		return out, nil
	})
	api.Register(a.API, huma.Operation{
		OperationID: "platform-diagnostics-receipts", Method: http.MethodGet, Path: "/diagnostics/pings/{id}",
		Summary: "Which units of this process received a ping", Tags: []string{"platform"},
	}, diag.PermRun, func(ctx context.Context, in *api.IDParam) (*DiagReceiptsOutput, error) {
		rs, err := svc.Receipts(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &DiagReceiptsOutput{}
		out.Body.Receipts = rs
		if out.Body.Receipts == nil {
			out.Body.Receipts = []diag.Pong{}
		}
		return out, nil
	})
}
