package cgofuse

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// mountWinFsp mounts a new memfs volume through WinFsp on a directory that does not
// exist yet (WinFsp creates it); it is unmounted in t.Cleanup, also when the test
// fails. Without WinFsp the test is skipped, unless ANYFS_REQUIRE_FUSE=1.
func mountWinFsp(t *testing.T) string {
	t.Helper()
	mnt := filepath.Join(t.TempDir(), "mnt")
	v := fs.NewVolume(memfs.New(nil), nil)
	srv, err := Mount(v, mnt, &mountopt.Options{FSName: "memfs-test"})
	if errors.Is(err, mountopt.ErrNoFUSE) && os.Getenv("ANYFS_REQUIRE_FUSE") != "1" {
		t.Skipf("WinFsp is not available: %v", err)
	}
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Errorf("Unmount: %v", err)
		}
	})
	return mnt
}

// TestMountWinFsp: files and directories through a real WinFsp mount, with the
// Windows attributes carried in st_flags.
func TestMountWinFsp(t *testing.T) {
	mnt := mountWinFsp(t)
	p := func(name string) string { return filepath.Join(mnt, name) }

	writeAndAppend(t, p("a.txt"))

	if err := os.Mkdir(p("dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p("a.txt"), p(`dir\b.txt`)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p(`dir\b.txt`))
	if err != nil || st.Size() != 12 || st.IsDir() {
		t.Fatalf("Stat after rename: %v, %v", st, err)
	}
	wantDir(t, p("dir"), "b.txt")

	// Windows attributes: WinFsp carries them in st_flags, the adapter translates
	// them with pkg/attr, and memfs keeps them.
	name, err := syscall.UTF16PtrFromString(p(`dir\b.txt`))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetFileAttributes(name, syscall.FILE_ATTRIBUTE_HIDDEN|syscall.FILE_ATTRIBUTE_ARCHIVE); err != nil {
		t.Fatalf("SetFileAttributes: %v", err)
	}
	got, err := syscall.GetFileAttributes(name)
	if err != nil {
		t.Fatal(err)
	}
	if got&syscall.FILE_ATTRIBUTE_HIDDEN == 0 {
		t.Errorf("attributes %#x after setting HIDDEN|ARCHIVE: HIDDEN missing", got)
	}
	if err := syscall.SetFileAttributes(name, syscall.FILE_ATTRIBUTE_NORMAL); err != nil {
		t.Fatalf("SetFileAttributes(NORMAL): %v", err)
	}
	if got, err := syscall.GetFileAttributes(name); err != nil || got&syscall.FILE_ATTRIBUTE_HIDDEN != 0 {
		t.Errorf("attributes %#x after clearing: %v", got, err)
	}

	if err := os.Remove(p("dir")); err == nil {
		t.Error("removing a non-empty directory succeeded")
	}
	if err := os.RemoveAll(p("dir")); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(mnt); err != nil || len(entries) != 0 {
		t.Errorf("root after removing everything: %v, %v", entries, err)
	}
}
