package mountopt

import (
	"sync/atomic"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// LatencySample is how often a request's latency is measured: one request in
// LatencySample of each opcode (the first, then every LatencySample-th). Reading
// the clock twice costs more than the rest of the counting (about 150 ns on a
// virtual machine's clock), so timing every request would cost the read and
// write hot path several percent; a sample keeps the histograms' shape and
// mean at a fraction of that.
const LatencySample = 64

// RequestCounts counts a mount's requests by opcode (Options.CountRequests):
// every request and every failed one, and the latency of a sample of them
// (LatencySample). Its methods are safe for concurrent use and do not
// allocate; the adapters' generated request wrappers call Start and Done.
type RequestCounts struct {
	names []string
	ops   []requestCount
}

// requestCount is one opcode's counters, padded so that two opcodes served at
// once do not share a cache line for their call counters.
type requestCount struct {
	calls, errors, timed, nanos atomic.Uint64
	buckets                     [fs.LatencyBuckets]atomic.Uint64
	_                           [64 - (4+fs.LatencyBuckets)*8%64]byte
}

// NewRequestCounts returns counters for the opcodes named by names, which the
// adapters index by their opcode numbers.
func NewRequestCounts(names []string) *RequestCounts {
	return &RequestCounts{names: names, ops: make([]requestCount, len(names))}
}

// Start counts the start of a request of opcode op. It returns the time to
// hand to Done: the current time for a request whose latency is sampled, the
// zero time for the others.
func (c *RequestCounts) Start(op int) time.Time {
	if c.ops[op].calls.Add(1)%LatencySample != 1 {
		return time.Time{}
	}
	return time.Now()
}

// Done counts the end of a request of op that Start counted at start, and
// whether it failed.
func (c *RequestCounts) Done(op int, start time.Time, failed bool) {
	s := &c.ops[op]
	if failed {
		s.errors.Add(1)
	}
	if !start.IsZero() {
		d := time.Since(start)
		s.timed.Add(1)
		s.nanos.Add(uint64(d))
		s.buckets[fs.LatencyBucket(d)].Add(1)
	}
}

// Stats returns the counts of every opcode, in the order of the names given
// to NewRequestCounts.
func (c *RequestCounts) Stats() []RequestStats {
	out := make([]RequestStats, len(c.ops))
	for op := range c.ops {
		s := &c.ops[op]
		rs := &out[op]
		*rs = RequestStats{Op: c.names[op], Calls: s.calls.Load(), Errors: s.errors.Load(),
			Timed: s.timed.Load(), Total: time.Duration(s.nanos.Load())}
		for i := range rs.Buckets {
			rs.Buckets[i] = s.buckets[i].Load()
		}
	}
	return out
}
