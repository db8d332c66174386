package test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/passthrough"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/test/mounttest"
)

// alignedBuf returns n bytes of page-aligned memory (O_DIRECT wants aligned
// buffers on most file systems), released in t.Cleanup.
func alignedBuf(t *testing.T, n int) []byte {
	t.Helper()
	b, err := unix.Mmap(-1, 0, n+4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
	return b[:n]
}

// readEvents is how many OnReadFile events v served.
func readEvents(v *fs.Volume) uint64 {
	for _, s := range v.Stats() {
		if s.Event == "OnReadFile" {
			return s.Calls
		}
	}
	return 0
}

// pattern is n bytes that differ from page to page.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i/4096*7 + i%251)
	}
	return b
}

// errnoOf is the errno of err (0 for nil).
func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	if err != nil {
		return unix.EIO
	}
	return 0
}

// hostDirs are the host file systems the O_DIRECT tests run over: the default
// temporary directory and tmpfs (/dev/shm), which differ in what O_DIRECT means.
func hostDirs(t *testing.T) map[string]string {
	dirs := map[string]string{"tmpdir": t.TempDir()}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "anyfs-direct-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			dirs["tmpfs"] = d
		}
	}
	return dirs
}

// TestDirectIOThroughMount: O_DIRECT opens of a passthrough volume read and write
// the host file's data; an unaligned direct read fails or succeeds as the same
// read of the host file does (EINVAL on ext4, fine on tmpfs); where FUSE
// passthrough serves buffered reads, it serves direct reads too (no read event);
// and a buffered handle opened while a direct one is open reads unaligned buffers
// as usual.
func TestDirectIOThroughMount(t *testing.T) {
	const size = 1 << 20
	data := pattern(size)
	for hostName, host := range hostDirs(t) {
		for _, adapter := range mounttest.Adapters() {
			for _, noPT := range []bool{false, true} {
				name := hostName + "/" + adapter
				if noPT {
					name += "/nopassthrough"
				}
				t.Run(name, func(t *testing.T) {
					dir, err := os.MkdirTemp(host, "vol-")
					if err != nil {
						t.Fatal(err)
					}
					hostFile := filepath.Join(dir, "f")
					if err := os.WriteFile(hostFile, data, 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "g"), data, 0o644); err != nil {
						t.Fatal(err)
					}
					b, err := passthrough.New(dir, nil)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { b.Close() })
					v := fs.NewVolume(b, &fs.Options{Logger: quietLogger})
					mnt := mounttest.MountWith(t, v, adapter, &mountopt.Options{NoPassthrough: noPT})

					// Does FUSE passthrough carry buffered reads here?
					g, err := os.ReadFile(filepath.Join(mnt, "g"))
					if err != nil || !bytes.Equal(g, data) {
						t.Fatalf("buffered read: %v (equal %v)", err, bytes.Equal(g, data))
					}
					passthroughOn := readEvents(v) == 0

					fd, err := unix.Open(filepath.Join(mnt, "f"), unix.O_RDWR|unix.O_DIRECT, 0)
					if err != nil {
						t.Fatalf("open O_DIRECT through the mount: %v", err)
					}
					defer unix.Close(fd)
					buf := alignedBuf(t, 4096)
					before := readEvents(v)
					for _, off := range []int64{0, 8192, size - 4096} {
						n, err := unix.Pread(fd, buf, off)
						if err != nil || n != 4096 || !bytes.Equal(buf, data[off:off+4096]) {
							t.Fatalf("aligned direct read at %d: n=%d err=%v, equal %v", off, n, err, bytes.Equal(buf[:max(n, 0)], data[off:off+int64(max(n, 0))]))
						}
					}
					switch {
					case passthroughOn && adapter == adapters.GoFUSE && readEvents(v) != before:
						t.Errorf("FUSE passthrough serves buffered reads, but %d direct reads reached the volume", readEvents(v)-before)
					case !passthroughOn && readEvents(v) < before+3:
						t.Errorf("%d of 3 direct reads reached the volume: the others came from the mount's cache", readEvents(v)-before)
					}

					// An aligned direct write reaches the host file.
					for i := range buf {
						buf[i] = 'w'
					}
					if n, err := unix.Pwrite(fd, buf, 4096); err != nil || n != 4096 {
						t.Fatalf("aligned direct write: n=%d err=%v", n, err)
					}
					got, err := os.ReadFile(hostFile)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got[4096:8192], buf) || !bytes.Equal(got[:4096], data[:4096]) {
						t.Fatal("the host file does not hold the direct write")
					}

					// Unaligned: as the host does.
					hfd, err := unix.Open(hostFile, unix.O_RDONLY|unix.O_DIRECT, 0)
					if err != nil {
						t.Fatalf("open O_DIRECT on the host: %v", err)
					}
					defer unix.Close(hfd)
					hostBuf, mntBuf := alignedBuf(t, 8192)[1:4097], alignedBuf(t, 8192)[1:4097]
					_, hostErr := unix.Pread(hfd, hostBuf, 3)
					_, mntErr := unix.Pread(fd, mntBuf, 3)
					t.Logf("FUSE passthrough %v; unaligned direct read: %v on the host, %v through the mount", passthroughOn, hostErr, mntErr)
					if adapter == adapters.GoFUSE && passthroughOn && errnoOf(hostErr) != errnoOf(mntErr) {
						t.Errorf("unaligned direct read: %v through the mount, %v on the host", mntErr, hostErr)
					}
					if mntErr == nil && !bytes.Equal(mntBuf, got[3:4099]) {
						t.Error("unaligned direct read returned other data")
					}

					// A buffered handle opened while the direct one is open reads any
					// buffer, at any offset.
					bf, err := os.Open(filepath.Join(mnt, "f"))
					if err != nil {
						t.Fatalf("buffered open beside the direct one: %v", err)
					}
					defer bf.Close()
					small := make([]byte, 10)
					if n, err := bf.ReadAt(small[1:6], 4093); err != nil || n != 5 || !bytes.Equal(small[1:6], got[4093:4098]) {
						t.Fatalf("unaligned buffered read beside a direct handle: n=%d err=%v", n, err)
					}
				})
			}
		}
	}
}
