package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsRetryable reports whether err is a transient conflict after which the
// whole transaction may run again: SQLite busy or locked, PostgreSQL
// serialization failure (40001) or deadlock (40P01).
func IsRetryable(err error) bool {
	if errors.Is(err, errGroupAborted) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique or primary-key violation.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsCheckViolation reports whether err comes from a CHECK constraint or a
// trigger that refused the change (posted rows are guarded that way).
func IsCheckViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_CHECK || c == sqlite3.SQLITE_CONSTRAINT_TRIGGER
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23514" || pe.Code == "P0001"
	}
	return false
}
