//go:build linux || darwin

package gofuse

import (
	"syscall"

	"github.com/anyfs/anyfs/fs"
)

// errnos renders the volume's portable codes with the host's numbers. The table
// test checks that every fs.Errnos() code has a row.
var errnos = map[fs.Errno]syscall.Errno{
	fs.OK:           0,
	fs.EPERM:        syscall.EPERM,
	fs.ENOENT:       syscall.ENOENT,
	fs.EIO:          syscall.EIO,
	fs.EBADF:        syscall.EBADF,
	fs.EAGAIN:       syscall.EAGAIN,
	fs.EACCES:       syscall.EACCES,
	fs.EBUSY:        syscall.EBUSY,
	fs.EEXIST:       syscall.EEXIST,
	fs.EXDEV:        syscall.EXDEV,
	fs.ENOTDIR:      syscall.ENOTDIR,
	fs.EISDIR:       syscall.EISDIR,
	fs.EINVAL:       syscall.EINVAL,
	fs.EFBIG:        syscall.EFBIG,
	fs.ENOSPC:       syscall.ENOSPC,
	fs.EROFS:        syscall.EROFS,
	fs.EMLINK:       syscall.EMLINK,
	fs.ERANGE:       syscall.ERANGE,
	fs.EDEADLK:      syscall.EDEADLK,
	fs.ENAMETOOLONG: syscall.ENAMETOOLONG,
	fs.ENOSYS:       syscall.ENOSYS,
	fs.ENOTEMPTY:    syscall.ENOTEMPTY,
	fs.ELOOP:        syscall.ELOOP,
	fs.ENODATA:      errNoAttr, // ENODATA on Linux, ENOATTR on macOS
	fs.ENOTSUP:      syscall.ENOTSUP,
	fs.ESTALE:       syscall.ESTALE,
	fs.EINTR:        syscall.EINTR,
	fs.ENXIO:        syscall.ENXIO,
}

// toErrno renders err for the kernel. Errors no row matches are EIO (the volume has
// already reported them through its Error event and log).
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	code, _ := fs.ErrnoOf(err)
	if e, ok := errnos[code]; ok {
		return e
	}
	return syscall.EIO
}
