package wine

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// version asks ntdll for wine_get_version, which only Wine's ntdll exports.
var version = sync.OnceValues(func() (string, bool) {
	proc := windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")
	if proc.Find() != nil {
		return "", false
	}
	r, _, _ := proc.Call()
	if r == 0 {
		return "", true
	}
	// r is a pointer to a static C string of Wine's ntdll.
	return windows.BytePtrToString(*(**byte)(unsafe.Pointer(&r))), true
})
