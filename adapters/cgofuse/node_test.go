//go:build windows || cgofuse

package cgofuse

// In-process tests: the adapter's cgofuse methods are called directly, without a
// mount, over memfs. They exercise the Windows paths (st_flags, Chflags, birth
// times, Getpath) on every system cgofuse builds on.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

var bg = context.Background()

// newTestFS serves a new memfs volume through the adapter, without a mount.
func newTestFS(t testing.TB, opts *fs.Options) (*fileSystem, *fs.Volume) {
	t.Helper()
	v := fs.NewVolume(memfs.New(nil), opts)
	f := newFileSystem(v, slog.New(slog.DiscardHandler), false)
	f.getcontext = func() (uint32, uint32, int) { return 1000, 1000, 4242 }
	t.Cleanup(func() {
		f.Destroy()
		v.Unmounted(bg, "")
	})
	return f, v
}

func check(t *testing.T, what string, rc int) {
	t.Helper()
	if rc != 0 {
		t.Fatalf("%s = %v, want 0", what, fuse.Error(rc))
	}
}

func wantErr(t *testing.T, what string, rc, want int) {
	t.Helper()
	if rc != -want {
		t.Fatalf("%s = %v, want %v", what, fuse.Error(rc), fuse.Error(-want))
	}
}

// create makes a file with contents and closes it.
func create(t *testing.T, f *fileSystem, path string, data string) {
	t.Helper()
	fi := fuse.FileInfo_t{Flags: fuse.O_CREAT | fuse.O_EXCL | fuse.O_RDWR}
	check(t, "CreateEx "+path, f.CreateEx(path, 0o644, &fi))
	if n := f.Write(path, []byte(data), 0, fi.Fh); n != len(data) {
		t.Fatalf("Write %s = %d, want %d", path, n, len(data))
	}
	check(t, "Flush", f.Flush(path, fi.Fh))
	check(t, "Release", f.Release(path, fi.Fh))
}

func getattr(t *testing.T, f *fileSystem, path string) fuse.Stat_t {
	t.Helper()
	var st fuse.Stat_t
	check(t, "Getattr "+path, f.Getattr(path, &st, noHandle))
	return st
}

func TestErrnoTable(t *testing.T) {
	for _, e := range fs.Errnos() {
		n, ok := errnos[e]
		if !ok {
			t.Errorf("no row for %v", e)
			continue
		}
		if n <= 0 {
			t.Errorf("%v renders as %d", e, n)
		}
		if got := errc(e); got != -n {
			t.Errorf("errc(%v) = %d, want %d", e, got, -n)
		}
	}
	if got := errc(nil); got != 0 {
		t.Errorf("errc(nil) = %d", got)
	}
	if got := errc(fmt.Errorf("open /x: %w", fs.ErrNotExist)); got != -fuse.ENOENT {
		t.Errorf("errc(wrapped ErrNotExist) = %d, want %d", got, -fuse.ENOENT)
	}
	if got := errc(errors.New("something odd")); got != -fuse.EIO {
		t.Errorf("errc(unknown) = %d, want %d", got, -fuse.EIO)
	}
}

// TestFlagValues checks that pkg/attr's BSD flags are the ones cgofuse defines.
func TestFlagValues(t *testing.T) {
	for _, c := range []struct {
		name      string
		attr, cgo uint32
	}{
		{"UF_HIDDEN", uint32(attr.UF_HIDDEN), fuse.UF_HIDDEN},
		{"UF_READONLY", uint32(attr.UF_READONLY), fuse.UF_READONLY},
		{"UF_SYSTEM", uint32(attr.UF_SYSTEM), fuse.UF_SYSTEM},
		{"UF_ARCHIVE", uint32(attr.UF_ARCHIVE), fuse.UF_ARCHIVE},
		{"S_IFMT", uint32(attr.S_IFMT), fuse.S_IFMT},
		{"S_IFDIR", uint32(attr.S_IFDIR), fuse.S_IFDIR},
		{"S_IFLNK", uint32(attr.S_IFLNK), fuse.S_IFLNK},
		{"S_IFREG", uint32(attr.S_IFREG), fuse.S_IFREG},
	} {
		if c.attr != c.cgo {
			t.Errorf("%s: attr %#x, cgofuse %#x", c.name, c.attr, c.cgo)
		}
	}
}

func TestGetattrKinds(t *testing.T) {
	f, v := newTestFS(t, nil)
	create(t, f, "/file", "hello")
	check(t, "Mkdir", f.Mkdir("/dir", 0o750))
	check(t, "Symlink", f.Symlink("file", "/link"))

	st := getattr(t, f, "/file")
	fi, err := v.Stat(bg, "/file")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != fuse.S_IFREG|0o644 || st.Size != 5 || st.Nlink != 1 || st.Ino == 0 {
		t.Errorf("file: mode %o size %d nlink %d ino %d", st.Mode, st.Size, st.Nlink, st.Ino)
	}
	if st.Uid != 1000 || st.Gid != 1000 {
		t.Errorf("file: owner %d:%d, want the caller 1000:1000", st.Uid, st.Gid)
	}
	if got := st.Birthtim.Time(); !got.Equal(fi.CreationTime) || got.IsZero() {
		t.Errorf("file: Birthtim %v, want %v", got, fi.CreationTime)
	}
	if got := st.Mtim.Time(); !got.Equal(fi.LastWriteTime) {
		t.Errorf("file: Mtim %v, want %v", got, fi.LastWriteTime)
	}
	if st.Flags != 0 {
		t.Errorf("file: Flags %#x, want 0", st.Flags)
	}

	st = getattr(t, f, "/dir")
	if st.Mode != fuse.S_IFDIR|0o750 || st.Nlink < 2 {
		t.Errorf("dir: mode %o nlink %d", st.Mode, st.Nlink)
	}
	st = getattr(t, f, "/")
	if st.Mode&fuse.S_IFMT != fuse.S_IFDIR {
		t.Errorf("root: mode %o", st.Mode)
	}

	st = getattr(t, f, "/link")
	if st.Mode&fuse.S_IFMT != fuse.S_IFLNK || st.Size != int64(len("file")) {
		t.Errorf("link: mode %o size %d", st.Mode, st.Size)
	}
	rc, target := f.Readlink("/link")
	check(t, "Readlink", rc)
	if target != "file" {
		t.Errorf("Readlink = %q", target)
	}
	rc, _ = f.Readlink("/file")
	wantErr(t, "Readlink of a file", rc, fuse.EINVAL)

	var none fuse.Stat_t
	wantErr(t, "Getattr of a missing file", f.Getattr("/missing", &none, noHandle), fuse.ENOENT)
	wantErr(t, "Getattr below a file", f.Getattr("/file/x", &none, noHandle), fuse.ENOTDIR)
}

// TestReadOnlyModeFlag checks that a file without write bits shows UF_READONLY:
// WinFsp derives FILE_ATTRIBUTE_READONLY from st_flags alone.
func TestReadOnlyModeFlag(t *testing.T) {
	f, _ := newTestFS(t, nil)
	create(t, f, "/ro", "x")
	check(t, "Chmod", f.Chmod("/ro", 0o444))
	if st := getattr(t, f, "/ro"); st.Flags != fuse.UF_READONLY {
		t.Errorf("Flags of a 0444 file = %#x, want UF_READONLY", st.Flags)
	}
}

func TestChflagsRoundTrip(t *testing.T) {
	f, v := newTestFS(t, nil)
	create(t, f, "/file", "data")
	check(t, "Mkdir", f.Mkdir("/dir", 0o755))
	all := []uint32{fuse.UF_HIDDEN, fuse.UF_SYSTEM, fuse.UF_ARCHIVE, fuse.UF_READONLY}
	for mask := 0; mask < 1<<len(all); mask++ {
		var flags uint32
		for i, fl := range all {
			if mask&(1<<i) != 0 {
				flags |= fl
			}
		}
		for _, path := range []string{"/file", "/dir"} {
			check(t, "Chflags", f.Chflags(path, flags))
			if st := getattr(t, f, path); st.Flags != flags {
				t.Errorf("%s: Chflags(%#x) then Getattr Flags = %#x", path, flags, st.Flags)
			}
		}
	}
	check(t, "Chflags", f.Chflags("/file", fuse.UF_HIDDEN|fuse.UF_SYSTEM|fuse.UF_ARCHIVE|fuse.UF_READONLY))
	fi, err := v.Stat(bg, "/file")
	if err != nil {
		t.Fatal(err)
	}
	if want := attr.Hidden | attr.System | attr.Archive | attr.ReadOnly; fi.Attributes != want {
		t.Errorf("volume attributes = %v, want %v", fi.Attributes, want)
	}
	// Attributes st_flags cannot carry survive a Chflags.
	if _, err := v.SetAttributes(bg, "/file", fs.Change{Valid: fs.ChangeAttributes, Attributes: attr.Temporary | attr.Hidden}); err != nil {
		t.Fatal(err)
	}
	check(t, "Chflags", f.Chflags("/file", fuse.UF_ARCHIVE))
	if fi, _ := v.Stat(bg, "/file"); fi.Attributes != attr.Temporary|attr.Archive {
		t.Errorf("after Chflags(UF_ARCHIVE): attributes = %v, want TEMPORARY|ARCHIVE", fi.Attributes)
	}
	check(t, "Chflags", f.Chflags("/file", 0))
	if fi, _ := v.Stat(bg, "/file"); fi.Attributes != attr.Temporary {
		t.Errorf("after Chflags(0): attributes = %v, want TEMPORARY", fi.Attributes)
	}
	wantErr(t, "Chflags of a missing file", f.Chflags("/missing", 0), fuse.ENOENT)
}

func TestSetcrtimeSetchgtime(t *testing.T) {
	f, v := newTestFS(t, nil)
	create(t, f, "/file", "")
	crtime := fuse.Timespec{Sec: 1_000_000_000, Nsec: 123_456_700}
	check(t, "Setcrtime", f.Setcrtime("/file", crtime))
	if st := getattr(t, f, "/file"); st.Birthtim != crtime {
		t.Errorf("Birthtim = %+v, want %+v", st.Birthtim, crtime)
	}
	chgtime := fuse.Timespec{Sec: 1_100_000_000, Nsec: 5}
	check(t, "Setchgtime", f.Setchgtime("/file", chgtime))
	if st := getattr(t, f, "/file"); st.Ctim != chgtime {
		t.Errorf("Ctim = %+v, want %+v", st.Ctim, chgtime)
	}
	if fi, _ := v.Stat(bg, "/file"); !fi.CreationTime.Equal(crtime.Time()) {
		t.Errorf("volume CreationTime = %v", fi.CreationTime)
	}
}

// TestZeroTimes checks how a time the backend does not have is shown: the epoch on
// FUSE, FILETIME 0 ("not set") on Windows.
func TestZeroTimes(t *testing.T) {
	f, _ := newTestFS(t, nil)
	if got := f.timespec(time.Time{}); got != f.zeroTime {
		t.Errorf("timespec(zero) = %+v", got)
	}
	f.zeroTime = filetimeZero
	ts := f.timespec(time.Time{})
	if ft, err := attr.FiletimeFromTimespec(ts.Sec, ts.Nsec); err != nil || ft != 0 {
		t.Errorf("zero time on Windows = %+v = FILETIME %d (%v), want FILETIME 0", ts, ft, err)
	}
	var st fuse.Stat_t
	f.fillStat(&st, &fs.FileInfo{Mode: attr.S_IFREG | 0o644}, "/x")
	if st.Birthtim != filetimeZero || st.Mtim != filetimeZero || st.Ino == 0 {
		t.Errorf("stat of a file without times or id: %+v", st)
	}
}

func TestCreateWriteRead(t *testing.T) {
	f, _ := newTestFS(t, nil)
	fi := fuse.FileInfo_t{Flags: fuse.O_CREAT | fuse.O_EXCL | fuse.O_RDWR}
	check(t, "CreateEx", f.CreateEx("/f", 0o600, &fi))
	fh := fi.Fh
	if n := f.Write("/f", []byte("hello, world"), 0, fh); n != 12 {
		t.Fatalf("Write = %d", n)
	}
	buf := make([]byte, 64)
	if n := f.Read("/f", buf, 7, fh); string(buf[:n]) != "world" {
		t.Errorf("Read at 7 = %q", buf[:n])
	}
	var st fuse.Stat_t
	check(t, "Getattr by handle", f.Getattr("", &st, fh))
	if st.Size != 12 || st.Mode != fuse.S_IFREG|0o600 {
		t.Errorf("fstat: size %d mode %o", st.Size, st.Mode)
	}
	check(t, "Truncate by handle", f.Truncate("/f", 5, fh))
	check(t, "Fsync", f.Fsync("/f", false, fh))
	check(t, "Flush", f.Flush("/f", fh))
	check(t, "Release", f.Release("/f", fh))
	wantErr(t, "Release twice", f.Release("/f", fh), fuse.EBADF)
	wantErr(t, "Read after release", f.Read("/f", buf, 0, fh), fuse.EBADF)

	fi = fuse.FileInfo_t{Flags: fuse.O_CREAT | fuse.O_EXCL | fuse.O_RDWR}
	wantErr(t, "CreateEx O_EXCL of an existing file", f.CreateEx("/f", 0o600, &fi), fuse.EEXIST)
	rc, fh := f.Create("/f", fuse.O_CREAT|fuse.O_WRONLY|fuse.O_APPEND, 0o600)
	check(t, "Create without O_EXCL opens", rc)
	if n := f.Write("/f", []byte("!"), 0, fh); n != 1 {
		t.Fatalf("append Write = %d", n)
	}
	check(t, "Release", f.Release("/f", fh))

	rc, fh = f.Open("/f", fuse.O_RDONLY)
	check(t, "Open", rc)
	if n := f.Read("/f", buf, 0, fh); string(buf[:n]) != "hello!" {
		t.Errorf("Read = %q, want %q", buf[:n], "hello!")
	}
	check(t, "Release", f.Release("/f", fh))

	rc, fh = f.Open("/f", fuse.O_RDWR|fuse.O_TRUNC)
	check(t, "Open O_TRUNC", rc)
	check(t, "Release", f.Release("/f", fh))
	if st := getattr(t, f, "/f"); st.Size != 0 {
		t.Errorf("size after O_TRUNC = %d", st.Size)
	}
	rc, _ = f.Open("/missing", fuse.O_RDONLY)
	wantErr(t, "Open of a missing file", rc, fuse.ENOENT)
}

func TestUnlinkOpenFile(t *testing.T) {
	f, _ := newTestFS(t, nil)
	create(t, f, "/f", "still here")
	rc, fh := f.Open("/f", fuse.O_RDONLY)
	check(t, "Open", rc)
	check(t, "Unlink", f.Unlink("/f"))
	var st fuse.Stat_t
	wantErr(t, "Getattr by name", f.Getattr("/f", &st, noHandle), fuse.ENOENT)
	// libfuse passes no path (hard_remove) for an unlinked file's handle.
	check(t, "Getattr by handle", f.Getattr("", &st, fh))
	buf := make([]byte, 32)
	if n := f.Read("", buf, 0, fh); string(buf[:max(n, 0)]) != "still here" {
		t.Errorf("Read after unlink = %d %q", n, buf[:max(n, 0)])
	}
	check(t, "Release", f.Release("", fh))
}

// readdir lists path through Opendir and Readdir, taking at most page entries per
// Readdir call, and returns the names and their stats.
func readdir(t *testing.T, f *fileSystem, path string, page int) ([]string, map[string]fuse.Stat_t) {
	t.Helper()
	rc, fh := f.Opendir(path)
	check(t, "Opendir "+path, rc)
	defer f.Releasedir(path, fh)
	var names []string
	stats := map[string]fuse.Stat_t{}
	ofst := int64(0)
	for calls := 0; ; calls++ {
		if calls > 10000 {
			t.Fatal("Readdir does not end")
		}
		n := 0
		next := ofst
		check(t, "Readdir", f.Readdir(path, func(name string, st *fuse.Stat_t, o int64) bool {
			if n == page {
				return false // the buffer is full
			}
			if o <= next {
				t.Errorf("offset %d of %q does not grow (after %d)", o, name, next)
			}
			n++
			names = append(names, name)
			if st != nil {
				stats[name] = *st
			}
			next = o
			return true
		}, ofst, fh))
		if n == 0 {
			return names, stats
		}
		ofst = next
	}
}

func TestReaddirOffsets(t *testing.T) {
	f, _ := newTestFS(t, &fs.Options{EnumerationPageSize: 3})
	check(t, "Mkdir", f.Mkdir("/d", 0o755))
	var want []string
	for i := range 10 {
		name := fmt.Sprintf("f%02d", i)
		create(t, f, "/d/"+name, strings.Repeat("x", i))
		want = append(want, name)
	}
	check(t, "Mkdir", f.Mkdir("/d/sub", 0o700))
	want = append(want, "sub")
	for _, page := range []int{1, 2, 4, 1000} {
		names, stats := readdir(t, f, "/d", page)
		if len(names) < 2 || names[0] != "." || names[1] != ".." {
			t.Fatalf("page %d: listing starts %q", page, names[:min(2, len(names))])
		}
		got := slices.Clone(names[2:])
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("page %d: entries %q, want %q", page, got, want)
		}
		for i := range 10 {
			name := fmt.Sprintf("f%02d", i)
			st, ok := stats[name]
			if !ok || st.Mode != fuse.S_IFREG|0o644 || st.Size != int64(i) || st.Ino == 0 {
				t.Errorf("page %d: stat of %s = %+v (%v)", page, name, st, ok)
			}
		}
		if st := stats["sub"]; st.Mode != fuse.S_IFDIR|0o700 {
			t.Errorf("page %d: stat of sub: mode %o", page, st.Mode)
		}
	}

	// Reading again from an earlier offset (seekdir) gives the same entries.
	rc, fh := f.Opendir("/d")
	check(t, "Opendir", rc)
	defer f.Releasedir("/d", fh)
	var first, again []string
	collect := func(into *[]string) func(string, *fuse.Stat_t, int64) bool {
		return func(name string, _ *fuse.Stat_t, _ int64) bool { *into = append(*into, name); return true }
	}
	check(t, "Readdir", f.Readdir("/d", collect(&first), 0, fh))
	check(t, "Readdir from 5", f.Readdir("/d", collect(&again), 5, fh))
	if !slices.Equal(again, first[5:]) {
		t.Errorf("from offset 5: %q, want %q", again, first[5:])
	}
	wantErr(t, "Readdir of a bad handle", f.Readdir("/d", collect(&again), 0, 9999), fuse.EBADF)
	rc, _ = f.Opendir("/missing")
	wantErr(t, "Opendir of a missing directory", rc, fuse.ENOENT)
}

func TestNamespace(t *testing.T) {
	f, _ := newTestFS(t, nil)
	create(t, f, "/a", "A")
	create(t, f, "/b", "B")
	check(t, "Mkdir", f.Mkdir("/d", 0o755))
	wantErr(t, "Mkdir of an existing name", f.Mkdir("/d", 0o755), fuse.EEXIST)
	check(t, "Link", f.Link("/a", "/d/a2"))
	if st := getattr(t, f, "/a"); st.Nlink != 2 {
		t.Errorf("nlink after link = %d", st.Nlink)
	}
	wantErr(t, "Rename3 NOREPLACE onto a file", f.Rename3("/a", "/b", fuse.RENAME_NOREPLACE), fuse.EEXIST)
	check(t, "Rename3 EXCHANGE", f.Rename3("/a", "/b", fuse.RENAME_EXCHANGE))
	if st := getattr(t, f, "/a"); st.Size != 1 {
		t.Errorf("size after exchange = %d", st.Size)
	}
	buf := make([]byte, 4)
	rc, fh := f.Open("/a", fuse.O_RDONLY)
	check(t, "Open", rc)
	if n := f.Read("/a", buf, 0, fh); string(buf[:n]) != "B" {
		t.Errorf("/a after exchange holds %q", buf[:n])
	}
	f.Release("/a", fh)
	wantErr(t, "Rename3 WHITEOUT", f.Rename3("/a", "/c", fuse.RENAME_WHITEOUT), fuse.EINVAL)
	check(t, "Rename (replace)", f.Rename("/a", "/b"))
	wantErr(t, "Getattr of the old name", f.Getattr("/a", new(fuse.Stat_t), noHandle), fuse.ENOENT)
	wantErr(t, "Rename a directory into itself", f.Rename("/d", "/d/x"), fuse.EINVAL)
	wantErr(t, "Rmdir of a non-empty directory", f.Rmdir("/d"), fuse.ENOTEMPTY)
	wantErr(t, "Unlink of a directory", f.Unlink("/d"), fuse.EISDIR)
	check(t, "Unlink", f.Unlink("/d/a2"))
	check(t, "Rmdir", f.Rmdir("/d"))
	check(t, "Mknod", f.Mknod("/fifo", fuse.S_IFIFO|0o644, 0))
	if st := getattr(t, f, "/fifo"); st.Mode != fuse.S_IFIFO|0o644 {
		t.Errorf("fifo mode %o", st.Mode)
	}
}

func TestSetattr(t *testing.T) {
	f, _ := newTestFS(t, nil)
	create(t, f, "/f", "12345")
	check(t, "Chmod", f.Chmod("/f", fuse.S_IFREG|0o640))
	check(t, "Chown (no change)", f.Chown("/f", ^uint32(0), ^uint32(0)))
	check(t, "Chown", f.Chown("/f", 7, ^uint32(0)))
	check(t, "Truncate", f.Truncate("/f", 2, noHandle))
	mtime := fuse.Timespec{Sec: 1_500_000_000, Nsec: 42}
	before := getattr(t, f, "/f")
	check(t, "Utimens", f.Utimens("/f", []fuse.Timespec{{Nsec: fuse.UTIME_OMIT}, mtime}))
	st := getattr(t, f, "/f")
	if st.Mode != fuse.S_IFREG|0o640 || st.Uid != 7 || st.Gid != 1000 || st.Size != 2 {
		t.Errorf("mode %o owner %d:%d size %d", st.Mode, st.Uid, st.Gid, st.Size)
	}
	if st.Mtim != mtime || st.Atim != before.Atim {
		t.Errorf("times: atime %+v (was %+v), mtime %+v (want %+v)", st.Atim, before.Atim, st.Mtim, mtime)
	}
	check(t, "Utimens NOW", f.Utimens3("/f", []fuse.Timespec{{Nsec: fuse.UTIME_NOW}, {Nsec: fuse.UTIME_OMIT}}, noHandle))
	if st2 := getattr(t, f, "/f"); st2.Atim.Time().Before(time.Now().Add(-time.Minute)) || st2.Mtim != mtime {
		t.Errorf("after UTIME_NOW: atime %v mtime %+v", st2.Atim.Time(), st2.Mtim)
	}
}

func TestXattr(t *testing.T) {
	f, _ := newTestFS(t, nil)
	create(t, f, "/f", "")
	check(t, "Setxattr", f.Setxattr("/f", "user.color", []byte("blue"), 0))
	wantErr(t, "Setxattr XATTR_CREATE of an existing name", f.Setxattr("/f", "user.color", []byte("red"), fuse.XATTR_CREATE), fuse.EEXIST)
	rc, data := f.Getxattr("/f", "user.color")
	check(t, "Getxattr", rc)
	if string(data) != "blue" {
		t.Errorf("Getxattr = %q", data)
	}
	var names []string
	check(t, "Listxattr", f.Listxattr("/f", func(n string) bool { names = append(names, n); return true }))
	if !slices.Equal(names, []string{"user.color"}) {
		t.Errorf("Listxattr = %q", names)
	}
	wantErr(t, "Listxattr into a full buffer", f.Listxattr("/f", func(string) bool { return false }), fuse.ERANGE)
	check(t, "Removexattr", f.Removexattr("/f", "user.color"))
	rc, _ = f.Getxattr("/f", "user.color")
	wantErr(t, "Getxattr of a removed name", rc, fuse.ENOATTR)
}

func TestCaseInsensitive(t *testing.T) {
	f, _ := newTestFS(t, &fs.Options{CaseInsensitive: true})
	check(t, "Mkdir", f.Mkdir("/Dir", 0o755))
	create(t, f, "/Dir/File.txt", "x")
	rc, real := f.Getpath("/dir/FILE.TXT", noHandle)
	check(t, "Getpath", rc)
	if real != "/Dir/File.txt" {
		t.Errorf("Getpath = %q, want /Dir/File.txt", real)
	}
	getattr(t, f, "/DIR/file.txt")
	create(t, f, "/dir/Other", "y")
	if rc, real := f.Getpath("/DIR/OTHER", noHandle); rc != 0 || real != "/Dir/Other" {
		t.Errorf("Getpath of a file created through another case = %d %q", rc, real)
	}
	check(t, "Rename changing only the case", f.Rename("/dir/file.txt", "/Dir/FILE.txt"))
	if rc, real := f.Getpath("/dir/file.txt", noHandle); rc != 0 || real != "/Dir/FILE.txt" {
		t.Errorf("after a case-only rename: Getpath = %d %q", rc, real)
	}
	rc, _ = f.Getpath("/dir/missing", noHandle)
	wantErr(t, "Getpath of a missing name", rc, fuse.ENOENT)
}

func TestStatfsAccess(t *testing.T) {
	f, _ := newTestFS(t, nil)
	var st fuse.Statfs_t
	check(t, "Statfs", f.Statfs("/", &st))
	if st.Bsize == 0 || st.Namemax != 255 {
		t.Errorf("Statfs = %+v", st)
	}
	create(t, f, "/f", "")
	check(t, "Access", f.Access("/f", fuse.R_OK|fuse.W_OK))
	check(t, "Access DELETE_OK", f.Access("/f", fuse.DELETE_OK))
	wantErr(t, "Access of a missing file", f.Access("/missing", fuse.F_OK), fuse.ENOENT)

	ro, _ := newTestFS(t, &fs.Options{ReadOnly: true})
	wantErr(t, "Access DELETE_OK on a read-only volume", ro.Access("/", fuse.DELETE_OK), fuse.EROFS)
	fi := fuse.FileInfo_t{Flags: fuse.O_CREAT | fuse.O_RDWR}
	wantErr(t, "CreateEx on a read-only volume", ro.CreateEx("/x", 0o644, &fi), fuse.EROFS)
}

func TestDestroyClosesHandles(t *testing.T) {
	f, v := newTestFS(t, nil)
	create(t, f, "/f", "x")
	if rc, _ := f.Open("/f", fuse.O_RDONLY); rc != 0 {
		t.Fatal(rc)
	}
	if rc, _ := f.Opendir("/"); rc != 0 {
		t.Fatal(rc)
	}
	f.Destroy()
	if n := len(f.handles); n != 0 {
		t.Errorf("%d handles left after Destroy", n)
	}
	if err := v.Unmounted(bg, ""); err != nil {
		t.Error(err)
	}
}

func TestOptEscape(t *testing.T) {
	if got := optEscape(`a,b\c`); got != `a\,b\\c` {
		t.Errorf("optEscape = %q", got)
	}
}

// TestHiddenRename plays libfuse3's part in an unlink of an open file: it renames
// the file to a .fuse_hidden name, asks about it by that name, and unlinks that name
// at the last release.
func TestHiddenRename(t *testing.T) {
	f, v := newTestFS(t, nil)
	f.hiding = true
	create(t, f, "/f", "data")
	rc, fh := f.Open("/f", fuse.O_RDONLY)
	check(t, "Open", rc)
	const hidden = "/.fuse_hidden000000030000000a"
	var st fuse.Stat_t
	wantErr(t, "Getattr of the hidden name before the rename", f.Getattr(hidden, &st, noHandle), fuse.ENOENT)
	check(t, "Rename to the hidden name", f.Rename3("/f", hidden, 0))
	if names, _ := readdir(t, f, "/", 100); !slices.Equal(names, []string{".", ".."}) {
		t.Errorf("listing after hiding: %q", names)
	}
	check(t, "Getattr of the hidden name", f.Getattr(hidden, &st, noHandle))
	if st.Size != 4 {
		t.Errorf("hidden file size %d", st.Size)
	}
	buf := make([]byte, 8)
	if n := f.Read(hidden, buf, 0, fh); string(buf[:max(n, 0)]) != "data" {
		t.Errorf("Read of the hidden file = %d", n)
	}
	check(t, "Release", f.Release(hidden, fh))
	check(t, "Unlink of the hidden name", f.Unlink(hidden))
	wantErr(t, "Unlink of the hidden name again", f.Unlink(hidden), fuse.ENOENT)
	if _, err := v.Stat(bg, "/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("/f after hiding: %v", err)
	}

	create(t, f, "/g", "")
	check(t, "Rename to a name that only looks hidden", f.Rename3("/g", "/.fuse_hiddenXYZ", 0))
	getattr(t, f, "/.fuse_hiddenXYZ")
	for _, c := range []struct {
		name string
		want bool
	}{
		{"/.fuse_hidden0000000100000002", true},
		{"/d/.fuse_hiddenabcdef0123456789", true},
		{"/.fuse_hidden00000001", false},
		{"/.fuse_hidden000000010000000G", false},
		{"/x.fuse_hidden0000000100000002", false},
	} {
		if got := isHiddenName(c.name); got != c.want {
			t.Errorf("isHiddenName(%q) = %v", c.name, got)
		}
	}
}

func TestLongNameAndSecurityXattr(t *testing.T) {
	f, _ := newTestFS(t, nil)
	wantErr(t, "Getattr of a 256-byte name", f.Getattr("/"+strings.Repeat("x", 256), new(fuse.Stat_t), noHandle), fuse.ENAMETOOLONG)
	if runtime.GOOS == "linux" {
		create(t, f, "/f", "")
		rc, _ := f.Getxattr("/f", "security.capability")
		wantErr(t, "Getxattr security.capability", rc, fuse.ENOATTR)
	}
}

func TestTrace(t *testing.T) {
	f, _ := newTestFS(t, nil)
	var buf strings.Builder
	f.debug = true
	f.log = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.Getattr("/missing", new(fuse.Stat_t), noHandle)
	if out := buf.String(); !strings.Contains(out, "cgofuse: Getattr") || !strings.Contains(out, fmt.Sprint(-fuse.ENOENT)) {
		t.Errorf("trace output %q", out)
	}
}

// writeAndAppend writes "hello" to the file name through a mount, reads it back,
// appends ", world" through an O_APPEND descriptor and reads the whole again.
func writeAndAppend(t *testing.T, name string) {
	t.Helper()
	if err := os.WriteFile(name, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(name); err != nil || string(data) != "hello" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(", world"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); string(data) != "hello, world" {
		t.Errorf("after append: %q", data)
	}
}

// wantDir checks that the directory dir of a mount lists exactly names, in order.
func wantDir(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("ReadDir = %q, want %q", got, names)
	}
}
