package memfs

import (
	"bytes"
	"context"
	"testing"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// TestPool checks the page pool: zeroed pages, heap pages first, chunk pages
// reused after release, and chunks unmapped once all their pages are free (one is
// kept as a spare).
func TestPool(t *testing.T) {
	var p pool
	defer p.close()
	var pages []*page
	for range heapPages + 3*chunkPages {
		pg := p.alloc()
		if *pg != (page{}) {
			t.Fatal("alloc returned a page that is not zero")
		}
		pg[0], pg[PageSize-1] = 1, 2
		pages = append(pages, pg)
	}
	if !chunksSupported {
		t.Skip("no chunks on this system")
	}
	if got := p.mapped(); got != 3*chunkSize {
		t.Fatalf("mapped %d bytes, want %d", got, 3*chunkSize)
	}
	// Release a page of a chunk: the next alloc reuses it, zeroed.
	reused := pages[heapPages+5]
	p.release(reused)
	if pg := p.alloc(); pg != reused || *pg != (page{}) {
		t.Fatalf("alloc after release: %p (zero %v), want %p zeroed", pg, *pg == (page{}), reused)
	}
	// Release everything: one chunk stays as the spare, the others are unmapped.
	p.release(pages...)
	if got := p.mapped(); got != chunkSize {
		t.Fatalf("after releasing every page: mapped %d bytes, want one spare chunk (%d)", got, chunkSize)
	}
	if p.heap != 0 {
		t.Fatalf("%d heap pages still counted", p.heap)
	}
	// The spare serves the next chunk allocation, zeroed.
	for range heapPages {
		p.alloc()
	}
	if pg := p.alloc(); *pg != (page{}) || p.mapped() != chunkSize {
		t.Fatalf("spare chunk: zero %v, mapped %d", *pg == (page{}), p.mapped())
	}
}

// TestLargeFileData writes a file large enough to use chunk pages, truncates it into
// the middle of a page, extends it and writes a second file into the freed pages:
// every byte reads back as written, holes and the cut tail as zeros.
func TestLargeFileData(t *testing.T) {
	f := New(nil)
	v := fs.NewVolume(f, nil)
	ctx := context.Background()
	const size = heapPages*PageSize + 2*chunkSize + 123
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>12)
	}
	write := func(name string, p []byte) {
		t.Helper()
		h, _, err := v.Create(ctx, name, fs.CreateRequest{Mode: attr.S_IFREG | 0o644, Access: fs.AccessRead | fs.AccessWrite})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctx)
		for off := 0; off < len(p); off += 1 << 20 {
			if _, err := h.Write(ctx, p[off:min(off+1<<20, len(p))], int64(off)); err != nil {
				t.Fatal(err)
			}
		}
	}
	read := func(name string, n int) []byte {
		t.Helper()
		h, err := v.Open(ctx, name, fs.AccessRead, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Release(ctx)
		buf := make([]byte, n)
		got, err := h.Read(ctx, buf, 0)
		if err != nil || got != n {
			t.Fatalf("read %s: %d bytes, %v", name, got, err)
		}
		return buf
	}
	write("/a", data)
	if !bytes.Equal(read("/a", size), data) {
		t.Fatal("/a reads back differently")
	}
	cut := int64(heapPages*PageSize + chunkSize/2 + 17)
	if _, err := v.SetAttributes(ctx, "/a", fs.Change{Valid: fs.ChangeSize, Size: cut}); err != nil {
		t.Fatal(err)
	}
	ext := int64(size)
	if _, err := v.SetAttributes(ctx, "/a", fs.Change{Valid: fs.ChangeSize, Size: ext}); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(data)
	clear(want[cut:])
	if !bytes.Equal(read("/a", size), want) {
		t.Fatal("/a after truncate and extend: the cut part does not read as zeros")
	}
	// A second file takes the freed chunk pages, which must come back zeroed.
	half := make([]byte, chunkSize)
	for i := range half {
		half[i] = 0xa5
	}
	write("/b", half)
	if !bytes.Equal(read("/b", len(half)), half) {
		t.Fatal("/b reads back differently")
	}
	sparse := []byte("tail")
	h, _, err := v.Create(ctx, "/c", fs.CreateRequest{Mode: attr.S_IFREG | 0o644, Access: fs.AccessRead | fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, sparse, 3*PageSize+100); err != nil {
		t.Fatal(err)
	}
	h.Release(ctx)
	got := read("/c", 3*PageSize+104)
	if !bytes.Equal(got[3*PageSize+100:], sparse) || bytes.Count(got[:3*PageSize+100], []byte{0}) != 3*PageSize+100 {
		t.Fatal("/c: a page reused from the pool is not zero around a small write")
	}
	if err := v.Remove(ctx, "/a", false); err != nil {
		t.Fatal(err)
	}
	if used, _ := f.Used(); used != int64(len(half))+PageSize {
		t.Fatalf("Used = %d after removing /a, want %d", used, len(half)+PageSize)
	}
}
