//go:build unix

package attr

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestModeMatchesXSys cross-checks the st_mode constants against
// golang.org/x/sys/unix for the host system.
func TestModeMatchesXSys(t *testing.T) {
	tests := []struct {
		name string
		got  Mode
		want uint32
	}{
		{"S_IFMT", S_IFMT, unix.S_IFMT},
		{"S_IFSOCK", S_IFSOCK, unix.S_IFSOCK},
		{"S_IFLNK", S_IFLNK, unix.S_IFLNK},
		{"S_IFREG", S_IFREG, unix.S_IFREG},
		{"S_IFBLK", S_IFBLK, unix.S_IFBLK},
		{"S_IFDIR", S_IFDIR, unix.S_IFDIR},
		{"S_IFCHR", S_IFCHR, unix.S_IFCHR},
		{"S_IFIFO", S_IFIFO, unix.S_IFIFO},
		{"S_ISUID", S_ISUID, unix.S_ISUID},
		{"S_ISGID", S_ISGID, unix.S_ISGID},
		{"S_ISVTX", S_ISVTX, unix.S_ISVTX},
		{"S_IRUSR", S_IRUSR, unix.S_IRUSR},
		{"S_IWUSR", S_IWUSR, unix.S_IWUSR},
		{"S_IXUSR", S_IXUSR, unix.S_IXUSR},
		{"S_IRWXU", S_IRWXU, unix.S_IRWXU},
		{"S_IRGRP", S_IRGRP, unix.S_IRGRP},
		{"S_IWGRP", S_IWGRP, unix.S_IWGRP},
		{"S_IXGRP", S_IXGRP, unix.S_IXGRP},
		{"S_IRWXG", S_IRWXG, unix.S_IRWXG},
		{"S_IROTH", S_IROTH, unix.S_IROTH},
		{"S_IWOTH", S_IWOTH, unix.S_IWOTH},
		{"S_IXOTH", S_IXOTH, unix.S_IXOTH},
		{"S_IRWXO", S_IRWXO, unix.S_IRWXO},
	}
	for _, tc := range tests {
		if uint32(tc.got) != tc.want {
			t.Errorf("%s = %#o, x/sys/unix %#o", tc.name, uint32(tc.got), tc.want)
		}
	}
}

// TestToFileModeMatchesOS compares ToFileMode of a real lstat mode with what
// os.Lstat reports, for every file type a test can create.
func TestToFileModeMatchesOS(t *testing.T) {
	dir := t.TempDir()
	paths := map[string]func(p string) error{
		"file":    func(p string) error { return os.WriteFile(p, nil, 0o640) },
		"dir":     func(p string) error { return os.Mkdir(p, 0o750) },
		"symlink": func(p string) error { return os.Symlink("file", p) },
		"fifo":    func(p string) error { return unix.Mkfifo(p, 0o600) },
		"setgid":  func(p string) error { return os.Mkdir(p, 0o755) },
		"socket": func(p string) error {
			l, err := net.Listen("unix", p)
			if err == nil {
				t.Cleanup(func() { l.Close() })
			}
			return err
		},
	}
	for name, mk := range paths {
		p := filepath.Join(dir, name)
		if err := mk(p); err != nil {
			t.Logf("skip %s: %v", name, err)
			continue
		}
		if name == "setgid" {
			os.Chmod(p, 0o2775|os.ModeSetgid|os.ModeSticky)
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		m := Mode(st.Mode)
		if got := ToFileMode(m); got != fi.Mode() {
			t.Errorf("%s: ToFileMode(%#o) = %v, os.Lstat %v", name, m, got, fi.Mode())
		}
		if back := FromFileMode(fi.Mode()); back != m {
			t.Errorf("%s: FromFileMode(%v) = %#o, lstat %#o", name, fi.Mode(), back, m)
		}
	}
}
