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

// The suite's tests of open files (unlinked, renamed over, written in parallel),
// create and open flags, locks, listings read again, and long names and paths.

// ReadUnlinkedOpen reads and stats a file through a descriptor after its unlink.
func ReadUnlinkedOpen(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "still here")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	check(t, os.Remove(p))
	wantNames(t, dir)
	got, err := io.ReadAll(f)
	check(t, err)
	if string(got) != "still here" {
		t.Fatalf("read after unlink: %q", got)
	}
	_, err = f.WriteAt([]byte("STILL"), 0)
	check(t, err)
	var st syscall.Stat_t
	check(t, syscall.Fstat(int(f.Fd()), &st))
	if st.Size != 10 || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		t.Fatalf("fstat after unlink: size %d mode %o", st.Size, st.Mode)
	}
	buf := make([]byte, 10)
	_, err = f.ReadAt(buf, 0)
	check(t, err)
	if string(buf) != "STILL here" {
		t.Fatalf("read back after unlink: %q", buf)
	}
	// A new file of that name is a different file.
	writeFile(t, p, "new")
	_, err = f.ReadAt(buf, 0)
	check(t, err)
	if string(buf) != "STILL here" {
		t.Fatalf("old descriptor after re-create: %q", buf)
	}
	wantContent(t, p, "new")
}

// UnlinkedOpenNlink: fstat of a file unlinked while open reports no links.
func UnlinkedOpenNlink(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "x")
	f, err := os.Open(p)
	check(t, err)
	defer f.Close()
	check(t, os.Remove(p))
	var st syscall.Stat_t
	check(t, syscall.Fstat(int(f.Fd()), &st))
	if st.Nlink != 0 {
		t.Fatalf("fstat after unlink: nlink %d, want 0", st.Nlink)
	}
}

// RenameOverOpen renames a file over an open one: the descriptor keeps the old data.
func RenameOverOpen(t *testing.T, dir string) {
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, a, "old content")
	f, err := os.Open(a)
	check(t, err)
	defer f.Close()
	writeFile(t, b, "new content")
	check(t, os.Rename(b, a))
	got, err := io.ReadAll(f)
	check(t, err)
	if string(got) != "old content" {
		t.Fatalf("open descriptor reads %q after rename over it", got)
	}
	wantContent(t, a, "new content")
	// A file open under the old name follows a rename.
	g, err := os.OpenFile(a, os.O_RDWR, 0)
	check(t, err)
	defer g.Close()
	check(t, os.Rename(a, filepath.Join(dir, "c")))
	_, err = g.WriteAt([]byte("NEW"), 0)
	check(t, err)
	check(t, g.Close())
	wantContent(t, filepath.Join(dir, "c"), "NEW content")
}

// ParallelWriters writes different files from several goroutines at once.
func ParallelWriters(t *testing.T, dir string) {
	const writers, size, chunk = 8, 1 << 20, 64 << 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			f, err := os.Create(filepath.Join(dir, fmt.Sprint(w)))
			if err != nil {
				errs <- err
				return
			}
			defer f.Close()
			data := bytes.Repeat([]byte{byte('a' + w)}, chunk)
			for off := 0; off < size; off += chunk {
				if _, err := f.Write(data); err != nil {
					errs <- err
					return
				}
			}
			errs <- f.Close()
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for w := 0; w < writers; w++ {
		got, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(w)))
		check(t, err)
		if !bytes.Equal(got, bytes.Repeat([]byte{byte('a' + w)}, size)) {
			t.Fatalf("file %d: %d bytes, not what was written", w, len(got))
		}
	}
}

// ModeUmask0 creates with umask 0: the modes asked for are the modes stored,
// setuid and setgid included.
func ModeUmask0(t *testing.T, dir string) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	d := filepath.Join(dir, "d")
	check(t, syscall.Mkdir(d, 0o777))
	wantMode(t, d, syscall.S_IFDIR|0o777)
	f := filepath.Join(dir, "f")
	fd, err := syscall.Open(f, syscall.O_CREAT|syscall.O_WRONLY, 0o666)
	check(t, err)
	syscall.Close(fd)
	wantMode(t, f, syscall.S_IFREG|0o666)
	check(t, syscall.Mknod(filepath.Join(dir, "n"), syscall.S_IFREG|0o606, 0))
	wantMode(t, filepath.Join(dir, "n"), syscall.S_IFREG|0o606)
	if os.Geteuid() == 0 {
		s := filepath.Join(dir, "setid")
		fd, err := syscall.Open(s, syscall.O_CREAT|syscall.O_WRONLY, 0o4755|0o2000)
		check(t, err)
		syscall.Close(fd)
		wantMode(t, s, syscall.S_IFREG|0o6755)
		check(t, syscall.Mkdir(filepath.Join(dir, "sticky"), 0o1777))
		wantMode(t, filepath.Join(dir, "sticky"), syscall.S_IFDIR|0o1777)
	}
	// Under umask 022 the kernel masks before the volume sees the mode.
	syscall.Umask(0o022)
	check(t, syscall.Mkdir(filepath.Join(dir, "masked"), 0o777))
	wantMode(t, filepath.Join(dir, "masked"), syscall.S_IFDIR|0o755)
}

// CreateExclusive: O_EXCL fails on an existing name, file or not.
func CreateExclusive(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	check(t, err)
	f.Close()
	_, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	wantErr(t, "O_EXCL on a file", err, syscall.EEXIST)
	check(t, os.Symlink("nowhere", filepath.Join(dir, "l")))
	_, err = os.OpenFile(filepath.Join(dir, "l"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	wantErr(t, "O_EXCL on a dangling symlink", err, syscall.EEXIST)
	// Without O_EXCL the existing file is opened.
	writeFile(t, p, "kept")
	f, err = os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	check(t, err)
	f.Close()
	wantContent(t, p, "kept")
}

// OpenTruncate: O_TRUNC empties the file.
func OpenTruncate(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "some content")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	check(t, err)
	st, err := f.Stat()
	check(t, err)
	if st.Size() != 0 {
		t.Fatalf("size after O_TRUNC: %d", st.Size())
	}
	_, err = f.WriteString("new")
	check(t, err)
	check(t, f.Close())
	wantContent(t, p, "new")
}

// PosixLocks takes fcntl locks: F_GETLK/F_SETLK in this process, conflicts with
// another process, and release at close.
func PosixLocks(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "0123456789")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	check(t, err)
	defer f.Close()
	fd := int(f.Fd())
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 5}
	check(t, unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk))
	// Our own lock does not conflict with us.
	q := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 0}
	check(t, unix.FcntlFlock(uintptr(fd), unix.F_GETLK, &q))
	if q.Type != unix.F_UNLCK {
		t.Fatalf("F_GETLK against our own lock: type %d", q.Type)
	}
	// Another process sees the lock and cannot take it.
	if got, want := child(t, "getlk", p), fmt.Sprintf("write 0-4 pid %d", os.Getpid()); got != want {
		t.Fatalf("F_GETLK in another process: %q, want %q", got, want)
	}
	if got := child(t, "setlk", p); got != "EAGAIN" {
		t.Fatalf("F_SETLK in another process: %q, want EAGAIN", got)
	}
	// Unlock part: the rest stays locked.
	un := unix.Flock_t{Type: unix.F_UNLCK, Whence: io.SeekStart, Start: 0, Len: 3}
	check(t, unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &un))
	if got, want := child(t, "getlk", p), fmt.Sprintf("write 3-4 pid %d", os.Getpid()); got != want {
		t.Fatalf("F_GETLK after a partial unlock: %q, want %q", got, want)
	}
	// Closing any descriptor of the file releases the process's locks.
	g, err := os.Open(p)
	check(t, err)
	check(t, g.Close())
	if got := child(t, "getlk", p); got != "unlocked" {
		t.Fatalf("F_GETLK after close: %q, want unlocked", got)
	}
	if got := child(t, "setlk", p); got != "ok" {
		t.Fatalf("F_SETLK after close: %q, want ok", got)
	}
}

// Flock takes flock(2) locks on two descriptors of one file.
func Flock(t *testing.T, dir string) {
	p := filepath.Join(dir, "f")
	writeFile(t, p, "")
	a, err := os.Open(p)
	check(t, err)
	defer a.Close()
	b, err := os.Open(p)
	check(t, err)
	defer b.Close()
	check(t, unix.Flock(int(a.Fd()), unix.LOCK_EX|unix.LOCK_NB))
	wantErr(t, "second LOCK_EX", unix.Flock(int(b.Fd()), unix.LOCK_EX|unix.LOCK_NB), unix.EWOULDBLOCK)
	wantErr(t, "LOCK_SH against LOCK_EX", unix.Flock(int(b.Fd()), unix.LOCK_SH|unix.LOCK_NB), unix.EWOULDBLOCK)
	check(t, unix.Flock(int(a.Fd()), unix.LOCK_UN))
	check(t, unix.Flock(int(b.Fd()), unix.LOCK_SH|unix.LOCK_NB))
	check(t, unix.Flock(int(a.Fd()), unix.LOCK_SH|unix.LOCK_NB))
	wantErr(t, "LOCK_EX against LOCK_SH", unix.Flock(int(a.Fd()), unix.LOCK_EX|unix.LOCK_NB), unix.EWOULDBLOCK)
	// Closing a descriptor releases its flock: at once when the kernel keeps the
	// locks; when they are forwarded to the volume (a backend with lock events),
	// at the RELEASE the kernel sends just after close returns.
	check(t, b.Close())
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		err := unix.Flock(int(a.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if err != unix.EWOULDBLOCK || time.Now().After(deadline) {
			t.Fatalf("LOCK_EX after the other descriptor was closed: %v", err)
		}
	}
	// A blocking lock waits for the holder.
	c, err := os.Open(p)
	check(t, err)
	defer c.Close()
	got := make(chan error, 1)
	go func() { got <- unix.Flock(int(c.Fd()), unix.LOCK_EX) }()
	select {
	case err := <-got:
		t.Fatalf("blocking flock returned (%v) while the lock was held", err)
	case <-time.After(100 * time.Millisecond):
	}
	check(t, unix.Flock(int(a.Fd()), unix.LOCK_UN))
	select {
	case err := <-got:
		check(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("blocking flock still waiting 10s after the unlock")
	}
}

// Rewinddir reads a directory twice through one descriptor.
func Rewinddir(t *testing.T, dir string) {
	for i := 0; i < 300; i++ {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("f%03d", i)), "")
	}
	f, err := os.Open(dir)
	check(t, err)
	defer f.Close()
	first, err := f.Readdirnames(-1)
	check(t, err)
	_, err = f.Seek(0, io.SeekStart)
	check(t, err)
	second, err := f.Readdirnames(-1)
	check(t, err)
	sort.Strings(first)
	sort.Strings(second)
	if len(first) != 300 || strings.Join(first, ",") != strings.Join(second, ",") {
		t.Fatalf("first listing %d names, after rewind %d", len(first), len(second))
	}
	// Half a listing, then rewind.
	_, err = f.Seek(0, io.SeekStart)
	check(t, err)
	part, err := f.Readdirnames(10)
	check(t, err)
	_, err = f.Seek(0, io.SeekStart)
	check(t, err)
	again, err := f.Readdirnames(-1)
	check(t, err)
	if len(part) != 10 || len(again) != 300 {
		t.Fatalf("partial read %d names, then %d after rewind", len(part), len(again))
	}
}

// LongNames: 255 bytes is the longest name; 256 fails with ENAMETOOLONG.
func LongNames(t *testing.T, dir string) {
	name := strings.Repeat("n", 255)
	p := filepath.Join(dir, name)
	writeFile(t, p, "long")
	wantContent(t, p, "long")
	wantNames(t, dir, name)
	check(t, os.Rename(p, filepath.Join(dir, strings.Repeat("m", 255))))
	tooLong := filepath.Join(dir, strings.Repeat("x", 256))
	_, err := os.Create(tooLong)
	wantErr(t, "create 256-byte name", err, syscall.ENAMETOOLONG)
	wantErr(t, "mkdir 256-byte name", syscall.Mkdir(tooLong, 0o755), syscall.ENAMETOOLONG)
	_, err = os.Stat(tooLong)
	wantErr(t, "stat 256-byte name", err, syscall.ENAMETOOLONG)
}

// DeepPaths creates a tree whose paths exceed PATH_MAX, one component at a time
// with *at calls, and uses a file at the bottom.
func DeepPaths(t *testing.T, dir string) {
	comp := strings.Repeat("d", 200)
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY, 0)
	check(t, err)
	depth := 0
	for total := len(dir); total <= 5000; total += len(comp) + 1 {
		if err := unix.Mkdirat(fd, comp, 0o755); err != nil {
			unix.Close(fd)
			t.Fatalf("mkdirat at depth %d: %v", depth, err)
		}
		next, err := unix.Openat(fd, comp, unix.O_DIRECTORY|unix.O_RDONLY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatalf("openat at depth %d: %v", depth, err)
		}
		fd = next
		depth++
	}
	defer unix.Close(fd)
	ffd, err := unix.Openat(fd, "leaf", unix.O_CREAT|unix.O_RDWR|unix.O_EXCL, 0o644)
	check(t, err)
	_, err = unix.Pwrite(ffd, []byte("deep"), 0)
	check(t, err)
	unix.Close(ffd)
	var st unix.Stat_t
	check(t, unix.Fstatat(fd, "leaf", &st, 0))
	if st.Size != 4 {
		t.Fatalf("leaf at depth %d: size %d", depth, st.Size)
	}
	ffd, err = unix.Openat(fd, "leaf", unix.O_RDONLY, 0)
	check(t, err)
	buf := make([]byte, 8)
	n, err := unix.Pread(ffd, buf, 0)
	unix.Close(ffd)
	check(t, err)
	if string(buf[:n]) != "deep" {
		t.Fatalf("leaf holds %q", buf[:n])
	}
	check(t, unix.Renameat(fd, "leaf", fd, "leaf2"))
	check(t, unix.Unlinkat(fd, "leaf2", 0))
}
