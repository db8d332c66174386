//go:build linux || darwin

package test

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

const errROFS = syscall.EROFS

// mountOptions returns the options /proc/mounts shows for mnt ("" where there is
// no /proc/mounts).
func mountOptions(t *testing.T, mnt string) string {
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[1] == mnt {
			return f[3]
		}
	}
	t.Fatalf("%s is not in /proc/mounts", mnt)
	return ""
}
