//go:build cgofuse && linux

package cgofuse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// mounted reports whether mnt is in /proc/mounts.
func mounted(t *testing.T, mnt string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == mnt {
			return true
		}
	}
	return false
}

// mountMemfs mounts a new memfs volume in a temporary directory; it is unmounted in
// t.Cleanup, also when the test fails.
func mountMemfs(t *testing.T, opts *fs.Options) (string, mountopt.Server) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	v := fs.NewVolume(memfs.New(nil), opts)
	srv, err := Mount(v, mnt, &mountopt.Options{FSName: "memfs-test"})
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Errorf("Unmount: %v", err)
			syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
		if mounted(t, mnt) {
			t.Errorf("%s still mounted after Unmount", mnt)
		}
	})
	return mnt, srv
}

func TestMountSmoke(t *testing.T) {
	mnt, srv := mountMemfs(t, nil)
	if srv.MountPoint() != mnt || !mounted(t, mnt) {
		t.Fatalf("MountPoint %q, mounted %v", srv.MountPoint(), mounted(t, mnt))
	}
	p := func(name string) string { return filepath.Join(mnt, name) }

	writeAndAppend(t, p("a.txt"))
	if err := os.WriteFile(p("a.txt"), []byte("hi"), 0o644); err != nil { // O_TRUNC
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p("a.txt")); string(data) != "hi" {
		t.Errorf("after truncating write: %q", data)
	}

	if err := os.Mkdir(p("dir"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p("a.txt"), p("dir/b.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b.txt", p("dir/link")); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(p("dir/link")); err != nil || target != "b.txt" {
		t.Errorf("Readlink = %q, %v", target, err)
	}
	if data, err := os.ReadFile(p("dir/link")); err != nil || string(data) != "hi" {
		t.Errorf("read through the link = %q, %v", data, err)
	}
	if err := os.Link(p("dir/b.txt"), p("hard")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p("hard"))
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); sys.Nlink != 2 || st.Mode().Perm() != 0o644 {
		t.Errorf("hard link: nlink %d mode %v", sys.Nlink, st.Mode())
	}
	dst, _ := os.Stat(p("dir"))
	if !dst.IsDir() || dst.Mode().Perm() != 0o750 {
		t.Errorf("dir mode %v", dst.Mode())
	}

	wantDir(t, p("dir"), "b.txt", "link")

	if err := syscall.Setxattr(p("hard"), "user.k", []byte("v"), 0); err != nil {
		t.Errorf("setxattr: %v", err)
	}
	buf := make([]byte, 16)
	if n, err := syscall.Getxattr(p("hard"), "user.k", buf); err != nil || string(buf[:n]) != "v" {
		t.Errorf("getxattr = %q, %v", buf[:max(n, 0)], err)
	}

	// An unlinked open file keeps working.
	f, err := os.Open(p("hard"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p("hard")); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(p("hard")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read of an unlinked name = %q, %v", data, err)
	}
	n, err := f.ReadAt(buf, 0)
	if string(buf[:n]) != "hi" {
		t.Errorf("read of an unlinked open file = %q, %v", buf[:n], err)
	}
	if _, err := f.Stat(); err != nil {
		t.Errorf("fstat of an unlinked open file: %v", err)
	}
	f.Close()

	if err := os.Remove(p("dir")); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("rmdir of a non-empty directory: %v", err)
	}
	if err := os.RemoveAll(p("dir")); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(mnt); err != nil || len(entries) != 0 {
		t.Errorf("root after removing everything: %v, %v", entries, err)
	}
	var sfs syscall.Statfs_t
	if err := syscall.Statfs(mnt, &sfs); err != nil || sfs.Namelen != 255 {
		t.Errorf("statfs: namelen %d, %v", sfs.Namelen, err)
	}
}

// TestMountLargeDir lists a directory larger than one kernel readdir buffer, which
// exercises Readdir's offsets through libfuse.
func TestMountLargeDir(t *testing.T) {
	mnt, _ := mountMemfs(t, &fs.Options{EnumerationPageSize: 64})
	const n = 1500
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("a-rather-long-file-name-to-fill-the-buffer-%04d", i)
		if err := os.WriteFile(filepath.Join(mnt, want[i]), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Errorf("ReadDir: %d entries, want %d", len(got), n)
	}
}

func TestMountErrors(t *testing.T) {
	v := fs.NewVolume(memfs.New(nil), nil)
	dir := t.TempDir()
	if _, err := Mount(v, filepath.Join(dir, "missing"), nil); !errors.Is(err, mountopt.ErrMountPoint) {
		t.Errorf("missing mount point: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Mount(v, filepath.Join(dir, "file"), nil); !errors.Is(err, mountopt.ErrMountPoint) {
		t.Errorf("file as mount point: %v", err)
	}
	if _, err := Mount(v, dir, nil); !errors.Is(err, mountopt.ErrMountPoint) {
		t.Errorf("non-empty mount point: %v", err)
	}
}

// TestUnmountBusy checks that Unmount refuses while a file is open instead of
// leaving a detached mount behind.
func TestUnmountBusy(t *testing.T) {
	mnt, srv := mountMemfs(t, nil)
	f, err := os.Create(filepath.Join(mnt, "open"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Unmount(); !errors.Is(err, syscall.EBUSY) {
		t.Errorf("Unmount with an open file: %v, want EBUSY", err)
	}
	f.Close()
}
