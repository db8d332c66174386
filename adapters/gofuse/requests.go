//go:build linux || darwin

package gofuse

import (
	"sync/atomic"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/anyfs/anyfs/adapters/mountopt"
	"github.com/anyfs/anyfs/fs"
)

// requestCounts are the counters of countingFS, one set per opcode.
type requestCounts [opCount]struct {
	calls, errors, nanos atomic.Uint64
	buckets              [fs.LatencyBuckets]atomic.Uint64
}

// done counts a request of op that started at t and ended with st.
func (c *requestCounts) done(op int, t time.Time, st fuse.Status) {
	d := time.Since(t)
	s := &c[op]
	s.calls.Add(1)
	s.nanos.Add(uint64(d))
	s.buckets[fs.LatencyBucket(d)].Add(1)
	if st != fuse.OK {
		s.errors.Add(1)
	}
}

// RequestStats returns the kernel's requests by opcode; empty unless the
// mount counts them (mountopt.Options.CountRequests).
func (s *server) RequestStats() []mountopt.RequestStats {
	if s.counts == nil {
		return nil
	}
	out := make([]mountopt.RequestStats, 0, opCount)
	for op := range s.counts {
		c := &s.counts[op]
		rs := mountopt.RequestStats{Op: opNames[op], Calls: c.calls.Load(), Errors: c.errors.Load(),
			Total: time.Duration(c.nanos.Load())}
		for i := range rs.Buckets {
			rs.Buckets[i] = c.buckets[i].Load()
		}
		out = append(out, rs)
	}
	return out
}
