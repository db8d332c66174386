package fstest

import (
	"bytes"
	"slices"
	"strings"

	"github.com/anyfs/anyfs/fs"
)

func init() {
	allChecks = append(allChecks,
		check{"Ranges", "AllocateRange", checkAllocateRange},
		check{"Ranges", "SeekData", checkSeekData},
		check{"Ranges", "CopyFileRange", checkCopyFileRange},
		check{"Ranges", "XattrNamespaces", checkXattrNamespaces},
	)
}

// sparseFile makes name of size bytes holding data (from pattern) at each offset of
// at, and returns it open for reading and writing, with its content.
func (k *kit) sparseFile(t TB, v *volume, name string, size int64, at ...int64) (*fs.Handle, []byte) {
	t.Helper()
	k.writeFile(t, v, name, "")
	h, err := v.Open(k.ctx, name, fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	if _, err := h.SetAttributes(k.ctx, fs.Change{Valid: fs.ChangeSize, Size: size}); err != nil {
		t.Fatalf("truncate %s to %d: %v", name, size, err)
	}
	want := make([]byte, size)
	for i, off := range at {
		data := pattern(5000, uint64(i+1))
		k.writeAt(t, h, string(data), off)
		copy(want[off:], data)
	}
	return h, want
}

func checkAllocateRange(t TB, k *kit) {
	k.need(t, "ranges")
	v := k.vol(t)
	name := k.work(t, v) + "/f"
	h, want := k.sparseFile(t, v, name, 1<<20, 0, 100000)
	defer h.Release(k.ctx)
	if err := h.Allocate(k.ctx, 2000, 100000, fs.AllocateKeepSize|fs.AllocatePunchHole); err != nil {
		t.Fatalf("Allocate with AllocatePunchHole: %v", err)
	}
	clear(want[2000:102000])
	k.checkReads(t, h, want)
	if fi := k.stat(t, v, name); fi.Size != 1<<20 {
		t.Errorf("size %d after punching a hole, want %d", fi.Size, 1<<20)
	}
	if err := h.Allocate(k.ctx, 1<<20, 8192, fs.AllocateKeepSize); err != nil {
		t.Fatalf("Allocate past the end with AllocateKeepSize: %v", err)
	}
	if fi := k.stat(t, v, name); fi.Size != 1<<20 {
		t.Errorf("size %d after preallocating past the end with AllocateKeepSize, want %d", fi.Size, 1<<20)
	}
	if err := h.Allocate(k.ctx, 1<<20, 10000, 0); err != nil {
		t.Fatalf("Allocate past the end: %v", err)
	}
	if fi := k.stat(t, v, name); fi.Size != 1<<20+10000 {
		t.Errorf("size %d after preallocating past the end, want %d", fi.Size, 1<<20+10000)
	}
	want = append(want, make([]byte, 10000)...)
	err := h.Allocate(k.ctx, 3000, 7000, fs.AllocateZeroRange)
	if err != nil && !errIs(err, fs.ErrNotSupported) { // a host file system may lack it
		t.Fatalf("Allocate with AllocateZeroRange: %v", err)
	}
	if err == nil {
		clear(want[3000:10000])
	}
	k.checkReads(t, h, want)
}

func checkSeekData(t TB, k *kit) {
	k.need(t, "seek")
	v := k.vol(t)
	name := k.work(t, v) + "/f"
	const size = 4 << 20
	h, want := k.sparseFile(t, v, name, size, 0, 2<<20)
	defer h.Release(k.ctx)
	zeros := func(from, to int64) bool {
		return !slices.ContainsFunc(want[from:to], func(b byte) bool { return b != 0 })
	}
	written := func(off int64) bool { return off < 5000 || (off >= 2<<20 && off < 2<<20+5000) }
	for _, off := range []int64{0, 1, 4999, 5000, 8191, 65536, 1 << 20, 2<<20 - 1, 2 << 20, 2<<20 + 4999, 3 << 20, size - 1} {
		d, err := h.SeekData(k.ctx, off, false)
		switch {
		case errIs(err, fs.ErrNoSuchAddress):
			if !zeros(off, size) {
				t.Errorf("SeekData(%d): ErrNoSuchAddress, but data follows", off)
			}
		case err != nil:
			t.Errorf("SeekData(%d): %v", off, err)
		case d < off || d >= size || !zeros(off, d) || (written(off) && d != off):
			t.Errorf("SeekData(%d) = %d: not the next data", off, d)
		}
		ho, err := h.SeekData(k.ctx, off, true)
		switch {
		case err != nil:
			t.Errorf("SeekHole(%d): %v", off, err)
		case ho < off || ho > size || (ho < size && written(ho)):
			t.Errorf("SeekHole(%d) = %d: not a hole", off, ho)
		}
	}
	for _, hole := range []bool{false, true} {
		_, err := h.SeekData(k.ctx, size, hole)
		wantErr(t, "a seek for data or a hole at the end of the file", err, fs.ErrNoSuchAddress)
	}
}

func checkCopyFileRange(t TB, k *kit) {
	k.need(t, "copy")
	v := k.vol(t)
	dir := k.work(t, v)
	src, want := k.sparseFile(t, v, dir+"/src", 300000, 0, 200000)
	defer src.Release(k.ctx)
	k.writeFile(t, v, dir+"/dst", "")
	dst, err := v.Open(k.ctx, dir+"/dst", fs.AccessRead|fs.AccessWrite, 0)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer dst.Release(k.ctx)
	var copied int64
	for copied < int64(len(want)) {
		n, err := src.CopyRange(k.ctx, copied, dst, 10+copied, 1<<20)
		if err != nil || n == 0 {
			t.Fatalf("CopyRange at %d: %d bytes, %v", copied, n, err)
		}
		copied += n
	}
	if n, err := src.CopyRange(k.ctx, int64(len(want)), dst, 0, 100); n != 0 || err != nil {
		t.Errorf("CopyRange at the end of the source: %d bytes, %v; want 0", n, err)
	}
	k.checkReads(t, dst, append(make([]byte, 10), want...))
	// Within one file, past its end.
	if n, err := src.CopyRange(k.ctx, 0, src, 300000, 6000); n != 6000 || err != nil {
		t.Fatalf("CopyRange within a file: %d bytes, %v", n, err)
	}
	k.checkReads(t, src, append(want, want[:6000]...))
}

func checkXattrNamespaces(t TB, k *kit) {
	k.need(t, "xattrNS")
	v := k.vol(t)
	file := k.work(t, v) + "/f"
	k.writeFile(t, v, file, "x")
	var names []string
	for _, ns := range k.b.(fs.XattrNamespacer).XattrNamespaces() {
		if ns == fs.XattrSystem {
			continue // only POSIX ACLs, which a host checks
		}
		x := ns + ".fstest"
		if err := v.SetXattr(k.ctx, file, x, []byte(ns), 0); err != nil {
			t.Errorf("SetXattr %s: %v", x, err)
			continue
		}
		names = append(names, x)
	}
	// A stream named like another namespace's attribute is another attribute.
	if err := v.SetXattr(k.ctx, file, "user.trusted.fstest", []byte("user"), 0); err != nil {
		t.Fatalf("SetXattr user.trusted.fstest: %v", err)
	}
	l, err := v.ListXattr(k.ctx, file)
	if err != nil {
		t.Fatalf("ListXattr: %v", err)
	}
	for _, x := range append(names, "user.trusted.fstest") {
		if !contains(l, x) {
			t.Errorf("ListXattr: %q; want it to hold %s", l, x)
		}
	}
	for _, x := range names {
		ns, _, _ := strings.Cut(x, ".")
		if got, err := v.GetXattr(k.ctx, file, x); err != nil || !bytes.Equal(got, []byte(ns)) {
			t.Errorf("GetXattr %s: %q, %v; want %q", x, got, err, ns)
		}
		if err := v.RemoveXattr(k.ctx, file, x); err != nil {
			t.Errorf("RemoveXattr %s: %v", x, err)
		}
		_, err := v.GetXattr(k.ctx, file, x)
		wantErr(t, "GetXattr after RemoveXattr", err, fs.ErrNoAttribute)
	}
	if got, err := v.GetXattr(k.ctx, file, "user.trusted.fstest"); err != nil || string(got) != "user" {
		t.Errorf("GetXattr user.trusted.fstest: %q, %v; want %q", got, err, "user")
	}
}
