//go:build windows || cgofuse

package cgofuse

import (
	"testing"

	"github.com/winfsp/cgofuse/fuse"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/internal/reqtest"
)

// TestCountingFSInterfaces: the counting wrapper offers cgofuse exactly the
// optional interfaces the adapter implements, so that counting changes none of
// the FUSE layer's choices.
func TestCountingFSInterfaces(t *testing.T) {
	f, _ := newTestFS(t, nil)
	w := hostFS(f, mountopt.NewRequestCounts(opNames))
	for _, tc := range []struct {
		name string
		is   func(any) bool
	}{
		{"FileSystemOpenEx", func(x any) bool { _, ok := x.(fuse.FileSystemOpenEx); return ok }},
		{"FileSystemGetpath", func(x any) bool { _, ok := x.(fuse.FileSystemGetpath); return ok }},
		{"FileSystemChflags", func(x any) bool { _, ok := x.(fuse.FileSystemChflags); return ok }},
		{"FileSystemSetcrtime", func(x any) bool { _, ok := x.(fuse.FileSystemSetcrtime); return ok }},
		{"FileSystemSetchgtime", func(x any) bool { _, ok := x.(fuse.FileSystemSetchgtime); return ok }},
		{"FileSystemChmod3", func(x any) bool { _, ok := x.(fuse.FileSystemChmod3); return ok }},
		{"FileSystemChown3", func(x any) bool { _, ok := x.(fuse.FileSystemChown3); return ok }},
		{"FileSystemUtimens3", func(x any) bool { _, ok := x.(fuse.FileSystemUtimens3); return ok }},
		{"FileSystemRename3", func(x any) bool { _, ok := x.(fuse.FileSystemRename3); return ok }},
	} {
		if a, c := tc.is(f), tc.is(w); a != c {
			t.Errorf("%s: the adapter implements it: %v, the counting wrapper: %v", tc.name, a, c)
		}
	}
}

// TestCountingFS runs requests through the counting wrapper and checks the
// counts of each operation, the extended forms (OpenEx, Chmod3) counted as
// the plain ones.
func TestCountingFS(t *testing.T) {
	f, _ := newTestFS(t, nil)
	counts := mountopt.NewRequestCounts(opNames)
	w := hostFS(f, counts).(*countingFS)

	var st fuse.Stat_t
	wantErr(t, "Getattr /missing", w.Getattr("/missing", &st, noHandle), fuse.ENOENT)
	check(t, "Mkdir /d", w.Mkdir("/d", 0o755))
	fi := fuse.FileInfo_t{Flags: fuse.O_CREAT | fuse.O_EXCL | fuse.O_RDWR}
	check(t, "CreateEx /d/f", w.CreateEx("/d/f", 0o644, &fi))
	for range 3 {
		if n := w.Write("/d/f", []byte("data"), 0, fi.Fh); n != 4 {
			t.Fatalf("Write = %d", n)
		}
	}
	check(t, "Release", w.Release("/d/f", fi.Fh))
	fi = fuse.FileInfo_t{Flags: fuse.O_RDONLY}
	check(t, "OpenEx /d/f", w.OpenEx("/d/f", &fi))
	buf := make([]byte, 8)
	if n := w.Read("/d/f", buf, 0, fi.Fh); n != 4 {
		t.Fatalf("Read = %d", n)
	}
	check(t, "Release", w.Release("/d/f", fi.Fh))
	wantErr(t, "Open /missing", func() int { rc, _ := w.Open("/missing", fuse.O_RDONLY); return rc }(), fuse.ENOENT)
	check(t, "Chmod3", w.Chmod3("/d/f", 0o600, noHandle))
	check(t, "Chmod", w.Chmod("/d/f", 0o640))

	want := map[string][2]uint64{ // calls, errors
		"GETATTR": {1, 1}, "MKDIR": {1, 0}, "CREATE": {1, 0}, "WRITE": {3, 0},
		"RELEASE": {2, 0}, "OPEN": {2, 1}, "READ": {1, 0}, "CHMOD": {2, 0},
	}
	for _, s := range counts.Stats() {
		w := want[s.Op]
		if s.Calls != w[0] || s.Errors != w[1] {
			t.Errorf("%s: %d calls, %d errors; want %d, %d", s.Op, s.Calls, s.Errors, w[0], w[1])
		}
		if wantTimed := min(s.Calls, 1); s.Timed != wantTimed {
			t.Errorf("%s: %d timed, want %d", s.Op, s.Timed, wantTimed)
		}
	}
}

// ioPath is a file open for reading and writing, and the file system its
// requests go to: the adapter, or the adapter behind the counting wrapper.
type ioPath struct {
	fsys fuse.FileSystemInterface
	fh   uint64
	buf  []byte
}

// newIOPath creates a 1 MiB file and opens it through the adapter, counted
// or not.
func newIOPath(t testing.TB, counted bool) *ioPath {
	t.Helper()
	f, _ := newTestFS(t, nil)
	var counts *mountopt.RequestCounts
	if counted {
		counts = mountopt.NewRequestCounts(opNames)
	}
	p := &ioPath{fsys: hostFS(f, counts), buf: make([]byte, 4096)}
	fi := fuse.FileInfo_t{Flags: fuse.O_CREAT | fuse.O_RDWR}
	if rc := p.fsys.(fuse.FileSystemOpenEx).CreateEx("/f", 0o644, &fi); rc != 0 {
		t.Fatalf("CreateEx = %v", fuse.Error(rc))
	}
	p.fh = fi.Fh
	for off := int64(0); off < ioFileSize; off += int64(len(p.buf)) {
		p.Write(t, off)
	}
	return p
}

const ioFileSize = 1 << 20

func (p *ioPath) Read(t testing.TB, off int64) {
	if n := p.fsys.Read("/f", p.buf, off%ioFileSize, p.fh); n != len(p.buf) {
		t.Fatalf("Read at %d = %d", off, n)
	}
}

func (p *ioPath) Write(t testing.TB, off int64) {
	if n := p.fsys.Write("/f", p.buf, off%ioFileSize, p.fh); n != len(p.buf) {
		t.Fatalf("Write at %d = %d", off, n)
	}
}

// TestCountingFSAllocs: counting adds no allocation to a read or a write.
func TestCountingFSAllocs(t *testing.T) {
	reqtest.NoAddedAllocs(t, openIoPath)
}

// BenchmarkIO sends 4 KiB reads and writes to the adapter over memfs, without
// a mount (the user-space part of the kernel's requests), counted
// (metrics=on, as with --metrics) and not: compare with benchstat -col /metrics.
func BenchmarkIO(b *testing.B) {
	reqtest.Bench(b, openIoPath)
}

// BenchmarkIOPaired is BenchmarkIO with the two sent in turn, batch by batch,
// and their ratio reported (on/off): the measure that holds on a busy machine.
func BenchmarkIOPaired(b *testing.B) {
	reqtest.BenchPaired(b, openIoPath)
}

func openIoPath(t testing.TB, counted bool) reqtest.File { return newIOPath(t, counted) }

func (p *ioPath) BlockSize() int { return len(p.buf) }
