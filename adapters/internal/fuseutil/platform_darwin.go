package fuseutil

import "syscall"

// NoAttr is getxattr's "no such attribute": ENOATTR on macOS.
const NoAttr = syscall.ENOATTR

// oDirect is 0: macOS has no O_DIRECT (F_NOCACHE is an fcntl).
const oDirect = 0
