//go:build !(linux || darwin || freebsd)

package memfs

import "unsafe"

// chunksSupported is false: every page is a Go heap allocation.
const chunksSupported = false

func pageAddr(pg *page) uintptr { return uintptr(unsafe.Pointer(pg)) }

func mapChunk() (*[chunkPages]page, uintptr, error) { panic("memfs: no chunks on this system") }

func unmapChunk(*[chunkPages]page) {}
