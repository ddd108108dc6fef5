package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// ProblemContentType is the media type of error responses (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is the body of every error response: an RFC 9457 problem document
// with Loom's members code, key, request_id and errors.
type Problem struct {
	Type      string          `json:"type" doc:"Always about:blank; code tells problems apart." example:"about:blank"`
	Title     string          `json:"title" doc:"The HTTP status text." example:"Unprocessable Entity"`
	Status    int             `json:"status" doc:"The HTTP status code." example:"422"`
	Detail    string          `json:"detail" doc:"What went wrong, in the caller's language." example:"The input is not valid"`
	Code      string          `json:"code" doc:"Class of problem: invalid, not_found, conflict, forbidden, unauthorized, precondition, too_large, internal, …" example:"invalid"`
	Key       string          `json:"key" doc:"i18n key of detail, stable across languages." example:"apperr.invalid"`
	RequestID string          `json:"request_id,omitempty" doc:"Id of the request; quote it when reporting a problem."`
	Errors    []*FieldProblem `json:"errors,omitempty" nullable:"false" doc:"The bad fields, one entry per problem."`

	params map[string]any
	cause  error // logged, never sent
	done   bool  // localized and logged
}

// FieldProblem names one bad field of a request.
type FieldProblem struct {
	Location string `json:"location" doc:"Where the field is: body.lines[2].quantity, path.id, query.limit or header.Idempotency-Key; just body when the body as a whole is unreadable." example:"body.lines[2].quantity"`
	Field    string `json:"field" doc:"The field's path inside its location." example:"lines[2].quantity"`
	Message  string `json:"message" doc:"What is wrong, in the caller's language." example:"Expected string"`
	Key      string `json:"key" doc:"i18n key of message." example:"api.field.type"`

	params map[string]any
}

// Error returns the English detail, for logs.
func (p *Problem) Error() string { return p.Detail }

// GetStatus returns the HTTP status; it lets huma send a Problem as an error.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send a Problem as application/problem+json.
func (p *Problem) ContentType(string) string { return ProblemContentType }

// Message keys of the API's own problems (see locales/).
const (
	keyBadRequest     = "api.error.bad_request"
	keyMalformed      = "api.error.malformed"
	keyBodyRequired   = "api.error.body_required"
	keyForbidden      = "api.error.forbidden"
	keyNotFound       = "api.error.not_found"
	keyMethod         = "api.error.method_not_allowed"
	keyNotAcceptable  = "api.error.not_acceptable"
	keyTimeout        = "api.error.timeout"
	keyConflict       = "api.error.conflict"
	keyPrecondition   = "api.error.precondition"
	keyTooLarge       = "api.error.too_large"
	keyMediaType      = "api.error.unsupported_media_type"
	keyTooMany        = "api.error.too_many_requests"
	keyInternal       = "api.error.internal"
	keyGeneric        = "api.error.generic"
	keyFieldRequired  = "api.field.required"
	keyFieldUnknown   = "api.field.unknown"
	keyFieldType      = "api.field.type"
	keyFieldMalformed = "api.field.malformed"
	keyFieldInvalid   = "api.field.invalid"
)

// statusText gives each status the key, English detail and code of its problem.
var statusText = map[int]struct{ key, msg, code string }{
	http.StatusBadRequest:            {keyBadRequest, "The request is not valid", "invalid"},
	http.StatusUnauthorized:          {apperr.KeyUnauthorized, "Please sign in", "unauthorized"},
	http.StatusForbidden:             {keyForbidden, "You may not do this", "forbidden"},
	http.StatusNotFound:              {keyNotFound, "Nothing was found at this address", "not_found"},
	http.StatusMethodNotAllowed:      {keyMethod, "This address does not accept this method", "method_not_allowed"},
	http.StatusNotAcceptable:         {keyNotAcceptable, "The response can only be sent as application/json", "not_acceptable"},
	http.StatusRequestTimeout:        {keyTimeout, "The request body arrived too slowly", "timeout"},
	http.StatusConflict:              {keyConflict, "The request conflicts with the current data", "conflict"},
	http.StatusPreconditionFailed:    {keyPrecondition, "The record changed or is in a state that does not allow this", "precondition"},
	http.StatusRequestEntityTooLarge: {keyTooLarge, "The request body is larger than {{.Limit}} bytes", "too_large"},
	http.StatusUnsupportedMediaType:  {keyMediaType, "Send the request body as application/json", "unsupported_media_type"},
	http.StatusUnprocessableEntity:   {apperr.KeyInvalid, "The input is not valid", "invalid"},
	http.StatusTooManyRequests:       {keyTooMany, "Too many requests; try again later", "too_many_requests"},
}

// newProblem returns the generic problem of an HTTP status.
func newProblem(status int) *Problem {
	p := &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status}
	if t, ok := statusText[status]; ok {
		p.Key, p.Detail, p.Code = t.key, t.msg, t.code
	} else if status >= 500 {
		p.Key, p.Detail, p.Code = keyInternal, "Something went wrong on our side", "internal"
	} else {
		p.Key, p.Detail, p.Code = keyGeneric, "The request failed", "error"
	}
	return p
}

// internalProblem hides err behind a generic 500; err is logged when the problem is sent.
func internalProblem(err error) *Problem {
	p := newProblem(http.StatusInternalServerError)
	p.cause = err
	return p
}

// problemFor turns an error returned by a handler into a Problem.
func problemFor(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if e, ok := apperr.As(err); ok && e.Status() < 500 {
		p := newProblem(e.Status())
		p.Code, p.Key, p.Detail, p.params = string(e.Kind), e.Key, e.Message, e.Params
		for _, f := range e.Fields {
			p.Errors = append(p.Errors, &FieldProblem{Field: f.Field, Key: f.Key, Message: f.Message, params: f.Params})
		}
		return p
	}
	return internalProblem(err)
}

// humaError is installed as huma.NewError: every error huma reports itself
// (validation, body size, content type, marshalling) becomes a Problem whose
// errors name each bad field. Values huma echoes are dropped, and details of
// 5xx errors are kept for the log only.
func humaError(status int, msg string, errs ...error) huma.StatusError {
	p := newProblem(status)
	if status >= 500 {
		p.cause = errors.Join(append([]error{errors.New(msg)}, errs...)...)
		return p
	}
	if msg == "request body is required" {
		p.Key, p.Detail = keyBodyRequired, "The request needs a body"
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			p.Errors = append(p.Errors, fieldFromHuma(d.ErrorDetail(), status))
			continue
		}
		fp := problemFor(err)
		if fp.Status >= 500 {
			p.cause = errors.Join(p.cause, err)
			continue
		}
		if len(fp.Errors) == 0 {
			fp.Errors = []*FieldProblem{{Key: fp.Key, Message: fp.Detail, params: fp.params}}
		}
		p.Errors = append(p.Errors, fp.Errors...)
	}
	if status == http.StatusBadRequest && len(p.Errors) > 0 && p.Errors[0].Location == "body" {
		p.Key, p.Detail = keyMalformed, "The request body is not valid JSON"
	}
	return p
}

var typeMessages = map[string]string{
	validation.MsgExpectedBoolean: "boolean", validation.MsgExpectedNumber: "number",
	validation.MsgExpectedInteger: "integer", validation.MsgExpectedString: "string",
	validation.MsgExpectedArray: "array", validation.MsgExpectedObject: "object",
}

// fieldFromHuma converts one huma validation error, moving the location of a
// missing property onto the property itself.
func fieldFromHuma(d *huma.ErrorDetail, status int) *FieldProblem {
	loc, msg := d.Location, d.Message
	fp := &FieldProblem{Location: loc, Message: msg}
	const reqPrefix, reqSuffix = "expected required property ", " to be present"
	switch {
	case strings.HasPrefix(msg, reqPrefix) && strings.HasSuffix(msg, reqSuffix):
		fp.Location = loc + "." + strings.TrimSuffix(strings.TrimPrefix(msg, reqPrefix), reqSuffix)
		fp.Key, fp.Message = keyFieldRequired, "This field is required"
	case strings.HasPrefix(msg, "required ") && strings.HasSuffix(msg, " parameter is missing"):
		fp.Key, fp.Message = keyFieldRequired, "This field is required"
	case msg == validation.MsgUnexpectedProperty || msg == "unknown query parameter":
		fp.Key, fp.Message = keyFieldUnknown, "This field is not known here"
	case typeMessages[msg] != "":
		fp.Key, fp.params = keyFieldType, map[string]any{"Type": typeMessages[msg]}
		fp.Message = "Expected " + typeMessages[msg]
	case loc == "body" && status == http.StatusBadRequest:
		fp.Key, fp.params = keyFieldMalformed, map[string]any{"Detail": msg}
		fp.Message = "Not valid JSON: " + msg
	default:
		fp.Key, fp.params = keyFieldInvalid, map[string]any{"Detail": msg}
	}
	fp.Field = fieldOf(fp.Location)
	return fp
}

// fieldOf strips the location's first part: body.lines[2].quantity → lines[2].quantity.
func fieldOf(loc string) string {
	for _, in := range []string{"body", "path", "query", "header", "cookie"} {
		if loc == in {
			return ""
		}
		if rest, ok := strings.CutPrefix(loc, in+"."); ok {
			return rest
		}
	}
	return loc
}

// locate sets the location of fields that a handler named by field only: a
// field named like one of the operation's parameters is that parameter,
// anything else is in the body.
func locate(p *Problem, op *huma.Operation) {
	for _, f := range p.Errors {
		if f.Location != "" {
			continue
		}
		f.Location = "body"
		if f.Field == "" {
			continue
		}
		f.Location = "body." + f.Field
		if op == nil {
			continue
		}
		for _, param := range op.Parameters {
			if param != nil && param.Name == f.Field {
				f.Location = param.In + "." + f.Field
				break
			}
		}
	}
}

// statusClientClosed is the status logged for a request whose client went
// away before the answer was ready.
const statusClientClosed = 499

// finish prepares p for sending, once: it logs the cause of a 5xx with the
// request id, hides its details, and translates the messages.
func finish(ctx context.Context, p *Problem, log *slog.Logger, attrs ...any) {
	if p.done {
		return
	}
	p.done = true
	p.RequestID = RequestID(ctx)
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Status >= 500 && ctx.Err() != nil && errors.Is(p.cause, context.Canceled) {
		// The client went away before the answer: not a fault of the server,
		// so no error in the log and no 5xx in the metrics.
		log.InfoContext(ctx, "api: client closed the request", append(attrs, "request_id", p.RequestID)...)
		*p = Problem{Type: p.Type, Title: "Client Closed Request", Status: statusClientClosed, Code: "client_closed",
			RequestID: p.RequestID, done: true, Key: keyGeneric, Detail: "The request failed"}
	}
	if p.Status >= 500 {
		cause := p.cause
		if cause == nil {
			cause = errors.New(p.Detail)
		}
		log.ErrorContext(ctx, "api: internal error", append(attrs, "request_id", p.RequestID, "status", p.Status, "err", cause)...)
		*p = Problem{Type: p.Type, Title: p.Title, Status: p.Status, Code: "internal", RequestID: p.RequestID, done: true,
			Key: keyInternal, Detail: "Something went wrong on our side; quote request id {{.RequestID}} when you report it",
			params: map[string]any{"RequestID": p.RequestID}}
	}
	lang := i18n.Lang(ctx)
	p.Detail = translate(lang, p.Key, p.Detail, p.params)
	for _, f := range p.Errors {
		f.Message = translate(lang, f.Key, f.Message, f.params)
	}
}

// translate returns the message of key in lang, or fallback (with its
// placeholders filled) when the key has no message.
func translate(lang, key, fallback string, params map[string]any) string {
	if key != "" && i18n.Has(key) {
		return i18n.TL(lang, key, params)
	}
	if strings.Contains(fallback, "{{") {
		for k, v := range params {
			fallback = strings.ReplaceAll(fallback, "{{."+k+"}}", fmt.Sprint(v))
		}
	}
	return fallback
}

// writeProblem sends p as the response to r.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem, log *slog.Logger) {
	finish(r.Context(), p, log, "method", r.Method, "path", r.URL.Path)
	w.Header().Set("Content-Type", ProblemContentType)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// transform is the huma transformer that finishes every Problem huma sends.
func (a *API) transform(ctx huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*Problem)
	if !ok {
		return v, nil
	}
	op := ctx.Operation()
	locate(p, op)
	if p.Key == keyTooLarge && p.params == nil {
		p.params = map[string]any{"Limit": a.maxBody}
	}
	attrs := []any{"method", ctx.Method()}
	if op != nil {
		attrs = append(attrs, "operation", op.OperationID)
	}
	finish(ctx.Context(), p, a.log, attrs...)
	return p, nil
}

func init() {
	huma.NewError = humaError
	huma.NewErrorWithContext = func(_ huma.Context, status int, msg string, errs ...error) huma.StatusError {
		return humaError(status, msg, errs...)
	}
	huma.ValidateStrictCasing = true
}
