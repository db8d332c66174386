package fs

import (
	"time"

	"github.com/anyfs/anyfs/pkg/attr"
)

// FileInfo describes a file: what OnGetFileInfo and OnEnumerateDirectory report, and
// what the volume hands to the adapters.
//
// A backend that knows only Windows attributes may leave Mode zero: the volume then
// derives it (directory 0755, read-only file 0444, other files 0644, reparse point a
// symbolic link). A backend that knows only POSIX modes may leave Attributes zero: the
// adapters derive them with pkg/attr.
type FileInfo struct {
	// Name is the file's base name as stored (case preserved). It is required in
	// enumeration replies; in other replies the volume fills it.
	Name string
	// Mode is the POSIX file type and permission bits. A zero type with a non-zero
	// permission means a regular file, or a directory when Attributes has attr.Directory.
	Mode attr.Mode
	// Attributes are the Windows attributes (hidden, system, archive, ...). The
	// directory, read-only and reparse-point bits are derived from Mode when absent.
	Attributes attr.FileAttributes
	// Size is the length of the contents in bytes; for a symbolic link, the length of
	// its target.
	Size int64
	// AllocationSize is the number of bytes the file occupies on storage. Zero means
	// Size rounded up to 4 KiB; a negative value means nothing is allocated (a file
	// that is all hole).
	AllocationSize int64
	// The four times. A zero time is reported as the Unix epoch to FUSE and as
	// "not set" to Windows.
	CreationTime   time.Time
	LastAccessTime time.Time
	LastWriteTime  time.Time
	ChangeTime     time.Time
	// FileID is the file's stable identity (the inode number). Hard links share it.
	// Zero lets the adapter assign one.
	FileID uint64
	// LinkCount is the number of hard links; zero is reported as 1 (2 for directories).
	LinkCount uint32
	// Uid and Gid are the owner; on Windows they are mapped to SIDs by WinFsp.
	Uid, Gid uint32
	// Rdev is the device number of a character or block device.
	Rdev uint64
}

// IsDir reports whether fi describes a directory.
func (fi *FileInfo) IsDir() bool {
	if t := fi.Mode.Type(); t != 0 {
		return t == attr.S_IFDIR
	}
	return fi.Attributes&attr.Directory != 0
}

// Normalize fills the fields a backend may leave zero, as the volume does with
// every reply: the type and permissions from the attributes (or the reverse), the
// link count and the allocation size (see FileInfo).
func (fi *FileInfo) Normalize() {
	if fi.Mode.Type() == 0 {
		switch {
		case fi.Attributes&attr.Directory != 0:
			fi.Mode |= attr.S_IFDIR
		case fi.Attributes&attr.ReparsePoint != 0:
			fi.Mode |= attr.S_IFLNK
		default:
			fi.Mode |= attr.S_IFREG
		}
		if fi.Mode.Perm() == 0 {
			switch {
			case fi.Mode.IsDir():
				fi.Mode |= 0o755
			case fi.Mode.IsSymlink():
				fi.Mode |= 0o777
			case fi.Attributes&attr.ReadOnly != 0:
				fi.Mode |= 0o444
			default:
				fi.Mode |= 0o644
			}
		}
	}
	switch fi.Mode.Type() {
	case attr.S_IFDIR:
		fi.Attributes |= attr.Directory
	case attr.S_IFLNK:
		fi.Attributes |= attr.ReparsePoint
	}
	if fi.LinkCount == 0 {
		fi.LinkCount = 1
		if fi.Mode.IsDir() {
			fi.LinkCount = 2
		}
	}
	switch {
	case fi.AllocationSize < 0: // the backend says: nothing allocated (a sparse file)
		fi.AllocationSize = 0
	case fi.AllocationSize == 0 && fi.Size > 0:
		fi.AllocationSize = (fi.Size + 4095) &^ 4095
	}
}

// VolumeSize is the reply of OnGetVolumeSize and what statfs reports.
type VolumeSize struct {
	// TotalBytes is the capacity; FreeBytes what is free; AvailableBytes what an
	// unprivileged caller may use (zero means FreeBytes).
	TotalBytes, FreeBytes, AvailableBytes uint64
	// TotalFiles and FreeFiles count file slots (inodes); zero means "no limit" and is
	// reported as a large number.
	TotalFiles, FreeFiles uint64
	// BlockSize is the preferred I/O size; zero means 4096.
	BlockSize uint32
}
