// Package fs is the heart of anyfs: the backend-neutral event interface a filesystem
// implements, and the [Volume] engine that the adapters (go-fuse on Linux and macOS,
// WinFsp through cgofuse on Windows) serve.
//
// # Events
//
// A backend implements [Interface], the events CBFS calls mandatory (OnGetFileInfo,
// OnEnumerateDirectory, OnCloseDirectoryEnumeration, OnOpenFile, OnReadFile,
// OnCloseFile), and any of the optional interfaces ([CreateFileHandler],
// [WriteFileHandler], [DeleteFileHandler], [RenameOrMoveFileHandler],
// [SetFileAttributesHandler], [CreateHardLinkHandler], [SymlinkHandler],
// [NamedStreamHandler], [LockHandler], [AllocateRangeHandler], [SeekDataHandler],
// [CopyFileRangeHandler], [GetVolumeSizeHandler], ...). Each event is a method
// OnXxx(ctx, *XxxEvent) error; the event struct carries the request and the reply
// fields the handler fills. The volume detects the optional interfaces once, in
// [NewVolume]: a backend without [WriteFileHandler] and [CreateFileHandler] is
// mounted read-only. Each optional interface's doc says what happens without it.
//
// # Names
//
// One rule names the events, the interfaces and the volume's methods:
//
//   - An event keeps its CBFS name: the method OnXxx, its struct XxxEvent.
//   - An optional interface is named after its event, without On, with Handler:
//     OnFlushFile is [FlushFileHandler], OnIsDirectoryEmpty is
//     [IsDirectoryEmptyHandler]. An interface of events that only go together is
//     named after what they share: [SymlinkHandler] (OnCreateSymlink,
//     OnReadSymlink), [NamedStreamHandler], [LockHandler] (OnLockFile,
//     OnUnlockFile), [MountHandler] (OnMount, OnUnmount), and [WriteFileHandler]
//     (OnWriteFile and OnSetFileSize: a file's data). An interface that reports a
//     property, not an event, is named after its method ([HostChecker],
//     [XattrNamespacer]).
//   - A method of [Volume], [Handle] or [Dir], which adapters call, is named after
//     the POSIX call it serves: [Handle.Close] serves close(2) of a descriptor (FUSE
//     flush) and fires OnCleanupFile, [Handle.Sync] serves fsync and fires
//     OnFlushFile, and [Handle.Release] ends the handle (FUSE release; there is no
//     POSIX call) and fires OnCloseFile at the file's last handle.
//
// Names are volume paths: "/"-separated, rooted at "/", on every OS. The request's
// originator (pid, uid, gid) is [CallerFromContext].
//
// CBFS names mislead FUSE readers: CBFS cleanup is FUSE flush (every close(2)),
// CBFS close is FUSE release (the last reference), CBFS FlushFile is fsync.
//
// # Contexts
//
// FileContext is the backend's value for an open file, set by OnOpenFile or
// OnCreateFile and shared by all handles of that file; HandleContext is per handle;
// EnumerationContext is per listing. The volume hands them back in later events and
// fires OnCloseFile exactly once per FileContext (once per handle with
// Options.FireAllOpenCloseEvents) and OnCloseDirectoryEnumeration exactly once per
// listing, also on unmount ([Volume.Unmounted]) and after errors.
//
// # Deletion
//
// POSIX unlink takes effect at once while open descriptors keep working; Windows
// deletes at the last close. The volume follows POSIX, which WinFsp's FUSE layer also
// speaks: it asks OnCanFileBeDeleted (the only place a deletion can be refused), then
// fires OnDeleteFile with the FileContext of the file if it is open. The open handles
// keep their FileContext, events on them carry it (OnGetFileInfo included, for
// fstat), and their OnCloseFile has PendingDeletion set.
//
// # Error handling
//
// Handlers return plain errors: the sentinels of this package (which alias io/fs's
// where they exist), os errors, or a syscall.Errno (on Unix the host's errno, on
// Windows a Windows error code such as ERROR_ACCESS_DENIED or one of the E* values
// Go's own packages return there), wrapped with %w as needed. [ErrnoOf] maps them
// to a portable [Errno]; each adapter renders that with its FUSE library's
// constants. An error that maps to nothing becomes EIO and is logged and reported
// through [ErrorHandler]. A panic in a handler fails only that request, with EIO
// ([PanicError]), and its stack is logged.
//
// # Concurrency
//
// Handlers run concurrently unless Options.Serialize asks for one event at a time
// (SerializeAll) or one per open file (SerializePerFile). The volume's own tables are
// safe for concurrent use.
//
// # Platform differences
//
// On Linux the "user." extended attributes are the named streams, and the trusted.,
// security. and system. namespaces reach an [XattrNamespacer] under the volume's
// rules (see [Volume.SetXattr]); on macOS and Windows attribute names are stream
// names as they are. Windows attributes travel in
// FileInfo.Attributes; the cgofuse adapter hands them to WinFsp through st_flags.
package fs
