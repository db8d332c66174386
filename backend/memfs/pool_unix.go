//go:build linux || darwin || freebsd

package memfs

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const chunksSupported = true

func pageAddr(pg *page) uintptr { return uintptr(unsafe.Pointer(pg)) }

// mapChunk maps chunkSize bytes of zeroed memory aligned to chunkSize: twice that
// is mapped and the ends are trimmed. adviseChunk then asks the kernel to back it
// well.
func mapChunk() (*[chunkPages]page, uintptr, error) {
	p, err := unix.MmapPtr(-1, 0, nil, 2*chunkSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, 0, err
	}
	start := uintptr(p)
	base := (start + chunkSize - 1) &^ (chunkSize - 1)
	if head := base - start; head > 0 {
		unix.MunmapPtr(p, head)
	}
	if tail := start + 2*chunkSize - (base + chunkSize); tail > 0 {
		unix.MunmapPtr(unsafe.Add(p, base+chunkSize-start), tail)
	}
	mem := (*[chunkPages]page)(unsafe.Add(p, base-start))
	adviseChunk(unsafe.Slice((*byte)(unsafe.Pointer(mem)), chunkSize))
	return mem, base, nil
}

func unmapChunk(c *[chunkPages]page) {
	unix.MunmapPtr(unsafe.Pointer(c), chunkSize)
}
