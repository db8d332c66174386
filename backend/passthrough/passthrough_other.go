//go:build !(linux || darwin || freebsd || windows)

package passthrough

import (
	"context"
	"fmt"

	"github.com/anyfs/anyfs/fs"
)

// FS is a backend mirroring a host directory; this host is not supported.
type FS struct{}

var _ fs.Interface = (*FS)(nil)

// New fails with ErrNotSupported: the passthrough backend supports Linux, macOS,
// FreeBSD and Windows.
func New(root string, opts *Options) (*FS, error) {
	return nil, fmt.Errorf("passthrough %s: %w on this OS", root, fs.ErrNotSupported)
}

// Root returns "".
func (p *FS) Root() string { return "" }

// Close does nothing.
func (p *FS) Close() error { return nil }

func (p *FS) OnGetFileInfo(context.Context, *fs.GetFileInfoEvent) error { return fs.ErrNotSupported }
func (p *FS) OnEnumerateDirectory(context.Context, *fs.EnumerateDirectoryEvent) error {
	return fs.ErrNotSupported
}
func (p *FS) OnCloseDirectoryEnumeration(context.Context, *fs.CloseDirectoryEnumerationEvent) error {
	return nil
}
func (p *FS) OnOpenFile(context.Context, *fs.OpenFileEvent) error   { return fs.ErrNotSupported }
func (p *FS) OnReadFile(context.Context, *fs.ReadFileEvent) error   { return fs.ErrNotSupported }
func (p *FS) OnCloseFile(context.Context, *fs.CloseFileEvent) error { return nil }
