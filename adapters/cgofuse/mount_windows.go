package cgofuse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// checkMountPoint accepts a drive letter ("X:"), "*" (WinFsp picks a free drive
// letter) or a directory that does not exist yet in an existing directory (WinFsp
// creates it). Errors wrap mountopt.ErrMountPoint.
func checkMountPoint(mountPoint string, opts *mountopt.Options) (string, error) {
	if mountPoint == "*" || isDrive(mountPoint) {
		return mountPoint, nil
	}
	if mountPoint == "" {
		if opts.Network != "" {
			return "", nil // the volume is reached by its UNC prefix only
		}
		return "", fmt.Errorf("%w: no mount point", mountopt.ErrMountPoint)
	}
	mnt, err := filepath.Abs(mountPoint)
	if err != nil {
		return "", fmt.Errorf("%w: %v", mountopt.ErrMountPoint, err)
	}
	if _, err := os.Lstat(mnt); err == nil {
		return "", fmt.Errorf("%w: %s exists; WinFsp mounts on a directory that does not exist yet (or a drive letter such as X:)", mountopt.ErrMountPoint, mnt)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: %v", mountopt.ErrMountPoint, err)
	}
	parent := filepath.Dir(mnt)
	if st, err := os.Stat(parent); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%w: %s: the parent directory %s does not exist", mountopt.ErrMountPoint, mnt, parent)
	}
	return mnt, nil
}

func isDrive(s string) bool {
	return len(s) == 2 && s[1] == ':' && ('A' <= s[0] && s[0] <= 'Z' || 'a' <= s[0] && s[0] <= 'z')
}

// checkFUSE finds nothing to check ahead: cgofuse loads WinFsp's DLL when mounting
// and panics when it is missing, which Mount turns into mountopt.ErrNoFUSE.
func checkFUSE(string, *mountopt.Options) error { return nil }

// mountPointWait bounds the wait for the mount point to appear.
const mountPointWait = 10 * time.Second

// waitMountPoint waits until mnt exists: WinFsp calls Init before it creates the
// mount point. A mount by drive letter "*" or by UNC prefix only cannot be waited
// for.
func waitMountPoint(mnt string, done <-chan struct{}) error {
	if mnt == "" || mnt == "*" {
		return nil
	}
	p := mnt
	if isDrive(mnt) {
		p = mnt + `\`
	}
	deadline := time.Now().Add(mountPointWait)
	for {
		if _, err := os.Stat(p); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not appear within %v", mnt, mountPointWait)
		}
		select {
		case <-done:
			return errors.New("WinFsp stopped before the mount point appeared")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// unmountBusy leaves the unmount to cgofuse (fuse_exit), which is immediate on
// Windows.
func unmountBusy(string) (bool, error) { return false, nil }

// forceUnmount: WinFsp's unmount (fuse_exit) does not wait for open files.
func (s *server) forceUnmount() error {
	s.host.Unmount()
	return nil
}

// recordMount has nothing to record: WinFsp's unmount needs no device number.
func (s *server) recordMount() {}
