//go:build !(linux || darwin || freebsd || windows)

package memfs

func physicalMemory() int64 { return 0 }

func cgroupMemoryLimit() int64 { return 0 }
