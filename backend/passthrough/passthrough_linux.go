package passthrough

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"golang.org/x/sys/unix"
)

const (
	utimeOmit    = unix.UTIME_OMIT
	haveXattr    = true
	xattrCreate  = unix.XATTR_CREATE
	xattrReplace = unix.XATTR_REPLACE
	xattrPrefix  = "user."
)

var errNoFutimens = errors.New("no futimens")

// hostChecks: unlinkat fails with EISDIR for a directory and rmdir with ENOTDIR
// and ENOTEMPTY, and a new entry of a setgid directory gets its group (Linux), so
// the volume need not look first (fs.HostChecker).
const hostChecks = true

const statxMask = unix.STATX_BASIC_STATS | unix.STATX_BTIME

func statxInfo(st *unix.Statx_t) fs.FileInfo {
	ts := func(t unix.StatxTimestamp) time.Time { return time.Unix(t.Sec, int64(t.Nsec)) }
	fi := fs.FileInfo{
		Mode:           attr.Mode(st.Mode),
		Size:           int64(st.Size),
		AllocationSize: allocation(int64(st.Blocks), int64(st.Size)),
		LastAccessTime: ts(st.Atime),
		LastWriteTime:  ts(st.Mtime),
		ChangeTime:     ts(st.Ctime),
		FileID:         st.Ino,
		LinkCount:      st.Nlink,
		Uid:            st.Uid,
		Gid:            st.Gid,
		Rdev:           unix.Mkdev(st.Rdev_major, st.Rdev_minor),
	}
	if st.Mask&unix.STATX_BTIME != 0 {
		fi.CreationTime = ts(st.Btime)
	} else {
		fi.CreationTime = fi.ChangeTime
	}
	return fi
}

// statAt is statx(dirfd, name, AT_SYMLINK_NOFOLLOW): lstat relative to a directory,
// with the birth time.
func statAt(dirfd int, name string) (fs.FileInfo, error) {
	var st unix.Statx_t
	err := retryEINTR(func() error {
		return unix.Statx(dirfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_STATX_SYNC_AS_STAT, statxMask, &st)
	})
	if err != nil {
		return fs.FileInfo{}, err
	}
	return statxInfo(&st), nil
}

// statFd is statx of an open descriptor.
func statFd(fd int) (fs.FileInfo, error) {
	var st unix.Statx_t
	err := retryEINTR(func() error {
		return unix.Statx(fd, "", unix.AT_EMPTY_PATH|unix.AT_STATX_SYNC_AS_STAT, statxMask, &st)
	})
	if err != nil {
		return fs.FileInfo{}, err
	}
	return statxInfo(&st), nil
}

// procPath returns the /proc entry of a descriptor: a magic link that resolves to
// exactly the inode the descriptor refers to, wherever it is.
func procPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// reopen opens the file of old again with more access. Through /proc/self/fd it
// reaches the same inode even after a rename or an unlink; without /proc it opens
// the name again and checks it is the same file.
func (p *FS) reopen(name string, old *os.File, acc fs.Access) (*os.File, error) {
	fd, err := unix.Open(procPath(int(old.Fd())), accFlags(acc)|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err == nil {
		return os.NewFile(uintptr(fd), name), nil
	}
	if err != unix.ENOENT {
		return nil, pathErr("reopen", name, err)
	}
	return p.reopenByName(name, old, acc)
}

func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// futimens is utimensat(fd, NULL, ts, 0), which x/sys does not offer by name.
func futimens(fd int, ts []unix.Timespec) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func allocate(fd int, size int64) error {
	err := unix.Fallocate(fd, unix.FALLOC_FL_KEEP_SIZE, 0, size)
	if err == unix.EOPNOTSUPP || err == unix.ENOSYS {
		return nil // a hint the file system cannot take
	}
	return err
}

func mknodAt(dirfd int, name string, mode uint32, dev uint64) error {
	return unix.Mknodat(dirfd, name, mode, int(dev))
}

// chmodAt changes the mode of name in dirfd without following a symbolic link:
// fchmodat2(AT_SYMLINK_NOFOLLOW) on Linux 6.6+, else through an O_PATH descriptor's
// /proc entry (as glibc's lchmod does). Symbolic links have no mode of their own on
// Linux (ENOTSUP).
func chmodAt(dirfd int, name string, mode uint32) error {
	err := unix.Fchmodat(dirfd, name, mode, unix.AT_SYMLINK_NOFOLLOW)
	if err != unix.EOPNOTSUPP && err != unix.ENOSYS {
		return err
	}
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.EOPNOTSUPP
	}
	return unix.Chmod(procPath(fd), mode)
}

// renameAt is renameat2 with RENAME_EXCHANGE or RENAME_NOREPLACE. When the file
// system refuses RENAME_NOREPLACE (EINVAL), the target is checked first and a plain
// rename follows (not atomic against other host processes).
func renameAt(od int, ob string, nd int, nb string, exchange, noReplace bool) error {
	var flags uint
	switch {
	case exchange:
		flags = unix.RENAME_EXCHANGE
	case noReplace:
		flags = unix.RENAME_NOREPLACE
	}
	err := unix.Renameat2(od, ob, nd, nb, flags)
	if (err == unix.EINVAL || err == unix.ENOSYS) && noReplace {
		var st unix.Stat_t
		switch e := unix.Fstatat(nd, nb, &st, unix.AT_SYMLINK_NOFOLLOW); e {
		case nil:
			return unix.EEXIST
		case unix.ENOENT:
			return unix.Renameat(od, ob, nd, nb)
		default:
			return e
		}
	}
	if err == unix.EINVAL && exchange {
		return fs.ErrNotSupported
	}
	return err
}

// xattrAt runs fn with a handle for the extended attributes of name in dirfd: an
// O_PATH|O_NOFOLLOW descriptor of the file, used through its /proc entry (so no
// read or write permission is needed to reach it, and a symbolic link's own
// attributes are reached, not its target's; the kernel checks the xattr
// permissions as usual). Only regular files and directories carry user.*
// attributes: unless anyType, symbolic links and nodes get ENOTSUP.
func xattrAt(dirfd int, name string, anyType bool, fn func(x xattrFile) error) error {
	pfd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if !anyType {
		if err := statTarget(pfd); err != nil {
			return err
		}
	}
	path := procPath(pfd)
	if _, err := os.Lstat(path); err != nil {
		// No /proc: open the name itself read-only without following (regular
		// files and directories only: a node is never opened).
		if err := statTarget(pfd); err != nil {
			return err
		}
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := statTarget(fd); err != nil {
			return err
		}
		return fn(fdXattr(fd))
	}
	return fn(pathXattr(path))
}

// pathXattr reaches the attributes through a /proc/self/fd magic link.
type pathXattr string

func (p pathXattr) list(b []byte) (int, error) { return unix.Listxattr(string(p), b) }
func (p pathXattr) get(n string, b []byte) (int, error) {
	return unix.Getxattr(string(p), n, b)
}
func (p pathXattr) set(n string, d []byte, flags int) error {
	return unix.Setxattr(string(p), n, d, flags)
}
func (p pathXattr) remove(n string) error { return unix.Removexattr(string(p), n) }

var _ fs.XattrNamespacer = (*FS)(nil)

// XattrNamespaces reports that the host's trusted., security. and system. (POSIX
// ACL) attributes are passed through, besides the user. ones. The host decides
// whether this process may set them (as root it may; otherwise it answers EPERM)
// and keeps the mode in step with an ACL; the volume applies the rules of who on
// the mount may.
func (p *FS) XattrNamespaces() []string {
	return []string{fs.XattrTrusted, fs.XattrSecurity, fs.XattrSystem}
}

// hostNamespace reports whether the host attribute n belongs to a namespace of
// XattrNamespaces.
func hostNamespace(n string) bool {
	for _, ns := range [...]string{"trusted.", "security.", "system."} {
		if strings.HasPrefix(n, ns) {
			return true
		}
	}
	return false
}
