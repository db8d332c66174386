//go:build linux || darwin

package fuseutil

import (
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/fs"
)

// HostOpen are the host's open(2) flags, which the kernel's FUSE and libfuse
// hand over as they are.
var HostOpen = OpenBits{
	AccMode: syscall.O_ACCMODE, WriteOnly: syscall.O_WRONLY, ReadWrite: syscall.O_RDWR,
	Append: syscall.O_APPEND, Truncate: syscall.O_TRUNC,
	Sync:   syscall.O_SYNC | syscall.O_DSYNC,
	Direct: oDirect,
}

// HostXattrFlags translates the host's setxattr(2) flags.
func HostXattrFlags(flags int) fs.XattrFlags {
	return XattrFlags(flags, unix.XATTR_CREATE, unix.XATTR_REPLACE)
}
