package fs

import (
	"context"
	"fmt"
	"strings"
)

// Extended attributes are the FUSE face of named streams. On Linux only the "user."
// namespace maps to streams (the stream name is the rest); the other namespaces
// (security., system., trusted.) answer ErrNotSupported, as they do on filesystems
// without them. On other systems xattr names are stream names as they are.

func (v *Volume) streamName(op, name, xattr string) (string, error) {
	if v.streams == nil {
		return "", fmt.Errorf("%s %s %s: %w", op, name, xattr, ErrNotSupported)
	}
	if xattrPrefix == "" {
		return xattr, nil
	}
	s, ok := strings.CutPrefix(xattr, xattrPrefix)
	if !ok {
		return "", fmt.Errorf("%s %s %s: %w", op, name, xattr, ErrNotSupported)
	}
	if s == "" {
		return "", fmt.Errorf("%s %s %s: %w", op, name, xattr, ErrInvalid)
	}
	return s, nil
}

// GetXattr returns the extended attribute xattr of the file at name.
func (v *Volume) GetXattr(ctx context.Context, name, xattr string) (data []byte, err error) {
	s, err := v.streamName("getxattr", name, xattr)
	if err != nil {
		return nil, err
	}
	if err := v.checkAccess(ctx, "getxattr", name, AccessRead); err != nil {
		return nil, err
	}
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	e := GetNamedStreamEvent{Name: name, FileContext: openCtx(f), Stream: s}
	c := v.begin(evGetNamedStream, name, nil)
	defer v.end(ctx, &c, &err)
	err = v.streams.OnGetNamedStream(ctx, &e)
	return e.Data, err
}

// XattrFlags are setxattr's flags.
type XattrFlags uint8

// Setxattr flags.
const (
	XattrCreate  XattrFlags = 1 << iota // fail if it exists
	XattrReplace                        // fail if it does not exist
)

// SetXattr sets the extended attribute xattr of the file at name.
func (v *Volume) SetXattr(ctx context.Context, name, xattr string, data []byte, flags XattrFlags) (err error) {
	s, err := v.streamName("setxattr", name, xattr)
	if err != nil {
		return err
	}
	if v.opts.ReadOnly {
		return fmt.Errorf("setxattr %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "setxattr", name, AccessWrite); err != nil {
		return err
	}
	defer v.invalidate(name, false)
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	e := SetNamedStreamEvent{Name: name, FileContext: openCtx(f), Stream: s, Data: data,
		Create: flags&XattrCreate != 0, Replace: flags&XattrReplace != 0}
	c := v.begin(evSetNamedStream, name, nil)
	defer v.end(ctx, &c, &err)
	return v.streams.OnSetNamedStream(ctx, &e)
}

// ListXattr returns the names of the extended attributes of the file at name.
func (v *Volume) ListXattr(ctx context.Context, name string) (names []string, err error) {
	if v.streams == nil {
		return nil, nil
	}
	if err := v.checkAccess(ctx, "listxattr", name, AccessRead); err != nil {
		return nil, err
	}
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	e := ListNamedStreamsEvent{Name: name, FileContext: openCtx(f)}
	err = func() (err error) {
		c := v.begin(evListNamedStreams, name, nil)
		defer v.end(ctx, &c, &err)
		return v.streams.OnListNamedStreams(ctx, &e)
	}()
	if err != nil {
		return nil, err
	}
	names = make([]string, len(e.Streams))
	for i, s := range e.Streams {
		names[i] = xattrPrefix + s
	}
	return names, nil
}

// RemoveXattr removes the extended attribute xattr of the file at name.
func (v *Volume) RemoveXattr(ctx context.Context, name, xattr string) (err error) {
	s, err := v.streamName("removexattr", name, xattr)
	if err != nil {
		return err
	}
	if v.opts.ReadOnly {
		return fmt.Errorf("removexattr %s: %w", name, ErrReadOnly)
	}
	if err := v.checkAccess(ctx, "removexattr", name, AccessWrite); err != nil {
		return err
	}
	defer v.invalidate(name, false)
	f := v.borrow(name)
	defer v.unborrow(ctx, f)
	e := DeleteNamedStreamEvent{Name: name, FileContext: openCtx(f), Stream: s}
	c := v.begin(evDeleteNamedStream, name, nil)
	defer v.end(ctx, &c, &err)
	return v.streams.OnDeleteNamedStream(ctx, &e)
}
