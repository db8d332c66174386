package memfs_test

import (
	"bytes"
	"testing"

	"github.com/anyfs/anyfs/backend/memfs"
	"github.com/anyfs/anyfs/fs"
)

func used(m *memfs.FS) int64 { b, _ := m.Used(); return b }

func TestAllocateRange(t *testing.T) {
	v, m := newVolume(t, &memfs.Options{Capacity: 64 * memfs.PageSize})
	h := create(t, v, "/f")
	must[int](t)(h.Write(bg, bytes.Repeat([]byte("x"), 10*memfs.PageSize), 0))
	// A hole in the middle: whole pages freed, the partial ones zeroed.
	if err := h.Allocate(bg, memfs.PageSize+10, 3*memfs.PageSize, fs.AllocatePunchHole|fs.AllocateKeepSize); err != nil {
		t.Fatal(err)
	}
	if got := used(m); got != 8*memfs.PageSize {
		t.Fatalf("used %d after punching 2 whole pages out of 10, want %d", got, 8*memfs.PageSize)
	}
	buf := make([]byte, 10*memfs.PageSize)
	must[int](t)(h.Read(bg, buf, 0))
	want := bytes.Repeat([]byte("x"), 10*memfs.PageSize)
	clear(want[memfs.PageSize+10 : 4*memfs.PageSize+10])
	if !bytes.Equal(buf, want) {
		t.Fatal("the punched range does not read as zeros, or more was zeroed")
	}
	// Preallocating a range far into a sparse file takes only that range.
	if err := h.Allocate(bg, 1<<30, 4*memfs.PageSize, fs.AllocateKeepSize); err != nil {
		t.Fatal(err)
	}
	if got := used(m); got != 12*memfs.PageSize {
		t.Fatalf("used %d after preallocating 4 pages at 1 GiB, want %d", got, 12*memfs.PageSize)
	}
	if fi := must[fs.FileInfo](t)(h.Stat(bg)); fi.Size != 10*memfs.PageSize || fi.AllocationSize != 12*memfs.PageSize {
		t.Fatalf("after preallocating past the end: size %d, allocation %d", fi.Size, fi.AllocationSize)
	}
	// Zeroing: growing the file.
	if err := h.Allocate(bg, 9*memfs.PageSize, 2*memfs.PageSize, fs.AllocateZeroRange); err != nil {
		t.Fatal(err)
	}
	if fi := must[fs.FileInfo](t)(h.Stat(bg)); fi.Size != 11*memfs.PageSize {
		t.Fatalf("size %d after zeroing past the end", fi.Size)
	}
	// What does not fit fails whole.
	before := used(m)
	wantErrno(t, h.Allocate(bg, 0, 100*memfs.PageSize, 0), fs.ENOSPC)
	if used(m) != before {
		t.Fatalf("a refused preallocation allocated %d bytes", used(m)-before)
	}
	// Truncating drops the preallocated pages past the end.
	must[fs.FileInfo](t)(h.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 0}))
	if got := used(m); got != 0 {
		t.Fatalf("used %d after truncating to 0", got)
	}
}

func TestSeekDataMemfs(t *testing.T) {
	v, _ := newVolume(t, nil)
	h := create(t, v, "/f")
	const far = 1 << 40
	must[int](t)(h.Write(bg, []byte("a"), 5))
	must[int](t)(h.Write(bg, []byte("b"), far))
	for _, c := range []struct {
		off  int64
		hole bool
		want int64
	}{
		{0, false, 0}, {3, false, 3}, {0, true, memfs.PageSize},
		{memfs.PageSize, false, far &^ (memfs.PageSize - 1)}, // across a hole of a terabyte
		{far - 10, false, far &^ (memfs.PageSize - 1)}, {far, true, far + 1},
	} {
		got, err := h.SeekData(bg, c.off, c.hole)
		if err != nil || got != c.want {
			t.Errorf("SeekData(%d, hole %v) = %d, %v; want %d", c.off, c.hole, got, err, c.want)
		}
	}
	_, err := h.SeekData(bg, far+1, false)
	wantErrno(t, err, fs.ENXIO)
	// A file that is all hole has no storage to report.
	g := create(t, v, "/hole")
	must[fs.FileInfo](t)(g.SetAttributes(bg, fs.Change{Valid: fs.ChangeSize, Size: 1 << 30}))
	if fi := must[fs.FileInfo](t)(g.Stat(bg)); fi.AllocationSize != 0 {
		t.Fatalf("allocation of a file that is all hole: %d, want 0", fi.AllocationSize)
	}
	_, err = g.SeekData(bg, 0, false)
	wantErrno(t, err, fs.ENXIO)
}

func TestCopyFileRangeMemfs(t *testing.T) {
	v, m := newVolume(t, &memfs.Options{Capacity: 40 * memfs.PageSize})
	src, dst := create(t, v, "/src"), create(t, v, "/dst")
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10000 bytes
	must[int](t)(src.Write(bg, data, 0))
	must[int](t)(src.Write(bg, data, 1<<20)) // a hole of 1 MiB between
	must[int](t)(dst.Write(bg, bytes.Repeat([]byte("z"), 5*memfs.PageSize), 0))
	size := int64(1<<20 + len(data))
	var n int64
	for n < size {
		c := must[int64](t)(src.CopyRange(bg, n, dst, n+1, size))
		if c == 0 {
			t.Fatalf("copy stopped at %d of %d", n, size)
		}
		n += c
	}
	got := make([]byte, size+1)
	must[int](t)(dst.Read(bg, got, 0))
	want := make([]byte, size+1)
	want[0] = 'z'
	copy(want[1:], data)
	copy(want[1+1<<20:], data)
	if !bytes.Equal(got, want) {
		t.Fatal("the copy differs from the source (the destination's old data must not show through the hole)")
	}
	// The hole stayed a hole: about 3 pages of data each, not 256 pages.
	if fi := must[fs.FileInfo](t)(dst.Stat(bg)); fi.AllocationSize > 10*memfs.PageSize {
		t.Fatalf("the copy takes %d bytes: the source's hole was filled", fi.AllocationSize)
	}
	// A copy that does not fit stops short; then ENOSPC.
	big := create(t, v, "/big")
	must[int](t)(big.Write(bg, bytes.Repeat([]byte("b"), 30*memfs.PageSize-int(used(m))), 0))
	free := 40*memfs.PageSize - used(m)
	c, err := big.CopyRange(bg, 0, dst, 2<<20, 30*memfs.PageSize)
	if err != nil || c != free {
		t.Fatalf("copy into a nearly full volume: %d bytes, %v; want the %d that fit", c, err, free)
	}
	_, err = big.CopyRange(bg, 0, dst, 3<<20, memfs.PageSize)
	wantErrno(t, err, fs.ENOSPC)
}
