package gofuse

import (
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

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
