// Forwarding methods: one per event of package fs (TestForwardsEveryEvent checks).

package faultfs

import (
	"context"

	"github.com/anyfs/anyfs/fs"
)

// OnGetFileInfo forwards to the backend unless a rule hits.
func (f *FS) OnGetFileInfo(ctx context.Context, e *fs.GetFileInfoEvent) error {
	if err := f.fault(ctx, "OnGetFileInfo", e.Name); err != nil {
		return err
	}
	return f.b.OnGetFileInfo(ctx, e)
}

// OnEnumerateDirectory forwards to the backend unless a rule hits.
func (f *FS) OnEnumerateDirectory(ctx context.Context, e *fs.EnumerateDirectoryEvent) error {
	if err := f.fault(ctx, "OnEnumerateDirectory", e.Name); err != nil {
		return err
	}
	return f.b.OnEnumerateDirectory(ctx, e)
}

// OnCloseDirectoryEnumeration forwards to the backend unless a rule hits.
func (f *FS) OnCloseDirectoryEnumeration(ctx context.Context, e *fs.CloseDirectoryEnumerationEvent) error {
	if err := f.fault(ctx, "OnCloseDirectoryEnumeration", e.Name); err != nil {
		return err
	}
	return f.b.OnCloseDirectoryEnumeration(ctx, e)
}

// OnOpenFile forwards to the backend unless a rule hits.
func (f *FS) OnOpenFile(ctx context.Context, e *fs.OpenFileEvent) error {
	if err := f.fault(ctx, "OnOpenFile", e.Name); err != nil {
		return err
	}
	return f.b.OnOpenFile(ctx, e)
}

// OnReadFile forwards to the backend unless a rule hits.
func (f *FS) OnReadFile(ctx context.Context, e *fs.ReadFileEvent) error {
	if err := f.fault(ctx, "OnReadFile", e.Name); err != nil {
		return err
	}
	return f.b.OnReadFile(ctx, e)
}

// OnCloseFile forwards to the backend unless a rule hits.
func (f *FS) OnCloseFile(ctx context.Context, e *fs.CloseFileEvent) error {
	if err := f.fault(ctx, "OnCloseFile", e.Name); err != nil {
		return err
	}
	return f.b.OnCloseFile(ctx, e)
}

// OnCreateFile forwards to the backend unless a rule hits.
func (f *FS) OnCreateFile(ctx context.Context, e *fs.CreateFileEvent) error {
	if err := f.fault(ctx, "OnCreateFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.CreateFileHandler); ok {
		return b.OnCreateFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnWriteFile forwards to the backend unless a rule hits.
func (f *FS) OnWriteFile(ctx context.Context, e *fs.WriteFileEvent) error {
	if err := f.fault(ctx, "OnWriteFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.WriteFileHandler); ok {
		return b.OnWriteFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnSetFileSize forwards to the backend unless a rule hits.
func (f *FS) OnSetFileSize(ctx context.Context, e *fs.SetFileSizeEvent) error {
	if err := f.fault(ctx, "OnSetFileSize", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.WriteFileHandler); ok {
		return b.OnSetFileSize(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnSetAllocationSize forwards to the backend unless a rule hits.
func (f *FS) OnSetAllocationSize(ctx context.Context, e *fs.SetAllocationSizeEvent) error {
	if err := f.fault(ctx, "OnSetAllocationSize", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.SetAllocationSizeHandler); ok {
		return b.OnSetAllocationSize(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnCleanupFile forwards to the backend unless a rule hits.
func (f *FS) OnCleanupFile(ctx context.Context, e *fs.CleanupFileEvent) error {
	if err := f.fault(ctx, "OnCleanupFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.CleanupFileHandler); ok {
		return b.OnCleanupFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnFlushFile forwards to the backend unless a rule hits.
func (f *FS) OnFlushFile(ctx context.Context, e *fs.FlushFileEvent) error {
	if err := f.fault(ctx, "OnFlushFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.FlushFileHandler); ok {
		return b.OnFlushFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnSetFileAttributes forwards to the backend unless a rule hits.
func (f *FS) OnSetFileAttributes(ctx context.Context, e *fs.SetFileAttributesEvent) error {
	if err := f.fault(ctx, "OnSetFileAttributes", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.SetFileAttributesHandler); ok {
		return b.OnSetFileAttributes(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnCanFileBeDeleted forwards to the backend unless a rule hits.
func (f *FS) OnCanFileBeDeleted(ctx context.Context, e *fs.CanFileBeDeletedEvent) error {
	if err := f.fault(ctx, "OnCanFileBeDeleted", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.CanFileBeDeletedHandler); ok {
		return b.OnCanFileBeDeleted(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnIsDirectoryEmpty forwards to the backend unless a rule hits.
func (f *FS) OnIsDirectoryEmpty(ctx context.Context, e *fs.IsDirectoryEmptyEvent) error {
	if err := f.fault(ctx, "OnIsDirectoryEmpty", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.IsDirectoryEmptyHandler); ok {
		return b.OnIsDirectoryEmpty(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnDeleteFile forwards to the backend unless a rule hits.
func (f *FS) OnDeleteFile(ctx context.Context, e *fs.DeleteFileEvent) error {
	if err := f.fault(ctx, "OnDeleteFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.DeleteFileHandler); ok {
		return b.OnDeleteFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnRenameOrMoveFile forwards to the backend unless a rule hits.
func (f *FS) OnRenameOrMoveFile(ctx context.Context, e *fs.RenameOrMoveFileEvent) error {
	if err := f.fault(ctx, "OnRenameOrMoveFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.RenameOrMoveFileHandler); ok {
		return b.OnRenameOrMoveFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnCreateHardLink forwards to the backend unless a rule hits.
func (f *FS) OnCreateHardLink(ctx context.Context, e *fs.CreateHardLinkEvent) error {
	if err := f.fault(ctx, "OnCreateHardLink", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.CreateHardLinkHandler); ok {
		return b.OnCreateHardLink(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnCreateSymlink forwards to the backend unless a rule hits.
func (f *FS) OnCreateSymlink(ctx context.Context, e *fs.CreateSymlinkEvent) error {
	if err := f.fault(ctx, "OnCreateSymlink", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.SymlinkHandler); ok {
		return b.OnCreateSymlink(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnReadSymlink forwards to the backend unless a rule hits.
func (f *FS) OnReadSymlink(ctx context.Context, e *fs.ReadSymlinkEvent) error {
	if err := f.fault(ctx, "OnReadSymlink", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.SymlinkHandler); ok {
		return b.OnReadSymlink(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnListNamedStreams forwards to the backend unless a rule hits.
func (f *FS) OnListNamedStreams(ctx context.Context, e *fs.ListNamedStreamsEvent) error {
	if err := f.fault(ctx, "OnListNamedStreams", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.NamedStreamHandler); ok {
		return b.OnListNamedStreams(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnGetNamedStream forwards to the backend unless a rule hits.
func (f *FS) OnGetNamedStream(ctx context.Context, e *fs.GetNamedStreamEvent) error {
	if err := f.fault(ctx, "OnGetNamedStream", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.NamedStreamHandler); ok {
		return b.OnGetNamedStream(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnSetNamedStream forwards to the backend unless a rule hits.
func (f *FS) OnSetNamedStream(ctx context.Context, e *fs.SetNamedStreamEvent) error {
	if err := f.fault(ctx, "OnSetNamedStream", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.NamedStreamHandler); ok {
		return b.OnSetNamedStream(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnDeleteNamedStream forwards to the backend unless a rule hits.
func (f *FS) OnDeleteNamedStream(ctx context.Context, e *fs.DeleteNamedStreamEvent) error {
	if err := f.fault(ctx, "OnDeleteNamedStream", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.NamedStreamHandler); ok {
		return b.OnDeleteNamedStream(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnLockFile forwards to the backend unless a rule hits.
func (f *FS) OnLockFile(ctx context.Context, e *fs.LockFileEvent) error {
	if err := f.fault(ctx, "OnLockFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.LockHandler); ok {
		return b.OnLockFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnUnlockFile forwards to the backend unless a rule hits.
func (f *FS) OnUnlockFile(ctx context.Context, e *fs.UnlockFileEvent) error {
	if err := f.fault(ctx, "OnUnlockFile", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.LockHandler); ok {
		return b.OnUnlockFile(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnGetVolumeSize forwards to the backend unless a rule hits.
func (f *FS) OnGetVolumeSize(ctx context.Context, e *fs.GetVolumeSizeEvent) error {
	if err := f.fault(ctx, "OnGetVolumeSize", "/"); err != nil {
		return err
	}
	if b, ok := f.b.(fs.GetVolumeSizeHandler); ok {
		return b.OnGetVolumeSize(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnGetVolumeLabel forwards to the backend unless a rule hits.
func (f *FS) OnGetVolumeLabel(ctx context.Context, e *fs.GetVolumeLabelEvent) error {
	if err := f.fault(ctx, "OnGetVolumeLabel", "/"); err != nil {
		return err
	}
	if b, ok := f.b.(fs.GetVolumeLabelHandler); ok {
		return b.OnGetVolumeLabel(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnSetVolumeLabel forwards to the backend unless a rule hits.
func (f *FS) OnSetVolumeLabel(ctx context.Context, e *fs.SetVolumeLabelEvent) error {
	if err := f.fault(ctx, "OnSetVolumeLabel", "/"); err != nil {
		return err
	}
	if b, ok := f.b.(fs.SetVolumeLabelHandler); ok {
		return b.OnSetVolumeLabel(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnGetVolumeID forwards to the backend unless a rule hits.
func (f *FS) OnGetVolumeID(ctx context.Context, e *fs.GetVolumeIDEvent) error {
	if err := f.fault(ctx, "OnGetVolumeID", "/"); err != nil {
		return err
	}
	if b, ok := f.b.(fs.GetVolumeIDHandler); ok {
		return b.OnGetVolumeID(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnMount forwards to the backend unless a rule hits.
func (f *FS) OnMount(ctx context.Context, e *fs.MountEvent) error {
	if err := f.fault(ctx, "OnMount", "/"); err != nil {
		return err
	}
	if b, ok := f.b.(fs.MountHandler); ok {
		return b.OnMount(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnUnmount forwards to the backend unless a rule hits.
func (f *FS) OnUnmount(ctx context.Context, e *fs.UnmountEvent) error {
	if err := f.fault(ctx, "OnUnmount", "/"); err != nil {
		return err
	}
	if b, ok := f.b.(fs.MountHandler); ok {
		return b.OnUnmount(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnError forwards to the backend unless a rule hits.
func (f *FS) OnError(ctx context.Context, e *fs.ErrorEvent) {
	if b, ok := f.b.(fs.ErrorHandler); ok {
		b.OnError(ctx, e)
	}
}

var (
	_ fs.Interface                = (*FS)(nil)
	_ fs.CreateFileHandler        = (*FS)(nil)
	_ fs.WriteFileHandler         = (*FS)(nil)
	_ fs.SetAllocationSizeHandler = (*FS)(nil)
	_ fs.CleanupFileHandler       = (*FS)(nil)
	_ fs.FlushFileHandler         = (*FS)(nil)
	_ fs.SetFileAttributesHandler = (*FS)(nil)
	_ fs.CanFileBeDeletedHandler  = (*FS)(nil)
	_ fs.IsDirectoryEmptyHandler  = (*FS)(nil)
	_ fs.DeleteFileHandler        = (*FS)(nil)
	_ fs.RenameOrMoveFileHandler  = (*FS)(nil)
	_ fs.CreateHardLinkHandler    = (*FS)(nil)
	_ fs.SymlinkHandler           = (*FS)(nil)
	_ fs.NamedStreamHandler       = (*FS)(nil)
	_ fs.LockHandler              = (*FS)(nil)
	_ fs.GetVolumeSizeHandler     = (*FS)(nil)
	_ fs.GetVolumeLabelHandler    = (*FS)(nil)
	_ fs.SetVolumeLabelHandler    = (*FS)(nil)
	_ fs.GetVolumeIDHandler       = (*FS)(nil)
	_ fs.MountHandler             = (*FS)(nil)
	_ fs.ErrorHandler             = (*FS)(nil)
	_ fs.AllocateRangeHandler     = (*FS)(nil)
	_ fs.SeekDataHandler          = (*FS)(nil)
	_ fs.CopyFileRangeHandler     = (*FS)(nil)
	_ fs.TestLockHandler          = (*FS)(nil)
	_ fs.XattrNamespacer          = (*FS)(nil)
	_ fs.HostChecker              = (*FS)(nil)
)

// OnAllocateRange forwards to the backend unless a rule hits.
func (f *FS) OnAllocateRange(ctx context.Context, e *fs.AllocateRangeEvent) error {
	if err := f.fault(ctx, "OnAllocateRange", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.AllocateRangeHandler); ok {
		return b.OnAllocateRange(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnSeekData forwards to the backend unless a rule hits.
func (f *FS) OnSeekData(ctx context.Context, e *fs.SeekDataEvent) error {
	if err := f.fault(ctx, "OnSeekData", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.SeekDataHandler); ok {
		return b.OnSeekData(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnCopyFileRange forwards to the backend unless a rule hits.
func (f *FS) OnCopyFileRange(ctx context.Context, e *fs.CopyFileRangeEvent) error {
	if err := f.fault(ctx, "OnCopyFileRange", e.DestName); err != nil {
		return err
	}
	if b, ok := f.b.(fs.CopyFileRangeHandler); ok {
		return b.OnCopyFileRange(ctx, e)
	}
	return fs.ErrNotSupported
}

// OnTestLock forwards to the backend unless a rule hits.
func (f *FS) OnTestLock(ctx context.Context, e *fs.TestLockEvent) error {
	if err := f.fault(ctx, "OnTestLock", e.Name); err != nil {
		return err
	}
	if b, ok := f.b.(fs.TestLockHandler); ok {
		return b.OnTestLock(ctx, e)
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
