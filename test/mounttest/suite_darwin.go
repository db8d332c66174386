package mounttest

import (
	"testing"

	"golang.org/x/sys/unix"
)

const errNoAttr = unix.ENOATTR

func checkNamelen(*testing.T, *unix.Statfs_t) {} // macOS statfs has no f_namelen
