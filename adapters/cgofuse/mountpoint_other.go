//go:build cgofuse && !windows

package cgofuse

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// installHint says what to install when FUSE is missing.
var installHint = map[string]string{
	"linux":  "install fuse3 (apt-get install fuse3, dnf install fuse3) and make sure /dev/fuse exists",
	"darwin": "install macFUSE (macfuse.github.io or `brew install --cask macfuse`)",
}[runtime.GOOS]

// checkMountPoint returns the absolute mount point: an existing directory, empty
// unless opts.AllowNonEmpty (libfuse3 itself mounts over anything). Errors wrap
// mountopt.ErrMountPoint.
func checkMountPoint(mountPoint string, opts *mountopt.Options) (string, error) {
	return mountopt.CheckMountPoint(mountPoint, opts.AllowNonEmpty)
}

// checkFUSE reports an error wrapping mountopt.ErrNoFUSE when the FUSE device is
// missing.
func checkFUSE() error {
	if runtime.GOOS != "linux" {
		return nil // macFUSE's device appears only while mounting
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("%w: %v: %s", mountopt.ErrNoFUSE, err, installHint)
	}
	return nil
}

// waitMountPoint returns at once: libfuse mounts before it starts serving, so the
// mount exists when Init runs.
func waitMountPoint(string, <-chan struct{}) error { return nil }

// unmountBusy unmounts mnt without detaching it, so that a mount still in use fails
// with EBUSY instead of lingering (cgofuse's own unmount is lazy on Linux). It
// reports false when it could not try (not privileged), leaving the unmount to
// cgofuse.
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
