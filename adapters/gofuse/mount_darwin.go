package gofuse

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
)

// checkFUSE reports, before mounting, what is missing for a FUSE mount.
func checkFUSE(string, *mountopt.Options) error {
	for _, p := range []string{
		"/Library/Filesystems/macfuse.fs/Contents/Resources/mount_macfuse",
		"/Library/Filesystems/osxfuse.fs/Contents/Resources/mount_osxfuse",
	} {
		if _, err := os.Stat(p); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: macFUSE is not installed (FUSE-T works only with the cgofuse adapter): %s", mountopt.ErrNoFUSE, mountopt.InstallHint)
}

func directMount() bool { return false }

// connection: on macOS go-fuse mounts through macFUSE's mount helper itself.
type connection struct{}

func newServer(fsys fuse.RawFileSystem, mnt string, mo *fuse.MountOptions, _ *mountopt.Options, _ *slog.Logger) (*fuse.Server, *connection, error) {
	srv, err := fuse.NewServer(fsys, mnt, mo)
	return srv, &connection{}, err
}

func (c *connection) waitMount(srv *fuse.Server, _ string) error { return srv.WaitMount() }

func (c *connection) unmount(srv *fuse.Server, mnt string) error {
	if err := srv.Unmount(); err != nil {
		return fmt.Errorf("unmount %s: %w", mnt, err)
	}
	return nil
}

func (c *connection) close() {}

// forceUnmount unmounts with MNT_FORCE, which macOS allows while files are open.
func forceUnmount(_ *fuse.Server, mnt string, _ mountopt.Mount) error {
	if err := unix.Unmount(mnt, unix.MNT_FORCE); err != nil {
		return fmt.Errorf("unmount %s: %w", mnt, err)
	}
	return nil
}
