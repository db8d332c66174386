//go:build !windows

package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

func checkMountPointOS(mnt string, allowNonEmpty, allowStacking bool) (string, error) {
	abs, err := filepath.Abs(mnt)
	if err != nil {
		return "", fmt.Errorf("mount point %s: %w", mnt, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, syscall.ENOTCONN), errors.Is(err, syscall.ECONNABORTED):
		return "", fmt.Errorf("mount point %s is a stale mount whose server has gone; clear it with: anyfs unmount %s", abs, abs)
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("mount point %s does not exist (create it with: mkdir -p %s)", abs, abs)
	case err != nil:
		return "", fmt.Errorf("mount point %s: %w", abs, unwrapPath(err))
	case !fi.IsDir():
		return "", fmt.Errorf("mount point %s is not a directory", abs)
	}
	if !allowStacking {
		m, ok, err := mountopt.FUSEMountAt(abs)
		if err != nil {
			return "", fmt.Errorf("mount point %s: %w", abs, err)
		}
		if ok {
			return "", fmt.Errorf("mount point %s is already a FUSE mount: %s; unmount it first (anyfs unmount %s), "+
				"or mount over it with --allow-stacking", abs, m, abs)
		}
	}
	if allowNonEmpty {
		return abs, nil
	}
	d, err := os.Open(abs)
	if err != nil {
		return "", fmt.Errorf("mount point %s: %w", abs, unwrapPath(err))
	}
	defer d.Close()
	if _, err := d.Readdirnames(1); err != io.EOF {
		if err != nil {
			return "", fmt.Errorf("mount point %s: %w", abs, unwrapPath(err))
		}
		return "", fmt.Errorf("mount point %s is not empty (use --allow-non-empty to mount over it)", abs)
	}
	return abs, nil
}
