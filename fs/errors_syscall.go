//go:build unix || windows

package fs

import (
	"errors"
	"syscall"
)

// hostErrnos maps the host's errno values to portable codes. On Windows these are the
// E* values Go's own packages return there (os.Root answers syscall.ENOTDIR, ...);
// errors_windows.go adds the Windows error codes (ERROR_*).
var hostErrnos = map[syscall.Errno]Errno{
	syscall.EPERM: EPERM, syscall.ENOENT: ENOENT, syscall.EIO: EIO, syscall.EBADF: EBADF,
	syscall.EAGAIN: EAGAIN, syscall.EACCES: EACCES, syscall.EBUSY: EBUSY,
	syscall.EEXIST: EEXIST, syscall.EXDEV: EXDEV, syscall.ENOTDIR: ENOTDIR,
	syscall.EISDIR: EISDIR, syscall.EINVAL: EINVAL, syscall.EFBIG: EFBIG,
	syscall.ENOSPC: ENOSPC, syscall.EROFS: EROFS, syscall.EMLINK: EMLINK,
	syscall.ERANGE: ERANGE, syscall.EDEADLK: EDEADLK, syscall.ENAMETOOLONG: ENAMETOOLONG,
	syscall.ENOSYS: ENOSYS, syscall.ENOTEMPTY: ENOTEMPTY, syscall.ELOOP: ELOOP,
	errNoAttr: ENODATA, syscall.ENOTSUP: ENOTSUP, syscall.ESTALE: ESTALE,
	syscall.EINTR: EINTR, syscall.ENXIO: ENXIO,
}

func init() {
	// EOPNOTSUPP equals ENOTSUP on Linux but not on the BSDs.
	if _, ok := hostErrnos[syscall.EOPNOTSUPP]; !ok {
		hostErrnos[syscall.EOPNOTSUPP] = ENOTSUP
	}
}

func hostErrno(err error) (Errno, bool) {
	var se syscall.Errno
	if !errors.As(err, &se) {
		return 0, false
	}
	if e, ok := hostErrnos[se]; ok {
		return e, true
	}
	return EIO, false
}
