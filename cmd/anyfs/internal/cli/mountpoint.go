package cli

import "os"

// checkMountPoint validates a mount point before anything is mounted, so that
// a bad one gets a clear message whatever the adapter would say, and returns it
// as an absolute path. On Linux and macOS it must be an existing directory,
// empty unless allowNonEmpty; on Windows it must not exist (WinFsp creates it)
// or be a drive letter. The rules live in mountpoint_windows.go and
// mountpoint_other.go.
func checkMountPoint(mnt string, allowNonEmpty bool) (string, error) {
	if mnt == "" {
		return "", flagErrorf("missing mount point (usage: anyfs mount [BACKEND[:ARG]] MOUNTPOINT)")
	}
	return checkMountPointOS(mnt, allowNonEmpty)
}

// isDir reports whether name is an existing directory.
func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}
