package attr

import "golang.org/x/sys/windows"

// ByHandleFromWindows converts the BY_HANDLE_FILE_INFORMATION that
// windows.GetFileInformationByHandle fills.
func ByHandleFromWindows(w *windows.ByHandleFileInformation) ByHandleFileInformation {
	ft := func(f windows.Filetime) Filetime { return FiletimeFromHighLow(f.HighDateTime, f.LowDateTime) }
	return ByHandleFileInformation{
		FileAttributes:     FileAttributes(w.FileAttributes),
		CreationTime:       ft(w.CreationTime),
		LastAccessTime:     ft(w.LastAccessTime),
		LastWriteTime:      ft(w.LastWriteTime),
		VolumeSerialNumber: w.VolumeSerialNumber,
		FileSizeHigh:       w.FileSizeHigh,
		FileSizeLow:        w.FileSizeLow,
		NumberOfLinks:      w.NumberOfLinks,
		FileIndexHigh:      w.FileIndexHigh,
		FileIndexLow:       w.FileIndexLow,
	}
}
