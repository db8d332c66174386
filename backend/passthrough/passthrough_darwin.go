package passthrough

import (
	"errors"
	"os"

	"github.com/anyfs/anyfs/fs"
	"golang.org/x/sys/unix"
)

const (
	utimeOmit    = -2 // UTIME_OMIT in <sys/stat.h>; x/sys/unix does not define it for darwin
	haveXattr    = true
	xattrCreate  = unix.XATTR_CREATE
	xattrReplace = unix.XATTR_REPLACE
	xattrPrefix  = "" // macOS xattr names have no namespace
)

var errNoFutimens = errors.New("no futimens")

func datasync(f *os.File) error { return f.Sync() }

// mknodAt: x/sys/unix has no mknodat for macOS and the path-based mknod would
// resolve intermediate components outside the Root, so nodes are not supported.
func mknodAt(int, string, uint32, uint64) error { return fs.ErrNotSupported }

// renameAt is renameatx_np with RENAME_SWAP or RENAME_EXCL.
func renameAt(od int, ob string, nd int, nb string, exchange, noReplace bool) error {
	var flags uint32
	switch {
	case exchange:
		flags = unix.RENAME_SWAP
	case noReplace:
		flags = unix.RENAME_EXCL
	}
	if flags == 0 {
		return unix.Renameat(od, ob, nd, nb)
	}
	err := unix.RenameatxNp(od, ob, nd, nb, flags)
	if err == unix.ENOTSUP && exchange {
		return fs.ErrNotSupported
	}
	return err
}
