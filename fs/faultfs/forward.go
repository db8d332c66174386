// The forwarding methods that differ from the generated ones of forward_gen.go
// (go generate ./fs/ writes one for every other event of package fs).

package faultfs

import (
	"context"

	"github.com/anyfs/anyfs/fs"
)

// OnCopyFileRange forwards to the backend unless a rule hits; rules match the
// destination.
func (f *FS) OnCopyFileRange(ctx context.Context, e *fs.CopyFileRangeEvent) error {
	if err := f.fault(ctx, "OnCopyFileRange", e.DestName); err != nil {
		return err
	}
	if b, ok := f.b.(fs.CopyFileRangeHandler); ok {
		return b.OnCopyFileRange(ctx, e)
	}
	return fs.ErrNotSupported
}

// XattrNamespaces reports the wrapped backend's namespaces (none when it is no
// fs.XattrNamespacer). It is not an event: no rule applies.
func (f *FS) XattrNamespaces() []string {
	if b, ok := f.b.(fs.XattrNamespacer); ok {
		return b.XattrNamespaces()
	}
	return nil
}

// ChecksOnHost reports what the wrapped backend reports (false when it is no
// fs.HostChecker). It is not an event: no rule applies.
func (f *FS) ChecksOnHost() bool {
	b, ok := f.b.(fs.HostChecker)
	return ok && b.ChecksOnHost()
}
