package attr

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ByHandleFileInformation mirrors the Win32 BY_HANDLE_FILE_INFORMATION structure
// that GetFileInformationByHandle fills, with the FILETIME members as Filetime.
type ByHandleFileInformation struct {
	FileAttributes     FileAttributes // dwFileAttributes
	CreationTime       Filetime       // ftCreationTime (0: not supported)
	LastAccessTime     Filetime       // ftLastAccessTime (0: not supported)
	LastWriteTime      Filetime       // ftLastWriteTime
	VolumeSerialNumber uint32         // dwVolumeSerialNumber
	FileSizeHigh       uint32         // nFileSizeHigh
	FileSizeLow        uint32         // nFileSizeLow
	NumberOfLinks      uint32         // nNumberOfLinks
	FileIndexHigh      uint32         // nFileIndexHigh
	FileIndexLow       uint32         // nFileIndexLow
}

// FileSize returns the joined nFileSizeHigh:nFileSizeLow.
func (b *ByHandleFileInformation) FileSize() uint64 {
	return JoinUint64(b.FileSizeHigh, b.FileSizeLow)
}

// FileIndex returns the joined nFileIndexHigh:nFileIndexLow, the file's identity
// on its volume (the inode number).
func (b *ByHandleFileInformation) FileIndex() uint64 {
	return JoinUint64(b.FileIndexHigh, b.FileIndexLow)
}

// Stat is a portable stat(2) result. Its fields are wide enough for every system's
// struct stat; a zero time means unknown.
type Stat struct {
	Dev       uint64 // st_dev: device holding the file
	Ino       uint64 // st_ino: inode number
	Mode      Mode   // st_mode: type and permissions
	Nlink     uint64 // st_nlink: hard link count
	Uid       uint32 // st_uid
	Gid       uint32 // st_gid
	Rdev      uint64 // st_rdev: device number of a device file
	Size      int64  // st_size in bytes
	Blocks    int64  // st_blocks: 512-byte units allocated
	Atime     time.Time
	Mtime     time.Time
	Ctime     time.Time // status change time (not creation time)
	Birthtime time.Time // creation time; zero when the system does not record it
	Flags     BSDFlags  // st_flags with FreeBSD / WinFsp-FUSE values
}

// Attributes returns the Windows attributes of s: FromPOSIX(s.Mode, s.Flags).
func (s *Stat) Attributes() FileAttributes { return FromPOSIX(s.Mode, s.Flags) }

// StatFromByHandle builds a Stat from BY_HANDLE_FILE_INFORMATION:
//
//   - Mode and Flags from ToPOSIX(b.FileAttributes, 0): default permissions
//     0o644 (0o444 read-only), 0o755 for directories, 0o777 for symbolic links;
//   - Ino from the file index, Dev from the volume serial number, Nlink, Size;
//   - Birthtime, Atime and Mtime from the creation, last access and last write
//     times (0 gives the zero time); Ctime, which BY_HANDLE_FILE_INFORMATION does
//     not have, is the last write time, as CBFS does without a change time;
//   - Uid, Gid, Rdev and Blocks are 0 (unknown).
func StatFromByHandle(b ByHandleFileInformation) Stat {
	mode, flags := ToPOSIX(b.FileAttributes, 0)
	size := b.FileSize()
	if size > math.MaxInt64 {
		size = math.MaxInt64
	}
	return Stat{
		Dev:       uint64(b.VolumeSerialNumber),
		Ino:       b.FileIndex(),
		Mode:      mode,
		Nlink:     uint64(b.NumberOfLinks),
		Size:      int64(size),
		Atime:     b.LastAccessTime.Time(),
		Mtime:     b.LastWriteTime.Time(),
		Ctime:     b.LastWriteTime.Time(),
		Birthtime: b.CreationTime.Time(),
		Flags:     flags,
	}
}

// VolumeSerialFromDev folds a 64-bit st_dev into a 32-bit volume serial number by
// XOR of its halves, so a dev below 2^32 is kept unchanged.
func VolumeSerialFromDev(dev uint64) uint32 { return uint32(dev) ^ uint32(dev>>32) }

// ByHandleFromStat builds BY_HANDLE_FILE_INFORMATION from s:
//
//   - FileAttributes from FromPOSIX(s.Mode, s.Flags);
//   - the file index from Ino, the volume serial number from
//     VolumeSerialFromDev(Dev), NumberOfLinks from Nlink, the size from Size;
//   - CreationTime, LastAccessTime and LastWriteTime from Birthtime, Atime and
//     Mtime (a zero time gives 0); Ctime, Uid, Gid, Rdev and Blocks have no place.
//
// Fields that do not fit (a time outside the FILETIME range, a negative Size, more
// than 2^32-1 links) are an error naming them; the result then holds every other
// field, 0 for a time, and the maximum for the link count.
func ByHandleFromStat(s Stat) (ByHandleFileInformation, error) {
	var errs []error
	ft := func(name string, t time.Time) Filetime {
		f, err := FiletimeFromTime(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		return f
	}
	b := ByHandleFileInformation{
		FileAttributes:     s.Attributes(),
		CreationTime:       ft("Birthtime", s.Birthtime),
		LastAccessTime:     ft("Atime", s.Atime),
		LastWriteTime:      ft("Mtime", s.Mtime),
		VolumeSerialNumber: VolumeSerialFromDev(s.Dev),
	}
	b.FileIndexHigh, b.FileIndexLow = SplitUint64(s.Ino)
	if s.Size < 0 {
		errs = append(errs, fmt.Errorf("attr: Size %d is negative", s.Size))
	} else {
		b.FileSizeHigh, b.FileSizeLow = SplitUint64(uint64(s.Size))
	}
	if s.Nlink > math.MaxUint32 {
		errs = append(errs, fmt.Errorf("attr: Nlink %d does not fit in 32 bits", s.Nlink))
		b.NumberOfLinks = math.MaxUint32
	} else {
		b.NumberOfLinks = uint32(s.Nlink)
	}
	return b, errors.Join(errs...)
}
