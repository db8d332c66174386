package fs

import (
	"time"

	"github.com/anyfs/anyfs/pkg/attr"
)

// The event structs. Each carries the request (read-only for the handler) and reply
// fields the handler fills. Name is always the volume path of the file, "/"-separated
// and rooted at "/", whatever the OS. The caller is in the context:
// [CallerFromContext].
//
// FileContext is the backend's value for an open file, shared by all handles of that
// file; HandleContext is per handle. The handler of OnCreateFile or OnOpenFile sets them;
// the volume hands them back in every later event on that file and fires OnCloseFile
// exactly once for each FileContext, also on unmount.

// Access is the access a handle is opened with.
type Access uint8

// Access bits.
const (
	AccessRead  Access = 1 << iota // the handle reads
	AccessWrite                    // the handle writes
)

// OpenFlags are the options of an open or create.
type OpenFlags uint16

// Open flags.
const (
	// OpenAppend: every write of the handle goes to the end of the file.
	OpenAppend OpenFlags = 1 << iota
	// OpenTruncate: the caller asked for O_TRUNC. The volume truncates with
	// OnSetFileSize after the open; the flag is informative.
	OpenTruncate
	// OpenSync: the caller asked for O_SYNC/O_DSYNC (write-through).
	OpenSync
	// OpenDirectory: a directory is being opened (for enumeration).
	OpenDirectory
	// OpenDirectIO: the caller asked to bypass caches (O_DIRECT).
	OpenDirectIO
)

// GetFileInfoEvent asks for a file's information (stat).
type GetFileInfoEvent struct {
	Name string
	// FileContext is the open file's context when the question came through an open
	// handle (fstat), nil otherwise. A file unlinked while open is asked about this way.
	FileContext any
	// Info is the reply.
	Info FileInfo
}

// EnumerateDirectoryEvent asks for the next entries of a directory listing. The volume
// calls it until Done, then fires OnCloseDirectoryEnumeration once.
type EnumerateDirectoryEvent struct {
	Name string
	// DirectoryContext and HandleContext are the open directory's contexts, when the
	// listing belongs to an open directory handle.
	DirectoryContext any
	HandleContext    any
	// Restart asks to start the listing over from its first entry.
	Restart bool
	// EnumerationContext is the listing's context: nil on the first call, then whatever
	// the handler set.
	EnumerationContext any
	// Max is how many entries the volume wants at most in this call (a hint; more are
	// kept for the next call).
	Max int
	// Entries is the reply: append entries (not "." or "..") with Name set.
	Entries []FileInfo
	// Done is the reply: no entries follow the ones in Entries.
	Done bool
}

// CloseDirectoryEnumerationEvent ends a listing; it fires exactly once per listing for
// which OnEnumerateDirectory was called, whatever its EnumerationContext.
type CloseDirectoryEnumerationEvent struct {
	Name               string
	DirectoryContext   any
	EnumerationContext any
}

// OpenFileEvent opens an existing file or directory.
type OpenFileEvent struct {
	Name   string
	Access Access
	Flags  OpenFlags
	// IsDir is true when the file is known to be a directory.
	IsDir bool
	// FileContext is nil on the first open of a file; the handler sets it. When the
	// volume fires every open (Options.FireAllOpenCloseEvents), later opens see the
	// value set by the first.
	FileContext any
	// HandleContext is the reply for this handle.
	HandleContext any
	// Info, if the handler sets InfoValid, saves the volume an OnGetFileInfo.
	Info      FileInfo
	InfoValid bool
}

// CreateFileEvent creates a new file, directory, device node, FIFO or socket. It fails
// with ErrExist when the name exists; the volume turns that into an open when the caller
// did not ask for O_EXCL.
type CreateFileEvent struct {
	Name string
	// Mode is the file type and permission bits exactly as the caller's umask left them,
	// including setuid, setgid and sticky bits. A directory has type attr.S_IFDIR.
	Mode attr.Mode
	// Attributes are the Windows attributes asked for (attr.Directory for a directory).
	Attributes attr.FileAttributes
	// Rdev is the device number for character and block devices.
	Rdev uint64
	// Uid and Gid are the owner the new file gets (the caller's, or the parent's group
	// for a setgid directory).
	Uid, Gid uint32
	Access   Access
	Flags    OpenFlags
	// FileContext and HandleContext are the replies, as for OnOpenFile. For a
	// directory or node that is created without being opened, the volume fires
	// OnCloseFile right after.
	FileContext   any
	HandleContext any
	Info          FileInfo
	InfoValid     bool
}

// ReadFileEvent reads from an open file.
type ReadFileEvent struct {
	Name                       string
	FileContext, HandleContext any
	Position                   int64
	// Buffer is where the data goes; len(Buffer) is the number of bytes asked for.
	Buffer []byte
	// BytesRead is the reply. Fewer bytes than asked for mean end of file.
	BytesRead int
	// SpliceOK says the adapter can take the data straight from a host descriptor
	// (gofuse on Linux splices it to the kernel without copying it through this
	// process). A handler may then set Spliced and SpliceFd instead of filling
	// Buffer: the reply is up to len(Buffer) bytes of SpliceFd at Position, and
	// BytesRead is ignored. SpliceFd must stay open, on the same file, until
	// OnCloseFile of FileContext.
	SpliceOK bool
	Spliced  bool
	SpliceFd int
}

// WriteFileEvent writes to an open file.
type WriteFileEvent struct {
	Name                       string
	FileContext, HandleContext any
	// Position is where the data goes; for a handle opened with OpenAppend it is the
	// end of the file as the kernel knows it, and Append is true.
	Position int64
	Append   bool
	Buffer   []byte
	// BytesWritten is the reply.
	BytesWritten int
}

// CloseFileEvent fires when the last reference to an open file is gone (FUSE release).
type CloseFileEvent struct {
	Name                       string
	FileContext, HandleContext any
	// PendingDeletion is true when the file was deleted while it was open.
	PendingDeletion bool
	// StillOpen is true when other handles of the file keep using the FileContext,
	// which happens only with Options.FireAllOpenCloseEvents: the handler then
	// releases what is this handle's and keeps what the handles share. It is false
	// at the last close of the FileContext, the only close without that option, so
	// a backend needs no count of its opens.
	StillOpen bool
}

// CleanupFileEvent fires at every close(2) of a descriptor (FUSE flush), possibly
// several times per handle.
type CleanupFileEvent struct {
	Name                       string
	FileContext, HandleContext any
}

// FlushFileEvent asks to make an open file's data durable (fsync).
type FlushFileEvent struct {
	Name        string
	FileContext any
	// DataOnly is true for fdatasync.
	DataOnly bool
}

// SetFileSizeEvent truncates or extends a file.
type SetFileSizeEvent struct {
	Name                       string
	FileContext, HandleContext any // nil when the file is not open (truncate(2))
	Size                       int64
}

// SetAllocationSizeEvent preallocates storage (fallocate); it must not change Size.
type SetAllocationSizeEvent struct {
	Name                       string
	FileContext, HandleContext any
	AllocationSize             int64
}

// SetFileAttributesEvent changes attributes, times, mode or owner.
type SetFileAttributesEvent struct {
	Name                       string
	FileContext, HandleContext any
	// Attributes: 0 means no change; attr.Normal alone means clear all.
	Attributes attr.FileAttributes
	// A zero time means keep the current value.
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime time.Time
	// Mode holds permission and special bits when SetMode is true.
	Mode    attr.Mode
	SetMode bool
	// Uid and Gid are the new owner when SetUid / SetGid are true.
	Uid, Gid       uint32
	SetUid, SetGid bool
}

// CanFileBeDeletedEvent asks whether a file may be deleted; it is the only place a
// deletion can be refused. Reply with an error (ErrPermission, ErrNotEmpty, ...) to
// refuse.
type CanFileBeDeletedEvent struct {
	Name        string
	FileContext any // set when the file is open
	IsDir       bool
}

// IsDirectoryEmptyEvent asks whether a directory has entries.
type IsDirectoryEmptyEvent struct {
	Name string
	// IsEmpty is the reply.
	IsEmpty bool
}

// DeleteFileEvent deletes a file or an empty directory. It cannot be refused: the
// volume asked OnCanFileBeDeleted first. If the file is open, its handles keep
// working with FileContext until their OnCloseFile (which has PendingDeletion set).
type DeleteFileEvent struct {
	Name        string
	FileContext any
	IsDir       bool
}

// RenameOrMoveFileEvent renames or moves a file or directory. The volume has checked
// the POSIX rules (types of source and target, empty target directory, not into
// itself) before firing it.
type RenameOrMoveFileEvent struct {
	Name, NewName string
	FileContext   any // the source's, when it is open
	// ReplaceIfExists: NewName exists and must be replaced atomically.
	ReplaceIfExists bool
	// Exchange asks to swap Name and NewName atomically (RENAME_EXCHANGE). A backend
	// that cannot returns ErrNotSupported.
	Exchange bool
}

// CreateHardLinkEvent adds the name LinkName for the existing file Name.
type CreateHardLinkEvent struct {
	Name, LinkName string
	Info           FileInfo // reply, with InfoValid
	InfoValid      bool
}

// CreateSymlinkEvent creates a symbolic link (a reparse point on Windows).
type CreateSymlinkEvent struct {
	Name string
	// Target is stored as given, never resolved.
	Target    string
	Uid, Gid  uint32
	Info      FileInfo // reply, with InfoValid
	InfoValid bool
}

// ReadSymlinkEvent reads a symbolic link's target.
type ReadSymlinkEvent struct {
	Name string
	// Target is the reply.
	Target string
}

// ListNamedStreamsEvent lists a file's named streams (extended attributes on FUSE).
type ListNamedStreamsEvent struct {
	Name        string
	FileContext any
	// Streams is the reply: the names.
	Streams []string
	// Xattrs is the reply of an XattrNamespacer: the whole names of the file's
	// attributes in the namespaces it stores ("trusted.a"). The volume filters what
	// the caller may not see.
	Xattrs []string
}

// GetNamedStreamEvent reads a named stream.
type GetNamedStreamEvent struct {
	Name        string
	FileContext any
	Stream      string
	// Xattr is set instead of Stream, for an XattrNamespacer only: the whole name of
	// an attribute of another namespace ("trusted.a").
	Xattr string
	// Data is the reply; ErrNoAttribute when the stream does not exist.
	Data []byte
}

// SetNamedStreamEvent writes a named stream whole.
type SetNamedStreamEvent struct {
	Name        string
	FileContext any
	Stream      string
	Xattr       string // as in GetNamedStreamEvent
	Data        []byte
	// Create: fail with ErrExist if the stream exists. Replace: fail with
	// ErrNoAttribute if it does not.
	Create, Replace bool
}

// DeleteNamedStreamEvent removes a named stream (ErrNoAttribute when absent).
type DeleteNamedStreamEvent struct {
	Name        string
	FileContext any
	Stream      string
	Xattr       string // as in GetNamedStreamEvent
}

// LockFileEvent asks for a byte-range lock. The volume keeps the lock table and
// detects conflicts between its own callers; the event lets a backend take the lock
// in its storage too (or refuse it with ErrWouldBlock: a waiting caller is then
// asked again until the lock is free or the wait is interrupted). The lock replaces
// whatever Owner held in the range (an upgrade or a downgrade). The volume fires the
// lock events of one open file one at a time.
type LockFileEvent struct {
	Name                       string
	FileContext, HandleContext any
	// Offset and Length give the range; Length 0 means "to the end of the file".
	Offset, Length uint64
	// Exclusive is a write lock; otherwise a shared (read) lock.
	Exclusive bool
	// Owner identifies the lock owner (POSIX: the process; flock: the open file).
	Owner uint64
	// Flock: a flock(2) lock (the range is the whole file); otherwise a POSIX
	// (fcntl) lock. The two kinds do not conflict with each other.
	Flock bool
}

// UnlockFileEvent releases a range locked by OnLockFile.
type UnlockFileEvent struct {
	Name                       string
	FileContext, HandleContext any
	Offset, Length             uint64
	Owner                      uint64
	Flock                      bool
	// Kept are the locks of the same kind that other owners of this open file still
	// hold inside the range, clipped to it. A backend that holds one lock for the
	// whole open file (a host descriptor's) keeps these parts locked with their type
	// and releases only the rest.
	Kept []Lock
}

// TestLockEvent asks whether a POSIX lock could be taken in the backend's storage
// (F_GETLK), after the volume found no conflict among its own locks.
type TestLockEvent struct {
	Name                       string
	FileContext, HandleContext any
	Offset, Length             uint64 // Length 0: to the end of the file
	Exclusive                  bool
	Owner                      uint64
	// Holder is the reply: a lock held outside the volume that conflicts, or one of
	// type LockUnlock (the zero value) when there is none.
	Holder Lock
}
