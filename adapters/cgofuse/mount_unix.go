//go:build cgofuse && (linux || darwin)

package cgofuse

import (
	"fmt"
	"os"
	"runtime"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// checkMountPoint returns the absolute mount point: an existing directory, not a
// FUSE mount point unless opts.AllowStacking, empty unless opts.AllowNonEmpty
// (libfuse3 itself mounts over anything). Errors wrap mountopt.ErrMountPoint.
func checkMountPoint(mountPoint string, opts *mountopt.Options) (string, error) {
	return mountopt.CheckMountPoint(mountPoint, opts)
}

// checkFUSE reports what keeps this user from mounting at mnt (on Linux: the
// FUSE device, fusermount3, /etc/fuse.conf, the mount point's permissions), so
// that the error says why instead of libfuse's message on stderr. Errors wrap
// mountopt.ErrNoFUSE or ErrNotAllowed.
func checkFUSE(mnt string, opts *mountopt.Options) error {
	if runtime.GOOS != "linux" {
		return nil // macFUSE's device appears only while mounting
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("%w: %v: %s", mountopt.ErrNoFUSE, err, mountopt.InstallHint)
	}
	return mountopt.CheckAccess(mnt, opts)
}

// waitMountPoint returns at once: libfuse mounts before it starts serving, so the
// mount exists when Init runs.
func waitMountPoint(string, <-chan struct{}) error { return nil }

// recordMount remembers the mount's device number, which ForceUnmount needs to
// abort the connection.
func (s *server) recordMount() {
	s.dev, _, _ = mountopt.MountAt(s.mnt)
}
