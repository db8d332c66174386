package adapters

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// unmount tries fusermount3 -u, then fusermount -u, then (as root) a lazy
// unmount(2), which also detaches a stale mount whose daemon is gone.
func unmount(mountPoint string) error {
	mnt, err := filepath.Abs(mountPoint)
	if err != nil {
		return err
	}
	var errs []error
	for _, bin := range []string{"fusermount3", "fusermount"} {
		path, err := exec.LookPath(bin)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, "-u", mnt).CombinedOutput()
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s -u: %v: %s", bin, err, strings.TrimSpace(string(out))))
	}
	if os.Geteuid() == 0 {
		err := unix.Unmount(mnt, unix.MNT_DETACH)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("umount2(MNT_DETACH): %w", err))
	}
	if len(errs) == 0 {
		return fmt.Errorf("unmount %s: %w: fusermount3 is not installed (apt-get install fuse3)", mnt, ErrNoFUSE)
	}
	return fmt.Errorf("unmount %s: %w", mnt, errors.Join(errs...))
}
