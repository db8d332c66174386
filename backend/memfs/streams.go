package memfs

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/anyfs/anyfs/fs"
)

var (
	_ fs.NamespaceOwner     = (*FS)(nil)
	_ fs.NamedStreamHandler = (*FS)(nil)
	_ fs.XattrNamespacer    = (*FS)(nil)
)

// Named streams and extended attributes (fs.NamedStreamHandler, fs.XattrNamespacer).

// OwnsNamespace reports that every change of a memfs goes through its volume: the
// kernel may cache its entries and attributes long (fs.NamespaceOwner). Serve one
// memfs through one volume: another volume would not hear of the first one's
// changes.
func (f *FS) OwnsNamespace() bool { return true }

// XattrNamespaces reports that memfs stores the trusted. and security. extended
// attributes besides the user. ones, as tmpfs does; the volume applies the rules of
// who may set and see them. It stores no POSIX ACLs (system.).
func (f *FS) XattrNamespaces() []string { return []string{fs.XattrTrusted, fs.XattrSecurity} }

// stream is a named stream or, with an Xattr name, an attribute of another
// namespace; the two are kept apart, so "user.trusted.a" is not "trusted.a".
type stream struct {
	name  string
	xattr bool
}

func streamOf(s, xattr string) stream {
	if xattr != "" {
		return stream{name: xattr, xattr: true}
	}
	return stream{name: s}
}

func (s stream) String() string {
	if s.xattr {
		return s.name
	}
	return "stream " + strconv.Quote(s.name)
}

// OnListNamedStreams lists a file's named streams and its attributes of the other
// namespaces, sorted.
func (f *FS) OnListNamedStreams(_ context.Context, e *fs.ListNamedStreamsEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	var names, xattrs []string
	n.mu.RLock()
	for k := range n.xattrs {
		if k.xattr {
			xattrs = append(xattrs, k.name)
		} else {
			names = append(names, k.name)
		}
	}
	n.mu.RUnlock()
	slices.Sort(names)
	slices.Sort(xattrs)
	e.Streams = append(e.Streams, names...)
	e.Xattrs = append(e.Xattrs, xattrs...)
	return nil
}

// OnGetNamedStream returns a copy of a named stream (fs.ErrNoAttribute when absent).
func (f *FS) OnGetNamedStream(_ context.Context, e *fs.GetNamedStreamEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	k := streamOf(e.Stream, e.Xattr)
	n.mu.RLock()
	defer n.mu.RUnlock()
	v, ok := n.xattrs[k]
	if !ok {
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrNoAttribute)
	}
	e.Data = append(make([]byte, 0, len(v)), v...)
	return nil
}

// OnSetNamedStream stores a copy of e.Data. Create fails with fs.ErrExist when the
// stream exists, Replace with fs.ErrNoAttribute when it does not.
func (f *FS) OnSetNamedStream(_ context.Context, e *fs.SetNamedStreamEvent) error {
	if e.Stream == "" && e.Xattr == "" {
		return fmt.Errorf("memfs: %s: empty stream name: %w", e.Name, fs.ErrInvalid)
	}
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	k := streamOf(e.Stream, e.Xattr)
	data := append(make([]byte, 0, len(e.Data)), e.Data...)
	n.mu.Lock()
	defer n.mu.Unlock()
	_, exists := n.xattrs[k]
	switch {
	case e.Create && exists:
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrExist)
	case e.Replace && !exists:
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrNoAttribute)
	}
	if n.xattrs == nil {
		n.xattrs = make(map[stream][]byte)
	}
	n.xattrs[k] = data
	n.ctime = now()
	return nil
}

// OnDeleteNamedStream removes a named stream (fs.ErrNoAttribute when absent).
func (f *FS) OnDeleteNamedStream(_ context.Context, e *fs.DeleteNamedStreamEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	k := streamOf(e.Stream, e.Xattr)
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.xattrs[k]; !ok {
		return fmt.Errorf("memfs: %s: %v: %w", e.Name, k, fs.ErrNoAttribute)
	}
	delete(n.xattrs, k)
	n.ctime = now()
	return nil
}
