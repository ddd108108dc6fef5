package db

import "time"

// Loom stores instants as BIGINT milliseconds since the Unix epoch (UTC) and
// calendar dates as TEXT 'YYYY-MM-DD' on both engines, so the same SQL sorts,
// compares and groups them the same way everywhere.

// DateLayout is the stored form of a calendar date.
const DateLayout = "2006-01-02"

// Millis converts an instant to stored milliseconds.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts stored milliseconds to a UTC time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NowMillis returns the current instant in stored milliseconds.
func NowMillis() int64 { return time.Now().UnixMilli() }
