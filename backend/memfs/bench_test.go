package memfs_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// benchFile makes a memfs with one file of size bytes and returns its FileContext.
func benchFile(b *testing.B, name string, size int) (*memfs.FS, any) {
	b.Helper()
	m := memfs.New(nil)
	return m, addFile(b, m, name, size)
}

func addFile(b *testing.B, m *memfs.FS, name string, size int) any {
	b.Helper()
	ce := fs.CreateFileEvent{Name: name, Mode: attr.S_IFREG | 0o644}
	if err := m.OnCreateFile(bg, &ce); err != nil {
		b.Fatal(err)
	}
	if size > 0 {
		w := fs.WriteFileEvent{Name: name, FileContext: ce.FileContext, Buffer: make([]byte, size)}
		if err := m.OnWriteFile(bg, &w); err != nil {
			b.Fatal(err)
		}
	}
	return ce.FileContext
}

// BenchmarkRead4K reads 4 KiB blocks in turn from a file that fits in the CPU's
// cache (1 MiB) and from one that does not (64 MiB).
func BenchmarkRead4K(b *testing.B) {
	for _, size := range []int{1 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("file=%dM", size>>20), func(b *testing.B) {
			m, fctx := benchFile(b, "/f", size)
			e := fs.ReadFileEvent{Name: "/f", FileContext: fctx, Buffer: make([]byte, 4096)}
			b.SetBytes(4096)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				e.Position = int64(i*4096) % int64(size)
				if err := m.OnReadFile(bg, &e); err != nil || e.BytesRead != 4096 {
					b.Fatal(e.BytesRead, err)
				}
			}
		})
	}
}

// BenchmarkRead4KVolume is BenchmarkRead4K through fs.Volume and a handle.
func BenchmarkRead4KVolume(b *testing.B) {
	const size = 64 << 20
	m, _ := benchFile(b, "/f", size)
	v := fs.NewVolume(m, &fs.Options{Logger: quietLog()})
	h, err := v.Open(bg, "/f", fs.AccessRead, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Release(bg)
	buf := make([]byte, 4096)
	b.SetBytes(4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if n, err := h.Read(bg, buf, int64(i*4096)%size); err != nil || n != 4096 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkWrite1M(b *testing.B) {
	const size = 64 << 20
	for _, c := range []struct {
		name      string
		overwrite bool
	}{{"overwrite", true}, {"new-pages", false}} {
		b.Run(c.name, func(b *testing.B) {
			m, fctx := benchFile(b, "/f", 0)
			e := fs.WriteFileEvent{Name: "/f", FileContext: fctx, Buffer: make([]byte, 1<<20)}
			if c.overwrite {
				for off := int64(0); off < size; off += 1 << 20 {
					e.Position = off
					m.OnWriteFile(bg, &e)
				}
			}
			b.SetBytes(1 << 20)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				e.Position = int64(i<<20) % size
				if !c.overwrite && e.Position == 0 && i > 0 {
					b.StopTimer()
					m.OnSetFileSize(bg, &fs.SetFileSizeEvent{Name: "/f", FileContext: fctx, Size: 0})
					b.StartTimer()
				}
				if err := m.OnWriteFile(bg, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParallelWrite4K writes 4 KiB blocks from every P: each to its own file,
// and all to one file. With per-file locks the first scales with GOMAXPROCS; the
// second is serialized by the file's lock.
func BenchmarkParallelWrite4K(b *testing.B) {
	const size = 256 << 10
	for _, shared := range []bool{false, true} {
		name := "own-file"
		if shared {
			name = "one-file"
		}
		b.Run(name, func(b *testing.B) {
			m := memfs.New(nil)
			one := addFile(b, m, "/shared", size)
			procs := runtime.GOMAXPROCS(0)
			own := make([]any, procs)
			for i := range own {
				own[i] = addFile(b, m, fmt.Sprintf("/f%d", i), size)
			}
			var next atomic.Int64
			b.SetParallelism(1)
			b.SetBytes(4 << 10)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				e := fs.WriteFileEvent{FileContext: one, Buffer: make([]byte, 4<<10)}
				if !shared {
					e.FileContext = own[int(next.Add(1)-1)%procs]
				}
				for i := 0; pb.Next(); i++ {
					e.Position = int64(i<<12) % size
					if err := m.OnWriteFile(bg, &e); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkCreate(b *testing.B) {
	m := memfs.New(nil)
	names := make([]string, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%(1<<16) == 0 {
			b.StopTimer()
			dir := fmt.Sprintf("/d%d", i>>16)
			if err := m.OnCreateFile(bg, &fs.CreateFileEvent{Name: dir, Mode: attr.S_IFDIR | 0o755}); err != nil {
				b.Fatal(err)
			}
			names = names[:0]
			for j := range 1 << 16 {
				names = append(names, fmt.Sprintf("%s/f%d", dir, j))
			}
			b.StartTimer()
		}
		e := fs.CreateFileEvent{Name: names[i%(1<<16)], Mode: attr.S_IFREG | 0o644, Uid: 1, Gid: 1}
		if err := m.OnCreateFile(bg, &e); err != nil {
			b.Fatal(err)
		}
		m.OnCloseFile(bg, &fs.CloseFileEvent{FileContext: e.FileContext})
	}
}

// BenchmarkStat is a lookup by path three levels deep.
func BenchmarkStat(b *testing.B) {
	m := memfs.New(nil)
	for _, d := range []string{"/a", "/a/b", "/a/b/c"} {
		m.OnCreateFile(bg, &fs.CreateFileEvent{Name: d, Mode: attr.S_IFDIR | 0o755})
	}
	addFile(b, m, "/a/b/c/file", 10)
	e := fs.GetFileInfoEvent{Name: "/a/b/c/file"}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.OnGetFileInfo(bg, &e); err != nil {
			b.Fatal(err)
		}
	}
}
