package mountopt

import (
	"testing"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// TestRequestCounts counts requests of two opcodes and checks every count:
// all calls, the failed ones, and one timed request in LatencySample.
func TestRequestCounts(t *testing.T) {
	for _, tc := range []struct {
		name          string
		calls, failed int
		wantTimed     uint64
	}{
		{"none", 0, 0, 0},
		{"one", 1, 0, 1},
		{"one failed", 1, 1, 1},
		{"a sample", LatencySample, 3, 1},
		{"two samples", LatencySample + 1, 0, 2},
		{"many", 5*LatencySample + 7, 40, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewRequestCounts([]string{"READ", "WRITE"})
			for i := range tc.calls {
				start := c.Start(1)
				c.Done(1, start, i < tc.failed)
			}
			got := c.Stats()
			if len(got) != 2 || got[0].Op != "READ" || got[1].Op != "WRITE" {
				t.Fatalf("Stats() = %+v, want READ and WRITE", got)
			}
			if got[0] != (RequestStats{Op: "READ"}) {
				t.Errorf("READ = %+v, want nothing counted", got[0])
			}
			w := got[1]
			if w.Calls != uint64(tc.calls) || w.Errors != uint64(tc.failed) || w.Timed != tc.wantTimed {
				t.Errorf("WRITE calls %d, errors %d, timed %d; want %d, %d, %d",
					w.Calls, w.Errors, w.Timed, tc.calls, tc.failed, tc.wantTimed)
			}
			var inBuckets uint64
			for _, n := range w.Buckets {
				inBuckets += n
			}
			if inBuckets != w.Timed {
				t.Errorf("the buckets hold %d requests, timed %d", inBuckets, w.Timed)
			}
		})
	}
}

// TestRequestCountsLatency checks that a timed request lands in the bucket of
// how long it took.
func TestRequestCountsLatency(t *testing.T) {
	c := NewRequestCounts([]string{"FSYNC"})
	start := c.Start(0)
	if start.IsZero() {
		t.Fatal("the first request is not timed")
	}
	c.Done(0, start.Add(-20*time.Millisecond), false)
	s := c.Stats()[0]
	if s.Total < 20*time.Millisecond {
		t.Fatalf("Total = %v, want at least 20ms", s.Total)
	}
	if b := fs.LatencyBucket(s.Total); s.Buckets[b] != 1 {
		t.Errorf("buckets %v, want the request in bucket %d", s.Buckets, b)
	}
}

// TestRequestCountsAllocs: counting a request, timed or not, allocates nothing.
func TestRequestCountsAllocs(t *testing.T) {
	c := NewRequestCounts([]string{"READ"})
	allocs := testing.AllocsPerRun(2*LatencySample, func() {
		start := c.Start(0)
		c.Done(0, start, false)
	})
	if allocs != 0 {
		t.Errorf("Start and Done allocate %v times a request, want 0", allocs)
	}
	if got := c.Stats()[0].Timed; got < 2 {
		t.Errorf("%d requests timed, want the sampled ones (at least 2)", got)
	}
}
