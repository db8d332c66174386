package attr

import (
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// TestFileAttributesMatchXSys cross-checks the FILE_ATTRIBUTE_* values against
// golang.org/x/sys/windows (which lacks PINNED and UNPINNED).
func TestFileAttributesMatchXSys(t *testing.T) {
	tests := []struct {
		name string
		got  FileAttributes
		want uint32
	}{
		{"READONLY", ReadOnly, windows.FILE_ATTRIBUTE_READONLY},
		{"HIDDEN", Hidden, windows.FILE_ATTRIBUTE_HIDDEN},
		{"SYSTEM", System, windows.FILE_ATTRIBUTE_SYSTEM},
		{"DIRECTORY", Directory, windows.FILE_ATTRIBUTE_DIRECTORY},
		{"ARCHIVE", Archive, windows.FILE_ATTRIBUTE_ARCHIVE},
		{"DEVICE", Device, windows.FILE_ATTRIBUTE_DEVICE},
		{"NORMAL", Normal, windows.FILE_ATTRIBUTE_NORMAL},
		{"TEMPORARY", Temporary, windows.FILE_ATTRIBUTE_TEMPORARY},
		{"SPARSE_FILE", SparseFile, windows.FILE_ATTRIBUTE_SPARSE_FILE},
		{"REPARSE_POINT", ReparsePoint, windows.FILE_ATTRIBUTE_REPARSE_POINT},
		{"COMPRESSED", Compressed, windows.FILE_ATTRIBUTE_COMPRESSED},
		{"OFFLINE", Offline, windows.FILE_ATTRIBUTE_OFFLINE},
		{"NOT_CONTENT_INDEXED", NotContentIndexed, windows.FILE_ATTRIBUTE_NOT_CONTENT_INDEXED},
		{"ENCRYPTED", Encrypted, windows.FILE_ATTRIBUTE_ENCRYPTED},
		{"INTEGRITY_STREAM", IntegrityStream, windows.FILE_ATTRIBUTE_INTEGRITY_STREAM},
		{"VIRTUAL", Virtual, windows.FILE_ATTRIBUTE_VIRTUAL},
		{"NO_SCRUB_DATA", NoScrubData, windows.FILE_ATTRIBUTE_NO_SCRUB_DATA},
		{"RECALL_ON_OPEN", RecallOnOpen, windows.FILE_ATTRIBUTE_RECALL_ON_OPEN},
		{"RECALL_ON_DATA_ACCESS", RecallOnDataAccess, windows.FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS},
		{"INVALID_FILE_ATTRIBUTES", InvalidFileAttributes, windows.INVALID_FILE_ATTRIBUTES},
	}
	for _, tc := range tests {
		if uint32(tc.got) != tc.want {
			t.Errorf("%s = %#x, x/sys/windows %#x", tc.name, uint32(tc.got), tc.want)
		}
	}
}

// TestFiletimeMatchesXSys compares Filetime with windows.Filetime inside the
// range where its int64 nanoseconds do not overflow.
func TestFiletimeMatchesXSys(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1980, 2, 3, 4, 5, 6, 789012300, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Date(2200, 12, 31, 23, 59, 59, 999999900, time.UTC),
	} {
		f, err := FiletimeFromTime(tm)
		if err != nil {
			t.Fatal(err)
		}
		w := windows.NsecToFiletime(tm.UnixNano())
		if h, l := f.HighLow(); h != w.HighDateTime || l != w.LowDateTime {
			t.Errorf("%v: Filetime %d, x/sys %d", tm, f, JoinUint64(w.HighDateTime, w.LowDateTime))
		}
		if got := FiletimeFromHighLow(w.HighDateTime, w.LowDateTime).Time().UnixNano(); got != w.Nanoseconds() {
			t.Errorf("%v: Time %d, x/sys %d", tm, got, w.Nanoseconds())
		}
	}
}

// TestByHandleMatchesXSys checks that ByHandleFromWindows carries the fields of
// windows.ByHandleFileInformation and that a real file converts sensibly.
func TestByHandleMatchesXSys(t *testing.T) {
	path := t.TempDir()
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	var w windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &w); err != nil {
		t.Fatal(err)
	}
	b := ByHandleFromWindows(&w)
	if b.FileAttributes != FileAttributes(w.FileAttributes) || b.FileSize() != JoinUint64(w.FileSizeHigh, w.FileSizeLow) ||
		b.FileIndexHigh != w.FileIndexHigh || b.FileIndexLow != w.FileIndexLow || b.NumberOfLinks != w.NumberOfLinks ||
		b.VolumeSerialNumber != w.VolumeSerialNumber ||
		b.LastWriteTime != FiletimeFromHighLow(w.LastWriteTime.HighDateTime, w.LastWriteTime.LowDateTime) {
		t.Errorf("ByHandleFromWindows(%+v) = %+v", w, b)
	}
	s := StatFromByHandle(b)
	if !s.Mode.IsDir() || s.Ino == 0 || s.Birthtime.IsZero() {
		t.Errorf("StatFromByHandle(%+v) = %+v", b, s)
	}
}
