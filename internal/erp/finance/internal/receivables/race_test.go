//go:build race

package receivables_test

// raceEnabled is true when the tests run under the race detector, which
// slows the pure-Go SQLite driver more than tenfold: the state machine then
// runs fewer random sequences.
const raceEnabled = true
