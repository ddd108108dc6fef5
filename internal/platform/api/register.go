package api

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/authz"
)

// Register adds an operation that needs perm. op.Path is relative to Prefix,
// and op.OperationID is required. Before the handler runs, an anonymous
// caller gets 401 (unless perm is authz.Public) and a caller without perm gets
// 403. Errors the handler returns become problems: apperr errors with their
// status, key and fields; anything else a logged 500 that shows no details.
//
// Register panics on an operation without a permission, or with one that
// authz does not know, so such a route can never be served.
func Register[I, O any](a *API, op huma.Operation, perm authz.Permission, handler func(context.Context, *I) (*O, error)) {
	where := op.Method + " " + op.Path
	switch {
	case perm == "":
		panic(fmt.Sprintf("api: operation %s declares no permission", where))
	case !authz.Known(perm):
		panic(fmt.Sprintf("api: operation %s needs permission %q, which is not registered with authz.Register", where, perm))
	case op.OperationID == "":
		panic(fmt.Sprintf("api: operation %s has no OperationID", where))
	case !strings.HasPrefix(op.Path, "/"):
		panic(fmt.Sprintf("api: operation %s: the path must start with / (it is relative to %s)", where, Prefix))
	}
	op.Method = strings.ToUpper(op.Method)
	op.Extensions = maps.Clone(op.Extensions)
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	op.Extensions[PermissionExtension] = string(perm)

	errs := slices.Clone(op.Errors)
	if perm == authz.Public {
		op.Security = []map[string][]string{}
	} else {
		op.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
		errs = append(errs, http.StatusUnauthorized)
		if perm != authz.Authenticated {
			errs = append(errs, http.StatusForbidden)
		}
	}
	if isWrite(op.Method) {
		op.Parameters = append(slices.Clone(op.Parameters), &huma.Param{
			Name:        IdempotencyKeyHeader,
			In:          "header",
			Description: "Makes the request safe to retry: a repeat with the same key and body returns the first response (see docs/api.md).",
			Schema:      &huma.Schema{Type: huma.TypeString, MinLength: ptr(1), MaxLength: ptr(MaxIdempotencyKeyLen)},
		})
		errs = append(errs, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	}
	errs = append(errs, http.StatusInternalServerError)
	slices.Sort(errs)
	op.Errors = slices.Compact(errs)
	if op.MaxBodyBytes == 0 {
		// huma refuses a body whose length reaches MaxBodyBytes, so allow one
		// byte more than the limit to accept a body of exactly the limit.
		op.MaxBodyBytes = a.maxBody + 1
	}
	op.Middlewares = append(huma.Middlewares{a.guard(perm)}, op.Middlewares...)

	huma.Register(a.huma, op, func(ctx context.Context, in *I) (*O, error) {
		markRan(ctx)
		out, err := handler(ctx, in)
		if err != nil {
			return nil, problemFor(err)
		}
		return out, nil
	})
	a.mu.Lock()
	a.ops = append(a.ops, Operation{Method: op.Method, Path: Prefix + op.Path, OperationID: op.OperationID, Permission: perm})
	a.mu.Unlock()
}

// guard checks the caller's permission before huma reads the request.
func (a *API) guard(perm authz.Permission) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if perm == authz.Public {
			next(ctx)
			return
		}
		p := authz.FromContext(ctx.Context())
		switch {
		case p == nil:
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="loom"`)
			a.writeHuma(ctx, problemFor(apperr.Unauthorized()))
		case !p.Can(perm):
			a.writeHuma(ctx, problemFor(apperr.PermissionDenied(string(perm))))
		default:
			next(ctx)
		}
	}
}

// writeHuma sends p through a huma context.
func (a *API) writeHuma(ctx huma.Context, p *Problem) {
	finish(ctx.Context(), p, a.log, "method", ctx.Method(), "operation", ctx.Operation().OperationID)
	ctx.SetHeader("Content-Type", ProblemContentType)
	ctx.SetStatus(p.Status)
	_ = json.NewEncoder(ctx.BodyWriter()).Encode(p)
}

func ptr[T any](v T) *T { return &v }
