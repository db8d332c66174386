package mounttest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The suite's tests of sparse files, byte-range events (fallocate's modes,
// SEEK_DATA / SEEK_HOLE, copy_file_range) and the extended attributes of the
// namespaces beyond user.
func init() {
	register(map[string]func(*testing.T, string){
		"SparseAllocation": SparseAllocation,
		"FallocateRange":   FallocateRange,
		"PunchHole":        PunchHole,
		"ZeroRange":        ZeroRange,
		"SeekDataHole":     SeekDataHole,
		"CopyFileRange":    CopyFileRange,
		"XattrTrusted":     XattrTrusted,
		"XattrSecurity":    XattrSecurity,
		"XattrUserSymlink": XattrUserSymlink,
	})
}

const mib = 1 << 20

// blocks returns the file's st_blocks in bytes.
func blocks(t *testing.T, f *os.File) int64 {
	t.Helper()
	var st unix.Stat_t
	check(t, unix.Fstat(int(f.Fd()), &st))
	return st.Blocks * 512
}

// sparse creates name with size bytes, data (4 KiB of 'x') at each offset of at and
// holes elsewhere, and returns it open for reading and writing.
func sparse(t *testing.T, name string, size int64, at ...int64) *os.File {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	check(t, err)
	t.Cleanup(func() { f.Close() })
	check(t, f.Truncate(size))
	for _, off := range at {
		_, err := f.WriteAt(bytes.Repeat([]byte("x"), 4096), off)
		check(t, err)
	}
	return f
}

// SparseAllocation: a file that is all hole occupies no storage (du shows 0), and
// one with a little data as much as the data.
func SparseAllocation(t *testing.T, dir string) {
	f := sparse(t, filepath.Join(dir, "hole"), 1<<30)
	if got := blocks(t, f); got != 0 {
		t.Fatalf("a 1 GiB file that is all hole: st_blocks %d bytes, want 0", got)
	}
	g := sparse(t, filepath.Join(dir, "some"), 64*mib, 0, 32*mib)
	if got := blocks(t, g); got < 8192 || got > mib {
		t.Fatalf("64 MiB with 8 KiB of data: st_blocks %d bytes", got)
	}
}

// FallocateRange preallocates only the range asked for, not the file up to it.
func FallocateRange(t *testing.T, dir string) {
	f := sparse(t, filepath.Join(dir, "f"), 64*mib)
	before := blocks(t, f)
	check(t, unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, 32*mib, 64<<10))
	got := blocks(t, f) - before
	if got < 64<<10 || got > 2*mib {
		t.Fatalf("fallocate of 64 KiB at 32 MiB: st_blocks grew by %d bytes", got)
	}
	st, err := f.Stat()
	check(t, err)
	if st.Size() != 64*mib {
		t.Fatalf("size %d after FALLOC_FL_KEEP_SIZE, want %d", st.Size(), 64*mib)
	}
	// Past the end, without KEEP_SIZE: the size grows.
	check(t, unix.Fallocate(int(f.Fd()), 0, 80*mib, 4096))
	if st, err = f.Stat(); err != nil || st.Size() != 80*mib+4096 {
		t.Fatalf("size after fallocate past the end: %v, %v", st.Size(), err)
	}
}

// PunchHole frees a range: it reads as zeros, takes no storage, and the size stays.
func PunchHole(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	data := bytes.Repeat([]byte("0123456789abcdef"), 4*mib/16)
	check(t, os.WriteFile(p, data, 0o644))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	before := blocks(t, f)
	check(t, unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, mib+100, 2*mib))
	wantErr(t, "PUNCH_HOLE without KEEP_SIZE", unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE, 0, 4096), unix.EOPNOTSUPP)
	got, err := os.ReadFile(p)
	check(t, err)
	want := slices.Clone(data)
	clear(want[mib+100 : 3*mib+100])
	if !bytes.Equal(got, want) {
		t.Fatalf("after punching 2 MiB at 1 MiB+100: %d bytes differ from the data with zeros there", len(got))
	}
	if freed := before - blocks(t, f); freed < 2*mib-8192 {
		t.Fatalf("punching 2 MiB freed %d bytes of storage", freed)
	}
}

// ZeroRange zeroes a range, growing the file unless KEEP_SIZE.
func ZeroRange(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	check(t, os.WriteFile(p, bytes.Repeat([]byte("z"), 10000), 0o644))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	err = unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_ZERO_RANGE, 5000, 10000)
	if err == unix.EOPNOTSUPP {
		t.Skip("the host file system cannot zero ranges")
	}
	check(t, err)
	got, err := os.ReadFile(p)
	check(t, err)
	want := append(bytes.Repeat([]byte("z"), 5000), make([]byte, 10000)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("after FALLOC_FL_ZERO_RANGE: %d bytes, want 5000 'z' and 10000 zeros", len(got))
	}
}

// SeekDataHole finds the data and the holes of a sparse file.
func SeekDataHole(t *testing.T, dir string) {
	f := sparse(t, filepath.Join(dir, "f"), 8*mib, 0, 4*mib)
	fd := int(f.Fd())
	seek := func(off int64, whence int) (int64, error) { return unix.Seek(fd, off, whence) }
	for _, c := range []struct {
		off    int64
		whence int
		want   int64
	}{
		{0, unix.SEEK_DATA, 0},
		{100, unix.SEEK_DATA, 100},
		{0, unix.SEEK_HOLE, 4096},
		{4096, unix.SEEK_DATA, 4 * mib},
		{4*mib + 1, unix.SEEK_HOLE, 4*mib + 4096},
		{5 * mib, unix.SEEK_HOLE, 5 * mib},
	} {
		got, err := seek(c.off, c.whence)
		check(t, err)
		if got != c.want {
			t.Errorf("lseek(%d, %s) = %d, want %d", c.off, whenceName(c.whence), got, c.want)
		}
	}
	_, err := seek(4*mib+4096, unix.SEEK_DATA)
	wantErr(t, "SEEK_DATA after the last data", err, unix.ENXIO)
	_, err = seek(8*mib, unix.SEEK_HOLE)
	wantErr(t, "SEEK_HOLE at the end", err, unix.ENXIO)
}

func whenceName(w int) string {
	if w == unix.SEEK_DATA {
		return "SEEK_DATA"
	}
	return "SEEK_HOLE"
}

// CopyFileRange copies between files of the mount and within one file: short at
// the end of the source, nothing past it, EINVAL for overlapping ranges.
func CopyFileRange(t *testing.T, dir string) {
	src := filepath.Join(dir, "src")
	data := bytes.Repeat([]byte("copy me "), 3*mib/8)
	check(t, os.WriteFile(src, data, 0o644))
	in, err := os.Open(src)
	check(t, err)
	defer in.Close()
	out, err := os.Create(filepath.Join(dir, "dst"))
	check(t, err)
	defer out.Close()
	var copied int
	for off := int64(0); ; {
		roff, woff := off, off+100
		n, err := unix.CopyFileRange(int(in.Fd()), &roff, int(out.Fd()), &woff, 2*mib, 0)
		check(t, err)
		if n == 0 {
			break
		}
		copied += n
		off += int64(n)
	}
	if copied != len(data) {
		t.Fatalf("copied %d bytes, want %d", copied, len(data))
	}
	got, err := os.ReadFile(out.Name())
	check(t, err)
	if !bytes.Equal(got, append(make([]byte, 100), data...)) {
		t.Fatalf("the copy differs from the source (%d bytes)", len(got))
	}
	// Within one file, to a range past the source.
	f, err := os.OpenFile(src, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	roff, woff := int64(0), int64(len(data))
	n, err := unix.CopyFileRange(int(f.Fd()), &roff, int(f.Fd()), &woff, 1000, 0)
	check(t, err)
	if n != 1000 {
		t.Fatalf("copy within the file: %d bytes", n)
	}
	buf := make([]byte, 1000)
	_, err = f.ReadAt(buf, int64(len(data)))
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, data[:1000]) {
		t.Fatalf("copy within the file: %q...", buf[:16])
	}
	roff, woff = 0, 500
	_, err = unix.CopyFileRange(int(f.Fd()), &roff, int(f.Fd()), &woff, 1000, 0)
	wantErr(t, "overlapping copy", err, unix.EINVAL)
}

// listxattr returns the attribute names of name (not following a link).
func listxattr(t *testing.T, name string) []string {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(name, buf)
	check(t, err)
	return strings.FieldsFunc(string(buf[:n]), func(r rune) bool { return r == 0 })
}

func wantXattr(t *testing.T, name, attr, want string) {
	t.Helper()
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(name, attr, buf)
	check(t, err)
	if string(buf[:n]) != want {
		t.Fatalf("%s of %s: %q, want %q", attr, name, buf[:n], want)
	}
}

// XattrTrusted: root sets, reads, lists and removes trusted. attributes on files,
// directories and symbolic links (shutil.copystat copies them this way), kept apart
// from the user. namespace.
func XattrTrusted(t *testing.T, dir string) {
	if os.Geteuid() != 0 {
		t.Skip("trusted. attributes need CAP_SYS_ADMIN")
	}
	f, l := filepath.Join(dir, "f"), filepath.Join(dir, "l")
	writeFile(t, f, "")
	check(t, os.Symlink("f", l))
	check(t, unix.Lsetxattr(f, "trusted.foo", []byte("42"), 0))
	check(t, unix.Lsetxattr(l, "trusted.foo", []byte("43"), 0))
	check(t, unix.Lsetxattr(dir, "trusted.dir", []byte("d"), 0))
	check(t, unix.Lsetxattr(f, "user.trusted.foo", []byte("user"), 0))
	wantXattr(t, f, "trusted.foo", "42")
	wantXattr(t, l, "trusted.foo", "43")
	wantXattr(t, dir, "trusted.dir", "d")
	wantXattr(t, f, "user.trusted.foo", "user")
	if got := listxattr(t, f); !slices.Contains(got, "trusted.foo") || !slices.Contains(got, "user.trusted.foo") {
		t.Fatalf("listxattr %s: %q", f, got)
	}
	if got := listxattr(t, l); !slices.Equal(got, []string{"trusted.foo"}) {
		t.Fatalf("listxattr of the link: %q, want [trusted.foo]", got)
	}
	wantErr(t, "XATTR_CREATE on an existing trusted. attribute", unix.Lsetxattr(f, "trusted.foo", []byte("x"), unix.XATTR_CREATE), unix.EEXIST)
	check(t, unix.Lremovexattr(f, "trusted.foo"))
	_, err := unix.Lgetxattr(f, "trusted.foo", nil)
	wantErr(t, "getxattr after removexattr", err, errNoAttr)
	wantXattr(t, f, "user.trusted.foo", "user")
}

// XattrSecurity: security. attributes (file capabilities, labels) are kept.
func XattrSecurity(t *testing.T, dir string) {
	if os.Geteuid() != 0 {
		t.Skip("setting security. attributes needs CAP_SYS_ADMIN")
	}
	f := filepath.Join(dir, "f")
	writeFile(t, f, "")
	check(t, unix.Setxattr(f, "security.anyfs", []byte("label"), 0))
	wantXattr(t, f, "security.anyfs", "label")
	if got := listxattr(t, f); !slices.Contains(got, "security.anyfs") {
		t.Fatalf("listxattr: %q", got)
	}
	// A file capability: cap_net_raw permitted and inheritable, as
	// VFS_CAP_REVISION_2 (the kernel checks the format before the mount sees it).
	vfsCap := []byte{0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	check(t, unix.Setxattr(f, "security.capability", vfsCap, 0))
	wantXattr(t, f, "security.capability", string(vfsCap))
	check(t, unix.Removexattr(f, "security.capability"))
	_, err := unix.Getxattr(f, "security.capability", nil)
	wantErr(t, "getxattr security.capability after removexattr", err, errNoAttr)
}

// XattrUserSymlink: user. attributes belong to regular files and directories only.
func XattrUserSymlink(t *testing.T, dir string) {
	l := filepath.Join(dir, "l")
	check(t, os.Symlink("nowhere", l))
	wantErr(t, "lsetxattr user. on a symbolic link", unix.Lsetxattr(l, "user.x", []byte("v"), 0), unix.EPERM)
	_, err := unix.Lgetxattr(l, "user.x", nil)
	wantErr(t, "lgetxattr user. on a symbolic link", err, errNoAttr)
}
