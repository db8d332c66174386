package gofuse

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

const (
	errNoAttr = syscall.ENOATTR
	oDirect   = 0 // macOS has no O_DIRECT (F_NOCACHE is an fcntl)
	oDsync    = syscall.O_DSYNC
	// lseek's whence values for holes, as the host defines them.
	seekData = unix.SEEK_DATA
	seekHole = unix.SEEK_HOLE
)

// checkFUSE reports, before mounting, what is missing for a FUSE mount.
func checkFUSE() error {
	for _, p := range []string{
		"/Library/Filesystems/macfuse.fs/Contents/Resources/mount_macfuse",
		"/Library/Filesystems/osxfuse.fs/Contents/Resources/mount_osxfuse",
	} {
		if _, err := os.Stat(p); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: macFUSE is not installed (install macFUSE from https://macfuse.github.io; FUSE-T works only with the cgofuse adapter, built with -tags cgofuse)", mountopt.ErrNoFUSE)
}

func directMount() bool { return false }

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

// setCrtime reports the creation time (macFUSE's birth time).
func setCrtime(fi *fs.FileInfo, a *fuse.Attr) {
	if t := fi.CreationTime; !t.IsZero() {
		a.Crtime_ = uint64(t.Unix())
		a.Crtimensec_ = uint32(t.Nanosecond())
	}
}

// setattrExtra adds the creation time macFUSE's setattr may carry.
func setattrExtra(in *fuse.SetAttrIn, ch *fs.Change) {
	if in.Valid&fuse.FATTR_CRTIME != 0 {
		ch.Valid |= fs.ChangeCrtime
		ch.Crtime = time.Unix(int64(in.Crtime), int64(in.CrtimeNsec))
	}
}
