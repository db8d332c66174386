package statcmd

import (
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/pkg/attr"
)

// lstat uses lstat(2); macOS reports the birth time and st_flags (in the macOS
// namespace, attr.DarwinFlags).
func lstat(path string) (fileStat, error) {
	var s unix.Stat_t
	if err := unix.Lstat(path, &s); err != nil {
		return fileStat{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	st := attr.Stat{
		Dev:       uint64(uint32(s.Dev)),
		Ino:       s.Ino,
		Mode:      attr.Mode(s.Mode),
		Nlink:     uint64(s.Nlink),
		Uid:       s.Uid,
		Gid:       s.Gid,
		Rdev:      uint64(uint32(s.Rdev)),
		Size:      s.Size,
		Blocks:    s.Blocks,
		Atime:     time.Unix(s.Atim.Unix()),
		Mtime:     time.Unix(s.Mtim.Unix()),
		Ctime:     time.Unix(s.Ctim.Unix()),
		Birthtime: time.Unix(s.Btim.Unix()),
	}
	flags := attr.DarwinFlags(s.Flags)
	fst := fileStat{st: st, attrs: attr.FromDarwin(st.Mode, flags), hasOwner: true, devNumbers: devNumbers}
	if flags != 0 {
		fst.flags = flags.String()
	}
	if st.Mode.IsSymlink() {
		fst.linkTarget, _ = os.Readlink(path)
	}
	return fst, nil
}

func devNumbers(dev uint64) (major, minor uint32, ok bool) {
	return unix.Major(dev), unix.Minor(dev), true
}
