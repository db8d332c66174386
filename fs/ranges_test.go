package fs

import (
	"context"
	"testing"
)

// allocFake is the fake with OnSetAllocationSize only, for the fallbacks of the
// range events.
type allocFake struct {
	*fake
	sizes []int64
}

func (a *allocFake) OnSetAllocationSize(_ context.Context, e *SetAllocationSizeEvent) error {
	a.sizes = append(a.sizes, e.AllocationSize)
	return nil
}

// rangeFake records the range events.
type rangeFake struct {
	*fake
	alloc []AllocateRangeEvent
	seeks []SeekDataEvent
	copy  []CopyFileRangeEvent
}

func (r *rangeFake) OnAllocateRange(_ context.Context, e *AllocateRangeEvent) error {
	r.alloc = append(r.alloc, *e)
	return nil
}

func (r *rangeFake) OnSeekData(_ context.Context, e *SeekDataEvent) error {
	r.seeks = append(r.seeks, *e)
	e.Offset = e.Position + 1
	return nil
}

func (r *rangeFake) OnCopyFileRange(_ context.Context, e *CopyFileRangeEvent) error {
	r.copy = append(r.copy, *e)
	e.BytesCopied = e.Length
	return nil
}

func openRW(t *testing.T, v *Volume, name string) *Handle {
	t.Helper()
	h, err := v.Open(bg, name, AccessRead|AccessWrite, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Release(bg) })
	return h
}

func TestAllocateModes(t *testing.T) {
	r := &rangeFake{fake: newFake()}
	v := NewVolume(r, quietOpts(Options{MaxFileSize: 1 << 20}))
	mustCreate(t, v, "/f", "data")
	h := openRW(t, v, "/f")
	for _, c := range []struct {
		name        string
		off, length int64
		mode        AllocateMode
		want        Errno
	}{
		{"preallocate", 0, 4096, 0, OK},
		{"keep size", 1 << 30, 4096, AllocateKeepSize, OK},
		{"punch", 10, 100, AllocatePunchHole | AllocateKeepSize, OK},
		{"zero", 10, 100, AllocateZeroRange, OK},
		{"punch without keep size", 10, 100, AllocatePunchHole, ENOTSUP},
		{"punch and zero", 10, 100, AllocatePunchHole | AllocateKeepSize | AllocateZeroRange, ENOTSUP},
		{"unknown mode", 10, 100, 1 << 7, ENOTSUP},
		{"negative offset", -1, 100, 0, EINVAL},
		{"empty range", 0, 0, 0, EINVAL},
		{"overflow", 1 << 62, 1 << 62, 0, EFBIG},
		{"past MaxFileSize", 1 << 20, 1, 0, EFBIG},
		{"past MaxFileSize, keeping the size", 1 << 20, 1, AllocateKeepSize, OK},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(r.alloc)
			wantErrno(t, h.Allocate(bg, c.off, c.length, c.mode), c.want)
			fired := len(r.alloc) > before
			if fired != (c.want == OK) {
				t.Fatalf("OnAllocateRange fired: %v", fired)
			}
			if fired {
				if e := r.alloc[len(r.alloc)-1]; e.Offset != c.off || e.Length != c.length || e.Mode != c.mode {
					t.Fatalf("event %+v", e)
				}
			}
		})
	}
	ro, _ := v.Open(bg, "/f", AccessRead, 0)
	defer ro.Release(bg)
	wantErrno(t, ro.Allocate(bg, 0, 1, 0), EBADF)
}

func TestAllocateFallback(t *testing.T) {
	a := &allocFake{fake: newFake()}
	v := NewVolume(a, quietOpts(Options{}))
	mustCreate(t, v, "/f", "data")
	h := openRW(t, v, "/f")
	if err := h.Allocate(bg, 100, 10000, 0); err != nil {
		t.Fatal(err)
	}
	if fi, _ := h.Stat(bg); fi.Size != 10100 {
		t.Fatalf("size %d after preallocating to 10100", fi.Size)
	}
	// The fake reports 0 allocated (Size rounded up): a range inside it asks nothing.
	if err := h.Allocate(bg, 0, 100, AllocateKeepSize); err != nil {
		t.Fatal(err)
	}
	if len(a.sizes) != 1 || a.sizes[0] != 10100 {
		t.Fatalf("OnSetAllocationSize calls %v, want [10100]: a fallback must never shrink an allocation", a.sizes)
	}
	wantErrno(t, h.Allocate(bg, 0, 100, AllocatePunchHole|AllocateKeepSize), ENOTSUP)
	wantErrno(t, h.Allocate(bg, 0, 100, AllocateZeroRange), ENOTSUP)
	// Without any allocation event: ENOTSUP.
	v2, _ := newTestVolume(t, Options{})
	mustCreate(t, v2, "/f", "")
	wantErrno(t, openRW(t, v2, "/f").Allocate(bg, 0, 1, 0), ENOTSUP)
}

func TestSeekData(t *testing.T) {
	// Without SeekDataHandler the whole file is data, as Linux's generic_file_llseek.
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/f", "0123456789")
	h := openRW(t, v, "/f")
	for _, c := range []struct {
		off  int64
		hole bool
		want int64
		err  Errno
	}{
		{0, false, 0, OK}, {7, false, 7, OK}, {0, true, 10, OK}, {9, true, 10, OK},
		{10, false, 0, ENXIO}, {10, true, 0, ENXIO}, {-1, false, 0, ENXIO},
	} {
		got, err := h.SeekData(bg, c.off, c.hole)
		wantErrno(t, err, c.err)
		if err == nil && got != c.want {
			t.Errorf("SeekData(%d, hole %v) = %d, want %d", c.off, c.hole, got, c.want)
		}
	}
	// With it, the backend answers.
	r := &rangeFake{fake: newFake()}
	v = NewVolume(r, quietOpts(Options{}))
	mustCreate(t, v, "/f", "x")
	h = openRW(t, v, "/f")
	if got, err := h.SeekData(bg, 5, true); err != nil || got != 6 || len(r.seeks) != 1 || !r.seeks[0].Hole {
		t.Fatalf("SeekData with a SeekDataHandler: %d, %v, events %+v", got, err, r.seeks)
	}
}

func TestCopyRange(t *testing.T) {
	v, _ := newTestVolume(t, Options{})
	mustCreate(t, v, "/a", "x")
	a := openRW(t, v, "/a")
	_, err := a.CopyRange(bg, 0, a, 10, 1)
	wantErrno(t, err, ENOSYS) // no CopyFileRangeHandler: the kernel copies

	r := &rangeFake{fake: newFake()}
	v = NewVolume(r, quietOpts(Options{MaxFileSize: 1000}))
	mustCreate(t, v, "/a", "source")
	mustCreate(t, v, "/b", "")
	a, b := openRW(t, v, "/a"), openRW(t, v, "/b")
	ro, _ := v.Open(bg, "/b", AccessRead, 0)
	defer ro.Release(bg)
	app, _ := v.Open(bg, "/b", AccessWrite, OpenAppend)
	defer app.Release(bg)
	other := NewVolume(newFake(), quietOpts(Options{}))
	mustCreate(t, other, "/c", "")
	c := openRW(t, other, "/c")
	for _, tc := range []struct {
		name             string
		src              *Handle
		off              int64
		dst              *Handle
		dstOff, length   int64
		want, wantLength int64
		err              Errno
	}{
		{"copy", a, 0, b, 0, 100, 100, 100, OK},
		{"within a file", a, 0, a, 100, 100, 100, 100, OK},
		{"overlapping", a, 0, a, 50, 100, 0, 0, EINVAL},
		{"clipped to MaxFileSize", a, 0, b, 900, 500, 100, 100, OK},
		{"at MaxFileSize", a, 0, b, 1000, 1, 0, 0, EFBIG},
		{"nothing", a, 0, b, 0, 0, 0, 0, OK},
		{"negative", a, -1, b, 0, 1, 0, 0, EINVAL},
		{"to a read-only handle", a, 0, ro, 0, 1, 0, 0, EBADF},
		{"to an appending handle", a, 0, app, 0, 1, 0, 0, EBADF},
		{"to another volume", a, 0, c, 0, 1, 0, 0, EXDEV},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(r.copy)
			n, err := tc.src.CopyRange(bg, tc.off, tc.dst, tc.dstOff, tc.length)
			wantErrno(t, err, tc.err)
			if n != tc.want {
				t.Fatalf("copied %d, want %d", n, tc.want)
			}
			if fired := len(r.copy) > before; fired != (tc.wantLength > 0) {
				t.Fatalf("OnCopyFileRange fired: %v", fired)
			} else if fired {
				e := r.copy[len(r.copy)-1]
				if e.Length != tc.wantLength || e.Position != tc.off || e.DestPosition != tc.dstOff || e.DestName != tc.dst.Name() {
					t.Fatalf("event %+v", e)
				}
			}
		})
	}
}
