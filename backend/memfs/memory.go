package memfs

// MemoryLimit returns the capacity of a memfs whose Options.Capacity is zero: half of
// the machine's physical memory, as tmpfs has by default (on Linux, half of the
// memory limit of the process's cgroup when that is lower), rounded down to whole
// pages; 0 when the system does not say.
func MemoryLimit() int64 {
	m := physicalMemory()
	if c := cgroupMemoryLimit(); c > 0 && (m == 0 || c < m) {
		m = c
	}
	return m / 2 &^ (PageSize - 1)
}
