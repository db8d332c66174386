//go:build linux || darwin

package mounttest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func init() {
	register(map[string]func(*testing.T, string){
		"CreateReadWrite":       CreateReadWrite,
		"AppendTwoDescriptors":  AppendTwoDescriptors,
		"TruncateGrowShrink":    TruncateGrowShrink,
		"RenameOverFile":        RenameOverFile,
		"RenameAcrossDirs":      RenameAcrossDirs,
		"RenameDirOntoEmpty":    RenameDirOntoEmpty,
		"RenameDirOntoNonEmpty": RenameDirOntoNonEmpty,
		"Unlink":                Unlink,
		"RmdirNonEmpty":         RmdirNonEmpty,
		"MkdirExisting":         MkdirExisting,
		"SymlinkReadlink":       SymlinkReadlink,
		"HardLinks":             HardLinks,
		"Chmod":                 Chmod,
		"Chown":                 Chown,
		"UtimesNano":            UtimesNano,
		"Xattrs":                Xattrs,
		"XattrLarge":            XattrLarge,
		"Statfs":                Statfs,
		"ReaddirLarge":          ReaddirLarge,
		"SparseFile":            SparseFile,
		"ReadUnlinkedOpen":      ReadUnlinkedOpen,
		"UnlinkedOpenNlink":     UnlinkedOpenNlink,
		"RenameOverOpen":        RenameOverOpen,
		"ParallelWriters":       ParallelWriters,
		"ModeUmask0":            ModeUmask0,
		"CreateExclusive":       CreateExclusive,
		"OpenTruncate":          OpenTruncate,
		"PosixLocks":            PosixLocks,
		"Flock":                 Flock,
		"Rewinddir":             Rewinddir,
		"LongNames":             LongNames,
		"DeepPaths":             DeepPaths,
	})
}

// CreateReadWrite writes a file, reads it back, and overwrites part of it.
func CreateReadWrite(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "hello, world")
	wantContent(t, p, "hello, world")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	_, err = f.WriteAt([]byte("HELLO"), 0)
	check(t, err)
	buf := make([]byte, 64)
	n, err := f.ReadAt(buf, 0)
	if err != io.EOF {
		check(t, err)
	}
	if got := string(buf[:n]); got != "HELLO, world" {
		t.Fatalf("after WriteAt: %q", got)
	}
	st, err := f.Stat()
	check(t, err)
	if st.Size() != 12 || !st.Mode().IsRegular() {
		t.Fatalf("stat: size %d mode %v", st.Size(), st.Mode())
	}
	// A large write, crossing several FUSE requests.
	big := bytes.Repeat([]byte("0123456789abcdef"), 300_000)
	check(t, os.WriteFile(p, big, 0o644))
	got, err := os.ReadFile(p)
	check(t, err)
	if !bytes.Equal(got, big) {
		t.Fatalf("large file: read %d bytes, differing from the %d written", len(got), len(big))
	}
}

// AppendTwoDescriptors appends through two O_APPEND descriptors in turn.
func AppendTwoDescriptors(t *testing.T, dir string) {
	p := filepath.Join(dir, "log")
	writeFile(t, p, "0")
	a, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	check(t, err)
	defer a.Close()
	b, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	check(t, err)
	defer b.Close()
	for i, f := range []*os.File{a, b, a, b, a} {
		_, err := f.WriteString(fmt.Sprint(i + 1))
		check(t, err)
	}
	wantContent(t, p, "012345")
}

// TruncateGrowShrink truncates by name and by descriptor, up and down.
func TruncateGrowShrink(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "0123456789")
	check(t, os.Truncate(p, 100_000))
	got, err := os.ReadFile(p)
	check(t, err)
	if len(got) != 100_000 || string(got[:10]) != "0123456789" || !bytes.Equal(got[10:], make([]byte, 100_000-10)) {
		t.Fatalf("grown file: %d bytes, head %q", len(got), got[:10])
	}
	check(t, os.Truncate(p, 3))
	wantContent(t, p, "012")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	check(t, f.Truncate(1))
	st, err := f.Stat()
	check(t, err)
	if st.Size() != 1 {
		t.Fatalf("ftruncate: size %d, want 1", st.Size())
	}
	check(t, f.Truncate(5))
	wantContent(t, p, "0\x00\x00\x00\x00")
}

// RenameOverFile renames a file over another, which is replaced.
func RenameOverFile(t *testing.T, dir string) {
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, a, "A")
	writeFile(t, b, "B")
	check(t, os.Rename(a, b))
	wantContent(t, b, "A")
	_, err := os.Lstat(a)
	wantErr(t, "stat old name", err, syscall.ENOENT)
}

// RenameAcrossDirs moves a file to another directory under a new name.
func RenameAcrossDirs(t *testing.T, dir string) {
	d1, d2 := filepath.Join(dir, "d1"), filepath.Join(dir, "d2")
	check(t, os.Mkdir(d1, 0o755))
	check(t, os.Mkdir(d2, 0o755))
	writeFile(t, filepath.Join(d1, "f"), "data")
	check(t, os.Rename(filepath.Join(d1, "f"), filepath.Join(d2, "g")))
	wantContent(t, filepath.Join(d2, "g"), "data")
	wantNames(t, d1)
	wantNames(t, d2, "g")
}

// RenameDirOntoEmpty renames a directory with contents over an empty directory.
func RenameDirOntoEmpty(t *testing.T, dir string) {
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	check(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	writeFile(t, filepath.Join(src, "sub", "f"), "deep")
	check(t, os.Mkdir(dst, 0o755))
	// syscall.Rename: os.Rename refuses an existing directory target itself.
	check(t, syscall.Rename(src, dst))
	wantContent(t, filepath.Join(dst, "sub", "f"), "deep")
	_, err := os.Stat(src)
	wantErr(t, "stat old name", err, syscall.ENOENT)
	wantNames(t, dir, "dst")
}

// RenameDirOntoNonEmpty fails with ENOTEMPTY and changes nothing.
func RenameDirOntoNonEmpty(t *testing.T, dir string) {
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	check(t, os.Mkdir(src, 0o755))
	check(t, os.Mkdir(dst, 0o755))
	writeFile(t, filepath.Join(dst, "f"), "x")
	wantErr(t, "rename onto a non-empty directory", syscall.Rename(src, dst), syscall.ENOTEMPTY)
	wantNames(t, dir, "dst", "src")
	wantContent(t, filepath.Join(dst, "f"), "x")
	// A directory cannot replace a file, nor a file a directory.
	writeFile(t, filepath.Join(dir, "file"), "")
	wantErr(t, "rename dir over file", syscall.Rename(src, filepath.Join(dir, "file")), syscall.ENOTDIR)
	wantErr(t, "rename file over dir", syscall.Rename(filepath.Join(dir, "file"), src), syscall.EISDIR)
}

// Unlink removes a file; its name is gone from lookups and listings.
func Unlink(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "x")
	check(t, syscall.Unlink(p))
	_, err := os.Lstat(p)
	wantErr(t, "stat after unlink", err, syscall.ENOENT)
	wantErr(t, "unlink again", syscall.Unlink(p), syscall.ENOENT)
	wantNames(t, dir)
	check(t, os.Mkdir(p, 0o755))
	wantErr(t, "unlink a directory", syscall.Unlink(p), syscall.EISDIR)
}

// RmdirNonEmpty refuses to remove a directory with entries.
func RmdirNonEmpty(t *testing.T, dir string) {
	d := filepath.Join(dir, "d")
	check(t, os.Mkdir(d, 0o755))
	writeFile(t, filepath.Join(d, "f"), "")
	wantErr(t, "rmdir non-empty", syscall.Rmdir(d), syscall.ENOTEMPTY)
	check(t, os.Remove(filepath.Join(d, "f")))
	check(t, syscall.Rmdir(d))
	wantNames(t, dir)
	writeFile(t, filepath.Join(dir, "f"), "")
	wantErr(t, "rmdir a file", syscall.Rmdir(filepath.Join(dir, "f")), syscall.ENOTDIR)
}

// MkdirExisting fails with EEXIST for a directory or file of that name.
func MkdirExisting(t *testing.T, dir string) {
	d := filepath.Join(dir, "d")
	check(t, syscall.Mkdir(d, 0o755))
	wantErr(t, "mkdir existing dir", syscall.Mkdir(d, 0o755), syscall.EEXIST)
	writeFile(t, filepath.Join(dir, "f"), "")
	wantErr(t, "mkdir over file", syscall.Mkdir(filepath.Join(dir, "f"), 0o755), syscall.EEXIST)
}

// SymlinkReadlink creates symbolic links and reads and follows them.
func SymlinkReadlink(t *testing.T, dir string) {
	writeFile(t, filepath.Join(dir, "target"), "through the link")
	l := filepath.Join(dir, "link")
	check(t, os.Symlink("target", l))
	got, err := os.Readlink(l)
	check(t, err)
	if got != "target" {
		t.Fatalf("readlink: %q", got)
	}
	st, err := os.Lstat(l)
	check(t, err)
	if st.Mode()&os.ModeSymlink == 0 || st.Size() != int64(len("target")) {
		t.Fatalf("lstat: mode %v size %d", st.Mode(), st.Size())
	}
	wantContent(t, l, "through the link")
	dangling := filepath.Join(dir, "dangling")
	check(t, os.Symlink("../nowhere/at/all", dangling))
	got, err = os.Readlink(dangling)
	check(t, err)
	if got != "../nowhere/at/all" {
		t.Fatalf("readlink dangling: %q", got)
	}
	_, err = os.Stat(dangling)
	wantErr(t, "stat dangling", err, syscall.ENOENT)
	wantErr(t, "symlink over existing", os.Symlink("x", l), syscall.EEXIST)
}

// HardLinks checks that links share an inode, data and link count.
func HardLinks(t *testing.T, dir string) {
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, a, "one")
	check(t, os.Link(a, b))
	var sa, sb syscall.Stat_t
	check(t, syscall.Stat(a, &sa))
	check(t, syscall.Stat(b, &sb))
	if sa.Ino != sb.Ino || sa.Nlink != 2 || sb.Nlink != 2 {
		t.Fatalf("after link: ino %d/%d nlink %d/%d", sa.Ino, sb.Ino, sa.Nlink, sb.Nlink)
	}
	writeFile(t, b, "two")
	wantContent(t, a, "two")
	check(t, os.Remove(a))
	check(t, syscall.Stat(b, &sb))
	if sb.Nlink != 1 {
		t.Fatalf("after unlink: nlink %d, want 1", sb.Nlink)
	}
	wantContent(t, b, "two")
	d := filepath.Join(dir, "d")
	check(t, os.Mkdir(d, 0o755))
	wantErr(t, "link a directory", os.Link(d, filepath.Join(dir, "d2")), syscall.EPERM)
	wantErr(t, "link over existing", os.Link(b, d), syscall.EEXIST)
}

// Chmod changes permission bits, setuid and sticky bits included.
func Chmod(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	for _, mode := range []uint32{0o640, 0o600, 0o4755, 0o1777, 0o000, 0o644} {
		check(t, syscall.Chmod(p, mode))
		var st syscall.Stat_t
		check(t, syscall.Stat(p, &st))
		if uint32(st.Mode)&0o7777 != mode || uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFREG {
			t.Fatalf("chmod %o: mode %o", mode, st.Mode)
		}
	}
	f, err := os.Open(p)
	check(t, err)
	defer f.Close()
	check(t, f.Chmod(0o751))
	st, err := f.Stat()
	check(t, err)
	if st.Mode().Perm() != 0o751 {
		t.Fatalf("fchmod: %v", st.Mode())
	}
}

// Chown changes the owner and group (root only).
func Chown(t *testing.T, dir string) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root")
	}
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	check(t, os.Chown(p, 1234, 5678))
	var st syscall.Stat_t
	check(t, syscall.Stat(p, &st))
	if st.Uid != 1234 || st.Gid != 5678 {
		t.Fatalf("chown: %d:%d", st.Uid, st.Gid)
	}
	check(t, os.Chown(p, -1, 42)) // group only
	check(t, syscall.Stat(p, &st))
	if st.Uid != 1234 || st.Gid != 42 {
		t.Fatalf("chgrp: %d:%d", st.Uid, st.Gid)
	}
	l := filepath.Join(dir, "l")
	check(t, os.Symlink("f", l))
	check(t, os.Lchown(l, 7, 8))
	check(t, syscall.Lstat(l, &st))
	if st.Uid != 7 || st.Gid != 8 {
		t.Fatalf("lchown: %d:%d", st.Uid, st.Gid)
	}
}

// UtimesNano sets access and modification times with nanoseconds.
func UtimesNano(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	at := time.Date(2001, 2, 3, 4, 5, 6, 123456789, time.UTC)
	mt := time.Date(2011, 12, 13, 14, 15, 16, 987654321, time.UTC)
	check(t, unix.UtimesNano(p, []unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}))
	var st unix.Stat_t
	check(t, unix.Stat(p, &st))
	if got := time.Unix(st.Atim.Unix()); !got.Equal(at) {
		t.Errorf("atime %v, want %v", got, at)
	}
	if got := time.Unix(st.Mtim.Unix()); !got.Equal(mt) {
		t.Errorf("mtime %v, want %v", got, mt)
	}
	// Before 1970 too.
	old := time.Date(1960, 1, 1, 0, 0, 0, 500, time.UTC)
	check(t, os.Chtimes(p, old, old))
	check(t, unix.Stat(p, &st))
	if got := time.Unix(st.Mtim.Unix()); !got.Equal(old) {
		t.Errorf("mtime %v, want %v", got, old)
	}
}

// Xattrs sets, gets, lists and removes extended attributes.
func Xattrs(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	err := unix.Setxattr(p, "user.color", []byte("blue"), 0)
	if err == unix.ENOTSUP || err == unix.EOPNOTSUPP {
		t.Skip("the backend has no named streams")
	}
	check(t, err)
	sz, err := unix.Getxattr(p, "user.color", nil)
	check(t, err)
	if sz != 4 {
		t.Fatalf("size query: %d, want 4", sz)
	}
	_, err = unix.Getxattr(p, "user.color", make([]byte, 2))
	wantErr(t, "getxattr with a small buffer", err, unix.ERANGE)
	buf := make([]byte, 64)
	n, err := unix.Getxattr(p, "user.color", buf)
	check(t, err)
	if string(buf[:n]) != "blue" {
		t.Fatalf("getxattr: %q", buf[:n])
	}
	check(t, unix.Setxattr(p, "user.empty", nil, 0))
	n, err = unix.Getxattr(p, "user.empty", buf)
	check(t, err)
	if n != 0 {
		t.Fatalf("empty attribute has %d bytes", n)
	}
	wantErr(t, "XATTR_CREATE on existing", unix.Setxattr(p, "user.color", []byte("red"), unix.XATTR_CREATE), unix.EEXIST)
	wantErr(t, "XATTR_REPLACE on missing", unix.Setxattr(p, "user.none", []byte("x"), unix.XATTR_REPLACE), errNoAttr)
	check(t, unix.Setxattr(p, "user.color", []byte("green"), unix.XATTR_REPLACE))
	n, err = unix.Getxattr(p, "user.color", buf)
	check(t, err)
	if string(buf[:n]) != "green" {
		t.Fatalf("after replace: %q", buf[:n])
	}
	sz, err = unix.Listxattr(p, nil)
	check(t, err)
	lbuf := make([]byte, sz)
	n, err = unix.Listxattr(p, lbuf)
	check(t, err)
	names := strings.Split(strings.TrimSuffix(string(lbuf[:n]), "\x00"), "\x00")
	sort.Strings(names)
	if strings.Join(names, ",") != "user.color,user.empty" {
		t.Fatalf("listxattr: %q", names)
	}
	if sz > 1 {
		_, err = unix.Listxattr(p, make([]byte, 1))
		wantErr(t, "listxattr with a small buffer", err, unix.ERANGE)
	}
	check(t, unix.Removexattr(p, "user.color"))
	_, err = unix.Getxattr(p, "user.color", buf)
	wantErr(t, "getxattr removed", err, errNoAttr)
	wantErr(t, "removexattr missing", unix.Removexattr(p, "user.color"), errNoAttr)
	// Directories have attributes too.
	check(t, unix.Setxattr(dir, "user.d", []byte("dir"), 0))
	n, err = unix.Getxattr(dir, "user.d", buf)
	check(t, err)
	if string(buf[:n]) != "dir" {
		t.Fatalf("directory attribute: %q", buf[:n])
	}
}

// XattrLarge stores a 60,000-byte extended attribute (Linux allows 64 KiB).
func XattrLarge(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	big := bytes.Repeat([]byte("x"), 60_000)
	check(t, unix.Setxattr(p, "user.big", big, 0))
	got := make([]byte, 64_000)
	n, err := unix.Getxattr(p, "user.big", got)
	check(t, err)
	if !bytes.Equal(got[:n], big) {
		t.Fatalf("large attribute: %d bytes back", n)
	}
}

// Statfs reports a sane capacity.
func Statfs(t *testing.T, dir string) {
	var st unix.Statfs_t
	check(t, unix.Statfs(dir, &st))
	if st.Bsize <= 0 || st.Bfree > st.Blocks || st.Bavail > st.Blocks || st.Ffree > st.Files {
		t.Fatalf("statfs: %+v", st)
	}
	checkNamelen(t, &st)
}

// ReaddirLarge lists a directory of 10,000 entries (2,500 under the race
// detector: still dozens of kernel readdir pages): every name once.
func ReaddirLarge(t *testing.T, dir string) {
	n := 10_000
	if raceEnabled {
		n = 2_500
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if err := unix.Mknod(filepath.Join(dir, fmt.Sprintf("entry-%05d", i)), unix.S_IFREG|0o644, 0); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f, err := os.Open(dir)
	check(t, err)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	check(t, err)
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		if seen[name] {
			t.Fatalf("%s listed twice", name)
		}
		seen[name] = true
	}
	for i := 0; i < n; i++ {
		if name := fmt.Sprintf("entry-%05d", i); !seen[name] {
			t.Fatalf("%s missing from the listing of %d names", name, len(names))
		}
	}
	if len(names) != n {
		t.Fatalf("listed %d names, want %d", len(names), n)
	}
	// With attributes (READDIRPLUS, then stat from the kernel's cache).
	entries, err := os.ReadDir(dir)
	check(t, err)
	for _, e := range entries[:100] {
		info, err := e.Info()
		check(t, err)
		if !info.Mode().IsRegular() || info.Size() != 0 {
			t.Fatalf("%s: mode %v size %d", e.Name(), info.Mode(), info.Size())
		}
	}
}

// SparseFile writes one byte at 1 TiB: the size is huge, the storage is not.
func SparseFile(t *testing.T, dir string) {
	p := filepath.Join(dir, "sparse")
	f, err := os.Create(p)
	check(t, err)
	defer f.Close()
	const off = 1 << 40
	if _, err := f.WriteAt([]byte{42}, off); err != nil {
		if err.(*os.PathError).Err == syscall.EFBIG {
			t.Skip("the volume limits file sizes")
		}
		t.Fatal(err)
	}
	var st syscall.Stat_t
	check(t, syscall.Fstat(int(f.Fd()), &st))
	if st.Size != off+1 {
		t.Fatalf("size %d, want %d", st.Size, off+1)
	}
	if st.Blocks*512 > 16<<20 {
		t.Fatalf("st_blocks %d: %d bytes of storage for one byte", st.Blocks, st.Blocks*512)
	}
	b := make([]byte, 2)
	n, err := f.ReadAt(b, off-1)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if n != 2 || b[0] != 0 || b[1] != 42 {
		t.Fatalf("read at the end: %d bytes %v", n, b[:n])
	}
	n, err = f.ReadAt(b, 1<<30)
	check(t, err)
	if n != 2 || b[0] != 0 || b[1] != 0 {
		t.Fatalf("read in the hole: %v", b[:n])
	}
}

// wantNames fails unless dir lists exactly names.
func wantNames(t *testing.T, dir string, names ...string) {
	t.Helper()
	f, err := os.Open(dir)
	check(t, err)
	defer f.Close()
	got, err := f.Readdirnames(-1)
	check(t, err)
	sort.Strings(got)
	sort.Strings(names)
	if strings.Join(got, "/") != strings.Join(names, "/") {
		t.Fatalf("%s lists %q, want %q", dir, got, names)
	}
}

// wantMode fails unless name's st_mode is mode.
func wantMode(t *testing.T, name string, mode uint32) {
	t.Helper()
	var st syscall.Stat_t
	check(t, syscall.Lstat(name, &st))
	if uint32(st.Mode) != mode {
		t.Fatalf("%s: mode %o, want %o", name, st.Mode, mode)
	}
}
