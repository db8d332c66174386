//go:build !race

package mounttest

// raceEnabled reports that the race detector is on.
const raceEnabled = false
