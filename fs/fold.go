package fs

import (
	"strings"
	"sync"
	"time"
)

// foldIndex holds, for directories of a case-insensitive volume listed recently, the
// stored names by their folded case, so that resolving a name that does not exist
// as typed (every new name) does not list its directory each time: creating n files
// in a directory would otherwise cost n listings of it. The volume's own changes
// keep the index current; NotifyChange and ESTALE drop what they affect; a change
// made behind the volume's back without NotifyChange shows once foldTTL has passed.
type foldIndex struct {
	mu   sync.Mutex // protects dirs
	dirs map[string]*foldDir
}

type foldDir struct {
	names   map[string][]string // folded name -> stored names
	expires time.Time
}

const (
	// foldTTL is how long a directory's index is trusted: the kernel's default
	// entry timeout.
	foldTTL = time.Second
	// foldMaxDirs bounds the directories indexed.
	foldMaxDirs = 1000
)

func foldKey(name string) string { return strings.ToLower(name) }

// find returns the stored name of dir's entry base in any case ("" when there is
// none), and whether dir's index was there to answer.
func (x *foldIndex) find(dir, base string) (stored string, known bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	d := x.dirs[dir]
	if d == nil {
		return "", false
	}
	if time.Now().After(d.expires) {
		delete(x.dirs, dir)
		return "", false
	}
	if names := d.names[foldKey(base)]; len(names) > 0 {
		return names[0], true
	}
	return "", true
}

// fill records dir's listing.
func (x *foldIndex) fill(dir string, names []string) {
	d := &foldDir{names: make(map[string][]string, len(names)), expires: time.Now().Add(foldTTL)}
	for _, n := range names {
		k := foldKey(n)
		d.names[k] = append(d.names[k], n)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	evict(x.dirs, foldMaxDirs)
	x.dirs[dir] = d
}

// added records that the entry name now exists.
func (x *foldIndex) added(name string) {
	dir, base := Split(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	if d := x.dirs[dir]; d != nil {
		k := foldKey(base)
		for _, n := range d.names[k] {
			if n == base {
				return
			}
		}
		d.names[k] = append(d.names[k], base)
	}
}

// removed records that the entry name is gone, and with it whatever was below it.
func (x *foldIndex) removed(name string) {
	dir, base := Split(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	if d := x.dirs[dir]; d != nil {
		k := foldKey(base)
		names := d.names[k][:0]
		for _, n := range d.names[k] {
			if n != base {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			delete(d.names, k)
		} else {
			d.names[k] = names
		}
	}
	x.dropTree(name)
}

// forget drops the index of name's directory and of everything at and below name.
func (x *foldIndex) forget(name string) {
	dir, _ := Split(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.dirs, dir)
	x.dropTree(name)
}

// dropTree drops the index of name and of the directories below it; x.mu is held.
func (x *foldIndex) dropTree(name string) {
	delete(x.dirs, name)
	prefix := name + "/"
	if name == "/" {
		prefix = "/"
	}
	for k := range x.dirs {
		if strings.HasPrefix(k, prefix) {
			delete(x.dirs, k)
		}
	}
}
