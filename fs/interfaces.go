package fs

import "context"

// Interface is what every backend implements: the events CBFS calls mandatory. A
// read-only backend needs nothing more. Every other event is an optional interface
// below, discovered by type assertion when the volume is made ([NewVolume]).
//
// Handlers are called concurrently unless Options.Serialize says otherwise; a handler
// that blocks should honour ctx cancellation.
type Interface interface {
	// OnGetFileInfo reports a file's information, or ErrNotExist.
	OnGetFileInfo(ctx context.Context, e *GetFileInfoEvent) error
	// OnEnumerateDirectory lists a directory in one or more calls.
	OnEnumerateDirectory(ctx context.Context, e *EnumerateDirectoryEvent) error
	// OnCloseDirectoryEnumeration releases a listing's EnumerationContext.
	OnCloseDirectoryEnumeration(ctx context.Context, e *CloseDirectoryEnumerationEvent) error
	// OnOpenFile opens an existing file or directory.
	OnOpenFile(ctx context.Context, e *OpenFileEvent) error
	// OnReadFile reads from an open file.
	OnReadFile(ctx context.Context, e *ReadFileEvent) error
	// OnCloseFile releases an open file's contexts. Its error is logged, not returned
	// to any caller (the OS does not wait for it).
	OnCloseFile(ctx context.Context, e *CloseFileEvent) error
}

// CreateFileHandler creates files and directories. Without it (or without WriteFileHandler) the volume is
// read-only and creation fails with ErrReadOnly.
type CreateFileHandler interface {
	OnCreateFile(ctx context.Context, e *CreateFileEvent) error
}

// HostChecker is implemented by a backend whose storage makes, in the same call and
// atomically, the checks the volume otherwise makes with OnGetFileInfo calls first, as
// a POSIX host file system does: OnDeleteFile fails with ErrIsDir for a directory when
// IsDir is false, ErrNotDir for anything else when IsDir is true, and ErrNotEmpty for
// a directory with entries; OnCreateFile fails with ErrNotDir when the parent is no
// directory, and gives a new entry of a setgid directory that directory's group (and a
// new directory its setgid bit) whatever CreateFileEvent.Gid says. The volume then
// skips those calls: a lookup of the parent per create, of the name per unlink.
type HostChecker interface {
	// ChecksOnHost reports whether the backend makes these checks.
	ChecksOnHost() bool
}

// WriteFileHandler writes to files and changes their size. A backend without WriteFileHandler is mounted
// read-only: every change fails with ErrReadOnly (EROFS).
type WriteFileHandler interface {
	OnWriteFile(ctx context.Context, e *WriteFileEvent) error
	OnSetFileSize(ctx context.Context, e *SetFileSizeEvent) error
}

// SetAllocationSizeHandler preallocates storage. Without it, fallocate fails with
// ErrNotSupported.
type SetAllocationSizeHandler interface {
	OnSetAllocationSize(ctx context.Context, e *SetAllocationSizeEvent) error
}

// AllocateRangeHandler allocates and frees the storage of byte ranges of a file
// (fallocate(2): preallocation, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE). Without
// it fallocate preallocates with OnSetAllocationSize, from the start of the file to
// the end of the range, and punching holes and zeroing ranges fail with
// ErrNotSupported.
type AllocateRangeHandler interface {
	OnAllocateRange(ctx context.Context, e *AllocateRangeEvent) error
}

// SeekDataHandler finds the data and the holes of a sparse file (lseek SEEK_DATA and
// SEEK_HOLE). Without it the whole file is data, as Linux answers for file systems
// without holes: SEEK_DATA gives the offset itself and SEEK_HOLE the end of the
// file.
type SeekDataHandler interface {
	OnSeekData(ctx context.Context, e *SeekDataEvent) error
}

// CopyFileRangeHandler copies bytes between two open files of the volume inside the
// backend's storage (copy_file_range(2)), without the data passing through the
// volume. Without it, or when it answers ErrNotSupported, the kernel copies with
// reads and writes.
type CopyFileRangeHandler interface {
	OnCopyFileRange(ctx context.Context, e *CopyFileRangeEvent) error
}

// CleanupFileHandler is told of every close(2) of a descriptor. Without it nothing happens.
type CleanupFileHandler interface {
	OnCleanupFile(ctx context.Context, e *CleanupFileEvent) error
}

// FlushFileHandler makes data durable (fsync). Without it fsync succeeds.
type FlushFileHandler interface {
	OnFlushFile(ctx context.Context, e *FlushFileEvent) error
}

// SetFileAttributesHandler changes attributes, times, mode and owner. Without it chmod, chown
// and utimes fail with ErrNotSupported on a writable volume.
type SetFileAttributesHandler interface {
	OnSetFileAttributes(ctx context.Context, e *SetFileAttributesEvent) error
}

// CanFileBeDeletedHandler may refuse a deletion. Without it every deletion allowed by the POSIX
// rules goes ahead.
type CanFileBeDeletedHandler interface {
	OnCanFileBeDeleted(ctx context.Context, e *CanFileBeDeletedEvent) error
}

// IsDirectoryEmptyHandler answers whether a directory is empty. Without it the volume asks
// OnEnumerateDirectory for one entry.
type IsDirectoryEmptyHandler interface {
	OnIsDirectoryEmpty(ctx context.Context, e *IsDirectoryEmptyEvent) error
}

// DeleteFileHandler deletes files and directories. Without it unlink and rmdir fail with
// ErrReadOnly on a read-only volume and ErrNotSupported otherwise.
type DeleteFileHandler interface {
	OnDeleteFile(ctx context.Context, e *DeleteFileEvent) error
}

// RenameOrMoveFileHandler renames and moves. Without it rename fails with ErrNotSupported.
type RenameOrMoveFileHandler interface {
	OnRenameOrMoveFile(ctx context.Context, e *RenameOrMoveFileEvent) error
}

// CreateHardLinkHandler creates hard links. Without it link fails with ErrNotPermitted (EPERM),
// as filesystems without links answer.
type CreateHardLinkHandler interface {
	OnCreateHardLink(ctx context.Context, e *CreateHardLinkEvent) error
}

// SymlinkHandler creates and reads symbolic links (reparse points). Without it symlink
// fails with ErrNotSupported, readlink with ErrInvalid, and no file is reported as a
// link.
type SymlinkHandler interface {
	OnCreateSymlink(ctx context.Context, e *CreateSymlinkEvent) error
	OnReadSymlink(ctx context.Context, e *ReadSymlinkEvent) error
}

// NamedStreamHandler stores named streams, which FUSE shows as extended attributes.
// Without it listing attributes gives an empty list and the other xattr calls fail
// with ErrNotSupported.
type NamedStreamHandler interface {
	OnListNamedStreams(ctx context.Context, e *ListNamedStreamsEvent) error
	OnGetNamedStream(ctx context.Context, e *GetNamedStreamEvent) error
	OnSetNamedStream(ctx context.Context, e *SetNamedStreamEvent) error
	OnDeleteNamedStream(ctx context.Context, e *DeleteNamedStreamEvent) error
}

// LockHandler takes byte-range locks in the backend's storage, for backends whose data
// other machines or programs share. With LockHandler, the adapters forward POSIX and flock
// locks to the volume, which keeps the lock table and fires these events; without
// it, the kernel keeps locks locally, exactly as on a local filesystem. (FUSE
// releases a forwarded flock only when the kernel sends RELEASE, shortly after the
// last close, not during it.)
type LockHandler interface {
	OnLockFile(ctx context.Context, e *LockFileEvent) error
	OnUnlockFile(ctx context.Context, e *UnlockFileEvent) error
}

// TestLockHandler reports the locks that holders outside the volume have in a LockHandler's
// storage (F_GETLK). Without it F_GETLK reports the volume's own locks only.
type TestLockHandler interface {
	OnTestLock(ctx context.Context, e *TestLockEvent) error
}

// XattrNamespacer is a NamedStreamHandler that also stores the extended attributes of
// Linux namespaces other than user. (see [Volume.SetXattr]). The stream events then
// carry such an attribute by its whole name in their Xattr field, with Stream
// empty. Without it those namespaces fail with ErrNotSupported.
type XattrNamespacer interface {
	NamedStreamHandler
	// XattrNamespaces returns the namespaces the backend stores, of
	// XattrTrusted, XattrSecurity and XattrSystem.
	XattrNamespaces() []string
}

// GetVolumeSizeHandler reports capacity. Without it statfs reports an empty volume of no fixed
// size.
type GetVolumeSizeHandler interface {
	OnGetVolumeSize(ctx context.Context, e *GetVolumeSizeEvent) error
}

// GetVolumeLabelHandler reports the label. Without it the label is Options.VolumeLabel.
type GetVolumeLabelHandler interface {
	OnGetVolumeLabel(ctx context.Context, e *GetVolumeLabelEvent) error
}

// SetVolumeLabelHandler changes the label. Without it changing the label fails with
// ErrNotSupported.
type SetVolumeLabelHandler interface {
	OnSetVolumeLabel(ctx context.Context, e *SetVolumeLabelEvent) error
}

// GetVolumeIDHandler reports the volume serial number. Without it the volume derives one
// from the label.
type GetVolumeIDHandler interface {
	OnGetVolumeID(ctx context.Context, e *GetVolumeIDEvent) error
}

// MountHandler is told when the volume is mounted and unmounted.
type MountHandler interface {
	OnMount(ctx context.Context, e *MountEvent) error
	OnUnmount(ctx context.Context, e *UnmountEvent) error
}

// ErrorHandler is told of errors the volume could not map and of handler panics.
type ErrorHandler interface {
	OnError(ctx context.Context, e *ErrorEvent)
}
