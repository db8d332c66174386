package cli

import (
	"errors"
	"io/fs"
	"os"
)

// checkMountPoint validates a mount point before anything is mounted, so that
// a bad one gets a clear message whatever the adapter would say, and returns it
// as an absolute path. On Linux and macOS it must be an existing directory, not
// already a FUSE mount point unless allowStacking, empty unless allowNonEmpty;
// on Windows it must not exist (WinFsp creates it)
// or be a drive letter. The rules live in mountpoint_windows.go and
// mountpoint_other.go.
func checkMountPoint(mnt string, allowNonEmpty, allowStacking bool) (string, error) {
	if mnt == "" {
		return "", flagErrorf("missing mount point (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)")
	}
	return checkMountPointOS(mnt, allowNonEmpty, allowStacking)
}

// isDir reports whether name is an existing directory.
func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}

// unwrapPath drops the *fs.PathError around err, whose path the message
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
