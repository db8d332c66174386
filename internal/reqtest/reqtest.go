// Package reqtest checks what counting the kernel's requests
// (mountopt.Options.CountRequests) costs an adapter's reads and writes: the
// allocations it adds (none) and the time, as paired benchmarks.
package reqtest

import (
	"slices"
	"testing"
	"time"
)

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

// pairBatch is how many requests a batch of BenchPaired sends.
const pairBatch = 128

// BenchPaired runs read and write: each iteration sends a batch of requests
// to a counted file and one to a file not counted, in turn (the order
// alternating), and times both. It reports the median of the batches'
// ratios, counted to not counted, as on/off, and the mean time of a request
// of each kind as ns/op-off and ns/op-on. Pairing each counted batch with a
// batch next to it keeps the ratio true on a busy machine, where the speed
// changes from one moment to the next: a pause of the machine spoils a pair,
// which the median leaves out.
func BenchPaired(b *testing.B, open Open) {
	for _, op := range []string{"read", "write"} {
		b.Run(op, func(b *testing.B) {
			off, on := open(b, false), open(b, true)
			batch := func(f File, at int64) time.Duration {
				start := time.Now()
				for i := range int64(pairBatch) {
					if op == "read" {
						f.Read(b, at+i*int64(f.BlockSize()))
					} else {
						f.Write(b, at+i*int64(f.BlockSize()))
					}
				}
				return time.Since(start)
			}
			var ratios []float64
			var sum [2]time.Duration
			at := int64(0)
			for i := 0; b.Loop(); i++ {
				var dOff, dOn time.Duration
				if i%2 == 0 {
					dOff, dOn = batch(off, at), batch(on, at)
				} else {
					dOn, dOff = batch(on, at), batch(off, at)
				}
				at += pairBatch * int64(off.BlockSize())
				sum[0] += dOff
				sum[1] += dOn
				ratios = append(ratios, float64(dOn)/float64(dOff))
			}
			slices.Sort(ratios)
			n := float64(len(ratios) * pairBatch)
			b.ReportMetric(ratios[len(ratios)/2], "on/off")
			b.ReportMetric(float64(sum[0].Nanoseconds())/n, "ns/op-off")
			b.ReportMetric(float64(sum[1].Nanoseconds())/n, "ns/op-on")
		})
	}
}
