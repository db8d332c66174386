package gofuse

import (
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

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
