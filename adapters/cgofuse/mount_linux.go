//go:build cgofuse

package cgofuse

import (
	"errors"
	"syscall"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// forceUnmount writes back the kernel's cache, detaches the mount while files
// are in use and aborts its connection, which ends libfuse's loop.
func (s *server) forceUnmount() error { return mountopt.ForceUnmount(s.mnt, s.dev) }

// unmountBusy unmounts mnt without detaching it, so that a mount still in use
// fails with EBUSY instead of lingering (cgofuse's own unmount is lazy on
// Linux): umount2 as root, fusermount3 -u for other users. It reports false
// when it could not try, leaving the unmount to cgofuse.
func unmountBusy(mnt string) (bool, error) {
	err := mountopt.UnmountFUSE(mnt, false)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EBUSY):
		return true, err
	}
	return false, nil
}
