package db

import "github.com/google/uuid"

// NewID returns a new UUIDv7 as a string: time-ordered, so new rows land at
// the end of primary-key indexes.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// ValidID reports whether s is a well-formed UUID.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
