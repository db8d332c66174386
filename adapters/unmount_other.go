//go:build !linux && !darwin

package adapters

import (
	"fmt"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// unmount: WinFsp mounts end with the process that serves them (or its Unmount);
// there is no external unmount command to call.
func unmount(mountPoint string) error {
	return fmt.Errorf("unmount %s: %w: stop the process serving the mount", mountPoint, mountopt.ErrNoAdapter)
}
