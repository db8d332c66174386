package memfs

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func physicalMemory() int64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

// cgroupMemoryLimit reads the memory limit of the process's cgroup: memory.max
// (cgroup v2) or memory.limit_in_bytes (v1); 0 when there is none or it cannot be
// read.
func cgroupMemoryLimit() int64 {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var file string
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			file = "/sys/fs/cgroup" + path + "/memory.max"
		} else if _, path, ok := strings.Cut(line, ":memory:"); ok {
			file = "/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes"
		} else {
			continue
		}
		limit, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(limit)), 10, 64); err == nil {
			return n // v1 without a limit says a huge number; "max" (v2) fails to parse
		}
	}
	return 0
}
