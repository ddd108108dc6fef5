package admin

import (
	"errors"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/audit"
	"github.com/loom-erp/loom/internal/platform/bus"
	"github.com/loom-erp/loom/internal/platform/i18n"
	"github.com/loom-erp/loom/internal/platform/identity"
)

// Message keys of this package's own errors.
const (
	keyUnitUnknown        = "admin.error.unit_unknown"
	keyDateInvalid        = "admin.error.date_invalid"
	keyDeadLetterNotFound = "admin.error.deadletter_not_found"
	keyReplayFailed       = "admin.error.replay_failed"
	keyPasswordMismatch   = "admin.error.password_mismatch"
	keyScopeRepeated      = "admin.error.scope_repeated"
	keySortFixed          = "admin.error.sort_fixed"
)

// english is the English text of a message key, the fallback apperr keeps.
func english(key string) string { return i18n.TL(i18n.EN, key) }

// appError turns the errors of the identity service, audit.Search and the bus
// into apperr errors, keeping their message keys and the fields at fault, so
// the API answers them as problems naming each field. Any other error is
// returned as it is and becomes an internal error.
func appError(err error) error {
	if err == nil {
		return nil
	}
	if fes := identity.FieldErrors(err); len(fes) > 0 {
		return fromIdentity(fes)
	}
	var ae *audit.Error
	if errors.As(err, &ae) {
		return apperr.Invalid(ae.Field, ae.Key, english(ae.Key))
	}
	if errors.Is(err, bus.ErrNotFound) {
		return apperr.New(apperr.KindNotFound, keyDeadLetterNotFound, english(keyDeadLetterNotFound)).WithCause(err)
	}
	return err
}

// fromIdentity maps identity errors (one, or several invalid fields) to one
// apperr error.
func fromIdentity(fes []*identity.Error) *apperr.Error {
	first := fes[0]
	kind := apperr.KindUnauthorized // unauthenticated, locked, throttled
	switch first.Code {
	case identity.CodeInvalid:
		kind = apperr.KindInvalid
	case identity.CodeConflict:
		kind = apperr.KindConflict
	case identity.CodeNotFound:
		kind = apperr.KindNotFound
	case identity.CodeForbidden:
		kind = apperr.KindForbidden
	}
	if kind == apperr.KindInvalid && first.Field != "" {
		var fields []apperr.FieldError
		for _, fe := range fes {
			if fe.Code == identity.CodeInvalid && fe.Field != "" {
				fields = append(fields, apperr.FieldError{Field: apiField(fe.Field), Key: fe.Key, Message: english(fe.Key)})
			}
		}
		e, _ := apperr.InvalidFields(fields...).(*apperr.Error)
		return e
	}
	e := apperr.New(kind, first.Key, english(first.Key))
	if first.Field != "" {
		e.AddField(apiField(first.Field), first.Key, english(first.Key))
	}
	return e
}

// apiField names an identity field as the API's requests do: the user an
// operation acts on is the {id} of its path.
func apiField(field string) string {
	if field == "user_id" {
		return "id"
	}
	return field
}

// formErrors returns the message key of each field a user got wrong, by
// field; a fault of no particular field is under "". It returns nil for an
// error that is not the user's mistake (missing records included), which a
// screen answers with an error page instead.
func formErrors(err error) map[string]string {
	if apperr.KindOf(appError(err)) == apperr.KindNotFound {
		return nil
	}
	out := map[string]string{}
	add := func(field, key string) {
		if _, dup := out[field]; !dup {
			out[field] = key
		}
	}
	if fes := identity.FieldErrors(err); len(fes) > 0 {
		for _, fe := range fes {
			add(fe.Field, fe.Key)
		}
		return out
	}
	var ae *audit.Error
	if errors.As(err, &ae) {
		add(ae.Field, ae.Key)
		return out
	}
	return nil
}

// formProblem is the status and the field errors of a form the user got
// wrong; a key under a field the form does not show moves to "", the
// message shown above the form.
func formProblem(err error, shown ...string) (int, map[string]string, bool) {
	errs := formErrors(err)
	if errs == nil {
		return 0, nil, false
	}
	for field, key := range errs {
		if field == "" {
			continue
		}
		known := false
		for _, s := range shown {
			known = known || s == field
		}
		if !known {
			delete(errs, field)
			if _, ok := errs[""]; !ok {
				errs[""] = key
			}
		}
	}
	return apperr.Status(appError(err)), errs, true
}
