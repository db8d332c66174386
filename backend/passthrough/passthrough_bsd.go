//go:build darwin || freebsd

package passthrough

import (
	"os"
	"time"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"golang.org/x/sys/unix"
)

// hostChecks: the volume checks types before a delete and hands a setgid
// directory's group down itself (BSD hosts give every new entry its parent's group,
// and macOS's unlink of a directory fails with EPERM).
const hostChecks = false

func statInfo(st *unix.Stat_t) fs.FileInfo {
	ts := func(t unix.Timespec) time.Time { return time.Unix(t.Unix()) }
	return fs.FileInfo{
		Mode:           attr.Mode(st.Mode),
		Size:           st.Size,
		AllocationSize: allocation(st.Blocks, st.Size),
		CreationTime:   ts(st.Btim),
		LastAccessTime: ts(st.Atim),
		LastWriteTime:  ts(st.Mtim),
		ChangeTime:     ts(st.Ctim),
		FileID:         uint64(st.Ino),
		LinkCount:      uint32(st.Nlink),
		Uid:            st.Uid,
		Gid:            st.Gid,
		Rdev:           uint64(st.Rdev),
	}
}

// statAt is fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW).
func statAt(dirfd int, name string) (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) }); err != nil {
		return fs.FileInfo{}, err
	}
	return statInfo(&st), nil
}

// statFd is fstat.
func statFd(fd int) (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return fs.FileInfo{}, err
	}
	return statInfo(&st), nil
}

// reopen opens the name again with more access and checks it is the same file.
func (p *FS) reopen(name string, old *os.File, acc fs.Access) (*os.File, error) {
	return p.reopenByName(name, old, acc)
}

// futimens is not offered by x/sys here: times are set by name.
func futimens(int, []unix.Timespec) error { return errNoFutimens }

func allocate(int, int64) error { return nil }

// chmodAt is fchmodat(AT_SYMLINK_NOFOLLOW), which the BSDs implement (lchmod).
func chmodAt(dirfd int, name string, mode uint32) error {
	return unix.Fchmodat(dirfd, name, mode, unix.AT_SYMLINK_NOFOLLOW)
}

// xattrAt opens name read-only without following and runs fn on it. Only regular
// files and directories are reached (a symbolic link gives ELOOP, reported as
// ENOTSUP; nodes are never opened), whatever anyType says.
func xattrAt(dirfd int, name string, _ bool, fn func(x xattrFile) error) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFDIR {
		return fs.ErrNotSupported
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	if err == unix.ELOOP {
		return fs.ErrNotSupported
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := statTarget(fd); err != nil {
		return err
	}
	return fn(fdXattr(fd))
}

// hostNamespace: the BSD hosts have no namespaces beyond the streams.
func hostNamespace(string) bool { return false }
