//go:build cgofuse && linux

package cgofuse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// eventCalls is the number of events the volume has served, all kinds together.
func eventCalls(v *fs.Volume) (n uint64) {
	for _, s := range v.Stats() {
		n += s.Calls
	}
	return n
}

// TestKernelCaches checks that the kernel keeps the attributes and entries the
// adapter hands it for the timeouts asked for: within them, a repeated lstat, a
// lookup of a path's directories and of a missing name reach no event. Through
// libfuse 3 this needs the cgofuse of third_party/cgofuse, which keeps the
// timeouts libfuse parsed from the mount options.
func TestKernelCaches(t *testing.T) {
	mnt, srv := mountMemfs(t, &fs.Options{AttrTimeout: time.Hour, EntryTimeout: time.Hour, NegativeTimeout: time.Hour})
	v := srv.(*server).fsys.v
	if err := os.MkdirAll(filepath.Join(mnt, "d", "e"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "d", "e", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		missing bool
	}{
		{"lstat of a file", "d/e/f", false},
		{"lstat of a directory", "d", false},
		{"lstat of a missing name", "d/e/none", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(mnt, tt.path)
			lstat := func() {
				_, err := os.Lstat(p)
				if missing := errors.Is(err, os.ErrNotExist); missing != tt.missing || (err != nil && !missing) {
					t.Fatalf("lstat %s: %v", tt.path, err)
				}
			}
			lstat() // the kernel may ask once
			before := eventCalls(v)
			for range 20 {
				lstat()
			}
			if n := eventCalls(v) - before; n != 0 {
				t.Errorf("20 lstats of %s within the timeouts reached the volume %d times, want 0", tt.path, n)
			}
		})
	}
}

// TestKernelCachesHardLinks checks that a change made through one name of a file
// with two links shows at once under the other, although libfuse gives each name a
// node of its own whose attributes the kernel caches for the timeout.
func TestKernelCachesHardLinks(t *testing.T) {
	mnt, _ := mountMemfs(t, &fs.Options{AttrTimeout: time.Hour, EntryTimeout: time.Hour})
	a, b := filepath.Join(mnt, "a"), filepath.Join(mnt, "b")
	if err := os.Mkdir(filepath.Join(mnt, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a); err != nil { // cached with one link
		t.Fatal(err)
	}
	c := filepath.Join(mnt, "d", "c")
	tests := []struct {
		name  string
		do    func() error
		path  string // stated afterwards
		nlink uint64
		size  int64
	}{
		{"link: the first name's count", func() error { return os.Link(a, b) }, a, 2, 1},
		{"write through one name", func() error { return os.WriteFile(a, []byte("xyz"), 0o644) }, b, 2, 3},
		{"truncate through the other", func() error { return os.Truncate(b, 2) }, a, 2, 2},
		{"a third name", func() error { return os.Link(b, c) }, a, 3, 2},
		{"rename of its directory", func() error { return os.Rename(filepath.Join(mnt, "d"), filepath.Join(mnt, "e")) }, b, 3, 2},
		{"unlink of the moved name", func() error { return os.Remove(filepath.Join(mnt, "e", "c")) }, a, 2, 2},
		{"unlink of one name", func() error { return os.Remove(a) }, b, 1, 2},
	}
	for _, tt := range tests {
		if err := tt.do(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(tt.path, &st); err != nil {
			t.Fatalf("%s: lstat: %v", tt.name, err)
		}
		if uint64(st.Nlink) != tt.nlink || st.Size != tt.size {
			t.Errorf("%s: lstat %s: nlink %d size %d, want %d and %d", tt.name, filepath.Base(tt.path), st.Nlink, st.Size, tt.nlink, tt.size)
		}
	}
}

// TestKernelCachesLibraryUnlink: when a file of two links loses one through the
// library API, not the mount, the kernel's cached attributes of the other name
// are dropped (fs.FileIDInvalidator), so it shows one link at once.
func TestKernelCachesLibraryUnlink(t *testing.T) {
	mnt, srv := mountMemfs(t, &fs.Options{AttrTimeout: time.Hour, EntryTimeout: time.Hour})
	v := srv.(*server).fsys.v
	a, b := filepath.Join(mnt, "a"), filepath.Join(mnt, "b")
	if err := os.WriteFile(a, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	for _, p := range []string{a, b} { // both names cached with two links
		if err := syscall.Lstat(p, &st); err != nil || st.Nlink != 2 {
			t.Fatalf("lstat %s: %v, %d links, want 2", p, err, st.Nlink)
		}
	}
	if err := v.Remove(context.Background(), "/b", false); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Lstat(a, &st); err != nil || st.Nlink != 1 {
		t.Errorf("after an unlink through the library: lstat a: %v, %d links, want 1", err, st.Nlink)
	}
}
