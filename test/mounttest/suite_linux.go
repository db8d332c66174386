package mounttest

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const errNoAttr = unix.ENODATA

func init() {
	register(map[string]func(*testing.T, string){
		"Renameat2":                 Renameat2,
		"Seekdir":                   Seekdir,
		"OFDLocks":                  OFDLocks,
		"Fallocate":                 Fallocate,
		"UnsupportedXattrNamespace": UnsupportedXattrNamespace,
		"UtimeOmit":                 UtimeOmit,
	})
}

func checkNamelen(t *testing.T, st *unix.Statfs_t) {
	t.Helper()
	if st.Namelen != 255 {
		t.Fatalf("statfs: f_namelen %d, want 255", st.Namelen)
	}
}

// Renameat2 checks RENAME_NOREPLACE and RENAME_EXCHANGE.
func Renameat2(t *testing.T, dir string) {
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	writeFile(t, a, "A")
	writeFile(t, b, "B")
	wantErr(t, "RENAME_NOREPLACE onto existing", unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE), unix.EEXIST)
	wantContent(t, b, "B")
	check(t, unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, c, unix.RENAME_NOREPLACE))
	wantContent(t, c, "A")
	check(t, unix.Renameat2(unix.AT_FDCWD, b, unix.AT_FDCWD, c, unix.RENAME_EXCHANGE))
	wantContent(t, b, "A")
	wantContent(t, c, "B")
	// A file and a directory trade places.
	d := filepath.Join(dir, "d")
	check(t, os.Mkdir(d, 0o755))
	writeFile(t, filepath.Join(d, "inner"), "in d")
	check(t, unix.Renameat2(unix.AT_FDCWD, b, unix.AT_FDCWD, d, unix.RENAME_EXCHANGE))
	wantContent(t, d, "A")
	wantContent(t, filepath.Join(b, "inner"), "in d")
	wantErr(t, "RENAME_EXCHANGE with a missing target", unix.Renameat2(unix.AT_FDCWD, c, unix.AT_FDCWD, filepath.Join(dir, "none"), unix.RENAME_EXCHANGE), unix.ENOENT)
	wantNames(t, dir, "b", "c", "d")
}

// Seekdir returns to a position taken in the middle of a listing (telldir and
// seekdir are lseek on the descriptor with the offsets getdents reports).
func Seekdir(t *testing.T, dir string) {
	for i := 0; i < 1000; i++ {
		check(t, unix.Mknod(filepath.Join(dir, strings.Repeat("x", 40)+string(rune('a'+i%26))+itoa(i)), unix.S_IFREG|0o644, 0))
	}
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY, 0)
	check(t, err)
	defer unix.Close(fd)
	all := readDirents(t, fd)
	if len(all) != 1002 {
		t.Fatalf("listed %d entries, want 1000 and . and ..", len(all))
	}
	for _, k := range []int{0, 1, 2, 500, 997, 1000} {
		_, err := unix.Seek(fd, all[k].off, io.SeekStart)
		check(t, err)
		rest := readDirents(t, fd)
		if len(rest) != len(all)-k-1 || (len(rest) > 0 && rest[0].name != all[k+1].name) {
			t.Fatalf("after seekdir to the offset of entry %d: %d entries", k, len(rest))
		}
	}
}

type dirent struct {
	name string
	off  int64
}

// readDirents reads a directory descriptor to its end with getdents64.
func readDirents(t *testing.T, fd int) []dirent {
	t.Helper()
	var out []dirent
	buf := make([]byte, 4096) // small, to take many getdents calls
	for {
		n, err := unix.Getdents(fd, buf)
		check(t, err)
		if n == 0 {
			return out
		}
		for b := buf[:n]; len(b) > 0; {
			var d unix.Dirent
			reclen := binary.NativeEndian.Uint16(b[unsafe.Offsetof(d.Reclen):])
			off := int64(binary.NativeEndian.Uint64(b[unsafe.Offsetof(d.Off):]))
			name := b[unsafe.Offsetof(d.Name):reclen]
			if i := strings.IndexByte(string(name), 0); i >= 0 {
				name = name[:i]
			}
			out = append(out, dirent{name: string(name), off: off})
			b = b[reclen:]
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// OFDLocks: open file description locks conflict between two descriptors of one
// process.
func OFDLocks(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "0123456789")
	a, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer a.Close()
	b, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer b.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 2, Len: 4}
	check(t, unix.FcntlFlock(a.Fd(), unix.F_OFD_SETLK, &lk))
	q := unix.Flock_t{Type: unix.F_RDLCK, Whence: io.SeekStart, Start: 0, Len: 0}
	check(t, unix.FcntlFlock(b.Fd(), unix.F_OFD_GETLK, &q))
	if q.Type != unix.F_WRLCK || q.Start != 2 || q.Len != 4 {
		t.Fatalf("F_OFD_GETLK: %+v", q)
	}
	other := unix.Flock_t{Type: unix.F_RDLCK, Whence: io.SeekStart, Start: 5, Len: 1}
	wantErr(t, "conflicting F_OFD_SETLK", unix.FcntlFlock(b.Fd(), unix.F_OFD_SETLK, &other), unix.EAGAIN)
	free := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 6, Len: 0}
	check(t, unix.FcntlFlock(b.Fd(), unix.F_OFD_SETLK, &free))
	un := unix.Flock_t{Type: unix.F_UNLCK, Whence: io.SeekStart}
	check(t, unix.FcntlFlock(a.Fd(), unix.F_OFD_SETLK, &un))
	check(t, unix.FcntlFlock(b.Fd(), unix.F_OFD_SETLK, &other))
}

// Fallocate preallocates and grows a file; modes outside the event model fail
// cleanly.
func Fallocate(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "abc")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	err = unix.Fallocate(int(f.Fd()), 0, 0, 1<<20)
	if err == unix.EOPNOTSUPP {
		t.Skip("the backend cannot preallocate")
	}
	check(t, err)
	st, err := f.Stat()
	check(t, err)
	if st.Size() != 1<<20 {
		t.Fatalf("size after fallocate: %d", st.Size())
	}
	buf := make([]byte, 4)
	_, err = f.ReadAt(buf, 0)
	check(t, err)
	if string(buf) != "abc\x00" {
		t.Fatalf("content after fallocate: %q", buf)
	}
	wantErr(t, "FALLOC_FL_COLLAPSE_RANGE", unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_COLLAPSE_RANGE, 0, 4096), unix.EOPNOTSUPP)
}

// UnsupportedXattrNamespace: a namespace Linux does not know is not supported.
func UnsupportedXattrNamespace(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	wantErr(t, "setxattr bogus.", unix.Setxattr(p, "bogus.x", []byte("v"), 0), unix.EOPNOTSUPP)
	_, err := unix.Getxattr(p, "security.capability", nil)
	wantErr(t, "getxattr security.capability", err, unix.ENODATA)
}

// UtimeOmit changes one time and leaves the other (UTIME_OMIT), and sets the
// current time with UTIME_NOW.
func UtimeOmit(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	at := time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	mt := time.Date(2002, 2, 3, 4, 5, 6, 7, time.UTC)
	check(t, unix.UtimesNano(p, []unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}))
	omit := unix.Timespec{Nsec: unix.UTIME_OMIT}
	newM := time.Date(2020, 1, 1, 0, 0, 0, 1, time.UTC)
	check(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{omit, unix.NsecToTimespec(newM.UnixNano())}, 0))
	var st unix.Stat_t
	check(t, unix.Stat(p, &st))
	if got := time.Unix(st.Atim.Unix()); !got.Equal(at) {
		t.Errorf("UTIME_OMIT atime: %v, want %v", got, at)
	}
	if got := time.Unix(st.Mtim.Unix()); !got.Equal(newM) {
		t.Errorf("mtime %v, want %v", got, newM)
	}
	before := time.Now().Add(-2 * time.Second)
	now := unix.Timespec{Nsec: unix.UTIME_NOW}
	check(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{omit, now}, 0))
	check(t, unix.Stat(p, &st))
	if got := time.Unix(st.Mtim.Unix()); got.Before(before) {
		t.Errorf("UTIME_NOW mtime: %v, before %v", got, before)
	}
	if got := time.Unix(st.Atim.Unix()); !got.Equal(at) {
		t.Errorf("UTIME_OMIT atime after UTIME_NOW: %v, want %v", got, at)
	}
}
