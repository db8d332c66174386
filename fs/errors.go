package fs

import (
	"context"
	"errors"
	iofs "io/fs"
	"os"
)

// Errors a backend returns from its events. Test for them with [errors.Is]; wrap them
// with %w to add context. Where io/fs defines the same condition, the value is io/fs's,
// so os and io/fs errors need no translation.
var (
	ErrNotExist       = iofs.ErrNotExist                                // ENOENT: the file does not exist
	ErrExist          = iofs.ErrExist                                   // EEXIST: the file already exists
	ErrPermission     = iofs.ErrPermission                              // EACCES: access denied
	ErrInvalid        = iofs.ErrInvalid                                 // EINVAL: invalid argument
	ErrNotPermitted   = errors.New("operation not permitted")           // EPERM
	ErrNotEmpty       = errors.New("directory not empty")               // ENOTEMPTY
	ErrNotDir         = errors.New("not a directory")                   // ENOTDIR
	ErrIsDir          = errors.New("is a directory")                    // EISDIR
	ErrNotSupported   = errors.New("operation not supported")           // ENOTSUP
	ErrReadOnly       = errors.New("read-only file system")             // EROFS
	ErrNameTooLong    = errors.New("file name too long")                // ENAMETOOLONG
	ErrNoSpace        = errors.New("no space left on device")           // ENOSPC
	ErrFileTooLarge   = errors.New("file too large")                    // EFBIG
	ErrNoAttribute    = errors.New("no such attribute")                 // ENODATA (ENOATTR on BSD)
	ErrRange          = errors.New("result too large for buffer")       // ERANGE
	ErrBusy           = errors.New("device or resource busy")           // EBUSY
	ErrStale          = errors.New("file changed behind the volume")    // ESTALE
	ErrCrossDevice    = errors.New("cross-device link")                 // EXDEV
	ErrWouldBlock     = errors.New("resource temporarily unavailable")  // EAGAIN: a lock is held
	ErrDeadlock       = errors.New("resource deadlock would occur")     // EDEADLK
	ErrTooManyLinks   = errors.New("too many links")                    // EMLINK
	ErrLoop           = errors.New("too many levels of symbolic links") // ELOOP
	ErrBadHandle      = errors.New("bad file handle")                   // EBADF
	ErrInterrupted    = errors.New("interrupted")                       // EINTR
	ErrIO             = errors.New("input/output error")                // EIO
	ErrNotImplemented = errors.New("function not implemented")          // ENOSYS
	ErrNoSuchAddress  = errors.New("no such device or address")         // ENXIO: no data (or hole) at or after an offset
)

// Errno is a portable error code: the POSIX name of what went wrong. It is not an OS
// number; each adapter renders it with its own FUSE library's constants (go-fuse uses the
// host's syscall values, cgofuse on Windows uses WinFsp's), because the numbers differ
// between Linux, macOS and Windows. %v prints the message; String gives the name.
type Errno uint8

// The portable error codes. OK is success.
const (
	OK Errno = iota
	EPERM
	ENOENT
	EIO
	EBADF
	EAGAIN
	EACCES
	EBUSY
	EEXIST
	EXDEV
	ENOTDIR
	EISDIR
	EINVAL
	EFBIG
	ENOSPC
	EROFS
	EMLINK
	ERANGE
	EDEADLK
	ENAMETOOLONG
	ENOSYS
	ENOTEMPTY
	ELOOP
	ENODATA
	ENOTSUP
	ESTALE
	EINTR
	ENXIO
	errnoCount // number of codes; keep last
)

var errnoNames = [errnoCount]string{
	OK: "OK", EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EBADF: "EBADF",
	EAGAIN: "EAGAIN", EACCES: "EACCES", EBUSY: "EBUSY", EEXIST: "EEXIST", EXDEV: "EXDEV",
	ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", EFBIG: "EFBIG",
	ENOSPC: "ENOSPC", EROFS: "EROFS", EMLINK: "EMLINK", ERANGE: "ERANGE",
	EDEADLK: "EDEADLK", ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS",
	ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", ENODATA: "ENODATA", ENOTSUP: "ENOTSUP",
	ESTALE: "ESTALE", EINTR: "EINTR", ENXIO: "ENXIO",
}

// String returns the POSIX name of e, such as "ENOENT".
func (e Errno) String() string {
	if int(e) < len(errnoNames) {
		return errnoNames[e]
	}
	return "Errno(?)"
}

// Errnos returns every portable error code but OK, for adapters that build and test
// their translation tables.
func Errnos() []Errno {
	out := make([]Errno, 0, errnoCount-1)
	for e := OK + 1; e < errnoCount; e++ {
		out = append(out, e)
	}
	return out
}

// errorTable is the one mapping from errors to codes, tried in order with errors.Is.
// Sentinels come first; ErrNotPermitted precedes ErrPermission because os errors for
// EPERM also match io/fs.ErrPermission.
var errorTable = []struct {
	err   error
	errno Errno
}{
	{ErrNotExist, ENOENT},
	{ErrExist, EEXIST},
	{ErrNotPermitted, EPERM},
	{ErrPermission, EACCES},
	{ErrInvalid, EINVAL},
	{ErrNotEmpty, ENOTEMPTY},
	{ErrNotDir, ENOTDIR},
	{ErrIsDir, EISDIR},
	{ErrNotSupported, ENOTSUP},
	{errors.ErrUnsupported, ENOTSUP},
	{ErrReadOnly, EROFS},
	{ErrNameTooLong, ENAMETOOLONG},
	{ErrNoSpace, ENOSPC},
	{ErrFileTooLarge, EFBIG},
	{ErrNoAttribute, ENODATA},
	{ErrRange, ERANGE},
	{ErrBusy, EBUSY},
	{ErrStale, ESTALE},
	{ErrCrossDevice, EXDEV},
	{ErrWouldBlock, EAGAIN},
	{ErrDeadlock, EDEADLK},
	{ErrTooManyLinks, EMLINK},
	{ErrLoop, ELOOP},
	{ErrBadHandle, EBADF},
	{iofs.ErrClosed, EBADF},
	{ErrInterrupted, EINTR},
	{context.Canceled, EINTR},
	{context.DeadlineExceeded, EINTR},
	{os.ErrDeadlineExceeded, EINTR},
	{ErrIO, EIO},
	{ErrNotImplemented, ENOSYS},
	{ErrNoSuchAddress, ENXIO},
}

// ErrnoOf maps err to its portable code: nil is OK; an [Errno] is itself; a
// syscall.Errno (Unix, Windows) or an error wrapping one is translated from the host's
// numbering; an error that is or wraps one of the sentinels above gets that sentinel's
// code. The second result is false when nothing matched and the code is the EIO
// fallback: such errors are reported through the volume's Error event and log.
func ErrnoOf(err error) (Errno, bool) {
	if err == nil {
		return OK, true
	}
	var e Errno
	if errors.As(err, &e) {
		return e, true
	}
	if e, ok := hostErrno(err); ok {
		return e, true
	}
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			return row.errno, true
		}
	}
	return EIO, false
}

// Error makes Errno an error, so a backend can return fs.ENOTSUP directly.
func (e Errno) Error() string {
	if e == OK {
		return "success"
	}
	for _, row := range errorTable {
		if row.errno == e {
			return row.err.Error()
		}
	}
	return e.String()
}

// Is lets errors.Is(fs.ENOENT, fs.ErrNotExist) hold, and the reverse for every
// sentinel of the table.
func (e Errno) Is(target error) bool {
	for _, row := range errorTable {
		if row.errno == e && row.err == target {
			return true
		}
	}
	return false
}
