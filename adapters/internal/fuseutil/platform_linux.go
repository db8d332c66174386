package fuseutil

import "syscall"

// NoAttr is getxattr's "no such attribute": ENODATA on Linux.
const NoAttr = syscall.ENODATA

// oDirect is O_DIRECT.
const oDirect = syscall.O_DIRECT
