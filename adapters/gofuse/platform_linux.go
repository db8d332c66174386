package gofuse

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

const (
	errNoAttr = syscall.ENODATA
	oDirect   = syscall.O_DIRECT
	oDsync    = syscall.O_DSYNC
	// lseek's whence values for holes, as the kernel sends them.
	seekData = unix.SEEK_DATA
	seekHole = unix.SEEK_HOLE
)

// checkFUSE reports, before mounting, what is missing for a FUSE mount.
func checkFUSE() error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("%w: /dev/fuse is missing (install FUSE: apt-get install fuse3, or load the module: modprobe fuse)", mountopt.ErrNoFUSE)
	}
	if os.Geteuid() == 0 {
		return nil // go-fuse mounts directly with mount(2)
	}
	for _, bin := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(bin); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: neither fusermount3 nor fusermount is installed (apt-get install fuse3)", mountopt.ErrNoFUSE)
}

// directMount: as root go-fuse calls mount(2) itself, so no helper is needed.
func directMount() bool { return os.Geteuid() == 0 }

// xattrFlags turns setxattr's flags into the volume's.
func xattrFlags(flags uint32) fs.XattrFlags {
	var f fs.XattrFlags
	if flags&unix.XATTR_CREATE != 0 {
		f |= fs.XattrCreate
	}
	if flags&unix.XATTR_REPLACE != 0 {
		f |= fs.XattrReplace
	}
	return f
}

// setCrtime: Linux FUSE has no birth time.
func setCrtime(*fs.FileInfo, *fuse.Attr) {}

// setattrExtra: Linux setattr carries nothing beyond the common fields.
func setattrExtra(*fuse.SetAttrIn, *fs.Change) {}
