package adapters

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// unmount unmounts the FUSE file system at mountPoint: with umount2 as root,
// fusermount3 -u otherwise. A stale mount (its server has gone) is detached
// lazily if it is busy; a live busy mount is left mounted with an error that
// says so. Every error is one line.
func unmount(mountPoint string) error {
	mnt, err := filepath.Abs(mountPoint)
	if err != nil {
		return err
	}
	m, ok, err := mountopt.MountAt(mnt)
	switch {
	case err != nil:
		return fmt.Errorf("unmount %s: %w", mnt, err)
	case !ok:
		return fmt.Errorf("%s is %w", mnt, mountopt.ErrNotMounted)
	case !m.IsFUSE():
		return fmt.Errorf("%s is not a FUSE mount (it is %s); anyfs unmounts only FUSE file systems", mnt, m)
	}
	err = mountopt.UnmountFUSE(mnt, false)
	if errors.Is(err, syscall.EBUSY) {
		if _, serr := os.Stat(mnt); errors.Is(serr, syscall.ENOTCONN) || errors.Is(serr, syscall.ECONNABORTED) {
			return mountopt.UnmountFUSE(mnt, true) // stale: nobody serves it, detach it
		}
		return fmt.Errorf("unmount %s: files on it are in use (see them with: fuser -vm %s); close them, "+
			"or stop the anyfs serving it (Ctrl-C), which detaches it after a grace period", mnt, mnt)
	}
	return err
}
