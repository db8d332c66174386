//go:build linux || darwin

package gofuse

import (
	"context"
	"log/slog"
	"syscall"
	"testing"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/internal/reqtest"
)

// rawIO is the adapter's raw file system over memfs, as Mount builds it but
// without a mount, with a file open for reading and writing: the user-space
// part of the kernel's READ and WRITE requests.
type rawIO struct {
	raw    fuse.RawFileSystem
	counts *mountopt.RequestCounts // nil: not counted
	node   uint64
	fh     uint64
	buf    []byte
}

const rawFileSize = 1 << 20

// newRawIO builds the raw file system, counted or not, and creates /f.
func newRawIO(t testing.TB, counted bool) *rawIO {
	t.Helper()
	v := fs.NewVolume(memfs.New(nil), &fs.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { v.Unmounted(context.Background(), "") })
	m := &mount{v: v}
	root := &node{m: m}
	gopts := goOptions(v, &mountopt.Options{}, slog.New(slog.DiscardHandler))
	p := &rawIO{raw: &rawFS{RawFileSystem: gofs.NewNodeFS(root, gopts), m: m}, buf: make([]byte, 4096)}
	if counted {
		p.counts = mountopt.NewRequestCounts(opNames)
		p.raw = &countingFS{RawFileSystem: p.raw, n: p.counts}
	}
	in := &fuse.CreateIn{InHeader: fuse.InHeader{NodeId: fuse.FUSE_ROOT_ID}, Flags: syscall.O_RDWR, Mode: 0o644}
	var out fuse.CreateOut
	if st := p.raw.Create(nil, in, "f", &out); st != fuse.OK {
		t.Fatalf("CREATE f: %v", st)
	}
	p.node, p.fh = out.NodeId, out.Fh
	for off := int64(0); off < rawFileSize; off += int64(len(p.buf)) {
		p.Write(t, off)
	}
	return p
}

func (p *rawIO) Read(t testing.TB, off int64) {
	in := fuse.ReadIn{InHeader: fuse.InHeader{NodeId: p.node}, Fh: p.fh, Offset: uint64(off % rawFileSize), Size: uint32(len(p.buf))}
	res, st := p.raw.Read(nil, &in, p.buf)
	if st != fuse.OK || res.Size() != len(p.buf) {
		t.Fatalf("READ at %d: %v, %d bytes", off, st, res.Size())
	}
	res.Done()
}

func (p *rawIO) Write(t testing.TB, off int64) {
	in := fuse.WriteIn{InHeader: fuse.InHeader{NodeId: p.node}, Fh: p.fh, Offset: uint64(off % rawFileSize), Size: uint32(len(p.buf))}
	if n, st := p.raw.Write(nil, &in, p.buf); st != fuse.OK || int(n) != len(p.buf) {
		t.Fatalf("WRITE at %d: %v, %d bytes", off, st, n)
	}
}

// TestCountingFS runs requests through the counting wrapper and checks the
// counts of each opcode.
func TestCountingFS(t *testing.T) {
	p := newRawIO(t, true)
	writes := uint64(rawFileSize / len(p.buf))
	p.Read(t, 0)
	p.Read(t, 4096)
	if st := p.raw.Unlink(nil, &fuse.InHeader{NodeId: fuse.FUSE_ROOT_ID}, "missing"); st != fuse.ENOENT {
		t.Fatalf("UNLINK missing: %v, want ENOENT", st)
	}
	var entry fuse.EntryOut
	if st := p.raw.Lookup(nil, &fuse.InHeader{NodeId: fuse.FUSE_ROOT_ID}, "f", &entry); st != fuse.OK {
		t.Fatalf("LOOKUP f: %v", st)
	}
	p.raw.Forget(entry.NodeId, 1)
	p.raw.Release(nil, &fuse.ReleaseIn{InHeader: fuse.InHeader{NodeId: p.node}, Fh: p.fh})

	want := map[string][2]uint64{ // calls, errors
		"CREATE": {1, 0}, "WRITE": {writes, 0}, "READ": {2, 0},
		"LOOKUP": {1, 0}, "UNLINK": {1, 1}, "FORGET": {1, 0}, "RELEASE": {1, 0},
	}
	for _, s := range p.counts.Stats() {
		w := want[s.Op]
		if s.Calls != w[0] || s.Errors != w[1] {
			t.Errorf("%s: %d calls, %d errors; want %d, %d", s.Op, s.Calls, s.Errors, w[0], w[1])
		}
		if wantTimed := (s.Calls + mountopt.LatencySample - 1) / mountopt.LatencySample; s.Timed != wantTimed {
			t.Errorf("%s: %d timed, want %d", s.Op, s.Timed, wantTimed)
		}
	}
}

// TestCountingFSAllocs: counting adds no allocation to a read or a write.
func TestCountingFSAllocs(t *testing.T) {
	reqtest.NoAddedAllocs(t, openRawIO)
}

// BenchmarkIO sends 4 KiB reads and writes to the adapter over memfs, without
// a mount (the user-space part of the kernel's requests), counted
// (metrics=on, as with --metrics) and not: compare with benchstat -col /metrics.
func BenchmarkIO(b *testing.B) {
	reqtest.Bench(b, openRawIO)
}

// BenchmarkIOPaired is BenchmarkIO with the two sent in turn, batch by batch,
// and their ratio reported (on/off): the measure that holds on a busy machine.
func BenchmarkIOPaired(b *testing.B) {
	reqtest.BenchPaired(b, openRawIO)
}

func openRawIO(t testing.TB, counted bool) reqtest.File { return newRawIO(t, counted) }

func (p *rawIO) BlockSize() int { return len(p.buf) }
