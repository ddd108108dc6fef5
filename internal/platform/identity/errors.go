package identity

import "net/http"

// Code is the kind of an identity error, for callers that map errors to
// HTTP statuses or choose how to react.
type Code string

// Error codes.
const (
	CodeInvalid         Code = "invalid"         // bad input; Field names it
	CodeConflict        Code = "conflict"        // the value is taken
	CodeNotFound        Code = "not_found"       // no such user, role, team or token
	CodeUnauthenticated Code = "unauthenticated" // wrong or missing credentials
	CodeForbidden       Code = "forbidden"       // the caller lacks a permission
	CodeLocked          Code = "locked"          // the account is locked for a while
	CodeThrottled       Code = "throttled"       // too many attempts from one address
)

// Error is a typed identity error: the kind, the input field at fault (if
// any) and the i18n key of the message to show. It never carries internals.
type Error struct {
	Code  Code
	Field string
	Key   string
}

// Error describes the fault for logs.
func (e *Error) Error() string {
	if e.Field != "" {
		return "identity: " + e.Field + ": " + e.Key
	}
	return "identity: " + e.Key
}

// Is matches another *Error with the same code and key, so callers can test
// errors.Is(err, identity.ErrLocked).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Key == e.Key && (t.Field == "" || t.Field == e.Field)
}

// HTTPStatus is the status an HTTP handler answers with for the error.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeInvalid:
		return http.StatusUnprocessableEntity
	case CodeConflict:
		return http.StatusConflict
	case CodeNotFound:
		return http.StatusNotFound
	case CodeForbidden:
		return http.StatusForbidden
	case CodeThrottled:
		return http.StatusTooManyRequests
	}
	return http.StatusUnauthorized // unauthenticated, locked
}

// Errors callers test for with errors.Is.
var (
	ErrInvalidCredentials = &Error{Code: CodeUnauthenticated, Key: "identity.error.invalid_credentials"}
	ErrLocked             = &Error{Code: CodeLocked, Key: "identity.error.locked"}
	ErrThrottled          = &Error{Code: CodeThrottled, Key: "identity.error.throttled"}
	ErrDisabled           = &Error{Code: CodeUnauthenticated, Key: "identity.error.disabled"}
	ErrSessionInvalid     = &Error{Code: CodeUnauthenticated, Key: "identity.error.session_invalid"}
	ErrTokenInvalid       = &Error{Code: CodeUnauthenticated, Key: "identity.error.token_invalid"}
	ErrUnauthenticated    = &Error{Code: CodeUnauthenticated, Key: "identity.error.unauthenticated"}
	ErrForbidden          = &Error{Code: CodeForbidden, Key: "identity.error.forbidden"}
	ErrUserNotFound       = &Error{Code: CodeNotFound, Key: "identity.error.user_not_found"}
	ErrRoleNotFound       = &Error{Code: CodeNotFound, Key: "identity.error.role_not_found"}
	ErrTokenNotFound      = &Error{Code: CodeNotFound, Key: "identity.error.token_not_found"}
)

// Keys of field errors.
const (
	keyRequired        = "identity.error.required"
	keyTooLong         = "identity.error.too_long"
	keyLoginInvalid    = "identity.error.login_invalid"
	keyLoginTaken      = "identity.error.login_taken"
	keyEmailInvalid    = "identity.error.email_invalid"
	keyLocaleInvalid   = "identity.error.locale_invalid"
	keyTeamUnknown     = "identity.error.team_unknown"
	keyTeamTaken       = "identity.error.team_taken"
	keyRoleUnknown     = "identity.error.role_unknown"
	keyRoleInvalid     = "identity.error.role_name_invalid"
	keyRoleTaken       = "identity.error.role_taken"
	keyAdminFixed      = "identity.error.admin_role_fixed"
	keyPermUnknown     = "identity.error.permission_unknown"
	keyScopeInvalid    = "identity.error.scope_invalid"
	keyPasswordShort   = "identity.error.password_too_short"
	keyPasswordLong    = "identity.error.password_too_long"
	keyPasswordWrong   = "identity.error.password_wrong"
	keyGrantExceedsOwn = "identity.error.grant_exceeds_own"
	keyLastAdmin       = "identity.error.last_admin"
	keyExpiryPast      = "identity.error.expiry_past"
	keyLimitRange      = "identity.error.limit_range"
	keyStatusInvalid   = "identity.error.status_invalid"
)

func fieldErr(code Code, field, key string) *Error {
	return &Error{Code: code, Field: field, Key: key}
}

func invalid(field, key string) *Error { return fieldErr(CodeInvalid, field, key) }
