package passthrough

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// noOpenat2 is set once openat2 turned out to be missing (Linux < 5.6) or filtered.
var noOpenat2 atomic.Bool

// openBeneath opens the directory dir, relative to the root descriptor rootFd, in one
// openat2 call that refuses every symbolic link and every escape from the root. It
// reports ok=false when the caller must walk the path itself instead: openat2 is
// unavailable, the path holds a symbolic link (which os.Root follows when it stays
// inside the root), it is longer than PATH_MAX (os.Root walks it a component at a
// time), or a concurrent rename or mount made the kernel give up.
func openBeneath(rootFd int, dir string) (fd int, ok bool, err error) {
	if noOpenat2.Load() {
		return -1, false, nil
	}
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	for {
		fd, err = unix.Openat2(rootFd, dir, &how)
		switch err {
		case nil:
			return fd, true, nil
		case unix.EINTR:
			continue
		case unix.ENOSYS, unix.EPERM, unix.EINVAL, unix.E2BIG:
			noOpenat2.Store(true)
			return -1, false, nil
		case unix.ELOOP, unix.EXDEV, unix.EAGAIN, unix.ENAMETOOLONG:
			return -1, false, nil
		}
		return -1, true, err
	}
}
