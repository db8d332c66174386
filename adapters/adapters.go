// Package adapters mounts an [fs.Volume] with the FUSE adapter of the running system:
// go-fuse on Linux and macOS, cgofuse (WinFsp) on Windows. What every adapter
// shares, the mount options, the running mount and the errors of mounting, is
// package mountopt's: a mount takes a [mountopt.Options] and returns a
// [mountopt.Server], and its errors wrap mountopt.ErrNoFUSE and the other errors
// there.
package adapters

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// Adapter names.
const (
	GoFUSE  = "gofuse"
	CgoFUSE = "cgofuse"
)

// mountFunc is what an adapter package offers: its Mount.
type mountFunc func(v *fs.Volume, mountPoint string, opts *mountopt.Options) (mountopt.Server, error)

// mounts are the adapters compiled into this program that run on this system.
// Each registers itself from a file of its own whose build constraint says where
// it runs: gofuse.go (Linux, macOS) and cgofuse.go (Windows always; Linux and
// macOS with the build tag cgofuse).
var mounts = map[string]mountFunc{}

// register records an adapter's Mount under its name.
func register(name string, mount mountFunc) { mounts[name] = mount }

// Default returns the adapter Mount uses when none is named.
func Default() string {
	if runtime.GOOS == "windows" {
		return CgoFUSE
	}
	return GoFUSE
}

// Available returns the adapters compiled into this program that can run on this
// system, the default first.
func Available() []string {
	var out []string
	for _, name := range []string{Default(), GoFUSE, CgoFUSE} {
		if _, ok := mounts[name]; ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// Mount mounts v at mountPoint with the named adapter ("" picks Default) and
// returns the running server. opts may be nil.
func Mount(v *fs.Volume, mountPoint string, adapter string, opts *mountopt.Options) (mountopt.Server, error) {
	if adapter == "" {
		adapter = Default()
	}
	if mount, ok := mounts[adapter]; ok {
		return mount(v, mountPoint, opts)
	}
	switch adapter {
	case GoFUSE:
		return nil, fmt.Errorf("%w: %s", mountopt.ErrNoAdapter, mountopt.AdapterHint(GoFUSE))
	case CgoFUSE:
		return nil, fmt.Errorf("%w: built without the cgofuse adapter: %s", mountopt.ErrNoAdapter, mountopt.AdapterHint(CgoFUSE))
	}
	return nil, fmt.Errorf("%w: unknown adapter %q (known: %s, %s)", mountopt.ErrNoAdapter, adapter, GoFUSE, CgoFUSE)
}

// Unmount unmounts the FUSE file system at mountPoint from outside the process
// serving it, also when that process died and left a stale mount ("transport
// endpoint is not connected"). A directory that is not a mount point gives an
// error wrapping mountopt.ErrNotMounted.
func Unmount(mountPoint string) error {
	return unmount(mountPoint)
}
