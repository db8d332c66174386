package statcmd

import (
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/pkg/attr"
)

// lstat uses statx(2) for the birth time and the immutable/append/nodump file
// attributes, falling back to lstat(2) on kernels without statx.
func lstat(path string) (fileStat, error) {
	var stx unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW,
		unix.STATX_BASIC_STATS|unix.STATX_BTIME, &stx)
	if err == unix.ENOSYS {
		return lstatFallback(path)
	}
	if err != nil {
		return fileStat{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	ts := func(t unix.StatxTimestamp) time.Time { return time.Unix(t.Sec, int64(t.Nsec)) }
	st := attr.Stat{
		Dev:    unix.Mkdev(stx.Dev_major, stx.Dev_minor),
		Ino:    stx.Ino,
		Mode:   attr.Mode(stx.Mode),
		Nlink:  uint64(stx.Nlink),
		Uid:    stx.Uid,
		Gid:    stx.Gid,
		Rdev:   unix.Mkdev(stx.Rdev_major, stx.Rdev_minor),
		Size:   int64(stx.Size),
		Blocks: int64(stx.Blocks),
		Atime:  ts(stx.Atime),
		Mtime:  ts(stx.Mtime),
		Ctime:  ts(stx.Ctime),
	}
	// Some file systems (overlayfs, older kernels) set STATX_BTIME with a zero
	// time; that is unknown too.
	if stx.Mask&unix.STATX_BTIME != 0 && (stx.Btime.Sec != 0 || stx.Btime.Nsec != 0) {
		st.Birthtime = ts(stx.Btime)
	}
	// Linux has no st_flags; statx reports the chattr flags that have a BSD
	// equivalent. +i and +a need CAP_LINUX_IMMUTABLE, like SF_IMMUTABLE/SF_APPEND.
	for _, m := range []struct {
		statx uint64
		flag  attr.BSDFlags
	}{
		{unix.STATX_ATTR_IMMUTABLE, attr.SF_IMMUTABLE},
		{unix.STATX_ATTR_APPEND, attr.SF_APPEND},
		{unix.STATX_ATTR_NODUMP, attr.UF_NODUMP},
	} {
		if stx.Attributes_mask&m.statx != 0 && stx.Attributes&m.statx != 0 {
			st.Flags |= m.flag
		}
	}
	fst := fileStat{st: st, attrs: attr.FromPOSIX(st.Mode, st.Flags), hasOwner: true, devNumbers: devNumbers}
	if stx.Attributes&unix.STATX_ATTR_COMPRESSED != 0 {
		fst.attrs = fst.attrs&^attr.Normal | attr.Compressed
	}
	if st.Flags != 0 {
		fst.flags = st.Flags.String()
	}
	fst.linkTarget = readlink(path, st.Mode)
	return fst, nil
}

func lstatFallback(path string) (fileStat, error) {
	var s unix.Stat_t
	if err := unix.Lstat(path, &s); err != nil {
		return fileStat{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	st := attr.Stat{
		Dev:    uint64(s.Dev),
		Ino:    uint64(s.Ino),
		Mode:   attr.Mode(s.Mode),
		Nlink:  uint64(s.Nlink),
		Uid:    s.Uid,
		Gid:    s.Gid,
		Rdev:   uint64(s.Rdev),
		Size:   s.Size,
		Blocks: int64(s.Blocks),
		Atime:  time.Unix(s.Atim.Unix()),
		Mtime:  time.Unix(s.Mtim.Unix()),
		Ctime:  time.Unix(s.Ctim.Unix()),
	}
	return fileStat{st: st, attrs: attr.FromPOSIX(st.Mode, 0), hasOwner: true, devNumbers: devNumbers,
		linkTarget: readlink(path, st.Mode)}, nil
}

func devNumbers(dev uint64) (major, minor uint32, ok bool) {
	return unix.Major(dev), unix.Minor(dev), true
}

// readlink returns the target of a symbolic link, or "" for anything else.
func readlink(path string, m attr.Mode) string {
	if !m.IsSymlink() {
		return ""
	}
	target, _ := os.Readlink(path)
	return target
}
