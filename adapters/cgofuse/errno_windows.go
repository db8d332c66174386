package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/adapters/internal/fuseutil"
	"github.com/anyfs/anyfs/fs"
)

// errnos renders the volume's portable codes with cgofuse's constants, which carry
// the numbers of the FUSE layer cgofuse talks to (WinFsp's own numbering on Windows,
// where ENOSYS is 40 and syscall.E* values mean something else). The table test
// checks that every fs.Errnos() code has a row.
var errnos = fuseutil.Errnos[int]{
	fs.OK:           0,
	fs.EPERM:        fuse.EPERM,
	fs.ENOENT:       fuse.ENOENT,
	fs.EIO:          fuse.EIO,
	fs.EBADF:        fuse.EBADF,
	fs.EAGAIN:       fuse.EAGAIN,
	fs.EACCES:       fuse.EACCES,
	fs.EBUSY:        fuse.EBUSY,
	fs.EEXIST:       fuse.EEXIST,
	fs.EXDEV:        fuse.EXDEV,
	fs.ENOTDIR:      fuse.ENOTDIR,
	fs.EISDIR:       fuse.EISDIR,
	fs.EINVAL:       fuse.EINVAL,
	fs.EFBIG:        fuse.EFBIG,
	fs.ENOSPC:       fuse.ENOSPC,
	fs.EROFS:        fuse.EROFS,
	fs.EMLINK:       fuse.EMLINK,
	fs.ERANGE:       fuse.ERANGE,
	fs.EDEADLK:      fuse.EDEADLK,
	fs.ENAMETOOLONG: fuse.ENAMETOOLONG,
	fs.ENOSYS:       fuse.ENOSYS,
	fs.ENOTEMPTY:    fuse.ENOTEMPTY,
	fs.ELOOP:        fuse.ELOOP,
	fs.ENODATA:      fuse.ENOATTR, // ENODATA on Windows
	fs.ENOTSUP:      fuse.ENOTSUP,
	fs.ESTALE:       fuse.EIO, // no ESTALE: "changed behind the volume" fails the request with EIO
	fs.EINTR:        fuse.EINTR,
	fs.ENXIO:        fuse.ENXIO,
}

// errc renders err as cgofuse wants it: 0 for success, a negative error number
// otherwise. Errors no row matches are EIO (the volume has already reported them
// through its Error event and log).
