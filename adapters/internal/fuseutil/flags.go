package fuseutil

import "github.com/anyfs/anyfs/fs"

// OpenBits are the values a FUSE layer gives the open(2) flags it hands over. A
// flag the layer never sends is 0.
type OpenBits struct {
	AccMode, WriteOnly, ReadWrite int // O_ACCMODE, O_WRONLY, O_RDWR
	Append, Truncate              int // O_APPEND, O_TRUNC
	Sync                          int // O_SYNC | O_DSYNC
	Direct                        int // O_DIRECT
}

// Open translates open(2) flags into the volume's access and open flags: the
// access mode (anything but write-only and read-write reads), O_APPEND, O_TRUNC,
// O_SYNC and O_DSYNC, and O_DIRECT.
func (b *OpenBits) Open(flags int) (fs.Access, fs.OpenFlags) {
	var access fs.Access
	switch flags & b.AccMode {
	case b.WriteOnly:
		access = fs.AccessWrite
	case b.ReadWrite:
		access = fs.AccessRead | fs.AccessWrite
	default:
		access = fs.AccessRead
	}
	var of fs.OpenFlags
	// A flag the layer never sends has bits 0 and matches nothing.
	if flags&b.Append != 0 {
		of |= fs.OpenAppend
	}
	if flags&b.Truncate != 0 {
		of |= fs.OpenTruncate
	}
	if flags&b.Sync != 0 {
		of |= fs.OpenSync
	}
	if flags&b.Direct != 0 {
		of |= fs.OpenDirectIO
	}
	return access, of
}

// XattrFlags translates setxattr(2)'s flags, given the values of XATTR_CREATE
// and XATTR_REPLACE in the FUSE layer (macOS numbers them otherwise than Linux).
func XattrFlags(flags, create, replace int) fs.XattrFlags {
	var f fs.XattrFlags
	if flags&create != 0 {
		f |= fs.XattrCreate
	}
	if flags&replace != 0 {
		f |= fs.XattrReplace
	}
	return f
}
