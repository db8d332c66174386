// Package attr is the attribute algebra of anyfs: Windows FILE_ATTRIBUTE_* values,
// POSIX st_mode bits, BSD st_flags, FILETIME, and the translations between them.
//
// It is pure and portable: it imports no OS-specific package and builds on every
// platform with CGO_ENABLED=0. The translation rules and every lossy case are
// written down in docs/attributes.md.
package attr

// FileAttributes is a set of Windows FILE_ATTRIBUTE_* bits.
type FileAttributes uint32

// Windows file attributes (FILE_ATTRIBUTE_*), values from winnt.h.
const (
	ReadOnly           FileAttributes = 0x1      // FILE_ATTRIBUTE_READONLY
	Hidden             FileAttributes = 0x2      // FILE_ATTRIBUTE_HIDDEN
	System             FileAttributes = 0x4      // FILE_ATTRIBUTE_SYSTEM
	Directory          FileAttributes = 0x10     // FILE_ATTRIBUTE_DIRECTORY
	Archive            FileAttributes = 0x20     // FILE_ATTRIBUTE_ARCHIVE
	Device             FileAttributes = 0x40     // FILE_ATTRIBUTE_DEVICE (reserved for system use)
	Normal             FileAttributes = 0x80     // FILE_ATTRIBUTE_NORMAL (valid only alone)
	Temporary          FileAttributes = 0x100    // FILE_ATTRIBUTE_TEMPORARY
	SparseFile         FileAttributes = 0x200    // FILE_ATTRIBUTE_SPARSE_FILE
	ReparsePoint       FileAttributes = 0x400    // FILE_ATTRIBUTE_REPARSE_POINT
	Compressed         FileAttributes = 0x800    // FILE_ATTRIBUTE_COMPRESSED
	Offline            FileAttributes = 0x1000   // FILE_ATTRIBUTE_OFFLINE
	NotContentIndexed  FileAttributes = 0x2000   // FILE_ATTRIBUTE_NOT_CONTENT_INDEXED
	Encrypted          FileAttributes = 0x4000   // FILE_ATTRIBUTE_ENCRYPTED
	IntegrityStream    FileAttributes = 0x8000   // FILE_ATTRIBUTE_INTEGRITY_STREAM
	Virtual            FileAttributes = 0x10000  // FILE_ATTRIBUTE_VIRTUAL (reserved)
	NoScrubData        FileAttributes = 0x20000  // FILE_ATTRIBUTE_NO_SCRUB_DATA
	RecallOnOpen       FileAttributes = 0x40000  // FILE_ATTRIBUTE_RECALL_ON_OPEN
	Pinned             FileAttributes = 0x80000  // FILE_ATTRIBUTE_PINNED
	Unpinned           FileAttributes = 0x100000 // FILE_ATTRIBUTE_UNPINNED
	RecallOnDataAccess FileAttributes = 0x400000 // FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS

	// EA is FILE_ATTRIBUTE_EA, which shares its value with RecallOnOpen: extended
	// attributes in some contexts, "recall on open" in directory enumerations.
	EA FileAttributes = RecallOnOpen

	// InvalidFileAttributes is INVALID_FILE_ATTRIBUTES (0xFFFFFFFF), the value
	// GetFileAttributes returns on failure. It is not a set of attributes.
	InvalidFileAttributes FileAttributes = 0xFFFFFFFF

	// KnownFileAttributes is the union of every named attribute above.
	KnownFileAttributes = ReadOnly | Hidden | System | Directory | Archive | Device |
		Normal | Temporary | SparseFile | ReparsePoint | Compressed | Offline |
		NotContentIndexed | Encrypted | IntegrityStream | Virtual | NoScrubData |
		RecallOnOpen | Pinned | Unpinned | RecallOnDataAccess

	// SettableFileAttributes are the attributes SetFileAttributes may change; the
	// others are set by specific operations (create a directory, set a reparse
	// point, compress, encrypt, ...) or by the system.
	SettableFileAttributes = ReadOnly | Hidden | System | Archive | Normal | Temporary |
		Offline | NotContentIndexed
)

// fileAttributeNames lists the attributes in bit order without their
// FILE_ATTRIBUTE_ prefix.
var fileAttributeNames = []bitName{
	{uint32(ReadOnly), "READONLY"},
	{uint32(Hidden), "HIDDEN"},
	{uint32(System), "SYSTEM"},
	{uint32(Directory), "DIRECTORY"},
	{uint32(Archive), "ARCHIVE"},
	{uint32(Device), "DEVICE"},
	{uint32(Normal), "NORMAL"},
	{uint32(Temporary), "TEMPORARY"},
	{uint32(SparseFile), "SPARSE_FILE"},
	{uint32(ReparsePoint), "REPARSE_POINT"},
	{uint32(Compressed), "COMPRESSED"},
	{uint32(Offline), "OFFLINE"},
	{uint32(NotContentIndexed), "NOT_CONTENT_INDEXED"},
	{uint32(Encrypted), "ENCRYPTED"},
	{uint32(IntegrityStream), "INTEGRITY_STREAM"},
	{uint32(Virtual), "VIRTUAL"},
	{uint32(NoScrubData), "NO_SCRUB_DATA"},
	{uint32(RecallOnOpen), "RECALL_ON_OPEN"},
	{uint32(Pinned), "PINNED"},
	{uint32(Unpinned), "UNPINNED"},
	{uint32(RecallOnDataAccess), "RECALL_ON_DATA_ACCESS"},
}

var fileAttributeAliases = map[string]uint32{"EA": uint32(EA)}

// String returns the attributes as names without the FILE_ATTRIBUTE_ prefix joined
// by '|', lowest bit first, for example "READONLY|HIDDEN". Bits without a name are
// shown as one hexadecimal token ("ARCHIVE|0x200000"); zero is "0". The result
// parses back with ParseFileAttributes.
func (a FileAttributes) String() string {
	return formatBits(uint32(a), fileAttributeNames)
}

// ParseFileAttributes parses the form String produces. Names are matched without
// regard to case and may carry the FILE_ATTRIBUTE_ prefix ("file_attribute_hidden");
// "EA" is accepted for RecallOnOpen. Numbers (0x20, 32) stand for their bits. The
// empty string and "0" are 0. An unknown name is an error that quotes it.
func ParseFileAttributes(s string) (FileAttributes, error) {
	v, err := parseBits(s, "file attribute", "FILE_ATTRIBUTE_", fileAttributeNames, fileAttributeAliases)
	return FileAttributes(v), err
}

// ApplySetFileAttributes returns the attributes a file with attributes cur has
// after SetFileAttributes(req), with the CBFS/Win32 conventions: req 0 means "no
// change"; otherwise the settable bits of req replace the settable bits of cur, so
// Normal (which has no other effect) clears them all. The bits outside
// SettableFileAttributes (Directory, ReparsePoint, Compressed, ...) are kept from cur
// whatever req says. The result never holds Normal with other bits, and is Normal
// when nothing else remains.
func ApplySetFileAttributes(cur, req FileAttributes) FileAttributes {
	if req == 0 {
		return cur
	}
	out := cur&^SettableFileAttributes | req&SettableFileAttributes
	return out.normalized()
}

// normalized drops Normal when other bits are present and returns Normal for 0.
func (a FileAttributes) normalized() FileAttributes {
	if a&^Normal != 0 {
		return a &^ Normal
	}
	return Normal
}
