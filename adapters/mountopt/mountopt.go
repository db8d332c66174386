// Package mountopt holds what every adapter shares: the mount options and the
// handle of a running mount. Package adapters re-exports them.
package mountopt

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Options configure a mount. The zero value mounts privately (only the mounting user
// has access) with the kernel's permission checks.
type Options struct {
	// FSName is the source shown in /proc/mounts and mount(8); empty means "anyfs".
	FSName string
	// AllowOther lets other users access the mount. It implies kernel permission
	// checks (default_permissions) unless NoDefaultPermissions is set.
	AllowOther bool
	// NoDefaultPermissions turns off the kernel's permission checks, leaving access
	// control to the volume's access rules [FUSE only].
	NoDefaultPermissions bool
	// AllowNonEmpty mounts over a non-empty directory [FUSE only].
	AllowNonEmpty bool
	// RawOptions are extra mount options, as given to mount -o.
	RawOptions []string
	// Network mounts as a network drive under this UNC prefix, such as
	// `\server\share` [Windows only].
	Network string
	// NoPassthrough never hands the kernel a backend's host descriptors for FUSE
	// passthrough (fs.PassthroughFder): every read and write is then an event
	// [FUSE on Linux only; passthrough needs Linux 6.9 or newer and root].
	NoPassthrough bool
	// Debug logs every kernel request the adapter receives.
	Debug bool
	// Logger receives adapter messages; nil means the volume's logger.
	Logger *slog.Logger
}

// Server is a running mount.
type Server interface {
	// MountPoint returns where the volume is mounted.
	MountPoint() string
	// Wait blocks until the volume is unmounted (by Unmount, or from outside with
	// `anyfs unmount` or fusermount -u) and every handle was closed.
	Wait()
	// Unmount unmounts the volume and waits until the adapter stopped serving.
	Unmount() error
}

// Errors that Mount returns, wrapped with details; test with errors.Is.
var (
	// ErrNoFUSE: no FUSE (or WinFsp) implementation is installed or usable.
	ErrNoFUSE = errors.New("FUSE is not available")
	// ErrMountPoint: the mount point is missing, not a directory, or not empty.
	ErrMountPoint = errors.New("bad mount point")
	// ErrNoAdapter: the requested adapter is not compiled into this program.
	ErrNoAdapter = errors.New("adapter not available")
)

// CheckMountPoint returns the absolute path of a FUSE mount point: an existing
// directory, empty unless allowNonEmpty. Errors wrap ErrMountPoint.
func CheckMountPoint(mountPoint string, allowNonEmpty bool) (string, error) {
	mnt, err := filepath.Abs(mountPoint)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
	}
	st, err := os.Stat(mnt)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%w: %s is not a directory", ErrMountPoint, mnt)
	}
	if !allowNonEmpty {
		d, err := os.Open(mnt)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMountPoint, err)
		}
		names, _ := d.Readdirnames(1)
		d.Close()
		if len(names) > 0 {
			return "", fmt.Errorf("%w: %s is not empty (allow it with the nonempty option)", ErrMountPoint, mnt)
		}
	}
	return mnt, nil
}
