//go:build !unix

package fs

// hostErrno reports no match: outside Unix, syscall.Errno values are the host's own
// error codes (Windows ERROR_*), which backends do not return for file errors; os
// errors still map through the sentinels they wrap.
func hostErrno(error) (Errno, bool) { return 0, false }
