package fs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"testing"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

// Volume tests against a real backend: memfs.

func memfsVolume(t *testing.T, opts fs.Options) *fs.Volume {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	v := fs.NewVolume(memfs.New(nil), &opts)
	t.Cleanup(func() { v.Unmounted(context.Background(), "") })
	return v
}

func memfsErrno(err error) fs.Errno { e, _ := fs.ErrnoOf(err); return e }

func TestVolumeMemfsOptions(t *testing.T) {
	ctx := context.Background()
	t.Run("ReadOnly", func(t *testing.T) {
		v := memfsVolume(t, fs.Options{ReadOnly: true})
		if _, err := v.Mkdir(ctx, "/d", 0o755); memfsErrno(err) != fs.EROFS {
			t.Fatalf("mkdir on a read-only volume: %v", err)
		}
		if v.Capabilities().Writable {
			t.Fatal("read-only volume reports Writable")
		}
	})
	t.Run("MaxFileSize", func(t *testing.T) {
		v := memfsVolume(t, fs.Options{MaxFileSize: 10})
		h, _, err := v.Create(ctx, "/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctx)
		if n, err := h.Write(ctx, make([]byte, 20), 0); n != 10 || err != nil {
			t.Fatalf("write across the limit: %d, %v", n, err)
		}
		if _, err := h.Write(ctx, []byte("x"), 10); memfsErrno(err) != fs.EFBIG {
			t.Fatalf("write past the limit: %v", err)
		}
	})
	t.Run("CaseInsensitive", func(t *testing.T) {
		v := memfsVolume(t, fs.Options{CaseInsensitive: true})
		if _, err := v.Mkdir(ctx, "/Docs", 0o755); err != nil {
			t.Fatal(err)
		}
		fi, err := v.Lookup(ctx, "/", "DOCS")
		if err != nil || fi.Name != "Docs" {
			t.Fatalf("lookup: %q, %v", fi.Name, err)
		}
	})
	t.Run("EnumerationPaging", func(t *testing.T) {
		v := memfsVolume(t, fs.Options{EnumerationPageSize: 7})
		var want []string
		for i := range 50 {
			name := fmt.Sprintf("n%02d", i)
			want = append(want, name)
			if _, err := v.Mknod(ctx, "/"+name, 0o644, 0); err != nil {
				t.Fatal(err)
			}
		}
		d, err := v.OpenDir(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close(ctx)
		var got []string
		pos := int64(0)
		for {
			n := 0
			if err := d.ReadDir(ctx, pos, func(fi *fs.FileInfo, next int64) bool {
				got = append(got, fi.Name)
				pos = next
				n++
				return n < 5 // the kernel's buffer holds five entries
			}); err != nil {
				t.Fatal(err)
			}
			if n < 5 {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("listing %q", got)
		}
	})
	t.Run("RenameOpenFile", func(t *testing.T) {
		v := memfsVolume(t, fs.Options{})
		v.Mkdir(ctx, "/a", 0o755)
		h, _, err := v.Create(ctx, "/a/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctx)
		if err := v.Rename(ctx, "/a", "/b", 0); err != nil {
			t.Fatal(err)
		}
		if h.Name() != "/b/f" {
			t.Fatalf("handle name %q after the parent's rename", h.Name())
		}
		name := "k"
		if runtime.GOOS == "linux" {
			name = "user.k"
		}
		if err := v.SetXattr(ctx, "/b/f", name, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Write(ctx, []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
	})
}
