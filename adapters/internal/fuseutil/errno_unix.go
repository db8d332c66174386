//go:build linux || darwin

package fuseutil

import (
	"syscall"

	"github.com/anyfs/anyfs/fs"
)

// HostErrnos renders the volume's portable codes with the host's numbers, which
// the kernel's FUSE and libfuse take.
var HostErrnos = Errnos[syscall.Errno]{
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
	fs.ENODATA:      NoAttr,
	fs.ENOTSUP:      syscall.ENOTSUP,
	fs.ESTALE:       syscall.ESTALE,
	fs.EINTR:        syscall.EINTR,
	fs.ENXIO:        syscall.ENXIO,
}
