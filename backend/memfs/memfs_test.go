package memfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

const tib = int64(1) << 40

var bg = fs.WithCaller(context.Background(), fs.Caller{Pid: 1, Uid: 1000, Gid: 100})

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newVolume(t testing.TB, opts *memfs.Options) (*fs.Volume, *memfs.FS) {
	t.Helper()
	m := memfs.New(opts)
	v := fs.NewVolume(m, &fs.Options{Logger: quietLog()})
	t.Cleanup(func() { v.Unmounted(context.Background(), "") })
	return v, m
}

func must[T any](t testing.TB) func(T, error) T {
	return func(x T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
}

func wantErrno(t testing.TB, err error, want fs.Errno) {
	t.Helper()
	got, _ := fs.ErrnoOf(err)
	if got != want {
		t.Fatalf("error %v is %v, want %v", err, got, want)
	}
}

func create(t testing.TB, v *fs.Volume, name string) *fs.Handle {
	t.Helper()
	h, _, err := v.Create(bg, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Release(context.Background()) })
	return h
}

func writeFile(t testing.TB, v *fs.Volume, name string, data []byte) {
	t.Helper()
	h := create(t, v, name)
	if n, err := h.Write(bg, data, 0); err != nil || n != len(data) {
		t.Fatalf("write %s: %d, %v", name, n, err)
	}
	h.Release(bg)
}

func readAll(t testing.TB, h *fs.Handle) []byte {
	t.Helper()
	fi, err := h.Stat(bg)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, fi.Size+10)
	n, err := h.Read(bg, buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func readFile(t testing.TB, v *fs.Volume, name string) []byte {
	t.Helper()
	h, err := v.Open(bg, name, fs.AccessRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(bg)
	return readAll(t, h)
}

func TestReadWriteTruncate(t *testing.T) {
	v, _ := newVolume(t, nil)
	h := create(t, v, "/f")
	steps := []struct {
		name string
		do   func() error
		want []byte
	}{
		{"write", func() error { _, err := h.Write(bg, []byte("hello"), 0); return err }, []byte("hello")},
		{"overwrite", func() error { _, err := h.Write(bg, []byte("J"), 0); return err }, []byte("Jello")},
		{"write past end", func() error { _, err := h.Write(bg, []byte("!"), 7); return err }, []byte("Jello\x00\x00!")},
		{"shrink", func() error { _, err := h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 3}); return err }, []byte("Jel")},
		{"grow", func() error { _, err := h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 6}); return err }, []byte("Jel\x00\x00\x00")},
		{"cross page", func() error {
			_, err := h.Write(bg, bytes.Repeat([]byte{'x'}, 3), memfs.PageSize-1)
			return err
		}, append(append([]byte("Jel"), make([]byte, memfs.PageSize-4)...), "xxx"...)},
		{"truncate zero", func() error { _, err := h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 0}); return err }, []byte{}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := readAll(t, h); !bytes.Equal(got, s.want) {
			t.Fatalf("%s: contents %q, want %q", s.name, got, s.want)
		}
		fi := must[fs.FileInfo](t)(v.Stat(bg, "/f"))
		if fi.Size != int64(len(s.want)) {
			t.Fatalf("%s: size %d, want %d", s.name, fi.Size, len(s.want))
		}
	}
	// Append: every write goes to the end, whatever the position.
	writeFile(t, v, "/log", []byte("ab"))
	a := must[*fs.Handle](t)(v.Open(bg, "/log", fs.AccessWrite, fs.OpenAppend))
	defer a.Release(bg)
	for _, s := range []string{"cd", "ef"} {
		if _, err := a.Write(bg, []byte(s), 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, v, "/log"); string(got) != "abcdef" {
		t.Fatalf("append: %q", got)
	}
	// O_TRUNC through Open.
	tr := must[*fs.Handle](t)(v.Open(bg, "/log", fs.AccessWrite, fs.OpenTruncate))
	tr.Release(bg)
	if got := readFile(t, v, "/log"); len(got) != 0 {
		t.Fatalf("O_TRUNC: %q", got)
	}
	// Reading a directory, writing one.
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	_, err := v.Open(bg, "/d", fs.AccessWrite, 0)
	wantErrno(t, err, fs.EISDIR)
}

func TestTruncateZeroesTail(t *testing.T) {
	v, m := newVolume(t, nil)
	h := create(t, v, "/f")
	if _, err := h.Write(bg, bytes.Repeat([]byte{0xff}, 3*memfs.PageSize), 0); err != nil {
		t.Fatal(err)
	}
	if used, _ := m.Used(); used != 3*memfs.PageSize {
		t.Fatalf("used %d", used)
	}
	must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 100}))
	if used, _ := m.Used(); used != memfs.PageSize {
		t.Fatalf("after shrink: used %d, want one page", used)
	}
	fi := must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 3 * memfs.PageSize}))
	if fi.AllocationSize != memfs.PageSize {
		t.Fatalf("allocation %d", fi.AllocationSize)
	}
	got := readAll(t, h)
	want := append(bytes.Repeat([]byte{0xff}, 100), make([]byte, 3*memfs.PageSize-100)...)
	if !bytes.Equal(got, want) {
		t.Fatal("bytes past a shrink are not zero after growing again")
	}
}

func TestSparse(t *testing.T) {
	m := memfs.New(nil)
	ce := fs.CreateFileEvent{Name: "/sparse", Mode: attr.S_IFREG | 0o644}
	if err := m.OnCreateFile(bg, &ce); err != nil {
		t.Fatal(err)
	}
	w := fs.WriteFileEvent{Name: "/sparse", FileContext: ce.FileContext, Position: tib, Buffer: []byte{42}}
	if err := m.OnWriteFile(bg, &w); err != nil || w.BytesWritten != 1 {
		t.Fatal(w.BytesWritten, err)
	}
	gi := fs.GetFileInfoEvent{Name: "/sparse"}
	if err := m.OnGetFileInfo(bg, &gi); err != nil {
		t.Fatal(err)
	}
	if gi.Info.Size != tib+1 || gi.Info.AllocationSize != memfs.PageSize {
		t.Fatalf("size %d allocation %d", gi.Info.Size, gi.Info.AllocationSize)
	}
	if used, _ := m.Used(); used != memfs.PageSize {
		t.Fatalf("1 byte at 1 TiB uses %d bytes", used)
	}
	for _, c := range []struct {
		pos  int64
		n    int
		want []byte
	}{
		{0, 8, make([]byte, 8)},
		{tib - 2, 8, []byte{0, 0, 42}},
		{tib, 8, []byte{42}},
		{tib + 1, 8, []byte{}},
		{tib + 100, 8, []byte{}},
	} {
		buf := bytes.Repeat([]byte{0xee}, c.n)
		r := fs.ReadFileEvent{Name: "/sparse", FileContext: ce.FileContext, Position: c.pos, Buffer: buf}
		if err := m.OnReadFile(bg, &r); err != nil {
			t.Fatal(err)
		}
		if got := buf[:r.BytesRead]; !bytes.Equal(got, c.want) {
			t.Fatalf("read at %d: %v, want %v", c.pos, got, c.want)
		}
	}
	// Truncating a sparse file away frees its page without visiting the hole.
	s := fs.SetFileSizeEvent{Name: "/sparse", FileContext: ce.FileContext, Size: 10}
	if err := m.OnSetFileSize(bg, &s); err != nil {
		t.Fatal(err)
	}
	if used, _ := m.Used(); used != 0 {
		t.Fatalf("used %d after truncate", used)
	}
	// Extending by truncate allocates nothing.
	s.Size = tib
	if err := m.OnSetFileSize(bg, &s); err != nil {
		t.Fatal(err)
	}
	if used, _ := m.Used(); used != 0 {
		t.Fatalf("used %d after extending", used)
	}
}

func TestAllocate(t *testing.T) {
	v, m := newVolume(t, &memfs.Options{Capacity: 16 * memfs.PageSize})
	h := create(t, v, "/f")
	if err := h.Allocate(bg, 0, 5000, 0); err != nil {
		t.Fatal(err)
	}
	fi := must[fs.FileInfo](t)(h.Stat(bg))
	if fi.Size != 5000 || fi.AllocationSize != 2*memfs.PageSize {
		t.Fatalf("size %d alloc %d", fi.Size, fi.AllocationSize)
	}
	// KEEP_SIZE preallocation straight through the backend: size stays.
	e := fs.SetAllocationSizeEvent{Name: "/f", FileContext: h.FileContext(), AllocationSize: 8 * memfs.PageSize}
	if err := m.OnSetAllocationSize(bg, &e); err != nil {
		t.Fatal(err)
	}
	fi = must[fs.FileInfo](t)(h.Stat(bg))
	if fi.Size != 5000 || fi.AllocationSize != 8*memfs.PageSize {
		t.Fatalf("size %d alloc %d", fi.Size, fi.AllocationSize)
	}
	// Too much: ENOSPC and nothing allocated.
	e.AllocationSize = 100 * memfs.PageSize
	wantErrno(t, m.OnSetAllocationSize(bg, &e), fs.ENOSPC)
	if used, _ := m.Used(); used != 8*memfs.PageSize {
		t.Fatalf("used %d", used)
	}
	// Truncate drops the preallocation past the end.
	must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 4096}))
	if used, _ := m.Used(); used != memfs.PageSize {
		t.Fatalf("used %d after truncate", used)
	}
	if got := readAll(t, h); !bytes.Equal(got, make([]byte, 4096)) {
		t.Fatal("preallocated data not zero")
	}
}

func TestCreateModesOwners(t *testing.T) {
	v, m := newVolume(t, nil)
	h, fi, err := v.Create(bg, "/suid", fs.CreateRequest{Mode: attr.S_ISUID | attr.S_ISGID | 0o755, Access: fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	h.Release(bg)
	if fi.Mode != attr.S_IFREG|attr.S_ISUID|attr.S_ISGID|0o755 || fi.Uid != 1000 || fi.Gid != 100 {
		t.Fatalf("mode %v uid %d gid %d", fi.Mode, fi.Uid, fi.Gid)
	}
	fi = must[fs.FileInfo](t)(v.Mkdir(bg, "/sticky", attr.S_ISVTX|0o777))
	if fi.Mode != attr.S_IFDIR|attr.S_ISVTX|0o777 || fi.LinkCount != 2 {
		t.Fatalf("dir mode %v nlink %d", fi.Mode, fi.LinkCount)
	}
	for _, c := range []struct {
		name string
		mode attr.Mode
		rdev uint64
	}{
		{"/fifo", attr.S_IFIFO | 0o600, 0},
		{"/sock", attr.S_IFSOCK | 0o600, 0},
		{"/chr", attr.S_IFCHR | 0o620, 0x0501},
		{"/blk", attr.S_IFBLK | 0o660, 0x0801},
	} {
		fi := must[fs.FileInfo](t)(v.Mknod(bg, c.name, c.mode, c.rdev))
		st := must[fs.FileInfo](t)(v.Stat(bg, c.name))
		if fi.Mode != c.mode || st.Mode != c.mode || st.Rdev != c.rdev {
			t.Fatalf("%s: mode %v/%v rdev %#x", c.name, fi.Mode, st.Mode, st.Rdev)
		}
	}
	// Errors, straight through the backend.
	writeFile(t, v, "/file", nil)
	for _, c := range []struct {
		name string
		mode attr.Mode
		want fs.Errno
	}{
		{"/file", attr.S_IFREG | 0o644, fs.EEXIST},
		{"/sticky", attr.S_IFDIR | 0o755, fs.EEXIST},
		{"/missing/x", attr.S_IFREG | 0o644, fs.ENOENT},
		{"/file/x", attr.S_IFREG | 0o644, fs.ENOTDIR},
		{"/lnk", attr.S_IFLNK | 0o777, fs.EINVAL},
		{"/", attr.S_IFDIR | 0o755, fs.EINVAL},
	} {
		e := fs.CreateFileEvent{Name: c.name, Mode: c.mode}
		wantErrno(t, m.OnCreateFile(bg, &e), c.want)
	}
	// Through the volume: O_EXCL on an existing file.
	_, _, err = v.Create(bg, "/file", fs.CreateRequest{Mode: 0o644, Exclusive: true})
	wantErrno(t, err, fs.EEXIST)
	// Windows attributes on create.
	h, fi, err = v.Create(bg, "/hidden", fs.CreateRequest{Mode: 0o644, Attributes: attr.Hidden | attr.Archive})
	if err != nil {
		t.Fatal(err)
	}
	h.Release(bg)
	if fi.Attributes != attr.Hidden|attr.Archive {
		t.Fatalf("attributes %v", fi.Attributes)
	}
}

func TestSetAttributes(t *testing.T) {
	v, _ := newVolume(t, nil)
	writeFile(t, v, "/f", []byte("x"))
	at := time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC)
	mt := time.Date(2002, 2, 3, 4, 5, 6, 123456789, time.UTC)
	bt := time.Date(1999, 1, 1, 0, 0, 0, 1, time.UTC)
	fi := must[fs.FileInfo](t)(v.SetAttributes(bg, "/f", fs.Change{Valid: fs.ChangeAtime | fs.ChangeMtime | fs.ChangeCrtime,
		Atime: at, Mtime: mt, Crtime: bt}))
	if !fi.LastAccessTime.Equal(at) || !fi.LastWriteTime.Equal(mt) || !fi.CreationTime.Equal(bt) {
		t.Fatalf("times %v %v %v", fi.LastAccessTime, fi.LastWriteTime, fi.CreationTime)
	}
	// Zero and 1601-01-01 keep.
	m := memfs.New(nil)
	ce := fs.CreateFileEvent{Name: "/g", Mode: attr.S_IFREG | 0o644}
	if err := m.OnCreateFile(bg, &ce); err != nil {
		t.Fatal(err)
	}
	born := ce.Info.CreationTime
	e := fs.SetFileAttributesEvent{Name: "/g", CreationTime: time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC),
		Attributes: attr.Hidden | attr.System}
	if err := m.OnSetFileAttributes(bg, &e); err != nil {
		t.Fatal(err)
	}
	gi := fs.GetFileInfoEvent{Name: "/g"}
	m.OnGetFileInfo(bg, &gi)
	if !gi.Info.CreationTime.Equal(born) || gi.Info.Attributes != attr.Hidden|attr.System {
		t.Fatalf("crtime %v attributes %v", gi.Info.CreationTime, gi.Info.Attributes)
	}
	for _, c := range []struct {
		set, want attr.FileAttributes
	}{
		{0, attr.Hidden | attr.System},                // no change
		{attr.ReadOnly, attr.ReadOnly},                // replaces the settable bits
		{attr.Archive | attr.Directory, attr.Archive}, // Directory is not settable
		{attr.Normal, 0},                              // clears all
		{attr.Hidden | attr.Normal, attr.Hidden},      // Normal with others is ignored
		{attr.Temporary | attr.Offline, attr.Temporary | attr.Offline},
	} {
		e := fs.SetFileAttributesEvent{Name: "/g", Attributes: c.set}
		if err := m.OnSetFileAttributes(bg, &e); err != nil {
			t.Fatal(err)
		}
		gi := fs.GetFileInfoEvent{Name: "/g"}
		m.OnGetFileInfo(bg, &gi)
		if gi.Info.Attributes != c.want {
			t.Fatalf("set %v: got %v, want %v", c.set, gi.Info.Attributes, c.want)
		}
	}
	// Mode and owner through the volume; setuid survives a chown.
	fi = must[fs.FileInfo](t)(v.SetAttributes(bg, "/f", fs.Change{Valid: fs.ChangeMode, Mode: attr.S_ISUID | 0o700}))
	fi = must[fs.FileInfo](t)(v.SetAttributes(bg, "/f", fs.Change{Valid: fs.ChangeUid | fs.ChangeGid, Uid: 7, Gid: 8}))
	if fi.Mode != attr.S_IFREG|attr.S_ISUID|0o700 || fi.Uid != 7 || fi.Gid != 8 {
		t.Fatalf("mode %v uid %d gid %d", fi.Mode, fi.Uid, fi.Gid)
	}
	// Windows attributes through the volume; a directory keeps Directory.
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	fi = must[fs.FileInfo](t)(v.SetAttributes(bg, "/d", fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.Hidden}))
	if fi.Attributes != attr.Hidden|attr.Directory || !fi.IsDir() {
		t.Fatalf("dir attributes %v", fi.Attributes)
	}
}

// tick makes sure the clock moves between two operations.
func tick() { time.Sleep(2 * time.Millisecond) }

func TestTimes(t *testing.T) {
	v, _ := newVolume(t, nil)
	stat := func(name string) fs.FileInfo { t.Helper(); return must[fs.FileInfo](t)(v.Stat(bg, name)) }
	after := func(what string, a, b time.Time) {
		t.Helper()
		if !a.After(b) {
			t.Fatalf("%s: %v not after %v", what, a, b)
		}
	}
	same := func(what string, a, b time.Time) {
		t.Helper()
		if !a.Equal(b) {
			t.Fatalf("%s changed: %v -> %v", what, b, a)
		}
	}
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	must[fs.FileInfo](t)(v.Mkdir(bg, "/e", 0o755))
	d0 := stat("/d")
	tick()
	h := create(t, v, "/d/f")
	d1, f1 := stat("/d"), stat("/d/f")
	after("create: parent mtime", d1.LastWriteTime, d0.LastWriteTime)
	after("create: parent ctime", d1.ChangeTime, d0.ChangeTime)
	if !f1.CreationTime.Equal(f1.LastWriteTime) || f1.CreationTime.Before(d1.LastWriteTime.Add(-time.Second)) {
		t.Fatalf("new file times %v %v", f1.CreationTime, f1.LastWriteTime)
	}
	if f1.LastWriteTime.Nanosecond() == 0 && f1.ChangeTime.Nanosecond() == 0 {
		t.Log("times have no nanoseconds (coarse clock?)")
	}

	tick()
	h.Write(bg, []byte("data"), 0)
	f2 := stat("/d/f")
	after("write: mtime", f2.LastWriteTime, f1.LastWriteTime)
	after("write: ctime", f2.ChangeTime, f1.ChangeTime)
	same("write: crtime", f2.CreationTime, f1.CreationTime)
	same("write: parent mtime", stat("/d").LastWriteTime, d1.LastWriteTime)

	tick()
	buf := make([]byte, 4)
	h.Read(bg, buf, 0)
	f3 := stat("/d/f")
	after("read after write: atime (relatime)", f3.LastAccessTime, f2.LastAccessTime)
	tick()
	h.Read(bg, buf, 0)
	same("second read: atime (relatime)", stat("/d/f").LastAccessTime, f3.LastAccessTime)

	tick()
	must[fs.FileInfo](t)(v.SetAttributes(bg, "/d/f", fs.Change{Valid: fs.ChangeMode, Mode: 0o600}))
	f4 := stat("/d/f")
	after("chmod: ctime", f4.ChangeTime, f3.ChangeTime)
	same("chmod: mtime", f4.LastWriteTime, f3.LastWriteTime)

	tick()
	must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 1}))
	f5 := stat("/d/f")
	after("truncate: mtime", f5.LastWriteTime, f4.LastWriteTime)
	after("truncate: ctime", f5.ChangeTime, f4.ChangeTime)

	tick()
	must[fs.FileInfo](t)(v.Link(bg, "/d/f", "/d/g"))
	f6 := stat("/d/f")
	after("link: ctime", f6.ChangeTime, f5.ChangeTime)
	same("link: mtime", f6.LastWriteTime, f5.LastWriteTime)

	tick()
	d2, e2 := stat("/d"), stat("/e")
	if err := v.Rename(bg, "/d/f", "/e/f", 0); err != nil {
		t.Fatal(err)
	}
	f7, d3, e3 := stat("/e/f"), stat("/d"), stat("/e")
	after("rename: ctime", f7.ChangeTime, f6.ChangeTime)
	same("rename: mtime", f7.LastWriteTime, f6.LastWriteTime)
	after("rename: old parent mtime", d3.LastWriteTime, d2.LastWriteTime)
	after("rename: new parent mtime", e3.LastWriteTime, e2.LastWriteTime)
	after("rename: new parent ctime", e3.ChangeTime, e2.ChangeTime)

	tick()
	if err := v.Remove(bg, "/d/g", false); err != nil {
		t.Fatal(err)
	}
	f8, d4 := stat("/e/f"), stat("/d")
	after("unlink: ctime of the remaining link", f8.ChangeTime, f7.ChangeTime)
	after("unlink: parent mtime", d4.LastWriteTime, d3.LastWriteTime)

	tick()
	if err := v.SetXattr(bg, "/e/f", xattr("k"), []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	after("setxattr: ctime", stat("/e/f").ChangeTime, f8.ChangeTime)
}

func TestHardLinks(t *testing.T) {
	v, m := newVolume(t, nil)
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	writeFile(t, v, "/a", []byte("shared"))
	l := must[fs.FileInfo](t)(v.Link(bg, "/a", "/d/b"))
	a := must[fs.FileInfo](t)(v.Stat(bg, "/a"))
	if l.FileID != a.FileID || a.LinkCount != 2 || l.LinkCount != 2 {
		t.Fatalf("ids %d %d nlink %d %d", a.FileID, l.FileID, a.LinkCount, l.LinkCount)
	}
	// One node: a change through one name shows through the other.
	h := must[*fs.Handle](t)(v.Open(bg, "/d/b", fs.AccessWrite, 0))
	h.Write(bg, []byte("S"), 0)
	h.Release(bg)
	if got := readFile(t, v, "/a"); string(got) != "Shared" {
		t.Fatalf("through the other link: %q", got)
	}
	must[fs.FileInfo](t)(v.SetAttributes(bg, "/a", fs.Change{Valid: fs.ChangeMode, Mode: 0o600}))
	if fi := must[fs.FileInfo](t)(v.Stat(bg, "/d/b")); fi.Mode.Perm() != 0o600 {
		t.Fatalf("mode through link %v", fi.Mode)
	}
	_, err := v.Link(bg, "/a", "/d/b")
	wantErrno(t, err, fs.EEXIST)
	_, err = v.Link(bg, "/d", "/d2")
	wantErrno(t, err, fs.EPERM)
	e := fs.CreateHardLinkEvent{Name: "/d", LinkName: "/d3"}
	wantErrno(t, m.OnCreateHardLink(bg, &e), fs.EPERM)
	e = fs.CreateHardLinkEvent{Name: "/nope", LinkName: "/x"}
	wantErrno(t, m.OnCreateHardLink(bg, &e), fs.ENOENT)
	// Rename of one link over the other: nothing happens (POSIX).
	if err := v.Rename(bg, "/a", "/d/b", 0); err != nil {
		t.Fatal(err)
	}
	if fi := must[fs.FileInfo](t)(v.Stat(bg, "/a")); fi.LinkCount != 2 {
		t.Fatalf("nlink %d after rename onto own link", fi.LinkCount)
	}
	if err := v.Remove(bg, "/a", false); err != nil {
		t.Fatal(err)
	}
	if fi := must[fs.FileInfo](t)(v.Stat(bg, "/d/b")); fi.LinkCount != 1 {
		t.Fatalf("nlink %d after unlink", fi.LinkCount)
	}
	if got := readFile(t, v, "/d/b"); string(got) != "Shared" {
		t.Fatalf("data after unlink of the other link: %q", got)
	}
	if used, _ := m.Used(); used != memfs.PageSize {
		t.Fatalf("used %d", used)
	}
	if err := v.Remove(bg, "/d/b", false); err != nil {
		t.Fatal(err)
	}
	if used, files := m.Used(); used != 0 || files != 2 {
		t.Fatalf("used %d files %d after last unlink", used, files)
	}
}

func TestDirLinkCounts(t *testing.T) {
	v, _ := newVolume(t, nil)
	nlink := func(name string) uint32 { t.Helper(); return must[fs.FileInfo](t)(v.Stat(bg, name)).LinkCount }
	check := func(want map[string]uint32) {
		t.Helper()
		for name, n := range want {
			if got := nlink(name); got != n {
				t.Fatalf("nlink(%s) = %d, want %d", name, got, n)
			}
		}
	}
	check(map[string]uint32{"/": 2})
	must[fs.FileInfo](t)(v.Mkdir(bg, "/a", 0o755))
	must[fs.FileInfo](t)(v.Mkdir(bg, "/b", 0o755))
	must[fs.FileInfo](t)(v.Mkdir(bg, "/a/x", 0o755))
	must[fs.FileInfo](t)(v.Mkdir(bg, "/a/y", 0o755))
	writeFile(t, v, "/a/file", nil)
	check(map[string]uint32{"/": 4, "/a": 4, "/b": 2, "/a/x": 2, "/a/file": 1})
	if err := v.Rename(bg, "/a/x", "/b/x", 0); err != nil {
		t.Fatal(err)
	}
	check(map[string]uint32{"/": 4, "/a": 3, "/b": 3})
	// A directory replacing an empty directory.
	must[fs.FileInfo](t)(v.Mkdir(bg, "/b/empty", 0o755))
	check(map[string]uint32{"/b": 4})
	if err := v.Rename(bg, "/a/y", "/b/empty", 0); err != nil {
		t.Fatal(err)
	}
	check(map[string]uint32{"/a": 2, "/b": 4})
	if err := v.Remove(bg, "/b/empty", true); err != nil {
		t.Fatal(err)
	}
	check(map[string]uint32{"/b": 3})
	// Exchange of a directory and a file across directories.
	if err := v.Rename(bg, "/b/x", "/a/file", fs.RenameExchange); err != nil {
		t.Fatal(err)
	}
	check(map[string]uint32{"/a": 3, "/b": 2, "/a/file": 2, "/b/x": 1})
	if fi := must[fs.FileInfo](t)(v.Stat(bg, "/a")); fi.Size != 20*3 {
		t.Fatalf("dir size %d", fi.Size)
	}
}

func TestSymlinks(t *testing.T) {
	v, m := newVolume(t, nil)
	for i, target := range []string{"../x/y", "/abs/path", "dangling", "a b/ü"} {
		name := fmt.Sprint("/l", i)
		fi := must[fs.FileInfo](t)(v.Symlink(bg, target, name))
		if fi.Mode != attr.S_IFLNK|0o777 || fi.Size != int64(len(target)) || fi.Uid != 1000 {
			t.Fatalf("%s: mode %v size %d uid %d", name, fi.Mode, fi.Size, fi.Uid)
		}
		if got := must[string](t)(v.Readlink(bg, name)); got != target {
			t.Fatalf("readlink %q, want %q", got, target)
		}
		if fi := must[fs.FileInfo](t)(v.Stat(bg, name)); fi.Attributes&attr.ReparsePoint == 0 {
			t.Fatalf("symlink attributes %v", fi.Attributes)
		}
	}
	_, err := v.Symlink(bg, "x", "/l0")
	wantErrno(t, err, fs.EEXIST)
	writeFile(t, v, "/file", nil)
	_, err = v.Readlink(bg, "/file")
	wantErrno(t, err, fs.EINVAL)
	// Paths do not go through symbolic links: the kernel resolves them.
	e := fs.GetFileInfoEvent{Name: "/l0/x"}
	wantErrno(t, m.OnGetFileInfo(bg, &e), fs.ENOTDIR)
}

// xattr returns the extended attribute name of stream s on this OS.
func xattr(s string) string {
	if runtime.GOOS == "linux" {
		return "user." + s
	}
	return s
}

func TestXattrs(t *testing.T) {
	v, m := newVolume(t, nil)
	writeFile(t, v, "/f", nil)
	steps := []struct {
		op    string
		name  string
		value string
		flags fs.XattrFlags
		want  fs.Errno
	}{
		{"set", "a", "1", 0, fs.OK},
		{"set", "a", "2", fs.XattrCreate, fs.EEXIST},
		{"set", "b", "3", fs.XattrReplace, fs.ENODATA},
		{"set", "b", "3", fs.XattrCreate, fs.OK},
		{"set", "a", "22", fs.XattrReplace, fs.OK},
		{"set", "empty", "", 0, fs.OK},
		{"get", "a", "22", 0, fs.OK},
		{"get", "empty", "", 0, fs.OK},
		{"get", "zz", "", 0, fs.ENODATA},
		{"list", "", "a,b,empty", 0, fs.OK},
		{"remove", "b", "", 0, fs.OK},
		{"remove", "b", "", 0, fs.ENODATA},
		{"list", "", "a,empty", 0, fs.OK},
	}
	for i, s := range steps {
		var err error
		switch s.op {
		case "set":
			err = v.SetXattr(bg, "/f", xattr(s.name), []byte(s.value), s.flags)
		case "get":
			var got []byte
			got, err = v.GetXattr(bg, "/f", xattr(s.name))
			if err == nil && string(got) != s.value {
				t.Fatalf("step %d: get %q = %q", i, s.name, got)
			}
		case "remove":
			err = v.RemoveXattr(bg, "/f", xattr(s.name))
		case "list":
			var got []string
			got, err = v.ListXattr(bg, "/f")
			want := []string{}
			for _, n := range bytes.Split([]byte(s.value), []byte(",")) {
				want = append(want, xattr(string(n)))
			}
			if err == nil && !slices.Equal(got, want) {
				t.Fatalf("step %d: list %q, want %q", i, got, want)
			}
		}
		if got, _ := fs.ErrnoOf(err); got != s.want {
			t.Fatalf("step %d (%s %s): %v, want %v", i, s.op, s.name, err, s.want)
		}
	}
	// The stored value is a copy: changing the caller's buffer changes nothing.
	buf := []byte("abc")
	se := fs.SetNamedStreamEvent{Name: "/f", Stream: "copy", Data: buf}
	if err := m.OnSetNamedStream(bg, &se); err != nil {
		t.Fatal(err)
	}
	buf[0] = 'X'
	ge := fs.GetNamedStreamEvent{Name: "/f", Stream: "copy"}
	m.OnGetNamedStream(bg, &ge)
	ge.Data[1] = 'Y'
	ge2 := fs.GetNamedStreamEvent{Name: "/f", Stream: "copy"}
	m.OnGetNamedStream(bg, &ge2)
	if string(ge2.Data) != "abc" {
		t.Fatalf("stored %q", ge2.Data)
	}
	// Streams of a directory, and of a missing file.
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	if err := v.SetXattr(bg, "/d", xattr("k"), []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	_, err := v.GetXattr(bg, "/missing", xattr("k"))
	wantErrno(t, err, fs.ENOENT)
}

func TestRename(t *testing.T) {
	type state map[string]string // name -> contents ("/" suffix: directory)
	cases := []struct {
		name      string
		before    []string // "name" or "name/" for directories; contents = name
		old, new  string
		flags     fs.RenameFlags
		want      fs.Errno
		wantAfter state
	}{
		{name: "simple", before: []string{"/a"}, old: "/a", new: "/b", wantAfter: state{"/b": "/a"}},
		{name: "replace file", before: []string{"/a", "/b"}, old: "/a", new: "/b", wantAfter: state{"/b": "/a"}},
		{name: "across dirs", before: []string{"/d/", "/e/", "/d/a"}, old: "/d/a", new: "/e/z",
			wantAfter: state{"/e/z": "/d/a", "/d": "/", "/e": "/"}},
		{name: "dir onto empty dir", before: []string{"/d/", "/d/f", "/e/"}, old: "/d", new: "/e",
			wantAfter: state{"/e": "/", "/e/f": "/d/f"}},
		{name: "dir onto non-empty dir", before: []string{"/d/", "/e/", "/e/f"}, old: "/d", new: "/e", want: fs.ENOTEMPTY},
		{name: "dir onto file", before: []string{"/d/", "/f"}, old: "/d", new: "/f", want: fs.ENOTDIR},
		{name: "file onto dir", before: []string{"/d/", "/f"}, old: "/f", new: "/d", want: fs.EISDIR},
		{name: "into itself", before: []string{"/d/", "/d/e/"}, old: "/d", new: "/d/e/x", want: fs.EINVAL},
		{name: "missing", before: nil, old: "/a", new: "/b", want: fs.ENOENT},
		{name: "missing target dir", before: []string{"/a"}, old: "/a", new: "/x/b", want: fs.ENOENT},
		{name: "noreplace", before: []string{"/a", "/b"}, old: "/a", new: "/b", flags: fs.RenameNoReplace, want: fs.EEXIST},
		{name: "exchange files", before: []string{"/a", "/d/", "/d/b"}, old: "/a", new: "/d/b", flags: fs.RenameExchange,
			wantAfter: state{"/a": "/d/b", "/d/b": "/a"}},
		{name: "exchange file and dir", before: []string{"/a", "/d/", "/d/f"}, old: "/a", new: "/d", flags: fs.RenameExchange,
			wantAfter: state{"/d": "/a", "/a/f": "/d/f"}},
		{name: "exchange missing", before: []string{"/a"}, old: "/a", new: "/b", flags: fs.RenameExchange, want: fs.ENOENT},
		{name: "same name", before: []string{"/a"}, old: "/a", new: "/a", wantAfter: state{"/a": "/a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _ := newVolume(t, nil)
			for _, n := range c.before {
				if n[len(n)-1] == '/' {
					must[fs.FileInfo](t)(v.Mkdir(bg, n[:len(n)-1], 0o755))
				} else {
					writeFile(t, v, n, []byte(n))
				}
			}
			err := v.Rename(bg, c.old, c.new, c.flags)
			wantErrno(t, err, c.want)
			if err != nil {
				return
			}
			for name, want := range c.wantAfter {
				if want == "/" {
					if fi := must[fs.FileInfo](t)(v.Stat(bg, name)); !fi.IsDir() {
						t.Fatalf("%s is not a directory", name)
					}
					continue
				}
				if got := readFile(t, v, name); string(got) != want {
					t.Fatalf("%s holds %q, want %q", name, got, want)
				}
			}
			if c.old != c.new && c.flags&fs.RenameExchange == 0 {
				_, err := v.Stat(bg, c.old)
				wantErrno(t, err, fs.ENOENT)
			}
		})
	}
}

// TestRenameBackend asks the backend directly for renames the volume would refuse:
// memfs must refuse them too.
func TestRenameBackend(t *testing.T) {
	m := memfs.New(nil)
	mk := func(name string, mode attr.Mode) {
		e := fs.CreateFileEvent{Name: name, Mode: mode}
		if err := m.OnCreateFile(bg, &e); err != nil {
			t.Fatal(err)
		}
		m.OnCloseFile(bg, &fs.CloseFileEvent{Name: name, FileContext: e.FileContext})
	}
	mk("/d", attr.S_IFDIR|0o755)
	mk("/d/sub", attr.S_IFDIR|0o755)
	mk("/e", attr.S_IFDIR|0o755)
	mk("/e/f", attr.S_IFREG|0o644)
	mk("/f", attr.S_IFREG|0o644)
	mk("/g", attr.S_IFREG|0o644)
	for _, c := range []struct {
		old, new string
		replace  bool
		exchange bool
		want     fs.Errno
	}{
		{"/d", "/e", true, false, fs.ENOTEMPTY},
		{"/d", "/f", true, false, fs.ENOTDIR},
		{"/f", "/d", true, false, fs.EISDIR},
		{"/f", "/g", false, false, fs.EEXIST},
		{"/d", "/d/sub/x", false, false, fs.EINVAL},
		{"/d", "/d/sub", true, false, fs.EINVAL},
		{"/d/sub", "/d", false, true, fs.EINVAL},
		{"/d", "/d/sub", false, true, fs.EINVAL},
		{"/", "/x", false, false, fs.EBUSY},
		{"/f", "/f/x", false, false, fs.ENOTDIR},
		{"/f", "/..", false, false, fs.EINVAL},
	} {
		e := fs.RenameOrMoveFileEvent{Name: c.old, NewName: c.new, ReplaceIfExists: c.replace, Exchange: c.exchange}
		if got, _ := fs.ErrnoOf(m.OnRenameOrMoveFile(bg, &e)); got != c.want {
			t.Errorf("rename %s %s: %v, want %v", c.old, c.new, got, c.want)
		}
	}
	// A FileContext that is not the file at Name: ESTALE, nothing moves.
	ce := fs.CreateFileEvent{Name: "/h", Mode: attr.S_IFREG | 0o644}
	m.OnCreateFile(bg, &ce)
	e := fs.RenameOrMoveFileEvent{Name: "/f", NewName: "/z", FileContext: ce.FileContext}
	wantErrno(t, m.OnRenameOrMoveFile(bg, &e), fs.ESTALE)
	de := fs.DeleteFileEvent{Name: "/f", FileContext: ce.FileContext}
	wantErrno(t, m.OnDeleteFile(bg, &de), fs.ESTALE)
}

func TestUnlinkWhileOpen(t *testing.T) {
	v, m := newVolume(t, nil)
	h := create(t, v, "/f")
	data := bytes.Repeat([]byte("0123456789"), 1000)
	h.Write(bg, data, 0)
	id := must[fs.FileInfo](t)(h.Stat(bg)).FileID
	if err := v.Remove(bg, "/f", false); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Stat(bg, "/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat after unlink: %v", err)
	}
	// The handle keeps working: read, write, stat, truncate, chmod, xattrs.
	if got := readAll(t, h); !bytes.Equal(got, data) {
		t.Fatal("read after unlink")
	}
	if _, err := h.Write(bg, []byte("more"), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	fi := must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeMode, Mode: 0o600}))
	if fi.FileID != id || fi.Size != int64(len(data))+4 || fi.Mode.Perm() != 0o600 {
		t.Fatalf("stat through handle: %+v", fi)
	}
	// The backend itself reports no links left (the volume turns 0 into 1 today).
	gi := fs.GetFileInfoEvent{Name: "/f", FileContext: h.FileContext()}
	if err := m.OnGetFileInfo(bg, &gi); err != nil || gi.Info.LinkCount != 0 {
		t.Fatalf("nlink of an unlinked open file: %d, %v", gi.Info.LinkCount, err)
	}
	// A new file of the same name is a different file.
	h2 := create(t, v, "/f")
	if fi2 := must[fs.FileInfo](t)(h2.Stat(bg)); fi2.FileID == id || fi2.Size != 0 {
		t.Fatalf("new file: %+v", fi2)
	}
	h2.Release(bg)
	if used, _ := m.Used(); used == 0 {
		t.Fatal("data of the open unlinked file already released")
	}
	h.Release(bg)
	if used, files := m.Used(); used != 0 || files != 2 {
		t.Fatalf("after last close: used %d files %d", used, files)
	}
	// The same through a rename that replaces an open file.
	writeFile(t, v, "/src", []byte("new"))
	ho := create(t, v, "/dst")
	ho.Write(bg, []byte("old"), 0)
	if err := v.Rename(bg, "/src", "/dst", 0); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, ho); string(got) != "old" {
		t.Fatalf("replaced open file reads %q", got)
	}
	if got := readFile(t, v, "/dst"); string(got) != "new" {
		t.Fatalf("renamed file reads %q", got)
	}
}

func TestDeleteChecks(t *testing.T) {
	v, m := newVolume(t, nil)
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	writeFile(t, v, "/d/f", nil)
	wantErrno(t, v.Remove(bg, "/d", true), fs.ENOTEMPTY)
	wantErrno(t, v.Remove(bg, "/d", false), fs.EISDIR)
	wantErrno(t, v.Remove(bg, "/d/f", true), fs.ENOTDIR)
	wantErrno(t, v.Remove(bg, "/nope", false), fs.ENOENT)
	for _, c := range []struct {
		name  string
		isDir bool
		want  fs.Errno
	}{
		{"/d", true, fs.ENOTEMPTY},
		{"/d/f", false, fs.OK},
		{"/d/f", true, fs.ENOTDIR},
		{"/d", false, fs.EISDIR},
		{"/x", false, fs.ENOENT},
		{"/", true, fs.EBUSY},
	} {
		e := fs.CanFileBeDeletedEvent{Name: c.name, IsDir: c.isDir}
		if got, _ := fs.ErrnoOf(m.OnCanFileBeDeleted(bg, &e)); got != c.want {
			t.Errorf("can delete %s: %v, want %v", c.name, got, c.want)
		}
		de := fs.DeleteFileEvent{Name: c.name, IsDir: c.isDir}
		if c.want != fs.OK {
			if got, _ := fs.ErrnoOf(m.OnDeleteFile(bg, &de)); got != c.want {
				t.Errorf("delete %s: %v, want %v", c.name, got, c.want)
			}
		}
	}
	ie := fs.IsDirectoryEmptyEvent{Name: "/d"}
	if err := m.OnIsDirectoryEmpty(bg, &ie); err != nil || ie.IsEmpty {
		t.Fatal(ie.IsEmpty, err)
	}
	if err := v.Remove(bg, "/d/f", false); err != nil {
		t.Fatal(err)
	}
	if err := m.OnIsDirectoryEmpty(bg, &ie); err != nil || !ie.IsEmpty {
		t.Fatal(ie.IsEmpty, err)
	}
	if err := v.Remove(bg, "/d", true); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, v.Remove(bg, "/", true), fs.EBUSY)
}

func listAll(t testing.TB, v *fs.Volume, dir string) []string {
	t.Helper()
	d := must[*fs.Dir](t)(v.OpenDir(bg, dir))
	defer d.Close(bg)
	var names []string
	err := d.ReadDir(bg, 0, func(fi *fs.FileInfo, _ int64) bool {
		names = append(names, fi.Name)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestEnumerateVolume(t *testing.T) {
	v, _ := newVolume(t, nil)
	must[fs.FileInfo](t)(v.Mkdir(bg, "/big", 0o755))
	const n = 10000
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("f%05d", i)
		if i%2 == 0 {
			must[fs.FileInfo](t)(v.Mknod(bg, "/big/"+want[i], 0o644, 0))
		} else {
			must[fs.FileInfo](t)(v.Mkdir(bg, "/big/"+want[i], 0o755))
		}
	}
	got := listAll(t, v, "/big")
	if !slices.Equal(got, want) {
		t.Fatalf("listing has %d names", len(got))
	}
	// Entries carry the full information (readdirplus), and seeking back works.
	d := must[*fs.Dir](t)(v.OpenDir(bg, "/big"))
	defer d.Close(bg)
	var first []fs.FileInfo
	d.ReadDir(bg, 0, func(fi *fs.FileInfo, _ int64) bool { first = append(first, *fi); return len(first) < 2 })
	if first[0].Mode != attr.S_IFREG|0o644 || first[1].Mode != attr.S_IFDIR|0o755 || first[1].LinkCount != 2 || first[0].FileID == 0 {
		t.Fatalf("entries %+v", first)
	}
	var at9000, again string
	d.ReadDir(bg, 9000, func(fi *fs.FileInfo, _ int64) bool { at9000 = fi.Name; return false })
	d.ReadDir(bg, 5, func(fi *fs.FileInfo, _ int64) bool { again = fi.Name; return false })
	if at9000 != want[9000] || again != want[5] {
		t.Fatalf("seek: %q %q", at9000, again)
	}
	// Listing a file: ENOTDIR.
	writeFile(t, v, "/file", nil)
	_, err := v.OpenDir(bg, "/file")
	wantErrno(t, err, fs.ENOTDIR)
	if got := listAll(t, v, "/"); !slices.Equal(got, []string{"big", "file"}) {
		t.Fatalf("root: %q", got)
	}
}

// TestEnumerateConcurrentChanges lists a directory page by page while names are
// added and removed: the listing ends, never repeats a name, shows every name that
// was there throughout, and Restart starts over.
func TestEnumerateConcurrentChanges(t *testing.T) {
	m := memfs.New(nil)
	mk := func(name string) {
		e := fs.CreateFileEvent{Name: name, Mode: attr.S_IFREG | 0o644}
		if err := m.OnCreateFile(bg, &e); err != nil {
			t.Fatal(err)
		}
		m.OnCloseFile(bg, &fs.CloseFileEvent{FileContext: e.FileContext})
	}
	rm := func(name string) {
		if err := m.OnDeleteFile(bg, &fs.DeleteFileEvent{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	mk("/d")
	rm("/d")
	m.OnCreateFile(bg, &fs.CreateFileEvent{Name: "/d", Mode: attr.S_IFDIR | 0o755})
	const n = 10000
	for i := range n {
		mk(fmt.Sprintf("/d/%05d", i))
	}
	e := fs.EnumerateDirectoryEvent{Name: "/d", Max: 100}
	seen := map[string]bool{}
	removed := map[string]bool{}
	calls := 0
	for !e.Done {
		e.Entries = e.Entries[:0]
		if err := m.OnEnumerateDirectory(bg, &e); err != nil {
			t.Fatal(err)
		}
		if len(e.Entries) > e.Max {
			t.Fatalf("%d entries for Max %d", len(e.Entries), e.Max)
		}
		for _, fi := range e.Entries {
			if seen[fi.Name] {
				t.Fatalf("%s listed twice", fi.Name)
			}
			if removed[fi.Name] {
				t.Fatalf("%s listed after its removal", fi.Name)
			}
			seen[fi.Name] = true
		}
		// Between pages: add names before and after the cursor, remove names ahead.
		for j := range 5 {
			mk(fmt.Sprintf("/d/%05d-new%d", calls*7%n, j))
			victim := fmt.Sprintf("%05d", (calls*131+5000)%n)
			if !seen[victim] && !removed[victim] {
				rm("/d/" + victim)
				removed[victim] = true
			}
		}
		if calls++; calls > 2*n {
			t.Fatal("listing does not end")
		}
	}
	for i := range n {
		name := fmt.Sprintf("%05d", i)
		if !seen[name] && !removed[name] {
			t.Fatalf("%s missing from the listing", name)
		}
	}
	// Restart: the listing starts over and shows the directory as it is now.
	e.Restart, e.Done = true, false
	e.Entries = e.Entries[:0]
	if err := m.OnEnumerateDirectory(bg, &e); err != nil {
		t.Fatal(err)
	}
	e.Restart = false
	total := len(e.Entries)
	for !e.Done {
		e.Entries = e.Entries[:0]
		m.OnEnumerateDirectory(bg, &e)
		total += len(e.Entries)
	}
	ie := fs.GetFileInfoEvent{Name: "/d"}
	m.OnGetFileInfo(bg, &ie)
	if want := int(ie.Info.Size/20) - 2; total != want {
		t.Fatalf("after restart: %d entries, directory has %d", total, want)
	}
	m.OnCloseDirectoryEnumeration(bg, &fs.CloseDirectoryEnumerationEvent{Name: "/d", EnumerationContext: e.EnumerationContext})
}

func TestEnumerateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large directory")
	}
	m := memfs.New(nil)
	m.OnCreateFile(bg, &fs.CreateFileEvent{Name: "/d", Mode: attr.S_IFDIR | 0o755})
	const n = 100000
	for i := range n {
		e := fs.CreateFileEvent{Name: fmt.Sprintf("/d/file-with-a-longer-name-%06d", i), Mode: attr.S_IFREG | 0o644}
		if err := m.OnCreateFile(bg, &e); err != nil {
			t.Fatal(err)
		}
	}
	list := func() (int, time.Duration) {
		start := time.Now()
		e := fs.EnumerateDirectoryEvent{Name: "/d", Max: 512}
		count := 0
		for !e.Done {
			e.Entries = e.Entries[:0]
			if err := m.OnEnumerateDirectory(bg, &e); err != nil {
				t.Fatal(err)
			}
			count += len(e.Entries)
		}
		return count, time.Since(start)
	}
	count, first := list()
	_, second := list()
	if count != n {
		t.Fatalf("%d entries", count)
	}
	t.Logf("100,000 entries: first listing %v, second (cached order) %v", first, second)
	if first > 10*time.Second {
		t.Fatalf("listing 100,000 entries took %v", first)
	}
}

func TestConcurrency(t *testing.T) {
	v, m := newVolume(t, nil)
	const workers, files = 8, 200
	must[fs.FileInfo](t)(v.Mkdir(bg, "/d", 0o755))
	var wg sync.WaitGroup
	errs := make(chan error, workers*4)
	for w := range workers {
		wg.Add(1)
		go func() { // creators, writers, readers in one directory
			defer wg.Done()
			buf := make([]byte, 3000)
			for i := range files {
				name := fmt.Sprintf("/d/w%d-%d", w, i)
				h, _, err := v.Create(bg, name, fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite, Exclusive: true})
				if err != nil {
					errs <- err
					return
				}
				for j := range buf {
					buf[j] = byte(w + i + j)
				}
				h.Write(bg, buf, int64(i))
				got := make([]byte, len(buf))
				if n, _ := h.Read(bg, got, int64(i)); n != len(buf) || !bytes.Equal(got, buf) {
					errs <- fmt.Errorf("%s: read back differs", name)
				}
				h.Release(bg)
			}
		}()
		wg.Add(1)
		go func() { // listers, renamers and removers
			defer wg.Done()
			for i := range files / 4 {
				listAll(t, v, "/d")
				old := fmt.Sprintf("/d/w%d-%d", w, i)
				if err := v.Rename(bg, old, old+"-renamed", 0); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs <- err
				}
				v.Remove(bg, old+"-renamed", false)
			}
		}()
	}
	// Parallel writers into one file.
	shared := create(t, v, "/shared")
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := bytes.Repeat([]byte{byte('a' + w)}, memfs.PageSize)
			for i := range 50 {
				shared.Write(bg, p, int64((i*workers+w)*memfs.PageSize))
				shared.Stat(bg)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	fi := must[fs.FileInfo](t)(shared.Stat(bg))
	if fi.Size != int64(50*workers*memfs.PageSize) || fi.AllocationSize != fi.Size {
		t.Fatalf("shared file size %d alloc %d", fi.Size, fi.AllocationSize)
	}
	names := listAll(t, v, "/d")
	if got := must[fs.FileInfo](t)(v.Stat(bg, "/d")).Size; got != int64(20*(2+len(names))) {
		t.Fatalf("dir size %d with %d names", got, len(names))
	}
	_, inodes := m.Used()
	if inodes != int64(len(names))+3 {
		t.Fatalf("%d inodes for %d names", inodes, len(names))
	}
}

func TestNoSpace(t *testing.T) {
	v, m := newVolume(t, &memfs.Options{Capacity: 16 * memfs.PageSize, MaxFiles: 5})
	h := create(t, v, "/f")
	big := make([]byte, 20*memfs.PageSize)
	n, err := h.Write(bg, big, 0)
	if err != nil || n != 16*memfs.PageSize {
		t.Fatalf("short write: %d, %v", n, err)
	}
	_, err = h.Write(bg, big[:1], int64(len(big)))
	wantErrno(t, err, fs.ENOSPC)
	// Overwriting allocated pages still works on a full volume.
	if _, err := h.Write(bg, []byte("x"), 5); err != nil {
		t.Fatal(err)
	}
	vs := must[fs.VolumeSize](t)(v.VolumeSize(bg))
	if vs.TotalBytes != 16*memfs.PageSize || vs.FreeBytes != 0 || vs.TotalFiles != 5 || vs.FreeFiles != 3 {
		t.Fatalf("statfs %+v", vs)
	}
	// Files run out too.
	must[fs.FileInfo](t)(v.Mknod(bg, "/a", 0o644, 0))
	must[fs.FileInfo](t)(v.Mknod(bg, "/b", 0o644, 0))
	must[fs.FileInfo](t)(v.Symlink(bg, "t", "/c"))
	_, err = v.Mkdir(bg, "/d", 0o755)
	wantErrno(t, err, fs.ENOSPC)
	// Truncating frees space.
	must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 2 * memfs.PageSize}))
	vs = must[fs.VolumeSize](t)(v.VolumeSize(bg))
	if vs.FreeBytes != 14*memfs.PageSize {
		t.Fatalf("free %d after truncate", vs.FreeBytes)
	}
	if used, _ := m.Used(); used != 2*memfs.PageSize {
		t.Fatalf("used %d", used)
	}
	// By default: half of the machine's memory, as tmpfs.
	v2, m2 := newVolume(t, nil)
	vs = must[fs.VolumeSize](t)(v2.VolumeSize(bg))
	if limit := memfs.MemoryLimit(); limit <= 0 || m2.Capacity() != limit ||
		vs.TotalBytes != uint64(limit) || vs.FreeBytes != uint64(limit) || vs.BlockSize != memfs.PageSize {
		t.Fatalf("default statfs %+v, capacity %d, memory limit %d", vs, m2.Capacity(), limit)
	}
	// Unlimited: a large size.
	v3, m3 := newVolume(t, &memfs.Options{Capacity: -1})
	vs = must[fs.VolumeSize](t)(v3.VolumeSize(bg))
	if m3.Capacity() != 0 || vs.TotalBytes != memfs.DefaultCapacity || vs.FreeBytes != memfs.DefaultCapacity {
		t.Fatalf("unlimited statfs %+v", vs)
	}
}

func TestVolumeEvents(t *testing.T) {
	m := memfs.New(&memfs.Options{VolumeLabel: "DATA", VolumeID: 0x1234abcd})
	v := fs.NewVolume(m, &fs.Options{Logger: quietLog()})
	caps := v.Capabilities()
	if !caps.Writable || !caps.Delete || !caps.Rename || !caps.SetAttributes || !caps.HardLinks ||
		!caps.Symlinks || !caps.NamedStreams || !caps.Allocation {
		t.Fatalf("capabilities %+v", caps)
	}
	if l := must[string](t)(v.Label(bg)); l != "DATA" {
		t.Fatalf("label %q", l)
	}
	if err := v.SetLabel(bg, "Backup"); err != nil {
		t.Fatal(err)
	}
	if l := must[string](t)(v.Label(bg)); l != "Backup" {
		t.Fatalf("label %q", l)
	}
	wantErrno(t, v.SetLabel(bg, "a label that is far too long for NTFS"), fs.EINVAL)
	if id := must[uint32](t)(v.ID(bg)); id != 0x1234abcd {
		t.Fatalf("id %#x", id)
	}
	if id := must[uint32](t)(fs.NewVolume(memfs.New(nil), nil).ID(bg)); id == 0 {
		t.Fatal("derived id is zero")
	}
	if err := v.Mounted(bg, "/mnt/x"); err != nil || m.MountPoint() != "/mnt/x" {
		t.Fatal(m.MountPoint(), err)
	}
	// Locks go through the volume's table; memfs accepts them.
	h := create(t, v, "/f")
	if err := h.SetLock(bg, 1, fs.Lock{Start: 0, End: 10, Type: fs.LockWrite}, false, false); err != nil {
		t.Fatal(err)
	}
	h2 := must[*fs.Handle](t)(v.Open(bg, "/f", fs.AccessRead, 0))
	wantErrno(t, h2.SetLock(bg, 2, fs.Lock{Start: 5, End: 6, Type: fs.LockRead}, false, false), fs.EAGAIN)
	if err := h.Sync(bg, false); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(bg, 1); err != nil {
		t.Fatal(err)
	}
	h2.Release(bg)
	if err := v.Unmounted(bg, "/mnt/x"); err != nil || m.MountPoint() != "" {
		t.Fatal(m.MountPoint(), err)
	}
	root := fs.GetFileInfoEvent{Name: "/"}
	m.OnGetFileInfo(bg, &root)
	if root.Info.FileID != memfs.RootID || root.Info.Mode != attr.S_IFDIR|0o755 {
		t.Fatalf("root %+v", root.Info)
	}
}

// TestHotPathAllocs: reading an existing file and overwriting its pages allocate
// nothing in the backend.
func TestHotPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m := memfs.New(nil)
	ce := fs.CreateFileEvent{Name: "/f", Mode: attr.S_IFREG | 0o644}
	if err := m.OnCreateFile(bg, &ce); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	w := &fs.WriteFileEvent{Name: "/f", FileContext: ce.FileContext, Buffer: buf}
	if err := m.OnWriteFile(bg, w); err != nil {
		t.Fatal(err)
	}
	r := &fs.ReadFileEvent{Name: "/f", FileContext: ce.FileContext, Buffer: make([]byte, 4096)}
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"read 4K", func() { r.Position = 8192; m.OnReadFile(bg, r) }},
		{"read 1M", func() { r.Buffer = buf; r.Position = 0; m.OnReadFile(bg, r) }},
		{"read hole past end", func() { r.Position = 1 << 30; m.OnReadFile(bg, r) }},
		{"overwrite 1M", func() { m.OnWriteFile(bg, w) }},
		{"overwrite 10 bytes", func() { w.Buffer = buf[:10]; w.Position = 12345; m.OnWriteFile(bg, w) }},
		{"stat open file", func() { m.OnGetFileInfo(bg, &fs.GetFileInfoEvent{Name: "/f", FileContext: ce.FileContext}) }},
	} {
		if a := testing.AllocsPerRun(100, c.fn); a != 0 {
			t.Errorf("%s: %v allocations", c.name, a)
		}
	}
}

// TestMemoryPerFile: an empty file costs well under 1 KiB.
func TestMemoryPerFile(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation sizes")
	}
	const n = 20000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("/f%06d", i)
	}
	m := memfs.New(nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var e fs.CreateFileEvent
	for _, name := range names {
		e = fs.CreateFileEvent{Name: name, Mode: attr.S_IFREG | 0o644}
		if err := m.OnCreateFile(bg, &e); err != nil {
			t.Fatal(err)
		}
		m.OnCloseFile(bg, &fs.CloseFileEvent{FileContext: e.FileContext})
	}
	e = fs.CreateFileEvent{}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes per empty file", per)
	if per > 1024 {
		t.Fatalf("%.0f bytes per empty file", per)
	}
	runtime.KeepAlive(m)
}

// TestOpenCloseAccounting: with and without FireAllOpenCloseEvents and per-file
// serialization, an unlinked file's storage is released exactly at its last close.
func TestOpenCloseAccounting(t *testing.T) {
	for _, opts := range []fs.Options{
		{},
		{FireAllOpenCloseEvents: true},
		{Serialize: fs.SerializePerFile},
		{Serialize: fs.SerializeAll, FireAllOpenCloseEvents: true},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			m := memfs.New(nil)
			opts.Logger = quietLog()
			v := fs.NewVolume(m, &opts)
			defer v.Unmounted(bg, "")
			h1 := create(t, v, "/f")
			h1.Write(bg, []byte("data"), 0)
			h2 := must[*fs.Handle](t)(v.Open(bg, "/f", fs.AccessRead, 0))
			d := must[*fs.Dir](t)(v.OpenDir(bg, "/"))
			d.Close(bg)
			if err := v.Remove(bg, "/f", false); err != nil {
				t.Fatal(err)
			}
			h1.Release(bg)
			if got := readAll(t, h2); string(got) != "data" {
				t.Fatalf("read after unlink and first close: %q", got)
			}
			if used, _ := m.Used(); used != memfs.PageSize {
				t.Fatalf("used %d while open", used)
			}
			h2.Release(bg)
			if used, files := m.Used(); used != 0 || files != 1 {
				t.Fatalf("used %d files %d after last close", used, files)
			}
			// Files left open are closed by Unmounted, which releases them too.
			h3 := create(t, v, "/g")
			h3.Write(bg, []byte("x"), 0)
			if err := v.Remove(bg, "/g", false); err != nil {
				t.Fatal(err)
			}
			v.Unmounted(bg, "")
			if used, files := m.Used(); used != 0 || files != 1 {
				t.Fatalf("used %d files %d after unmount", used, files)
			}
		})
	}
}
