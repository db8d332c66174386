package fs

import (
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Process describes the process behind a request, as the OS reports it.
type Process struct {
	// Pid is the process id. FUSE on Linux reports the calling thread; LookupProcess
	// returns the thread's process.
	Pid  uint32
	Name string // executable base name, such as "cat"
	Path string // the executable's absolute path (Linux, Windows); "" when unknown
	Ppid uint32 // parent process id; 0 when unknown
}

// Is reports whether p runs the program named prog: an executable base name
// ("cat") is compared with Name, an absolute path ("/usr/bin/cat") with Path.
func (p Process) Is(prog string) bool {
	if filepath.IsAbs(prog) {
		return p.Path != "" && samePath(p.Path, prog)
	}
	return p.Name == prog
}

// samePath compares executable paths as the OS does: ignoring case on Windows.
func samePath(a, b string) bool {
	a, b = filepath.Clean(a), filepath.Clean(b)
	if runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// processCache remembers process lookups for a short time: pids are reused, so an
// entry older than processTTL is looked up again. It holds at most processMax entries.
type processCache struct {
	mu      sync.Mutex
	entries map[uint32]processEntry
}

type processEntry struct {
	p    Process
	err  error
	when time.Time
}

const (
	processTTL = 2 * time.Second
	processMax = 1024
)

var processes = processCache{entries: make(map[uint32]processEntry)}

// LookupProcess returns what the OS says about pid (its executable name and parent),
// from a small cache. Lookups are lazy: nothing is asked until a rule or a handler
// needs it.
func LookupProcess(pid uint32) (Process, error) {
	if pid == 0 {
		return Process{}, ErrNotExist
	}
	now := time.Now()
	processes.mu.Lock()
	e, ok := processes.entries[pid]
	processes.mu.Unlock()
	if ok && now.Sub(e.when) < processTTL {
		return e.p, e.err
	}
	p, err := lookupProcess(pid)
	if p.Pid == 0 {
		p.Pid = pid
	}
	processes.mu.Lock()
	if len(processes.entries) >= processMax {
		for k, old := range processes.entries {
			if now.Sub(old.when) >= processTTL || len(processes.entries) >= processMax {
				delete(processes.entries, k)
			}
		}
	}
	processes.entries[pid] = processEntry{p: p, err: err, when: now}
	processes.mu.Unlock()
	return p, err
}

// Process returns the caller's process information (looked up lazily, cached).
func (c Caller) Process() (Process, error) { return LookupProcess(c.Pid) }
