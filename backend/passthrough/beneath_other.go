//go:build darwin || freebsd

package passthrough

// openBeneath reports that the caller must walk the path itself: these systems
// have no openat2.
func openBeneath(rootFd int, dir string) (fd int, ok bool, err error) { return -1, false, nil }
