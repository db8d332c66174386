//go:build linux

package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/internal/reqtest"
	"github.com/anyfs/anyfs/test/mounttest"
)

// mountFile is a 1 MiB file on a memfs mount, open with O_DIRECT so that
// every read and write is a FUSE request (none is answered from the page
// cache).
type mountFile struct {
	f   *os.File
	buf []byte
}

const mountFileSize = 1 << 20

func (m *mountFile) Read(t testing.TB, off int64) {
	if n, err := unix.Pread(int(m.f.Fd()), m.buf, off%mountFileSize); err != nil || n != len(m.buf) {
		t.Fatalf("pread at %d: %d, %v", off, n, err)
	}
}

func (m *mountFile) Write(t testing.TB, off int64) {
	if n, err := unix.Pwrite(int(m.f.Fd()), m.buf, off%mountFileSize); err != nil || n != len(m.buf) {
		t.Fatalf("pwrite at %d: %d, %v", off, n, err)
	}
}

func (m *mountFile) BlockSize() int { return len(m.buf) }

// openMountFile mounts memfs with adapter, the kernel's requests counted (as
// with --metrics) or not, and opens a file on it.
func openMountFile(adapter string) reqtest.Open {
	return func(t testing.TB, counted bool) reqtest.File {
		if _, err := os.Stat("/dev/fuse"); err != nil && runtime.GOOS == "linux" {
			t.Skip("no /dev/fuse")
		}
		mnt := mounttest.MountWith(t, newMemVolume(), adapter, &mountopt.Options{CountRequests: counted})
		f, err := os.OpenFile(filepath.Join(mnt, "f"), os.O_RDWR|os.O_CREATE|unix.O_DIRECT, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		m := &mountFile{f: f, buf: make([]byte, 4096)}
		for off := int64(0); off < mountFileSize; off += int64(len(m.buf)) {
			m.Write(t, off)
		}
		return m
	}
}

// BenchmarkMountIOMetrics reads and writes 4 KiB through two gofuse mounts
// of memfs, one with the kernel's requests counted (as with --metrics) and
// one without, in turn, batch by batch: on/off is the median ratio of the
// pairs. (Two cgofuse mounts served by one process differ from each other by
// up to 2x from one run to the next, far more than the counting costs, so for
// cgofuse only the adapter's own BenchmarkIOPaired says something.)
func BenchmarkMountIOMetrics(b *testing.B) {
	reqtest.BenchPaired(b, openMountFile(adapters.GoFUSE))
}
