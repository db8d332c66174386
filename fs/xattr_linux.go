package fs

import (
	"os"
	"strconv"
	"strings"
)

// xattrPrefix is the extended-attribute namespace that holds named streams. The
// other namespaces (trusted., security., system.) reach an XattrNamespacer only.
const xattrPrefix = "user."

// The capabilities (linux/capability.h) the kernel asks for in the xattr
// namespaces.
const (
	capFowner   = 3
	capSysAdmin = 21
	capSetfcap  = 31
)

// hasCapability reports whether the process pid has capability bit c in its
// effective set (CapEff in /proc/PID/status; FUSE names the calling thread, whose
// entry is there too). A process that is gone counts as privileged when its uid was
// 0.
func hasCapability(pid, uid uint32, c uint) bool {
	status, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/status")
	if err != nil {
		return uid == 0
	}
	_, rest, ok := strings.Cut(string(status), "\nCapEff:")
	if !ok {
		return uid == 0
	}
	line, _, _ := strings.Cut(rest, "\n")
	caps, err := strconv.ParseUint(strings.TrimSpace(line), 16, 64)
	if err != nil {
		return uid == 0
	}
	return caps&(1<<c) != 0
}
