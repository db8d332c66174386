//go:build !linux && !darwin && !windows

package statcmd

import (
	"os"

	"github.com/anyfs/anyfs/pkg/attr"
)

// lstat uses os.Lstat alone on the systems without a specific implementation:
// type, permissions, size and modification time only.
func lstat(path string) (fileStat, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileStat{}, err
	}
	st := attr.Stat{Mode: attr.FromFileMode(fi.Mode()), Size: fi.Size(), Mtime: fi.ModTime(), Nlink: 1}
	fst := fileStat{st: st, attrs: attr.FromPOSIX(st.Mode, 0)}
	if st.Mode.IsSymlink() {
		fst.linkTarget, _ = os.Readlink(path)
	}
	return fst, nil
}
