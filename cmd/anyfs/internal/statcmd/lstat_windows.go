package statcmd

import (
	"io/fs"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/anyfs/anyfs/pkg/attr"
)

// fileBasicInfo is FILE_BASIC_INFO (GetFileInformationByHandleEx FileBasicInfo),
// the only Win32 structure with the change time.
type fileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime int64
	FileAttributes                                          uint32
	_                                                       uint32
}

// fileStandardInfo is FILE_STANDARD_INFO (FileStandardInfo).
type fileStandardInfo struct {
	AllocationSize, EndOfFile int64
	NumberOfLinks             uint32
	DeletePending, Directory  bool
	_                         [2]byte
}

// lstat opens path without following a reparse point and reads
// BY_HANDLE_FILE_INFORMATION, plus FILE_BASIC_INFO for the change time and
// FILE_STANDARD_INFO for the allocation size.
func lstat(path string) (fileStat, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return fileStat{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return fileStat{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	defer windows.CloseHandle(h)
	var w windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &w); err != nil {
		return fileStat{}, &fs.PathError{Op: "GetFileInformationByHandle", Path: path, Err: err}
	}
	b := attr.ByHandleFromWindows(&w)
	st := attr.StatFromByHandle(b)
	var basic fileBasicInfo
	if windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&basic)), uint32(unsafe.Sizeof(basic))) == nil {
		st.Ctime = filetimeInt64(basic.ChangeTime)
	}
	var std fileStandardInfo
	if windows.GetFileInformationByHandleEx(h, windows.FileStandardInfo, (*byte)(unsafe.Pointer(&std)), uint32(unsafe.Sizeof(std))) == nil {
		st.Blocks = (std.AllocationSize + 511) / 512
	}
	fst := fileStat{st: st, attrs: b.FileAttributes}
	if b.FileAttributes&attr.ReparsePoint != 0 {
		fst.linkTarget, _ = os.Readlink(path)
	}
	return fst, nil
}

func filetimeInt64(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return attr.Filetime(v).Time()
}
