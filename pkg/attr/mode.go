package attr

import "io/fs"

// Mode is a POSIX st_mode value: file type (S_IFMT bits) and permission bits.
// It is not an io/fs.FileMode, whose bits differ; see ToFileMode and FromFileMode.
type Mode uint32

// POSIX file types (the S_IFMT field), with the values every Unix shares.
const (
	S_IFMT   Mode = 0o170000 // mask of the file type bits
	S_IFSOCK Mode = 0o140000 // socket
	S_IFLNK  Mode = 0o120000 // symbolic link
	S_IFREG  Mode = 0o100000 // regular file
	S_IFBLK  Mode = 0o060000 // block device
	S_IFDIR  Mode = 0o040000 // directory
	S_IFCHR  Mode = 0o020000 // character device
	S_IFIFO  Mode = 0o010000 // FIFO (named pipe)

	// S_IFDOOR, S_IFPORT and S_IFWHT are 0, as in CPython's portable Lib/stat.py
	// ("defined as 0 when the platform does not have support"): their real values
	// exist only on some systems and collide (event port and whiteout are both
	// 0o160000), so a portable package cannot decode them. S_ISDOOR, S_ISPORT and
	// S_ISWHT are therefore always false and FileMode shows these types as '?'.
	// The system-specific values are SolarisIFDOOR, SolarisIFPORT and BSDIFWHT.
	S_IFDOOR Mode = 0 // door (Solaris only)
	S_IFPORT Mode = 0 // event port (Solaris only)
	S_IFWHT  Mode = 0 // whiteout (macOS/BSD only)
)

// System-specific file types. Decode them only when the mode is known to come
// from that system: SolarisIFPORT and BSDIFWHT share a value.
const (
	SolarisIFNAM  Mode = 0o050000 // S_IFNAM, XENIX special named file (Solaris/illumos)
	SolarisIFDOOR Mode = 0o150000 // S_IFDOOR, door (Solaris/illumos)
	SolarisIFPORT Mode = 0o160000 // S_IFPORT, event port (Solaris/illumos)
	BSDIFWHT      Mode = 0o160000 // S_IFWHT, whiteout (macOS, FreeBSD, NetBSD, OpenBSD)
)

// Special and permission bits (the S_IMODE part).
const (
	S_ISUID Mode = 0o4000  // set user id on execution
	S_ISGID Mode = 0o2000  // set group id on execution; mandatory locking without S_IXGRP
	S_ENFMT Mode = S_ISGID // System V file locking enforcement (same bit as S_ISGID)
	S_ISVTX Mode = 0o1000  // sticky bit

	S_IRWXU Mode = 0o0700 // owner mask
	S_IRUSR Mode = 0o0400 // owner read
	S_IWUSR Mode = 0o0200 // owner write
	S_IXUSR Mode = 0o0100 // owner execute
	S_IRWXG Mode = 0o0070 // group mask
	S_IRGRP Mode = 0o0040 // group read
	S_IWGRP Mode = 0o0020 // group write
	S_IXGRP Mode = 0o0010 // group execute
	S_IRWXO Mode = 0o0007 // others mask
	S_IROTH Mode = 0o0004 // others read
	S_IWOTH Mode = 0o0002 // others write
	S_IXOTH Mode = 0o0001 // others execute

	S_IREAD  Mode = S_IRUSR // Unix V7 synonym for S_IRUSR
	S_IWRITE Mode = S_IWUSR // Unix V7 synonym for S_IWUSR
	S_IEXEC  Mode = S_IXUSR // Unix V7 synonym for S_IXUSR

	// ModePermMask is the mask S_IMODE applies: permissions plus setuid, setgid
	// and sticky.
	ModePermMask Mode = 0o7777
	// WriteBits are the three write permission bits (S_IWUSR|S_IWGRP|S_IWOTH).
	WriteBits Mode = S_IWUSR | S_IWGRP | S_IWOTH
)

// Type returns the file type bits of m (S_IFMT(m)).
func (m Mode) Type() Mode { return m & S_IFMT }

// Perm returns the permission and special bits of m (S_IMODE(m)).
func (m Mode) Perm() Mode { return m & ModePermMask }

// IsDir reports whether m is a directory (S_ISDIR).
func (m Mode) IsDir() bool { return m&S_IFMT == S_IFDIR }

// IsRegular reports whether m is a regular file (S_ISREG).
func (m Mode) IsRegular() bool { return m&S_IFMT == S_IFREG }

// IsSymlink reports whether m is a symbolic link (S_ISLNK).
func (m Mode) IsSymlink() bool { return m&S_IFMT == S_IFLNK }

// String returns FileMode(m), for example "-rw-r--r--".
func (m Mode) String() string { return FileMode(m) }

// S_IMODE returns the permission and special bits of m, as Python's stat.S_IMODE.
func S_IMODE(m Mode) Mode { return m & ModePermMask }

// IFMT returns the file type bits of m, as Python's stat.S_IFMT function (in Go
// the name S_IFMT is the mask constant).
func IFMT(m Mode) Mode { return m & S_IFMT }

// S_ISDIR reports whether m is a directory.
func S_ISDIR(m Mode) bool { return m&S_IFMT == S_IFDIR }

// S_ISCHR reports whether m is a character device.
func S_ISCHR(m Mode) bool { return m&S_IFMT == S_IFCHR }

// S_ISBLK reports whether m is a block device.
func S_ISBLK(m Mode) bool { return m&S_IFMT == S_IFBLK }

// S_ISREG reports whether m is a regular file.
func S_ISREG(m Mode) bool { return m&S_IFMT == S_IFREG }

// S_ISFIFO reports whether m is a FIFO (named pipe).
func S_ISFIFO(m Mode) bool { return m&S_IFMT == S_IFIFO }

// S_ISLNK reports whether m is a symbolic link.
func S_ISLNK(m Mode) bool { return m&S_IFMT == S_IFLNK }

// S_ISSOCK reports whether m is a socket.
func S_ISSOCK(m Mode) bool { return m&S_IFMT == S_IFSOCK }

// S_ISDOOR reports whether m is a door. It is always false; see S_IFDOOR.
func S_ISDOOR(Mode) bool { return false }

// S_ISPORT reports whether m is an event port. It is always false; see S_IFPORT.
func S_ISPORT(Mode) bool { return false }

// S_ISWHT reports whether m is a whiteout. It is always false; see S_IFWHT.
func S_ISWHT(Mode) bool { return false }

// typeChar is the first character of FileMode, as CPython's _stat.filemode.
func typeChar(m Mode) byte {
	switch m & S_IFMT {
	case S_IFREG:
		return '-'
	case S_IFDIR:
		return 'd'
	case S_IFLNK:
		return 'l'
	case S_IFBLK:
		return 'b'
	case S_IFCHR:
		return 'c'
	case S_IFIFO:
		return 'p'
	case S_IFSOCK:
		return 's'
	}
	return '?'
}

// FileMode returns the ls-style mode string of m, "-rwxr-xr-x", exactly as
// CPython's stat.filemode (its C implementation in Modules/_stat.c) returns it on a
// system without doors, event ports or whiteouts (Linux, Windows): the type
// character is one of "-dlbcps", or '?' for any other S_IFMT value (including 0);
// setuid, setgid and sticky show as s/S, s/S and t/T. Bits above S_IFMT are ignored.
func FileMode(m Mode) string {
	var b [10]byte
	b[0] = typeChar(m)
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m&(1<<(8-i)) != 0 {
			b[1+i] = rwx[i]
		} else {
			b[1+i] = '-'
		}
	}
	special := func(i int, bit Mode, set, unset byte) {
		if m&bit != 0 {
			if b[i] == '-' {
				b[i] = unset
			} else {
				b[i] = set
			}
		}
	}
	special(3, S_ISUID, 's', 'S')
	special(6, S_ISGID, 's', 'S')
	special(9, S_ISVTX, 't', 'T')
	return string(b[:])
}

// ToFileMode converts a POSIX mode to an io/fs.FileMode, with the rules of Go's
// os/stat_linux.go: permission bits are copied, setuid/setgid/sticky become
// ModeSetuid/ModeSetgid/ModeSticky, and the type becomes ModeDir, ModeSymlink,
// ModeNamedPipe, ModeSocket, ModeDevice or ModeDevice|ModeCharDevice. A regular
// file and a mode without type bits (permissions only) get no type bit; any other
// S_IFMT value becomes ModeIrregular.
func ToFileMode(m Mode) fs.FileMode {
	fm := fs.FileMode(m & 0o777)
	switch m & S_IFMT {
	case 0, S_IFREG:
	case S_IFDIR:
		fm |= fs.ModeDir
	case S_IFLNK:
		fm |= fs.ModeSymlink
	case S_IFIFO:
		fm |= fs.ModeNamedPipe
	case S_IFSOCK:
		fm |= fs.ModeSocket
	case S_IFBLK:
		fm |= fs.ModeDevice
	case S_IFCHR:
		fm |= fs.ModeDevice | fs.ModeCharDevice
	default:
		fm |= fs.ModeIrregular
	}
	if m&S_ISUID != 0 {
		fm |= fs.ModeSetuid
	}
	if m&S_ISGID != 0 {
		fm |= fs.ModeSetgid
	}
	if m&S_ISVTX != 0 {
		fm |= fs.ModeSticky
	}
	return fm
}

// FromFileMode converts an io/fs.FileMode to a POSIX mode, the inverse of
// ToFileMode. A FileMode without type bits is a regular file (S_IFREG).
// ModeIrregular has no POSIX type and gives a mode without type bits; ModeAppend,
// ModeExclusive and ModeTemporary (Plan 9) have no st_mode bit and are dropped.
// ModeCharDevice without ModeDevice is still a character device.
func FromFileMode(fm fs.FileMode) Mode {
	m := Mode(fm.Perm())
	switch {
	case fm&fs.ModeDir != 0:
		m |= S_IFDIR
	case fm&fs.ModeSymlink != 0:
		m |= S_IFLNK
	case fm&fs.ModeNamedPipe != 0:
		m |= S_IFIFO
	case fm&fs.ModeSocket != 0:
		m |= S_IFSOCK
	case fm&fs.ModeCharDevice != 0:
		m |= S_IFCHR
	case fm&fs.ModeDevice != 0:
		m |= S_IFBLK
	case fm&fs.ModeIrregular != 0:
	default:
		m |= S_IFREG
	}
	if fm&fs.ModeSetuid != 0 {
		m |= S_ISUID
	}
	if fm&fs.ModeSetgid != 0 {
		m |= S_ISGID
	}
	if fm&fs.ModeSticky != 0 {
		m |= S_ISVTX
	}
	return m
}
