package attr

import (
	"strings"
	"testing"
)

// fileAttributeTable is every FILE_ATTRIBUTE_* value of the references
// (by-handle-file-information, win32file, python-stat, cbfs-digest §4.1).
var fileAttributeTable = []struct {
	cName string
	attr  FileAttributes
	value uint32
}{
	{"FILE_ATTRIBUTE_READONLY", ReadOnly, 0x00000001},
	{"FILE_ATTRIBUTE_HIDDEN", Hidden, 0x00000002},
	{"FILE_ATTRIBUTE_SYSTEM", System, 0x00000004},
	{"FILE_ATTRIBUTE_DIRECTORY", Directory, 0x00000010},
	{"FILE_ATTRIBUTE_ARCHIVE", Archive, 0x00000020},
	{"FILE_ATTRIBUTE_DEVICE", Device, 0x00000040},
	{"FILE_ATTRIBUTE_NORMAL", Normal, 0x00000080},
	{"FILE_ATTRIBUTE_TEMPORARY", Temporary, 0x00000100},
	{"FILE_ATTRIBUTE_SPARSE_FILE", SparseFile, 0x00000200},
	{"FILE_ATTRIBUTE_REPARSE_POINT", ReparsePoint, 0x00000400},
	{"FILE_ATTRIBUTE_COMPRESSED", Compressed, 0x00000800},
	{"FILE_ATTRIBUTE_OFFLINE", Offline, 0x00001000},
	{"FILE_ATTRIBUTE_NOT_CONTENT_INDEXED", NotContentIndexed, 0x00002000},
	{"FILE_ATTRIBUTE_ENCRYPTED", Encrypted, 0x00004000},
	{"FILE_ATTRIBUTE_INTEGRITY_STREAM", IntegrityStream, 0x00008000},
	{"FILE_ATTRIBUTE_VIRTUAL", Virtual, 0x00010000},
	{"FILE_ATTRIBUTE_NO_SCRUB_DATA", NoScrubData, 0x00020000},
	{"FILE_ATTRIBUTE_RECALL_ON_OPEN", RecallOnOpen, 0x00040000},
	{"FILE_ATTRIBUTE_PINNED", Pinned, 0x00080000},
	{"FILE_ATTRIBUTE_UNPINNED", Unpinned, 0x00100000},
	{"FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS", RecallOnDataAccess, 0x00400000},
}

func TestFileAttributeValues(t *testing.T) {
	var all FileAttributes
	for _, tc := range fileAttributeTable {
		t.Run(tc.cName, func(t *testing.T) {
			if uint32(tc.attr) != tc.value {
				t.Errorf("%s = %#x, want %#x", tc.cName, uint32(tc.attr), tc.value)
			}
			if got, want := tc.attr.String(), strings.TrimPrefix(tc.cName, "FILE_ATTRIBUTE_"); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			for _, s := range []string{tc.cName, strings.ToLower(tc.cName), strings.TrimPrefix(tc.cName, "FILE_ATTRIBUTE_")} {
				got, err := ParseFileAttributes(s)
				if err != nil || got != tc.attr {
					t.Errorf("ParseFileAttributes(%q) = %v, %v; want %v", s, got, err, tc.attr)
				}
			}
		})
		if all&tc.attr != 0 {
			t.Errorf("%s overlaps another attribute", tc.cName)
		}
		all |= tc.attr
	}
	if all != KnownFileAttributes {
		t.Errorf("KnownFileAttributes = %#x, table has %#x", uint32(KnownFileAttributes), uint32(all))
	}
	if EA != RecallOnOpen || InvalidFileAttributes != 0xFFFFFFFF {
		t.Errorf("EA = %#x, InvalidFileAttributes = %#x", uint32(EA), uint32(InvalidFileAttributes))
	}
	if want := ReadOnly | Hidden | System | Archive | Normal | Temporary | Offline | NotContentIndexed; SettableFileAttributes != want {
		t.Errorf("SettableFileAttributes = %v, want %v", SettableFileAttributes, want)
	}
}

func TestFileAttributesString(t *testing.T) {
	tests := []struct {
		a    FileAttributes
		want string
	}{
		{0, "0"},
		{ReadOnly | Hidden, "READONLY|HIDDEN"},
		{Hidden | ReadOnly, "READONLY|HIDDEN"},
		{Directory | ReparsePoint, "DIRECTORY|REPARSE_POINT"},
		{Archive | 0x200000, "ARCHIVE|0x200000"},
		{0x8 | 0x200000 | 0x80000000, "0x80200008"},
		{RecallOnDataAccess | Pinned, "PINNED|RECALL_ON_DATA_ACCESS"},
		{InvalidFileAttributes, "READONLY|HIDDEN|SYSTEM|DIRECTORY|ARCHIVE|DEVICE|NORMAL|TEMPORARY|SPARSE_FILE|REPARSE_POINT|COMPRESSED|OFFLINE|NOT_CONTENT_INDEXED|ENCRYPTED|INTEGRITY_STREAM|VIRTUAL|NO_SCRUB_DATA|RECALL_ON_OPEN|PINNED|UNPINNED|RECALL_ON_DATA_ACCESS|0xffa00008"},
	}
	for _, tc := range tests {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("FileAttributes(%#x).String() = %q, want %q", uint32(tc.a), got, tc.want)
		}
		back, err := ParseFileAttributes(tc.want)
		if err != nil || back != tc.a {
			t.Errorf("ParseFileAttributes(%q) = %#x, %v; want %#x", tc.want, uint32(back), err, uint32(tc.a))
		}
	}
}

func TestParseFileAttributes(t *testing.T) {
	tests := []struct {
		in      string
		want    FileAttributes
		wantErr string // substring of the error; "" for success
	}{
		{"", 0, ""},
		{"  ", 0, ""},
		{"0", 0, ""},
		{"readonly|Hidden", ReadOnly | Hidden, ""},
		{"FILE_ATTRIBUTE_READONLY | file_attribute_system", ReadOnly | System, ""},
		{"ea", RecallOnOpen, ""},
		{"0x20|32|0o40", Archive, ""},
		{"HIDDEN|0x100000", Hidden | Unpinned, ""},
		{"HIDDEN|BOGUS", 0, `"BOGUS"`},
		{"FILE_ATTRIBUTE_NOPE", 0, `"FILE_ATTRIBUTE_NOPE"`},
		{"HIDDEN||SYSTEM", 0, "empty"},
		{"HIDDEN|", 0, "empty"},
		{"0x100000000", 0, `"0x100000000"`},
		{"12abc", 0, `"12abc"`},
		{"READ ONLY", 0, `"READ ONLY"`},
	}
	for _, tc := range tests {
		got, err := ParseFileAttributes(tc.in)
		switch {
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("ParseFileAttributes(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseFileAttributes(%q) error = %v; want one containing %s", tc.in, err, tc.wantErr)
		}
	}
}

func FuzzRoundTripFileAttributesString(f *testing.F) {
	for _, v := range []uint32{0, 1, 0x80, 0x410, 0xFFFFFFFF, 0x200000} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v uint32) {
		a := FileAttributes(v)
		back, err := ParseFileAttributes(a.String())
		if err != nil || back != a {
			t.Fatalf("Parse(%q) = %#x, %v; want %#x", a.String(), uint32(back), err, v)
		}
	})
}

func TestApplySetFileAttributes(t *testing.T) {
	tests := []struct {
		name     string
		cur, req FileAttributes
		want     FileAttributes
	}{
		{"zero means unchanged", Hidden | Archive, 0, Hidden | Archive},
		{"normal clears settable", ReadOnly | Hidden | System | Archive | Temporary, Normal, Normal},
		{"normal keeps directory", Directory | Hidden, Normal, Directory},
		{"replace settable", Hidden | Archive, ReadOnly, ReadOnly},
		{"normal with others is ignored", Archive, Normal | Hidden, Hidden},
		{"cannot set directory", Archive, Directory | Hidden, Hidden},
		{"cannot clear reparse point", ReparsePoint | Hidden, Archive, ReparsePoint | Archive},
		{"keeps compressed", Compressed | Archive, Offline | NotContentIndexed, Compressed | Offline | NotContentIndexed},
		{"keeps sparse, encrypted", SparseFile | Encrypted, Hidden, SparseFile | Encrypted | Hidden},
		{"cannot set compressed", Normal, Compressed, Normal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ApplySetFileAttributes(tc.cur, tc.req); got != tc.want {
				t.Errorf("ApplySetFileAttributes(%v, %v) = %v, want %v", tc.cur, tc.req, got, tc.want)
			}
		})
	}
}
