//go:build !race

package memfs_test

const raceEnabled = false
