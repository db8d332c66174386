package fs

import "syscall"

const errNoAttr = syscall.ENODATA
