package adapters

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// unmount tries unmount(2), then umount(8), then a forced diskutil unmount, which
// also detaches a stale mount whose daemon is gone.
func unmount(mountPoint string) error {
	mnt, err := filepath.Abs(mountPoint)
	if err != nil {
		return err
	}
	if _, ok, err := mountopt.MountAt(mnt); err == nil && !ok {
		return fmt.Errorf("%s is %w", mnt, mountopt.ErrNotMounted)
	}
	if err := unix.Unmount(mnt, 0); err == nil {
		return nil
	}
	out, err := exec.Command("umount", mnt).CombinedOutput()
	if err == nil {
		return nil
	}
	out2, err2 := exec.Command("diskutil", "unmount", "force", mnt).CombinedOutput()
	if err2 == nil {
		return nil
	}
	out = append(out, out2...)
	return fmt.Errorf("unmount %s: %v: %s", mnt, err, strings.Join(strings.Fields(string(out)), " "))
}
