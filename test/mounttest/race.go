//go:build race

package mounttest

// raceEnabled reports that the race detector is on: tests that create many files
// create fewer, since every system call of a backend runs several times slower.
const raceEnabled = true
