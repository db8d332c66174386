package fs

import (
	"syscall"

	"golang.org/x/sys/windows"
)

const errNoAttr = syscall.ENODATA

// windowsErrnos are the Windows error codes of file operations, as the POSIX
// call that failed the same way would report them. Their values never collide
// with the E* values Go invents on Windows (those start at APPLICATION_ERROR),
// except syscall.ENOENT and syscall.ENOTDIR, which are ERROR_FILE_NOT_FOUND and
// ERROR_PATH_NOT_FOUND: both mean ENOENT, as os.IsNotExist says.
var windowsErrnos = map[syscall.Errno]Errno{
	windows.ERROR_FILE_NOT_FOUND:        ENOENT,
	windows.ERROR_PATH_NOT_FOUND:        ENOENT,
	windows.ERROR_INVALID_DRIVE:         ENOENT,
	windows.ERROR_BAD_NETPATH:           ENOENT,
	windows.ERROR_DELETE_PENDING:        ENOENT,
	windows.ERROR_ACCESS_DENIED:         EACCES,
	windows.ERROR_PRIVILEGE_NOT_HELD:    EPERM,
	windows.ERROR_FILE_EXISTS:           EEXIST,
	windows.ERROR_ALREADY_EXISTS:        EEXIST,
	windows.ERROR_DIR_NOT_EMPTY:         ENOTEMPTY,
	windows.ERROR_DIRECTORY:             ENOTDIR,
	windows.ERROR_INVALID_HANDLE:        EBADF,
	windows.ERROR_NOT_SAME_DEVICE:       EXDEV,
	windows.ERROR_WRITE_PROTECT:         EROFS,
	windows.ERROR_SHARING_VIOLATION:     EBUSY,
	windows.ERROR_LOCK_VIOLATION:        EBUSY,
	windows.ERROR_BUSY:                  EBUSY,
	windows.ERROR_DISK_FULL:             ENOSPC,
	windows.ERROR_HANDLE_DISK_FULL:      ENOSPC,
	windows.ERROR_FILE_TOO_LARGE:        EFBIG,
	windows.ERROR_TOO_MANY_LINKS:        EMLINK,
	windows.ERROR_FILENAME_EXCED_RANGE:  ENAMETOOLONG,
	windows.ERROR_INVALID_PARAMETER:     EINVAL,
	windows.ERROR_INVALID_NAME:          EINVAL,
	windows.ERROR_BAD_PATHNAME:          EINVAL,
	windows.ERROR_NEGATIVE_SEEK:         EINVAL,
	windows.ERROR_NOT_A_REPARSE_POINT:   EINVAL,
	windows.ERROR_INVALID_FUNCTION:      ENOTSUP,
	windows.ERROR_NOT_SUPPORTED:         ENOTSUP,
	windows.ERROR_EAS_NOT_SUPPORTED:     ENOTSUP,
	windows.ERROR_CALL_NOT_IMPLEMENTED:  ENOSYS,
	windows.ERROR_CANT_RESOLVE_FILENAME: ELOOP,
	windows.ERROR_OPERATION_ABORTED:     EINTR,
}

func init() {
	for code, e := range windowsErrnos {
		hostErrnos[code] = e
	}
}
