//go:build windows

package vault

import "golang.org/x/sys/windows"

func diskSpaceOS(dir string) (total, free, avail uint64, err error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	err = windows.GetDiskFreeSpaceEx(p, &avail, &total, &free)
	return total, free, avail, err
}
