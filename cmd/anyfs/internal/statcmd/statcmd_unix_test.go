//go:build linux || darwin

package statcmd

import (
	"errors"
	"net"
	"os"
	"os/user"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/pkg/attr"
)

var unixCases = []statCase{
	{
		name: "symlink",
		make: func(t *testing.T, p string) error { return os.Symlink("target/file", p) },
		typ:  "symbolic link", mode: "l", attrs: attr.ReparsePoint,
		check: func(t *testing.T, info Info) {
			if info.LinkTarget != "target/file" {
				t.Errorf("link target %q", info.LinkTarget)
			}
		},
	},
	{
		name: "fifo",
		make: func(t *testing.T, p string) error { return unix.Mkfifo(p, 0o600) },
		typ:  "fifo", mode: "p", attrs: attr.Normal,
		check: func(t *testing.T, info Info) {
			if info.Mode != "prw-------" || info.Perm != "0600" || info.StMode != "0010600" {
				t.Errorf("mode %s %s %s", info.Mode, info.Perm, info.StMode)
			}
		},
	},
	{
		name: "socket",
		make: func(t *testing.T, p string) error {
			l, err := net.Listen("unix", p)
			if err != nil {
				return err
			}
			t.Cleanup(func() { l.Close() })
			return nil
		},
		typ: "socket", mode: "s", attrs: attr.Normal,
	},
	{
		name: "chardev",
		make: func(t *testing.T, p string) error {
			err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3)))
			if errors.Is(err, unix.EPERM) {
				t.Skip("mknod needs privilege:", err)
			}
			return err
		},
		typ: "character special file", mode: "c", attrs: attr.Normal,
		check: func(t *testing.T, info Info) {
			if info.Rdev != unix.Mkdev(1, 3) || info.RdevNumbers != "1,3" {
				t.Errorf("rdev %#x (%s), want 1,3", info.Rdev, info.RdevNumbers)
			}
		},
	},
	{
		name: "owner",
		make: func(t *testing.T, p string) error { return os.WriteFile(p, nil, 0o4751) },
		typ:  "regular file", mode: "-", attrs: attr.Normal,
		check: func(t *testing.T, info Info) {
			var st unix.Stat_t
			if err := unix.Lstat(info.Path, &st); err != nil {
				t.Fatal(err)
			}
			if info.Uid != st.Uid || info.Gid != st.Gid || info.Inode != uint64(st.Ino) || info.Links != 1 {
				t.Errorf("uid %d gid %d ino %d links %d; lstat %d %d %d", info.Uid, info.Gid, info.Inode, info.Links, st.Uid, st.Gid, st.Ino)
			}
			if u, err := user.LookupId(strconv.Itoa(int(st.Uid))); err == nil && info.User != u.Username {
				t.Errorf("user %q, want %q", info.User, u.Username)
			}
			if info.Mode != attr.FileMode(attr.Mode(st.Mode)) {
				t.Errorf("mode %s, lstat %#o", info.Mode, st.Mode)
			}
		},
	},
}

func TestStatUnix(t *testing.T) { runCases(t, unixCases) }
