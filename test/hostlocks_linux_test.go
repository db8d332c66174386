package test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// hostAndMount mirrors a new host directory with the passthrough backend through
// the go-fuse adapter (cgofuse has no lock operations) and returns the host's and
// the mount's name of one file in it, and the volume.
func hostAndMount(t *testing.T) (host, mnt string, v *fs.Volume) {
	t.Helper()
	dir := t.TempDir()
	p, err := passthrough.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	v = fs.NewVolume(p, nil)
	m := mounttest.Mount(t, v, "gofuse")
	host = filepath.Join(dir, "f")
	if err := os.WriteFile(host, make([]byte, 200), 0o644); err != nil {
		t.Fatal(err)
	}
	return host, filepath.Join(m, "f"), v
}

func openRW(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// ofd takes (or with F_UNLCK releases) an OFD lock of start..start+length-1
// without waiting.
func ofd(f *os.File, typ int16, start, length int64) error {
	lk := unix.Flock_t{Type: typ, Whence: io.SeekStart, Start: start, Len: length}
	return unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
}

func wantLockErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

// eventually retries fn while it fails with EAGAIN, for a few seconds.
func eventually(t *testing.T, what string, fn func() error) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		err := fn()
		if err == nil {
			return
		}
		if !errors.Is(err, unix.EAGAIN) || time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestHostLocks: the passthrough backend holds the mount's locks on the host, so
// that a host process and a process on the mount exclude each other, with flock
// and with byte-range (OFD and POSIX) locks, both ways.
func TestHostLocks(t *testing.T) {
	t.Run("flock", func(t *testing.T) {
		host, mnt, _ := hostAndMount(t)
		h, m := openRW(t, host), openRW(t, mnt)
		ok(t, "host LOCK_EX", unix.Flock(int(h.Fd()), unix.LOCK_EX|unix.LOCK_NB))
		wantLockErr(t, "mount LOCK_EX against the host's", unix.Flock(int(m.Fd()), unix.LOCK_EX|unix.LOCK_NB), unix.EWOULDBLOCK)
		wantLockErr(t, "mount LOCK_SH against the host's LOCK_EX", unix.Flock(int(m.Fd()), unix.LOCK_SH|unix.LOCK_NB), unix.EWOULDBLOCK)
		ok(t, "host LOCK_UN", unix.Flock(int(h.Fd()), unix.LOCK_UN))
		ok(t, "mount LOCK_EX", unix.Flock(int(m.Fd()), unix.LOCK_EX|unix.LOCK_NB))
		wantLockErr(t, "host LOCK_SH against the mount's LOCK_EX", unix.Flock(int(h.Fd()), unix.LOCK_SH|unix.LOCK_NB), unix.EWOULDBLOCK)
		ok(t, "mount LOCK_SH (downgrade)", unix.Flock(int(m.Fd()), unix.LOCK_SH|unix.LOCK_NB))
		ok(t, "host LOCK_SH next to the mount's", unix.Flock(int(h.Fd()), unix.LOCK_SH|unix.LOCK_NB))
		ok(t, "host LOCK_UN", unix.Flock(int(h.Fd()), unix.LOCK_UN))
		ok(t, "mount LOCK_UN", unix.Flock(int(m.Fd()), unix.LOCK_UN))
		ok(t, "host LOCK_EX after the mount's unlock", unix.Flock(int(h.Fd()), unix.LOCK_EX|unix.LOCK_NB))
	})

	t.Run("byte ranges from the host", func(t *testing.T) {
		host, mnt, _ := hostAndMount(t)
		h, m := openRW(t, host), openRW(t, mnt)
		ok(t, "host OFD write lock 10-19", ofd(h, unix.F_WRLCK, 10, 10))
		wantLockErr(t, "mount OFD read lock of 15", ofd(m, unix.F_RDLCK, 15, 1), unix.EAGAIN)
		posix := unix.Flock_t{Type: unix.F_RDLCK, Whence: io.SeekStart, Start: 19, Len: 5}
		wantLockErr(t, "mount POSIX read lock of 19-23", unix.FcntlFlock(m.Fd(), unix.F_SETLK, &posix), unix.EAGAIN)
		for _, q := range []struct {
			cmd  int
			name string
			lk   unix.Flock_t
		}{
			{unix.F_OFD_GETLK, "F_OFD_GETLK", unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 100}},
			{unix.F_GETLK, "F_GETLK", unix.Flock_t{Type: unix.F_RDLCK, Whence: io.SeekStart, Start: 12, Len: 1}},
		} {
			ok(t, "mount "+q.name, unix.FcntlFlock(m.Fd(), q.cmd, &q.lk))
			if q.lk.Type != unix.F_WRLCK || q.lk.Start != 10 || q.lk.Len != 10 {
				t.Fatalf("mount %s reports %+v, want the host's write lock of 10-19", q.name, q.lk)
			}
		}
		ok(t, "mount OFD lock next to the host's", ofd(m, unix.F_WRLCK, 20, 10))
		ok(t, "host unlock", ofd(h, unix.F_UNLCK, 0, 0))
		ok(t, "mount OFD read lock of 15 after the host's unlock", ofd(m, unix.F_RDLCK, 15, 1))
	})

	t.Run("byte ranges from the mount", func(t *testing.T) {
		host, mnt, _ := hostAndMount(t)
		h, m := openRW(t, host), openRW(t, mnt)
		ok(t, "mount OFD write lock 0-9", ofd(m, unix.F_WRLCK, 0, 10))
		wantLockErr(t, "host OFD read lock of 5", ofd(h, unix.F_RDLCK, 5, 1), unix.EAGAIN)
		classic := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 9, Len: 1}
		wantLockErr(t, "host POSIX lock of 9", unix.FcntlFlock(h.Fd(), unix.F_SETLK, &classic), unix.EAGAIN)
		ok(t, "host lock of 10", ofd(h, unix.F_WRLCK, 10, 1))
		ok(t, "mount unlock of 0-4", ofd(m, unix.F_UNLCK, 0, 5))
		ok(t, "host lock of 0-4 after the mount's unlock", ofd(h, unix.F_WRLCK, 0, 5))
		wantLockErr(t, "host lock of 5, still the mount's", ofd(h, unix.F_WRLCK, 5, 1), unix.EAGAIN)
	})

	t.Run("union of the mount's owners", func(t *testing.T) {
		host, mnt, _ := hostAndMount(t)
		h := openRW(t, host)
		a, b := openRW(t, mnt), openRW(t, mnt) // two owners, one host descriptor
		ok(t, "mount a: read lock 0-99", ofd(a, unix.F_RDLCK, 0, 100))
		ok(t, "mount b: read lock 50-149", ofd(b, unix.F_RDLCK, 50, 100))
		ok(t, "mount a: unlock", ofd(a, unix.F_UNLCK, 0, 0))
		wantLockErr(t, "host write lock of 60, still b's", ofd(h, unix.F_WRLCK, 60, 1), unix.EAGAIN)
		ok(t, "host write lock of 10, a's no longer", ofd(h, unix.F_WRLCK, 10, 1))
		ok(t, "host unlock", ofd(h, unix.F_UNLCK, 0, 0))
		// The OFD locks of a closed file go with the RELEASE the kernel sends just
		// after the last close returns.
		ok(t, "mount b: close", b.Close())
		eventually(t, "host write lock of 60 after b closed", func() error { return ofd(h, unix.F_WRLCK, 60, 1) })
	})

	t.Run("POSIX lock released by close", func(t *testing.T) {
		host, mnt, _ := hostAndMount(t)
		h, m := openRW(t, host), openRW(t, mnt)
		other := openRW(t, mnt)
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 1}
		ok(t, "mount POSIX lock", unix.FcntlFlock(m.Fd(), unix.F_SETLK, &lk))
		wantLockErr(t, "host lock against it", ofd(h, unix.F_WRLCK, 0, 1), unix.EAGAIN)
		// Closing any descriptor of the file releases the process's POSIX locks.
		ok(t, "close", other.Close())
		ok(t, "host lock after the close", ofd(h, unix.F_WRLCK, 0, 1))
	})

	t.Run("waiting", func(t *testing.T) {
		host, mnt, _ := hostAndMount(t)
		h, m := openRW(t, host), openRW(t, mnt)
		ok(t, "host write lock", ofd(h, unix.F_WRLCK, 0, 0))
		got := make(chan error, 1)
		go func() {
			lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
			got <- unix.FcntlFlock(m.Fd(), unix.F_OFD_SETLKW, &lk)
		}()
		select {
		case err := <-got:
			t.Fatalf("F_OFD_SETLKW on the mount returned (%v) while the host held the lock", err)
		case <-time.After(200 * time.Millisecond):
		}
		ok(t, "host unlock", ofd(h, unix.F_UNLCK, 0, 0))
		select {
		case err := <-got:
			ok(t, "F_OFD_SETLKW on the mount after the host's unlock", err)
		case <-time.After(10 * time.Second):
			t.Fatal("F_OFD_SETLKW on the mount still waiting 10s after the host's unlock")
		}
		wantLockErr(t, "host lock against the granted one", ofd(h, unix.F_RDLCK, 0, 1), unix.EAGAIN)
	})

	t.Run("interrupted wait", func(t *testing.T) {
		if _, err := exec.LookPath("flock"); err != nil {
			t.Skip("no flock(1) (util-linux)")
		}
		host, mnt, _ := hostAndMount(t)
		h := openRW(t, host)
		ok(t, "host LOCK_EX", unix.Flock(int(h.Fd()), unix.LOCK_EX|unix.LOCK_NB))
		// flock -w 1 waits a second, then SIGALRM interrupts flock(2): the kernel
		// sends INTERRUPT, and the volume must stop waiting.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		err := exec.CommandContext(ctx, "flock", "-w", "1", mnt, "true").Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || ctx.Err() != nil {
			t.Fatalf("flock -w 1 on the mount while the host holds the lock: %v after %v, want exit status 1 (timed out)", err, time.Since(start))
		}
		ok(t, "host LOCK_UN", unix.Flock(int(h.Fd()), unix.LOCK_UN))
		if out, err := exec.CommandContext(ctx, "flock", "-n", mnt, "true").CombinedOutput(); err != nil {
			t.Fatalf("flock -n on the mount after the host's unlock: %v: %s", err, out)
		}
	})
}
