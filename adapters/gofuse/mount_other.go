//go:build !linux && !darwin

package gofuse

import (
	"fmt"
	"runtime"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// Supported reports whether this build can mount with go-fuse.
const Supported = false

// Mount fails: go-fuse does not run on this system.
func Mount(v *fs.Volume, mountPoint string, opts *mountopt.Options) (mountopt.Server, error) {
	return nil, fmt.Errorf("gofuse on %s: %w", runtime.GOOS, mountopt.ErrNoAdapter)
}
