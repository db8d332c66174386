// Package reqtest checks what counting the kernel's requests
// (mountopt.Options.CountRequests) costs an adapter's reads and writes: the
// allocations it adds (none) and the time, as paired benchmarks.
package reqtest

import "testing"

// File is a file open through an adapter's request interface, without a
// mount, its requests counted or not.
type File interface {
	// Read and Write move one block at off (modulo the file's size) and fail
	// t if the request fails or moves less.
	Read(t testing.TB, off int64)
	Write(t testing.TB, off int64)
	// BlockSize is the size of the block.
	BlockSize() int
}

// Open opens a File, its requests counted or not.
type Open func(t testing.TB, counted bool) File

// NoAddedAllocs fails t unless a read and a write allocate as often counted as
// not.
func NoAddedAllocs(t *testing.T, open Open) {
	t.Helper()
	var allocs [2]float64
	for i, counted := range []bool{false, true} {
		f := open(t, counted)
		off := int64(0)
		allocs[i] = testing.AllocsPerRun(1000, func() {
			f.Read(t, off)
			f.Write(t, off)
			off += int64(f.BlockSize())
		})
	}
	if allocs[1] != allocs[0] {
		t.Errorf("a read and a write allocate %v times counted, %v times not", allocs[1], allocs[0])
	}
}

// Bench runs read/metrics=off, read/metrics=on, write/metrics=off and
// write/metrics=on: the requests of one block, not counted and counted (as
// with --metrics). Compare them with benchstat -col /metrics.
func Bench(b *testing.B, open Open) {
	for _, op := range []string{"read", "write"} {
		for _, metrics := range []string{"off", "on"} {
			b.Run(op+"/metrics="+metrics, func(b *testing.B) {
				f := open(b, metrics == "on")
				do := f.Read
				if op == "write" {
					do = f.Write
				}
				b.SetBytes(int64(f.BlockSize()))
				b.ReportAllocs()
				off := int64(0)
				for b.Loop() {
					do(b, off)
					off += int64(f.BlockSize())
				}
			})
		}
	}
}
