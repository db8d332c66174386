package test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// getInfoEvents is how many OnGetFileInfo events v served.
func getInfoEvents(v *fs.Volume) uint64 {
	for _, s := range v.Stats() {
		if s.Event == "OnGetFileInfo" {
			return s.Calls
		}
	}
	return 0
}

// TestOwnedNamespaceNoStaleRead: a memfs volume (fs.NamespaceOwner) lets the kernel
// cache entries and attributes for long, and every change made through the library
// API, not through the mount, shows through the mount at once: modes, sizes and data,
// new names where the kernel had cached their absence, renames, removals, links.
func TestOwnedNamespaceNoStaleRead(t *testing.T) {
	ctx := context.Background()
	v := fs.NewVolume(memfs.New(nil), &fs.Options{Logger: quietLogger})
	if attrT, entryT, negT := v.KernelTimeouts(); attrT != fs.OwnedCacheTimeout || entryT != fs.OwnedCacheTimeout || negT != fs.OwnedCacheTimeout {
		t.Fatalf("kernel timeouts %v %v %v, want %v", attrT, entryT, negT, fs.OwnedCacheTimeout)
	}
	mnt := mounttest.Mount(t, v, adapters.GoFUSE)
	at := func(name string) string { return filepath.Join(mnt, name) }
	lstat := func(name string) (unix.Stat_t, error) {
		var st unix.Stat_t
		return st, unix.Lstat(at(name), &st)
	}
	write := func(name string, data string, off int64) {
		t.Helper()
		h, err := v.Open(ctx, name, fs.AccessWrite, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctx)
		if _, err := h.Write(ctx, []byte(data), off); err != nil {
			t.Fatal(err)
		}
	}
	mustNotExist := func(name string) {
		t.Helper()
		if _, err := lstat(name); !errors.Is(err, unix.ENOENT) {
			t.Fatalf("lstat %s through the mount: %v, want ENOENT", name, err)
		}
	}

	h, _, err := v.Create(ctx, "/a", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	h.Release(ctx)
	write("/a", "one", 0)
	if st, err := lstat("a"); err != nil || st.Size != 3 || st.Mode&0o777 != 0o644 {
		t.Fatalf("lstat a: %v, size %d mode %o", err, st.Size, st.Mode)
	}
	if data, err := os.ReadFile(at("a")); err != nil || string(data) != "one" {
		t.Fatalf("read a: %q, %v", data, err)
	}

	if _, err := v.SetAttributes(ctx, "/a", fs.Change{Valid: fs.ChangeMode, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	if st, err := lstat("a"); err != nil || st.Mode&0o777 != 0o600 {
		t.Fatalf("after a chmod through the library: lstat a %v, mode %o, want 600", err, st.Mode)
	}
	write("/a", "one two", 0)
	if st, err := lstat("a"); err != nil || st.Size != 7 {
		t.Fatalf("after a write through the library: lstat a %v, size %d, want 7", err, st.Size)
	}
	if data, err := os.ReadFile(at("a")); err != nil || string(data) != "one two" {
		t.Fatalf("after a write through the library: read a %q, %v", data, err)
	}

	mustNotExist("b") // the kernel now caches its absence
	if _, err := v.Mkdir(ctx, "/b", 0o755); err != nil {
		t.Fatal(err)
	}
	if st, err := lstat("b"); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		t.Fatalf("after a mkdir through the library: lstat b %v", err)
	}
	if err := v.Rename(ctx, "/b", "/c", 0); err != nil {
		t.Fatal(err)
	}
	mustNotExist("b")
	if _, err := lstat("c"); err != nil {
		t.Fatalf("after a rename through the library: lstat c %v", err)
	}
	if _, err := v.Link(ctx, "/a", "/c/h"); err != nil {
		t.Fatal(err)
	}
	if st, err := lstat("a"); err != nil || st.Nlink != 2 {
		t.Fatalf("after a link through the library: lstat a %v, %d links, want 2", err, st.Nlink)
	}
	if _, err := v.Symlink(ctx, "../a", "/c/l"); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(at("c/l")); err != nil || target != "../a" {
		t.Fatalf("after a symlink through the library: readlink %q, %v", target, err)
	}
	for _, name := range []string{"/c/h", "/c/l"} {
		if err := v.Remove(ctx, name, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Remove(ctx, "/c", true); err != nil {
		t.Fatal(err)
	}
	mustNotExist("c")
	if st, err := lstat("a"); err != nil || st.Nlink != 1 {
		t.Fatalf("after an unlink through the library: lstat a %v, %d links, want 1", err, st.Nlink)
	}

	// The caches are long: past the default timeout of 1s, a lstat is still
	// answered by the kernel.
	before := getInfoEvents(v)
	time.Sleep(1500 * time.Millisecond)
	if _, err := lstat("a"); err != nil {
		t.Fatal(err)
	}
	if got := getInfoEvents(v) - before; got != 0 {
		t.Errorf("a lstat 1.5s after the last reached the volume (%d events): the kernel's caches are short", got)
	}
}
