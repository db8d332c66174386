package fs

import "context"

// Caller identifies the process that originated a request (the CBFS "originator").
type Caller struct {
	Pid uint32 // process id; 0 when the kernel did not say (for example writeback)
	Uid uint32 // user id
	Gid uint32 // group id
	// Kernel: the request came from the kernel through a mount (adapters set it),
	// whose caches already reflect its effect.
	Kernel bool
}

type callerKey struct{}

// WithCaller returns a context carrying c. Adapters call it for every request.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFromContext returns the originator of the request that ctx belongs to. The
// second result is false when the event was not caused by a request (for example the
// CloseFile events the volume fires on unmount).
func CallerFromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
