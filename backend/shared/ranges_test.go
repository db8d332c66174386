package shared

import (
	"bytes"
	"context"
	"testing"

	"github.com/anyfs/anyfs/fs"
)

// TestSeek: data and holes of a chunk map, as lseek SEEK_DATA and SEEK_HOLE
// report them.
func TestSeek(t *testing.T) {
	const cs = 100
	// Chunk 0 holds 10 bytes, chunk 1 all 100, chunk 3 holds 5, chunk 4 none.
	chunks := map[int64]chunkRef{0: {len: 10}, 1: {len: 100}, 3: {len: 5}, 4: {len: 0}}
	const size = 450
	for _, c := range []struct {
		pos  int64
		hole bool
		want int64
		ok   bool
	}{
		{0, false, 0, true},
		{5, false, 5, true},
		{10, false, 100, true},
		{150, false, 150, true},
		{200, false, 300, true},
		{305, false, 0, false},
		{0, true, 10, true},
		{10, true, 10, true},
		{100, true, 200, true},
		{302, true, 305, true},
		{400, true, 400, true},
	} {
		got, ok := seek(chunks, cs, c.pos, size, c.hole)
		if got != c.want || ok != c.ok {
			t.Errorf("seek(%d, hole %v) = %d, %v; want %d, %v", c.pos, c.hole, got, ok, c.want, c.ok)
		}
	}
}

// TestPunchThenWrite: bytes a punched hole cut from a chunk's buffer read as
// zeros when a later write grows the buffer past them again, before and after
// the write-out.
func TestPunchThenWrite(t *testing.T) {
	v := fs.NewVolume(mountFS(t, newVolume(t), nil), nil)
	ctx := context.Background()
	h, _, err := v.Create(ctx, "/f", fs.CreateRequest{Mode: 0o644, Access: fs.AccessRead | fs.AccessWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release(ctx)
	if _, err := h.Write(ctx, bytes.Repeat([]byte("x"), 8192), 0); err != nil {
		t.Fatal(err)
	}
	// The hole reaches the end of what the chunk holds: the buffer is cut to 4096.
	if err := h.Allocate(ctx, 4096, 4096, fs.AllocatePunchHole|fs.AllocateKeepSize); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Write(ctx, []byte("y"), 8000); err != nil {
		t.Fatal(err)
	}
	want := append(bytes.Repeat([]byte("x"), 4096), make([]byte, 8192-4096)...)
	want[8000] = 'y'
	for _, when := range []string{"buffered", "written out"} {
		if when == "written out" {
			if err := h.Sync(ctx, false); err != nil {
				t.Fatal(err)
			}
		}
		got := make([]byte, 8192)
		if n, err := h.Read(ctx, got, 0); err != nil || n != len(got) {
			t.Fatalf("%s: read %d bytes, %v", when, n, err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for got[i] == want[i] {
				i++
			}
			t.Fatalf("%s: byte %d is %q, want %q", when, i, got[i], want[i])
		}
	}
}
