package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/backend/vault"
	"github.com/anyfs/anyfs/fs"
)

// smallHost mounts an 8 MiB tmpfs for the test (root only), unmounted when it
// ends.
func smallHost(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=8m,mode=0700"); err != nil {
		if os.Getenv("ANYFS_REQUIRE_FUSE") != "" && os.Geteuid() == 0 {
			t.Fatalf("mount tmpfs: %v", err)
		}
		t.Skipf("cannot mount a small tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			unix.Unmount(dir, unix.MNT_DETACH)
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestNoSpace: on a full host the writer gets fs.ErrNoSpace, the vault stays
// consistent, and once space is freed it works again. statfs reports the host's
// size.
func TestNoSpace(t *testing.T) {
	host := smallHost(t)
	path := filepath.Join(host, "full.vault")
	f, err := vault.Open(path, &vault.Options{BufferSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	v := fs.NewVolume(f, nil)
	size, err := v.VolumeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(host, &st); err != nil {
		t.Fatal(err)
	}
	if size.TotalBytes != st.Blocks*uint64(st.Bsize) || size.TotalBytes != 8<<20 {
		t.Errorf("statfs: %d bytes, want the host's %d", size.TotalBytes, st.Blocks*uint64(st.Bsize))
	}
	writeFile(t, v, "/keep", []byte("kept"))
	// Leave about 3 MiB free beside the vault.
	filler := filepath.Join(host, "filler")
	if err := os.WriteFile(filler, make([]byte, 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	chunk := pattern(256<<10, 7)
	var full error
	written := 0
	for i := 0; full == nil && i < 64; i++ {
		h, _, err := v.Create(ctx, "/f"+strconv.Itoa(i), fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			full = err
			break
		}
		for k := 0; k < 4 && full == nil; k++ {
			_, full = h.Write(ctx, chunk, int64(k*len(chunk)))
		}
		if full == nil {
			full = h.Close(ctx, 0) // close(2): the durable commit
		}
		h.Release(ctx)
		if full == nil {
			written++
		}
	}
	if !errors.Is(full, fs.ErrNoSpace) {
		t.Fatalf("after %d files of 1 MiB on an 8 MiB host: %v, want ErrNoSpace", written, full)
	}
	if err := f.Close(); err != nil && !errors.Is(err, fs.ErrNoSpace) {
		t.Fatalf("close: %v", err)
	}
	// Reading a vault read-only needs room for its index file (FILE-shm).
	if _, err := vault.Check(path); !errors.Is(err, fs.ErrNoSpace) || !strings.Contains(err.Error(), "-shm, which cannot be made") {
		t.Errorf("check on a full host: %v, want ErrNoSpace naming the index file", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// Removing the filler did not touch the vault: it is as the full host left it.
	r, err := vault.Check(path)
	if err != nil || len(r.Problems) > 0 {
		t.Fatalf("check of the vault the full host left: %v, %v", r, err)
	}
	f, err = vault.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v = fs.NewVolume(f, nil)
	if got := readFile(t, v, "/keep"); string(got) != "kept" {
		t.Errorf("/keep: %q", got)
	}
	for i := range written {
		if got := readFile(t, v, "/f"+strconv.Itoa(i)); len(got) != 1<<20 {
			t.Errorf("/f%d: %d bytes, want 1 MiB", i, len(got))
		}
	}
	writeFile(t, v, "/after", pattern(1<<20, 8))
	if got := readFile(t, v, "/after"); len(got) != 1<<20 {
		t.Errorf("written after freeing space: %d bytes", len(got))
	}
}
