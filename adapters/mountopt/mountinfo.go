package mountopt

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// Mount is a mounted file system, as the system's mount table lists it
// (/proc/self/mountinfo on Linux).
type Mount struct {
	Source     string // such as "anyfs-mem"
	FSType     string // such as "fuse.anyfs"
	MountPoint string
	// Major and Minor are the device number of its files (st_dev); on Linux a
	// FUSE mount's Minor is its connection number in /sys/fs/fuse/connections.
	Major, Minor uint32
}

func (m Mount) String() string { return fmt.Sprintf("%s (type %s)", m.Source, m.FSType) }

// IsFUSE reports whether m is a FUSE file system.
func (m Mount) IsFUSE() bool {
	t := m.FSType
	return t == "fuse" || t == "fuseblk" || strings.HasPrefix(t, "fuse.") || strings.HasPrefix(t, "fuseblk.") ||
		t == "macfuse" || t == "osxfuse" // macOS
}

// MountAt returns the topmost file system mounted at dir, and false when dir is
// not a mount point. dir may be a stale FUSE mount, whose server has gone.
func MountAt(dir string) (Mount, bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Mount{}, false, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real // the mount table names resolved paths; a stale mount does not resolve
	}
	infos, err := mountinfo.GetMounts(func(i *mountinfo.Info) (skip, stop bool) {
		return i.Mountpoint != abs, false
	})
	if err != nil {
		return Mount{}, false, fmt.Errorf("reading the mount table: %w", err)
	}
	if len(infos) == 0 {
		return Mount{}, false, nil
	}
	top := infos[len(infos)-1] // later mounts cover earlier ones
	return Mount{Source: top.Source, FSType: top.FSType, MountPoint: top.Mountpoint,
		Major: uint32(top.Major), Minor: uint32(top.Minor)}, true, nil
}

// FUSEMountAt returns the topmost file system mounted at dir if it is a FUSE
// file system.
func FUSEMountAt(dir string) (Mount, bool, error) {
	m, ok, err := MountAt(dir)
	if err != nil || !ok || !m.IsFUSE() {
		return Mount{}, false, err
	}
	return m, true, nil
}
