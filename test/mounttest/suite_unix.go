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
	"syscall"
	"testing"
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
