//go:build !unix && !windows

package fs

// hostErrno reports no match: outside Unix and Windows, syscall.Errno values are
// not file error codes a backend returns; os errors still map through the
// sentinels they wrap.
func hostErrno(error) (Errno, bool) { return 0, false }
