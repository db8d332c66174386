package fs

// The event kinds, their names and the forwarders of fstest and faultfs follow
// interfaces.go:
//go:generate go run ./internal/eventgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/bits"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// EventStats counts one event's calls since the volume was made.
type EventStats struct {
	Event  string        // the handler's name, such as "OnReadFile"
	Calls  uint64        // how many times it was called
	Errors uint64        // how many calls returned an error (or panicked)
	Total  time.Duration // the time spent in the handler, summed
	// Buckets count the calls by how long they took: Buckets[i] those that
	// took less than LatencyBound(i) and at least LatencyBound(i-1).
	Buckets [LatencyBuckets]uint64
	// Bytes is the data the calls moved: read by OnReadFile (not counting
	// reads answered with a host descriptor to splice), written by OnWriteFile.
	Bytes uint64
}

// LatencyBuckets is the number of latency buckets of EventStats: bounds from
// about 1µs growing by 4 to about 17s, and a last one without bound.
const LatencyBuckets = 14

// LatencyBound is the upper bound of latency bucket i (2^(10+2i) ns); the
// last bucket has none (the largest time.Duration).
func LatencyBound(i int) time.Duration {
	if i >= LatencyBuckets-1 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(1) << (10 + 2*i)
}

// LatencyBucket is the latency bucket of a call that took d.
func LatencyBucket(d time.Duration) int {
	l := bits.Len64(uint64(d))
	if l <= 10 {
		return 0
	}
	return min((l-9)/2, LatencyBuckets-1)
}

type eventCounter struct {
	calls, errors, nanos, bytes atomic.Uint64
	buckets                     [LatencyBuckets]atomic.Uint64
}

// PanicError is the error a request fails with when its handler panicked. It maps to
// EIO.
type PanicError struct {
	Event string // the handler, such as "OnReadFile"
	Name  string // the file
	Value any    // what the handler panicked with
	Stack []byte // the goroutine's stack at the panic
}

func (p *PanicError) Error() string {
	return fmt.Sprintf("%s %s: backend panicked: %v", p.Event, p.Name, p.Value)
}

// Is makes a PanicError match ErrIO.
func (p *PanicError) Is(target error) bool { return target == ErrIO }

// eventPtr is a pointer to an event struct, which knows its kind (events_gen.go).
type eventPtr[E any] interface {
	*E
	kind() event
}

// fire calls the handler h with the event e about the file name (f: its open file,
// nil when it is not open or the call is by path). It runs h under the volume's
// serialization, recovers a panic of h into a PanicError, counts the call, traces
// it, and reports an error that maps to no code. Every event but OnError is fired
// through it.
func fire[E any, P eventPtr[E]](ctx context.Context, v *Volume, name string, f *openFile, h func(context.Context, P) error, e P) (err error) {
	c := v.begin(e.kind(), name, f)
	defer v.end(ctx, &c, &err)
	return h(ctx, e)
}

// call is the state of one backend call between begin and end.
type call struct {
	ev    event
	name  string
	start time.Time
	lock  *sync.Mutex
}

// begin starts a backend call for fire: serialization and the clock.
func (v *Volume) begin(ev event, name string, f *openFile) call {
	c := call{ev: ev, name: name}
	switch v.opts.Serialize {
	case SerializeAll:
		c.lock = &v.serial
	case SerializePerFile:
		if f != nil {
			c.lock = &f.serial
		}
	}
	if c.lock != nil {
		c.lock.Lock()
	}
	c.start = time.Now()
	return c
}

// end finishes a backend call for fire: it recovers a panic into a PanicError,
// counts, traces, and reports errors that map to no code. It must be called
// directly by defer.
func (v *Volume) end(ctx context.Context, c *call, errp *error) {
	if r := recover(); r != nil {
		pe := &PanicError{Event: c.ev.String(), Name: c.name, Value: r, Stack: debug.Stack()}
		v.log.Error("anyfs: backend panicked", "event", pe.Event, "name", c.name, "panic", fmt.Sprint(r), "stack", string(pe.Stack))
		*errp = pe
		v.reportError(ctx, c.ev.String(), c.name, pe)
	}
	d := time.Since(c.start)
	if c.lock != nil {
		c.lock.Unlock()
	}
	s := &v.stats[c.ev]
	s.calls.Add(1)
	s.nanos.Add(uint64(d))
	s.buckets[LatencyBucket(d)].Add(1)
	err := *errp
	if err != nil {
		s.errors.Add(1)
		var pe *PanicError
		errno, ok := ErrnoOf(err)
		if errno == ESTALE {
			v.stale(c.name)
		}
		if !ok && !errors.As(err, &pe) {
			v.log.Error("anyfs: unmapped backend error, reported as EIO", "event", c.ev.String(), "name", c.name, "err", err)
			v.reportError(ctx, c.ev.String(), c.name, err)
		}
	}
	if v.opts.Trace {
		v.log.LogAttrs(ctx, slog.LevelDebug, "anyfs event", slog.String("event", c.ev.String()),
			slog.String("name", c.name), slog.Duration("took", d), slog.Any("err", err))
	}
}

// reportError fires the backend's Error event, shielded from its panics.
func (v *Volume) reportError(ctx context.Context, op, name string, err error) {
	if v.errorer == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			v.log.Error("anyfs: OnError panicked", "panic", fmt.Sprint(r))
		}
	}()
	v.errorer.OnError(ctx, &ErrorEvent{Op: op, Name: name, Err: err})
}

// Stats returns the counters of every event, in a fixed order (zero for events the
// backend lacks).
func (v *Volume) Stats() []EventStats {
	out := make([]EventStats, 0, evCount)
	for ev := event(0); ev < evCount; ev++ {
		s := &v.stats[ev]
		es := EventStats{Event: ev.String(), Calls: s.calls.Load(),
			Errors: s.errors.Load(), Total: time.Duration(s.nanos.Load()), Bytes: s.bytes.Load()}
		for i := range es.Buckets {
			es.Buckets[i] = s.buckets[i].Load()
		}
		out = append(out, es)
	}
	return out
}
