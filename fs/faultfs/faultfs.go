// Package faultfs wraps a backend and injects errors, delays, hangs and panics into
// chosen events, to test how the volume, the adapters and the programs above them
// cope with a misbehaving backend.
//
// The wrapper implements every optional event interface of package fs and forwards
// each call to the wrapped backend. It is an fs.Unwrapper, so the volume offers only
// the events the wrapped backend has: wrapping changes no capability.
package faultfs

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/anyfs/anyfs/fs"
)

// Rule is one injected fault. It applies to calls of Event (such as "OnReadFile";
// empty means every event) on names with the prefix Name (empty means every name).
type Rule struct {
	Event string
	Name  string
	// Delay is slept before the call (and before Err or Panic), honouring ctx.
	Delay time.Duration
	// Hang blocks the call until ctx is done or Release is called.
	Hang bool
	// Err, when set, is returned instead of calling the backend.
	Err error
	// Panic, when non-nil, is what the call panics with.
	Panic any
	// Count limits how many calls the rule hits; zero means no limit.
	Count int
}

// FS is a fault-injecting wrapper around a backend.
type FS struct {
	b fs.Interface

	mu      sync.Mutex // protects the following
	rules   []*Rule
	hits    map[string]int
	release chan struct{}
}

// New wraps b.
func New(b fs.Interface) *FS {
	return &FS{b: b, hits: map[string]int{}, release: make(chan struct{})}
}

// Unwrap returns the wrapped backend.
func (f *FS) Unwrap() fs.Interface { return f.b }

// Inject adds a rule; later rules are checked first.
func (f *FS) Inject(r Rule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rr := r
	f.rules = append([]*Rule{&rr}, f.rules...)
}

// Clear removes every rule and releases hung calls.
func (f *FS) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	close(f.release)
	f.release = make(chan struct{})
}

// Release lets every hung call go on (to the backend).
func (f *FS) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.release)
	f.release = make(chan struct{})
}

// Hits returns how many calls rules hit for event.
func (f *FS) Hits(event string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[event]
}

// fault applies the first matching rule; a nil result means "call the backend".
func (f *FS) fault(ctx context.Context, event, name string) error {
	f.mu.Lock()
	var hit *Rule
	for _, r := range f.rules {
		if (r.Event == "" || r.Event == event) && strings.HasPrefix(name, r.Name) {
			if r.Count < 0 {
				continue
			}
			hit = r
			if r.Count > 0 {
				r.Count--
				if r.Count == 0 {
					r.Count = -1 // spent
				}
			}
			break
		}
	}
	var release chan struct{}
	if hit != nil {
		f.hits[event]++
		release = f.release
	}
	f.mu.Unlock()
	if hit == nil {
		return nil
	}
	if hit.Delay > 0 {
		t := time.NewTimer(hit.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if hit.Hang {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if hit.Panic != nil {
		panic(hit.Panic)
	}
	return hit.Err
}
