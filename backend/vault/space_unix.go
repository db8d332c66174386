//go:build unix

package vault

import "golang.org/x/sys/unix"

func diskSpaceOS(dir string) (total, free, avail uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, 0, err
	}
	bs := uint64(st.Bsize)
	return uint64(st.Blocks) * bs, uint64(st.Bfree) * bs, uint64(st.Bavail) * bs, nil
}
