package fs

import "sort"

// OpenFileStatus describes one open file (CBFS create_opened_files_snapshot).
type OpenFileStatus struct {
	Name      string    // current volume path
	Handles   int       // open handles
	Deleted   bool      // unlinked while open
	Directory bool      // an open directory
	Processes []Process // the processes that opened the handles (name looked up lazily)
}

// OpenFiles returns a snapshot of the open files, sorted by name.
func (v *Volume) OpenFiles() []OpenFileStatus {
	type acc struct {
		st   OpenFileStatus
		pids map[uint32]bool
	}
	byFile := map[*openFile]*acc{}
	get := func(f *openFile) *acc {
		a := byFile[f]
		if a == nil {
			a = &acc{st: OpenFileStatus{Name: f.path(), Deleted: f.deleted, Directory: f.isDir}, pids: map[uint32]bool{}}
			byFile[f] = a
		}
		return a
	}
	v.mu.Lock()
	for h := range v.handles {
		a := get(h.f)
		a.st.Handles++
		a.pids[h.caller.Pid] = true
	}
	for d := range v.dirs {
		a := get(d.f)
		a.st.Handles++
	}
	v.mu.Unlock()
	out := make([]OpenFileStatus, 0, len(byFile))
	for _, a := range byFile {
		seen := map[uint32]bool{}
		for pid := range a.pids {
			p, err := LookupProcess(pid)
			if err != nil {
				p = Process{Pid: pid}
			}
			if !seen[p.Pid] { // threads of one process are one opener
				seen[p.Pid] = true
				a.st.Processes = append(a.st.Processes, p)
			}
		}
		sort.Slice(a.st.Processes, func(i, j int) bool { return a.st.Processes[i].Pid < a.st.Processes[j].Pid })
		out = append(out, a.st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// OpenFileCount returns how many files are open (CBFS open_files_count).
func (v *Volume) OpenFileCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	seen := map[*openFile]bool{}
	for h := range v.handles {
		seen[h.f] = true
	}
	for d := range v.dirs {
		seen[d.f] = true
	}
	return len(seen)
}

// OpenHandleCount returns how many handles are open (CBFS open_handles_count).
func (v *Volume) OpenHandleCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.handles) + len(v.dirs)
}
