package fs

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

// TestErrnoOfWindows maps what the host and Go's own packages return on Windows.
func TestErrnoOfWindows(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Errno
	}{
		{"file not found", syscall.ERROR_FILE_NOT_FOUND, ENOENT},
		{"path not found, wrapped", &os.PathError{Op: "open", Path: "/a/b", Err: syscall.ERROR_PATH_NOT_FOUND}, ENOENT},
		{"access denied", windows.ERROR_ACCESS_DENIED, EACCES},
		{"directory not empty is not EEXIST", windows.ERROR_DIR_NOT_EMPTY, ENOTEMPTY},
		{"file exists", windows.ERROR_FILE_EXISTS, EEXIST},
		{"not a directory", windows.ERROR_DIRECTORY, ENOTDIR},
		{"sharing violation", windows.ERROR_SHARING_VIOLATION, EBUSY},
		{"invalid name", windows.ERROR_INVALID_NAME, EINVAL},
		// On Windows, Go's syscall.ENOTDIR is ERROR_PATH_NOT_FOUND: a missing
		// directory on the way, as os.IsNotExist says.
		{"Go's ENOTDIR is a missing path", syscall.ENOTDIR, ENOENT},
		{"Go's ELOOP (os.Root)", syscall.ELOOP, ELOOP},
		{"Go's EPERM", syscall.EPERM, EPERM},
		{"Go's EOPNOTSUPP", syscall.EOPNOTSUPP, ENOTSUP},
		{"a sentinel joined with an unknown code", errors.Join(ErrBusy, syscall.Errno(0x7fff)), EBUSY},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := ErrnoOf(tt.err); got != tt.want || !ok {
				t.Fatalf("ErrnoOf(%v) = %v, %v; want %v, true", tt.err, got, ok, tt.want)
			}
		})
	}
}
