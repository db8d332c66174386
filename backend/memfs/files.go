package memfs

import (
	"context"
	"fmt"

	"github.com/anyfs/anyfs/fs"
	"github.com/anyfs/anyfs/pkg/attr"
)

// The events of files as such: information, open and close (fs.Interface), changes
// of attributes (fs.SetFileAttributesHandler), cleanup and flush.

// memfs implements every event of package fs; each file asserts the interfaces
// of the events it holds.
var (
	_ fs.Interface                = (*FS)(nil)
	_ fs.SetFileAttributesHandler = (*FS)(nil)
	_ fs.CleanupFileHandler       = (*FS)(nil)
	_ fs.FlushFileHandler         = (*FS)(nil)
)

// OnGetFileInfo reports the file at e.Name, or the open file e.FileContext (which
// works after the file was unlinked).
func (f *FS) OnGetFileInfo(_ context.Context, e *fs.GetFileInfoEvent) error {
	n, ok := e.FileContext.(*node)
	if ok && n != nil && !n.isDir() {
		// An open file: no need for the tree lock (only directories' sizes use it).
		n.info(&e.Info)
	} else {
		f.mu.RLock()
		if !ok || n == nil {
			var err error
			if n, err = f.walk(e.Name); err != nil {
				f.mu.RUnlock()
				return err
			}
		}
		n.info(&e.Info)
		f.mu.RUnlock()
	}
	_, e.Info.Name = fs.Split(e.Name)
	return nil
}

// OnOpenFile opens an existing file: the FileContext is its node.
func (f *FS) OnOpenFile(_ context.Context, e *fs.OpenFileEvent) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.walk(e.Name)
	if err != nil {
		return err
	}
	if ctxNode, ok := e.FileContext.(*node); ok && ctxNode != nil {
		n = ctxNode
	}
	if e.Flags&fs.OpenDirectory != 0 && !n.isDir() {
		return fmt.Errorf("memfs: opendir %s: %w", e.Name, fs.ErrNotDir)
	}
	if n.isDir() && (e.Access&fs.AccessWrite != 0 || e.Flags&fs.OpenTruncate != 0) {
		return fmt.Errorf("memfs: open %s for writing: %w", e.Name, fs.ErrIsDir)
	}
	n.mu.Lock()
	n.opens++
	n.infoLocked(&e.Info)
	n.mu.Unlock()
	e.FileContext, e.InfoValid = n, true
	return nil
}

// OnCloseFile releases an open file; an unlinked file's data goes with its last
// close.
func (f *FS) OnCloseFile(_ context.Context, e *fs.CloseFileEvent) error {
	n, ok := e.FileContext.(*node)
	if !ok || n == nil {
		return nil
	}
	n.mu.Lock()
	n.opens--
	dead := n.opens <= 0 && n.nlink == 0
	n.mu.Unlock()
	if dead {
		f.free(n)
	}
	return nil
}

// OnSetFileAttributes changes Windows attributes (0: no change; attr.Normal alone:
// clear all), times (zero: keep), mode and owner. Any change sets ctime, unless a
// ChangeTime is given.
func (f *FS) OnSetFileAttributes(_ context.Context, e *fs.SetFileAttributesEvent) error {
	n, err := f.lookup(e.Name, e.FileContext)
	if err != nil {
		return err
	}
	t := now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if e.Attributes != 0 {
		n.attrs = attr.ApplySetFileAttributes(n.attrs, e.Attributes) &^ attr.Normal
	}
	if e.SetMode {
		n.perm = e.Mode.Perm()
	}
	if e.SetUid {
		n.uid = e.Uid
	}
	if e.SetGid {
		n.gid = e.Gid
	}
	if !attr.TimeUnset(e.CreationTime) {
		n.btime = e.CreationTime
	}
	if !attr.TimeUnset(e.LastAccessTime) {
		n.atime = e.LastAccessTime
	}
	if !attr.TimeUnset(e.LastWriteTime) {
		n.mtime = e.LastWriteTime
	}
	if !attr.TimeUnset(e.ChangeTime) {
		n.ctime = e.ChangeTime
	} else {
		n.ctime = t
	}
	return nil
}

// OnCleanupFile does nothing: memfs has nothing to write back.
func (f *FS) OnCleanupFile(context.Context, *fs.CleanupFileEvent) error { return nil }

// OnFlushFile does nothing: memory is as durable as memfs gets.
func (f *FS) OnFlushFile(context.Context, *fs.FlushFileEvent) error { return nil }
