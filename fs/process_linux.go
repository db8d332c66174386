package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lookupProcess reads /proc: the executable's base name (from /proc/PID/exe, or
// /proc/PID/comm when the link is unreadable) and the parent from /proc/PID/stat.
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
	if exe, err := os.Readlink(dir + "/exe"); err == nil {
		p.Name = filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	}
	return p, nil
}
