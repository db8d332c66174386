package attr

// BSDFlags is a set of st_flags bits (chflags(2)) with FreeBSD's values. They are
// also the values WinFsp-FUSE gives the Windows attributes it carries in
// Stat_t.Flags and Chflags (cgofuse's fuse.UF_HIDDEN, UF_READONLY, UF_SYSTEM,
// UF_ARCHIVE). macOS uses different values for some bits (0x80 is UF_SYSTEM here
// and UF_DATAVAULT there): its flags are DarwinFlags, a distinct type, so the two
// namespaces cannot be mixed by accident.
type BSDFlags uint32

// FreeBSD / WinFsp-FUSE file flags (sys/stat.h).
const (
	UF_NODUMP    BSDFlags = 0x00000001 // do not dump file
	UF_IMMUTABLE BSDFlags = 0x00000002 // file may not be changed
	UF_APPEND    BSDFlags = 0x00000004 // writes to file may only append
	UF_OPAQUE    BSDFlags = 0x00000008 // directory is opaque wrt. union
	UF_NOUNLINK  BSDFlags = 0x00000010 // file may not be removed or renamed
	UF_SYSTEM    BSDFlags = 0x00000080 // Windows FILE_ATTRIBUTE_SYSTEM
	UF_SPARSE    BSDFlags = 0x00000100 // sparse file (FILE_ATTRIBUTE_SPARSE_FILE)
	UF_OFFLINE   BSDFlags = 0x00000200 // file is offline (FILE_ATTRIBUTE_OFFLINE)
	UF_REPARSE   BSDFlags = 0x00000400 // Windows reparse point (FILE_ATTRIBUTE_REPARSE_POINT)
	UF_ARCHIVE   BSDFlags = 0x00000800 // file needs to be archived (FILE_ATTRIBUTE_ARCHIVE)
	UF_READONLY  BSDFlags = 0x00001000 // Windows FILE_ATTRIBUTE_READONLY
	UF_HIDDEN    BSDFlags = 0x00008000 // file is hidden (FILE_ATTRIBUTE_HIDDEN)
	UF_SETTABLE  BSDFlags = 0x0000ffff // mask of owner changeable flags

	SF_ARCHIVED  BSDFlags = 0x00010000 // file is archived (super-user)
	SF_IMMUTABLE BSDFlags = 0x00020000 // file may not be changed (super-user)
	SF_APPEND    BSDFlags = 0x00040000 // writes to file may only append (super-user)
	SF_NOUNLINK  BSDFlags = 0x00100000 // file may not be removed or renamed (super-user)
	SF_SNAPSHOT  BSDFlags = 0x00200000 // snapshot inode
	SF_SETTABLE  BSDFlags = 0xffff0000 // mask of superuser changeable flags

	// WinFspFlags are the only flags WinFsp-FUSE carries between Windows
	// attributes and st_flags (cgofuse fuse/fsop_cgo.go).
	WinFspFlags = UF_HIDDEN | UF_READONLY | UF_SYSTEM | UF_ARCHIVE

	// WindowsBSDFlags are the flags that stand for Windows attributes: the ones
	// ToPOSIX computes. Merge its result into existing flags with
	// prev&^WindowsBSDFlags | flags.
	WindowsBSDFlags = UF_SYSTEM | UF_SPARSE | UF_OFFLINE | UF_REPARSE | UF_ARCHIVE |
		UF_READONLY | UF_HIDDEN
)

var bsdFlagNames = []bitName{
	{uint32(UF_NODUMP), "UF_NODUMP"},
	{uint32(UF_IMMUTABLE), "UF_IMMUTABLE"},
	{uint32(UF_APPEND), "UF_APPEND"},
	{uint32(UF_OPAQUE), "UF_OPAQUE"},
	{uint32(UF_NOUNLINK), "UF_NOUNLINK"},
	{uint32(UF_SYSTEM), "UF_SYSTEM"},
	{uint32(UF_SPARSE), "UF_SPARSE"},
	{uint32(UF_OFFLINE), "UF_OFFLINE"},
	{uint32(UF_REPARSE), "UF_REPARSE"},
	{uint32(UF_ARCHIVE), "UF_ARCHIVE"},
	{uint32(UF_READONLY), "UF_READONLY"},
	{uint32(UF_HIDDEN), "UF_HIDDEN"},
	{uint32(SF_ARCHIVED), "SF_ARCHIVED"},
	{uint32(SF_IMMUTABLE), "SF_IMMUTABLE"},
	{uint32(SF_APPEND), "SF_APPEND"},
	{uint32(SF_NOUNLINK), "SF_NOUNLINK"},
	{uint32(SF_SNAPSHOT), "SF_SNAPSHOT"},
}

// String returns the flags as C names joined by '|', lowest bit first
// ("UF_ARCHIVE|UF_HIDDEN"); bits without a name are one hexadecimal token, zero is
// "0".
func (f BSDFlags) String() string { return formatBits(uint32(f), bsdFlagNames) }

// ParseBSDFlags parses the form String produces, case-insensitively.
func ParseBSDFlags(s string) (BSDFlags, error) {
	v, err := parseBits(s, "BSD flag", "", bsdFlagNames, nil)
	return BSDFlags(v), err
}

// DarwinFlags is a set of macOS st_flags bits (sys/stat.h on Darwin). See BSDFlags
// for why it is a separate type.
type DarwinFlags uint32

// macOS file flags. The C names carry a Darwin prefix here because the unprefixed
// names are the FreeBSD values (BSDFlags).
const (
	DarwinUF_NODUMP     DarwinFlags = 0x00000001 // UF_NODUMP: do not dump file
	DarwinUF_IMMUTABLE  DarwinFlags = 0x00000002 // UF_IMMUTABLE: file may not be changed
	DarwinUF_APPEND     DarwinFlags = 0x00000004 // UF_APPEND: writes may only append
	DarwinUF_OPAQUE     DarwinFlags = 0x00000008 // UF_OPAQUE: directory opaque wrt. union
	DarwinUF_COMPRESSED DarwinFlags = 0x00000020 // UF_COMPRESSED: stored compressed (decmpfs)
	DarwinUF_TRACKED    DarwinFlags = 0x00000040 // UF_TRACKED: renames and deletes are tracked
	DarwinUF_DATAVAULT  DarwinFlags = 0x00000080 // UF_DATAVAULT: entitlement required for reading and writing
	DarwinUF_HIDDEN     DarwinFlags = 0x00008000 // UF_HIDDEN: hint that the file should not be displayed
	DarwinUF_SETTABLE   DarwinFlags = 0x0000ffff // UF_SETTABLE: mask of owner changeable flags

	DarwinSF_ARCHIVED   DarwinFlags = 0x00010000 // SF_ARCHIVED: file is archived
	DarwinSF_IMMUTABLE  DarwinFlags = 0x00020000 // SF_IMMUTABLE: file may not be changed
	DarwinSF_APPEND     DarwinFlags = 0x00040000 // SF_APPEND: writes may only append
	DarwinSF_RESTRICTED DarwinFlags = 0x00080000 // SF_RESTRICTED: entitlement required for writing
	DarwinSF_NOUNLINK   DarwinFlags = 0x00100000 // SF_NOUNLINK: item may not be removed, renamed or mounted on
	DarwinSF_FIRMLINK   DarwinFlags = 0x00800000 // SF_FIRMLINK: file is a firmlink
	DarwinSF_DATALESS   DarwinFlags = 0x40000000 // SF_DATALESS: file is a dataless object
	DarwinSF_SETTABLE   DarwinFlags = 0x3fff0000 // SF_SETTABLE: mask of superuser changeable flags
	DarwinSF_SUPPORTED  DarwinFlags = 0x009f0000 // SF_SUPPORTED: mask of superuser supported flags
	DarwinSF_SYNTHETIC  DarwinFlags = 0xc0000000 // SF_SYNTHETIC: mask of system read-only synthetic flags
)

var darwinFlagNames = []bitName{
	{uint32(DarwinUF_NODUMP), "UF_NODUMP"},
	{uint32(DarwinUF_IMMUTABLE), "UF_IMMUTABLE"},
	{uint32(DarwinUF_APPEND), "UF_APPEND"},
	{uint32(DarwinUF_OPAQUE), "UF_OPAQUE"},
	{uint32(DarwinUF_COMPRESSED), "UF_COMPRESSED"},
	{uint32(DarwinUF_TRACKED), "UF_TRACKED"},
	{uint32(DarwinUF_DATAVAULT), "UF_DATAVAULT"},
	{uint32(DarwinUF_HIDDEN), "UF_HIDDEN"},
	{uint32(DarwinSF_ARCHIVED), "SF_ARCHIVED"},
	{uint32(DarwinSF_IMMUTABLE), "SF_IMMUTABLE"},
	{uint32(DarwinSF_APPEND), "SF_APPEND"},
	{uint32(DarwinSF_RESTRICTED), "SF_RESTRICTED"},
	{uint32(DarwinSF_NOUNLINK), "SF_NOUNLINK"},
	{uint32(DarwinSF_FIRMLINK), "SF_FIRMLINK"},
	{uint32(DarwinSF_DATALESS), "SF_DATALESS"},
}

// String returns the flags as their macOS C names (without the Go Darwin prefix)
// joined by '|' ("UF_HIDDEN|SF_DATALESS"); bits without a name are one hexadecimal
// token, zero is "0".
func (f DarwinFlags) String() string { return formatBits(uint32(f), darwinFlagNames) }

// ParseDarwinFlags parses the form String produces, case-insensitively.
func ParseDarwinFlags(s string) (DarwinFlags, error) {
	v, err := parseBits(s, "Darwin flag", "", darwinFlagNames, nil)
	return DarwinFlags(v), err
}
