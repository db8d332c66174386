//go:build cgofuse

package cgofuse

import (
	"errors"
	"fmt"
	"syscall"
)

// forceUnmount unmounts with MNT_FORCE, which macOS allows while files are open.
func (s *server) forceUnmount() error {
	if err := syscall.Unmount(s.mnt, syscall.MNT_FORCE); err != nil {
		return fmt.Errorf("unmount %s: %w", s.mnt, err)
	}
	return nil
}

// unmountBusy unmounts mnt without forcing it, so that a mount still in use
// fails with EBUSY. It reports false when it could not try (not permitted),
// leaving the unmount to cgofuse.
func unmountBusy(mnt string) (bool, error) {
	err := syscall.Unmount(mnt, 0)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EBUSY):
		return true, fmt.Errorf("unmount %s: %w", mnt, err)
	}
	return false, nil
}
