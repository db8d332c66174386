package passthrough

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// TestDirCacheConfinement caches the descriptor of a directory below the root,
// then has the host move that directory out of the root and put something else
// under its name; the next requests for names in it must not reach the moved
// directory, whatever took its place.
func TestDirCacheConfinement(t *testing.T) {
	tests := []struct {
		name    string
		replace func(t *testing.T, root, outside string) // after d moved to outside/moved
		found   bool                                     // whether /d/f then exists
	}{
		{"nothing", func(*testing.T, string, string) {}, false},
		{"a new directory", func(t *testing.T, root, _ string) { mkdir(t, filepath.Join(root, "d")) }, false},
		{"a new directory with the same name in it", func(t *testing.T, root, _ string) {
			mkdir(t, filepath.Join(root, "d"))
			write(t, filepath.Join(root, "d", "f"), "inside")
		}, true},
		{"a link to the moved directory", func(t *testing.T, root, outside string) {
			if err := os.Symlink(filepath.Join(outside, "moved"), filepath.Join(root, "d")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a file", func(t *testing.T, root, _ string) { write(t, filepath.Join(root, "d"), "") }, false},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, root, outside := setup(t, nil)
			mkdir(t, filepath.Join(root, "d"))
			write(t, filepath.Join(root, "d", "f"), "moved")
			e := &fs.GetFileInfoEvent{Name: "/d/f"}
			if err := p.OnGetFileInfo(ctx, e); err != nil { // caches d
				t.Fatal(err)
			}
			if noOpenat2.Load() {
				t.Skip("openat2 is not available here: nothing is cached")
			}
			if err := os.Rename(filepath.Join(root, "d"), filepath.Join(outside, "moved")); err != nil {
				t.Fatal(err)
			}
			tt.replace(t, root, outside)

			e = &fs.GetFileInfoEvent{Name: "/d/f"}
			err := p.OnGetFileInfo(ctx, e)
			if (err == nil) != tt.found {
				t.Fatalf("lstat /d/f after the move: %v, want found %v", err, tt.found)
			}
			if err == nil && e.Info.Size != int64(len("inside")) {
				t.Fatalf("lstat /d/f reached the moved directory (size %d)", e.Info.Size)
			}
			// A create and an unlink must not reach it either.
			c := &fs.CreateFileEvent{Name: "/d/new", Mode: 0o644}
			if err := p.OnCreateFile(ctx, c); err == nil {
				p.OnCloseFile(ctx, &fs.CloseFileEvent{Name: "/d/new", FileContext: c.FileContext})
			}
			p.OnDeleteFile(ctx, &fs.DeleteFileEvent{Name: "/d/f"})
			if _, err := os.Lstat(filepath.Join(outside, "moved", "new")); err == nil {
				t.Error("a create reached the moved directory")
			}
			if _, err := os.Lstat(filepath.Join(outside, "moved", "f")); err != nil {
				t.Errorf("an unlink reached the moved directory: %v", err)
			}
		})
	}
}

// TestDirCacheBound checks that the cache keeps at most maxCachedDirs
// descriptors and that Close releases them all.
func TestDirCacheBound(t *testing.T) {
	p, _, root, _ := setup(t, nil)
	open := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(ents)
	}
	before := open()
	ctx := context.Background()
	for i := range 2 * maxCachedDirs {
		d := "d" + strconv.Itoa(i)
		mkdir(t, filepath.Join(root, d))
		p.OnGetFileInfo(ctx, &fs.GetFileInfoEvent{Name: "/" + d + "/f"})
	}
	if n := open() - before; n > maxCachedDirs {
		t.Errorf("%d more descriptors open after lookups in %d directories, want at most %d", n, 2*maxCachedDirs, maxCachedDirs)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := open() - before; n != -2 { // the root's two descriptors are closed too
		t.Errorf("%d descriptors more than before the lookups after Close, want -2 (the root's)", n)
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
