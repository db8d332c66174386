package test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// Locks reach a backend that takes them (fs.LockHandler) through the go-fuse adapter,
// and stay with the kernel for one that does not.
func TestLocksForwardedToLocker(t *testing.T) {
	for _, b := range mounttest.Backends {
		if b.Name != "memfs" && b.Name != "memfs+locker" {
			continue
		}
		t.Run(b.Name, func(t *testing.T) {
			backend := b.New(t)
			mnt := mounttest.Mount(t, fs.NewVolume(backend, nil), "gofuse")
			name := filepath.Join(mnt, "f")
			if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(name, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 10}
			if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
				t.Fatal(err)
			}
			got := mounttest.LockEvents(backend)
			if want := b.Name == "memfs+locker"; (got > 0) != want {
				t.Fatalf("%d OnLockFile events; want them forwarded: %v", got, want)
			}
		})
	}
}
