package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lookupProcess reads /proc: the executable's path and base name (from /proc/PID/exe, or
// /proc/PID/comm when the link is unreadable) and the parent from /proc/PID/stat.
// The kernel reports the calling thread to FUSE; its process is the thread group
// (Tgid in /proc/PID/status).
func lookupProcess(pid uint32) (Process, error) {
	dir := "/proc/" + strconv.FormatUint(uint64(pid), 10)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Process{}, fmt.Errorf("process %d: %w", pid, err)
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	j := strings.IndexByte(s, '(')
	if i < 0 || j < 0 || j > i {
		return Process{}, fmt.Errorf("process %d: unreadable /proc stat", pid)
	}
	p := Process{Name: s[j+1 : i]}
	if f := strings.Fields(s[i+1:]); len(f) >= 2 {
		ppid, _ := strconv.ParseUint(f[1], 10, 32)
		p.Ppid = uint32(ppid)
	}
	if status, err := os.ReadFile(dir + "/status"); err == nil {
		if _, rest, ok := strings.Cut(string(status), "\nTgid:"); ok {
			line, _, _ := strings.Cut(rest, "\n")
			if tgid, err := strconv.ParseUint(strings.TrimSpace(line), 10, 32); err == nil {
				p.Pid = uint32(tgid)
			}
		}
	}
	if exe, err := os.Readlink(dir + "/exe"); err == nil {
		p.Path = strings.TrimSuffix(exe, " (deleted)")
		p.Name = filepath.Base(p.Path)
	}
	return p, nil
}
