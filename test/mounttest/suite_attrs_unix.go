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

// The suite's tests of attributes, extended attributes, statfs, large
// listings and sparse files.

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
