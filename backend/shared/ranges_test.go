package shared

import "testing"

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
