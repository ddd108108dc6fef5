//go:build race

package ledger_test

// raceEnabled is true when the tests run under the race detector, which
// slows the pure-Go SQLite driver more than tenfold: volume tests then run
// a fifth of their volume, still through every code path.
const raceEnabled = true
