//go:build !linux && !darwin && !windows

package fs

// lookupProcess is not available on this system.
func lookupProcess(pid uint32) (Process, error) { return Process{}, ErrNotSupported }
