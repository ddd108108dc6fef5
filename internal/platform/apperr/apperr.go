// Package apperr holds the typed errors Loom's services return: what went
// wrong (a Kind), an i18n key with an English fallback message, and the input
// fields at fault.
//
// Services return these errors; the web UI and the REST API turn them into
// responses in the user's language. Any other error is treated as internal:
// it is logged, and users see only a generic message and the request id, so
// no internals (SQL, file paths, stack traces) ever reach them.
//
//	if !validEmail(in.Email) {
//		return apperr.Invalid("email", "crm.lead.error.email_invalid", "Enter a valid e-mail address")
//	}
//	return apperr.NotFound("lead", id)
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind says what class of failure an error is; it decides the HTTP status.
type Kind string

// The kinds of application errors.
const (
	KindInvalid      Kind = "invalid"      // the input is wrong; Fields names the bad fields (422)
	KindNotFound     Kind = "not_found"    // the record does not exist or the user may not see it (404)
	KindConflict     Kind = "conflict"     // the change clashes with the current data, such as a duplicate (409)
	KindForbidden    Kind = "forbidden"    // the user may not do this (403)
	KindUnauthorized Kind = "unauthorized" // nobody is logged in (401)
	KindPrecondition Kind = "precondition" // the record's state or version does not allow the change (412)
	KindInternal     Kind = "internal"     // a fault of Loom itself; never shown in detail (500)
)

// Status returns the HTTP status code of the kind; unknown kinds give 500.
func (k Kind) Status() int {
	switch k {
	case KindInvalid:
		return http.StatusUnprocessableEntity
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindForbidden:
		return http.StatusForbidden
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindPrecondition:
		return http.StatusPreconditionFailed
	}
	return http.StatusInternalServerError
}

// Default message keys, translated in this package's locales.
const (
	KeyInvalid          = "apperr.invalid"
	KeyNotFound         = "apperr.not_found"
	KeyPermissionDenied = "apperr.permission_denied"
	KeyUnauthorized     = "apperr.unauthorized"
	KeyInternal         = "apperr.internal"
)

// FieldError names one bad input field.
type FieldError struct {
	// Field is the path of the field in the input, such as "email" or "lines[2].quantity".
	Field string
	// Key is the i18n key of the message, such as "crm.lead.error.email_invalid".
	Key string
	// Message is the English text, shown when no translation exists.
	Message string
	// Params fills the placeholders of the translated message.
	Params map[string]any
}

// Error is an application error.
type Error struct {
	Kind Kind
	// Key is the i18n key of the message.
	Key string
	// Message is the English text, shown when no translation exists.
	Message string
	// Params fills the placeholders of the translated message.
	Params map[string]any
	// Fields lists the bad input fields of a KindInvalid error.
	Fields []FieldError
	// Cause is the underlying error, for logs only; it is never shown to users.
	Cause error
}

// Error describes e for logs, cause included.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	b.WriteString(": ")
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, f.Message)
		if i == len(e.Fields)-1 {
			b.WriteString(")")
		}
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is and errors.As see through e.
func (e *Error) Unwrap() error { return e.Cause }

// Status returns the HTTP status code of e.
func (e *Error) Status() int { return e.Kind.Status() }

// WithCause returns e with its cause set, for logs.
func (e *Error) WithCause(err error) *Error {
	e.Cause = err
	return e
}

// WithParams returns e with its message placeholders set.
func (e *Error) WithParams(params map[string]any) *Error {
	e.Params = params
	return e
}

// AddField adds a bad field to e and returns e.
func (e *Error) AddField(field, key, msg string) *Error {
	e.Fields = append(e.Fields, FieldError{Field: field, Key: key, Message: msg})
	return e
}

// New returns an error of any kind.
func New(kind Kind, key, msg string) *Error {
	return &Error{Kind: kind, Key: key, Message: msg}
}

// Invalid reports one bad input field; add more with AddField.
func Invalid(field, key, msg string) *Error {
	e := New(KindInvalid, KeyInvalid, "The input is not valid")
	return e.AddField(field, key, msg)
}

// InvalidFields returns a KindInvalid error naming every field given, or nil
// when there is none, so a validator can collect problems and return once.
func InvalidFields(fields ...FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	e := New(KindInvalid, KeyInvalid, "The input is not valid")
	e.Fields = fields
	return e
}

// NotFound reports that a record of a kind (such as "lead") with the id does
// not exist, or that the user may not see it.
func NotFound(what, id string) *Error {
	return New(KindNotFound, KeyNotFound, fmt.Sprintf("%s %s was not found", what, id)).
		WithParams(map[string]any{"What": what, "ID": id})
}

// Conflict reports a change that clashes with the current data.
func Conflict(key, msg string) *Error { return New(KindConflict, key, msg) }

// Forbidden reports that the user may not do what was asked.
func Forbidden(key, msg string) *Error { return New(KindForbidden, key, msg) }

// PermissionDenied reports that the user lacks a permission, such as "crm.quote.approve".
func PermissionDenied(perm string) *Error {
	return New(KindForbidden, KeyPermissionDenied, fmt.Sprintf("You need the permission %s to do this", perm)).
		WithParams(map[string]any{"Permission": perm})
}

// Unauthorized reports that nobody is logged in.
func Unauthorized() *Error {
	return New(KindUnauthorized, KeyUnauthorized, "Please sign in")
}

// Precondition reports that a record's state or version does not allow the change.
func Precondition(key, msg string) *Error { return New(KindPrecondition, key, msg) }

// Internal wraps a fault of Loom itself. Users see a generic message; err is logged.
func Internal(err error) *Error {
	return New(KindInternal, KeyInternal, "Something went wrong on our side").WithCause(err)
}

// As returns the application error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err: the kind of the application error in its
// chain, KindInternal for any other error, and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is an application error of the kind.
func IsKind(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// Status returns the HTTP status code for err: 500 for anything that is not
// an application error.
func Status(err error) int { return KindOf(err).Status() }
