//go:build race

package memfs_test

const raceEnabled = true
