package passthrough

import (
	"errors"
	"os"

	"github.com/anyfs/anyfs/fs"
	"golang.org/x/sys/unix"
)

const (
	utimeOmit    = unix.UTIME_OMIT
	haveXattr    = false // extattr lists are not NUL-separated lists; named streams are not supported
	xattrCreate  = 0
	xattrReplace = 0
	xattrPrefix  = "user." // x/sys/unix maps it to EXTATTR_NAMESPACE_USER; no create/replace flags
)

var errNoFutimens = errors.New("no futimens")

func datasync(f *os.File) error { return unix.Fsync(int(f.Fd())) }

func mknodAt(dirfd int, name string, mode uint32, dev uint64) error {
	return unix.Mknodat(dirfd, name, mode, dev)
}

// renameAt is renameat; FreeBSD has no exchange, and no-replace is checked first
// (not atomic against other host processes).
func renameAt(od int, ob string, nd int, nb string, exchange, noReplace bool) error {
	if exchange {
		return fs.ErrNotSupported
	}
	if noReplace {
		var st unix.Stat_t
		switch err := unix.Fstatat(nd, nb, &st, unix.AT_SYMLINK_NOFOLLOW); err {
		case nil:
			return unix.EEXIST
		case unix.ENOENT:
		default:
			return err
		}
	}
	return unix.Renameat(od, ob, nd, nb)
}
