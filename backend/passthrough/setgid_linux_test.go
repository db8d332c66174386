package passthrough

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// TestCreateOwnerAndSetgid: with the host checking setgid inheritance itself
// (ChecksOnHost, the volume does not look at the parent), a new entry of a setgid
// directory gets that directory's group, and a new directory its setgid bit too;
// elsewhere the caller's group. The owner is the caller's, for the daemon's own
// user and for another, and the mode is exactly the one asked for.
func TestCreateOwnerAndSetgid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files other owners")
	}
	p, v, root, _ := setup(t, nil)
	if !p.ChecksOnHost() {
		t.Fatal("ChecksOnHost is false on Linux")
	}
	const shared = 4321
	if err := os.Mkdir(filepath.Join(root, "sg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(root, "sg"), 0, shared); err != nil {
		t.Fatal(err)
	}
	if err := unix.Chmod(filepath.Join(root, "sg"), 0o2777); err != nil {
		t.Fatal(err)
	}
	// sg0: setgid with the daemon's own group, which the host gives either way.
	if err := os.Mkdir(filepath.Join(root, "sg0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Chmod(filepath.Join(root, "sg0"), 0o2777); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "plain"), 0o777); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		uid, gid uint32
		parent   string
		mode     attr.Mode
	}{
		{"root-file-setgid", 0, 0, "sg", attr.S_IFREG | 0o640},
		{"user-file-setgid", 1000, 1000, "sg", attr.S_IFREG | 0o640},
		{"root-dir-setgid", 0, 0, "sg", attr.S_IFDIR | 0o750},
		{"user-dir-setgid", 1000, 1000, "sg", attr.S_IFDIR | 0o750},
		{"user-fifo-setgid", 1000, 1000, "sg", attr.S_IFIFO | 0o600},
		{"user-file-setgid0", 1000, 1000, "sg0", attr.S_IFREG | 0o640},
		{"user-dir-setgid0", 1000, 1000, "sg0", attr.S_IFDIR | 0o750},
		{"root-file-plain", 0, 0, "plain", attr.S_IFREG | 0o640},
		{"user-file-plain", 1000, 1000, "plain", attr.S_IFREG | 0o4755},
		{"user-dir-plain", 1000, 1000, "plain", attr.S_IFDIR | 0o700},
		{"user-fifo-plain", 1000, 1000, "plain", attr.S_IFIFO | 0o600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxAs(tc.uid, tc.gid)
			name := "/" + tc.parent + "/" + tc.name
			var fi fs.FileInfo
			var err error
			switch tc.mode.Type() {
			case attr.S_IFDIR:
				fi, err = v.Mkdir(ctx, name, tc.mode)
			case attr.S_IFREG:
				var h *fs.Handle
				h, fi, err = v.Create(ctx, name, fs.CreateRequest{Mode: tc.mode, Access: fs.AccessWrite, Exclusive: true})
				if err == nil {
					h.Release(ctx)
				}
			default:
				fi, err = v.Mknod(ctx, name, tc.mode, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantGid, wantMode := tc.gid, tc.mode
			if tc.parent != "plain" {
				wantGid = shared
				if tc.parent == "sg0" {
					wantGid = 0
				}
				if tc.mode.IsDir() {
					wantMode |= attr.S_ISGID
				}
			}
			var st unix.Stat_t
			if err := unix.Lstat(filepath.Join(root, tc.parent, tc.name), &st); err != nil {
				t.Fatal(err)
			}
			if st.Uid != tc.uid || st.Gid != wantGid || attr.Mode(st.Mode) != wantMode {
				t.Errorf("host %d:%d mode %o, want %d:%d mode %o", st.Uid, st.Gid, st.Mode, tc.uid, wantGid, wantMode)
			}
			if fi.Uid != st.Uid || fi.Gid != st.Gid || fi.Mode != attr.Mode(st.Mode) {
				t.Errorf("reported %d:%d mode %o, the host has %d:%d mode %o", fi.Uid, fi.Gid, fi.Mode, st.Uid, st.Gid, st.Mode)
			}
		})
	}
}
