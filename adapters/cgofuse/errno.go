//go:build windows || cgofuse

package cgofuse

// errc renders err as cgofuse wants it: 0 for success, a negative error number
// otherwise (the table errnos, of errno_unix.go or errno_windows.go). Errors no
// row matches are EIO (the volume has already reported them through its Error
// event and log).
func errc(err error) int { return -errnos.Of(err) }
