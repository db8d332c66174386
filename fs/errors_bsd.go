//go:build unix && !linux

package fs

import "syscall"

const errNoAttr = syscall.ENOATTR
