package attr

// The translation between Windows attributes and POSIX mode + st_flags. The rules,
// and every case where information is lost, are tabulated in docs/attributes.md.

// Default permissions ToPOSIX and ToDarwin give a file whose previous mode has no
// permission bits or a different type: Windows attributes carry no permissions.
const (
	DefaultFilePerm    Mode = 0o644 // regular files and special files
	DefaultDirPerm     Mode = 0o755 // directories
	DefaultSymlinkPerm Mode = 0o777 // symbolic links
)

// validType reports whether t is one of the seven portable file types.
func validType(t Mode) bool {
	switch t {
	case S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK:
		return true
	}
	return false
}

// modeAttributes derives the attributes carried by st_mode alone: DIRECTORY for a
// directory, REPARSE_POINT for a symbolic link, and READONLY for anything else
// (including a mode without type bits) that has no write bit at all.
func modeAttributes(m Mode) FileAttributes {
	switch m.Type() {
	case S_IFDIR:
		return Directory
	case S_IFLNK:
		return ReparsePoint
	}
	if m&WriteBits == 0 {
		return ReadOnly
	}
	return 0
}

// FromPOSIX returns the Windows attributes of a file with st_mode mode and FreeBSD /
// WinFsp-FUSE st_flags flags (pass 0 on Linux, which has no st_flags):
//
//   - S_IFDIR gives Directory; S_IFLNK or UF_REPARSE gives ReparsePoint;
//   - ReadOnly when a file other than a directory or symbolic link has no write bit
//     (S_IWUSR|S_IWGRP|S_IWOTH), or with UF_READONLY, UF_IMMUTABLE or SF_IMMUTABLE
//     (on any type);
//   - UF_HIDDEN, UF_SYSTEM, UF_ARCHIVE, UF_SPARSE and UF_OFFLINE give Hidden,
//     System, Archive, SparseFile and Offline;
//   - FIFOs, sockets and devices get no type attribute (Device is reserved and
//     never set); the other flags have no attribute;
//   - Normal when nothing else is set.
func FromPOSIX(mode Mode, flags BSDFlags) FileAttributes {
	a := modeAttributes(mode)
	if flags&UF_REPARSE != 0 {
		a |= ReparsePoint
	}
	if flags&(UF_READONLY|UF_IMMUTABLE|SF_IMMUTABLE) != 0 {
		a |= ReadOnly
	}
	for _, p := range bsdAttributePairs {
		if flags&p.flag != 0 {
			a |= p.attr
		}
	}
	return a.normalized()
}

// bsdAttributePairs are the one-to-one pairs between BSD flags and attributes.
var bsdAttributePairs = []struct {
	flag BSDFlags
	attr FileAttributes
}{
	{UF_HIDDEN, Hidden},
	{UF_SYSTEM, System},
	{UF_ARCHIVE, Archive},
	{UF_SPARSE, SparseFile},
	{UF_OFFLINE, Offline},
}

// toType picks the file type for attributes a applied to a file whose previous
// mode is prev, and reports whether a reparse point is left over that the type
// does not express (to carry as UF_REPARSE).
//
//   - ReparsePoint on a symbolic link, or on a new file (prev without type bits)
//     that is not a directory, gives S_IFLNK (a Windows directory symlink is
//     Directory|ReparsePoint on a previous S_IFLNK);
//   - otherwise Directory gives S_IFDIR;
//   - otherwise the previous type is kept if it is a regular, FIFO, socket or
//     device file, and S_IFREG is used for a previous directory, symbolic link,
//     no type or an unknown type.
func toType(a FileAttributes, prev Mode) (t Mode, reparseFlag bool) {
	pt := prev.Type()
	reparse := a&ReparsePoint != 0
	switch {
	case reparse && (pt == S_IFLNK || (pt == 0 && a&Directory == 0)):
		return S_IFLNK, false
	case a&Directory != 0:
		t = S_IFDIR
	case pt == S_IFDIR || pt == S_IFLNK || !validType(pt):
		t = S_IFREG
	default:
		t = pt
	}
	return t, reparse
}

// toPerm computes the permission and special bits for type t: those of prev when
// prev has the same type (or no type but some permission bits), else the default
// for t. ReadOnly on a file other than a directory or symbolic link clears the
// three write bits; its absence on such a file without any write bit restores the
// owner's (S_IWUSR) only.
func toPerm(a FileAttributes, t, prev Mode) Mode {
	var perm Mode
	switch pt := prev.Type(); {
	case pt == t, pt == 0 && prev.Perm() != 0:
		perm = prev.Perm()
	case t == S_IFDIR:
		perm = DefaultDirPerm
	case t == S_IFLNK:
		perm = DefaultSymlinkPerm
	default:
		perm = DefaultFilePerm
	}
	if t == S_IFDIR || t == S_IFLNK {
		return perm
	}
	if a&ReadOnly != 0 {
		perm &^= WriteBits
	} else if perm&WriteBits == 0 {
		perm |= S_IWUSR
	}
	return perm
}

// ToPOSIX returns the st_mode and FreeBSD / WinFsp-FUSE st_flags that carry the
// attributes a for a file whose previous mode is prev (0 for a new file):
//
//   - the type follows toType: ReparsePoint gives S_IFLNK on a symbolic link or a
//     new non-directory file and UF_REPARSE otherwise; Directory gives S_IFDIR;
//     FIFOs, sockets and devices keep their type;
//   - permissions come from prev (same type) or the defaults 0o644, 0o755, 0o777;
//     setuid, setgid and sticky are kept;
//   - ReadOnly sets UF_READONLY and, except on directories and symbolic links,
//     clears all write bits; without ReadOnly a file with no write bit gets
//     S_IWUSR back;
//   - Hidden, System, Archive, SparseFile and Offline set UF_HIDDEN, UF_SYSTEM,
//     UF_ARCHIVE, UF_SPARSE and UF_OFFLINE;
//   - the other attributes have no POSIX form (see DroppedByPOSIX).
//
// The flags returned are only those in WindowsBSDFlags; merge them into a file's
// existing flags with prev&^WindowsBSDFlags | flags. FromPOSIX(ToPOSIX(a, prev))
// equals a for every a whose bits DroppedByPOSIX does not report (up to Normal).
func ToPOSIX(a FileAttributes, prev Mode) (Mode, BSDFlags) {
	t, reparse := toType(a, prev)
	var f BSDFlags
	if reparse {
		f |= UF_REPARSE
	}
	if a&ReadOnly != 0 {
		f |= UF_READONLY
	}
	for _, p := range bsdAttributePairs {
		if a&p.attr != 0 {
			f |= p.flag
		}
	}
	return t | toPerm(a, t, prev), f
}

// DroppedByPOSIX returns the attributes of a that ToPOSIX(a, prev) cannot carry:
// the ones FromPOSIX does not give back. Normal is never reported.
func DroppedByPOSIX(a FileAttributes, prev Mode) FileAttributes {
	return a &^ FromPOSIX(ToPOSIX(a, prev)) &^ Normal
}

// FromDarwin returns the Windows attributes of a file with macOS st_mode mode and
// st_flags flags:
//
//   - S_IFDIR gives Directory, S_IFLNK gives ReparsePoint;
//   - ReadOnly as in FromPOSIX from the write bits, or with UF_IMMUTABLE or
//     SF_IMMUTABLE (macOS has no UF_READONLY);
//   - UF_HIDDEN gives Hidden, UF_COMPRESSED gives Compressed and SF_DATALESS gives
//     RecallOnDataAccess (both one way: ToDarwin never sets them);
//   - UF_DATAVAULT (0x80) is not System and SF_ARCHIVED is not Archive; the other
//     flags have no attribute;
//   - Normal when nothing else is set.
func FromDarwin(mode Mode, flags DarwinFlags) FileAttributes {
	a := modeAttributes(mode)
	if flags&(DarwinUF_IMMUTABLE|DarwinSF_IMMUTABLE) != 0 {
		a |= ReadOnly
	}
	if flags&DarwinUF_HIDDEN != 0 {
		a |= Hidden
	}
	if flags&DarwinUF_COMPRESSED != 0 {
		a |= Compressed
	}
	if flags&DarwinSF_DATALESS != 0 {
		a |= RecallOnDataAccess
	}
	return a.normalized()
}

// DarwinWindowsFlags are the macOS flags ToDarwin computes. Merge its result into
// a file's existing flags with prev&^DarwinWindowsFlags | flags.
const DarwinWindowsFlags = DarwinUF_HIDDEN

// ToDarwin returns the macOS st_mode and st_flags that carry the attributes a for
// a file whose previous mode is prev (0 for a new file). The mode is computed as
// in ToPOSIX; the only flag is UF_HIDDEN for Hidden. ReadOnly on a directory,
// ReparsePoint on anything but a symbolic link, System, Archive, SparseFile,
// Offline and the attributes without a POSIX form are dropped (see
// DroppedByDarwin).
func ToDarwin(a FileAttributes, prev Mode) (Mode, DarwinFlags) {
	t, _ := toType(a, prev)
	var f DarwinFlags
	if a&Hidden != 0 {
		f |= DarwinUF_HIDDEN
	}
	return t | toPerm(a, t, prev), f
}

// DroppedByDarwin returns the attributes of a that ToDarwin(a, prev) cannot carry:
// the ones FromDarwin does not give back. Normal is never reported.
func DroppedByDarwin(a FileAttributes, prev Mode) FileAttributes {
	return a &^ FromDarwin(ToDarwin(a, prev)) &^ Normal
}
