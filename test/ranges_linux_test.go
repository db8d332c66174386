package test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

func calls(v *fs.Volume, event string) uint64 {
	for _, s := range v.Stats() {
		if s.Event == event {
			return s.Calls
		}
	}
	return 0
}

// TestRangeEventsReachTheBackend: fallocate, SEEK_DATA / SEEK_HOLE and
// copy_file_range on the mount are the backend's events (go-fuse; cgofuse has
// none of these operations), and memfs keeps a copied file's holes.
func TestRangeEventsReachTheBackend(t *testing.T) {
	for _, b := range []struct {
		name string
		new  func(t *testing.T) fs.Interface
	}{
		{"memfs", func(*testing.T) fs.Interface { return memfs.New(nil) }},
		{"passthrough", func(t *testing.T) fs.Interface {
			p, err := passthrough.New(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			return p
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			v := fs.NewVolume(b.new(t), nil)
			mnt := mounttest.Mount(t, v, "gofuse")
			src, err := os.Create(filepath.Join(mnt, "src"))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			const size = 16 << 20
			ok(t, "truncate", src.Truncate(size))
			for _, off := range []int64{0, size - 4096} {
				if _, err := src.WriteAt(bytes.Repeat([]byte("d"), 4096), off); err != nil {
					t.Fatal(err)
				}
			}
			ok(t, "punch", unix.Fallocate(int(src.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, 1024))
			if _, err := unix.Seek(int(src.Fd()), 0, unix.SEEK_HOLE); err != nil {
				t.Fatal(err)
			}
			dst, err := os.Create(filepath.Join(mnt, "dst"))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			var roff, woff int64
			for roff < size {
				n, err := unix.CopyFileRange(int(src.Fd()), &roff, int(dst.Fd()), &woff, size, 0)
				ok(t, "copy_file_range", err)
				if n == 0 {
					t.Fatalf("copy_file_range: 0 bytes at %d of %d", roff, size)
				}
			}
			for _, ev := range []string{"OnAllocateRange", "OnSeekData", "OnCopyFileRange"} {
				if calls(v, ev) == 0 {
					t.Errorf("no %s event: the operation did not reach the backend", ev)
				}
			}
			a, err := os.ReadFile(src.Name())
			ok(t, "read the source", err)
			c, err := os.ReadFile(dst.Name())
			ok(t, "read the copy", err)
			if !bytes.Equal(a, c) {
				t.Fatal("the copy differs from the source")
			}
			if b.name == "memfs" {
				var st unix.Stat_t
				ok(t, "fstat", unix.Fstat(int(dst.Fd()), &st))
				if st.Blocks*512 > 64<<10 {
					t.Errorf("the copy of a 16 MiB file with 8 KiB of data takes %d bytes: its holes were filled", st.Blocks*512)
				}
			}
		})
	}
}

// TestPassthroughSparseFromTheHost: a sparse file made on the host shows its real
// allocation on the mount (du), and its holes.
func TestPassthroughSparseFromTheHost(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sparse"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ok(t, "truncate", os.Truncate(filepath.Join(dir, "sparse"), 1<<30))
	p, err := passthrough.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	mnt := mounttest.Mount(t, fs.NewVolume(p, nil), mounttest.Adapters()[0])
	var host, mounted unix.Stat_t
	ok(t, "host stat", unix.Stat(filepath.Join(dir, "sparse"), &host))
	ok(t, "mount stat", unix.Stat(filepath.Join(mnt, "sparse"), &mounted))
	if mounted.Size != 1<<30 || mounted.Blocks != host.Blocks {
		t.Fatalf("mount: size %d, st_blocks %d; host: st_blocks %d", mounted.Size, mounted.Blocks, host.Blocks)
	}
}
