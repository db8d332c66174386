//go:build unix

package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"github.com/anyfs/anyfs/adapters"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
	"github.com/anyfs/anyfs/test/mounttest"
)

var bg = context.Background()

var sizes = []int{1000, 10000, 100000}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newMemVolume() *fs.Volume {
	return fs.NewVolume(memfs.New(nil), &fs.Options{Logger: quiet()})
}

func mkfile(b *testing.B, v *fs.Volume, name string) {
	if _, err := v.Mknod(bg, name, attr.S_IFREG|0o644, 0); err != nil {
		b.Fatal(err)
	}
}

// perEntry reports the time per entry (of n per iteration) as ns/entry.
func perEntry(b *testing.B, n int, unit string) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/"+unit)
}

// BenchmarkVolumeIO reads and writes through fs.Handle over memfs, the hot path of
// every FUSE read and write: allocs/op must be 0.
func BenchmarkVolumeIO(b *testing.B) {
	for _, bs := range []int{4 << 10, 1 << 20} {
		v := newMemVolume()
		h, _, err := v.Create(bg, "/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite})
		if err != nil {
			b.Fatal(err)
		}
		const fileSize = 64 << 20
		buf := make([]byte, bs)
		for off := int64(0); off < fileSize; off += int64(bs) {
			if _, err := h.Write(bg, buf, off); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("read/"+size(bs), func(b *testing.B) {
			b.SetBytes(int64(bs))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := h.Read(bg, buf, int64(i*bs)%fileSize); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("write/"+size(bs), func(b *testing.B) {
			b.SetBytes(int64(bs))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := h.Write(bg, buf, int64(i*bs)%fileSize); err != nil {
					b.Fatal(err)
				}
			}
		})
		h.Release(bg)
	}
}

// BenchmarkMemfsFileMemory creates empty files in memfs through the volume and
// reports the heap they take, per file (target: < 1 KiB).
func BenchmarkMemfsFileMemory(b *testing.B) {
	const n = 100000
	var perFile float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := newMemVolume()
		if _, err := v.Mkdir(bg, "/d", 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range n {
			mkfile(b, v, "/d/f"+strconv.Itoa(i))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perFile = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(v)
	}
	b.ReportMetric(perFile, "B/file")
}

// BenchmarkListVolume lists directories of 1k, 10k and 100k entries through the
// volume (fs.Dir.ReadDir in pages, as the adapters do): ns/entry must stay flat.
func BenchmarkListVolume(b *testing.B) {
	for _, n := range sizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			v := newMemVolume()
			if _, err := v.Mkdir(bg, "/d", 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				mkfile(b, v, "/d/f"+strconv.Itoa(i))
			}
			b.ResetTimer()
			for b.Loop() {
				d, err := v.OpenDir(bg, "/d")
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for off := int64(0); ; {
					before := got
					err := d.ReadDir(bg, off, func(fi *fs.FileInfo, _ int64) bool {
						got++
						return got-before < 256
					})
					if err != nil {
						b.Fatal(err)
					}
					if got == before {
						break
					}
					off += int64(got - before)
				}
				d.Close(bg)
				if got != n {
					b.Fatalf("listed %d entries, want %d", got, n)
				}
			}
			perEntry(b, n, "entry")
		})
	}
}

// BenchmarkCreateVolume creates n files in one directory through the volume:
// ns/file must stay flat from 1k to 100k.
func BenchmarkCreateVolume(b *testing.B) {
	for _, n := range sizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				v := newMemVolume()
				if _, err := v.Mkdir(bg, "/d", 0o755); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i := range n {
					h, _, err := v.Create(bg, "/d/f"+strconv.Itoa(i), fs.CreateRequest{Mode: 0o644, Access: fs.AccessWrite, Exclusive: true})
					if err != nil {
						b.Fatal(err)
					}
					h.Release(bg)
				}
			}
			perEntry(b, n, "file")
		})
	}
}

// mountMem mounts a fresh memfs through gofuse; it skips the benchmark without FUSE.
func mountMem(b *testing.B) string {
	b.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil && runtime.GOOS == "linux" {
		b.Skip("no /dev/fuse")
	}
	return mounttest.Mount(b, newMemVolume(), adapters.GoFUSE)
}

// BenchmarkListMount lists directories of 1k, 10k and 100k entries through a
// gofuse mount of memfs: ns/entry must stay flat.
func BenchmarkListMount(b *testing.B) {
	for _, n := range sizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			mnt := mountMem(b)
			dir := filepath.Join(mnt, "d")
			if err := os.Mkdir(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if err := syscall.Mknod(filepath.Join(dir, "f"+strconv.Itoa(i)), syscall.S_IFREG|0o644, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				d, err := os.Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				names, err := d.Readdirnames(-1)
				d.Close()
				if err != nil || len(names) != n {
					b.Fatalf("listed %d entries, want %d: %v", len(names), n, err)
				}
			}
			perEntry(b, n, "entry")
		})
	}
}

// BenchmarkCreateMount creates n files in one directory of a gofuse mount of memfs:
// ns/file must stay flat.
func BenchmarkCreateMount(b *testing.B) {
	for _, n := range sizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			mnt := mountMem(b)
			for iter := 0; b.Loop(); iter++ {
				b.StopTimer()
				dir := filepath.Join(mnt, "d"+strconv.Itoa(iter))
				if err := os.Mkdir(dir, 0o755); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i := range n {
					f, err := os.OpenFile(filepath.Join(dir, "f"+strconv.Itoa(i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
					if err != nil {
						b.Fatal(err)
					}
					f.Close()
				}
			}
			perEntry(b, n, "file")
		})
	}
}

func size(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dM", n>>20)
	}
	return fmt.Sprintf("%dK", n>>10)
}
