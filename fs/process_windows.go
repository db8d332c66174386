package fs

import (
	"fmt"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// lookupProcess asks Windows for the image name (QueryFullProcessImageName) and the
// parent (a Toolhelp snapshot).
func lookupProcess(pid uint32) (Process, error) {
	var p Process
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return p, fmt.Errorf("process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return p, fmt.Errorf("process %d: %w", pid, err)
	}
	p.Path = windows.UTF16ToString(buf[:n])
	p.Name = filepath.Base(p.Path)
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return p, nil
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if e.ProcessID == pid {
			p.Ppid = e.ParentProcessID
			break
		}
	}
	return p, nil
}
